//! Policy parameters (POL-1). Every number the rulebook gives is a default here, never a
//! constant in a rule; versioned, branch- or company-scoped policies replace these defaults
//! once policy versions exist.

use serde::{Deserialize, Serialize};

/// Activity and daily-quota parameters (ACT-3, QUO-FACE-D, QUO-CALL-D, TIME-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityPolicy {
    /// Counted face visits required per working day (QUO-FACE-D).
    pub face_visits_per_day: u32,
    /// Counted phone services required per working day (QUO-CALL-D).
    pub calls_per_day: u32,
    /// A call counts only if it lasted at least this long (ACT-3).
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
    /// Leads deducted per missing counted visit or call (ACT-PEN-MISS).
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
    /// Money a policy may attach to a monthly shortfall, per missing unit (QUO-3; default none).
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

/// The quarterly allocation of client leads (LEAD-1).
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

/// Every parameter of a policy version (POL-1). Omitted sections and fields take the
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
    pub licence: crate::licence::LicencePolicy,
}

/// Section 7's parameters (COM-3, COM-7, COM-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommissionPolicy {
    /// The first callback round opens this many days after printing (COM-3.1).
    pub first_round_after_days: u32,
    /// Unsuccessful calls that end a round (COM-3.1).
    pub round_attempts: u32,
    /// Hours between unsuccessful calls (COM-3.1).
    pub retry_hours: u32,
    /// Local calling hours [start, end) (COM-3.1).
    pub calling_hours_start: u32,
    pub calling_hours_end: u32,
    /// Days the agent has to confirm the contact details (COM-3.3).
    pub contact_update_days: u32,
    /// Deducted when the number had changed (COM-3.5).
    pub number_changed_fen: i64,
    /// Deducted for a receipt returned more than three months after the effective date (COM-7).
    pub receipt_late_fen: i64,
    /// The settlement cut-off day of the month (COM-8).
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
    /// Range checks for every section of a version (activity, monthly, diary, penalties, leads,
    /// quality and commission), reported as JSON pointers under `prefix`.
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
        let q = &self.quality;
        range("/quality/appeal_days", q.appeal_days.into(), 0, 365);
        range("/quality/thresholds", q.thresholds.len() as i64, 0, 20);
        for (i, t) in q.thresholds.iter().enumerate() {
            let at = format!("/quality/thresholds/{i}");
            range(&format!("{at}/half_points"), t.half_points, 1, 10_000);
            range(
                &format!("{at}/allowance_withheld_percent"),
                t.allowance_withheld_percent.into(),
                0,
                100,
            );
            range(
                &format!("{at}/promotion_delay_periods"),
                t.promotion_delay_periods.into(),
                0,
                12,
            );
        }
        let c = &self.commission;
        range(
            "/commission/first_round_after_days",
            c.first_round_after_days.into(),
            0,
            365,
        );
        range("/commission/round_attempts", c.round_attempts.into(), 1, 20);
        range("/commission/retry_hours", c.retry_hours.into(), 0, 168);
        range("/commission/calling_hours_start", c.calling_hours_start.into(), 0, 23);
        range("/commission/calling_hours_end", c.calling_hours_end.into(), 1, 24);
        range("/commission/contact_update_days", c.contact_update_days.into(), 0, 365);
        range("/commission/number_changed_fen", c.number_changed_fen, 0, MAX_FEN);
        range("/commission/receipt_late_fen", c.receipt_late_fen, 0, MAX_FEN);
        // COM-8 settles on this day of every month, so it must exist in February too.
        range("/commission/cutoff_day", c.cutoff_day.into(), 1, 28);
        self.licence.validate(&format!("{prefix}/licence"), &mut e);
        let mut seen = std::collections::HashSet::new();
        for (i, t) in q.thresholds.iter().enumerate() {
            if !seen.insert(t.half_points) {
                e.push(
                    format!("{prefix}/quality/thresholds/{i}/half_points"),
                    "must differ from every other threshold",
                );
            }
        }
        if c.calling_hours_start >= c.calling_hours_end {
            e.push(
                format!("{prefix}/commission/calling_hours_end"),
                "must be after calling_hours_start",
            );
        }
        e.into_result(())
    }
}

/// The largest amount any parameter may name: one million yuan.
const MAX_FEN: i64 = 100_000_000;

/// A policy version in force: the document plus where it came from. The default is the
/// rulebook's defaults as version 0 (no stored version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PolicyInForce {
    /// `None` when no version exists and the rulebook defaults apply (version 0).
    pub id: Option<uuid::Uuid>,
    pub version: i64,
    pub document: PolicyDocument,
}

/// A stored policy version, scoped to the company (`branch_id` None) or one branch.
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
/// by then (a branch overrides its company), else the company's, else the rulebook defaults.
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

impl PolicyVersion {
    /// A version has taken effect once its date is reached; from then on it is never edited (a
    /// new version replaces it), so history already evaluated under it stays as it was.
    pub fn in_effect(&self, today: chrono::NaiveDate) -> bool {
        self.effective_from <= today
    }
}

/// A new (or moved) version may not take effect before today: closed history is never
/// rewritten by a policy change. The error is the detail for the `effective_from` field.
pub fn check_effective_from(effective_from: chrono::NaiveDate, today: chrono::NaiveDate) -> Result<(), String> {
    if effective_from < today {
        return Err(format!(
            "must not be before today ({today}): closed history is never rewritten"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BranchId, CompanyId, UserId};
    use chrono::{NaiveDate, Utc};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn version(branch: Option<BranchId>, from: NaiveDate, v: i64, calls: u32) -> PolicyVersion {
        let mut document = PolicyDocument::default();
        document.activity.calls_per_day = calls;
        PolicyVersion {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: uuid::Uuid::from_u128(v as u128 + if branch.is_some() { 100 } else { 0 }),
            branch_id: branch,
            version: v,
            effective_from: from,
            document,
            created_by: UserId(uuid::Uuid::nil()),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn pointers(r: Result<(), crate::ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.0.into_iter().map(|f| f.pointer).collect())
            .unwrap_or_default()
    }

    #[test]
    fn pol_1_the_version_in_force_branch_over_company_over_defaults() {
        let b = BranchId::new();
        let versions = [version(None, d(11, 10), 1, 6), version(Some(b), d(11, 20), 1, 8)];
        assert_eq!(
            PolicyInForce::from_versions(&versions, Some(b), d(11, 1)),
            PolicyInForce::default()
        );
        assert_eq!(
            PolicyInForce::from_versions(&versions, Some(b), d(11, 15))
                .document
                .activity
                .calls_per_day,
            6
        );
        let on_25th = PolicyInForce::from_versions(&versions, Some(b), d(11, 25));
        assert_eq!(
            (on_25th.document.activity.calls_per_day, on_25th.id),
            (8, Some(versions[1].id))
        );
        assert_eq!(
            version_in_force(&versions, None, d(11, 25)).map(|v| v.id),
            Some(versions[0].id)
        );
    }

    #[test]
    fn pol_1_validation_covers_every_section_including_commission_and_quality() {
        assert!(PolicyDocument::default().validate("/document").is_ok());
        let mut doc = PolicyDocument::default();
        doc.commission.cutoff_day = 31;
        doc.commission.calling_hours_start = 22;
        doc.commission.calling_hours_end = 21;
        doc.quality.appeal_days = 1000;
        doc.quality.thresholds[0].allowance_withheld_percent = 150;
        let p = pointers(doc.validate("/document"));
        for want in [
            "/document/commission/cutoff_day",
            "/document/commission/calling_hours_end",
            "/document/quality/appeal_days",
            "/document/quality/thresholds/0/allowance_withheld_percent",
        ] {
            assert!(p.iter().any(|x| x == want), "{want} in {p:?}");
        }
        let mut doc = PolicyDocument::default();
        doc.quality.thresholds.push(doc.quality.thresholds[0].clone());
        assert_eq!(pointers(doc.validate("")), vec!["/quality/thresholds/1/half_points"]);
    }

    #[test]
    fn pol_1_a_version_never_rewrites_closed_history() {
        let v = version(None, d(11, 10), 1, 5);
        assert!(v.in_effect(d(11, 10)) && !v.in_effect(d(11, 9)));
        assert!(check_effective_from(d(11, 10), d(11, 10)).is_ok());
        assert!(check_effective_from(d(11, 9), d(11, 10)).is_err());
    }
}
