//! The callback center's work (COM-3..COM-6): calls, the agent's contact confirmation,
//! exemptions, early callbacks, the quality office's resolution of a hold, the queue of calls
//! due, and the notifications a callback sends.

use crate::app::error::{AppError, AppResult};
use crate::app::insurance_policies::{load_visible, view_after, AgentContexts, Loaded};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::commission::{
    call_window, check_client_number, commission_on, replay, Attempt, CallCategory, CallRecord, CallRefusal, CallRound,
    CallbackDue, Effect, HoldError, InsurancePolicy, InsurancePolicyEvent, InsurancePolicyView, Notice, Notification,
    NotificationKind, PolicyStep, RaisedReport, ReportCode,
};
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::ports::{AuditContext, CallbackRepo, ClientRepo, QualityRepo};
use infra::Db;
use serde_json::json;
use uuid::Uuid;

/// A call as the callback center reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReport {
    pub category: CallCategory,
    pub reason: Option<String>,
    pub forged_signature: bool,
    pub misleading: bool,
    pub number_changed: bool,
    pub notes: Option<String>,
}

/// The calls due now, and whether any policy's branch is within its calling hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackQueue {
    pub within_calling_hours: bool,
    pub items: Vec<CallbackDue>,
}

fn refused(r: CallRefusal) -> AppError {
    match r {
        CallRefusal::NoRound { state } => AppError::rejected(
            ErrorCode::NoCallbackRound,
            format!("no callback round is open: the callback is {state}"),
        ),
        CallRefusal::OutsideHours { start, end, zone } => AppError::rejected(
            ErrorCode::OutsideCallingHours,
            format!(
                "calls are placed between {start:02}:00 and {end:02}:00 in the branch's time zone ({})",
                zone.name()
            ),
        ),
        CallRefusal::NotDue { from } => AppError::rejected(
            ErrorCode::CallbackNotDue,
            format!("the next call may be placed from {}", from.to_rfc3339()),
        ),
        CallRefusal::RetryTooSoon { from } => AppError::rejected(
            ErrorCode::RetryTooSoon,
            format!("the next call may be placed from {}", from.to_rfc3339()),
        ),
    }
}

fn state_refused(code: ErrorCode) -> impl Fn(HoldError) -> AppError {
    move |e| AppError::rejected(code, e.to_string())
}

/// Appends a step after `l`'s history and returns the policy as it then stands.
async fn append(
    db: &Db,
    audit: &AuditContext,
    actor: &Actor,
    l: Loaded,
    step: PolicyStep,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let e = InsurancePolicyEvent {
        step,
        actor_id: actor.user_id,
        at: now,
    };
    if !db
        .append_insurance_policy_event(audit, &l.policy, l.events.len() as i64, &e)
        .await?
    {
        return Err(concurrent());
    }
    view_after(db, l.policy, &l.ctx, now).await
}

fn concurrent() -> AppError {
    AppError::rejected(
        ErrorCode::ConcurrentUpdate,
        "another update to this policy was recorded first; retry",
    )
}

/// What a call raises besides its own step, and from which facts.
struct Raising<'a> {
    policy: &'a InsurancePolicy,
    reporter: UserId,
    /// The call's business day in the branch's zone (TIME-1).
    day: NaiveDate,
    /// The quality catalogue version in force that day.
    catalogue_version: i64,
    respond_within_days: u32,
    at: DateTime<Utc>,
}

impl Raising<'_> {
    /// The pending quality reports on the agent and the agent's notification.
    fn raise(&self, effects: impl Iterator<Item = Effect>) -> (Vec<RaisedReport>, Option<Notice>) {
        let p = self.policy;
        let mut reports = Vec::new();
        let mut notice = None;
        for effect in effects {
            match effect {
                Effect::Raise(code) => reports.push(RaisedReport {
                    id: Uuid::now_v7(),
                    code,
                    agent_id: p.agent_id,
                    reporter_id: self.reporter,
                    client_id: p.client_id,
                    policy_number: p.number.clone(),
                    occurred_on: self.day,
                    catalogue_version: self.catalogue_version,
                    at: self.at,
                }),
                Effect::NotifyAgentFirstRoundFailed => {
                    notice = Some(Notice {
                        user_id: p.agent_id,
                        kind: NotificationKind::CallbackFirstRoundFailed,
                        payload: json!({"policy_id": p.id, "policy_number": p.number,
                                        "respond_within_days": self.respond_within_days,
                                        "action": format!("POST /v1/policies/{}/contact", p.id)}),
                        source_key: format!("first-round:{}", p.id),
                        at: self.at,
                    })
                }
            }
        }
        (reports, notice)
    }
}

/// Record a call (COM-3) when one may be placed (COM-3.1), judging the client's number as the
/// staff's and outlets' numbers are now (COM-5). The step, the quality reports it raises and
/// the agent's notification are written in one transaction.
pub async fn record_callback(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    call: CallReport,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let l = load_visible(db, actor, Function::PlaceCallbacks, id).await?;
    let (p, ctx) = (&l.policy, &l.ctx);
    let today = ctx.business_day(now);
    let cp = commission_on(ctx, today);
    let t = replay(&l.events, cp.round_attempts, None);
    call_window(&t, p.printed_on, now, ctx.tz, &cp)
        .may_call(now, &cp, ctx.tz)
        .map_err(refused)?;
    let phone = db.get_client(p.company_id, p.client_id).await?.and_then(|c| c.phone);
    let staff = db.staff_and_outlet_phones(p.company_id, phone.as_slice()).await?;
    let number = check_client_number(phone.as_deref(), &staff, call.category);
    let attempt = Attempt {
        category: number.category,
        forged_signature: call.forged_signature,
        misleading: call.misleading,
        number_changed: call.number_changed,
        at: now,
    };
    let (_, effects) = t
        .state
        .for_call()
        .attempt(&attempt, cp.round_attempts)
        .map_err(state_refused(ErrorCode::NoCallbackRound))?;
    let round = CallRound::of(t.state).ok_or_else(|| refused(CallRefusal::NoRound { state: t.state.name() }))?;
    let record = CallRecord {
        attempt,
        reason: if number.staff_number {
            Some("agent_or_outlet_phone".to_owned())
        } else {
            call.reason
        },
        notes: call.notes,
        round,
    };
    let raising = Raising {
        policy: p,
        reporter: actor.user_id,
        day: today,
        catalogue_version: domain::quality::catalogue_in_force(&db.catalogues(p.company_id).await?, today).version,
        respond_within_days: cp.contact_update_days,
        at: now,
    };
    let staff_number = number.staff_number.then_some(Effect::Raise(ReportCode::Contact));
    let (reports, notice) = raising.raise(staff_number.into_iter().chain(effects));
    let e = InsurancePolicyEvent {
        step: PolicyStep::Callback(record),
        actor_id: actor.user_id,
        at: now,
    };
    let seq = l.events.len() as i64;
    if !db.record_callback(audit, p, seq, &e, &reports, notice.as_ref()).await? {
        return Err(concurrent());
    }
    view_after(db, l.policy, &l.ctx, now).await
}

/// The agent confirms (or corrects) the client's contact after a failed first round; the
/// second round opens. A corrected number is stored on the client's card.
pub async fn confirm_contact(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    phone: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let l = load_visible(db, actor, Function::LogActivities, id).await?;
    let cp = commission_on(&l.ctx, l.ctx.business_day(now));
    replay(&l.events, cp.round_attempts, None)
        .state
        .confirm_contact()
        .map_err(state_refused(ErrorCode::NotAwaitingContact))?;
    if let Some(n) = &phone {
        if let Some(before) = db.get_client(l.policy.company_id, l.policy.client_id).await? {
            // The card's flag is informational; calls judge the number afresh (COM-5).
            let conflict = db.phone_belongs_to_staff_or_outlet(l.policy.company_id, n).await?;
            let after = domain::client::Client {
                phone: Some(n.clone()),
                phone_conflict: conflict,
                updated_at: now,
                ..before.clone()
            };
            db.update_client(audit, "update", &before, &after).await?;
        }
    }
    let step = PolicyStep::ContactConfirmed {
        phone_updated: phone.is_some(),
    };
    append(db, audit, actor, l, step, now).await
}

/// The policyholder's signed confirmation plus a special-callback request exempt the policy
/// from the callback (COM-6).
pub async fn exempt(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    signed_confirmation: String,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let l = load_visible(db, actor, Function::PlaceCallbacks, id).await?;
    let cp = commission_on(&l.ctx, l.ctx.business_day(now));
    replay(&l.events, cp.round_attempts, None)
        .state
        .exempt()
        .map_err(state_refused(ErrorCode::AlreadyDecided))?;
    let step = PolicyStep::Exempted {
        signed_confirmation,
        reason,
    };
    append(db, audit, actor, l, step, now).await
}

/// An early callback (the client is leaving the country): the first round opens now.
pub async fn request_early_callback(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let l = load_visible(db, actor, Function::PlaceCallbacks, id).await?;
    let cp = commission_on(&l.ctx, l.ctx.business_day(now));
    replay(&l.events, cp.round_attempts, None)
        .state
        .request_early()
        .map_err(|_| {
            AppError::rejected(
                ErrorCode::NotFirstRound,
                "an early callback applies to the first round only",
            )
        })?;
    append(db, audit, actor, l, PolicyStep::EarlyRequested { reason }, now).await
}

/// The quality office releases or withholds commission on a quality hold.
pub async fn resolve_quality_hold(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    release: bool,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let l = load_visible(db, actor, Function::ManageQuality, id).await?;
    let cp = commission_on(&l.ctx, l.ctx.business_day(now));
    replay(&l.events, cp.round_attempts, None)
        .state
        .resolve_quality(release)
        .map_err(state_refused(ErrorCode::NotOnQualityHold))?;
    append(
        db,
        audit,
        actor,
        l,
        PolicyStep::QualityResolved { release, reason },
        now,
    )
    .await
}

/// The calls due now across the caller's company, longest waiting first (each policy judged
/// in its own branch's zone and policy).
pub async fn callback_queue(db: &Db, actor: &Actor, now: DateTime<Utc>) -> AppResult<CallbackQueue> {
    actor.require(Function::PlaceCallbacks)?;
    let all = db.open_callbacks(actor.company_id).await?;
    let policies: Vec<_> = all.iter().map(|(p, _)| p.clone()).collect();
    let contexts = AgentContexts::load(db, actor.company_id, &policies).await?;
    let mut queue = CallbackQueue {
        within_calling_hours: false,
        items: Vec::new(),
    };
    for (p, events) in all {
        let Ok(ctx) = contexts.of(&p) else {
            // An agent outside every branch has no zone to be called in; the policy waits.
            tracing::warn!(policy = %p.id, "callback queue: the policy's agent belongs to no branch");
            continue;
        };
        let cp = commission_on(ctx, ctx.business_day(now));
        let t = replay(&events, cp.round_attempts, None);
        match call_window(&t, p.printed_on, now, ctx.tz, &cp).may_call(now, &cp, ctx.tz) {
            Ok(due_since) => {
                queue.within_calling_hours = true;
                queue.items.push(CallbackDue {
                    policy: p,
                    state: t.state,
                    due_since,
                });
            }
            Err(CallRefusal::NotDue { .. } | CallRefusal::RetryTooSoon { .. }) => queue.within_calling_hours = true,
            Err(CallRefusal::NoRound { .. } | CallRefusal::OutsideHours { .. }) => {}
        }
    }
    queue.items.sort_by_key(|i| i.due_since);
    Ok(queue)
}

/// The caller's notifications, newest first.
pub async fn my_notifications(db: &Db, actor: &Actor) -> AppResult<Vec<Notification>> {
    Ok(db.notifications(actor.company_id, actor.user_id).await?)
}
