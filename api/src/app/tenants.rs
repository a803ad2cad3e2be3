//! Tenants: a new company with its first admin, and the list of companies. Only the platform
//! operator reaches these (the `api tenant` command and the platform API); no company user can.

use crate::app::error::{AppError, AppResult};
use crate::auth::Hashing;
use domain::ids::{CompanyId, UserId};
use domain::org::{check_name, normalise_email, Company, Role, User};
use domain::ports::{AuditContext, PageRequest, RepoError, TenantRepo, TenantSummary};
use domain::ValidationErrors;
use infra::Db;

/// The same bounds the user endpoints enforce on an admin's e-mail and password.
pub const MAX_EMAIL_LEN: usize = 320;
pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: String,
    pub admin_email: String,
    pub admin_name: Option<String>,
    pub admin_password: String,
}

/// A plausible address: one `@` with text on both sides, a dot in the domain, no spaces.
fn check_email(errors: &mut ValidationErrors, pointer: &str, email: &str) -> String {
    let email = normalise_email(email);
    let plausible = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !plausible {
        errors.push(pointer, "must be an e-mail address");
    } else if email.chars().count() > MAX_EMAIL_LEN {
        errors.push(pointer, format!("must be at most {MAX_EMAIL_LEN} characters"));
    }
    email
}

/// Creates the company and its admin in one transaction, audited in the new company's trail
/// with no actor (the platform operator is not a user of any company) and `request_id`.
pub async fn create_tenant(
    db: &Db,
    hashing: &Hashing,
    request_id: String,
    at: chrono::DateTime<chrono::Utc>,
    new: NewTenant,
) -> AppResult<(Company, User)> {
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", &new.name);
    let email = check_email(&mut errors, "/admin_email", &new.admin_email);
    let admin_name = check_name(
        &mut errors,
        "/admin_name",
        new.admin_name.as_deref().unwrap_or("Administrator"),
    );
    let len = new.admin_password.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        errors.push(
            "/admin_password",
            format!("must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"),
        );
    }
    errors.into_result(())?;
    let company = Company {
        id: CompanyId::new(),
        name,
        created_at: at,
    };
    let admin = User {
        company_id: company.id,
        id: UserId::new(),
        email,
        name: admin_name,
        phone: None,
        role: Role::Admin,
        branch_id: None,
        team_id: None,
        active: true,
        password_hash: hashing.hash(new.admin_password).await?,
        token_generation: 0,
        created_at: at,
        updated_at: at,
    };
    let audit = AuditContext {
        company_id: company.id,
        actor_id: None,
        request_id,
        at,
        integration_client_id: None,
    };
    db.create_tenant(&audit, &company, &admin).await.map_err(|e| match e {
        RepoError::Conflict(_) => AppError::field("/admin_email", "is already in use"),
        other => other.into(),
    })?;
    Ok((company, admin))
}

pub async fn list_tenants(db: &Db, page: PageRequest) -> AppResult<Vec<TenantSummary>> {
    Ok(db.list_tenants(page).await?)
}
