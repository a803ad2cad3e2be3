//! Spot checks by the quality office (DIA-5): draw a reproducible sample of a team's
//! submitted diaries, read it, and record findings; a falsified finding and its two
//! penalties are written in one transaction.

use crate::app::diaries::agent_context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::diary::{
    check_sample_period, draw_sample, record_finding, Finding, SpotCheck, SpotCheckResult, SpotCheckSample,
};
use domain::errors::ErrorCode;
use domain::ids::TeamId;
use domain::penalty::entry_from_draft;
use domain::ports::{AuditContext, DiaryRepo, OrganisationRepo, RepoError};
use domain::ValidationErrors;
use infra::Db;
use uuid::Uuid;

/// What the quality office asks to sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRequest {
    pub team: TeamId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub size: u32,
    /// Reproduces an earlier draw; `None` picks (and records) a random seed.
    pub seed: Option<i64>,
}

/// Draws and stores a sample of the team's submitted diaries in the period.
pub async fn draw(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    req: SampleRequest,
    now: DateTime<Utc>,
) -> AppResult<SpotCheckSample> {
    actor.require(Function::SpotCheckDiaries)?;
    let company = actor.company_id;
    let mut errors = ValidationErrors::default();
    if db.get_team(company, req.team).await?.is_none() {
        errors.push("/team_id", "no such team");
    }
    check_sample_period(req.from, req.to, &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // Non-negative so the seed stores and reads back as the same i64 on both engines.
    let seed = req.seed.unwrap_or_else(|| (rand::random::<u64>() >> 1) as i64);
    let candidates: Vec<Uuid> = db
        .submitted_diaries(company, req.team, req.from, req.to)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    // INT-* integrity flags will join the sample here once they exist.
    let sample = SpotCheckSample {
        company_id: company,
        id: Uuid::now_v7(),
        team_id: req.team,
        from: req.from,
        to: req.to,
        size: req.size,
        seed,
        drawn_by: actor.user_id,
        drawn_at: now,
        diary_ids: draw_sample(&candidates, req.size as usize, seed as u64),
    };
    db.insert_sample(audit, &sample).await?;
    Ok(sample)
}

async fn sample_of(db: &Db, actor: &Actor, id: Uuid) -> AppResult<SpotCheckSample> {
    actor.require(Function::SpotCheckDiaries)?;
    db.get_sample(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("spot-check sample"))
}

/// A sample with its findings so far.
pub async fn read(db: &Db, actor: &Actor, id: Uuid) -> AppResult<(SpotCheckSample, Vec<SpotCheck>)> {
    let sample = sample_of(db, actor, id).await?;
    let checks = db.sample_checks(sample.company_id, sample.id).await?;
    Ok((sample, checks))
}

/// A finding as the quality office sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFinding {
    pub diary_id: Uuid,
    pub result: SpotCheckResult,
    pub notes: String,
}

/// Records one finding on a sampled diary, and for a falsified one its penalties
/// (DIA-PEN-FALSIFIED, DIA-PEN-FALSIFIED-SUP) posted in the open period, all in one
/// transaction. Returns the sample with its findings.
pub async fn record(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    sample: Uuid,
    f: NewFinding,
    now: DateTime<Utc>,
) -> AppResult<(SpotCheckSample, Vec<SpotCheck>)> {
    let sample = sample_of(db, actor, sample).await?;
    let company = sample.company_id;
    let not_in_sample = |e: domain::diary::NotInSample| AppError::field("/diary_id", e.to_string());
    let diary = db
        .get_diary_by_id(company, f.diary_id)
        .await?
        .ok_or(not_in_sample(domain::diary::NotInSample))?;
    let agent = db.get_user(company, diary.agent_id).await?.ok_or_else(|| {
        AppError::Repo(RepoError::Storage(format!(
            "the agent of diary {} is missing",
            diary.id
        )))
    })?;
    let supervisor = match agent.team_id {
        Some(t) => db.get_team(company, t).await?.map(|t| t.supervisor_id),
        None => None,
    };
    let ctx = agent_context(db, &agent).await?;
    let policy = ctx.policy_on(diary.date);
    let finding = Finding {
        diary_id: f.diary_id,
        result: f.result,
        notes: f.notes,
        checked_by: actor.user_id,
        checked_at: now,
    };
    let (check, drafts) = record_finding(&sample, finding, &diary, supervisor, &policy).map_err(not_in_sample)?;
    // LEDGER-2: posted in the open period, i.e. today in the branch's zone.
    let today = ctx.business_day(now);
    let entries: Vec<_> = drafts
        .iter()
        .map(|d| entry_from_draft(company, Some(ctx.branch_id()), d, &policy, today, check.checked_at))
        .collect();
    db.record_spot_check(audit, &check, &entries)
        .await
        .map_err(|e| match e {
            RepoError::Conflict(_) => AppError::rejected(
                ErrorCode::AlreadyChecked,
                "this diary already has a finding in this sample",
            ),
            other => other.into(),
        })?;
    let checks = db.sample_checks(company, sample.id).await?;
    Ok((sample, checks))
}
