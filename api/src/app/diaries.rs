//! Work-diary use cases: read (opening the draft, DIA-1), edit, submit and review a diary
//! (DIA-2, with the deadlines of DIA-3 and DIA-4), the team's review queue and bulk approval.
//! Every deadline is computed from `now` in the agent's branch context.

mod queue;

pub use queue::{bulk_approve, team_queue, BulkApproval};

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::context::BranchContext;
use domain::diary::{
    day_status, diary_of_day, review_comment, review_deadline, review_view, submission_deadlines, submission_view,
    summarise, Diary, DiaryAction, DiaryOfDay, DiaryView, IfMatch, NoDiary, SubmissionDeadlines, TomorrowPlan,
    TransitionError,
};
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::org::User;
use domain::ports::{ActivityRepo, AuditContext, ClientRepo, DiaryRepo, RepoError};
use infra::Db;
use std::collections::HashSet;

/// One agent-day: whose diary, and which business day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiaryKey {
    pub agent: UserId,
    pub date: NaiveDate,
}

/// The owner's edit: new notes and plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryEdit {
    pub notes: String,
    pub plan: TomorrowPlan,
}

/// A supervisor's review: `Approve` or `Return`, with an optional (for a return, required) comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub action: DiaryAction,
    pub comment: Option<String>,
}

const STALE: &str = "the diary changed since you read it; read it again and reapply your change";

pub use crate::app::reach::visible_agent;

/// The context of the agent's branch (agents always belong to one).
pub async fn agent_context(db: &Db, agent: &User) -> AppResult<BranchContext> {
    context::of_user(db, agent)
        .await?
        .ok_or_else(|| AppError::rejected(ErrorCode::NoBranch, "the agent has no branch"))
}

/// The diary deadlines of `day` under the policy version in force that day (POL-1).
pub(crate) fn deadlines(ctx: &BranchContext, day: NaiveDate) -> AppResult<SubmissionDeadlines> {
    let policy = ctx.policy_on(day).document.diary;
    submission_deadlines(day, &ctx.calendar, ctx.tz, ctx.morning, &policy)
        .ok_or_else(|| AppError::Repo(RepoError::Storage(format!("no working day within a year after {day}"))))
}

fn refused(e: TransitionError) -> AppError {
    match e.action {
        DiaryAction::Edit => AppError::rejected(ErrorCode::DiaryNotEditable, e.to_string()),
        _ => AppError::rejected(ErrorCode::InvalidTransition, e.to_string()),
    }
}

fn stale() -> AppError {
    AppError::rejected(ErrorCode::StaleVersion, STALE)
}

struct Opened {
    diary: Diary,
    agent: User,
    ctx: BranchContext,
}

/// The diary of a visible agent's day, opening (storing) the draft on first read.
async fn open(db: &Db, actor: &Actor, function: Function, key: DiaryKey, now: DateTime<Utc>) -> AppResult<Opened> {
    let reach = actor.require(function)?;
    let agent = visible_agent(db, actor, &reach, key.agent).await?;
    let ctx = agent_context(db, &agent).await?;
    let existing = db.find_diary(agent.company_id, agent.id, key.date).await?;
    let on_leave = !db
        .approved_leave(agent.company_id, agent.id, key.date, key.date)
        .await?
        .is_empty();
    let status = day_status(key.date, &ctx.calendar, on_leave);
    let today = ctx.business_day(now);
    let diary = match diary_of_day(agent.company_id, agent.id, key.date, today, status, existing, now) {
        Ok(DiaryOfDay::Existing(d)) => d,
        Ok(DiaryOfDay::Draft(d)) => db.get_or_create_diary(&d).await?,
        Err(NoDiary::Future { today }) => {
            return Err(AppError::field(
                "/path/date",
                format!("is after today ({today}) in the branch's time zone"),
            ))
        }
        Err(NoDiary::NotDue(s)) => {
            return Err(AppError::rejected(
                ErrorCode::NoDiaryRequired,
                format!(
                    "no diary is due on {}: it is a {} day for this agent",
                    key.date,
                    s.as_str()
                ),
            ))
        }
    };
    Ok(Opened { diary, agent, ctx })
}

/// The diary as shown at `now`: live summary while editable, frozen once submitted.
async fn view(db: &Db, ctx: &BranchContext, diary: Diary, now: DateTime<Utc>) -> AppResult<DiaryView> {
    let summary = match (&diary.summary, diary.status.editable()) {
        (Some(s), false) => s.clone(),
        _ => summarise(
            &db.activities_of_day(diary.company_id, diary.agent_id, diary.date)
                .await?,
        ),
    };
    let submission = submission_view(&diary, &deadlines(ctx, diary.date)?, now);
    let review = review_view(&diary, now);
    let history = db.diary_history(diary.company_id, diary.id).await?;
    Ok(DiaryView {
        diary,
        summary,
        submission,
        review,
        history,
    })
}

/// Writes a new diary state guarded by the version read; stale when someone wrote first.
async fn save(
    db: &Db,
    audit: &AuditContext,
    before: &Diary,
    after: &Diary,
    event: Option<&domain::diary::DiaryEvent>,
) -> AppResult<()> {
    if db.update_diary(audit, before, after, event).await? {
        Ok(())
    } else {
        Err(stale())
    }
}

/// Read an agent's diary of a day (creating the draft on first read).
pub async fn read_diary(db: &Db, actor: &Actor, key: DiaryKey, now: DateTime<Utc>) -> AppResult<DiaryView> {
    let o = open(db, actor, Function::ReadDiaries, key, now).await?;
    view(db, &o.ctx, o.diary, now).await
}

/// The owner edits notes and plan; `If-Match` is required so two devices cannot overwrite
/// each other, and every client the plan names must be one of the agent's.
pub async fn edit_diary(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    key: DiaryKey,
    if_match: &IfMatch,
    edit: DiaryEdit,
    now: DateTime<Utc>,
) -> AppResult<DiaryView> {
    let o = open(db, actor, Function::WriteDiary, key, now).await?;
    match if_match.check(o.diary.version) {
        None => {
            return Err(AppError::rejected(
                ErrorCode::IfMatchRequired,
                "send If-Match with the diary's ETag",
            ))
        }
        Some(false) => return Err(stale()),
        Some(true) => {}
    }
    o.diary.status.apply(DiaryAction::Edit).map_err(refused)?;
    let own: HashSet<uuid::Uuid> = db
        .clients_of_agent(o.agent.company_id, o.agent.id, &edit.plan.client_ids())
        .await?
        .into_iter()
        .collect();
    let problems = edit.plan.problems(&own);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let after = o.diary.edited(edit.notes, edit.plan, now).map_err(refused)?;
    save(db, audit, &o.diary, &after, None).await?;
    view(db, &o.ctx, after, now).await
}

/// The owner submits: the summary freezes, the first submission decides the class (DIA-3)
/// and each submission sets the review deadline (DIA-4).
pub async fn submit_diary(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    key: DiaryKey,
    if_match: &IfMatch,
    now: DateTime<Utc>,
) -> AppResult<DiaryView> {
    let o = open(db, actor, Function::WriteDiary, key, now).await?;
    let before = &o.diary;
    if if_match.check(before.version) == Some(false) {
        return Err(stale());
    }
    before.status.apply(DiaryAction::Submit).map_err(refused)?;
    let summary = summarise(
        &db.activities_of_day(before.company_id, before.agent_id, before.date)
            .await?,
    );
    let deadline = review_deadline(now, &o.ctx.calendar, o.ctx.tz, o.ctx.evening);
    let (after, event) = before
        .submitted(actor.user_id, summary, deadline, now)
        .map_err(refused)?;
    save(db, audit, before, &after, Some(&event)).await?;
    view(db, &o.ctx, after, now).await
}

/// Approve or return one diary; shared by the single and the bulk actions.
async fn review(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    key: DiaryKey,
    if_match: &IfMatch,
    review: Review,
    now: DateTime<Utc>,
) -> AppResult<(Diary, BranchContext)> {
    let comment = review_comment(review.action, review.comment)
        .map_err(|_| AppError::field("/comment", "a returned diary needs a comment"))?;
    let o = open(db, actor, Function::ReviewDiaries, key, now).await?;
    if if_match.check(o.diary.version) == Some(false) {
        return Err(stale());
    }
    let (after, event) = o
        .diary
        .reviewed(actor.user_id, review.action, comment, now)
        .map_err(refused)?;
    save(db, audit, &o.diary, &after, Some(&event)).await?;
    Ok((after, o.ctx))
}

/// The agent's supervisor (or an admin) approves or returns a submitted diary.
pub async fn review_diary(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    key: DiaryKey,
    if_match: &IfMatch,
    r: Review,
    now: DateTime<Utc>,
) -> AppResult<DiaryView> {
    let (after, ctx) = review(db, actor, audit, key, if_match, r, now).await?;
    view(db, &ctx, after, now).await
}
