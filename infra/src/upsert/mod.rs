//! Bulk upserts by external id on both engines (see `domain::ports::UpsertRepo`).
//!
//! Each batch is one transaction of set-wise statements, whatever its size:
//! 1. one multi-row `INSERT … ON CONFLICT (company_id, external_id) DO NOTHING RETURNING`, rows
//!    in external-id order: what it returns was created; a key another transaction is
//!    inserting makes PostgreSQL wait for that one, then skip;
//! 2. one `SELECT … WHERE external_id IN (…) ORDER BY external_id FOR UPDATE` (PostgreSQL) for
//!    the rest, locking them in the same key order as every other batch does, so two instances
//!    upserting the same keys serialise instead of duplicating or deadlocking;
//! 3. the pure `decide` judges each locked row against the sent one;
//! 4. one `UPDATE … FROM (VALUES …)` for the changed rows, one multi-row audit insert, and the
//!    change events last (see `changes`).
//!
//! SQLite holds its single write lock from the first INSERT, so the same statements serialise.

mod agents;
mod clients;
mod policies;

use crate::db::Db;
use crate::sql::{Arg, Sql};
use domain::ports::AuditContext;
use uuid::Uuid;

/// `INSERT INTO table (cols) VALUES (…), (…) suffix`.
pub(crate) fn insert_rows(table: &str, cols: &str, rows: impl IntoIterator<Item = Vec<Arg>>, suffix: &str) -> Sql {
    let mut sql = Sql::new("");
    let values: Vec<String> = rows.into_iter().map(|r| format!("({})", sql.list(r))).collect();
    sql.push(&format!(
        "INSERT INTO {table} ({cols}) VALUES {} {suffix}",
        values.join(", ")
    ));
    sql
}

/// `UPDATE table SET c = v.columnN … FROM (VALUES …) AS v` matched on (company_id, id): each
/// row is `[company_id, id, values of set_cols…]`. Both engines name a VALUES list's columns
/// `column1`, `column2`, ….
pub(crate) fn update_rows(table: &str, set_cols: &[&str], rows: impl IntoIterator<Item = Vec<Arg>>) -> Sql {
    let mut sql = Sql::new("");
    let values: Vec<String> = rows.into_iter().map(|r| format!("({})", sql.list(r))).collect();
    let sets: Vec<String> = set_cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = v.column{}", i + 3))
        .collect();
    sql.push(&format!(
        "UPDATE {table} SET {} FROM (VALUES {}) AS v WHERE {table}.company_id = v.column1 AND {table}.id = v.column2",
        sets.join(", "),
        values.join(", ")
    ));
    sql
}

/// `SELECT cols FROM table WHERE company_id = … AND key IN (…) ORDER BY key`, locking the rows
/// on PostgreSQL.
pub(crate) fn select_by_keys(db: &Db, cols: &str, from: &str, key: &str, company: Uuid, keys: &[String]) -> Sql {
    let mut sql = Sql::new("");
    let c = sql.arg(Arg::Uuid(company));
    let list = sql.list(keys.iter().map(|k| Arg::Text(k.clone())));
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE",
        Db::Sqlite(_) => "",
    };
    sql.push(&format!(
        "SELECT {cols} FROM {from} WHERE company_id = {c} AND {key} IN ({list}) ORDER BY {key}{lock}"
    ));
    sql
}

/// One audit record of a bulk write.
pub(crate) struct AuditRow {
    pub action: &'static str,
    pub entity: &'static str,
    pub id: Uuid,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The audit records of a batch in one statement (AUD-1).
pub(crate) fn audit_rows(ctx: &AuditContext, rows: &[AuditRow]) -> Sql {
    insert_rows(
        "audit_log",
        "company_id, id, at, actor_id, request_id, action, entity, entity_id, before, after, integration_client_id",
        rows.iter().map(|r| {
            vec![
                Arg::Uuid(ctx.company_id.0),
                Arg::Uuid(Uuid::now_v7()),
                Arg::Ts(ctx.at),
                Arg::OptUuid(ctx.actor_id.map(|a| a.0)),
                Arg::Text(ctx.request_id.clone()),
                Arg::Text(r.action.to_owned()),
                Arg::Text(r.entity.to_owned()),
                Arg::Uuid(r.id),
                Arg::OptText(r.before.clone()),
                Arg::OptText(r.after.clone()),
                Arg::OptUuid(ctx.integration_client_id),
            ]
        }),
        "",
    )
}

/// Indexes of `keys` in key order (the order every batch locks in).
pub(crate) fn key_order(keys: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
    order
}

impl domain::ports::UpsertRepo for Db {
    async fn users_by_external_id(
        &self,
        company: domain::ids::CompanyId,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, domain::org::User>, domain::ports::RepoError> {
        agents::by_external_id(self, company, keys).await
    }

    async fn email_owners(
        &self,
        emails: &[String],
    ) -> Result<std::collections::HashMap<String, domain::ids::UserId>, domain::ports::RepoError> {
        agents::email_owners(self, emails).await
    }

    async fn clients_by_external_id(
        &self,
        company: domain::ids::CompanyId,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, domain::client::Client>, domain::ports::RepoError> {
        clients::by_external_id(self, company, keys).await
    }

    async fn policies_by_external_id(
        &self,
        company: domain::ids::CompanyId,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, domain::ports::PolicyReceipt>, domain::ports::RepoError> {
        policies::by_external_id(self, company, keys).await
    }

    async fn policy_numbers(
        &self,
        company: domain::ids::CompanyId,
        numbers: &[String],
    ) -> Result<std::collections::HashMap<String, Option<String>>, domain::ports::RepoError> {
        policies::numbers(self, company, numbers).await
    }

    async fn receipt_owners(
        &self,
        company: domain::ids::CompanyId,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, Uuid>, domain::ports::RepoError> {
        policies::receipt_owners(self, company, keys).await
    }

    async fn upsert_agents(
        &self,
        audit: &AuditContext,
        keys: &[String],
        rows: &[domain::org::User],
        decide: &dyn Fn(&domain::org::User, &domain::org::User) -> domain::upsert::Decision<domain::org::User>,
    ) -> Result<Vec<domain::upsert::Written>, domain::ports::RepoError> {
        agents::upsert(self, audit, keys, rows, decide).await
    }

    async fn upsert_clients(
        &self,
        audit: &AuditContext,
        rows: &[domain::client::Client],
        decide: &dyn Fn(
            &domain::client::Client,
            &domain::client::Client,
        ) -> domain::upsert::Decision<domain::client::Client>,
    ) -> Result<Vec<domain::upsert::Written>, domain::ports::RepoError> {
        clients::upsert(self, audit, rows, decide).await
    }

    async fn upsert_insurance_policies(
        &self,
        audit: &AuditContext,
        keys: &[String],
        rows: &[domain::commission::InsurancePolicy],
        decide: &dyn Fn(
            &domain::commission::InsurancePolicy,
            &domain::commission::InsurancePolicy,
        ) -> domain::upsert::Decision<domain::commission::InsurancePolicy>,
    ) -> Result<Vec<domain::upsert::Written>, domain::ports::RepoError> {
        policies::upsert(self, audit, keys, rows, decide).await
    }

    async fn upsert_receipts(
        &self,
        audit: &AuditContext,
        rows: &[domain::upsert::ReceiptRecordDraft],
        decide: &dyn Fn(
            &domain::ports::PolicyReceipt,
            &domain::upsert::ReceiptRecordDraft,
        ) -> domain::upsert::Decision<chrono::NaiveDate>,
    ) -> Result<Vec<domain::upsert::Written>, domain::ports::RepoError> {
        policies::upsert_receipts(self, audit, rows, decide).await
    }
}
