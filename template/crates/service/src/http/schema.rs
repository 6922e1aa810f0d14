//! JSON Schemas of request fields, built from the rules the service enforces,
//! so the API document states the same limits the code applies (and clients
//! generated from it send nothing that is then refused).
//!
//! The limits are the entity model's and the retrievers' own constants; the
//! patterns are derived from the same definitions the code uses (`char::is_whitespace`
//! for "blank", the list of sort keys), never written twice.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{Object, RefOr, Schema};

use {{crate_name}}_entity_model::{Amount, Description, Name};

/// A string without NUL (which no backend stores alike), anchored so that it
/// holds for the whole value.
const NO_NUL: &str = "^[^\\u0000]*$";

/// `Name`: 1 to `Name::MAX_CHARS` characters, at least one not whitespace, no NUL.
pub fn name() -> Object {
    let pattern = format!("^[^\\u0000]*[^\\u0000{}][^\\u0000]*$", whitespace_class());
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(Name::MAX_CHARS))
        .pattern(Some(pattern))
        .description(Some(
            "Shown to people; unique. Surrounding whitespace is not stored.",
        ))
        .build()
}

/// `Description`: up to `Description::MAX_CHARS` characters, no NUL, or null.
pub fn description() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(Description::MAX_CHARS))
        .pattern(Some(NO_NUL))
        .build()
}

/// `Amount`: 0 to `Amount::MAX_CENTS` minor units.
pub fn amount_cents() -> Object {
    cents()
        .description(Some("Amount in minor units (cents)."))
        .build()
}

/// An amount bound of a list filter (query parameters are never null: an
/// absent one is simply not sent).
pub fn amount_filter() -> Object {
    cents().build()
}

fn cents() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        .maximum(Some(Amount::MAX_CENTS))
}

/// A substring filter on names: no longer than a name, no NUL.
pub fn name_filter(max_chars: usize) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max_chars))
        .pattern(Some(NO_NUL))
        .build()
}

/// `-created_at,name`: the known `keys`, comma-separated, `-` for descending.
pub fn sort(keys: &[&str]) -> Object {
    let key = format!("-?({})", keys.join("|"));
    let description = format!(
        "Comma-separated fields, `-` for descending, e.g. `-created_at,name`. Fields: {}.",
        keys.join(", ")
    );
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{key}(,{key})*$")))
        .description(Some(description))
        .build()
}

/// An integer in `min..=max`.
pub fn bounded(min: u64, max: u64, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(min))
        .maximum(Some(max))
        .description(Some(description))
        .build()
}

/// What the `If-Match` extractor accepts: an ETag of this API (`"3"`, or weak
/// `W/"3"`), the bare version (`3`), or `*`. Versions have at most 18 digits,
/// so every value that matches parses as an `i64`; the extractor's tests try
/// values on both sides of it.
pub const IF_MATCH_PATTERN: &str = "^(\\*|(W/)?\"[0-9]{1,18}\"|[0-9]{1,18})$";

/// `If-Match`, as [`IF_MATCH_PATTERN`] describes it.
pub fn if_match() -> RefOr<Schema> {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(IF_MATCH_PATTERN))
        .build();
    RefOr::T(Schema::Object(schema))
}

/// A character class body of every character `char::is_whitespace` accepts,
/// as JSON Schema (ECMA 262) and Python regular expressions both read it.
fn whitespace_class() -> String {
    let mut class = String::new();
    let mut run: Option<(char, char)> = None;
    let chars = (0..=0xFFFF_u32).filter_map(char::from_u32);
    for c in chars.filter(|c| c.is_whitespace()) {
        run = match run {
            Some((first, last)) if u32::from(last) + 1 == u32::from(c) => Some((first, c)),
            Some(done) => {
                push_range(&mut class, done);
                Some((c, c))
            }
            None => Some((c, c)),
        };
    }
    if let Some(done) = run {
        push_range(&mut class, done);
    }
    class
}

fn push_range(class: &mut String, (first, last): (char, char)) {
    class.push_str(&format!("\\u{:04X}", u32::from(first)));
    if first != last {
        class.push_str(&format!("-\\u{:04X}", u32::from(last)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whitespace_class_lists_exactly_rusts_whitespace() {
        let class = whitespace_class();
        assert!(class.starts_with("\\u0009-\\u000D\\u0020"), "{class}");
        assert!(class.contains("\\u3000"), "{class}");
        // Outside the Basic Multilingual Plane nothing is whitespace.
        let astral = (0x1_0000..=0x10_FFFF_u32).filter_map(char::from_u32);
        assert!(!astral.into_iter().any(char::is_whitespace));
    }
}
