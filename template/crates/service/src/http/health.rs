//! Liveness and readiness probes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use futures_util::future::join_all;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::readiness::ReadinessCheck;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `up`; `degraded` when a dependency the service can work without is
    /// failing (the broker: events wait in the outbox); `down`.
    status: &'static str,
    /// Each dependency and its state (`up`, `degraded` or `down`); empty for
    /// liveness.
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

/// The service can do its work: started, the database answers and its schema
/// is current. The checks run at once, each within `health.check_timeout_ms`,
/// so the answer comes quickly even when the database hangs.
#[utoipa::path(get, path = "/health/ready", tag = "health", responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "Not ready: the failing checks say why", body = Health)))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let timeout = state.check_timeout;
    let runs = state.checks.iter().map(|check| async move {
        let outcome = tokio::time::timeout(timeout, check.check()).await;
        match outcome {
            Ok(Ok(())) => up(check.name()),
            Ok(Err(reason)) => failing(check.as_ref(), reason),
            Err(_) => failing(check.as_ref(), format!("no answer within {timeout:?}")),
        }
    });
    let checks = join_all(runs).await;
    let ready = checks.iter().all(|c| c.status != "down");
    let degraded = checks.iter().any(|c| c.status == "degraded");
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let overall = match (ready, degraded) {
        (false, _) => "down",
        (true, true) => "degraded",
        (true, false) => "up",
    };
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

/// `down`, or `degraded` for a check the service can work without.
fn failing(check: &dyn ReadinessCheck, detail: String) -> Check {
    Check {
        name: check.name(),
        status: if check.required() { "down" } else { "degraded" },
        detail: Some(detail),
    }
}
