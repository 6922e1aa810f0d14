//! `/api/v1/{{aggregate_route}}`: the REST resource of the {{aggregate_title}} aggregate.
//!
//! Request and response bodies are DTOs defined here; the entity model has no
//! `Serialize`, so the wire format can only change in this file.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::Object;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::extract::{IfMatch, Json, Path, Query, etag};
use super::{ApiError, AppState, Problem, number, schema};

use std::sync::Arc;

use {{crate_name}}_domain_model::List{{Aggregates}}Query;
use {{crate_name}}_domain_model::processors as p;
use {{crate_name}}_domain_model::retrievers as r;
use {{crate_name}}_entity_model::AggregateRoot;
use {{crate_name}}_persistence_model::Store;

use {{crate_name}}_domain_model::{{Aggregate}}Input;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_entity_model::{{Aggregate}}Status;

const COLLECTION: &str = "/api/v1/{{aggregate_route}}";

/// The use cases the handlers of this resource call.
#[derive(Debug)]
pub struct UseCases {
    create: p::Create{{Aggregate}}Processor,
    update: p::Update{{Aggregate}}Processor,
    delete: p::Delete{{Aggregate}}Processor,
    get: r::Get{{Aggregate}}Retriever,
    list: r::List{{Aggregates}}Retriever,
}

impl UseCases {
    pub fn new(store: &Arc<dyn Store>) -> Self {
        Self {
            create: p::Create{{Aggregate}}Processor::new(store.clone()),
            update: p::Update{{Aggregate}}Processor::new(store.clone()),
            delete: p::Delete{{Aggregate}}Processor::new(store.clone()),
            get: r::Get{{Aggregate}}Retriever::new(store.clone()),
            list: r::List{{Aggregates}}Retriever::new(store.clone()),
        }
    }
}

/// The resource's part of the API document; `docs` merges it.
#[derive(Debug, OpenApi)]
#[openapi(
    paths(create, get_one, list, update, delete),
    tags((name = "{{aggregates}}", description = "The {{aggregate_title}} aggregate"))
)]
pub struct Api;

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
    #[schema(schema_with = schema::name)]
    pub name: String,
    #[schema(schema_with = schema::description)]
    pub description: Option<String>,
    #[serde(deserialize_with = "number::whole")]
    #[schema(schema_with = schema::amount_cents)]
    pub amount_cents: i64,
}

/// The body of an update request: every writable field (PUT replaces).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Update{{Aggregate}}Request {
    #[schema(schema_with = schema::name)]
    pub name: String,
    #[schema(schema_with = schema::description)]
    pub description: Option<String>,
    pub status: StatusDto,
    #[serde(deserialize_with = "number::whole")]
    #[schema(schema_with = schema::amount_cents)]
    pub amount_cents: i64,
}

/// Filters, sort and paging of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[param(schema_with = status_filter)]
    pub status: Option<String>,
    /// Case-insensitive part of the name.
    #[param(schema_with = name_filter)]
    pub name_contains: Option<String>,
    /// Inclusive; above `max_amount_cents` matches nothing.
    #[serde(default, deserialize_with = "number::query")]
    #[param(schema_with = schema::amount_filter)]
    pub min_amount_cents: Option<i64>,
    /// Inclusive.
    #[serde(default, deserialize_with = "number::query")]
    #[param(schema_with = schema::amount_filter)]
    pub max_amount_cents: Option<i64>,
    #[param(schema_with = sort)]
    pub sort: Option<String>,
    #[serde(default, deserialize_with = "number::query")]
    #[param(schema_with = page)]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "number::query")]
    #[param(schema_with = page_size)]
    pub page_size: Option<u64>,
}

type Retriever = r::List{{Aggregates}}Retriever;

fn status_filter() -> Object {
    let names = {{Aggregate}}Status::ALL.map({{Aggregate}}Status::as_str);
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .build()
}

fn name_filter() -> Object {
    schema::name_filter(Retriever::MAX_FILTER_CHARS)
}

fn sort() -> Object {
    schema::sort(&List{{Aggregates}}Query::SORT_KEYS.map(|(key, _)| key))
}

pub(super) fn page() -> Object {
    schema::bounded(1, Retriever::MAX_PAGE, "1-based page number (default 1).")
}

pub(super) fn page_size() -> Object {
    let description = format!("Items per page (default {}).", Retriever::DEFAULT_PAGE_SIZE);
    schema::bounded(1, Retriever::MAX_PAGE_SIZE, &description)
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
        (status = 409, description = "The name is taken", body = Problem),
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
    let create = &state.{{aggregates}}.create;
    let created = create.process(input).await?;
    let mut response = with_etag(StatusCode::CREATED, &created);
    // A hyphenated UUID is always a valid header value.
    let location = format!("{COLLECTION}/{}", created.id());
    if let Ok(location) = HeaderValue::try_from(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
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
    let get = &state.{{aggregates}}.get;
    let found = get.retrieve(id).await?;
    Ok(with_etag(StatusCode::OK, &found))
}

/// List {{aggregates}} with filters, sort and paging.
#[utoipa::path(get, path = "/api/v1/{{aggregate_route}}", tag = "{{aggregates}}",
    params(ListParams),
    responses(
        (status = 200, description = "One page", body = {{Aggregate}}Page),
        (status = 422, description = "Invalid parameters", body = Problem)))]
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
    let list = &state.{{aggregates}}.list;
    let found = list.retrieve(&query).await?;
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
    params(("id" = Uuid, Path), IfMatch),
    request_body = Update{{Aggregate}}Request,
    responses(
        (status = 200, description = "Updated", body = {{Aggregate}}Response,
            headers(("ETag" = String))),
        (status = 404, description = "Not found", body = Problem),
        (status = 409, description = "A concurrent change, a taken name or a broken rule",
            body = Problem),
        (status = 412, description = "If-Match names another version", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(request): Json<Update{{Aggregate}}Request>,
) -> Result<Response, ApiError> {
    let input = {{Aggregate}}Input {
        name: request.name,
        description: request.description,
        amount_cents: request.amount_cents,
        status: Some(request.status.into()),
    };
    let id = {{Aggregate}}Id::from_uuid(id);
    let update = &state.{{aggregates}}.update;
    let updated = update.process(id, expected, input).await?;
    Ok(with_etag(StatusCode::OK, &updated))
}

/// Delete {{an_aggregate}}.
#[utoipa::path(delete, path = "/api/v1/{{aggregate_route}}/{id}", tag = "{{aggregates}}",
    params(("id" = Uuid, Path), IfMatch),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "Not found", body = Problem),
        (status = 409, description = "A concurrent change", body = Problem),
        (status = 412, description = "If-Match names another version", body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<StatusCode, ApiError> {
    let id = {{Aggregate}}Id::from_uuid(id);
    let delete = &state.{{aggregates}}.delete;
    delete.process(id, expected).await?;
    Ok(StatusCode::NO_CONTENT)
}
