//! The one table of stable error codes: every problem the API answers carries one of these
//! `code`s with its HTTP status and title. The contract exports the list as the enum of
//! `Problem.code`, so integrators can switch on it. Add a row here; never reuse or rename one.

macro_rules! error_codes {
    ($($v:ident => ($code:literal, $status:literal, $title:literal)),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($v),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$v),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$v => $code),* }
            }

            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$v => $status),* }
            }

            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$v => $title),* }
            }

            pub fn parse(s: &str) -> Option<ErrorCode> {
                match s { $($code => Some(ErrorCode::$v),)* _ => None }
            }
        }
    };
}

error_codes! {
    ValidationFailed => ("validation_failed", 422, "Validation failed"),
    BadRequest => ("bad_request", 400, "Bad request"),
    UnreadableBody => ("unreadable_body", 400, "Bad request"),
    MalformedJson => ("malformed_json", 400, "Bad request"),
    InvalidPathParameter => ("invalid_path_parameter", 400, "Bad request"),
    Unauthorized => ("unauthorized", 401, "Unauthorized"),
    Forbidden => ("forbidden", 403, "Forbidden"),
    NotFound => ("not_found", 404, "Not found"),
    MethodNotAllowed => ("method_not_allowed", 405, "Method not allowed"),
    RequestTimeout => ("request_timeout", 408, "Request timeout"),
    PayloadTooLarge => ("payload_too_large", 413, "Payload too large"),
    UnsupportedMediaType => ("unsupported_media_type", 415, "Unsupported media type"),
    HeadersTooLarge => ("headers_too_large", 431, "Request header fields too large"),
    StaleVersion => ("stale_version", 412, "Precondition failed"),
    IfMatchRequired => ("if_match_required", 428, "Precondition required"),
    IdempotencyKeyReused => ("idempotency_key_reused", 422, "Idempotency key reused"),
    IdempotencyKeyInUse => ("idempotency_key_in_use", 409, "Conflict"),
    InvalidIdempotencyKey => ("invalid_idempotency_key", 400, "Bad request"),
    TooManyAttempts => ("too_many_attempts", 429, "Too many attempts"),
    RateLimited => ("rate_limited", 429, "Too many requests"),
    InternalError => ("internal_error", 500, "Internal error"),
    DatabaseUnavailable => ("database_unavailable", 503, "Service unavailable"),
    HashingBusy => ("hashing_busy", 503, "Service unavailable"),
    Other => ("error", 400, "Error"),
    Conflict => ("conflict", 409, "Conflict"),
    IdConflict => ("id_conflict", 409, "Conflict"),
    ConcurrentUpdate => ("concurrent_update", 409, "Conflict"),
    ConcurrentDecision => ("concurrent_decision", 409, "Conflict"),
    InvalidTransition => ("invalid_transition", 409, "Conflict"),
    AlreadyVoided => ("already_voided", 409, "Conflict"),
    NotCurrentBusinessDay => ("not_current_business_day", 409, "Conflict"),
    NoBranch => ("no_branch", 409, "Conflict"),
    CannotDeactivateSelf => ("cannot_deactivate_self", 409, "Conflict"),
    SupervisorLeadsTeams => ("supervisor_leads_teams", 409, "Conflict"),
    DiaryNotEditable => ("diary_not_editable", 409, "Conflict"),
    AlreadyChecked => ("already_checked", 409, "Conflict"),
    AlreadyDecided => ("already_decided", 409, "Conflict"),
    VersionTaken => ("version_taken", 409, "Conflict"),
    PolicyInEffect => ("policy_in_effect", 409, "Conflict"),
    NotClosableYet => ("not_closable_yet", 409, "Conflict"),
    QuarterNotStarted => ("quarter_not_started", 409, "Conflict"),
    NotWaivable => ("not_waivable", 409, "Conflict"),
    AlreadyWaived => ("already_waived", 409, "Conflict"),
    NotPending => ("not_pending", 409, "Conflict"),
    AlreadyAppealed => ("already_appealed", 409, "Conflict"),
    AppealWindowClosed => ("appeal_window_closed", 409, "Conflict"),
    NoPendingAppeal => ("no_pending_appeal", 409, "Conflict"),
    AlreadySignedOff => ("already_signed_off", 409, "Conflict"),
    NoCallbackRound => ("no_callback_round", 409, "Conflict"),
    NotFirstRound => ("not_first_round", 409, "Conflict"),
    OutsideCallingHours => ("outside_calling_hours", 409, "Conflict"),
    NotAwaitingContact => ("not_awaiting_contact", 409, "Conflict"),
    NotOnQualityHold => ("not_on_quality_hold", 409, "Conflict"),
    ReceiptAlreadyRecorded => ("receipt_already_recorded", 409, "Conflict"),
    CutoffNotPassed => ("cutoff_not_passed", 409, "Conflict"),
    NoDiaryRequired => ("no_diary_required", 404, "Not found"),
    CallbackNotDue => ("callback_not_due", 409, "Conflict"),
    RetryTooSoon => ("retry_too_soon", 409, "Conflict"),
    AgentNotLicensed => ("agent_not_licensed", 422, "Agent not licensed"),
    NotLapsed => ("not_lapsed", 409, "Conflict"),
    CeHoursMissing => ("ce_hours_missing", 409, "Conflict"),
    InvalidRequest => ("invalid_request", 400, "Bad request"),
    InvalidClient => ("invalid_client", 401, "Unauthorized"),
    InvalidScope => ("invalid_scope", 400, "Bad request"),
    UnsupportedGrantType => ("unsupported_grant_type", 400, "Bad request"),
    IntegrationClientRevoked => ("integration_client_revoked", 409, "Conflict"),
    CursorExpired => ("cursor_expired", 410, "Gone"),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_unique_and_carry_client_or_server_statuses() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!((400..600).contains(&c.status()), "{c}");
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
        }
    }
}
