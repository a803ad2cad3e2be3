//! Wire types of licences, CE courses and the licence reports (LIC-1..LIC-3).

use crate::app::licences::{AgentLicence, LicenceJobReport, LicenceReportRow};
use crate::http::csv_field;
use chrono::{DateTime, NaiveDate, Utc};
use domain::licence::{
    format_hours, CeAccount, CeCourse, CeCourseDraft, CourseStatus, Lapse, LicenceDraft, LicenceStatus,
};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Derived from the record and the lapses, never written (LIC-1, LIC-3).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatusDto {
    /// No qualification certificate (or not yet in effect): may not sell.
    Unlicensed,
    Licensed,
    /// Short of a year's CE hours since 1 January, until HR reinstates: may not sell.
    Lapsed,
}

impl From<LicenceStatus> for LicenceStatusDto {
    fn from(s: LicenceStatus) -> Self {
        match s {
            LicenceStatus::Unlicensed => LicenceStatusDto::Unlicensed,
            LicenceStatus::Licensed => LicenceStatusDto::Licensed,
            LicenceStatus::Lapsed => LicenceStatusDto::Lapsed,
        }
    }
}

/// A year's continuing-education account (LIC-2); hours in tenths.
#[derive(Debug, Serialize, ToSchema)]
pub struct CeAccountDto {
    pub year: i32,
    /// False in the year the certificate was issued, without a certificate, and for years
    /// before the licence was recorded in Fieldbook.
    pub owed: bool,
    /// `ce_hours_per_year` of the policy in force, in tenths (360 = 36 hours).
    #[schema(example = 360)]
    pub due_tenths: i64,
    pub confirmed_tenths: i64,
    /// Recorded by the agent, awaiting HR: not counted yet.
    pub pending_tenths: i64,
    /// Due by now at an even pace (the due hours times the share of the year gone).
    pub pace_tenths: i64,
    pub missing_tenths: i64,
    pub below_pace: bool,
    pub complete: bool,
}

impl From<&CeAccount> for CeAccountDto {
    fn from(a: &CeAccount) -> Self {
        CeAccountDto {
            year: a.year,
            owed: a.owed,
            due_tenths: a.due_tenths,
            confirmed_tenths: a.confirmed_tenths,
            pending_tenths: a.pending_tenths,
            pace_tenths: a.pace_tenths,
            missing_tenths: a.missing_tenths,
            below_pace: a.below_pace,
            complete: a.complete,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LapseDto {
    /// The CE year that fell short.
    pub year: i32,
    pub lapsed_on: NaiveDate,
    pub done_tenths: i64,
    pub due_tenths: i64,
    pub reinstated_on: Option<NaiveDate>,
    pub reinstated_by: Option<Uuid>,
}

impl From<&Lapse> for LapseDto {
    fn from(l: &Lapse) -> Self {
        LapseDto {
            year: l.year,
            lapsed_on: l.lapsed_on,
            done_tenths: l.done_tenths,
            due_tenths: l.due_tenths,
            reinstated_on: l.reinstated_on,
            reinstated_by: l.reinstated_by.map(|u| u.0),
        }
    }
}

/// An agent's licence, status and CE hours (the profile).
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentLicenceDto {
    pub agent_id: Uuid,
    pub agent_name: String,
    pub team_id: Option<Uuid>,
    /// The business day (the agent's branch zone) the status is for.
    pub date: NaiveDate,
    pub status: LicenceStatusDto,
    /// Why, e.g. "lapsed on 2027-01-01: 30.0 of 36.0 continuing-education hours completed in 2026".
    pub status_reason: String,
    pub status_since: Option<NaiveDate>,
    /// Absent until HR records the certificate.
    pub qualification_certificate: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub agency_contract_on: Option<NaiveDate>,
    pub practice_certificate: Option<String>,
    /// The day the record was first made; CE years before it are not judged.
    pub recorded_on: Option<NaiveDate>,
    /// The running year's hours.
    pub ce: CeAccountDto,
    /// The previous year's hours (what 1 January judged).
    pub previous_year_ce: CeAccountDto,
    /// Recorded lapses, reinstated or not.
    pub lapses: Vec<LapseDto>,
}

impl AgentLicenceDto {
    pub fn from_domain(a: &AgentLicence) -> Self {
        let l = a.facts.licence.as_ref();
        AgentLicenceDto {
            agent_id: a.facts.agent_id.0,
            agent_name: a.facts.name.clone(),
            team_id: a.facts.team_id.map(|t| t.0),
            date: a.day,
            status: a.standing.status.into(),
            status_reason: a.standing.reason.clone(),
            status_since: a.standing.since,
            qualification_certificate: l.map(|l| l.qualification_certificate.clone()),
            issued_on: l.map(|l| l.issued_on),
            agency_contract_on: l.and_then(|l| l.agency_contract_on),
            practice_certificate: l.and_then(|l| l.practice_certificate.clone()),
            recorded_on: l.map(|l| l.recorded_on),
            ce: (&a.current).into(),
            previous_year_ce: (&a.previous).into(),
            lapses: a.lapses.iter().map(LapseDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentLicenceList {
    pub items: Vec<AgentLicenceDto>,
}

impl AgentLicenceList {
    pub fn from_domain(items: &[AgentLicence]) -> Self {
        AgentLicenceList {
            items: items.iter().map(AgentLicenceDto::from_domain).collect(),
        }
    }
}

/// The licence record as HR or an integration sends it; replaces the stored one.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AgentLicenceInput {
    /// The qualification certificate (资格证) number.
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64, example = "QC-2020-000123")]
    pub qualification_certificate: String,
    /// Not after today.
    pub issued_on: NaiveDate,
    /// The agency contract's signing day: not before `issued_on`, not after today.
    pub agency_contract_on: Option<NaiveDate>,
    /// The practice certificate (展业证 / 执业证), issued once the contract is signed.
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub practice_certificate: Option<String>,
}

impl AgentLicenceInput {
    pub fn into_domain(self) -> LicenceDraft {
        LicenceDraft {
            qualification_certificate: self.qualification_certificate,
            issued_on: self.issued_on,
            agency_contract_on: self.agency_contract_on,
            practice_certificate: self.practice_certificate,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCeCourse {
    /// Optional client-generated id: sending the same course again returns the stored one; a
    /// different course with a taken id is 409 `id_conflict`.
    pub id: Option<Uuid>,
    /// From 2000, not after today; the hours count towards this day's calendar year.
    pub taken_on: NaiveDate,
    /// Hours in tenths (15 = 1.5 hours).
    #[validate(range(min = 1, max = 1000, message = "must be between 1 and 1000 tenths of an hour"))]
    #[schema(minimum = 1, maximum = 1000, example = 60)]
    pub hours_tenths: i64,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub provider: String,
    #[validate(length(max = 100, message = "must be at most 100 characters"))]
    #[schema(max_length = 100)]
    pub certificate_ref: Option<String>,
    /// The evidence (an attachment id or URL); required when agents record their own course.
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub evidence_ref: Option<String>,
}

impl NewCeCourse {
    pub fn into_domain(self) -> CeCourseDraft {
        CeCourseDraft {
            id: self.id,
            taken_on: self.taken_on,
            hours_tenths: self.hours_tenths,
            provider: self.provider,
            certificate_ref: self.certificate_ref,
            evidence_ref: self.evidence_ref,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CeCourseStatusDto {
    /// Recorded by the agent; HR confirms or rejects it.
    Pending,
    Confirmed,
    Rejected,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CeCourseDto {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub taken_on: NaiveDate,
    pub hours_tenths: i64,
    pub provider: String,
    pub certificate_ref: Option<String>,
    pub evidence_ref: Option<String>,
    pub status: CeCourseStatusDto,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why HR rejected it.
    pub decision_note: Option<String>,
}

impl From<&CeCourse> for CeCourseDto {
    fn from(c: &CeCourse) -> Self {
        CeCourseDto {
            id: c.id,
            agent_id: c.agent_id.0,
            taken_on: c.taken_on,
            hours_tenths: c.hours_tenths,
            provider: c.provider.clone(),
            certificate_ref: c.certificate_ref.clone(),
            evidence_ref: c.evidence_ref.clone(),
            status: match c.status {
                CourseStatus::Pending => CeCourseStatusDto::Pending,
                CourseStatus::Confirmed => CeCourseStatusDto::Confirmed,
                CourseStatus::Rejected => CeCourseStatusDto::Rejected,
            },
            recorded_by: c.recorded_by.0,
            recorded_at: c.recorded_at,
            decided_by: c.decided_by.map(|u| u.0),
            decided_at: c.decided_at,
            decision_note: c.decision_note.clone(),
        }
    }
}

/// A year's courses and the year's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct CeCourseList {
    pub account: CeAccountDto,
    pub items: Vec<CeCourseDto>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CeCourseRejection {
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AgentPath {
    /// The agent's id.
    pub id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CoursePath {
    /// The agent's id.
    pub id: Uuid,
    /// The course's id.
    pub course_id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CourseYearQuery {
    /// The calendar year (default: the running one in the agent's branch).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

fn year_of(y: i32) -> Result<i32, ValidationErrors> {
    domain::period::parse_year_in_range(y)
        .ok_or_else(|| ValidationErrors::single("/query/year", "must be a year between 2000 and 2100"))
}

impl CourseYearQuery {
    pub fn into_domain(&self) -> Result<Option<i32>, ValidationErrors> {
        self.year.map(year_of).transpose()
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportYearQuery {
    /// The calendar year; not after the current one.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
}

impl ReportYearQuery {
    pub fn into_domain(&self) -> Result<i32, ValidationErrors> {
        year_of(self.year)
    }
}

/// One line of the licence report: a team, or (without a team) the branch's total.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenceReportRowDto {
    pub branch_id: Uuid,
    pub branch_name: String,
    /// Absent on the branch's total line.
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    /// Statuses are counted on 31 December, or today for the running year.
    pub counted_on: NaiveDate,
    pub agents: u32,
    pub licensed: u32,
    pub unlicensed: u32,
    pub lapsed: u32,
    /// Agents who owed the year's CE hours, and those who completed them.
    pub ce_owed: u32,
    pub ce_completed: u32,
    /// Completed share of the owed, in whole percent (100 when nobody owed the year).
    pub ce_completion_percent: u32,
    /// Confirmed hours (each agent's counted up to their due) against the hours due, in tenths.
    pub ce_confirmed_tenths: i64,
    pub ce_due_tenths: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LicenceReport {
    pub year: i32,
    pub rows: Vec<LicenceReportRowDto>,
}

impl LicenceReport {
    pub fn new(year: i32, rows: &[LicenceReportRow]) -> Self {
        LicenceReport {
            year,
            rows: rows
                .iter()
                .map(|r| LicenceReportRowDto {
                    branch_id: r.branch_id.0,
                    branch_name: r.branch_name.clone(),
                    team_id: r.team_id.map(|t| t.0),
                    team_name: r.team_name.clone(),
                    counted_on: r.counted_on,
                    agents: r.tally.agents,
                    licensed: r.tally.licensed,
                    unlicensed: r.tally.unlicensed,
                    lapsed: r.tally.lapsed,
                    ce_owed: r.tally.ce_owed,
                    ce_completed: r.tally.ce_completed,
                    ce_completion_percent: r.tally.completion_percent(),
                    ce_confirmed_tenths: r.tally.ce_confirmed_tenths,
                    ce_due_tenths: r.tally.ce_due_tenths,
                })
                .collect(),
        }
    }

    pub fn to_csv(&self) -> String {
        let header = [
            "year",
            "branch_id",
            "branch_name",
            "team_id",
            "team_name",
            "counted_on",
            "agents",
            "licensed",
            "unlicensed",
            "lapsed",
            "ce_owed",
            "ce_completed",
            "ce_completion_percent",
            "ce_confirmed_hours",
            "ce_due_hours",
        ];
        let mut out = header.join(",");
        out.push_str("\r\n");
        for r in &self.rows {
            let cells = [
                self.year.to_string(),
                r.branch_id.to_string(),
                r.branch_name.clone(),
                r.team_id.map(|t| t.to_string()).unwrap_or_default(),
                r.team_name.clone().unwrap_or_default(),
                r.counted_on.to_string(),
                r.agents.to_string(),
                r.licensed.to_string(),
                r.unlicensed.to_string(),
                r.lapsed.to_string(),
                r.ce_owed.to_string(),
                r.ce_completed.to_string(),
                r.ce_completion_percent.to_string(),
                format_hours(r.ce_confirmed_tenths),
                format_hours(r.ce_due_tenths),
            ];
            out.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        out
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RunLicenceJob {
    pub branch_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LicenceJobReportDto {
    pub agents_evaluated: usize,
    /// Lapses recorded now (a repeated run records none).
    pub lapses_recorded: u64,
    /// Reminder notifications sent now (to agents and their supervisors).
    pub reminders_sent: u64,
}

impl From<LicenceJobReport> for LicenceJobReportDto {
    fn from(r: LicenceJobReport) -> Self {
        LicenceJobReportDto {
            agents_evaluated: r.agents_evaluated,
            lapses_recorded: r.lapses_recorded,
            reminders_sent: r.reminders_sent,
        }
    }
}
