//! What clients send to change {{an_aggregate}}, validated for the processors.

use crate::error::on;
use crate::{DomainError, FieldError};
use {{crate_name}}_entity_model::{Amount, Description, Name};

use {{crate_name}}_entity_model::{{Aggregate}}Changes;
use {{crate_name}}_entity_model::{{Aggregate}}Status;

/// The writable fields of {{an_aggregate}}, as a client sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct {{Aggregate}}Input {
    pub name: String,
    pub description: Option<String>,
    pub amount_cents: i64,
    /// `None` on create (a new {{aggregate_title}} starts as a draft).
    pub status: Option<{{Aggregate}}Status>,
}

impl {{Aggregate}}Input {
    /// Builds the value objects in one pass: each rule is the value object's
    /// own `parse`, so the limits live in one place (the entity model), and
    /// every invalid field is reported at once.
    pub(crate) fn parse(&self) -> Result<{{Aggregate}}Changes, DomainError> {
        let name = Name::parse(&self.name).map_err(on("name"));
        let description = self.description.as_deref().map(Description::parse);
        let description = description.transpose().map_err(on("description"));
        let amount = Amount::from_cents(self.amount_cents).map_err(on("amount_cents"));
        match (name, description, amount) {
            (Ok(name), Ok(description), Ok(amount)) => Ok({{Aggregate}}Changes {
                name,
                description,
                status: self.status.unwrap_or({{Aggregate}}Status::Draft),
                amount,
            }),
            (name, description, amount) => {
                let errors = [name.err(), description.err(), amount.err()];
                let mut errors: Vec<FieldError> = errors.into_iter().flatten().collect();
                errors.sort_by(|a, b| a.field.cmp(&b.field));
                Err(DomainError::Validation(errors))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, cents: i64) -> {{Aggregate}}Input {
        {{Aggregate}}Input {
            name: name.to_owned(),
            description: None,
            amount_cents: cents,
            status: None,
        }
    }

    #[test]
    fn valid_input_becomes_value_objects() {
        let changes = input(" Desk ", 10).parse().unwrap();
        assert_eq!(changes.name.as_str(), "Desk");
        assert_eq!(changes.status, {{Aggregate}}Status::Draft);
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let mut bad = input("  ", -5);
        bad.description = Some("x".repeat(Description::MAX_CHARS + 1));
        let Err(DomainError::Validation(fields)) = bad.parse() else {
            panic!("expected a validation error");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["amount_cents", "description", "name"]);
        assert_eq!(fields[2].message, "must not be blank");
    }
}
