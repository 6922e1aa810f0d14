//! Integers as the API document's JSON Schema counts them: `12` and `12.0`
//! are the same integer, so both are accepted wherever the document says
//! `integer`, in a JSON body and in a query string alike. Anything with a
//! fraction is refused.
//!
//! A whole number beyond the field's type saturates at its bound instead of
//! failing here, so it reaches the range check of the domain model and gets
//! the same 422 with the field's name as any other out-of-range value.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

/// A whole number in a JSON body: `#[serde(deserialize_with = "number::whole")]`.
pub fn whole<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Bounded,
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
    T: Bounded,
{
    let visitor = Whole {
        text: true,
        target: PhantomData,
    };
    deserializer.deserialize_any(visitor).map(Some)
}

/// An integer type with bounds to saturate at.
pub trait Bounded: TryFrom<i128> {
    const MIN: Self;
    const MAX: Self;
}

impl Bounded for i64 {
    const MIN: Self = i64::MIN;
    const MAX: Self = i64::MAX;
}

impl Bounded for u64 {
    const MIN: Self = u64::MIN;
    const MAX: Self = u64::MAX;
}

struct Whole<T> {
    /// Whether the number arrives as text (a query string), not as a number.
    text: bool,
    target: PhantomData<T>,
}

impl<T: Bounded> Whole<T> {
    fn fit<E: de::Error>(value: i128) -> Result<T, E> {
        let bound = if value < 0 { T::MIN } else { T::MAX };
        Ok(T::try_from(value).unwrap_or(bound))
    }
}

impl<T: Bounded> Visitor<'_> for Whole<T> {
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
        if !value.is_finite() || value.fract() != 0.0 {
            return Err(E::invalid_type(de::Unexpected::Float(value), &self));
        }
        // `as` saturates at i128's bounds, far beyond every field's.
        Self::fit(value as i128)
    }

    /// Query strings carry text; in JSON a string is not a number.
    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        if !self.text {
            return Err(E::invalid_type(de::Unexpected::Str(text), &self));
        }
        let negative = text.starts_with('-');
        let digits = text.strip_prefix('-').unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            // Only too many digits can fail to parse: saturate.
            let beyond = if negative { i128::MIN } else { i128::MAX };
            return Self::fit(text.parse().unwrap_or(beyond));
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
    fn fractions_and_text_are_refused() {
        assert!(body(r#"{"cents": 1.5}"#).is_err());
        assert!(body(r#"{"cents": "12"}"#).is_err());
        assert_eq!(query("page=2.5"), None);
        assert_eq!(query("page=abc"), None);
        assert_eq!(query("page=1x"), None);
    }

    #[test]
    fn numbers_beyond_the_type_saturate_for_the_range_check() {
        assert_eq!(body(r#"{"cents": 1e30}"#).unwrap().cents, i64::MAX);
        assert_eq!(body(r#"{"cents": -1e30}"#).unwrap().cents, i64::MIN);
        assert_eq!(
            body(r#"{"cents": 9223372036854775808}"#).unwrap().cents,
            i64::MAX
        );
        assert_eq!(query("page=18446744073709551616"), Some(Some(u64::MAX)));
        let huge = format!("page={}", "9".repeat(400));
        assert_eq!(query(&huge), Some(Some(u64::MAX)));
        assert_eq!(query("page=-1"), Some(Some(0)));
    }
}
