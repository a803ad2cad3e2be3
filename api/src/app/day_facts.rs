//! The facts the close jobs, the compliance view and the dashboard read for a branch and a
//! range: who belonged on which day, their counts and their leave ("aggregate in SQL").

use chrono::NaiveDate;
use domain::context::BranchContext;
use domain::ids::{CompanyId, UserId};
use domain::membership::{stints, Stint};
use domain::policy::PolicyInForce;
use domain::ports::{CloseRepo, RepoError};
use domain::quota::DayTally;
use infra::Db;
use std::collections::{BTreeSet, HashMap};

/// A stint of an agent in the branch, with the supervisor DIA-PEN-UNREVIEWED falls on.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    pub stint: Stint,
    pub supervisor: Option<UserId>,
}

impl Member {
    pub fn agent(&self) -> UserId {
        self.stint.agent
    }
}

/// Every stint of an agent in the branch (current members and those who left since), each day
/// in the branch's zone (TIME-1).
pub async fn members(db: &Db, ctx: &BranchContext) -> Result<Vec<Member>, RepoError> {
    let histories = db.branch_member_histories(ctx.company_id(), ctx.branch_id()).await?;
    let supervisors = db.team_supervisors(ctx.company_id()).await?;
    Ok(histories
        .iter()
        .flat_map(|h| stints(h, ctx.branch_id(), |t| ctx.business_day(t)))
        .map(|stint| Member {
            supervisor: stint.team.and_then(|t| supervisors.get(&t).copied()),
            stint,
        })
        .collect())
}

/// The distinct agents with a stint overlapping [from, to].
pub fn agents_within(members: &[Member], from: NaiveDate, to: NaiveDate) -> Vec<UserId> {
    members
        .iter()
        .filter(|m| m.stint.from <= to && m.stint.until.is_none_or(|u| u > from))
        .map(Member::agent)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Per (agent, day) tallies, each day counted with its own policy's call threshold (POL-1).
pub async fn counts_by_day(
    db: &Db,
    company: CompanyId,
    agents: &[UserId],
    from: NaiveDate,
    to: NaiveDate,
    policies: &HashMap<NaiveDate, PolicyInForce>,
) -> Result<HashMap<(UserId, NaiveDate), DayTally>, RepoError> {
    let thresholds: BTreeSet<u32> = policies
        .values()
        .map(|p| p.document.activity.min_call_seconds)
        .collect();
    let mut out = HashMap::new();
    if agents.is_empty() {
        return Ok(out);
    }
    // Normally one threshold, hence one grouped query.
    for t in thresholds {
        for c in db.day_counts(company, agents, from, to, i64::from(t)).await? {
            if policies.get(&c.day).map(|p| p.document.activity.min_call_seconds) == Some(t) {
                out.insert((c.agent, c.day), c.tally);
            }
        }
    }
    Ok(out)
}

/// Approved leave spans per agent.
#[derive(Debug, Default)]
pub struct Leave(HashMap<UserId, Vec<(NaiveDate, NaiveDate)>>);

impl Leave {
    pub async fn load(
        db: &Db,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Leave, RepoError> {
        let mut out: HashMap<UserId, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
        for (a, f, t) in db.agent_leave(company, agents, from, to).await? {
            out.entry(a).or_default().push((f, t));
        }
        Ok(Leave(out))
    }

    pub fn on_leave(&self, agent: UserId, day: NaiveDate) -> bool {
        self.0
            .get(&agent)
            .is_some_and(|spans| spans.iter().any(|(f, t)| *f <= day && day <= *t))
    }
}

/// The days of [from, to], in order.
pub fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}
