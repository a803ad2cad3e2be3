//! Activity logging for the agent app (ACT-1..ACT-5), offline-safe: client-generated ids,
//! per-item batch results, idempotent replays, call-log import, voiding and the today view.

use super::{
    audit_ctx, insert_location, request_id, with_etag, IdPath, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION,
    TAG_SUPERVISOR,
};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{decode_value, JsonBody};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use domain::access::{Actor, Function, Owner, Reach};
use domain::activity::{
    check_occurred_at, counts_toward_quota, daily_counts, may_void, Activity, ActivityKind, NotCounted,
    OccurredAtProblem, VoidRefusal,
};
use domain::ids::{CompanyId, UserId};
use domain::org::{normalise_phone, Branch, Role, User};
use domain::policy::ActivityPolicy;
use domain::ports::{
    ActivityCursor, ActivityFilter, ActivityRepo, ClientRepo, IdempotencyRecord, InsertOutcome, OrganisationRepo,
    OutletRepo, RepoError,
};
use domain::time::{business_day, parse_time_zone, BranchCalendar};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// The most items a batch (or call-log upload) may carry.
pub const MAX_BATCH_ITEMS: usize = 500;
/// The byte cap for batch bodies (500 items of ~2 KiB plus headroom).
pub const BATCH_BODY_LIMIT: usize = 2 * 1024 * 1024;
const MAX_NOTES: usize = 2000;

// ---------------------------------------------------------------- wire types

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKindDto {
    FaceVisit,
    PhoneService,
    RenewalCollection,
    OutletService,
    MeetingAttendance,
}

impl From<ActivityKindDto> for ActivityKind {
    fn from(k: ActivityKindDto) -> Self {
        match k {
            ActivityKindDto::FaceVisit => ActivityKind::FaceVisit,
            ActivityKindDto::PhoneService => ActivityKind::PhoneService,
            ActivityKindDto::RenewalCollection => ActivityKind::RenewalCollection,
            ActivityKindDto::OutletService => ActivityKind::OutletService,
            ActivityKindDto::MeetingAttendance => ActivityKind::MeetingAttendance,
        }
    }
}

impl From<ActivityKind> for ActivityKindDto {
    fn from(k: ActivityKind) -> Self {
        match k {
            ActivityKind::FaceVisit => ActivityKindDto::FaceVisit,
            ActivityKind::PhoneService => ActivityKindDto::PhoneService,
            ActivityKind::RenewalCollection => ActivityKindDto::RenewalCollection,
            ActivityKind::OutletService => ActivityKindDto::OutletService,
            ActivityKind::MeetingAttendance => ActivityKindDto::MeetingAttendance,
        }
    }
}

/// ACT-2: what the face visit covered. Recorded and reported; it does not decide counting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FaceVisitChecklist {
    /// Collected the client's basics (phone, address, household).
    pub collected_client_basics: bool,
    pub confirmed_service_items: bool,
    pub introduced_self: bool,
    pub introduced_company: bool,
    /// Policy completion (保单完善).
    pub completed_policy: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[schema(minimum = -90, maximum = 90, example = 31.2304)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180, example = 121.4737)]
    pub lng: f64,
    /// Horizontal accuracy in metres.
    #[schema(minimum = 0, maximum = 100000)]
    pub accuracy_m: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaceVisitDetails {
    #[serde(default)]
    pub checklist: FaceVisitChecklist,
    pub location: Option<Location>,
    /// ACT-4: the supervisor who accompanied the visit (a supervisor of the agent's branch).
    pub accompanied_by: Option<Uuid>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// ACT-3: the purpose of a phone service.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallPurpose {
    RenewalFollowUp,
    ClientGreeting,
    ProspectTracking,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneServiceDetails {
    /// When the call started; defaults to `occurred_at`.
    pub started_at: Option<DateTime<Utc>>,
    /// ACT-3: calls shorter than the policy's `min_call_seconds` (default 30) do not count.
    #[schema(minimum = 0, maximum = 86400)]
    pub duration_seconds: i64,
    pub purpose: CallPurpose,
    /// A prospect's number when the call was not to a client (then omit `client_id`).
    pub prospect_phone: Option<String>,
    /// The device's call-log id; unique per agent, so an imported call is never counted twice.
    #[schema(max_length = 128)]
    pub device_call_id: Option<String>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenewalOutcome {
    Collected,
    Promised,
    Declined,
    Unreachable,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewalCollectionDetails {
    #[schema(max_length = 64)]
    pub policy_number: Option<String>,
    pub outcome: RenewalOutcome,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutletServiceDetails {
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Morning,
    Evening,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingAttendanceDetails {
    pub meeting: MeetingKind,
    /// The business day of the meeting.
    pub date: NaiveDate,
}

/// The kind-specific part of an activity (which one follows from `kind`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ActivityDetails {
    FaceVisit(FaceVisitDetails),
    PhoneService(PhoneServiceDetails),
    RenewalCollection(RenewalCollectionDetails),
    OutletService(OutletServiceDetails),
    MeetingAttendance(MeetingAttendanceDetails),
}

/// A new activity, created on the device (often offline) with its own UUID.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    /// Generated by the client (UUID v7 preferred); replays with the same id are de-duplicated.
    pub id: Uuid,
    pub kind: ActivityKindDto,
    /// When it happened by the device's clock (kept as a fact; deadlines use the server's time).
    pub occurred_at: DateTime<Utc>,
    /// Required for face visits and renewal collections; for phone services, either this or
    /// `details.prospect_phone`.
    pub client_id: Option<Uuid>,
    /// Required for outlet service.
    pub outlet_id: Option<Uuid>,
    #[serde(default)]
    #[schema(value_type = ActivityDetails)]
    pub details: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VoidInfo {
    pub at: DateTime<Utc>,
    pub by: Uuid,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActivityDto {
    pub id: Uuid,
    pub kind: ActivityKindDto,
    pub agent_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The server's receive time (TIME-4).
    pub received_at: DateTime<Utc>,
    /// `occurred_at`'s date in the agent's branch time zone (TIME-1).
    pub business_day: NaiveDate,
    pub client_id: Option<Uuid>,
    pub outlet_id: Option<Uuid>,
    #[schema(value_type = ActivityDetails)]
    pub details: Value,
    /// Present when the activity was voided (ACT-5); voided activities never count.
    pub voided: Option<VoidInfo>,
}

impl From<&Activity> for ActivityDto {
    fn from(a: &Activity) -> Self {
        ActivityDto {
            id: a.id,
            kind: a.kind.into(),
            agent_id: a.agent_id.0,
            occurred_at: a.occurred_at,
            received_at: a.received_at,
            business_day: a.business_day,
            client_id: a.client_id,
            outlet_id: a.outlet_id,
            details: a.details.clone(),
            voided: match (a.voided_at, a.voided_by, &a.void_reason) {
                (Some(at), Some(by), Some(reason)) => Some(VoidInfo {
                    at,
                    by: by.0,
                    reason: reason.clone(),
                }),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Up to 500 activities; each is judged on its own.
    #[schema(max_items = 500)]
    pub items: Vec<Value>,
}

/// One activity as raw JSON; it is decoded item by item so every problem gets a pointer.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct RawItem(pub Value);

impl Validate for RawItem {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl Validate for BatchRequest {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Created,
    /// Already stored with the same content: nothing changed.
    Duplicate,
    /// Not stored; `problem` says why.
    Rejected,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResult {
    /// The item's position in the request.
    pub index: usize,
    /// The activity's id, when the item had a readable one.
    pub id: Option<Uuid>,
    pub status: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    pub results: Vec<ItemResult>,
    pub created: usize,
    pub duplicates: usize,
    pub rejected: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallLogEntry {
    /// The device's own id for the call.
    #[schema(max_length = 128)]
    pub device_call_id: String,
    /// The other party's number; matched against the agent's clients.
    pub number: String,
    pub started_at: DateTime<Utc>,
    #[schema(minimum = 0, maximum = 86400)]
    pub duration_seconds: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallLogRequest {
    #[schema(max_items = 500)]
    pub entries: Vec<Value>,
}

impl Validate for CallLogRequest {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

// ---------------------------------------------------------------- parsing and validation

/// The caller's logging context: who logs, in which zone, under which policy, at what time.
struct LogContext {
    company: CompanyId,
    agent: UserId,
    branch: Option<Branch>,
    tz: Tz,
    policy: ActivityPolicy,
    now: DateTime<Utc>,
}

/// Loads the agent's branch (zone, calendar) and the policy version in force today (POL-1).
async fn log_context(state: &AppState, user: &User) -> Result<LogContext, ApiError> {
    let branch = match user.branch_id {
        Some(b) => state.db.get_branch(user.company_id, b).await?,
        None => None,
    };
    let tz = branch
        .as_ref()
        .and_then(|b| parse_time_zone(&b.settings.time_zone))
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let now = state.clock.now();
    let policy =
        crate::app::policy_versions::policy_for(&state.db, user.company_id, user.branch_id, business_day(now, tz))
            .await?
            .document
            .activity;
    Ok(LogContext {
        company: user.company_id,
        agent: user.id,
        branch,
        tz,
        policy,
        now,
    })
}

fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// A parsed item: the activity to store and the references still to check against storage.
struct Parsed {
    activity: Activity,
    client_id: Option<Uuid>,
    outlet_id: Option<Uuid>,
    supervisor: Option<Uuid>,
}

fn check_notes(errors: &mut ValidationErrors, pointer: &str, notes: Option<&String>) {
    if notes.is_some_and(|n| n.chars().count() > MAX_NOTES) {
        errors.push(pointer, format!("must be at most {MAX_NOTES} characters"));
    }
}

fn occurred_problem(errors: &mut ValidationErrors, pointer: &str, at: DateTime<Utc>, ctx: &LogContext) {
    match check_occurred_at(at, ctx.now, &ctx.policy) {
        Ok(()) => {}
        Err(OccurredAtProblem::InFuture) => errors.push(
            pointer,
            format!(
                "is more than {} seconds ahead of the server clock",
                ctx.policy.max_future_seconds
            ),
        ),
        Err(OccurredAtProblem::TooOld) => errors.push(
            pointer,
            format!("is more than {} days in the past", ctx.policy.max_backdate_days),
        ),
    }
}

/// Parses and validates one item (no storage access). `p` is the item's pointer prefix.
fn parse_item(value: Value, p: &str, ctx: &LogContext) -> Result<Parsed, ValidationErrors> {
    let env: NewActivity = decode_value(value, p)?;
    let mut errors = ValidationErrors::default();
    let kind = ActivityKind::from(env.kind);
    let occurred_at = micros(env.occurred_at);
    occurred_problem(&mut errors, &format!("{p}/occurred_at"), occurred_at, ctx);
    let dp = format!("{p}/details");
    let details = if env.details.is_null() {
        Value::Object(Default::default())
    } else {
        env.details
    };
    let needs = |errors: &mut ValidationErrors, field: &str, present: bool, required: bool| {
        if required && !present {
            errors.push(format!("{p}/{field}"), format!("is required for {}", kind.as_str()));
        } else if !required && present {
            errors.push(format!("{p}/{field}"), format!("does not apply to {}", kind.as_str()));
        }
    };
    let mut duration = None;
    let mut supervisor = None;
    let mut device_call_id = None;
    let typed: ActivityDetails = match kind {
        ActivityKind::FaceVisit => {
            let d: FaceVisitDetails = decode_value(details, &dp)?;
            needs(&mut errors, "client_id", env.client_id.is_some(), true);
            needs(&mut errors, "outlet_id", env.outlet_id.is_some(), false);
            if let Some(l) = &d.location {
                if !(l.lat.is_finite() && (-90.0..=90.0).contains(&l.lat)) {
                    errors.push(format!("{dp}/location/lat"), "must be between -90 and 90");
                }
                if !(l.lng.is_finite() && (-180.0..=180.0).contains(&l.lng)) {
                    errors.push(format!("{dp}/location/lng"), "must be between -180 and 180");
                }
                if l.accuracy_m
                    .is_some_and(|a| !(a.is_finite() && (0.0..=100_000.0).contains(&a)))
                {
                    errors.push(
                        format!("{dp}/location/accuracy_m"),
                        "must be between 0 and 100000 metres",
                    );
                }
            }
            check_notes(&mut errors, &format!("{dp}/notes"), d.notes.as_ref());
            supervisor = d.accompanied_by;
            ActivityDetails::FaceVisit(d)
        }
        ActivityKind::PhoneService => {
            let mut d: PhoneServiceDetails = decode_value(details, &dp)?;
            needs(&mut errors, "outlet_id", env.outlet_id.is_some(), false);
            if !(0..=86_400).contains(&d.duration_seconds) {
                errors.push(format!("{dp}/duration_seconds"), "must be between 0 and 86400");
            }
            match (&env.client_id, &d.prospect_phone) {
                (None, None) => errors.push(
                    format!("{p}/client_id"),
                    "a call names a client_id or details.prospect_phone",
                ),
                (Some(_), Some(_)) => errors.push(
                    format!("{dp}/prospect_phone"),
                    "give either client_id or prospect_phone, not both",
                ),
                (None, Some(ph)) => match normalise_phone(ph) {
                    Some(n) => d.prospect_phone = Some(n),
                    None => errors.push(
                        format!("{dp}/prospect_phone"),
                        "must be a phone number of 5 to 20 digits",
                    ),
                },
                (Some(_), None) => {}
            }
            if let Some(dc) = &d.device_call_id {
                if dc.is_empty() || dc.len() > 128 {
                    errors.push(format!("{dp}/device_call_id"), "must be 1 to 128 characters");
                }
            }
            let started = micros(d.started_at.unwrap_or(occurred_at));
            occurred_problem(&mut errors, &format!("{dp}/started_at"), started, ctx);
            d.started_at = Some(started);
            check_notes(&mut errors, &format!("{dp}/notes"), d.notes.as_ref());
            duration = Some(d.duration_seconds);
            device_call_id = d.device_call_id.clone();
            ActivityDetails::PhoneService(d)
        }
        ActivityKind::RenewalCollection => {
            let d: RenewalCollectionDetails = decode_value(details, &dp)?;
            needs(&mut errors, "client_id", env.client_id.is_some(), true);
            needs(&mut errors, "outlet_id", env.outlet_id.is_some(), false);
            if d.policy_number.as_ref().is_some_and(|n| n.is_empty() || n.len() > 64) {
                errors.push(format!("{dp}/policy_number"), "must be 1 to 64 characters");
            }
            check_notes(&mut errors, &format!("{dp}/notes"), d.notes.as_ref());
            ActivityDetails::RenewalCollection(d)
        }
        ActivityKind::OutletService => {
            let d: OutletServiceDetails = decode_value(details, &dp)?;
            needs(&mut errors, "outlet_id", env.outlet_id.is_some(), true);
            needs(&mut errors, "client_id", env.client_id.is_some(), false);
            check_notes(&mut errors, &format!("{dp}/notes"), d.notes.as_ref());
            ActivityDetails::OutletService(d)
        }
        ActivityKind::MeetingAttendance => {
            let d: MeetingAttendanceDetails = decode_value(details, &dp)?;
            needs(&mut errors, "client_id", env.client_id.is_some(), false);
            needs(&mut errors, "outlet_id", env.outlet_id.is_some(), false);
            let day = business_day(occurred_at, ctx.tz);
            if d.date != day {
                errors.push(
                    format!("{dp}/date"),
                    format!("must be the business day of occurred_at ({day})"),
                );
            }
            ActivityDetails::MeetingAttendance(d)
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let details = serde_json::to_value(&typed).unwrap_or(Value::Null);
    let canonical = serde_json::json!({
        "id": env.id, "kind": kind.as_str(), "occurred_at": occurred_at,
        "client_id": env.client_id, "outlet_id": env.outlet_id, "details": details,
    });
    let body_hash = Sha256::digest(canonical.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Parsed {
        activity: Activity {
            company_id: ctx.company,
            id: env.id,
            agent_id: ctx.agent,
            kind,
            occurred_at,
            received_at: ctx.now,
            business_day: business_day(occurred_at, ctx.tz),
            client_id: env.client_id,
            outlet_id: env.outlet_id,
            duration_seconds: duration,
            accompanied_by: supervisor.map(UserId),
            device_call_id,
            details,
            body_hash,
            voided_at: None,
            voided_by: None,
            void_reason: None,
        },
        client_id: env.client_id,
        outlet_id: env.outlet_id,
        supervisor,
    })
}

/// The references a batch makes, checked with one query per kind of reference.
struct Visible {
    clients: HashSet<Uuid>,
    outlets: HashSet<Uuid>,
    supervisors: HashSet<Uuid>,
}

async fn visible_refs(state: &AppState, ctx: &LogContext, items: &[&Parsed]) -> Result<Visible, ApiError> {
    let uniq = |f: &dyn Fn(&Parsed) -> Option<Uuid>| -> Vec<Uuid> {
        let mut v: Vec<Uuid> = items.iter().filter_map(|p| f(p)).collect();
        v.sort();
        v.dedup();
        v
    };
    let clients = state
        .db
        .clients_of_agent(ctx.company, ctx.agent, &uniq(&|p| p.client_id))
        .await?;
    let outlets = state
        .db
        .outlets_of_agent(ctx.company, ctx.agent, &uniq(&|p| p.outlet_id))
        .await?;
    let branch = ctx.branch.as_ref().map(|b| b.id);
    let supervisors = state
        .db
        .users_with_role(ctx.company, Role::Supervisor, &uniq(&|p| p.supervisor))
        .await?
        .into_iter()
        .filter(|u| u.branch_id.is_some() && u.branch_id == branch)
        .map(|u| u.id.0)
        .collect();
    Ok(Visible {
        clients: clients.into_iter().collect(),
        outlets: outlets.into_iter().collect(),
        supervisors,
    })
}

fn check_refs(p: &Parsed, prefix: &str, v: &Visible) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if p.client_id.is_some_and(|c| !v.clients.contains(&c)) {
        errors.push(format!("{prefix}/client_id"), "no such client of yours");
    }
    if p.outlet_id.is_some_and(|o| !v.outlets.contains(&o)) {
        errors.push(format!("{prefix}/outlet_id"), "no such outlet assigned to you");
    }
    if p.supervisor.is_some_and(|s| !v.supervisors.contains(&s)) {
        errors.push(
            format!("{prefix}/details/accompanied_by"),
            "no such active supervisor in your branch",
        );
    }
    errors.into_result(())
}

/// The outcome of one item.
enum Outcome {
    Created(Box<Activity>),
    Duplicate(Uuid),
    Rejected(ApiError),
}

fn conflict_error() -> ApiError {
    ApiError::conflict(
        "id_conflict",
        "an activity with this id (or device call id) already exists with different content",
    )
}

/// Checks references, de-duplicates within the batch, writes everything in one transaction,
/// and classifies each item. `parsed[i]` is `Err` for items that failed parsing.
async fn store(
    state: &AppState,
    ctx: &LogContext,
    parsed: Vec<Result<Parsed, ValidationErrors>>,
    prefix: &dyn Fn(usize) -> String,
) -> Result<Vec<Outcome>, ApiError> {
    let ok: Vec<&Parsed> = parsed.iter().filter_map(|p| p.as_ref().ok()).collect();
    let visible = visible_refs(state, ctx, &ok).await?;
    // A slot is decided before the write (rejected), by the write (the first copy of an id),
    // or by the first copy of its id (a repeat inside the same batch).
    enum Slot {
        Done(Outcome),
        Write,
        SameAs(usize),
    }
    let mut slots: Vec<Slot> = Vec::with_capacity(parsed.len());
    let mut hashes: Vec<String> = Vec::with_capacity(parsed.len());
    let mut to_write: Vec<(usize, Activity)> = Vec::new();
    let mut first_by_id: HashMap<Uuid, usize> = HashMap::new();
    for (i, item) in parsed.into_iter().enumerate() {
        let checked = item.and_then(|p| check_refs(&p, &prefix(i), &visible).map(|()| p));
        match checked {
            Err(e) => {
                hashes.push(String::new());
                slots.push(Slot::Done(Outcome::Rejected(ApiError::validation(e))));
            }
            Ok(p) => {
                hashes.push(p.activity.body_hash.clone());
                match first_by_id.get(&p.activity.id) {
                    Some(first) => slots.push(Slot::SameAs(*first)),
                    None => {
                        first_by_id.insert(p.activity.id, i);
                        slots.push(Slot::Write);
                        to_write.push((i, p.activity));
                    }
                }
            }
        }
    }
    let activities: Vec<Activity> = to_write.iter().map(|(_, a)| a.clone()).collect();
    let written = state.db.insert_activities(&activities, None).await?.unwrap_or_default();
    let mut decided: HashMap<usize, Outcome> = HashMap::new();
    for ((i, a), w) in to_write.into_iter().zip(written) {
        let outcome = match w {
            InsertOutcome::Created => Outcome::Created(Box::new(a)),
            InsertOutcome::Existing {
                id,
                agent_id,
                body_hash,
            } if agent_id == a.agent_id && body_hash == a.body_hash => Outcome::Duplicate(id),
            InsertOutcome::Existing { .. } => Outcome::Rejected(conflict_error()),
        };
        decided.insert(i, outcome);
    }
    let mut out: Vec<Outcome> = Vec::with_capacity(slots.len());
    for (i, slot) in slots.into_iter().enumerate() {
        let o = match slot {
            Slot::Done(o) => o,
            Slot::Write => decided
                .remove(&i)
                .unwrap_or_else(|| Outcome::Rejected(ApiError::internal())),
            // A repeat shares its first copy's fate when the content is the same (stored →
            // duplicate, rejected → rejected); different content under one id is a conflict.
            Slot::SameAs(first) if hashes[first] != hashes[i] => Outcome::Rejected(conflict_error()),
            Slot::SameAs(first) => match &out[first] {
                Outcome::Created(a) => Outcome::Duplicate(a.id),
                Outcome::Duplicate(id) => Outcome::Duplicate(*id),
                Outcome::Rejected(e) => Outcome::Rejected(e.clone()),
            },
        };
        out.push(o);
    }
    Ok(out)
}

fn batch_response(req: &HttpRequest, outcomes: Vec<Outcome>, ids: &[Option<Uuid>]) -> BatchResponse {
    let rid = request_id(req);
    let results: Vec<ItemResult> = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, o)| match o {
            Outcome::Created(a) => ItemResult {
                index,
                id: Some(a.id),
                status: ItemStatus::Created,
                problem: None,
            },
            Outcome::Duplicate(id) => ItemResult {
                index,
                id: Some(id),
                status: ItemStatus::Duplicate,
                problem: None,
            },
            Outcome::Rejected(e) => ItemResult {
                index,
                id: ids.get(index).copied().flatten(),
                status: ItemStatus::Rejected,
                problem: Some(e.problem_for(&rid)),
            },
        })
        .collect();
    let count = |s: ItemStatus| results.iter().filter(|r| r.status == s).count();
    BatchResponse {
        created: count(ItemStatus::Created),
        duplicates: count(ItemStatus::Duplicate),
        rejected: count(ItemStatus::Rejected),
        results,
    }
}

fn item_id(v: &Value) -> Option<Uuid> {
    v.get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

// ---------------------------------------------------------------- handlers

/// Log one activity. Honours `Idempotency-Key`: the same key and body replay the stored
/// response; the same key with another body is 422. Re-sending the same id and body without
/// a key answers 200 with the stored activity; the same id with another body is 409.
#[utoipa::path(
    tags = [TAG_AGENT],
    request_body = NewActivity,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: up to 255 printable characters")),
    responses(
        (status = 201, description = "Created", body = ActivityDto),
        (status = 200, description = "Already stored with the same content", body = ActivityDto),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents log activities", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id exists with different content", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities")]
pub async fn create_activity(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<RawItem>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    let key = idempotency_key(&req)?;
    let ctx = log_context(&state, &auth.user).await?;
    let parsed = parse_item(body.0 .0, "", &ctx).map_err(ApiError::validation)?;
    let user = auth.actor.user_id;
    if let Some(key) = &key {
        if let Some(stored) = state.db.find_idempotency(ctx.company, user, key).await? {
            return replay(&stored, &parsed.activity.body_hash);
        }
        let visible = visible_refs(&state, &ctx, &[&parsed]).await?;
        check_refs(&parsed, "", &visible).map_err(ApiError::validation)?;
        let dto = ActivityDto::from(&parsed.activity);
        let record = IdempotencyRecord {
            company_id: ctx.company,
            user_id: user,
            key: key.clone(),
            request_hash: parsed.activity.body_hash.clone(),
            status: 201,
            body: serde_json::to_string(&dto).unwrap_or_default(),
            created_at: ctx.now,
        };
        match state
            .db
            .insert_activities(std::slice::from_ref(&parsed.activity), Some(&record))
            .await
        {
            Ok(Some(_)) => return Ok(created_response(&req, &parsed.activity)),
            // The id already exists: answer as without a key (200 duplicate or 409), storing nothing.
            Ok(None) => {}
            Err(RepoError::Conflict(_)) => {
                // A concurrent request with the same key won the race: replay what it stored.
                if let Some(stored) = state.db.find_idempotency(ctx.company, user, key).await? {
                    return replay(&stored, &parsed.activity.body_hash);
                }
                return Err(ApiError::conflict(
                    "idempotency_key_in_use",
                    "a request with this Idempotency-Key is in progress",
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let outcome = store(&state, &ctx, vec![Ok(parsed)], &|_| String::new()).await?;
    match outcome.into_iter().next() {
        Some(Outcome::Created(a)) => Ok(created_response(&req, &a)),
        Some(Outcome::Duplicate(id)) => {
            let existing = state
                .db
                .get_activity(ctx.company, id)
                .await?
                .ok_or_else(ApiError::internal)?;
            Ok(with_etag(&req, StatusCode::OK, &ActivityDto::from(&existing)))
        }
        Some(Outcome::Rejected(e)) => Err(e),
        None => Err(ApiError::internal()),
    }
}

fn created_response(req: &HttpRequest, a: &Activity) -> HttpResponse {
    let mut resp = with_etag(req, StatusCode::CREATED, &ActivityDto::from(a));
    insert_location(&mut resp, &format!("/v1/activities/{}", a.id));
    resp
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(s) if !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_graphic()) => Ok(Some(s.to_owned())),
        _ => Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 printable ASCII characters",
        )),
    }
}

fn replay(stored: &IdempotencyRecord, body_hash: &str) -> Result<HttpResponse, ApiError> {
    if stored.request_hash != body_hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency key reused",
            "this Idempotency-Key was used with a different request body",
        ));
    }
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    Ok(HttpResponse::build(status)
        .insert_header(("Idempotent-Replayed", "true"))
        .content_type("application/json")
        .body(stored.body.clone()))
}

/// Upload up to 500 activities at once (the offline queue). Each item is `created`,
/// `duplicate` or `rejected` with its own problem; one bad item never sinks the rest, and
/// replaying a batch any number of times creates nothing twice.
#[utoipa::path(
    tags = [TAG_AGENT],
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-item results, in request order", body = BatchResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents log activities", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a batch, or more than 500 items", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities:batch")]
pub async fn create_activities_batch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<BatchRequest, BATCH_BODY_LIMIT>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    let items = body.0.items;
    if items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::field(
            "/items",
            format!("at most {MAX_BATCH_ITEMS} items per batch"),
        ));
    }
    let ctx = log_context(&state, &auth.user).await?;
    let ids: Vec<Option<Uuid>> = items.iter().map(item_id).collect();
    let parsed: Vec<Result<Parsed, ValidationErrors>> = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| parse_item(v, &format!("/items/{i}"), &ctx))
        .collect();
    let outcomes = store(&state, &ctx, parsed, &|i| format!("/items/{i}")).await?;
    Ok(HttpResponse::Ok().json(batch_response(&req, outcomes, &ids)))
}

/// Import device call-log entries as phone-service activities, de-duplicated by the device's
/// call id. A number matching one of the agent's clients links the call to that client;
/// otherwise it is recorded as prospect tracking.
#[utoipa::path(
    tags = [TAG_AGENT],
    request_body = CallLogRequest,
    responses(
        (status = 200, description = "Per-entry results, in request order", body = BatchResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents log activities", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "More than 500 entries", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities:call-log")]
pub async fn import_call_log(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CallLogRequest, BATCH_BODY_LIMIT>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    let entries = body.0.entries;
    if entries.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::field(
            "/entries",
            format!("at most {MAX_BATCH_ITEMS} entries per upload"),
        ));
    }
    let ctx = log_context(&state, &auth.user).await?;
    let decoded: Vec<Result<CallLogEntry, ValidationErrors>> = entries
        .into_iter()
        .enumerate()
        .map(|(i, v)| decode_value::<CallLogEntry>(v, &format!("/entries/{i}")))
        .collect();
    let phones: Vec<String> = decoded
        .iter()
        .filter_map(|e| e.as_ref().ok().and_then(|e| normalise_phone(&e.number)))
        .collect();
    let matches: HashMap<String, Uuid> = state
        .db
        .clients_by_phone(ctx.company, ctx.agent, &phones)
        .await?
        .into_iter()
        .collect();
    let mut ids = Vec::new();
    let parsed: Vec<Result<Parsed, ValidationErrors>> = decoded
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let p = format!("/entries/{i}");
            let e = e?;
            let number = normalise_phone(&e.number).ok_or_else(|| {
                ValidationErrors::single(format!("{p}/number"), "must be a phone number of 5 to 20 digits")
            })?;
            // The same device call always maps to the same activity id, so re-imports dedupe.
            let id = Uuid::new_v5(
                &Uuid::NAMESPACE_OID,
                format!("{}:{}:{}", ctx.company, ctx.agent, e.device_call_id).as_bytes(),
            );
            ids.push(Some(id));
            let client = matches.get(&number).copied();
            let item = serde_json::json!({
                "id": id, "kind": "phone_service", "occurred_at": e.started_at, "client_id": client,
                "details": {
                    "started_at": e.started_at, "duration_seconds": e.duration_seconds,
                    "purpose": if client.is_some() { "client_greeting" } else { "prospect_tracking" },
                    "prospect_phone": if client.is_some() { None } else { Some(number) },
                    "device_call_id": e.device_call_id,
                }
            });
            // Re-point the activity's field paths at the entry's own fields.
            parse_item(item, &p, &ctx).map_err(|errs| {
                ValidationErrors(
                    errs.0
                        .into_iter()
                        .map(|mut f| {
                            f.pointer = f
                                .pointer
                                .replace("/details/duration_seconds", "/duration_seconds")
                                .replace("/details/started_at", "/started_at")
                                .replace("/occurred_at", "/started_at")
                                .replace("/details/device_call_id", "/device_call_id");
                            f
                        })
                        .collect(),
                )
            })
        })
        .collect();
    while ids.len() < parsed.len() {
        ids.push(None);
    }
    let outcomes = store(&state, &ctx, parsed, &|i| format!("/entries/{i}")).await?;
    Ok(HttpResponse::Ok().json(batch_response(&req, outcomes, &ids)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Only this agent's activities.
    pub agent_id: Option<Uuid>,
    pub kind: Option<ActivityKindDto>,
    /// First business day (inclusive).
    pub from: Option<NaiveDate>,
    /// Last business day (inclusive).
    pub to: Option<NaiveDate>,
    pub client_id: Option<Uuid>,
    /// Page size; default 50, values above 200 are lowered to 200.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (valid only with the same filters).
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<ActivityDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    t: DateTime<Utc>,
    id: Uuid,
    /// A digest of the filters the cursor was issued for.
    f: String,
}

fn filter_digest(f: &ActivityFilter) -> String {
    let s = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        f.agent_id, f.kind, f.from, f.to, f.client_id
    );
    Sha256::digest(s.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// List activities within the caller's reach, newest first.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(ActivityQuery),
    responses(
        (status = 200, description = "A page of activities, newest first", body = ActivityPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read activities", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query, or a cursor from other filters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/activities")]
pub async fn list_activities(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadActivities)?;
    let filter = ActivityFilter {
        agent_id: q.agent_id.map(UserId),
        kind: q.kind.map(ActivityKind::from),
        from: q.from,
        to: q.to,
        client_id: q.client_id,
    };
    if let (Some(f), Some(t)) = (filter.from, filter.to) {
        if f > t {
            return Err(ApiError::field("/query/from", "must not be after 'to'"));
        }
    }
    let limit = match q.limit {
        None => super::DEFAULT_PAGE_SIZE,
        Some(0) => return Err(ApiError::field("/query/limit", "must be at least 1")),
        Some(n) => n.min(super::MAX_PAGE_SIZE),
    };
    let digest = filter_digest(&filter);
    let after = match &q.cursor {
        None => None,
        Some(c) => {
            let data: CursorData = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| ApiError::field("/query/cursor", "is not a cursor this API issued"))?;
            if data.f != digest {
                return Err(ApiError::field("/query/cursor", "was issued for other filters"));
            }
            Some(ActivityCursor {
                occurred_at: data.t,
                id: data.id,
            })
        }
    };
    let rows = state
        .db
        .list_activities(auth.actor.company_id, &reach.person_scope(), &filter, after, limit)
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last())
        .flatten()
        .and_then(|last| {
            serde_json::to_vec(&CursorData {
                t: last.occurred_at,
                id: last.id,
                f: digest.clone(),
            })
            .ok()
        })
        .map(|b| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b));
    Ok(HttpResponse::Ok().json(ActivityPage {
        items: rows.iter().map(ActivityDto::from).collect(),
        next_cursor,
    }))
}

/// The owner coordinates of an activity: its agent and the agent's current team.
async fn activity_owner(state: &AppState, a: &Activity) -> Result<Owner, ApiError> {
    let team = state
        .db
        .get_user(a.company_id, a.agent_id)
        .await?
        .and_then(|u| u.team_id);
    Ok(Owner {
        company_id: a.company_id,
        user_id: Some(a.agent_id),
        team_id: team,
    })
}

async fn load_activity(state: &AppState, actor: &Actor, reach: &Reach, id: Uuid) -> Result<Activity, ApiError> {
    let a = state
        .db
        .get_activity(actor.company_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    if !actor.can_see(reach, activity_owner(state, &a).await?) {
        return Err(ApiError::not_found("activity"));
    }
    Ok(a)
}

/// Read one activity.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The activity", body = ActivityDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read activities", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such activity within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/activities/{id}")]
pub async fn get_activity(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadActivities)?;
    let a = load_activity(&state, &auth.actor, &reach, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &ActivityDto::from(&a)))
}

/// Void an activity (ACT-5): an agent their own, on its business day; the quality office or
/// an admin any, as a correction. Nothing is deleted; the void is audited and the activity
/// stops counting.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_BACK_OFFICE],
    params(IdPath),
    request_body = VoidRequest,
    responses(
        (status = 200, description = "Voided", body = ActivityDto),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot void activities", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such activity within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already voided, or not of the current business day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities/{id}/void")]
pub async fn void_activity(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<VoidRequest>,
) -> Result<HttpResponse, ApiError> {
    let correcting = auth.actor.require(Function::CorrectActivities).is_ok();
    let reach = if correcting {
        auth.actor.require(Function::CorrectActivities)?
    } else {
        auth.actor.require(Function::LogActivities)?
    };
    let before = load_activity(&state, &auth.actor, &reach, path.id).await?;
    let now = state.clock.now();
    if correcting {
        if before.voided_at.is_some() {
            return Err(ApiError::conflict("already_voided", "this activity is already voided"));
        }
    } else {
        let ctx = log_context(&state, &auth.user).await?;
        match may_void(&before, auth.actor.user_id, business_day(now, ctx.tz)) {
            Ok(()) => {}
            Err(VoidRefusal::NotOwner) => return Err(ApiError::not_found("activity")),
            Err(VoidRefusal::AlreadyVoided) => {
                return Err(ApiError::conflict("already_voided", "this activity is already voided"))
            }
            Err(VoidRefusal::NotToday) => {
                return Err(ApiError::conflict(
                    "not_current_business_day",
                    "agents may void only activities of the current business day (ACT-5); ask the quality office",
                ))
            }
        }
    }
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::field("/reason", "must not be blank"));
    }
    let after = Activity {
        voided_at: Some(now),
        voided_by: Some(auth.actor.user_id),
        void_reason: Some(reason),
        ..before.clone()
    };
    if !state
        .db
        .void_activity(&audit_ctx(&req, &state, &auth.actor), &before, &after)
        .await?
    {
        return Err(ApiError::conflict("already_voided", "this activity is already voided"));
    }
    Ok(with_etag(&req, StatusCode::OK, &ActivityDto::from(&after)))
}

// ---------------------------------------------------------------- today view

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DailyCountDto {
    pub counted: u32,
    pub required: u32,
    /// How many more are needed today (0 when met).
    pub remaining: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotCountedReason {
    Voided,
    CallTooShort,
    NoClient,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotCountedDto {
    pub activity_id: Uuid,
    pub kind: ActivityKindDto,
    pub reason: NotCountedReason,
    /// A sentence a person can read.
    pub detail: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TodayView {
    pub agent_id: Uuid,
    /// Today in the agent's branch time zone.
    pub business_day: NaiveDate,
    pub time_zone: String,
    /// False on rest days and holidays: nothing is required then (TIME-2).
    pub working_day: bool,
    /// QUO-FACE-D.
    pub face_visits: DailyCountDto,
    /// QUO-CALL-D.
    pub phone_services: DailyCountDto,
    /// What did not count, and why.
    pub not_counted: Vec<NotCountedDto>,
    /// ACT-3's threshold in force.
    pub min_call_seconds: u32,
}

async fn today_view(state: &AppState, agent: &User) -> Result<TodayView, ApiError> {
    let ctx = log_context(state, agent).await?;
    let day = business_day(ctx.now, ctx.tz);
    let calendar = ctx
        .branch
        .as_ref()
        .map(|b| b.settings.calendar())
        .unwrap_or_else(BranchCalendar::default);
    let working_day = calendar.is_working_day(day);
    let acts = state.db.activities_of_day(agent.company_id, agent.id, day).await?;
    let (face, call) = daily_counts(&acts, &ctx.policy, working_day);
    let not_counted = acts
        .iter()
        .filter_map(|a| match counts_toward_quota(a, &ctx.policy) {
            Some(Err(reason)) => Some(NotCountedDto {
                activity_id: a.id,
                kind: a.kind.into(),
                reason: match reason {
                    NotCounted::Voided => NotCountedReason::Voided,
                    NotCounted::CallTooShort => NotCountedReason::CallTooShort,
                    NotCounted::NoClient => NotCountedReason::NoClient,
                },
                detail: match reason {
                    NotCounted::Voided => format!("voided: {} (ACT-5)", a.void_reason.clone().unwrap_or_default()),
                    NotCounted::CallTooShort => format!(
                        "the call lasted {} s; calls count from {} s (ACT-3)",
                        a.duration_seconds.unwrap_or(0),
                        ctx.policy.min_call_seconds
                    ),
                    NotCounted::NoClient => "the visit names no client (ACT-2)".to_owned(),
                },
            }),
            _ => None,
        })
        .collect();
    let dto = |c: domain::activity::DailyCount| DailyCountDto {
        counted: c.counted,
        required: c.required,
        remaining: c.remaining,
    };
    Ok(TodayView {
        agent_id: agent.id.0,
        business_day: day,
        time_zone: ctx.tz.name().to_owned(),
        working_day,
        face_visits: dto(face),
        phone_services: dto(call),
        not_counted,
        min_call_seconds: ctx.policy.min_call_seconds,
    })
}

/// The calling agent's progress today against QUO-FACE-D and QUO-CALL-D.
#[utoipa::path(
    tags = [TAG_AGENT],
    responses(
        (status = 200, description = "Today's progress", body = TodayView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an agent", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/me/today")]
pub async fn my_today(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    Ok(HttpResponse::Ok().json(today_view(&state, &auth.user).await?))
}

/// An agent's progress today, for their supervisor (or back office).
#[utoipa::path(
    tags = [TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "Today's progress", body = TodayView),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read progress", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/today")]
pub async fn agent_today(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadProgress)?;
    let agent = super::visible_agent(&state, &auth.actor, &reach, path.id).await?;
    Ok(HttpResponse::Ok().json(today_view(&state, &agent).await?))
}

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_activity)
        .service(create_activities_batch)
        .service(import_call_log)
        .service(list_activities)
        .service(get_activity)
        .service(void_activity)
        .service(my_today)
        .service(agent_today);
}
