//! Agent licences and continuing education (section 12): the licence record (LIC-1), the
//! continuing-education (CE) courses and the year's account of hours (LIC-2), and what the
//! year's end means: lapse from 1 January, reminders from `ce_reminder_from` (LIC-3).
//!
//! Hours are integers in tenths (`365` = 36.5 hours), like points, never floats.

mod hours;
mod lapse;
mod report;
mod status;

pub use hours::*;
pub use lapse::*;
pub use report::*;
pub use status::*;

use crate::ids::{CompanyId, UserId};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The licence parameters of a policy version (POL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LicencePolicy {
    /// CE hours every licensed agent completes per calendar year (LIC-2).
    pub ce_hours_per_year: u32,
    /// Reminders start on this month and day of the year (LIC-3, `ce_reminder_from`).
    pub ce_reminder_from_month: u32,
    pub ce_reminder_from_day: u32,
}

impl Default for LicencePolicy {
    fn default() -> Self {
        Self {
            ce_hours_per_year: 36,
            ce_reminder_from_month: 10,
            ce_reminder_from_day: 1,
        }
    }
}

impl LicencePolicy {
    /// The hours due per year, in tenths.
    pub fn due_tenths(&self) -> i64 {
        i64::from(self.ce_hours_per_year) * 10
    }

    /// The day reminders start in `year` (a day that exists in every year: validation refuses
    /// 29 February).
    pub fn reminder_from(&self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.ce_reminder_from_month, self.ce_reminder_from_day)
    }

    /// Range checks, reported as JSON pointers under `prefix` (e.g. `/document/licence`).
    pub fn validate(&self, prefix: &str, e: &mut crate::ValidationErrors) {
        if self.ce_hours_per_year > 200 {
            e.push(format!("{prefix}/ce_hours_per_year"), "must be between 0 and 200");
        }
        if !(1..=12).contains(&self.ce_reminder_from_month) {
            e.push(format!("{prefix}/ce_reminder_from_month"), "must be between 1 and 12");
        } else if NaiveDate::from_ymd_opt(2001, self.ce_reminder_from_month, self.ce_reminder_from_day).is_none() {
            // 2001 is not a leap year: the day must exist every year.
            e.push(
                format!("{prefix}/ce_reminder_from_day"),
                "must be a day of that month in every year",
            );
        }
    }
}

/// An agent's licence record (LIC-1): the qualification certificate (资格证) and, once the
/// agency contract is signed, the practice certificate (展业证 / 执业证). The status is derived
/// (see `licence_standing`), never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Licence {
    pub company_id: CompanyId,
    pub agent_id: UserId,
    pub qualification_certificate: String,
    pub issued_on: NaiveDate,
    pub agency_contract_on: Option<NaiveDate>,
    pub practice_certificate: Option<String>,
    /// The business day (the agent's branch zone) the record was first made: Fieldbook judges
    /// CE years from this year on, never years it held no record for.
    pub recorded_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A licence as HR or an integration sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceDraft {
    pub qualification_certificate: String,
    pub issued_on: NaiveDate,
    pub agency_contract_on: Option<NaiveDate>,
    pub practice_certificate: Option<String>,
}

/// Where a licence record's dates and numbers must stand (part of LIC-1): a certificate number,
/// an issue date not in the future, a contract signed on or after qualifying and not in the
/// future, and a practice certificate only once the contract is signed. The record keeps the
/// day it was first made (`recorded_on`) across later edits.
pub fn licence_record(
    company: CompanyId,
    agent: UserId,
    draft: LicenceDraft,
    before: Option<&Licence>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Licence, crate::ValidationErrors> {
    let mut e = crate::ValidationErrors::default();
    let number = draft.qualification_certificate.trim().to_owned();
    if number.is_empty() {
        e.push("/qualification_certificate", "must not be blank");
    }
    if draft.issued_on > today {
        e.push("/issued_on", format!("must not be after today ({today})"));
    }
    if let Some(c) = draft.agency_contract_on {
        if c < draft.issued_on {
            e.push(
                "/agency_contract_on",
                "must not be before the qualification certificate's issue date",
            );
        } else if c > today {
            e.push("/agency_contract_on", format!("must not be after today ({today})"));
        }
    }
    let practice = draft
        .practice_certificate
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    if practice.is_some() && draft.agency_contract_on.is_none() {
        e.push(
            "/practice_certificate",
            "is issued once the agency contract is signed: give agency_contract_on",
        );
    }
    e.into_result(Licence {
        company_id: company,
        agent_id: agent,
        qualification_certificate: number,
        issued_on: draft.issued_on,
        agency_contract_on: draft.agency_contract_on,
        practice_certificate: practice,
        recorded_on: before.map_or(today, |b| b.recorded_on),
        created_at: before.map_or(now, |b| b.created_at),
        updated_at: now,
    })
}

/// Where a CE course stands: recorded by the agent it waits for HR; HR's or an integration's
/// records are confirmed at once. Only confirmed hours count (LIC-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    Pending,
    Confirmed,
    Rejected,
}

impl CourseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CourseStatus::Pending => "pending",
            CourseStatus::Confirmed => "confirmed",
            CourseStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CourseStatus::Pending, CourseStatus::Confirmed, CourseStatus::Rejected]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// One continuing-education course (后续教育培训) of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CeCourse {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub agent_id: UserId,
    /// The day the course was taken; it counts towards this day's calendar year.
    pub taken_on: NaiveDate,
    pub hours_tenths: i64,
    pub provider: String,
    pub certificate_ref: Option<String>,
    /// A reference to the evidence (an attachment id or URL), required from agents.
    pub evidence_ref: Option<String>,
    pub status: CourseStatus,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

/// A course as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeCourseDraft {
    pub id: Option<Uuid>,
    pub taken_on: NaiveDate,
    pub hours_tenths: i64,
    pub provider: String,
    pub certificate_ref: Option<String>,
    pub evidence_ref: Option<String>,
}

/// Who records a course: the agent themselves (pending, evidence required) or HR / an
/// integration (confirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseRecorder {
    Agent,
    Office,
}

/// A course record from a draft (part of LIC-2): taken on or before today, a provider, and from
/// an agent the evidence HR confirms against.
pub fn ce_course_record(
    company: CompanyId,
    agent: UserId,
    draft: CeCourseDraft,
    recorder: (UserId, CourseRecorder),
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CeCourse, crate::ValidationErrors> {
    let mut e = crate::ValidationErrors::default();
    if draft.taken_on > today {
        e.push("/taken_on", format!("must not be after today ({today})"));
    } else if draft.taken_on.year() < 2000 {
        e.push("/taken_on", "must be in 2000 or later");
    }
    let provider = draft.provider.trim().to_owned();
    if provider.is_empty() {
        e.push("/provider", "must not be blank");
    }
    let clean = |s: Option<String>| s.map(|x| x.trim().to_owned()).filter(|x| !x.is_empty());
    let evidence_ref = clean(draft.evidence_ref);
    let (by, who) = recorder;
    if who == CourseRecorder::Agent && evidence_ref.is_none() {
        e.push("/evidence_ref", "is required when agents record their own course");
    }
    let confirmed = who == CourseRecorder::Office;
    e.into_result(CeCourse {
        company_id: company,
        id: draft.id.unwrap_or_else(Uuid::now_v7),
        agent_id: agent,
        taken_on: draft.taken_on,
        hours_tenths: draft.hours_tenths,
        provider,
        certificate_ref: clean(draft.certificate_ref),
        evidence_ref,
        status: if confirmed {
            CourseStatus::Confirmed
        } else {
            CourseStatus::Pending
        },
        recorded_by: by,
        recorded_at: now,
        decided_by: confirmed.then_some(by),
        decided_at: confirmed.then_some(now),
        decision_note: None,
    })
}

/// Tenths of an hour as the reports write them: `305` → `30.5`.
pub fn format_hours(tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.unsigned_abs();
    format!("{sign}{}.{}", t / 10, t % 10)
}

/// A licence issued and recorded on the given days (unit tests of the rules).
#[cfg(test)]
pub(crate) fn test_licence(issued_on: NaiveDate, recorded_on: NaiveDate) -> Licence {
    Licence {
        company_id: CompanyId(Uuid::nil()),
        agent_id: UserId(Uuid::nil()),
        qualification_certificate: "Q".into(),
        issued_on,
        agency_contract_on: None,
        practice_certificate: None,
        recorded_on,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn pointers<T>(r: Result<T, crate::ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.0.into_iter().map(|f| f.pointer).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_licence_record_checks_its_dates_and_keeps_when_it_was_first_made() {
        let draft = LicenceDraft {
            qualification_certificate: " Q-1 ".into(),
            issued_on: d(2020, 3, 1),
            agency_contract_on: Some(d(2020, 4, 1)),
            practice_certificate: Some("P-1".into()),
        };
        let c = CompanyId(Uuid::nil());
        let a = UserId(Uuid::nil());
        let first = record(c, a, draft.clone(), None, d(2026, 6, 1));
        assert_eq!(first.as_ref().map(|l| l.qualification_certificate.as_str()), Ok("Q-1"));
        let later = record(c, a, draft.clone(), first.as_ref().ok(), d(2026, 9, 1));
        assert_eq!(later.map(|l| l.recorded_on), Ok(d(2026, 6, 1)));
        let bad = LicenceDraft {
            qualification_certificate: " ".into(),
            issued_on: d(2026, 7, 1),
            agency_contract_on: None,
            practice_certificate: Some("P-1".into()),
        };
        assert_eq!(
            pointers(record(c, a, bad, None, d(2026, 6, 1))),
            vec!["/qualification_certificate", "/issued_on", "/practice_certificate"]
        );
        let early_contract = LicenceDraft {
            agency_contract_on: Some(d(2019, 1, 1)),
            ..draft
        };
        assert_eq!(
            pointers(record(c, a, early_contract, None, d(2026, 6, 1))),
            vec!["/agency_contract_on"]
        );
    }

    fn record(
        c: CompanyId,
        a: UserId,
        draft: LicenceDraft,
        before: Option<&Licence>,
        today: NaiveDate,
    ) -> Result<Licence, crate::ValidationErrors> {
        licence_record(c, a, draft, before, today, Utc::now())
    }

    #[test]
    fn a_course_from_the_agent_waits_for_hr_and_needs_evidence() {
        let draft = CeCourseDraft {
            id: None,
            taken_on: d(2026, 5, 2),
            hours_tenths: 60,
            provider: "Insurance Institute".into(),
            certificate_ref: None,
            evidence_ref: None,
        };
        let c = CompanyId(Uuid::nil());
        let a = UserId(Uuid::nil());
        let by_agent = ce_course_record(
            c,
            a,
            draft.clone(),
            (a, CourseRecorder::Agent),
            d(2026, 6, 1),
            Utc::now(),
        );
        assert_eq!(pointers(by_agent), vec!["/evidence_ref"]);
        let with_evidence = CeCourseDraft {
            evidence_ref: Some("att-1".into()),
            ..draft.clone()
        };
        let pending = ce_course_record(
            c,
            a,
            with_evidence,
            (a, CourseRecorder::Agent),
            d(2026, 6, 1),
            Utc::now(),
        );
        assert_eq!(pending.map(|p| p.status), Ok(CourseStatus::Pending));
        let hr = UserId(Uuid::from_u128(7));
        let confirmed = ce_course_record(
            c,
            a,
            draft.clone(),
            (hr, CourseRecorder::Office),
            d(2026, 6, 1),
            Utc::now(),
        );
        assert_eq!(
            confirmed.map(|p| (p.status, p.decided_by)),
            Ok((CourseStatus::Confirmed, Some(hr)))
        );
        let future = ce_course_record(c, a, draft, (hr, CourseRecorder::Office), d(2026, 5, 1), Utc::now());
        assert_eq!(pointers(future), vec!["/taken_on"]);
    }

    #[test]
    fn licence_policy_defaults_and_validation() {
        let p = LicencePolicy::default();
        assert_eq!((p.due_tenths(), p.reminder_from(2026)), (360, Some(d(2026, 10, 1))));
        let mut e = crate::ValidationErrors::default();
        LicencePolicy {
            ce_hours_per_year: 500,
            ce_reminder_from_month: 2,
            ce_reminder_from_day: 29,
        }
        .validate("/licence", &mut e);
        let p: Vec<String> = e.0.into_iter().map(|f| f.pointer).collect();
        assert_eq!(p, vec!["/licence/ce_hours_per_year", "/licence/ce_reminder_from_day"]);
        assert_eq!(format_hours(305), "30.5");
        assert_eq!(format_hours(0), "0.0");
    }
}
