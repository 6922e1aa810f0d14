//! Value objects: each one can only hold a valid value, checked once in `parse`.

/// Why a raw value was refused by a value object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain the NUL character")]
    ContainsNul,
    #[error("must be between {min} and {max}")]
    OutOfRange { min: i64, max: i64 },
}

/// Text that every backend can store: PostgreSQL refuses the NUL character in
/// text columns, so it is refused everywhere, before any backend sees it.
fn check_text(raw: &str, max: usize) -> Result<(), ValueError> {
    if raw.contains('\0') {
        return Err(ValueError::ContainsNul);
    }
    // Counted before any trimming, so the limit a client reads in the API
    // document is exactly the one applied.
    if raw.chars().count() > max {
        return Err(ValueError::TooLong { max });
    }
    Ok(())
}

/// A display name: at most [`Name::MAX_CHARS`] characters as sent, with at
/// least one that is not whitespace, no NUL; stored without surrounding
/// whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        check_text(raw, Self::MAX_CHARS)?;
        // `trim` and the API document's pattern both use Unicode's White_Space.
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValueError::Blank);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text description of at most [`Description::MAX_CHARS`] characters,
/// without NUL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        check_text(raw, Self::MAX_CHARS)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A non-negative amount of money in minor units (cents), so no float rounding
/// ever reaches storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(i64);

impl Amount {
    /// One trillion minor units: large enough for the example, small enough that
    /// sums of a few million amounts cannot overflow `i64`.
    pub const MAX_CENTS: i64 = 1_000_000_000_000;

    pub fn from_cents(cents: i64) -> Result<Self, ValueError> {
        if !(0..=Self::MAX_CENTS).contains(&cents) {
            return Err(ValueError::OutOfRange {
                min: 0,
                max: Self::MAX_CENTS,
            });
        }
        Ok(Self(cents))
    }

    pub fn cents(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Desk  ").unwrap().as_str(), "Desk");
        assert_eq!(Name::parse("   "), Err(ValueError::Blank));
        assert!(Name::parse(&"x".repeat(Name::MAX_CHARS)).is_ok());
        assert_eq!(
            Name::parse(&"x".repeat(Name::MAX_CHARS + 1)),
            Err(ValueError::TooLong {
                max: Name::MAX_CHARS
            })
        );
    }

    #[test]
    fn name_length_counts_characters_as_sent() {
        assert!(Name::parse(&"é".repeat(Name::MAX_CHARS)).is_ok());
        let padded = format!(" {}", "x".repeat(Name::MAX_CHARS));
        assert!(
            Name::parse(&padded).is_err(),
            "the limit applies before trimming"
        );
    }

    #[test]
    fn text_never_holds_nul() {
        assert_eq!(Name::parse("a\0b"), Err(ValueError::ContainsNul));
        assert_eq!(Description::parse("\0"), Err(ValueError::ContainsNul));
        assert!(Description::parse("line\nbreak\ttab").is_ok());
    }

    #[test]
    fn amount_must_be_within_range() {
        assert_eq!(Amount::from_cents(0).unwrap().cents(), 0);
        assert!(Amount::from_cents(-1).is_err());
        assert!(Amount::from_cents(Amount::MAX_CENTS).is_ok());
        assert!(Amount::from_cents(Amount::MAX_CENTS + 1).is_err());
    }

    #[test]
    fn description_is_bounded() {
        assert!(Description::parse("").is_ok());
        assert!(Description::parse(&"x".repeat(Description::MAX_CHARS + 1)).is_err());
    }
}

/// A status string that names no status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(pub String);
