//! Wire types of integration clients and of the token endpoint.

use crate::app::integrations::WithSecret;
use chrono::{DateTime, Utc};
use domain::integration::{IntegrationClient, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// What an integration token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum IntegrationScope {
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
    /// Reserved for webhooks, which are not built yet: it opens nothing today.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl From<Scope> for IntegrationScope {
    fn from(s: Scope) -> Self {
        match s {
            Scope::AgentsWrite => IntegrationScope::AgentsWrite,
            Scope::ClientsWrite => IntegrationScope::ClientsWrite,
            Scope::PoliciesWrite => IntegrationScope::PoliciesWrite,
            Scope::ReceiptsWrite => IntegrationScope::ReceiptsWrite,
            Scope::ChangesRead => IntegrationScope::ChangesRead,
            Scope::WebhooksManage => IntegrationScope::WebhooksManage,
        }
    }
}

impl From<IntegrationScope> for Scope {
    fn from(s: IntegrationScope) -> Self {
        match s {
            IntegrationScope::AgentsWrite => Scope::AgentsWrite,
            IntegrationScope::ClientsWrite => Scope::ClientsWrite,
            IntegrationScope::PoliciesWrite => Scope::PoliciesWrite,
            IntegrationScope::ReceiptsWrite => Scope::ReceiptsWrite,
            IntegrationScope::ChangesRead => Scope::ChangesRead,
            IntegrationScope::WebhooksManage => Scope::WebhooksManage,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegrationClient {
    #[schema(example = "Our CRM", min_length = 1, max_length = 200)]
    pub name: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<IntegrationScope>,
}

impl CreateIntegrationClient {
    pub fn scope_names(&self) -> Vec<String> {
        self.scopes
            .iter()
            .map(|s| Scope::from(*s).as_str().to_owned())
            .collect()
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntegrationClientDto {
    /// Also the OAuth `client_id`.
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<IntegrationScope>,
    /// Until when the secret before the last rotation still works.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Set once revoked: no secret opens the client and its tokens stop working.
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&IntegrationClient> for IntegrationClientDto {
    fn from(c: &IntegrationClient) -> Self {
        IntegrationClientDto {
            id: c.id,
            name: c.name.clone(),
            scopes: c.scopes.iter().map(|s| (*s).into()).collect(),
            previous_secret_expires_at: c.previous_secret_expires_at,
            revoked_at: c.revoked_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A client with its new secret: the only time the secret is ever shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntegrationClientSecret {
    pub client_id: Uuid,
    /// Store it now: it is kept only as a digest and cannot be shown again.
    pub client_secret: String,
    pub client: IntegrationClientDto,
}

impl From<&WithSecret> for IntegrationClientSecret {
    fn from(w: &WithSecret) -> Self {
        IntegrationClientSecret {
            client_id: w.client.id,
            client_secret: w.secret.clone(),
            client: (&w.client).into(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntegrationClientPage {
    pub items: Vec<IntegrationClientDto>,
    pub next_cursor: Option<String>,
}

/// The client-credentials grant (RFC 6749 §4.4), as form fields or JSON. The client may
/// authenticate with HTTP Basic instead of `client_id`/`client_secret` (not both).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-delimited scopes, each held by the client; omitted: all of them.
    #[schema(example = "clients:write changes:read")]
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OAuthTokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The granted scopes, space-delimited.
    pub scope: String,
}

/// An RFC 6749 §5.2 error inside an RFC 9457 problem: `error` repeats `code`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthProblem {
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// `invalid_request`, `invalid_client`, `invalid_scope` or `unsupported_grant_type`
    /// (or another problem code for failures outside the grant).
    pub code: String,
    pub request_id: String,
    /// The RFC 6749 error code.
    pub error: String,
    pub error_description: String,
}
