//! What a use case can answer besides success. Handlers map it to a problem with `From`.

use domain::errors::ErrorCode;
use domain::ports::RepoError;
use domain::ValidationErrors;

#[derive(Debug)]
pub enum AppError {
    /// Absent, or not within the caller's reach (the same answer for both).
    NotFound(&'static str),
    /// The caller's role lacks the function (or the post may not do this), with a reason.
    Forbidden(String),
    /// The input does not parse into domain values (422 with field pointers).
    Invalid(ValidationErrors),
    /// A rule or state refuses the request; the code's row in `domain::errors` gives the status.
    Rejected(ErrorCode, String),
    /// Storage failed or conflicted.
    Repo(RepoError),
    /// Not authenticated, or the credentials are wrong (401).
    Unauthenticated(String),
    /// Too many failed attempts; retry after this many seconds (429).
    TooManyAttempts(u64),
    /// A bounded resource is exhausted for now; the code's row gives the status (503), the
    /// number is the `Retry-After` in seconds.
    RetryLater(ErrorCode, String, u64),
    /// Something on our side failed (logged; the client sees a generic 500).
    Internal(String),
}

impl AppError {
    pub fn rejected(code: ErrorCode, detail: impl Into<String>) -> Self {
        AppError::Rejected(code, detail.into())
    }

    pub fn field(pointer: &str, detail: impl Into<String>) -> Self {
        AppError::Invalid(ValidationErrors::single(pointer, detail))
    }
}

impl From<RepoError> for AppError {
    fn from(e: RepoError) -> Self {
        AppError::Repo(e)
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl From<domain::access::Forbidden> for AppError {
    fn from(_: domain::access::Forbidden) -> Self {
        AppError::Forbidden("your role does not include this function".into())
    }
}

pub type AppResult<T> = Result<T, AppError>;
