//! `/api/v1/{{aggregate_route}}/{id}/activity`: what the example subscriber
//! recorded of one {{aggregate_title}}'s events.
//!
//! The feed is eventually consistent: an event shows up once the relay has
//! published it and the subscriber has consumed it (milliseconds, or longer
//! while the broker is away).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::extract::{Path, Query};
use super::{ApiError, AppState, Problem, number};

use super::{{aggregates}}::{page, page_size};

use {{crate_name}}_domain_model::retrievers::List{{Aggregate}}ActivityRetriever as Retriever;
use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}Id;

pub fn routes() -> Router<AppState> {
    let path = "/api/v1/{{aggregate_route}}/{id}/activity";
    Router::new().route(path, get(list_activity))
}

/// The feed's part of the API document; `docs` merges it.
#[derive(Debug, OpenApi)]
#[openapi(paths(list_activity))]
pub struct Api;

/// One event of the {{aggregate_title}}, as the subscriber recorded it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityResponse {
    /// The event's id (the CloudEvent `id`).
    pub event_id: Uuid,
    /// `created`, `updated` or `deleted`.
    pub kind: String,
    /// The {{aggregate_title}}'s version after the event.
    pub version: i64,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// When the subscriber recorded it.
    pub recorded_at: DateTime<Utc>,
}

impl From<&Activity> for ActivityResponse {
    fn from(activity: &Activity) -> Self {
        Self {
            event_id: activity.event_id,
            kind: activity.kind.as_str().to_owned(),
            version: activity.version,
            occurred_at: activity.occurred_at,
            recorded_at: activity.recorded_at,
        }
    }
}

/// One page of activity, oldest version first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<ActivityResponse>,
    pub page: u64,
    pub page_size: u64,
    /// Records across all pages.
    pub total: u64,
}

/// Paging of the feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    #[serde(default, deserialize_with = "number::query")]
    #[param(schema_with = page)]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "number::query")]
    #[param(schema_with = page_size)]
    pub page_size: Option<u64>,
}

/// The events of one {{aggregate_title}}, as the example subscriber recorded them.
#[utoipa::path(get, path = "/api/v1/{{aggregate_route}}/{id}/activity",
    tag = "{{aggregates}}",
    params(("id" = Uuid, Path), ActivityParams),
    responses(
        (status = 200, description = "One page", body = ActivityPage),
        (status = 404, description = "No such {{aggregate_title}}", body = Problem),
        (status = 422, description = "Invalid parameters", body = Problem)))]
pub async fn list_activity(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(params): Query<ActivityParams>,
) -> Result<axum::Json<ActivityPage>, ApiError> {
    let id = {{Aggregate}}Id::from_uuid(id);
    let (page, page_size) = (params.page, params.page_size);
    let found = state.activity.retrieve(id, page, page_size).await?;
    let items = found.items.iter().map(ActivityResponse::from);
    Ok(axum::Json(ActivityPage {
        items: items.collect(),
        page: page.unwrap_or(1),
        page_size: page_size.unwrap_or(Retriever::DEFAULT_PAGE_SIZE),
        total: found.total,
    }))
}
