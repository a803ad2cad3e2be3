//! Insurance policies and their receipts by external id.

use super::{audit_rows, insert_rows, key_order, select_by_keys, update_rows, AuditRow};
use crate::changes::{append_changes, NewChange};
use crate::commission::{PolicyRow, POLICY_COLS};
use crate::db::{audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg, Sql};
use chrono::NaiveDate;
use domain::changes::ChangeType;
use domain::commission::InsurancePolicy;
use domain::ids::CompanyId;
use domain::ports::{AuditContext, PolicyReceipt, RepoError};
use domain::upsert::{Decision, ReceiptRecordDraft, StoredReceipt, Written};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    policy: PolicyRow,
    external_id: Option<String>,
    receipt_external_id: Option<String>,
}

fn cols() -> String {
    format!("{POLICY_COLS}, external_id, receipt_external_id")
}

impl Row {
    fn split(self) -> (String, PolicyReceipt) {
        let policy = InsurancePolicy::from(self.policy);
        let receipt = StoredReceipt {
            external_id: self.receipt_external_id,
            returned_on: policy.receipt_returned_on,
        };
        (self.external_id.unwrap_or_default(), PolicyReceipt { policy, receipt })
    }
}

fn row_args(p: &InsurancePolicy, key: &str) -> Vec<Arg> {
    vec![
        Arg::Uuid(p.company_id.0),
        Arg::Uuid(p.id),
        Arg::Text(p.number.clone()),
        Arg::Uuid(p.agent_id.0),
        Arg::Uuid(p.client_id),
        Arg::Text(p.product.clone()),
        Arg::Int(p.premium_fen),
        Arg::Int(p.commission_fen),
        Arg::Date(p.printed_on),
        Arg::Date(p.effective_on),
        Arg::OptDate(p.receipt_returned_on),
        Arg::Ts(p.created_at),
        Arg::Text(key.to_owned()),
        Arg::OptText(None),
    ]
}

async fn keyed<T>(db: &Db, select: &str, company: CompanyId, column: &str, keys: &[String]) -> Result<Vec<T>, RepoError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Unpin
        + Send,
{
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new("");
    let c = sql.arg(Arg::Uuid(company.0));
    let list = sql.list(keys.iter().map(|k| Arg::Text(k.clone())));
    sql.push(&format!("{select} WHERE company_id = {c} AND {column} IN ({list})"));
    on_pool!(db, |p| {
        bind_args!(sqlx::query_as::<_, T>(&sql.text), &sql.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)
    })
}

pub(super) async fn by_external_id(
    db: &Db,
    company: CompanyId,
    keys: &[String],
) -> Result<HashMap<String, PolicyReceipt>, RepoError> {
    let select = format!("SELECT {} FROM insurance_policies", cols());
    let rows: Vec<Row> = keyed(db, &select, company, "external_id", keys).await?;
    Ok(rows.into_iter().map(Row::split).collect())
}

pub(super) async fn numbers(
    db: &Db,
    company: CompanyId,
    numbers: &[String],
) -> Result<HashMap<String, Option<String>>, RepoError> {
    let rows: Vec<(String, Option<String>)> = keyed(
        db,
        "SELECT number, external_id FROM insurance_policies",
        company,
        "number",
        numbers,
    )
    .await?;
    Ok(rows.into_iter().collect())
}

pub(super) async fn receipt_owners(
    db: &Db,
    company: CompanyId,
    keys: &[String],
) -> Result<HashMap<String, Uuid>, RepoError> {
    let rows: Vec<(String, Uuid)> = keyed(
        db,
        "SELECT receipt_external_id, id FROM insurance_policies",
        company,
        "receipt_external_id",
        keys,
    )
    .await?;
    Ok(rows.into_iter().collect())
}

pub(super) async fn upsert(
    db: &Db,
    ctx: &AuditContext,
    keys: &[String],
    rows: &[InsurancePolicy],
    decide: &dyn Fn(&InsurancePolicy, &InsurancePolicy) -> Decision<InsurancePolicy>,
) -> Result<Vec<Written>, RepoError> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let order = key_order(keys);
    let insert = insert_rows(
        "insurance_policies",
        &cols(),
        order.iter().map(|i| row_args(&rows[*i], &keys[*i])),
        "ON CONFLICT (company_id, external_id) WHERE external_id IS NOT NULL DO NOTHING RETURNING external_id",
    );
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        let created: HashSet<String> = bind_args!(sqlx::query_scalar::<_, String>(&insert.text), &insert.args)
            .fetch_all(&mut *tx)
            .await
            .map_err(repo_err)?
            .into_iter()
            .collect();
        let rest: Vec<String> = order
            .iter()
            .map(|i| keys[*i].clone())
            .filter(|k| !created.contains(k))
            .collect();
        let mut existing: HashMap<String, InsurancePolicy> = HashMap::new();
        if !rest.is_empty() {
            let sql = select_by_keys(
                db,
                &cols(),
                "insurance_policies",
                "external_id",
                ctx.company_id.0,
                &rest,
            );
            let found: Vec<Row> = bind_args!(sqlx::query_as::<_, Row>(&sql.text), &sql.args)
                .fetch_all(&mut *tx)
                .await
                .map_err(repo_err)?;
            for r in found {
                let (k, pr) = r.split();
                existing.insert(k, pr.policy);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut updates: Vec<InsurancePolicy> = Vec::new();
        let mut audits = Vec::new();
        let mut changes = Vec::new();
        for (pol, key) in rows.iter().zip(keys) {
            if created.contains(key) {
                out.push(Written::Created(pol.id));
                audits.push(AuditRow {
                    action: "create",
                    entity: "insurance_policy",
                    id: pol.id,
                    before: None,
                    after: audit_json(pol),
                });
                changes.push(NewChange::new(
                    ChangeType::PolicyCreated,
                    pol.id,
                    Some(pol.agent_id),
                    pol,
                    pol.created_at,
                ));
                continue;
            }
            let before = existing
                .get(key)
                .ok_or_else(|| RepoError::Storage(format!("policy {key} neither inserted nor found")))?;
            match decide(before, pol) {
                Decision::Unchanged => out.push(Written::Unchanged(before.id)),
                Decision::Refuse(r) => out.push(Written::Refused(r)),
                Decision::Update(after) => {
                    out.push(Written::Updated(after.id));
                    audits.push(AuditRow {
                        action: "update",
                        entity: "insurance_policy",
                        id: after.id,
                        before: audit_json(before),
                        after: audit_json(&after),
                    });
                    changes.push(NewChange::new(
                        ChangeType::PolicyUpdated,
                        after.id,
                        Some(after.agent_id),
                        &after,
                        ctx.at,
                    ));
                    updates.push(after);
                }
            }
        }
        if !updates.is_empty() {
            let sql = update_rows(
                "insurance_policies",
                &["number", "product"],
                updates.iter().map(|a| {
                    vec![
                        Arg::Uuid(a.company_id.0),
                        Arg::Uuid(a.id),
                        Arg::Text(a.number.clone()),
                        Arg::Text(a.product.clone()),
                    ]
                }),
            );
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        if !audits.is_empty() {
            let sql = audit_rows(ctx, &audits);
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        append_changes!(tx, ctx.company_id, &changes)?;
        tx.commit().await.map_err(repo_err)?;
        Ok(out)
    })
}

pub(super) async fn upsert_receipts(
    db: &Db,
    ctx: &AuditContext,
    rows: &[ReceiptRecordDraft],
    decide: &dyn Fn(&PolicyReceipt, &ReceiptRecordDraft) -> Decision<NaiveDate>,
) -> Result<Vec<Written>, RepoError> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let mut policy_keys: Vec<String> = rows.iter().map(|r| r.policy_external_id.clone()).collect();
    policy_keys.sort();
    policy_keys.dedup();
    on_pool!(db, |p| {
        // The policies' rows are the lock: taken first, in key order, like every batch.
        let mut tx = p.begin().await.map_err(repo_err)?;
        if matches!(db, Db::Sqlite(_)) {
            // SQLite: take the write lock before reading (a read transaction cannot upgrade once
            // another writer has committed); an UPDATE takes it even when it matches nothing.
            sqlx::query("UPDATE insurance_policies SET product = product WHERE 1 = 0")
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        let sql = select_by_keys(
            db,
            &cols(),
            "insurance_policies",
            "external_id",
            ctx.company_id.0,
            &policy_keys,
        );
        let found: Vec<Row> = bind_args!(sqlx::query_as::<_, Row>(&sql.text), &sql.args)
            .fetch_all(&mut *tx)
            .await
            .map_err(repo_err)?;
        let policies: HashMap<String, PolicyReceipt> = found.into_iter().map(Row::split).collect();
        let mut out = Vec::with_capacity(rows.len());
        let mut writes: Vec<(InsurancePolicy, InsurancePolicy, String)> = Vec::new();
        for r in rows {
            let Some(pr) = policies.get(&r.policy_external_id) else {
                out.push(Written::Refused(domain::upsert::Refusal::Invalid(
                    domain::ValidationErrors::single("/policy_external_id", "no policy has this external id"),
                )));
                continue;
            };
            match decide(pr, r) {
                Decision::Unchanged => out.push(Written::Unchanged(pr.policy.id)),
                Decision::Refuse(x) => out.push(Written::Refused(x)),
                Decision::Update(day) => {
                    out.push(Written::Created(pr.policy.id));
                    let after = InsurancePolicy {
                        receipt_returned_on: Some(day),
                        ..pr.policy.clone()
                    };
                    writes.push((pr.policy.clone(), after, r.external_id.clone()));
                }
            }
        }
        if !writes.is_empty() {
            let sql = update_rows(
                "insurance_policies",
                &["receipt_returned_on", "receipt_external_id"],
                writes.iter().map(|(_, a, key)| {
                    vec![
                        Arg::Uuid(a.company_id.0),
                        Arg::Uuid(a.id),
                        Arg::OptDate(a.receipt_returned_on),
                        Arg::Text(key.clone()),
                    ]
                }),
            );
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            let audits: Vec<AuditRow> = writes
                .iter()
                .map(|(b, a, _)| AuditRow {
                    action: "receipt",
                    entity: "insurance_policy",
                    id: a.id,
                    before: audit_json(b),
                    after: audit_json(a),
                })
                .collect();
            let sql = audit_rows(ctx, &audits);
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        let changes: Vec<NewChange> = writes
            .iter()
            .map(|(_, a, _)| NewChange::new(ChangeType::PolicyReceiptRecorded, a.id, Some(a.agent_id), a, ctx.at))
            .collect();
        append_changes!(tx, ctx.company_id, &changes)?;
        tx.commit().await.map_err(repo_err)?;
        Ok(out)
    })
}
