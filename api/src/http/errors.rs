//! Every error is `application/problem+json` (RFC 9457) with a stable machine `code`.
//! The request id is filled in by the request-id middleware on the way out.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::errors::ErrorCode;
use domain::ports::RepoError;
use domain::{FieldError, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// `Retry-After` on `database_unavailable`: a restart or failover usually takes seconds.
pub const DATABASE_RETRY_AFTER_SECS: u64 = 2;

/// One field problem: a JSON pointer into the request (body, or `/query/<name>`, `/path/<name>`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// RFC 6901 JSON pointer to the offending value.
    #[schema(example = "/time_zone")]
    pub pointer: String,
    #[schema(example = "'Mars/Olympus' is not an IANA time zone name")]
    pub detail: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type; stable per `code`.
    #[schema(example = "urn:fieldbook:problem:validation_failed")]
    pub r#type: String,
    #[schema(example = "Validation failed")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable error code (one of the table in `domain::errors`).
    #[schema(schema_with = problem_code_schema)]
    pub code: String,
    /// The request's id (also in the `X-Request-Id` header).
    pub request_id: String,
    /// Field-level problems (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// `Problem.code` in the contract: a string restricted to the error-code table.
fn problem_code_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some("Stable machine-readable error code."))
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
        .examples([serde_json::json!("validation_failed")])
        .build()
}

/// A problem on its way out. Its code is always a row of the table in `domain::errors`, so
/// the contract's `Problem.code` enum lists every code the server can answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// `status` differs from the table's only for statuses produced outside our handlers.
    fn with_status(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// A problem for a row of the error-code table (`domain::errors`).
    pub fn coded(code: ErrorCode, detail: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self::with_status(status, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::coded(ErrorCode::Unauthorized, detail)
    }

    pub fn forbidden() -> Self {
        Self::coded(ErrorCode::Forbidden, "your role does not include this function")
    }

    /// Absent and not-yours are the same answer, so existence never leaks.
    pub fn not_found(what: &str) -> Self {
        Self::coded(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn validation(errors: ValidationErrors) -> Self {
        let mut e = Self::coded(ErrorCode::ValidationFailed, errors.to_string());
        e.errors = errors.0;
        e
    }

    pub fn field(pointer: &str, detail: impl Into<String>) -> Self {
        Self::validation(ValidationErrors::single(pointer, detail))
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::coded(
            ErrorCode::TooManyAttempts,
            format!("too many failed attempts; retry after {retry_after} seconds"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// The database cannot be reached: 503 with `Retry-After`, so clients and balancers back
    /// off briefly instead of treating it as a server bug.
    pub fn database_unavailable() -> Self {
        let mut e = Self::coded(
            ErrorCode::DatabaseUnavailable,
            "the database is not reachable right now; retry shortly",
        );
        e.retry_after = Some(DATABASE_RETRY_AFTER_SECS);
        e
    }

    pub fn internal() -> Self {
        Self::coded(
            ErrorCode::InternalError,
            "the server failed to handle this request; it has been logged",
        )
    }

    /// The problem document with its request id, for problems embedded in a larger response.
    pub fn problem_for(&self, request_id: &str) -> Problem {
        let mut p = self.problem();
        p.request_id = request_id.to_owned();
        p
    }

    pub fn problem(&self) -> Problem {
        Problem {
            r#type: format!("urn:fieldbook:problem:{}", self.code),
            title: self.code.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_owned(),
            request_id: String::new(),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemField {
                    pointer: e.pointer.clone(),
                    detail: e.detail.clone(),
                })
                .collect(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        resp.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            resp.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(secs) = self.retry_after {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        resp.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Conflict(msg) => {
                tracing::info!(error = %msg, "conflict");
                ApiError::coded(
                    domain::errors::ErrorCode::Conflict,
                    "the change conflicts with an existing record",
                )
            }
            RepoError::Storage(msg) => {
                tracing::error!(error = %msg, "storage failure");
                ApiError::internal()
            }
            RepoError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "database unavailable");
                ApiError::database_unavailable()
            }
        }
    }
}

impl From<crate::app::error::AppError> for ApiError {
    fn from(e: crate::app::error::AppError) -> Self {
        use crate::app::error::AppError;
        match e {
            AppError::NotFound(what) => ApiError::not_found(what),
            AppError::Forbidden(detail) => ApiError::coded(ErrorCode::Forbidden, detail),
            AppError::Invalid(errors) => ApiError::validation(errors),
            AppError::Rejected(code, detail) => ApiError::coded(code, detail),
            AppError::Repo(e) => e.into(),
            AppError::Unauthenticated(detail) => ApiError::unauthorized(detail),
            AppError::TooManyAttempts(secs) => ApiError::too_many_requests(secs),
            AppError::RetryLater(code, detail, secs) => {
                let mut e = ApiError::coded(code, detail);
                e.retry_after = Some(secs);
                e
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "internal failure");
                ApiError::internal()
            }
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        ApiError::validation(e)
    }
}

impl From<domain::access::Forbidden> for ApiError {
    fn from(_: domain::access::Forbidden) -> Self {
        ApiError::forbidden()
    }
}

/// Problem details for a bare status produced outside our handlers (e.g. by actix itself).
pub fn problem_for_status(status: StatusCode) -> ApiError {
    let (code, detail) = match status.as_u16() {
        400 => (ErrorCode::BadRequest, "the request could not be read"),
        404 => (ErrorCode::NotFound, "no such resource"),
        405 => (
            ErrorCode::MethodNotAllowed,
            "this method is not allowed on this resource",
        ),
        408 => (ErrorCode::RequestTimeout, "the request took too long to arrive"),
        413 => (
            ErrorCode::PayloadTooLarge,
            "the request body exceeds the limit for this endpoint",
        ),
        415 => (ErrorCode::UnsupportedMediaType, "send application/json"),
        431 => (ErrorCode::HeadersTooLarge, "request headers are too large"),
        s if s >= 500 => (ErrorCode::InternalError, "the server failed to handle this request"),
        _ => (ErrorCode::Other, "the request failed"),
    };
    ApiError::with_status(status, code, detail)
}
