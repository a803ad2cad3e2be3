//! Policy parameters (POL-1). Every number the rulebook gives is a default here, never a
//! constant in a rule; versioned, branch- or company-scoped policies replace these defaults
//! once policy versions exist.

use serde::{Deserialize, Serialize};

/// Activity and daily-quota parameters (ACT-3, QUO-FACE-D, QUO-CALL-D, TIME-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityPolicy {
    /// QUO-FACE-D: counted face visits required per working day.
    pub face_visits_per_day: u32,
    /// QUO-CALL-D: counted phone services required per working day.
    pub calls_per_day: u32,
    /// ACT-3: a call counts only if it lasted at least this long.
    pub min_call_seconds: u32,
    /// How far back an activity's `occurred_at` may lie (offline upload window).
    pub max_backdate_days: u32,
    /// How far ahead of the server clock `occurred_at` may lie (device clock skew).
    pub max_future_seconds: u32,
}

impl Default for ActivityPolicy {
    fn default() -> Self {
        Self {
            face_visits_per_day: 3,
            calls_per_day: 5,
            min_call_seconds: 30,
            max_backdate_days: 7,
            max_future_seconds: 300,
        }
    }
}

/// Work-diary parameters (DIA-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiaryPolicy {
    /// The local time on day D by which D's diary is on time (see DIA-3).
    pub diary_deadline: chrono::NaiveTime,
}

impl Default for DiaryPolicy {
    fn default() -> Self {
        Self {
            diary_deadline: chrono::NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(chrono::NaiveTime::MIN),
        }
    }
}

/// Monthly and weekly requirements (QUO-FACE-M, QUO-CALL-M, QUO-RENEW, QUO-OUTLET). By
/// default they are compliance results only (QUO-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonthlyPolicy {
    pub face_visits_per_month: u32,
    pub calls_per_month: u32,
    pub renewals_per_month: u32,
    /// QUO-RENEW counts renewal collections dated before this day of the month.
    pub renewal_deadline_day: u32,
    pub outlet_visits_per_week: u32,
}

impl Default for MonthlyPolicy {
    fn default() -> Self {
        Self {
            face_visits_per_month: 60,
            calls_per_month: 100,
            renewals_per_month: 20,
            renewal_deadline_day: 10,
            outlet_visits_per_week: 1,
        }
    }
}

/// Section 5's penalties, in fen and client leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PenaltyPolicy {
    /// ACT-PEN-MISS: leads deducted per missing counted visit or call.
    pub missing_activity_leads: u32,
    /// DIA-PEN-MISSING.
    pub diary_missing_fen: i64,
    pub diary_missing_leads: u32,
    /// DIA-PEN-LATEFILL.
    pub diary_late_fill_fen: i64,
    /// DIA-PEN-UNREVIEWED, per diary, on the supervisor.
    pub diary_unreviewed_fen: i64,
    /// DIA-PEN-FALSIFIED, on the agent.
    pub diary_falsified_fen: i64,
    /// DIA-PEN-FALSIFIED-SUP, on the agent's supervisor.
    pub diary_falsified_supervisor_fen: i64,
    /// QUO-3: a policy may attach money to a monthly shortfall, per missing unit (default none).
    pub monthly_shortfall_fen_per_unit: i64,
}

impl Default for PenaltyPolicy {
    fn default() -> Self {
        Self {
            missing_activity_leads: 1,
            diary_missing_fen: 500,
            diary_missing_leads: 5,
            diary_late_fill_fen: 2000,
            diary_unreviewed_fen: 1000,
            diary_falsified_fen: 10_000,
            diary_falsified_supervisor_fen: 20_000,
            monthly_shortfall_fen_per_unit: 0,
        }
    }
}

/// LEAD-1: the quarterly allocation of client leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeadPolicy {
    pub quarterly_allocation: u32,
}

impl Default for LeadPolicy {
    fn default() -> Self {
        Self {
            quarterly_allocation: 60,
        }
    }
}

/// POL-1: every parameter of a policy version. Omitted sections and fields take the
/// rulebook's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyDocument {
    pub activity: ActivityPolicy,
    pub monthly: MonthlyPolicy,
    pub diary: DiaryPolicy,
    pub penalties: PenaltyPolicy,
    pub leads: LeadPolicy,
    pub quality: crate::quality::QualityPolicy,
    pub commission: CommissionPolicy,
}

/// Section 7's parameters (COM-3, COM-7, COM-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommissionPolicy {
    /// COM-3.1: the first round opens this many days after printing.
    pub first_round_after_days: u32,
    /// COM-3.1: unsuccessful calls that end a round.
    pub round_attempts: u32,
    /// COM-3.1: hours between unsuccessful calls.
    pub retry_hours: u32,
    /// COM-3.1: local calling hours [start, end).
    pub calling_hours_start: u32,
    pub calling_hours_end: u32,
    /// COM-3.3: days the agent has to confirm the contact details.
    pub contact_update_days: u32,
    /// COM-3.5: deducted when the number had changed.
    pub number_changed_fen: i64,
    /// COM-7: deducted for a receipt returned more than three months after the effective date.
    pub receipt_late_fen: i64,
    /// COM-8: the settlement cut-off day of the month.
    pub cutoff_day: u32,
}

impl Default for CommissionPolicy {
    fn default() -> Self {
        Self {
            first_round_after_days: 10,
            round_attempts: 3,
            retry_hours: 6,
            calling_hours_start: 9,
            calling_hours_end: 21,
            contact_update_days: 10,
            number_changed_fen: 4000,
            receipt_late_fen: 2000,
            cutoff_day: 20,
        }
    }
}

impl PolicyDocument {
    /// Range checks for every parameter, as JSON pointers into the document.
    pub fn validate(&self, prefix: &str) -> Result<(), crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::default();
        let mut range = |ptr: &str, v: i64, lo: i64, hi: i64| {
            if v < lo || v > hi {
                e.push(format!("{prefix}{ptr}"), format!("must be between {lo} and {hi}"));
            }
        };
        let a = &self.activity;
        range("/activity/face_visits_per_day", a.face_visits_per_day.into(), 0, 100);
        range("/activity/calls_per_day", a.calls_per_day.into(), 0, 500);
        range("/activity/min_call_seconds", a.min_call_seconds.into(), 0, 3600);
        range("/activity/max_backdate_days", a.max_backdate_days.into(), 0, 60);
        range("/activity/max_future_seconds", a.max_future_seconds.into(), 0, 3600);
        let m = &self.monthly;
        range(
            "/monthly/face_visits_per_month",
            m.face_visits_per_month.into(),
            0,
            3000,
        );
        range("/monthly/calls_per_month", m.calls_per_month.into(), 0, 15000);
        range("/monthly/renewals_per_month", m.renewals_per_month.into(), 0, 3000);
        range("/monthly/renewal_deadline_day", m.renewal_deadline_day.into(), 1, 31);
        range(
            "/monthly/outlet_visits_per_week",
            m.outlet_visits_per_week.into(),
            0,
            50,
        );
        let p = &self.penalties;
        const MAX_FEN: i64 = 100_000_000; // one million yuan
        range(
            "/penalties/missing_activity_leads",
            p.missing_activity_leads.into(),
            0,
            100,
        );
        range("/penalties/diary_missing_fen", p.diary_missing_fen, 0, MAX_FEN);
        range("/penalties/diary_missing_leads", p.diary_missing_leads.into(), 0, 100);
        range("/penalties/diary_late_fill_fen", p.diary_late_fill_fen, 0, MAX_FEN);
        range("/penalties/diary_unreviewed_fen", p.diary_unreviewed_fen, 0, MAX_FEN);
        range("/penalties/diary_falsified_fen", p.diary_falsified_fen, 0, MAX_FEN);
        range(
            "/penalties/diary_falsified_supervisor_fen",
            p.diary_falsified_supervisor_fen,
            0,
            MAX_FEN,
        );
        range(
            "/penalties/monthly_shortfall_fen_per_unit",
            p.monthly_shortfall_fen_per_unit,
            0,
            MAX_FEN,
        );
        range(
            "/leads/quarterly_allocation",
            self.leads.quarterly_allocation.into(),
            0,
            100_000,
        );
        e.into_result(())
    }
}

/// A policy version in force: the document plus where it came from. The default is the
/// rulebook's defaults as version 0 (no stored version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PolicyInForce {
    /// `None` when no version exists and the rulebook defaults apply (version 0).
    pub id: Option<uuid::Uuid>,
    pub version: i64,
    pub document: PolicyDocument,
}

/// POL-1: a stored version, scoped to the company (`branch_id` None) or one branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyVersion {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub branch_id: Option<crate::ids::BranchId>,
    /// Sequential within its scope.
    pub version: i64,
    pub effective_from: chrono::NaiveDate,
    pub document: PolicyDocument,
    pub created_by: crate::ids::UserId,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// POL-1: the version in force on `day` for a branch: the branch's latest version effective
/// by then, else the company's, else the defaults.
pub fn version_in_force(
    versions: &[PolicyVersion],
    branch: Option<crate::ids::BranchId>,
    day: chrono::NaiveDate,
) -> Option<&PolicyVersion> {
    let latest = |scope: Option<crate::ids::BranchId>| {
        versions
            .iter()
            .filter(|v| v.branch_id == scope && v.effective_from <= day)
            .max_by_key(|v| (v.effective_from, v.version))
    };
    branch.and_then(|b| latest(Some(b))).or_else(|| latest(None))
}

impl PolicyInForce {
    pub fn from_versions(
        versions: &[PolicyVersion],
        branch: Option<crate::ids::BranchId>,
        day: chrono::NaiveDate,
    ) -> Self {
        match version_in_force(versions, branch, day) {
            Some(v) => PolicyInForce {
                id: Some(v.id),
                version: v.version,
                document: v.document.clone(),
            },
            None => PolicyInForce::default(),
        }
    }
}
