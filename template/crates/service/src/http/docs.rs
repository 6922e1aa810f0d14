//! The OpenAPI document (`/openapi.json`), generated from the handlers, and
//! Swagger UI (`/docs`), served from assets built into the binary (no CDN).
//!
//! Handlers document the answers they give themselves (404, 409, 412, 422);
//! [`ErrorResponses`] adds those that the extractors and the middleware give
//! to every operation (400, 408, 413, 415, 500, 503), so the document lists
//! every status the service can return, each with its problem+json body.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::problem::PROBLEM_JSON;
use super::{AppState, health, metrics};

{%- if message_bus == "rabbitmq" %}

use super::{{aggregate}}_activity;
{%- endif %}

// Resources, one per aggregate.
use super::{{aggregates}};

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "{{project-name}}", description = "The {{project-name}} service API."),
    paths(health::live, health::ready, metrics::render)
)]
pub struct ApiDoc;

/// The whole document: the service's own operations and each resource's.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
{%- if message_bus == "rabbitmq" %}
    document.merge({{aggregate}}_activity::Api::openapi());
{%- endif %}
    // Resources, one per aggregate.
    document.merge({{aggregates}}::Api::openapi());

    ErrorResponses.modify(&mut document);
    document
}

pub fn routes() -> Router<AppState> {
    let ui = SwaggerUi::new("/docs").url("/openapi.json", document());
    Router::new()
        .merge(ui)
        .layer(middleware::map_response(allow_swagger_ui))
}

/// Swagger UI runs its own scripts and styles (it sets inline styles and
/// draws icons from `data:` URIs), all served from this binary; the API's
/// own policy forbids any of it.
const DOCS_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

async fn allow_swagger_ui(mut response: axum::response::Response) -> axum::response::Response {
    let policy = HeaderValue::from_static(DOCS_POLICY);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}

/// Adds the error answers that come from outside the handlers, and gives
/// every error answer the problem+json media type.
#[derive(Debug)]
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            // The API's routes wait for startup and reach the database; the
            // probes, metrics and docs do neither.
            let api = path.starts_with("/api/");
            for operation in operations(item) {
                add_error_responses(operation, api);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    let PathItem {
        get,
        put,
        post,
        delete,
        patch,
        ..
    } = item;
    [get, put, post, delete, patch].into_iter().flatten()
}

fn add_error_responses(operation: &mut Operation, api: bool) {
    let has_body = operation.request_body.is_some();
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            as_problem(response);
        }
    }
    let mut add = |status: &str, description: &str| {
        let response = problem(description);
        responses.entry(status.to_owned()).or_insert(response);
    };
    add(
        "408",
        "The request took longer than `server.request_timeout_secs`",
    );
    add("500", "The server failed (a bug; the log has the cause)");
    if api {
        let malformed = "A path, query or header value of the wrong form (an id that is not \
            a UUID, an unknown query parameter, a malformed If-Match), or a body that is not \
            JSON";
        add("400", malformed);
        if has_body {
            add("413", "The body is larger than `server.body_limit_bytes`");
            add("415", "The body is not `application/json`");
        }
        let seconds = ObjectBuilder::new().schema_type(Type::Integer);
        let retry_after = HeaderBuilder::new()
            .schema(Some(seconds))
            .description(Some("Seconds to wait before retrying"))
            .build();
        let unavailable = ResponseBuilder::new()
            .description(
                "The database is unreachable, the service is still starting, or it is \
                 handling `server.max_concurrent_requests` requests already",
            )
            .content(PROBLEM_JSON, problem_content())
            .header("Retry-After", retry_after)
            .build();
        responses
            .entry("503".to_owned())
            .or_insert(RefOr::T(unavailable));
    }
}

fn problem(description: &str) -> RefOr<Response> {
    let response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, problem_content())
        .build();
    RefOr::T(response)
}

fn problem_content() -> Content {
    Content::new(Some(Ref::from_schema_name("Problem")))
}

/// Handlers write `body = Problem`, which utoipa files as `application/json`.
fn as_problem(response: &mut RefOr<Response>) {
    let RefOr::T(response) = response else {
        return;
    };
    let json = response.content.get("application/json");
    let is_problem = match json {
        Some(RefOr::T(content)) => matches!(
            &content.schema,
            Some(RefOr::Ref(schema)) if schema.ref_location.ends_with("/Problem")
        ),
        _ => false,
    };
    if let (true, Some(content)) = (
        is_problem,
        response.content.shift_remove("application/json"),
    ) {
        response.content.insert(PROBLEM_JSON.to_owned(), content);
    }
}
