//! Stored rows and their parsing into domain values. Every stored vocabulary word and JSON
//! value is parsed; anything that does not parse is a storage error, never a default.

use crate::sql::{person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{CompanyId, UserId};
use domain::ports::{ListScope, RepoError};
use domain::quality::{
    Consequence, ConsequenceKind, HalfYear, PersonRole, Post, Violation, ViolationEvent, ViolationEventKind,
};
use std::collections::HashMap;
use uuid::Uuid;

pub(super) fn corrupt(what: &str, value: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid: {value:?}"))
}

/// A JSON text column, parsed strictly.
pub(super) fn json_column<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, RepoError> {
    serde_json::from_str(text).map_err(|e| RepoError::Storage(format!("stored {what} is not valid JSON: {e}")))
}

pub(super) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, RepoError> {
    serde_json::to_string(v).map_err(|e| RepoError::Storage(e.to_string()))
}

#[derive(sqlx::FromRow)]
pub(super) struct ViolationRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    code: String,
    post: String,
    reporter_id: Uuid,
    occurred_on: NaiveDate,
    evidence: String,
    attachments: String,
    client_id: Option<Uuid>,
    policy_number: Option<String>,
    catalogue_version: i64,
    created_at: DateTime<Utc>,
}

pub(super) const VIOLATION_COLS: &str = "company_id, id, agent_id, code, post, reporter_id, occurred_on, evidence, \
                                         attachments, client_id, policy_number, catalogue_version, created_at";

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    violation_id: Uuid,
    kind: String,
    half_points: Option<i64>,
    reason: Option<String>,
    actor_id: Uuid,
    at: DateTime<Utc>,
}

/// Reports with their events (events arrive in step order).
pub(super) fn assemble(rows: Vec<ViolationRow>, events: Vec<EventRow>) -> Result<Vec<Violation>, RepoError> {
    let mut by: HashMap<Uuid, Vec<ViolationEvent>> = HashMap::new();
    for e in events {
        by.entry(e.violation_id).or_default().push(ViolationEvent {
            kind: ViolationEventKind::parse(&e.kind).ok_or_else(|| corrupt("violation event kind", &e.kind))?,
            half_points: e.half_points,
            reason: e.reason,
            actor_id: UserId(e.actor_id),
            at: e.at,
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(Violation {
                company_id: CompanyId(r.company_id),
                id: r.id,
                agent_id: UserId(r.agent_id),
                code: r.code,
                post: Post::parse(&r.post).ok_or_else(|| corrupt("post", &r.post))?,
                reporter_id: UserId(r.reporter_id),
                occurred_on: r.occurred_on,
                evidence: r.evidence,
                attachments: json_column("violation attachments", &r.attachments)?,
                client_id: r.client_id,
                policy_number: r.policy_number,
                catalogue_version: r.catalogue_version,
                created_at: r.created_at,
                events: by.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// The two statements that read reports and their events under one filter, with its arguments.
pub(super) struct ViolationQuery {
    pub rows: String,
    pub events: String,
    pub args: Vec<Arg>,
}

impl ViolationQuery {
    pub fn new(
        company: CompanyId,
        scope: &ListScope,
        agent: Option<UserId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Self {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let mut wh = vec![
            format!("v.company_id = {c}"),
            person_scope(&mut sql, scope, "v.agent_id", &c),
        ];
        if let Some(a) = agent {
            wh.push(format!("v.agent_id = {}", sql.arg(Arg::Uuid(a.0))));
        }
        if let Some(f) = from {
            wh.push(format!("v.occurred_on >= {}", sql.arg(Arg::Date(f))));
        }
        if let Some(t) = to {
            wh.push(format!("v.occurred_on <= {}", sql.arg(Arg::Date(t))));
        }
        let filter = wh.join(" AND ");
        let cols: String = VIOLATION_COLS
            .split(", ")
            .map(|c| format!("v.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        ViolationQuery {
            rows: format!("SELECT {cols} FROM violations v WHERE {filter} ORDER BY v.occurred_on, v.created_at, v.id"),
            events: format!(
                "SELECT e.violation_id, e.kind, e.half_points, e.reason, e.actor_id, e.at FROM violation_events e \
                 JOIN violations v ON v.company_id = e.company_id AND v.id = e.violation_id WHERE {filter} \
                 ORDER BY e.seq"
            ),
            args: sql.args,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ConsequenceRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    half_year: String,
    threshold: i64,
    person_id: Uuid,
    person_role: String,
    kind: String,
    details: String,
    reverses: Option<Uuid>,
    source_key: String,
    created_at: DateTime<Utc>,
}

pub(super) const CONSEQUENCE_COLS: &str =
    "company_id, id, agent_id, half_year, threshold, person_id, person_role, kind, details, reverses, source_key, created_at";

impl ConsequenceRow {
    pub fn parse(self) -> Result<Consequence, RepoError> {
        let details: serde_json::Value = json_column("consequence details", &self.details)?;
        if !details.is_object() {
            return Err(corrupt("consequence details", &self.details));
        }
        Ok(Consequence {
            company_id: CompanyId(self.company_id),
            id: self.id,
            agent_id: UserId(self.agent_id),
            half_year: HalfYear::parse(&self.half_year).ok_or_else(|| corrupt("half-year", &self.half_year))?,
            threshold: self.threshold,
            person_id: UserId(self.person_id),
            person_role: PersonRole::parse(&self.person_role)
                .ok_or_else(|| corrupt("consequence person role", &self.person_role))?,
            kind: ConsequenceKind::parse(&self.kind).ok_or_else(|| corrupt("consequence kind", &self.kind))?,
            details,
            reverses: self.reverses,
            source_key: self.source_key,
            created_at: self.created_at,
        })
    }
}

/// Consequences of a company, optionally of one agent, one person and one half-year.
pub(super) fn consequence_query(
    company: CompanyId,
    agent: Option<UserId>,
    person: Option<UserId>,
    half: Option<HalfYear>,
) -> Sql {
    let mut sql = Sql::new("");
    let c = sql.arg(Arg::Uuid(company.0));
    let mut wh = vec![format!("company_id = {c}")];
    if let Some(a) = agent {
        wh.push(format!("agent_id = {}", sql.arg(Arg::Uuid(a.0))));
    }
    if let Some(p) = person {
        wh.push(format!("person_id = {}", sql.arg(Arg::Uuid(p.0))));
    }
    if let Some(h) = half {
        wh.push(format!("half_year = {}", sql.arg(Arg::Text(h.to_string()))));
    }
    sql.push(&format!(
        "SELECT {CONSEQUENCE_COLS} FROM quality_consequences WHERE {} ORDER BY created_at, id",
        wh.join(" AND ")
    ));
    sql
}

/// One multi-row insert; rows whose source key exists are skipped. None for no rows.
pub(super) fn insert_consequences_sql(rows: &[Consequence]) -> Option<Sql> {
    if rows.is_empty() {
        return None;
    }
    let mut sql = Sql::new("");
    let values: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "({})",
                sql.list([
                    Arg::Uuid(r.company_id.0),
                    Arg::Uuid(r.id),
                    Arg::Uuid(r.agent_id.0),
                    Arg::Text(r.half_year.to_string()),
                    Arg::Int(r.threshold),
                    Arg::Uuid(r.person_id.0),
                    Arg::Text(r.person_role.as_str().to_owned()),
                    Arg::Text(r.kind.as_str().to_owned()),
                    Arg::Text(r.details.to_string()),
                    Arg::OptUuid(r.reverses),
                    Arg::Text(r.source_key.clone()),
                    Arg::Ts(r.created_at),
                ])
            )
        })
        .collect();
    sql.push(&format!(
        "INSERT INTO quality_consequences ({CONSEQUENCE_COLS}) VALUES {} ON CONFLICT DO NOTHING",
        values.join(", ")
    ));
    Some(sql)
}
