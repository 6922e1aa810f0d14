//! Integers as the API document's JSON Schema counts them: `12` and `12.0`
//! are the same integer, so both are accepted wherever the document says
//! `integer`, in a JSON body and in a query string alike. Anything with a
//! fraction, or outside the field's type, is refused as before.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

/// A whole number in a JSON body: `#[serde(deserialize_with = "number::whole")]`.
pub fn whole<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    let visitor = Whole {
        text: false,
        target: PhantomData,
    };
    deserializer.deserialize_any(visitor)
}

/// An optional whole number in a query string, where every value is text:
/// `#[serde(default, deserialize_with = "number::query")]`.
pub fn query<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    let visitor = Whole {
        text: true,
        target: PhantomData,
    };
    deserializer.deserialize_any(visitor).map(Some)
}

struct Whole<T> {
    /// Whether the number arrives as text (a query string), not as a number.
    text: bool,
    target: PhantomData<T>,
}

impl<T: TryFrom<i128>> Whole<T> {
    fn fit<E: de::Error>(value: i128) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::custom(format!("{value} is out of range")))
    }
}

impl<T: TryFrom<i128>> Visitor<'_> for Whole<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        Self::fit(value.into())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        Self::fit(value.into())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        // i128 holds every f64 below 2^127 exactly; anything larger is out of
        // every field's range anyway.
        let fits = value.fract() == 0.0 && value.abs() < 1e38;
        if !fits {
            return Err(E::invalid_type(de::Unexpected::Float(value), &self));
        }
        Self::fit(value as i128)
    }

    /// Query strings carry text; in JSON a string is not a number.
    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        if !self.text {
            return Err(E::invalid_type(de::Unexpected::Str(text), &self));
        }
        if let Ok(value) = text.parse::<i128>() {
            return Self::fit(value);
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => self.visit_f64(value),
            _ => Err(E::invalid_value(de::Unexpected::Str(text), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::whole")]
        cents: i64,
    }

    #[derive(Debug, Deserialize)]
    struct Query {
        #[serde(default, deserialize_with = "super::query")]
        page: Option<u64>,
    }

    fn body(json: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(json)
    }

    fn query(text: &str) -> Option<Option<u64>> {
        let uri = format!("/?{text}").parse().ok()?;
        let parsed = axum::extract::Query::<Query>::try_from_uri(&uri);
        parsed.ok().map(|query| query.page)
    }

    #[test]
    fn integral_floats_are_integers() {
        assert_eq!(body(r#"{"cents": 12.0}"#).unwrap().cents, 12);
        assert_eq!(body(r#"{"cents": -4}"#).unwrap().cents, -4);
        assert_eq!(query("page=2.0"), Some(Some(2)));
        assert_eq!(query("page=7"), Some(Some(7)));
        assert_eq!(query(""), Some(None));
    }

    #[test]
    fn fractions_text_and_overflow_are_refused() {
        assert!(body(r#"{"cents": 1.5}"#).is_err());
        assert!(body(r#"{"cents": "12"}"#).is_err());
        assert!(body(r#"{"cents": 1e30}"#).is_err());
        assert_eq!(query("page=2.5"), None);
        assert_eq!(query("page=abc"), None);
        assert_eq!(query("page=-1"), None);
    }
}
