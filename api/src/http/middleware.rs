//! The outermost middleware: accepts or generates `X-Request-Id`, echoes it, runs the request
//! in a tracing span, and guarantees every error leaves as problem+json carrying that id
//! (including errors raised by actix itself, such as oversized bodies or timeouts).

use crate::http::errors::{problem_for_status, ApiError, PROBLEM_JSON};
use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use actix_web::ResponseError;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A client-supplied id is kept if it is short and printable; otherwise a new one is made.
fn accept_request_id(v: Option<&HeaderValue>) -> String {
    v.and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let rid = accept_request_id(req.headers().get(&REQUEST_ID));
    req.extensions_mut().insert(RequestId(rid.clone()));
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let started = Instant::now();
    let authenticated = req.headers().contains_key(header::AUTHORIZATION);
    let span = tracing::info_span!("request", request_id = %rid, %method, %path);
    // Handlers' errors arrive here already rendered as responses; an `Err` can only come
    // from an inner middleware and is passed on (holding a clone of the request to render it
    // here would break actix's routing, which needs the request uniquely owned).
    let res = match nul_in_url(&req) {
        // Refused before any handler runs, so no extractor or engine ever sees it.
        Some(pointer) => {
            let problem = ApiError::field(&pointer, "must not contain NUL characters").error_response();
            req.into_response(problem).map_into_boxed_body()
        }
        None => next.call(req).instrument(span.clone()).await?.map_into_boxed_body(),
    };
    let route = crate::metrics::route_label(res.request().match_pattern());
    let status = res.status();
    let mut res = if status.as_u16() >= 400 {
        into_problem(res, &rid).await
    } else {
        res
    };
    if let Ok(v) = HeaderValue::from_str(&rid) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    security_headers(res.headers_mut(), &path, authenticated);
    crate::metrics::request(&method, &route, status.as_u16(), started.elapsed());
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), ms, "request");
        }
    });
    Ok(res)
}

/// The page CSP for `/docs` (Swagger UI, served from our own vendored assets).
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                        script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
                        form-action 'none'";

/// Headers every response carries: no MIME sniffing; nothing personal cached (any answer to
/// an authenticated request, unless the handler chose a policy); `/docs` framed by nobody and
/// running only our own scripts.
fn security_headers(h: &mut header::HeaderMap, path: &str, authenticated: bool) {
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if authenticated && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == "/docs" || path.starts_with("/docs/") {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

/// Where a percent-encoded NUL (`%00`) hides in the URL: `/query/<name>` or `/path`.
/// PostgreSQL cannot store NUL in text and no field has a use for it, so it is refused at the
/// edge for every route and both engines alike (JSON bodies: `extract::decode_json`).
fn nul_in_url(req: &ServiceRequest) -> Option<String> {
    if req.path().contains("%00") {
        return Some("/path".to_owned());
    }
    req.query_string()
        .split('&')
        .find(|pair| pair.contains("%00"))
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if !name.contains("%00") && !name.is_empty() => format!("/query/{name}"),
            _ => "/query".to_owned(),
        })
}

/// Stamps the request id into a problem body, or replaces a non-problem error body.
async fn into_problem(res: ServiceResponse<BoxBody>, rid: &str) -> ServiceResponse<BoxBody> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
    let status = res.status();
    let (req, resp) = res.into_parts();
    let (mut head, body) = resp.into_parts();
    let bytes = to_bytes(body).await.unwrap_or_default();
    let mut problem: serde_json::Value = if is_problem {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| problem_value(status))
    } else {
        problem_value(status)
    };
    if let Some(obj) = problem.as_object_mut() {
        obj.insert("request_id".to_owned(), serde_json::Value::String(rid.to_owned()));
    }
    head.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    head.headers_mut().remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    ServiceResponse::new(req, head.set_body(BoxBody::new(body)))
}

fn problem_value(status: actix_web::http::StatusCode) -> serde_json::Value {
    serde_json::to_value(problem_for_status(status).problem()).unwrap_or_default()
}
