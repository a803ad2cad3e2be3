//! Wire types of the settlement job and the monthly statements (COM-8).

use crate::app::settlement::Settled;
use crate::http::csv_field;
use chrono::{DateTime, Utc};
use domain::commission::Statement;
use domain::ids::BranchId;
use domain::period::Month;
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

fn month(pointer: &str, s: &str) -> Result<Month, ValidationErrors> {
    Month::parse(s).ok_or_else(|| ValidationErrors::single(pointer, Month::FORMAT_HINT))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Settle {
    pub branch_id: Uuid,
    #[schema(example = "2026-11")]
    pub month: String,
}

impl Settle {
    pub fn into_domain(self) -> Result<(BranchId, Month), ValidationErrors> {
        Ok((BranchId(self.branch_id), month("/month", &self.month)?))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettlementReport {
    pub month: String,
    /// False when the month had already been settled: nothing changed.
    pub settled_now: bool,
    pub policies: usize,
    pub entries_posted: u64,
    pub statements: u64,
}

impl SettlementReport {
    pub fn from_domain(s: Settled) -> Self {
        SettlementReport {
            month: s.month.to_string(),
            settled_now: s.settled_now,
            policies: s.policies,
            entries_posted: s.entries_posted,
            statements: s.statements,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDto {
    pub id: Uuid,
    pub person_id: Uuid,
    pub branch_id: Uuid,
    pub month: String,
    /// Each line explains itself: kind (commission, penalty, allowance), type, rule, amount, explanation.
    #[schema(value_type = Vec<Object>)]
    pub lines: Value,
    /// Sum of the lines, in fen.
    pub net_fen: i64,
    pub closed_at: DateTime<Utc>,
}

impl StatementDto {
    pub fn from_domain(s: &Statement) -> Self {
        StatementDto {
            id: s.id,
            person_id: s.person_id.0,
            branch_id: s.branch_id.0,
            month: s.month.to_string(),
            // Serialising our own lines cannot fail; Null would only hide a bug in them.
            lines: serde_json::to_value(&s.lines).unwrap_or(Value::Null),
            net_fen: s.net_fen,
            closed_at: s.closed_at,
        }
    }
}

/// The statement as CSV for payroll: one row per line, then the net.
pub fn statement_csv(s: &Statement) -> String {
    let mut out = String::from("statement_id,person_id,month,kind,type,rule_id,amount_fen,explanation\r\n");
    for l in &s.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            s.id,
            s.person_id,
            s.month,
            csv_field(l.kind()),
            csv_field(l.entry()),
            csv_field(l.rule_id().as_str()),
            l.amount_fen(),
            csv_field(l.explanation())
        ));
    }
    out.push_str(&format!(
        "{},{},{},net,,,{},net payable\r\n",
        s.id, s.person_id, s.month, s.net_fen
    ));
    out
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// YYYY-MM; omit for every month.
    pub month: Option<String>,
}

impl StatementQuery {
    pub fn month(&self) -> Result<Option<Month>, ValidationErrors> {
        self.month.as_deref().map(|m| month("/query/month", m)).transpose()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementList {
    pub items: Vec<StatementDto>,
}
