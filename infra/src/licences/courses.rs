//! CeCourseRepo (LIC-2) on both engines: CE courses, HR's decisions and the hours per year.

use super::{corrupt, CHUNK};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{CompanyId, UserId};
use domain::licence::{CeCourse, CeHours, CourseStatus};
use domain::ports::{AuditContext, CeCourseRepo, RepoError};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct CourseRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    taken_on: NaiveDate,
    hours_tenths: i64,
    provider: String,
    certificate_ref: Option<String>,
    evidence_ref: Option<String>,
    status: String,
    recorded_by: Uuid,
    recorded_at: DateTime<Utc>,
    decided_by: Option<Uuid>,
    decided_at: Option<DateTime<Utc>>,
    decision_note: Option<String>,
}

impl TryFrom<CourseRow> for CeCourse {
    type Error = RepoError;
    fn try_from(r: CourseRow) -> Result<Self, RepoError> {
        Ok(CeCourse {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            taken_on: r.taken_on,
            hours_tenths: r.hours_tenths,
            provider: r.provider,
            certificate_ref: r.certificate_ref,
            evidence_ref: r.evidence_ref,
            status: CourseStatus::parse(&r.status).ok_or_else(|| corrupt("course status"))?,
            recorded_by: UserId(r.recorded_by),
            recorded_at: r.recorded_at,
            decided_by: r.decided_by.map(UserId),
            decided_at: r.decided_at,
            decision_note: r.decision_note,
        })
    }
}

const COURSE_COLS: &str = "company_id, id, agent_id, taken_on, hours_tenths, provider, certificate_ref, evidence_ref, \
                           status, recorded_by, recorded_at, decided_by, decided_at, decision_note";

impl CeCourseRepo for Db {
    async fn ce_hours(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<UserId, CeHours>, RepoError> {
        let mut out = HashMap::new();
        for chunk in agents.chunks(CHUNK) {
            let mut sql = Sql::new("");
            let c = sql.arg(Arg::Uuid(company.0));
            let f = sql.arg(Arg::Date(from));
            let t = sql.arg(Arg::Date(to));
            let list = sql.list(chunk.iter().map(|a| Arg::Uuid(a.0)));
            sql.push(&format!(
                "SELECT agent_id, \
                   CAST(SUM(CASE WHEN status = 'confirmed' THEN hours_tenths ELSE 0 END) AS BIGINT) AS confirmed, \
                   CAST(SUM(CASE WHEN status = 'pending' THEN hours_tenths ELSE 0 END) AS BIGINT) AS pending \
                 FROM ce_courses WHERE company_id = {c} AND taken_on >= {f} AND taken_on <= {t} \
                 AND agent_id IN ({list}) GROUP BY agent_id"
            ));
            let rows: Vec<(Uuid, i64, i64)> = on_pool!(self, |p| {
                bind_args!(sqlx::query_as(&sql.text), &sql.args)
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)
            })?;
            for (a, confirmed, pending) in rows {
                out.insert(
                    UserId(a),
                    CeHours {
                        confirmed_tenths: confirmed,
                        pending_tenths: pending,
                    },
                );
            }
        }
        Ok(out)
    }

    async fn insert_ce_course(&self, ctx: &AuditContext, c: &CeCourse) -> Result<(), RepoError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO ce_courses ({COURSE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ))
            .bind(c.company_id.0)
            .bind(c.id)
            .bind(c.agent_id.0)
            .bind(c.taken_on)
            .bind(c.hours_tenths)
            .bind(&c.provider)
            .bind(&c.certificate_ref)
            .bind(&c.evidence_ref)
            .bind(c.status.as_str())
            .bind(c.recorded_by.0)
            .bind(c.recorded_at)
            .bind(c.decided_by.map(|u| u.0))
            .bind(c.decided_at)
            .bind(&c.decision_note)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, "create", "ce_course", c.id, None::<String>, audit_json(c))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_ce_course(&self, company: CompanyId, id: Uuid) -> Result<Option<CeCourse>, RepoError> {
        on_pool!(self, |pool| {
            let row: Option<CourseRow> = sqlx::query_as(&format!(
                "SELECT {COURSE_COLS} FROM ce_courses WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(repo_err)?;
            row.map(CeCourse::try_from).transpose()
        })
    }

    async fn ce_courses_of(
        &self,
        company: CompanyId,
        agent: UserId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CeCourse>, RepoError> {
        on_pool!(self, |pool| {
            let rows: Vec<CourseRow> = sqlx::query_as(&format!(
                "SELECT {COURSE_COLS} FROM ce_courses WHERE company_id = $1 AND agent_id = $2 \
                 AND taken_on >= $3 AND taken_on <= $4 ORDER BY taken_on, id"
            ))
            .bind(company.0)
            .bind(agent.0)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(CeCourse::try_from).collect()
        })
    }

    async fn decide_ce_course(
        &self,
        ctx: &AuditContext,
        before: &CeCourse,
        after: &CeCourse,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            let n = sqlx::query(
                "UPDATE ce_courses SET status = $3, decided_by = $4, decided_at = $5, decision_note = $6 \
                 WHERE company_id = $1 AND id = $2 AND status = 'pending'",
            )
            .bind(after.company_id.0)
            .bind(after.id)
            .bind(after.status.as_str())
            .bind(after.decided_by.map(|u| u.0))
            .bind(after.decided_at)
            .bind(&after.decision_note)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?
            .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            audit!(
                tx,
                ctx,
                after.status.as_str(),
                "ce_course",
                after.id,
                audit_json(before),
                audit_json(after)
            )?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }
}
