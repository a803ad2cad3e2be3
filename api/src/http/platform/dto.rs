//! Wire types of the platform operator's API.

use chrono::{DateTime, Utc};
use domain::org::User;
use domain::ports::TenantSummary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A new company with its first admin.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// The company's name.
    #[schema(example = "Pacific Life Shanghai", max_length = 200)]
    pub name: String,
    /// The first admin's login e-mail (unique across the platform).
    #[validate(
        email(message = "must be an e-mail address"),
        length(max = 320, message = "is too long")
    )]
    #[schema(example = "admin@pacific.example", format = "email", max_length = 320)]
    pub admin_email: String,
    /// The admin's display name; `Administrator` when omitted.
    #[schema(example = "Wang Fang", max_length = 200)]
    pub admin_name: Option<String>,
    /// The admin's password. When omitted one is generated and returned once in the response.
    #[validate(length(min = 12, max = 1024, message = "must be 12 to 1024 characters"))]
    #[schema(min_length = 12, max_length = 1024)]
    pub admin_password: Option<String>,
}

/// A company on the platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantDto {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Active users of the company.
    pub active_users: i64,
}

impl From<&TenantSummary> for TenantDto {
    fn from(t: &TenantSummary) -> Self {
        TenantDto {
            id: t.company.id.0,
            name: t.company.name.clone(),
            created_at: t.company.created_at,
            active_users: t.active_users,
        }
    }
}

/// The company's first admin.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantAdminDto {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

impl From<&User> for TenantAdminDto {
    fn from(u: &User) -> Self {
        TenantAdminDto {
            id: u.id.0,
            email: u.email.clone(),
            name: u.name.clone(),
        }
    }
}

/// The created company and its admin.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantCreated {
    pub tenant: TenantDto,
    pub admin: TenantAdminDto,
    /// The generated password, present only when the request sent none; shown this once and
    /// stored nowhere in clear.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantPage {
    pub items: Vec<TenantDto>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
