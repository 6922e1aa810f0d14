//! Translates a specification into a filter document and find options.
//!
//! Every value is placed under an explicit operator (`$eq`, `$gte`, …) as a
//! typed BSON value taken from a typed condition, so client input can only
//! ever be data: a name such as `{"$ne": null}` is compared as a string, and
//! text for `NameContains` is regex-escaped.

use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use {{crate_name}}_persistence_model::SortDirection;

use {{crate_name}}_persistence_model::{{Aggregate}}Condition;
use {{crate_name}}_persistence_model::{{Aggregate}}SortKey;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

type Spec = {{Aggregate}}Specification;

pub(crate) fn filter(spec: &Spec) -> Document {
    let Some(filter) = &spec.filter else {
        return Document::new();
    };
    filter.fold(
        &translate,
        // MongoDB refuses empty `$and`/`$or` arrays: spell out their meaning.
        &|all| match all.is_empty() {
            true => Document::new(),
            false => doc! { "$and": all },
        },
        &|any| match any.is_empty() {
            true => nothing(),
            false => doc! { "$or": any },
        },
        &|not| doc! { "$nor": [not] },
    )
}

/// Sort (then `_id`, so pages never overlap), skip and limit.
pub(crate) fn find_options(spec: &Spec) -> FindOptions {
    let mut sort = Document::new();
    for (sort_key, direction) in &spec.sort {
        let order = match direction {
            SortDirection::Ascending => 1,
            SortDirection::Descending => -1,
        };
        sort.insert(key(*sort_key), order);
    }
    sort.insert("_id", 1);
    let limit = spec
        .take
        .map(|take| i64::try_from(take).unwrap_or(i64::MAX));
    FindOptions::builder()
        .sort(sort)
        .skip(spec.skip)
        .limit(limit)
        .build()
}

fn translate(condition: &{{Aggregate}}Condition) -> Document {
    type Is = {{Aggregate}}Condition;
    match condition {
        Is::Status(status) => doc! { "status": { "$eq": status.as_str() } },
        Is::Name(name) => doc! { "name": { "$eq": name.as_str() } },
        Is::NameContains(text) => {
            let pattern = escape_regex(text);
            doc! { "name": { "$regex": pattern, "$options": "i" } }
        }
        Is::AmountBetween { min, max } => {
            doc! { "amount_cents": { "$gte": min.cents(), "$lte": max.cents() } }
        }
    }
}

/// A filter that matches no document.
fn nothing() -> Document {
    doc! { "_id": { "$in": [] } }
}

fn key(key: {{Aggregate}}SortKey) -> &'static str {
    type Key = {{Aggregate}}SortKey;
    match key {
        Key::Name => "name",
        Key::Status => "status",
        Key::AmountCents => "amount_cents",
        Key::CreatedAt => "created_at",
        Key::UpdatedAt => "updated_at",
    }
}

/// Makes every character of `text` match itself in a regular expression.
fn escape_regex(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    use {{crate_name}}_entity_model::Name;

    #[test]
    fn operators_in_values_stay_data() {
        let name = Name::parse("{\"$ne\": null}").unwrap();
        let filter = filter(&Spec::named(&name));
        let expected = doc! { "name": { "$eq": "{\"$ne\": null}" } };
        assert_eq!(filter, expected);
    }

    #[test]
    fn regex_metacharacters_are_escaped() {
        assert_eq!(escape_regex("a.b*(c)"), "a\\.b\\*\\(c\\)");
        let spec = Spec::name_contains(".*");
        let expected = doc! { "name": { "$regex": "\\.\\*", "$options": "i" } };
        assert_eq!(filter(&spec), expected);
    }

    #[test]
    fn sort_ends_with_the_id() {
        let spec = Spec::all().sorted_by({{Aggregate}}SortKey::Name, SortDirection::Descending);
        let options = find_options(&spec);
        assert_eq!(options.sort, Some(doc! { "name": -1, "_id": 1 }));
    }
}
