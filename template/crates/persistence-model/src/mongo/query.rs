//! Translates a specification into a filter document and find options.
//!
//! Every value is placed under an explicit operator (`$eq`, `$in`, …) as a
//! typed BSON value built from [`Value`], so client input can only ever be
//! data: a string such as `{"$ne": null}` is compared as a string, and text for
//! `Contains` is regex-escaped.

use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;

use super::document::{timestamp, uuid};
use crate::{Filter, SortDirection, Value};

use crate::{{Aggregate}}Field;
use crate::{{Aggregate}}Specification;

type Field = {{Aggregate}}Field;
type Spec = {{Aggregate}}Specification;

pub(super) fn filter(spec: &Spec) -> Document {
    spec.filter.as_ref().map_or_else(Document::new, translate)
}

/// Sort (then `_id`, so pages never overlap), skip and limit.
pub(super) fn find_options(spec: &Spec) -> FindOptions {
    let mut sort = Document::new();
    for (field, direction) in &spec.sort {
        let order = match direction {
            SortDirection::Ascending => 1,
            SortDirection::Descending => -1,
        };
        sort.insert(key(*field), order);
    }
    if !sort.contains_key("_id") {
        sort.insert("_id", 1);
    }
    let limit = spec
        .take
        .map(|take| i64::try_from(take).unwrap_or(i64::MAX));
    FindOptions::builder()
        .sort(sort)
        .skip(spec.skip)
        .limit(limit)
        .build()
}

fn translate(filter: &Filter<Field>) -> Document {
    let compare = |f: &Field, op: &str, v: &Value| doc! { key(*f): { op: value(v) } };
    match filter {
        Filter::Eq(f, v) => compare(f, "$eq", v),
        Filter::Ne(f, v) => compare(f, "$ne", v),
        Filter::Lt(f, v) => compare(f, "$lt", v),
        Filter::Le(f, v) => compare(f, "$lte", v),
        Filter::Gt(f, v) => compare(f, "$gt", v),
        Filter::Ge(f, v) => compare(f, "$gte", v),
        Filter::Contains(f, text) => {
            let pattern = escape_regex(text);
            doc! { key(*f): { "$regex": pattern, "$options": "i" } }
        }
        Filter::In(f, values) => {
            let values: Vec<Bson> = values.iter().map(value).collect();
            doc! { key(*f): { "$in": values } }
        }
        // MongoDB refuses empty `$and`/`$or` arrays: spell out their meaning.
        Filter::And(filters) if filters.is_empty() => Document::new(),
        Filter::Or(filters) if filters.is_empty() => nothing(),
        Filter::And(filters) => doc! { "$and": documents(filters) },
        Filter::Or(filters) => doc! { "$or": documents(filters) },
        Filter::Not(filter) => doc! { "$nor": [translate(filter)] },
    }
}

fn documents(filters: &[Filter<Field>]) -> Vec<Document> {
    filters.iter().map(translate).collect()
}

/// A filter that matches no document.
fn nothing() -> Document {
    doc! { "_id": { "$in": [] } }
}

fn key(field: Field) -> &'static str {
    match field {
        Field::Id => "_id",
        Field::Name => "name",
        Field::Status => "status",
        Field::AmountCents => "amount_cents",
        Field::CreatedAt => "created_at",
        Field::UpdatedAt => "updated_at",
    }
}

fn value(value: &Value) -> Bson {
    match value {
        Value::Text(s) => Bson::String(s.clone()),
        Value::Integer(i) => Bson::Int64(*i),
        Value::Uuid(u) => uuid(*u),
        Value::Timestamp(t) => timestamp(*t),
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

    #[test]
    fn operators_in_values_stay_data() {
        let spec = Spec::named("{\"$ne\": null}");
        let filter = filter(&spec);
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
        let spec = Spec::all().sorted_by(Field::Name, SortDirection::Descending);
        let options = find_options(&spec);
        assert_eq!(options.sort, Some(doc! { "name": -1, "_id": 1 }));
    }
}
