//! Upsert handlers: authenticate (an admin, or an integration with the kind's write scope),
//! decode each record on its own, call the use case, map the per-record results.

use super::dto::{
    AgentRecord, AgentUpsertRequest, ClientRecord, ClientUpsertRequest, InsurancePolicyRecord,
    InsurancePolicyUpsertRequest, RawRecords, ReceiptRecord, ReceiptUpsertRequest, UpsertResponse, MAX_UPSERT_BYTES,
};
use crate::app::upsert as uc;
use crate::auth::Caller;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{audit_ctx_of, request_id, TAG_BACK_OFFICE, TAG_INTEGRATION};
use crate::state::AppState;
use actix_web::{post, web, HttpRequest, HttpResponse};

type Body = JsonBody<RawRecords, MAX_UPSERT_BYTES>;

fn respond(req: &HttpRequest, results: Vec<uc::RecordResult>) -> HttpResponse {
    HttpResponse::Ok().json(UpsertResponse::from_domain(results, &request_id(req)))
}

/// Upsert agents by external id.
///
/// Up to 1,000 records (5 MB) in one transaction; each record's result in request order:
/// `created`, `updated`, `unchanged` or `rejected` with its problem (the others are still
/// written). Agents get no password from the CRM; `active: false` deactivates one.
/// Admins, or integrations with `agents:write`.
#[utoipa::path(
    tags = [TAG_INTEGRATION, TAG_BACK_OFFICE],
    request_body = AgentUpsertRequest,
    responses(
        (status = 200, description = "Per-record results", body = UpsertResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an admin nor a token with agents:write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another writer took one of the e-mails meanwhile; resend", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 5 MB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not 1 to 1,000 records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/agents:upsert")]
pub async fn upsert_agents(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let records = body.0.decode(|r: AgentRecord| r.into())?;
    let audit = audit_ctx_of(&req, &state, &caller.principal);
    let results = uc::upsert_agents(&state.db, &caller.principal, &audit, records, state.clock.now()).await?;
    Ok(respond(&req, results))
}

/// Upsert clients by external id, each assigned to an agent by the agent's external id.
///
/// Up to 1,000 records (5 MB) in one transaction, per-record results in request order. A
/// record is the whole card: an omitted optional field is cleared. Admins, or integrations
/// with `clients:write`.
#[utoipa::path(
    tags = [TAG_INTEGRATION, TAG_BACK_OFFICE],
    request_body = ClientUpsertRequest,
    responses(
        (status = 200, description = "Per-record results", body = UpsertResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an admin nor a token with clients:write", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 5 MB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not 1 to 1,000 records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/clients:upsert")]
pub async fn upsert_clients(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let records = body.0.decode(|r: ClientRecord| r.into())?;
    let audit = audit_ctx_of(&req, &state, &caller.principal);
    let results = uc::upsert_clients(&state.db, &caller.principal, &audit, records, state.clock.now()).await?;
    Ok(respond(&req, results))
}

/// Upsert insurance policies by external id (COM-1).
///
/// Up to 1,000 records (5 MB) in one transaction, per-record results in request order. The
/// agent and client are named by their external ids (the client must be the agent's). Once
/// recorded, a policy's terms never change: only its number and product may be updated.
/// Admins, or integrations with `policies:write`.
#[utoipa::path(
    tags = [TAG_INTEGRATION, TAG_BACK_OFFICE],
    request_body = InsurancePolicyUpsertRequest,
    responses(
        (status = 200, description = "Per-record results", body = UpsertResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an admin nor a token with policies:write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another writer took one of the numbers meanwhile; resend", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 5 MB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not 1 to 1,000 records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies:upsert")]
pub async fn upsert_insurance_policies(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let records = body.0.decode(|r: InsurancePolicyRecord| r.into())?;
    let audit = audit_ctx_of(&req, &state, &caller.principal);
    let now = state.clock.now();
    let results = uc::upsert_insurance_policies(&state.db, &caller.principal, &audit, records, now).await?;
    Ok(respond(&req, results))
}

/// Upsert policy receipts by external id (COM-7).
///
/// Up to 1,000 records (5 MB) in one transaction, per-record results in request order. Each
/// policy's receipt is recorded once; the same receipt sent again is `unchanged`, another one
/// `rejected`. Admins, or integrations with `receipts:write`.
#[utoipa::path(
    tags = [TAG_INTEGRATION, TAG_BACK_OFFICE],
    request_body = ReceiptUpsertRequest,
    responses(
        (status = 200, description = "Per-record results", body = UpsertResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an admin nor a token with receipts:write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another writer took one of the receipt ids meanwhile; resend", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 5 MB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not 1 to 1,000 records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/receipts:upsert")]
pub async fn upsert_receipts(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let records = body.0.decode(|r: ReceiptRecord| r.into())?;
    let audit = audit_ctx_of(&req, &state, &caller.principal);
    let results = uc::upsert_receipts(&state.db, &caller.principal, &audit, records, state.clock.now()).await?;
    Ok(respond(&req, results))
}
