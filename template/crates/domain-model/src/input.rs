//! Validated input of the processors.

use validator::{Validate, ValidationError, ValidationErrors};

use crate::{DomainError, FieldError};
use {{crate_name}}_entity_model::{Amount, Description, Name, ValueError};

use {{crate_name}}_entity_model::{{Aggregate}}Changes;
use {{crate_name}}_entity_model::{{Aggregate}}Status;

/// The writable fields of {{an_aggregate}}, as a client sends them.
///
/// Each rule is the value object's own `parse`, so the limits live in one
/// place (the entity model) and every error is reported at once, per field.
#[derive(Debug, Clone, PartialEq, Eq, Validate)]
pub struct {{Aggregate}}Input {
    #[validate(custom(function = "valid_name"))]
    pub name: String,
    #[validate(custom(function = "valid_description"))]
    pub description: Option<String>,
    #[validate(custom(function = "valid_amount"))]
    pub amount_cents: i64,
    /// `None` on create (a new {{aggregate_title}} starts as a draft).
    pub status: Option<{{Aggregate}}Status>,
}

impl {{Aggregate}}Input {
    /// Checks every field and builds the value objects.
    pub(crate) fn parse(&self) -> Result<{{Aggregate}}Changes, DomainError> {
        self.validate().map_err(to_domain)?;
        let description = self.description.as_deref();
        let changes = {{Aggregate}}Changes {
            name: Name::parse(&self.name).map_err(internal)?,
            description: description
                .map(Description::parse)
                .transpose()
                .map_err(internal)?,
            status: self.status.unwrap_or({{Aggregate}}Status::Draft),
            amount: Amount::from_cents(self.amount_cents).map_err(internal)?,
        };
        Ok(changes)
    }
}

fn valid_name(name: &str) -> Result<(), ValidationError> {
    Name::parse(name).map(drop).map_err(to_validation)
}

fn valid_description(description: &str) -> Result<(), ValidationError> {
    Description::parse(description)
        .map(drop)
        .map_err(to_validation)
}

fn valid_amount(cents: i64) -> Result<(), ValidationError> {
    Amount::from_cents(cents).map(drop).map_err(to_validation)
}

fn to_validation(err: ValueError) -> ValidationError {
    ValidationError::new("invalid").with_message(err.to_string().into())
}

/// Unreachable after `validate` passed; reported as a validation error anyway
/// rather than trusting that.
fn internal(err: ValueError) -> DomainError {
    DomainError::invalid("input", err.to_string())
}

fn to_domain(errors: ValidationErrors) -> DomainError {
    let mut fields: Vec<FieldError> = errors
        .field_errors()
        .into_iter()
        .flat_map(|(field, errors)| {
            errors.iter().map(move |e| {
                let message = e.message.as_deref().unwrap_or("is invalid");
                FieldError::new(field.as_ref(), message)
            })
        })
        .collect();
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    DomainError::Validation(fields)
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
