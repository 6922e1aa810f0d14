//! The {{aggregates}} table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "{{aggregates}}")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(200))", unique)]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub status: String,
    pub amount_cents: i64,
    pub version: i64,
{%- if database == "mysql" %}
    // DATETIME(6): MySQL's TIMESTAMP default keeps whole seconds only.
    #[sea_orm(column_type = "custom(\"DATETIME(6)\")")]
    pub created_at: DateTimeUtc,
    #[sea_orm(column_type = "custom(\"DATETIME(6)\")")]
    pub updated_at: DateTimeUtc,
{%- else %}
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
{%- endif %}
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
