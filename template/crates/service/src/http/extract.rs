//! Extractors whose rejections are problem+json instead of axum's plain text.

use {{crate_name}}_entity_model::Version;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::ApiError;

/// JSON body: 415 without a JSON content type, 400 for malformed JSON, 422
/// for well-formed JSON of the wrong shape, 413 beyond the body limit.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let detail = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "expected a body with content type application/json".to_owned()
        }
        other => other.body_text(),
    };
    ApiError::new(rejection.status(), detail)
}

/// Path parameters; an id that is not a UUID is a 400, not a 404.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> ApiError {
    let detail = format!("invalid path parameter: {}", rejection.body_text());
    ApiError::new(StatusCode::BAD_REQUEST, detail)
}

/// Query string parameters; unknown or malformed parameters are a 400.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    let detail = format!("invalid query string: {}", rejection.body_text());
    ApiError::new(StatusCode::BAD_REQUEST, detail)
}

/// The version named by `If-Match` (`"3"` or `W/"3"`); `None` without the
/// header or for `*` (any current version).
pub fn if_match(headers: &HeaderMap) -> Result<Option<Version>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let invalid = || {
        let detail = "If-Match must be an ETag from this API, like \"3\"";
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    };
    let text = value.to_str().map_err(|_| invalid())?.trim();
    if text == "*" {
        return Ok(None);
    }
    let tag = text.strip_prefix("W/").unwrap_or(text);
    let version = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<Version>().ok())
        .ok_or_else(invalid)?;
    Ok(Some(version))
}

/// The ETag of a stored version.
pub fn etag(version: Version) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn if_match_reads_strong_weak_and_any() {
        assert_eq!(if_match(&HeaderMap::new()).unwrap(), None);
        assert_eq!(if_match(&headers("\"3\"")).unwrap(), Some(3));
        assert_eq!(if_match(&headers("W/\"4\"")).unwrap(), Some(4));
        assert_eq!(if_match(&headers("*")).unwrap(), None);
    }

    #[test]
    fn if_match_rejects_garbage() {
        for bad in ["3", "\"x\"", "\"3", ""] {
            let err = if_match(&headers(bad)).unwrap_err();
            assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }
}
