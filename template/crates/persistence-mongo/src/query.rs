//! Translates a specification into a filter document and find options.
//!
//! Every value is placed under an explicit operator (`$eq`, `$gte`, …) as a
//! typed BSON value taken from a typed condition, so client input can only
//! ever be data: a name such as `{"$ne": null}` is compared as a string, and
//! text for `NameContains` is regex-escaped.

use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use {{crate_name}}_persistence_model::{SortDirection, Specification};

/// What an aggregate's conditions and sort keys are in MongoDB: each
/// aggregate's repository implements it.
pub(crate) trait Translation {
    type Condition;
    type SortKey: Copy;

    /// One condition as a filter document, every value under an operator.
    fn translate(condition: &Self::Condition) -> Document;

    /// The document field a sort key sorts by.
    fn key(key: Self::SortKey) -> &'static str;
}

type Spec<T> = Specification<<T as Translation>::Condition, <T as Translation>::SortKey>;

pub(crate) fn filter<T: Translation>(spec: &Spec<T>) -> Document {
    let Some(filter) = &spec.filter else {
        return Document::new();
    };
    filter.fold(
        &T::translate,
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
pub(crate) fn find_options<T: Translation>(spec: &Spec<T>) -> FindOptions {
    let mut sort = Document::new();
    for (sort_key, direction) in &spec.sort {
        let order = match direction {
            SortDirection::Ascending => 1,
            SortDirection::Descending => -1,
        };
        sort.insert(T::key(*sort_key), order);
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

/// A filter that matches no document.
fn nothing() -> Document {
    doc! { "_id": { "$in": [] } }
}

/// Makes every character of `text` match itself in a regular expression.
pub(crate) fn escape_regex(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
