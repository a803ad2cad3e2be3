//! HTTP routes. Each handler is registered once with utoipa-actix-web, which feeds both the
//! server and the OpenAPI document, so paths cannot drift apart.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod callbacks;
pub mod changes;
pub mod clients;
pub mod credit_files;
pub mod dashboards;
pub mod diaries;
pub mod errors;
pub mod extract;
pub mod insurance_policies;
pub mod integrations;
pub mod leave;
pub mod licences;
pub mod middleware;
pub mod openapi;
pub mod org;
pub mod penalties;
pub mod platform;
pub mod policy_versions;
pub mod quality_catalogue;
pub mod quality_reports;
pub mod spot_checks;
pub mod statements;
pub mod system;
pub mod testclock;
pub mod upsert;
pub mod violations;

use crate::http::errors::ApiError;
use crate::http::middleware::RequestId;
use crate::state::AppState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use base64::Engine as _;
use domain::access::{Actor, Principal};
use domain::ports::{AuditContext, PageRequest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

/// Consumer tags: every operation says which client it serves.
pub const TAG_AGENT: &str = "agent-app";
pub const TAG_SUPERVISOR: &str = "supervisor-app";
pub const TAG_BACK_OFFICE: &str = "back-office";
pub const TAG_INTEGRATION: &str = "integration";

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 200;

/// Cursor pagination parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size; default 50. Values outside 1..=200 are refused (422), never honoured.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn page_request(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.limit {
            None => DEFAULT_PAGE_SIZE,
            Some(n) => check_page_size(n).map_err(|m| ApiError::field("/query/limit", m))?,
        };
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(
                decode_cursor(c).ok_or_else(|| ApiError::field("/query/cursor", "is not a cursor this API issued"))?,
            ),
        };
        Ok(PageRequest { after, limit })
    }
}

/// A requested page size within 1..=`MAX_PAGE_SIZE`; the contract declares the same bounds, so
/// a larger value is refused rather than silently lowered.
pub fn check_page_size(n: u32) -> Result<u32, &'static str> {
    match n {
        0 => Err("must be at least 1"),
        n if n > MAX_PAGE_SIZE => Err("must be at most 200"),
        n => Ok(n),
    }
}

fn decode_cursor(c: &str) -> Option<uuid::Uuid> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).ok()?;
    uuid::Uuid::from_slice(&bytes).ok()
}

/// Opaque to clients: the id of the last row on the page.
pub fn next_cursor<T>(items: &[T], limit: u32, id: impl Fn(&T) -> uuid::Uuid) -> Option<String> {
    if items.len() < limit as usize {
        return None;
    }
    items
        .last()
        .map(|last| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id(last).as_bytes()))
}

/// The audit context of a write by `actor` in this request (AUD-1).
pub fn audit_ctx(req: &HttpRequest, state: &AppState, actor: &Actor) -> AuditContext {
    AuditContext {
        company_id: actor.company_id,
        actor_id: Some(actor.user_id),
        integration_client_id: None,
        request_id: request_id(req),
        at: state.clock.now(),
    }
}

/// The audit context of a write by a person or an integration: an integration's writes name
/// its client, not a person.
pub fn audit_ctx_of(req: &HttpRequest, state: &AppState, principal: &Principal) -> AuditContext {
    match principal {
        Principal::Person(actor) => audit_ctx(req, state, actor),
        Principal::Integration(i) => AuditContext {
            company_id: i.company_id,
            actor_id: None,
            integration_client_id: Some(i.client_id),
            request_id: request_id(req),
            at: state.clock.now(),
        },
    }
}

pub fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// A single-resource response with a strong ETag over its JSON; `If-None-Match` gets 304.
pub fn with_etag<T: Serialize>(req: &HttpRequest, status: actix_web::http::StatusCode, value: &T) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&body);
    let etag = format!(
        "\"{}\"",
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>()
    );
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    // Only a read is conditional: a write with `If-None-Match` still answers its body.
    if matches && status == actix_web::http::StatusCode::OK && req.method() == actix_web::http::Method::GET {
        return HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish();
    }
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag))
        .content_type("application/json")
        .body(body)
}

/// The documented paths and their methods, so a wrong method gets 405 with `Allow`
/// and an unknown path 404, both as problems.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(regex::Regex, Vec<String>)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> RouteTable {
        let mut routes = Vec::new();
        let Ok(param) = regex::Regex::new(r"\{[^}]+\}") else {
            return RouteTable { routes };
        };
        for (path, item) in &doc.paths.paths {
            // Escape the literal parts, then turn each `{name}` into one path segment.
            let escaped = regex::escape(path).replace(r"\{", "{").replace(r"\}", "}");
            let pattern = param.replace_all(&escaped, "[^/]+").to_string();
            let Ok(re) = regex::Regex::new(&format!("^{pattern}$")) else {
                continue;
            };
            let mut methods = Vec::new();
            let ops = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            for (m, present) in ops {
                if present {
                    methods.push(m.to_owned());
                }
            }
            routes.push((re, methods));
        }
        RouteTable { routes }
    }

    fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut all: Vec<String> = Vec::new();
        for (re, methods) in &self.routes {
            if re.is_match(path) {
                all.extend(methods.iter().cloned());
            }
        }
        (!all.is_empty()).then_some(all)
    }
}

/// Fallback for anything no route matched.
pub async fn fallback(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    use actix_web::ResponseError;
    match state.routes.allowed(req.path()) {
        Some(methods)
            if !methods
                .iter()
                .any(|m| Method::from_bytes(m.as_bytes()).ok().as_ref() == Some(req.method())) =>
        {
            let mut resp = crate::http::errors::problem_for_status(actix_web::http::StatusCode::METHOD_NOT_ALLOWED)
                .error_response();
            if let Ok(v) = HeaderValue::from_str(&methods.join(", ")) {
                resp.headers_mut().insert(header::ALLOW, v);
            }
            resp
        }
        _ => ApiError::not_found("resource").error_response(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The object's id.
    pub id: Uuid,
}

pub fn insert_location(resp: &mut HttpResponse, url: &str) {
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(url) {
        resp.headers_mut().insert(actix_web::http::header::LOCATION, v);
    }
}

/// Whether the client asked for CSV (`Accept: text/csv`).
pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"))
}

/// One CSV field, quoted when it holds a separator, quote or line break (RFC 4180).
///
/// A text cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
/// tab or carriage return) is neutralised with a leading `'` (OWASP CSV injection guidance);
/// plain numbers such as `-4000` stay numbers. Six lines of RFC 4180 quoting do not warrant
/// the `csv` crate here.
pub fn csv_field(s: &str) -> String {
    let numeric = s.parse::<f64>().is_ok() && !s.starts_with(['+', '=', '@']);
    let s = if !numeric && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_cells_that_would_start_a_formula_are_neutralised() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_field("+1+2"), "'+1+2");
        assert_eq!(csv_field("-1+2"), "'-1+2");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("-4000"), "-4000");
        assert_eq!(csv_field("12.5"), "12.5");
        assert_eq!(csv_field("Team a, north"), "\"Team a, north\"");
        assert_eq!(csv_field("Agent a"), "Agent a");
    }
}
