//! The monthly settlement of a branch (COM-8), for the manual job and the background runner
//! alike: at the month's cut-off (under the policy version in force on the cut-off day), the
//! domain decides what each policy's history and receipt earn, hold, release, deduct or
//! withhold; the entries are posted with idempotent keys and one immutable statement per
//! person is written from what the ledger then holds.

use crate::app::context;
use chrono::{DateTime, Duration, Utc};
use domain::commission::{
    cutoff_of, settle_month, statements, AllowanceWithhold, MonthSettlement, PenaltyPosting, StatementScope,
};
use domain::context::BranchContext;
use domain::ids::UserId;
use domain::org::Branch;
use domain::period::Month;
use domain::ports::{LedgerRepo, QualityRepo, RepoError, SettlementRepo};
use domain::quality::ConsequenceKind;
use infra::Db;
use std::collections::HashSet;

/// What one settlement run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub month: Month,
    /// False when the month had already been settled: nothing changed.
    pub settled_now: bool,
    pub policies: usize,
    pub entries_posted: u64,
    pub statements: u64,
}

/// The penalty ledger's entries as statement input.
fn penalty_postings(entries: Vec<domain::penalty::PenaltyEntry>) -> Result<Vec<PenaltyPosting>, RepoError> {
    entries
        .into_iter()
        .map(|e| {
            Ok(PenaltyPosting {
                id: e.id,
                person_id: e.person_id,
                kind: e.kind,
                rule_id: e.rule_id,
                amount_fen: e.amount_fen,
                explanation: e.explanation,
            })
        })
        .collect()
}

/// The allowance withholds in force (not reversals, not reversed), with their month.
fn allowance_withholds(consequences: Vec<domain::quality::Consequence>) -> Vec<AllowanceWithhold> {
    let reversed: HashSet<uuid::Uuid> = consequences.iter().filter_map(|c| c.reverses).collect();
    consequences
        .into_iter()
        .filter(|c| c.kind == ConsequenceKind::AllowanceWithheld && c.reverses.is_none() && !reversed.contains(&c.id))
        .filter_map(|c| {
            Some(AllowanceWithhold {
                consequence_id: c.id,
                person_id: c.person_id,
                month: Month::parse(c.details["month"].as_str()?)?,
                // The quality office may leave the percentage open (no threshold row).
                percent: c.details["percent"].as_i64().unwrap_or(0),
                threshold_half_points: c.threshold,
                half_year: c.half_year,
            })
        })
        .collect()
}

/// Settles `month` for the branch of `ctx` at `now` (the caller has checked the cut-off).
/// Idempotent: a second run, or one on another instance at the same time, posts nothing new.
pub async fn settle(db: &Db, ctx: &BranchContext, month: Month, now: DateTime<Utc>) -> Result<Settled, RepoError> {
    let (company, branch) = (ctx.company_id(), ctx.branch_id());
    let cut_day = cutoff_of(ctx, month);
    let prev_cut = month.previous().map(|m| cutoff_of(ctx, m)).unwrap_or(month.first_day());
    let m = MonthSettlement {
        company_id: company,
        month,
        cut_at: ctx.start_of(cut_day),
        cut_day,
        commission: ctx.policy_on(cut_day).document.commission,
        now,
    };
    let policies = db.branch_insurance_policies(company, branch, cut_day).await?;
    let ledger = db.commission_entries_for_branch(company, branch).await?;
    let settled_before = ledger.iter().any(|e| e.month == month)
        && db.mark_settled(company, branch, month, now).await.map(|fresh| !fresh)?;
    let entries = if settled_before {
        vec![]
    } else {
        settle_month(&m, &policies, &ledger)
    };
    let entries_posted = db.insert_commission_entries(&entries).await?;
    // The statement is built from what the ledger holds for the month, so every instance
    // writes the same statement whichever of them posted the entries.
    let month_entries: Vec<_> = db
        .commission_entries_for_branch(company, branch)
        .await?
        .into_iter()
        .filter(|e| e.month == month)
        .collect();
    let penalties = penalty_postings(
        db.entries_posted(company, branch, prev_cut, cut_day - Duration::days(1))
            .await?,
    )?;
    let allowances = allowance_withholds(db.consequences(company, None, None).await?);
    let people: HashSet<UserId> = policies
        .iter()
        .map(|(p, _)| p.agent_id)
        .chain(penalties.iter().map(|e| e.person_id))
        .collect();
    let scope = StatementScope {
        company_id: company,
        branch_id: branch,
        month,
        closed_at: now,
    };
    let written = db
        .insert_statements(&statements(scope, &month_entries, &penalties, &allowances, &people))
        .await?;
    let settled_now = db.mark_settled(company, branch, month, now).await? || written > 0;
    Ok(Settled {
        month,
        settled_now: settled_now && !settled_before,
        policies: policies.len(),
        entries_posted,
        statements: written,
    })
}

/// The background runner's settlement: once the current month's cut-off has passed in the
/// branch's zone, settle it (the same cut-off and policy version as a manual run).
pub async fn settle_if_due(db: &Db, branch: &Branch, now: DateTime<Utc>) -> Result<(), RepoError> {
    let ctx = context::of_branch(db, branch.clone()).await?;
    let month = Month::of(ctx.business_day(now));
    if db.is_settled(branch.company_id, branch.id, month).await? {
        return Ok(());
    }
    if now >= ctx.start_of(cutoff_of(&ctx, month)) {
        settle(db, &ctx, month, now).await?;
        db.mark_settled(branch.company_id, branch.id, month, now).await?;
    }
    Ok(())
}
