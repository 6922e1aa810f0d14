//! Liveness and readiness probes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `up` or `down`.
    status: &'static str,
    /// Each dependency and its state; empty for liveness.
    checks: Vec<Check>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    name: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

/// The process is running and serving HTTP.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn live() -> Json<Health> {
    Json(Health {
        status: "up",
        checks: Vec::new(),
    })
}

/// The service can do its work: the database answers and its schema is current.
#[utoipa::path(get, path = "/health/ready", tag = "health", responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "Not ready", body = Health)))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = match state.store.ping().await {
        Ok(()) => up("database"),
        Err(err) => down("database", err.to_string()),
    };
    let schema = match state.schema.is_current().await {
        Ok(()) => up("schema"),
        Err(err) => down("schema", err.to_string()),
    };
    let checks = vec![database, schema];
    let ready = checks.iter().all(|c| c.status == "up");
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let overall = if ready { "up" } else { "down" };
    let body = Health {
        status: overall,
        checks,
    };
    (status, Json(body))
}

fn up(name: &'static str) -> Check {
    Check {
        name,
        status: "up",
        detail: None,
    }
}

fn down(name: &'static str, detail: String) -> Check {
    Check {
        name,
        status: "down",
        detail: Some(detail),
    }
}
