//! The platform operator's API: `/v1/platform/tenants`. Guarded by `FIELDBOOK_PLATFORM_TOKEN`
//! (a credential from configuration, not a user), absent (404) when it is not set, and never
//! reachable with a company user's token, an admin's included.

pub mod dto;

use crate::app::tenants::{self, NewTenant};
use crate::auth::PlatformOperator;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{insert_location, next_cursor, request_id, PageParams};
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::ports::TenantSummary;
use dto::*;
use rand::distributions::{Alphanumeric, DistString};

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_tenant).service(list_tenants);
}

/// A password for an admin whose creator sent none: 24 alphanumerics (about 142 bits).
pub fn generated_password() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 24)
}

/// Create a company with its first admin (platform operator only).
#[utoipa::path(
    tags = ["operations"],
    request_body = CreateTenant,
    responses(
        (status = 201, description = "Created", body = TenantCreated, headers(("Location" = String, description = "The tenant list"))),
        (status = 401, description = "Not the platform operator's token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A company user's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The platform API is not enabled (no FIELDBOOK_PLATFORM_TOKEN)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or the admin's e-mail is already in use", body = Problem, content_type = "application/problem+json"),
    ),
    security(("platform" = []))
)]
#[post("/platform/tenants")]
pub async fn create_tenant(
    req: HttpRequest,
    _op: PlatformOperator,
    state: web::Data<AppState>,
    body: JsonBody<CreateTenant>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let generated = body.admin_password.is_none().then(generated_password);
    let new = NewTenant {
        name: body.name,
        admin_email: body.admin_email,
        admin_name: body.admin_name,
        admin_password: body.admin_password.or_else(|| generated.clone()).unwrap_or_default(),
    };
    let (company, admin) =
        tenants::create_tenant(&state.db, &state.hashing, request_id(&req), state.clock.now(), new).await?;
    let summary = TenantSummary {
        company,
        active_users: 1,
    };
    let mut resp = HttpResponse::Created().json(TenantCreated {
        tenant: TenantDto::from(&summary),
        admin: TenantAdminDto::from(&admin),
        generated_password: generated,
    });
    insert_location(&mut resp, "/v1/platform/tenants");
    Ok(resp)
}

/// List the companies on the platform (platform operator only).
#[utoipa::path(
    tags = ["operations"],
    params(PageParams),
    responses(
        (status = 200, description = "A page of companies", body = TenantPage),
        (status = 401, description = "Not the platform operator's token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A company user's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The platform API is not enabled (no FIELDBOOK_PLATFORM_TOKEN)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("platform" = []))
)]
#[get("/platform/tenants")]
pub async fn list_tenants(
    _op: PlatformOperator,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let rows = tenants::list_tenants(&state.db, page).await?;
    Ok(HttpResponse::Ok().json(TenantPage {
        next_cursor: next_cursor(&rows, page.limit, |t| t.company.id.0),
        items: rows.iter().map(TenantDto::from).collect(),
    }))
}
