//! The OpenAPI document (`/openapi.json`), generated from the handlers, and
//! Swagger UI (`/docs`), served from assets built into the binary (no CDN).

use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use super::AppState;
use super::{health, metrics, {{aggregates}}};

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "{{project-name}}", description = "The {{project-name}} service API."),
    paths(
        {{aggregates}}::create,
        {{aggregates}}::get_one,
        {{aggregates}}::list,
        {{aggregates}}::update,
        {{aggregates}}::delete,
        health::live,
        health::ready,
        metrics::render,
    ),
    tags((name = "{{aggregates}}", description = "The {{aggregate_title}} aggregate"))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    let ui = SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi());
    Router::new().merge(ui)
}
