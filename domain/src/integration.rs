//! Integrations (CRMs and other systems) of a company: their clients, the scopes a client may
//! hold, and how a token request's `scope` is decided (RFC 6749 §3.3, §4.4).

use crate::ids::CompanyId;
use crate::org::check_name;
use crate::ValidationErrors;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// What an integration token may do. Each scope opens a few functions (see
/// `access::scope_grants`); nothing a person does by hand is ever opened by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Scope {
    #[serde(rename = "agents:write")]
    AgentsWrite,
    #[serde(rename = "clients:write")]
    ClientsWrite,
    #[serde(rename = "policies:write")]
    PoliciesWrite,
    #[serde(rename = "receipts:write")]
    ReceiptsWrite,
    #[serde(rename = "changes:read")]
    ChangesRead,
    /// Reserved for webhooks (not built yet): it opens nothing today.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::AgentsWrite,
        Scope::ClientsWrite,
        Scope::PoliciesWrite,
        Scope::ReceiptsWrite,
        Scope::ChangesRead,
        Scope::WebhooksManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::AgentsWrite => "agents:write",
            Scope::ClientsWrite => "clients:write",
            Scope::PoliciesWrite => "policies:write",
            Scope::ReceiptsWrite => "receipts:write",
            Scope::ChangesRead => "changes:read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Scopes as a space-delimited string (the OAuth `scope` form), in a stable order.
pub fn scope_string(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// Parses a space-delimited scope string as stored or carried in a token; unknown names are
/// dropped (a token never grants more than the names it knows).
pub fn parse_scope_string(s: &str) -> Vec<Scope> {
    let mut out: Vec<Scope> = s.split_whitespace().filter_map(Scope::parse).collect();
    out.sort();
    out.dedup();
    out
}

/// An integration client of one company. Its secrets are kept only as digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrationClient {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    #[serde(skip)]
    pub secret_hash: String,
    /// The secret before the last rotation, accepted until `previous_secret_expires_at`.
    #[serde(skip)]
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Equality that takes as long for every pair of equal-length inputs, so comparing digests
/// leaks nothing through timing.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl IntegrationClient {
    /// Does the presented secret's digest open this client now? Revoked clients open with
    /// nothing; a rotated-out secret only until its overlap ends.
    pub fn accepts(&self, presented_digest: &str, now: DateTime<Utc>) -> bool {
        if self.revoked_at.is_some() {
            return false;
        }
        let current = same_digest(&self.secret_hash, presented_digest);
        let previous = match (&self.previous_secret_hash, self.previous_secret_expires_at) {
            (Some(h), Some(until)) => now < until && same_digest(h, presented_digest),
            _ => false,
        };
        current | previous
    }
}

/// A new client's fields, checked: a name and at least one known scope.
pub fn check_new_client(name: &str, scopes: &[String]) -> Result<(String, Vec<Scope>), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", name);
    let mut parsed = Vec::new();
    for (i, s) in scopes.iter().enumerate() {
        match Scope::parse(s) {
            Some(x) => parsed.push(x),
            None => errors.push(
                format!("/scopes/{i}"),
                format!("must be one of {}", Scope::ALL.map(|s| s.as_str()).join(", ")),
            ),
        }
    }
    if scopes.is_empty() {
        errors.push("/scopes", "at least one scope is required");
    }
    parsed.sort();
    parsed.dedup();
    errors.into_result((name, parsed))
}

/// Why a token request's `scope` cannot be granted (RFC 6749 §5.2 `invalid_scope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidScope(pub String);

/// The scopes a token gets: all of the client's when the request names none, otherwise
/// exactly those named, each of which must be one the client holds.
pub fn granted_scopes(requested: Option<&str>, held: &[Scope]) -> Result<Vec<Scope>, InvalidScope> {
    let Some(req) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(held.to_vec());
    };
    let mut out = Vec::new();
    for name in req.split_whitespace() {
        match Scope::parse(name) {
            Some(s) if held.contains(&s) => out.push(s),
            Some(_) => return Err(InvalidScope(format!("the client does not hold the scope '{name}'"))),
            None => return Err(InvalidScope(format!("'{name}' is not a scope"))),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn client(now: DateTime<Utc>) -> IntegrationClient {
        IntegrationClient {
            company_id: CompanyId::new(),
            id: Uuid::now_v7(),
            name: "CRM".into(),
            scopes: vec![Scope::ClientsWrite],
            secret_hash: "aa".repeat(32),
            previous_secret_hash: Some("bb".repeat(32)),
            previous_secret_expires_at: Some(now + Duration::seconds(60)),
            revoked_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_current_secret_opens_and_the_previous_one_only_within_its_overlap() {
        let now = Utc::now();
        let c = client(now);
        assert!(c.accepts(&"aa".repeat(32), now));
        assert!(c.accepts(&"bb".repeat(32), now));
        assert!(!c.accepts(&"bb".repeat(32), now + Duration::seconds(61)));
        assert!(!c.accepts(&"cc".repeat(32), now));
        assert!(!c.accepts("aa", now));
        let revoked = IntegrationClient {
            revoked_at: Some(now),
            ..c
        };
        assert!(!revoked.accepts(&"aa".repeat(32), now));
    }

    #[test]
    fn a_token_gets_the_scopes_asked_for_only_when_the_client_holds_them() {
        let held = [Scope::ClientsWrite, Scope::ChangesRead];
        assert_eq!(granted_scopes(None, &held), Ok(held.to_vec()));
        assert_eq!(granted_scopes(Some("  "), &held), Ok(held.to_vec()));
        assert_eq!(
            granted_scopes(Some("changes:read"), &held),
            Ok(vec![Scope::ChangesRead])
        );
        assert!(granted_scopes(Some("policies:write"), &held).is_err());
        assert!(granted_scopes(Some("root"), &held).is_err());
    }

    #[test]
    fn new_clients_need_a_name_and_known_scopes() {
        let ok = check_new_client(" CRM ", &["clients:write".into(), "clients:write".into()]);
        assert_eq!(ok, Ok(("CRM".to_owned(), vec![Scope::ClientsWrite])));
        let bad = check_new_client("", &["admin".into()]).err().unwrap_or_default();
        let ptrs: Vec<&str> = bad.0.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(ptrs, vec!["/name", "/scopes/0"]);
        assert!(check_new_client("x", &[]).is_err());
        assert_eq!(
            parse_scope_string("changes:read bogus agents:write"),
            vec![Scope::AgentsWrite, Scope::ChangesRead]
        );
        assert_eq!(
            scope_string(&[Scope::AgentsWrite, Scope::ChangesRead]),
            "agents:write changes:read"
        );
    }
}
