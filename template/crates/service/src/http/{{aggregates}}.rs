//! `/api/v1/{{aggregate_route}}`: the REST resource of the {{aggregate_title}} aggregate.
//!
//! Request and response bodies are DTOs defined here; the entity model has no
//! `Serialize`, so the wire format can only change in this file.

use {{crate_name}}_entity_model::AggregateRoot;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Json, Path, Query, etag, if_match};
use super::{ApiError, AppState, Problem};

use {{crate_name}}_domain_model::List{{Aggregates}}Query;
use {{crate_name}}_domain_model::{{Aggregate}}Input;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_entity_model::{{Aggregate}}Status;

const COLLECTION: &str = "/api/v1/{{aggregate_route}}";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(COLLECTION, get(list).post(create))
        .route(
            "/api/v1/{{aggregate_route}}/{id}",
            get(get_one).put(update).delete(delete),
        )
}

/// Life cycle state. `archived` is read-only; `active` cannot return to `draft`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusDto {
    Draft,
    Active,
    Archived,
}

impl From<StatusDto> for {{Aggregate}}Status {
    fn from(status: StatusDto) -> Self {
        match status {
            StatusDto::Draft => Self::Draft,
            StatusDto::Active => Self::Active,
            StatusDto::Archived => Self::Archived,
        }
    }
}

impl From<{{Aggregate}}Status> for StatusDto {
    fn from(status: {{Aggregate}}Status) -> Self {
        match status {
            {{Aggregate}}Status::Draft => Self::Draft,
            {{Aggregate}}Status::Active => Self::Active,
            {{Aggregate}}Status::Archived => Self::Archived,
        }
    }
}

/// One {{aggregate_title}} as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct {{Aggregate}}Response {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub status: StatusDto,
    /// Amount in minor units (cents).
    pub amount_cents: i64,
    /// Increases with every change; also sent as the `ETag`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&{{Aggregate}}> for {{Aggregate}}Response {
    fn from(aggregate: &{{Aggregate}}) -> Self {
        Self {
            id: aggregate.id().as_uuid(),
            name: aggregate.name().as_str().to_owned(),
            description: aggregate.description().map(|d| d.as_str().to_owned()),
            status: aggregate.status().into(),
            amount_cents: aggregate.amount().cents(),
            version: aggregate.version(),
            created_at: aggregate.created_at(),
            updated_at: aggregate.updated_at(),
        }
    }
}

/// The body of a create request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Create{{Aggregate}}Request {
    /// 1 to 200 characters, unique.
    pub name: String,
    /// At most 2000 characters.
    pub description: Option<String>,
    /// 0 to 1 000 000 000 000 minor units.
    pub amount_cents: i64,
}

/// The body of an update request: every writable field (PUT replaces).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Update{{Aggregate}}Request {
    pub name: String,
    pub description: Option<String>,
    pub status: StatusDto,
    pub amount_cents: i64,
}

/// Filters, sort and paging of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `draft`, `active` or `archived`.
    pub status: Option<String>,
    /// Case-insensitive part of the name.
    pub name_contains: Option<String>,
    pub min_amount_cents: Option<i64>,
    pub max_amount_cents: Option<i64>,
    /// Comma-separated fields, `-` for descending, e.g. `-created_at,name`.
    /// Fields: name, status, amount_cents, created_at, updated_at.
    pub sort: Option<String>,
    /// 1-based (default 1).
    pub page: Option<u64>,
    /// 1 to 100 (default 20).
    pub page_size: Option<u64>,
}

/// One page of {{aggregates}}.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct {{Aggregate}}Page {
    pub items: Vec<{{Aggregate}}Response>,
    pub page: u64,
    pub page_size: u64,
    /// Matching {{aggregates}} across all pages.
    pub total: u64,
}

/// The aggregate as a response body with its `ETag`.
fn with_etag(status: StatusCode, aggregate: &{{Aggregate}}) -> Response {
    let body = axum::Json({{Aggregate}}Response::from(aggregate));
    let tag = etag(aggregate.version());
    (status, [(header::ETAG, tag)], body).into_response()
}

/// Create {{an_aggregate}} (it starts as a draft).
#[utoipa::path(post, path = "/api/v1/{{aggregate_route}}", tag = "{{aggregates}}",
    request_body = Create{{Aggregate}}Request,
    responses(
        (status = 201, description = "Created", body = {{Aggregate}}Response,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "Name taken", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Json(request): Json<Create{{Aggregate}}Request>,
) -> Result<Response, ApiError> {
    let input = {{Aggregate}}Input {
        name: request.name,
        description: request.description,
        amount_cents: request.amount_cents,
        status: None,
    };
    let created = state.create.process(input).await?;
    let location = format!("{COLLECTION}/{}", created.id());
    let mut response = with_etag(StatusCode::CREATED, &created);
    let location = HeaderValue::try_from(location)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// Get one {{aggregate_title}}.
#[utoipa::path(get, path = "/api/v1/{{aggregate_route}}/{id}", tag = "{{aggregates}}",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Found", body = {{Aggregate}}Response,
            headers(("ETag" = String))),
        (status = 404, description = "Not found", body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let id = {{Aggregate}}Id::from_uuid(id);
    let found = state.get.retrieve(id).await?;
    Ok(with_etag(StatusCode::OK, &found))
}

/// List {{aggregates}} with filters, sort and paging.
#[utoipa::path(get, path = "/api/v1/{{aggregate_route}}", tag = "{{aggregates}}",
    params(ListParams),
    responses(
        (status = 200, description = "One page", body = {{Aggregate}}Page),
        (status = 400, description = "Unknown parameter", body = Problem),
        (status = 422, description = "Invalid parameter", body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<{{Aggregate}}Page>, ApiError> {
    let query = List{{Aggregates}}Query {
        status: params.status,
        name_contains: params.name_contains,
        min_amount_cents: params.min_amount_cents,
        max_amount_cents: params.max_amount_cents,
        sort: params.sort,
        page: params.page,
        page_size: params.page_size,
    };
    let found = state.list.retrieve(&query).await?;
    let items = found.items.iter().map({{Aggregate}}Response::from);
    Ok(axum::Json({{Aggregate}}Page {
        items: items.collect(),
        page: query.page(),
        page_size: query.page_size(),
        total: found.total,
    }))
}

/// Replace {{an_aggregate}}'s writable fields. Send `If-Match` with the `ETag` you
/// read to make sure nobody changed it meanwhile.
#[utoipa::path(put, path = "/api/v1/{{aggregate_route}}/{id}", tag = "{{aggregates}}",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = Update{{Aggregate}}Request,
    responses(
        (status = 200, description = "Updated", body = {{Aggregate}}Response),
        (status = 404, description = "Not found", body = Problem),
        (status = 409, description = "Concurrent change or rule", body = Problem),
        (status = 412, description = "If-Match mismatch", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(request): Json<Update{{Aggregate}}Request>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let input = {{Aggregate}}Input {
        name: request.name,
        description: request.description,
        amount_cents: request.amount_cents,
        status: Some(request.status.into()),
    };
    let id = {{Aggregate}}Id::from_uuid(id);
    let updated = state.update.process(id, expected, input).await?;
    Ok(with_etag(StatusCode::OK, &updated))
}

/// Delete {{an_aggregate}}.
#[utoipa::path(delete, path = "/api/v1/{{aggregate_route}}/{id}", tag = "{{aggregates}}",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "Not found", body = Problem),
        (status = 412, description = "If-Match mismatch", body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let expected = if_match(&headers)?;
    let id = {{Aggregate}}Id::from_uuid(id);
    state.delete.process(id, expected).await?;
    Ok(StatusCode::NO_CONTENT)
}
