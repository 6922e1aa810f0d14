//! Column types the migrations share, so every table stores time alike.
{% if database == "mysql" %}
use sea_orm_migration::prelude::{Alias, ColumnDef, IntoIden};
use sea_orm_migration::schema::custom;
{%- if message_bus == "rabbitmq" %}
use sea_orm_migration::schema::custom_null;
{%- endif %}

/// MySQL's plain TIMESTAMP keeps whole seconds; DATETIME(6) keeps microseconds
/// (values are always UTC).
pub fn timestamp(column: impl IntoIden) -> ColumnDef {
    custom(column, Alias::new("DATETIME(6)"))
}
{%- if message_bus == "rabbitmq" %}

pub fn timestamp_null(column: impl IntoIden) -> ColumnDef {
    custom_null(column, Alias::new("DATETIME(6)"))
}
{%- endif %}
{%- else %}
use sea_orm_migration::prelude::{ColumnDef, IntoIden};
use sea_orm_migration::schema::timestamp_with_time_zone;
{%- if message_bus == "rabbitmq" %}
use sea_orm_migration::schema::timestamp_with_time_zone_null;
{%- endif %}

/// With the time zone: PostgreSQL's `timestamptz` (microseconds, UTC).
pub fn timestamp(column: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone(column)
}
{%- if message_bus == "rabbitmq" %}

pub fn timestamp_null(column: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone_null(column)
}
{%- endif %}
{%- endif %}
