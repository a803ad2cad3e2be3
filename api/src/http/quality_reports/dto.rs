//! Wire types of the quality reports, and their CSV renderings.

use crate::app::quality_reports::DepartmentQuarter;
use crate::http::csv_field;
use chrono::{DateTime, Utc};
use domain::period::{Month, Quarter};
use domain::quality::{format_points, DepartmentFigures};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyRow {
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub branch_id: Option<Uuid>,
    pub agent_id: Uuid,
    pub agent_name: String,
    pub confirmed_violations: usize,
    pub half_points: i64,
    pub points: String,
}

impl From<&domain::quality::TallyRow> for TallyRow {
    fn from(r: &domain::quality::TallyRow) -> Self {
        TallyRow {
            team_id: r.team_id.map(|t| t.0),
            team_name: r.team_name.clone(),
            branch_id: r.branch_id.map(|b| b.0),
            agent_id: r.agent_id.0,
            agent_name: r.agent_name.clone(),
            confirmed_violations: r.confirmed_violations,
            half_points: r.half_points,
            points: format_points(r.half_points),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyReport {
    /// The period (a month, quarter or year).
    pub period: String,
    pub rows: Vec<TallyRow>,
}

impl TallyReport {
    pub fn new(period: String, rows: &[domain::quality::TallyRow]) -> Self {
        TallyReport {
            period,
            rows: rows.iter().map(TallyRow::from).collect(),
        }
    }

    pub fn to_csv(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    self.period.clone(),
                    r.branch_id.map(|b| b.to_string()).unwrap_or_default(),
                    r.team_id.map(|t| t.to_string()).unwrap_or_default(),
                    r.team_name.clone().unwrap_or_default(),
                    r.agent_id.to_string(),
                    r.agent_name.clone(),
                    r.confirmed_violations.to_string(),
                    r.points.clone(),
                ]
            })
            .collect();
        csv(
            &[
                "period",
                "branch_id",
                "team_id",
                "team_name",
                "agent_id",
                "agent_name",
                "confirmed_violations",
                "points",
            ],
            &rows,
        )
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// YYYY-MM.
    pub month: String,
}

impl MonthQuery {
    pub fn into_domain(&self) -> Result<Month, domain::ValidationErrors> {
        Month::parse(&self.month).ok_or_else(|| domain::ValidationErrors::single("/query/month", Month::FORMAT_HINT))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuarterQuery {
    /// e.g. 2026Q4.
    pub quarter: String,
}

impl QuarterQuery {
    pub fn into_domain(&self) -> Result<Quarter, domain::ValidationErrors> {
        parse_quarter(&self.quarter, "/query/quarter")
    }
}

fn parse_quarter(s: &str, pointer: &str) -> Result<Quarter, domain::ValidationErrors> {
    Quarter::parse(s).ok_or_else(|| domain::ValidationErrors::single(pointer, Quarter::FORMAT_HINT))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentSummary {
    pub branch_id: Uuid,
    pub confirmed_violations: usize,
    pub half_points: i64,
    pub agents_with_violations: usize,
    /// The committee's sign-off for this department, if recorded.
    pub signed_off_by: Option<Uuid>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub sign_off_note: Option<String>,
}

impl From<&DepartmentQuarter> for DepartmentSummary {
    fn from(d: &DepartmentQuarter) -> Self {
        DepartmentSummary {
            branch_id: d.branch_id.0,
            confirmed_violations: d.figures.confirmed_violations,
            half_points: d.figures.half_points,
            agents_with_violations: d.figures.agents_with_violations,
            signed_off_by: d.sign_off.as_ref().map(|s| s.signed_by.0),
            signed_off_at: d.sign_off.as_ref().map(|s| s.signed_at),
            sign_off_note: d.sign_off.as_ref().map(|s| s.note.clone()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarterReport {
    pub quarter: String,
    pub departments: Vec<DepartmentSummary>,
}

impl QuarterReport {
    pub fn to_csv(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .departments
            .iter()
            .map(|d| {
                vec![
                    self.quarter.clone(),
                    d.branch_id.to_string(),
                    d.confirmed_violations.to_string(),
                    format_points(d.half_points),
                    d.agents_with_violations.to_string(),
                    d.signed_off_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                ]
            })
            .collect();
        csv(
            &[
                "quarter",
                "branch_id",
                "confirmed_violations",
                "points",
                "agents_with_violations",
                "signed_off_at",
            ],
            &rows,
        )
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    pub quarter: String,
    pub branch_id: Uuid,
    #[validate(length(max = 2000, message = "is too long"))]
    #[serde(default)]
    pub note: String,
}

impl SignOff {
    pub fn into_domain(&self) -> Result<Quarter, domain::ValidationErrors> {
        parse_quarter(&self.quarter, "/quarter")
    }
}

/// The answer to a sign-off: what was signed, with the figures the committee saw.
#[derive(Debug, Serialize)]
pub struct SignedOff {
    pub quarter: String,
    pub branch_id: Uuid,
    pub summary: DepartmentFigures,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: i32,
}

impl YearQuery {
    pub fn into_domain(&self) -> Result<i32, domain::ValidationErrors> {
        domain::period::parse_year_in_range(self.year)
            .ok_or_else(|| domain::ValidationErrors::single("/query/year", "must be a year between 2000 and 2100"))
    }
}
