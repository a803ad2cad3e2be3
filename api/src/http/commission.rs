//! Policies (COM-1), the callback center (COM-3..COM-6), receipts (COM-7), settlement and
//! statements (COM-8).

use super::{
    audit_ctx, next_cursor, with_etag, PageParams, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR,
};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use domain::access::{Function, Owner};
use domain::commission::{
    payment, receipt_status, replay, Attempt, CallCategory, Effect, HoldState, InsurancePolicy, Payment, PolicyEvent,
    ReceiptStatus,
};
use domain::ids::{BranchId, UserId};
use domain::org::Role;
use domain::policy::CommissionPolicy;
use domain::ports::{ClientRepo, CommissionRepo, OrganisationRepo, QualityRepo};
use domain::quality::{raised_report, Post, RaisedReport};
use domain::time::{business_day, local_instant};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(example = "P2026110001", max_length = 64)]
    pub number: String,
    pub agent_id: Uuid,
    pub client_id: Uuid,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub product: String,
    #[validate(range(min = 0, max = 100000000000i64, message = "must be between 0 and 1e11 fen"))]
    pub premium_fen: i64,
    #[validate(range(min = 0, max = 100000000000i64, message = "must be between 0 and 1e11 fen"))]
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub receipt_returned_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldDto {
    /// first_round, awaiting_contact, second_round, manual_callback, passed,
    /// passed_number_changed, withheld, quality_hold.
    pub state: String,
    pub callback_condition_met: bool,
    /// returned, returned_late or missing (as of today).
    pub receipt: String,
    /// payable, held or withheld, if settled today.
    pub payment: String,
    /// When the next call may be placed (absent outside a round).
    pub next_call_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyEventDto {
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsurancePolicyDto {
    pub id: Uuid,
    pub number: String,
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub product: String,
    pub premium_fen: i64,
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub receipt_returned_on: Option<NaiveDate>,
    pub hold: HoldDto,
    pub history: Vec<PolicyEventDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsurancePolicyPage {
    pub items: Vec<InsurancePolicyDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

struct Ctx {
    tz: chrono_tz::Tz,
    cp: CommissionPolicy,
}

fn make_ctx(
    branch: Option<&domain::org::Branch>,
    versions: &[domain::policy::PolicyVersion],
    now: DateTime<Utc>,
) -> Ctx {
    let tz = branch
        .map(|b| b.settings.time_zone.tz())
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let today = business_day(now, tz);
    let cp = domain::policy::PolicyInForce::from_versions(versions, branch.map(|b| b.id), today)
        .document
        .commission;
    Ctx { tz, cp }
}

/// One policy's context: its agent's branch zone and the commission policy in force today.
async fn ctx_for(state: &AppState, p: &InsurancePolicy) -> Result<Ctx, ApiError> {
    use domain::ports::PolicyVersionRepo;
    let agent = state.db.get_user(p.company_id, p.agent_id).await?;
    let branch = match agent.as_ref().and_then(|a| a.branch_id) {
        Some(b) => state.db.get_branch(p.company_id, b).await?,
        None => None,
    };
    let versions = state.db.company_policy_versions(p.company_id).await?;
    Ok(make_ctx(branch.as_ref(), &versions, state.clock.now()))
}

/// Contexts for many policies of a company, from three queries in all (agents, branches,
/// policy versions) rather than several per policy.
struct Contexts {
    agent_branch: std::collections::HashMap<UserId, Option<BranchId>>,
    branches: std::collections::HashMap<BranchId, domain::org::Branch>,
    versions: Vec<domain::policy::PolicyVersion>,
    now: DateTime<Utc>,
}

impl Contexts {
    async fn load(state: &AppState, company: domain::ids::CompanyId) -> Result<Contexts, ApiError> {
        use domain::ports::{ListScope, PageRequest, PolicyVersionRepo};
        let all = PageRequest {
            after: None,
            limit: u32::MAX,
        };
        Ok(Contexts {
            agent_branch: state
                .db
                .list_users(company, &ListScope::Company, all)
                .await?
                .into_iter()
                .map(|u| (u.id, u.branch_id))
                .collect(),
            branches: state
                .db
                .list_branches(company, all)
                .await?
                .into_iter()
                .map(|b| (b.id, b))
                .collect(),
            versions: state.db.company_policy_versions(company).await?,
            now: state.clock.now(),
        })
    }

    fn for_policy(&self, p: &InsurancePolicy) -> Ctx {
        let branch = self
            .agent_branch
            .get(&p.agent_id)
            .copied()
            .flatten()
            .and_then(|b| self.branches.get(&b));
        make_ctx(branch, &self.versions, self.now)
    }
}

/// When the current round lets the next call happen (COM-3.1), ignoring calling hours.
fn round_opens_at(
    p: &InsurancePolicy,
    events: &[PolicyEvent],
    s: HoldState,
    early: Option<DateTime<Utc>>,
    c: &Ctx,
) -> Option<DateTime<Utc>> {
    let last_transition = events.last().map(|e| e.at);
    let opens = match s {
        HoldState::FirstRound { .. } => {
            let regular = local_instant(
                p.printed_on + Duration::days(i64::from(c.cp.first_round_after_days)),
                NaiveTime::MIN,
                c.tz,
            );
            Some(early.map_or(regular, |e| e.min(regular)))
        }
        // COM-3.3: the agent has `contact_update_days` to answer; then the second round runs anyway.
        HoldState::AwaitingContact { round_ended_at } => {
            Some(round_ended_at + Duration::days(i64::from(c.cp.contact_update_days)))
        }
        HoldState::SecondRound { .. } => events
            .iter()
            .rev()
            .find(|e| {
                e.kind == "contact_confirmed" || (e.kind == "callback" && e.payload["round"] == "awaiting_contact")
            })
            .map(|e| e.at),
        HoldState::ManualCallback => last_transition,
        _ => None,
    }?;
    let spaced = s
        .unsuccessful_streak()
        .and_then(|(_, last)| last)
        .map(|t| t + Duration::hours(i64::from(c.cp.retry_hours)));
    Some(spaced.map_or(opens, |t| t.max(opens)))
}

fn within_hours(now: DateTime<Utc>, c: &Ctx) -> bool {
    let h = now.with_timezone(&c.tz).hour();
    h >= c.cp.calling_hours_start && h < c.cp.calling_hours_end
}

fn hold_dto(p: &InsurancePolicy, events: &[PolicyEvent], c: &Ctx, now: DateTime<Utc>) -> HoldDto {
    let (s, early) = replay(events, c.cp.round_attempts, None);
    let receipt = receipt_status(
        p.effective_on,
        p.receipt_returned_on,
        business_day(now, c.tz) + Duration::days(1),
    );
    HoldDto {
        state: s.name().to_owned(),
        callback_condition_met: s.callback_condition_met(),
        receipt: match receipt {
            ReceiptStatus::Returned => "returned",
            ReceiptStatus::ReturnedLate => "returned_late",
            ReceiptStatus::Missing => "missing",
        }
        .to_owned(),
        payment: match payment(s, receipt) {
            Payment::Payable => "payable",
            Payment::Held => "held",
            Payment::Withheld => "withheld",
        }
        .to_owned(),
        next_call_at: round_opens_at(p, events, s, early, c),
    }
}

fn policy_dto(p: &InsurancePolicy, events: &[PolicyEvent], c: &Ctx, now: DateTime<Utc>) -> InsurancePolicyDto {
    InsurancePolicyDto {
        id: p.id,
        number: p.number.clone(),
        agent_id: p.agent_id.0,
        client_id: p.client_id,
        product: p.product.clone(),
        premium_fen: p.premium_fen,
        commission_fen: p.commission_fen,
        printed_on: p.printed_on,
        effective_on: p.effective_on,
        receipt_returned_on: p.receipt_returned_on,
        hold: hold_dto(p, events, c, now),
        history: events
            .iter()
            .map(|e| PolicyEventDto {
                kind: e.kind.clone(),
                payload: e.payload.clone(),
                at: e.at,
            })
            .collect(),
    }
}

/// The policy as it stands after a change (re-read, so the history includes the change).
async fn current(state: &AppState, p: &InsurancePolicy, c: &Ctx) -> Result<HttpResponse, ApiError> {
    let events = state.db.policy_events(p.company_id, p.id).await?;
    Ok(HttpResponse::Ok().json(policy_dto(p, &events, c, state.clock.now())))
}

/// Loads a policy the caller may see (its agent, their supervisor, the back office).
async fn load(
    state: &AppState,
    auth: &Authenticated,
    function: Function,
    id: Uuid,
) -> Result<(InsurancePolicy, Vec<PolicyEvent>), ApiError> {
    let reach = auth.actor.require(function)?;
    let p = state
        .db
        .get_insurance_policy(auth.actor.company_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("policy"))?;
    let agent = state.db.get_user(p.company_id, p.agent_id).await?;
    let owner = Owner {
        company_id: p.company_id,
        user_id: Some(p.agent_id),
        team_id: agent.and_then(|a| a.team_id),
    };
    if !auth.actor.can_see(&reach, owner) {
        return Err(ApiError::not_found("policy"));
    }
    let events = state.db.policy_events(p.company_id, p.id).await?;
    Ok((p, events))
}

/// Create a policy record (COM-1).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_INTEGRATION],
    request_body = NewPolicy,
    responses(
        (status = 201, description = "Created", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or integration", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown agent or client, or a duplicate number", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies")]
pub async fn create_policy(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewPolicy>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageInsurancePolicies)?;
    let company = auth.actor.company_id;
    let b = body.0;
    let mut errors = domain::ValidationErrors::default();
    if state
        .db
        .get_user(company, UserId(b.agent_id))
        .await?
        .filter(|u| u.role == Role::Agent)
        .is_none()
    {
        errors.push("/agent_id", "no such agent");
    }
    match state.db.get_client(company, b.client_id).await? {
        Some(c) if c.agent_id.0 == b.agent_id => {}
        Some(_) => errors.push("/client_id", "the client is not assigned to this agent"),
        None => errors.push("/client_id", "no such client"),
    }
    if b.effective_on < b.printed_on - Duration::days(366) {
        errors.push("/effective_on", "is implausibly far before the printed date");
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let p = InsurancePolicy {
        company_id: company,
        id: Uuid::now_v7(),
        number: b.number.trim().to_owned(),
        agent_id: UserId(b.agent_id),
        client_id: b.client_id,
        product: b.product,
        premium_fen: b.premium_fen,
        commission_fen: b.commission_fen,
        printed_on: b.printed_on,
        effective_on: b.effective_on,
        receipt_returned_on: b.receipt_returned_on,
        created_at: state.clock.now(),
    };
    state
        .db
        .insert_insurance_policy(&audit_ctx(&req, &state, &auth.actor), &p)
        .await
        .map_err(|e| match e {
            domain::ports::RepoError::Conflict(_) => ApiError::field("/number", "is already used by another policy"),
            other => other.into(),
        })?;
    let c = ctx_for(&state, &p).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/policies/{}", p.id)))
        .json(policy_dto(&p, &[], &c, state.clock.now())))
}

/// Read a policy with its hold state and history.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(super::IdPath),
    responses(
        (status = 200, description = "The policy", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policies/{id}")]
pub async fn get_policy(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
) -> Result<HttpResponse, ApiError> {
    let (p, events) = load(&state, &auth, Function::ReadInsurancePolicies, path.id).await?;
    let c = ctx_for(&state, &p).await?;
    Ok(with_etag(
        &req,
        StatusCode::OK,
        &policy_dto(&p, &events, &c, state.clock.now()),
    ))
}

/// List policies within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of policies", body = InsurancePolicyPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policies")]
pub async fn list_policies(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadInsurancePolicies)?;
    let page = q.page_request()?;
    let rows = state
        .db
        .list_insurance_policies(auth.actor.company_id, &reach.person_scope(), page)
        .await?;
    let now = state.clock.now();
    let mut items = Vec::new();
    let contexts = Contexts::load(&state, auth.actor.company_id).await?;
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let mut events = state.db.events_of_policies(auth.actor.company_id, &ids).await?;
    for p in &rows {
        let events = events.remove(&p.id).unwrap_or_default();
        let c = contexts.for_policy(p);
        items.push(policy_dto(p, &events, &c, now));
    }
    Ok(HttpResponse::Ok().json(InsurancePolicyPage {
        next_cursor: next_cursor(&rows, page.limit, |p| p.id),
        items,
    }))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CategoryDto {
    Success,
    TemporarilyUnsuccessful,
    NumberProblem,
    Refusal,
    Special,
    Other,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCallback {
    /// COM-4.
    pub category: CategoryDto,
    /// COM-4's detail, e.g. "no_answer", "vacant_number".
    #[validate(length(max = 64, message = "is too long"))]
    pub reason: Option<String>,
    #[serde(default)]
    pub forged_signature: bool,
    #[serde(default)]
    pub misleading: bool,
    /// On a manual callback: the number on file had changed (COM-3.5).
    #[serde(default)]
    pub number_changed: bool,
    #[validate(length(max = 2000, message = "is too long"))]
    pub notes: Option<String>,
}

async fn append(
    req: &HttpRequest,
    state: &AppState,
    auth: &Authenticated,
    p: &InsurancePolicy,
    events: &[PolicyEvent],
    kind: &str,
    payload: Value,
) -> Result<(), ApiError> {
    let e = PolicyEvent {
        kind: kind.to_owned(),
        payload,
        actor_id: auth.actor.user_id,
        at: state.clock.now(),
    };
    if !state
        .db
        .append_policy_event(&audit_ctx(req, state, &auth.actor), p.id, events.len() as i64, &e)
        .await?
    {
        return Err(ApiError::conflict(
            "concurrent_update",
            "another update to this policy was recorded first; retry",
        ));
    }
    Ok(())
}

/// Raises a pending quality report on the policy's agent, from the callback center (COM-3.6, COM-5),
/// dated on the agent's business day and under the catalogue in force then.
async fn raise_report(
    req: &HttpRequest,
    state: &AppState,
    auth: &Authenticated,
    p: &InsurancePolicy,
    code: &str,
    evidence: &str,
) -> Result<(), ApiError> {
    let agent = state
        .db
        .get_user(p.company_id, p.agent_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let ctx = crate::app::quality::agent_context(&state.db, &agent).await?;
    let catalogues = state.db.catalogues(p.company_id).await?;
    let report = RaisedReport {
        agent_id: p.agent_id,
        code: code.to_owned(),
        post: Post::CallbackCenter,
        reporter_id: auth.actor.user_id,
        evidence: evidence.to_owned(),
        reason: Some("raised by the callback".into()),
        client_id: Some(p.client_id),
        policy_number: Some(p.number.clone()),
    };
    let v = raised_report(&ctx, &catalogues, state.clock.now(), report);
    state
        .db
        .insert_violation(&audit_ctx(req, state, &auth.actor), &v)
        .await?;
    Ok(())
}

/// Record a callback attempt (COM-3, COM-4). Refused outside 09:00–21:00 local, within six
/// hours of an unsuccessful call, or when no round is open.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(super::IdPath),
    request_body = NewCallback,
    responses(
        (status = 200, description = "Recorded; the policy with its new hold state", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Outside calling hours, too soon after an unsuccessful call, or no round open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/callbacks")]
pub async fn record_callback(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
    body: JsonBody<NewCallback>,
) -> Result<HttpResponse, ApiError> {
    let (p, events) = load(&state, &auth, Function::PlaceCallbacks, path.id).await?;
    let c = ctx_for(&state, &p).await?;
    let now = state.clock.now();
    let (s, early) = replay(&events, c.cp.round_attempts, None);
    let Some(opens) = round_opens_at(&p, &events, s, early, &c) else {
        return Err(ApiError::conflict(
            "no_callback_round",
            format!("no callback round is open: the callback is {}", s.name()),
        ));
    };
    if !within_hours(now, &c) {
        return Err(ApiError::conflict(
            "outside_calling_hours",
            format!(
                "calls are placed between {:02}:00 and {:02}:00 in the branch's time zone ({})",
                c.cp.calling_hours_start,
                c.cp.calling_hours_end,
                c.tz.name()
            ),
        ));
    }
    if now < opens {
        let code = if s.unsuccessful_streak().is_some_and(|(n, _)| n > 0) {
            "retry_too_soon"
        } else {
            "callback_not_due"
        };
        return Err(ApiError::conflict(
            code,
            format!("the next call may be placed from {}", opens.to_rfc3339()),
        ));
    }
    let b = body.0;
    // COM-5: a client number that is an agent's or outlet's phone is a number problem on every call.
    let client = state.db.get_client(p.company_id, p.client_id).await?;
    let staff_number = client.as_ref().is_some_and(|cl| cl.phone_conflict);
    let category = if staff_number {
        CallCategory::NumberProblem
    } else {
        match b.category {
            CategoryDto::Success => CallCategory::Success,
            CategoryDto::TemporarilyUnsuccessful => CallCategory::TemporarilyUnsuccessful,
            CategoryDto::NumberProblem => CallCategory::NumberProblem,
            CategoryDto::Refusal => CallCategory::Refusal,
            CategoryDto::Special => CallCategory::Special,
            CategoryDto::Other => CallCategory::Other,
        }
    };
    let attempt = Attempt {
        category,
        forged_signature: b.forged_signature,
        misleading: b.misleading,
        number_changed: b.number_changed,
        at: now,
    };
    // The contact window passed without an answer: this call opens the second round.
    let from = if matches!(s, HoldState::AwaitingContact { .. }) {
        s.confirm_contact().unwrap_or(s)
    } else {
        s
    };
    let (_, effects) = from
        .attempt(&attempt, c.cp.round_attempts)
        .map_err(|e| ApiError::conflict("no_callback_round", e.to_string()))?;
    let mut payload = serde_json::to_value(attempt).unwrap_or(Value::Null);
    payload["reason"] = json!(if staff_number {
        Some("agent_or_outlet_phone".to_owned())
    } else {
        b.reason
    });
    payload["notes"] = json!(b.notes);
    payload["round"] = json!(s.name());
    append(&req, &state, &auth, &p, &events, "callback", payload).await?;
    if staff_number {
        raise_report(
            &req,
            &state,
            &auth,
            &p,
            "Q-CONTACT",
            "the client's number on file is an agent's or outlet's phone (COM-5)",
        )
        .await?;
    }
    for e in effects {
        match e {
            Effect::NotifyAgentFirstRoundFailed => {
                state
                    .db
                    .notify(
                        p.company_id,
                        p.agent_id,
                        "callback_first_round_failed",
                        &json!({"policy_id": p.id, "policy_number": p.number, "respond_within_days": c.cp.contact_update_days,
                                "action": format!("POST /v1/policies/{}/contact", p.id)}),
                        &format!("first-round:{}", p.id),
                        now,
                    )
                    .await?
            }
            Effect::RaiseSignatureReport => raise_report(&req, &state, &auth, &p, "Q-SIGNATURE", "the callback found a signature not made by the client (COM-3.6)").await?,
            Effect::RaiseDisclosureReport => raise_report(&req, &state, &auth, &p, "Q-DISCLOSE", "the callback found the client was misled (COM-3.6)").await?,
        }
    }
    current(&state, &p, &c).await
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    /// A corrected phone number for the client; omit to confirm the one on file.
    pub phone: Option<String>,
}

/// The agent confirms or updates the client's contact details after a failed first round
/// (COM-3.3); the second round opens.
#[utoipa::path(
    tags = [TAG_AGENT],
    params(super::IdPath),
    request_body = ContactUpdate,
    responses(
        (status = 200, description = "The second round is open", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not your policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No failed first round awaiting contact", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid phone", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/contact")]
pub async fn confirm_contact(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
    body: OptionalJson<ContactUpdate>,
) -> Result<HttpResponse, ApiError> {
    let (p, events) = load(&state, &auth, Function::LogActivities, path.id).await?;
    let c = ctx_for(&state, &p).await?;
    let (s, _) = replay(&events, c.cp.round_attempts, None);
    s.confirm_contact()
        .map_err(|e| ApiError::conflict("not_awaiting_contact", e.to_string()))?;
    if let Some(phone) = &body.phone {
        let n = domain::org::normalise_phone(phone)
            .ok_or_else(|| ApiError::field("/phone", "must be a phone number of 5 to 20 digits"))?;
        if let Some(before) = state.db.get_client(p.company_id, p.client_id).await? {
            let conflict = state.db.phone_belongs_to_staff_or_outlet(p.company_id, &n).await?;
            let after = domain::client::Client {
                phone: Some(n.clone()),
                phone_conflict: conflict,
                updated_at: state.clock.now(),
                ..before.clone()
            };
            state
                .db
                .update_client(&audit_ctx(&req, &state, &auth.actor), "update", &before, &after)
                .await?;
        }
    }
    append(
        &req,
        &state,
        &auth,
        &p,
        &events,
        "contact_confirmed",
        json!({"phone_updated": body.phone.is_some()}),
    )
    .await?;
    current(&state, &p, &c).await
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// Reference to the policyholder's signed callback confirmation.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub signed_confirmation: String,
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

/// COM-6: a signed confirmation plus a special-callback request satisfies the callback condition.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(super::IdPath),
    request_body = Exemption,
    responses(
        (status = 200, description = "Exempted", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The callback is already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/callback-exemption")]
pub async fn exempt(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
    body: JsonBody<Exemption>,
) -> Result<HttpResponse, ApiError> {
    let (p, events) = load(&state, &auth, Function::PlaceCallbacks, path.id).await?;
    let c = ctx_for(&state, &p).await?;
    let (s, _) = replay(&events, c.cp.round_attempts, None);
    s.exempt()
        .map_err(|e| ApiError::conflict("already_decided", e.to_string()))?;
    append(
        &req,
        &state,
        &auth,
        &p,
        &events,
        "exempted",
        json!({"signed_confirmation": body.signed_confirmation, "reason": body.reason}),
    )
    .await?;
    current(&state, &p, &c).await
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EarlyCallback {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

/// COM-6: an early callback (e.g. the client is leaving the country): the first round opens now.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(super::IdPath),
    request_body = EarlyCallback,
    responses(
        (status = 200, description = "The first round is open", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in the first round", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/early-callback")]
pub async fn early_callback(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
    body: JsonBody<EarlyCallback>,
) -> Result<HttpResponse, ApiError> {
    let (p, events) = load(&state, &auth, Function::PlaceCallbacks, path.id).await?;
    let c = ctx_for(&state, &p).await?;
    let (s, _) = replay(&events, c.cp.round_attempts, None);
    if !matches!(s, HoldState::FirstRound { .. }) {
        return Err(ApiError::conflict(
            "not_first_round",
            "an early callback applies to the first round only",
        ));
    }
    append(
        &req,
        &state,
        &auth,
        &p,
        &events,
        "early_requested",
        json!({"reason": body.reason}),
    )
    .await?;
    current(&state, &p, &c).await
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct QualityResolution {
    /// Release the held commission (true) or withhold it (false).
    pub release: bool,
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

/// COM-3.6: the quality office resolves a quality hold.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(super::IdPath),
    request_body = QualityResolution,
    responses(
        (status = 200, description = "Resolved", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not on a quality hold", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/quality-resolution")]
pub async fn resolve_quality(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
    body: JsonBody<QualityResolution>,
) -> Result<HttpResponse, ApiError> {
    let (p, events) = load(&state, &auth, Function::ManageQuality, path.id).await?;
    let c = ctx_for(&state, &p).await?;
    let (s, _) = replay(&events, c.cp.round_attempts, None);
    s.resolve_quality(body.release)
        .map_err(|e| ApiError::conflict("not_on_quality_hold", e.to_string()))?;
    append(
        &req,
        &state,
        &auth,
        &p,
        &events,
        "quality_resolved",
        json!({"release": body.release, "reason": body.reason}),
    )
    .await?;
    current(&state, &p, &c).await
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReceiptReturn {
    pub returned_on: NaiveDate,
}

/// COM-7: record the date the policy receipt came back.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(super::IdPath),
    request_body = ReceiptReturn,
    responses(
        (status = 200, description = "Recorded", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or integration", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date before printing or in the future", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/receipt")]
pub async fn record_receipt(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
    body: JsonBody<ReceiptReturn>,
) -> Result<HttpResponse, ApiError> {
    let (p, events) = load(&state, &auth, Function::ManageInsurancePolicies, path.id).await?;
    if p.receipt_returned_on.is_some() {
        return Err(ApiError::conflict(
            "receipt_already_recorded",
            "the receipt's return is already recorded",
        ));
    }
    let c = ctx_for(&state, &p).await?;
    let now = state.clock.now();
    if body.returned_on < p.printed_on || body.returned_on > business_day(now, c.tz) {
        return Err(ApiError::field(
            "/returned_on",
            "must be between the printed date and today",
        ));
    }
    state
        .db
        .set_receipt(&audit_ctx(&req, &state, &auth.actor), &p, body.returned_on)
        .await?;
    let p = InsurancePolicy {
        receipt_returned_on: Some(body.returned_on),
        ..p
    };
    Ok(HttpResponse::Ok().json(policy_dto(&p, &events, &c, now)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub policy_id: Uuid,
    pub number: String,
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub state: String,
    pub due_since: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackQueue {
    /// False outside calling hours: nothing may be called now.
    pub within_calling_hours: bool,
    pub items: Vec<QueueItem>,
}

/// The calls due now for the caller's company (COM-3.1: rounds open, 6-hour spacing, and
/// within calling hours in each policy's branch zone).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    responses(
        (status = 200, description = "Calls due now, longest waiting first", body = CallbackQueue),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/callbacks/queue")]
pub async fn callback_queue(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::PlaceCallbacks)?;
    let now = state.clock.now();
    let mut items = Vec::new();
    let mut any_hours = false;
    let contexts = Contexts::load(&state, auth.actor.company_id).await?;
    for (p, events) in state.db.open_callbacks(auth.actor.company_id).await? {
        let c = contexts.for_policy(&p);
        let (s, early) = replay(&events, c.cp.round_attempts, None);
        let Some(opens) = round_opens_at(&p, &events, s, early, &c) else {
            continue;
        };
        let hours = within_hours(now, &c);
        any_hours |= hours;
        if hours && opens <= now {
            items.push(QueueItem {
                policy_id: p.id,
                number: p.number.clone(),
                agent_id: p.agent_id.0,
                client_id: p.client_id,
                state: s.name().to_owned(),
                due_since: opens,
            });
        }
    }
    items.sort_by_key(|i| i.due_since);
    Ok(HttpResponse::Ok().json(CallbackQueue {
        within_calling_hours: any_hours,
        items,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: Uuid,
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationDto>,
}

/// The caller's notifications, newest first (e.g. a failed first callback round, COM-3.3).
#[utoipa::path(
    tags = [TAG_AGENT],
    responses(
        (status = 200, description = "Notifications", body = NotificationList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/me/notifications")]
pub async fn my_notifications(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = state
        .db
        .notifications(auth.actor.company_id, auth.actor.user_id)
        .await?
        .into_iter()
        .map(|(id, kind, payload, created_at)| NotificationDto {
            id,
            kind,
            payload,
            created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(NotificationList { items }))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Settle {
    pub branch_id: Uuid,
    #[schema(example = "2026-11")]
    pub month: String,
}

/// Run the month's settlement for a branch (COM-8) once its cut-off has passed. Idempotent:
/// one statement per person, immutable once written.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = Settle,
    responses(
        (status = 200, description = "Settled (repeating it changes nothing)", body = crate::app::settlement::SettlementReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The cut-off has not passed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown branch or bad month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/settle")]
pub async fn settle(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<Settle>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManagePolicies)?;
    let branch = state
        .db
        .get_branch(auth.actor.company_id, BranchId(body.branch_id))
        .await?
        .ok_or_else(|| ApiError::field("/branch_id", "no such branch"))?;
    let (y, m) = crate::app::settlement::parse_month(&body.month)
        .ok_or_else(|| ApiError::field("/month", "must be a month as YYYY-MM"))?;
    let cp = crate::app::policy_versions::policy_for(
        &state.db,
        branch.company_id,
        Some(branch.id),
        domain::commission::cutoff_day(y, m, 28).unwrap_or_default(),
    )
    .await?
    .document
    .commission;
    let (cut, _) = crate::app::settlement::cutoff(&branch, y, m, cp.cutoff_day).ok_or_else(ApiError::internal)?;
    let now = state.clock.now();
    if now < cut {
        return Err(ApiError::conflict(
            "cutoff_not_passed",
            format!("the settlement cut-off is {}", cut.to_rfc3339()),
        ));
    }
    Ok(HttpResponse::Ok().json(crate::app::settlement::settle(&state.db, &branch, &body.month, now).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDto {
    pub id: Uuid,
    pub person_id: Uuid,
    pub branch_id: Uuid,
    pub month: String,
    /// Each line explains itself: kind (commission, penalty, allowance), type, rule, amount, explanation.
    #[schema(value_type = Vec<Object>)]
    pub lines: Value,
    /// Sum of the lines, in fen.
    pub net_fen: i64,
    pub closed_at: DateTime<Utc>,
}

fn statement_dto(s: &domain::ports::Statement) -> StatementDto {
    StatementDto {
        id: s.id,
        person_id: s.person_id.0,
        branch_id: s.branch_id.0,
        month: s.month.clone(),
        lines: s.lines.clone(),
        net_fen: s.net_fen,
        closed_at: s.closed_at,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// YYYY-MM; omit for every month.
    pub month: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementList {
    pub items: Vec<StatementDto>,
}

/// A person's monthly statements.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(super::IdPath, StatementQuery),
    responses(
        (status = 200, description = "Statements", body = StatementList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/statements")]
pub async fn statements(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
    q: web::Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadLedgers)?;
    let person = state
        .db
        .get_user(auth.actor.company_id, UserId(path.id))
        .await?
        .filter(|u| {
            auth.actor.can_see(
                &reach,
                Owner {
                    company_id: u.company_id,
                    user_id: Some(u.id),
                    team_id: u.team_id,
                },
            )
        })
        .ok_or_else(|| ApiError::not_found("person"))?;
    let items = state
        .db
        .statements_of(person.company_id, person.id, q.month.as_deref())
        .await?
        .iter()
        .map(statement_dto)
        .collect();
    Ok(HttpResponse::Ok().json(StatementList { items }))
}

/// One statement, as JSON or (with `Accept: text/csv`) CSV for payroll.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(super::IdPath),
    responses(
        (status = 200, description = "The statement", content((StatementDto = "application/json"), (String = "text/csv"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/statements/{id}")]
pub async fn get_statement(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<super::IdPath>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadLedgers)?;
    let s = state
        .db
        .get_statement(auth.actor.company_id, path.id)
        .await?
        .ok_or_else(|| ApiError::not_found("statement"))?;
    let person = state.db.get_user(s.company_id, s.person_id).await?;
    if !auth.actor.can_see(
        &reach,
        Owner {
            company_id: s.company_id,
            user_id: Some(s.person_id),
            team_id: person.and_then(|p| p.team_id),
        },
    ) {
        return Err(ApiError::not_found("statement"));
    }
    if super::wants_csv(&req) {
        let field = super::csv_field;
        let mut out = String::from("statement_id,person_id,month,kind,type,rule_id,amount_fen,explanation\r\n");
        for l in s.lines.as_array().cloned().unwrap_or_default() {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\r\n",
                s.id,
                s.person_id,
                s.month,
                field(l["kind"].as_str().unwrap_or_default()),
                field(l["type"].as_str().unwrap_or_default()),
                field(l["rule_id"].as_str().unwrap_or_default()),
                l["amount_fen"].as_i64().unwrap_or(0),
                field(l["explanation"].as_str().unwrap_or_default())
            ));
        }
        out.push_str(&format!(
            "{},{},{},net,,,{},net payable\r\n",
            s.id, s.person_id, s.month, s.net_fen
        ));
        return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(out));
    }
    Ok(with_etag(&req, StatusCode::OK, &statement_dto(&s)))
}

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_policy)
        .service(list_policies)
        .service(get_policy)
        .service(record_callback)
        .service(confirm_contact)
        .service(exempt)
        .service(early_callback)
        .service(resolve_quality)
        .service(record_receipt)
        .service(callback_queue)
        .service(my_notifications)
        .service(settle)
        .service(statements)
        .service(get_statement);
}
