//! SeaORM entities: the table layout. Only this module and the migrations know it.

// Tables, one per aggregate.
pub mod {{aggregate}};
{%- if message_bus == "rabbitmq" %}

/// The transactional outbox: one row per domain event, written with the change.
pub mod outbox_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_messages")]
    pub struct Model {
        /// The event's id (UUIDv7).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub aggregate_type: String,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub aggregate_id: String,
        pub aggregate_version: i64,
        #[sea_orm(column_type = "String(StringLen::N(32))")]
        pub event_type: String,
        /// The event's data, JSON.
        #[sea_orm(column_type = "Text")]
        pub data: String,
        /// The W3C `traceparent` the event was saved in, when traced.
        #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
        pub trace_parent: Option<String>,
        /// Failed publishing attempts.
        pub attempts: i32,
        /// The relay holding the lease, while it runs.
        #[sea_orm(nullable)]
        pub claimed_by: Option<Uuid>,
{%- if database == "mysql" %}
        #[sea_orm(column_type = "custom(\"DATETIME(6)\")")]
        pub occurred_at: DateTimeUtc,
        /// Not claimable before this: the retry backoff.
        #[sea_orm(column_type = "custom(\"DATETIME(6)\")")]
        pub available_at: DateTimeUtc,
        #[sea_orm(column_type = "custom(\"DATETIME(6)\")", nullable)]
        pub lease_until: Option<DateTimeUtc>,
        #[sea_orm(column_type = "custom(\"DATETIME(6)\")", nullable)]
        pub published_at: Option<DateTimeUtc>,
{%- else %}
        pub occurred_at: DateTimeUtc,
        /// Not claimable before this: the retry backoff.
        pub available_at: DateTimeUtc,
        #[sea_orm(nullable)]
        pub lease_until: Option<DateTimeUtc>,
        #[sea_orm(nullable)]
        pub published_at: Option<DateTimeUtc>,
{%- endif %}
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The inbox: one row per message a subscriber accepted, written with its
/// effect; purged after the retention period.
pub mod inbox_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "inbox_messages")]
    pub struct Model {
        /// The subscriber: each one sees every message once.
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(128))"
        )]
        pub consumer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: Uuid,
{%- if database == "mysql" %}
        #[sea_orm(column_type = "custom(\"DATETIME(6)\")")]
        pub received_at: DateTimeUtc,
{%- else %}
        pub received_at: DateTimeUtc,
{%- endif %}
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The activity records: one row per event of {{an_aggregate}}, as the
/// subscriber recorded it.
pub mod activity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "{{aggregate}}_activity")]
    pub struct Model {
        /// The event's id: one record per event.
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        pub {{aggregate}}_id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(16))")]
        pub kind: String,
        pub version: i64,
{%- if database == "mysql" %}
        #[sea_orm(column_type = "custom(\"DATETIME(6)\")")]
        pub occurred_at: DateTimeUtc,
        #[sea_orm(column_type = "custom(\"DATETIME(6)\")")]
        pub recorded_at: DateTimeUtc,
{%- else %}
        pub occurred_at: DateTimeUtc,
        pub recorded_at: DateTimeUtc,
{%- endif %}
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
{%- endif %}
