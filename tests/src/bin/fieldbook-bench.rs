//! Fieldbook benchmarks: commands that print figures (not timed tests).
//!
//!   cargo run --release -p tests --bin fieldbook-bench -- activities [--seconds N]
//!   cargo run --release -p tests --bin fieldbook-bench -- month-eval [--agents 10000,20000]
//!   cargo run --release -p tests --bin fieldbook-bench -- settle [--agents 10000]   (10 policies per agent)
//!   cargo run --release -p tests --bin fieldbook-bench -- reads [--agents 10000] [--seconds N] [--reuse]
//!   cargo run --release -p tests --bin fieldbook-bench -- crm [--batches 20]
//!
//! `activities`: on a fresh PostgreSQL database (FIELDBOOK_BENCH_DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/fieldbook_bench, dropped and recreated), starts the real
//! server (release build, in this process, over loopback HTTP) and a bare "floor" handler that
//! performs the same insert with no auth, validation or idempotency, then measures single
//! `POST /v1/activities` and 500-item `POST /v1/activities:batch` at 16 and 64 concurrent
//! clients: sustained requests/s, activities/s, p50 and p99 latency.

use chrono::Utc;
use domain::ids::CompanyId;
use infra::Db;
use sqlx::Connection;
use std::time::Instant;
use uuid::Uuid;

// The activities benchmark lives beside this file (a directory without main.rs is no bin).
#[path = "fieldbook-bench/activities.rs"]
mod activities;
#[path = "fieldbook-bench/crm.rs"]
mod crm;
#[path = "fieldbook-bench/reads.rs"]
mod reads;

const PASSWORD: &str = "bench-password-123";

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    match args.get(1).map(String::as_str) {
        Some("activities") => activities::activities(seconds).await,
        Some("crm") => {
            let batches: usize = args
                .iter()
                .position(|a| a == "--batches")
                .and_then(|i| args.get(i + 1))
                .and_then(|s| s.parse().ok())
                .unwrap_or(20);
            crm::crm(batches).await
        }
        Some("month-eval") => {
            let sizes: Vec<i64> = args
                .iter()
                .position(|a| a == "--agents")
                .and_then(|i| args.get(i + 1))
                .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
                .unwrap_or_else(|| vec![10_000, 20_000]);
            month_eval(&sizes).await
        }
        Some("reads") => {
            let agents: i64 = args
                .iter()
                .position(|a| a == "--agents")
                .and_then(|i| args.get(i + 1))
                .and_then(|s| s.parse().ok())
                .unwrap_or(10_000);
            reads::reads(agents, seconds, args.iter().any(|a| a == "--reuse")).await
        }
        Some("settle") => {
            let agents: i64 = args
                .iter()
                .position(|a| a == "--agents")
                .and_then(|i| args.get(i + 1))
                .and_then(|s| s.parse().ok())
                .unwrap_or(10_000);
            settle_bench(agents).await
        }
        _ => {
            eprintln!(
                "usage: fieldbook-bench activities [--seconds N] | month-eval [--agents 10000,20000] | settle [--agents 10000] \
                 | reads [--agents 10000] [--seconds N] [--reuse] | crm [--batches 20]"
            );
            std::process::exit(2);
        }
    }
}

/// The latencies (sorted) and the error count of a load run's client tasks.
async fn gather(
    tasks: Vec<tokio::task::JoinHandle<(Vec<std::time::Duration>, usize)>>,
) -> (Vec<std::time::Duration>, usize) {
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    all.sort();
    (all, errors)
}

/// The `p` quantile (0..1) of sorted latencies; zero when there are none.
fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

async fn fresh_database() -> anyhow::Result<String> {
    let url = std::env::var("FIELDBOOK_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/fieldbook_bench".to_owned());
    recreate(&url).await?;
    Ok(url)
}

async fn recreate(url: &str) -> anyhow::Result<()> {
    let (server, name) = url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("bad database URL"))?;
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres")).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await?;
    Ok(())
}

const BENCH_COMPANY: &str = "00000000-0000-0000-0000-0000000000c1";
const BENCH_BRANCH: &str = "00000000-0000-0000-0000-0000000000b1";

/// A month (November 2026, Mon–Sat working) for `agents` agents in teams of 20: about
/// 9.6 activities and one diary per agent-day, with realistic gaps (dropped visits, short and
/// voided calls, late, missing and unreviewed diaries). Generated inside PostgreSQL.
async fn generate_month(pool: &sqlx::PgPool, agents: i64) -> anyhow::Result<()> {
    generate_org(pool, agents).await?;
    generate_activity(pool, agents).await
}

/// Company, branch, teams of 20 with supervisors, agents and one client each.
async fn generate_org(pool: &sqlx::PgPool, agents: i64) -> anyhow::Result<()> {
    let teams = (agents + 19) / 20;
    let c = BENCH_COMPANY;
    let b = BENCH_BRANCH;
    let statements = [
        format!("INSERT INTO companies (id, name, created_at) VALUES ('{c}', 'Bench', '2026-10-01T00:00:00Z')"),
        format!(
            "INSERT INTO branches (company_id, id, name, time_zone, working_weekdays, morning_start, morning_end, evening_start, \
             evening_end, created_at, updated_at) VALUES ('{c}', '{b}', 'Bench', 'Asia/Shanghai', 'mon,tue,wed,thu,fri,sat', \
             '08:30', '09:30', '17:30', '18:30', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z')"
        ),
        format!(
            "INSERT INTO users (company_id, id, email, name, phone, role, branch_id, team_id, active, password_hash, created_at, updated_at) \
             SELECT '{c}', md5('sup' || t)::uuid, 'sup' || t || '@bench', 'Sup ' || t, NULL, 'supervisor', '{b}', NULL, TRUE, 'x', \
             '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z' FROM generate_series(1, {teams}) t"
        ),
        format!(
            "INSERT INTO teams (company_id, id, branch_id, name, supervisor_id, created_at, updated_at) \
             SELECT '{c}', md5('team' || t)::uuid, '{b}', 'Team ' || t, md5('sup' || t)::uuid, '2026-10-01T00:00:00Z', \
             '2026-10-01T00:00:00Z' FROM generate_series(1, {teams}) t"
        ),
        format!(
            "INSERT INTO users (company_id, id, email, name, phone, role, branch_id, team_id, active, password_hash, created_at, updated_at) \
             SELECT '{c}', md5('agent' || i)::uuid, 'agent' || i || '@bench', 'Agent ' || i, NULL, 'agent', '{b}', \
             md5('team' || ((i - 1) / 20 + 1))::uuid, TRUE, 'x', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z' \
             FROM generate_series(1, {agents}) i"
        ),
        format!(
            "INSERT INTO clients (company_id, id, agent_id, name, phone, address, household_notes, tags, external_id, phone_conflict, \
             created_at, updated_at) SELECT '{c}', md5('client' || i)::uuid, md5('agent' || i)::uuid, 'Client ' || i, NULL, NULL, \
             NULL, '[]', NULL, FALSE, '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z' FROM generate_series(1, {agents}) i"
        ),

    ];
    for s in statements {
        sqlx::query(&s).execute(pool).await?;
    }
    Ok(())
}

/// About 9.6 activities and one diary per agent-day of November 2026, with details that
/// fit each kind (the read paths decode them).
async fn generate_activity(pool: &sqlx::PgPool, agents: i64) -> anyhow::Result<()> {
    let c = BENCH_COMPANY;
    let statements = [
        format!(
            "INSERT INTO activities (company_id, id, agent_id, kind, occurred_at, received_at, business_day, client_id, outlet_id, \
             duration_seconds, accompanied_by, device_call_id, details, body_hash, voided_at, voided_by, void_reason) \
             SELECT '{c}', md5('act' || i || '-' || days.d || '-' || k)::uuid, md5('agent' || i)::uuid, \
               CASE WHEN k <= 3 THEN 'face_visit' ELSE 'phone_service' END, \
               (days.d + make_interval(hours => 9 + k)) AT TIME ZONE 'Asia/Shanghai', \
               (days.d + make_interval(hours => 9 + k, mins => 5)) AT TIME ZONE 'Asia/Shanghai', days.d, \
               md5('client' || i)::uuid, NULL, \
               CASE WHEN k > 3 THEN 20 + abs(hashtext('dur' || i || days.d || k)) % 150 END, NULL, NULL, \
               CASE WHEN k <= 3 THEN '{{}}' ELSE '{{\"duration_seconds\": ' || (20 + abs(hashtext('dur' || i || days.d || k)) % 150) \
                 || ', \"purpose\": \"client_greeting\"}}' END, 'bench', \
               CASE WHEN abs(hashtext('void' || i || days.d || k)) % 100 = 0 THEN (days.d + time '20:00') AT TIME ZONE 'Asia/Shanghai' END, \
               CASE WHEN abs(hashtext('void' || i || days.d || k)) % 100 = 0 THEN md5('agent' || i)::uuid END, \
               CASE WHEN abs(hashtext('void' || i || days.d || k)) % 100 = 0 THEN 'duplicate' END \
             FROM generate_series(1, {agents}) i CROSS JOIN (SELECT d::date AS d FROM generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') d WHERE extract(dow FROM d) <> 0) days CROSS JOIN generate_series(1, 10) k \
             WHERE abs(hashtext('keep' || i || days.d || k)) % 25 <> 0"
        ),
        format!(
            "INSERT INTO diaries (company_id, id, agent_id, date, status, version, notes, plan, summary, first_submitted_at, \
             submitted_at, review_deadline, reviewed_at, reviewed_by, created_at, updated_at) \
             SELECT '{c}', md5('diary' || i || days.d)::uuid, md5('agent' || i)::uuid, days.d, \
               CASE WHEN h % 25 = 0 THEN 'submitted' ELSE 'approved' END, 2, 'visited and called', '{{}}', NULL, \
               sub, sub, (days.d + 1 + time '18:30') AT TIME ZONE 'Asia/Shanghai', \
               CASE WHEN h % 25 = 0 THEN NULL ELSE (days.d + 1 + time '09:00') AT TIME ZONE 'Asia/Shanghai' END, \
               md5('sup' || ((i - 1) / 20 + 1))::uuid, sub, sub \
             FROM (SELECT i, days.d, abs(hashtext('diary' || i || days.d)) AS h FROM generate_series(1, {agents}) i CROSS JOIN (SELECT d::date AS d FROM generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') d WHERE extract(dow FROM d) <> 0) days) days \
             CROSS JOIN LATERAL (SELECT CASE WHEN h % 20 = 1 THEN (days.d + 1 + time '00:30') \
                                              WHEN h % 33 = 2 THEN (days.d + 2 + time '12:00') \
                                              ELSE (days.d + time '21:00') END AT TIME ZONE 'Asia/Shanghai' AS sub) s \
             WHERE h % 40 <> 3"
        ),
        "ANALYZE".to_owned(),
    ];
    for s in statements {
        sqlx::query(&s).execute(pool).await?;
    }
    Ok(())
}

async fn month_eval(sizes: &[i64]) -> anyhow::Result<()> {
    use domain::ports::OrganisationRepo;
    let base_url = std::env::var("FIELDBOOK_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/fieldbook_bench".to_owned());
    let url = format!("{base_url}_eval");
    println!("Fieldbook month evaluation benchmark (PostgreSQL, release build, November 2026, 25 working days)");
    println!(
        "{:>8} {:>12} {:>10} {:>12} {:>14} {:>12} {:>14}",
        "agents", "activities", "diaries", "generate s", "close-month s", "entries", "re-close s"
    );
    let mut per_agent = Vec::new();
    for &agents in sizes {
        recreate(&url).await?;
        let db = Db::connect(&url, 8).await?;
        db.migrate().await?;
        let Db::Postgres(pool) = &db else {
            anyhow::bail!("the benchmark needs PostgreSQL")
        };
        let t = Instant::now();
        generate_month(pool, agents).await?;
        let generated = t.elapsed();
        let n_act: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activities")
            .fetch_one(pool)
            .await?;
        let n_dia: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM diaries")
            .fetch_one(pool)
            .await?;
        let company = CompanyId(Uuid::parse_str(BENCH_COMPANY)?);
        let branch = db
            .get_branch(company, domain::ids::BranchId(Uuid::parse_str(BENCH_BRANCH)?))
            .await?
            .ok_or_else(|| anyhow::anyhow!("bench branch missing"))?;
        let now = "2026-12-10T04:00:00Z".parse::<chrono::DateTime<Utc>>()?;
        let ctx = api::app::context::of_branch(&db, branch).await?;
        let month = domain::period::Month::new(2026, 11).ok_or_else(|| anyhow::anyhow!("bad month"))?;
        let t = Instant::now();
        let report = api::app::close_month::close_month(&db, &ctx, month, now).await?;
        let first = t.elapsed();
        let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM penalty_entries")
            .fetch_one(pool)
            .await?;
        let t = Instant::now();
        let again = api::app::close_month::close_month(&db, &ctx, month, now).await?;
        let second = t.elapsed();
        if again.days.penalties_posted + again.days.adjustments_posted != 0 || report.agents as i64 != agents {
            anyhow::bail!("re-closing changed the ledger or agents were missed: {report:?} / {again:?}");
        }
        println!(
            "{:>8} {:>12} {:>10} {:>12.1} {:>14.2} {:>12} {:>14.2}",
            agents,
            n_act,
            n_dia,
            generated.as_secs_f64(),
            first.as_secs_f64(),
            entries,
            second.as_secs_f64()
        );
        per_agent.push(first.as_secs_f64() / agents as f64);
        db.close().await;
    }
    if per_agent.len() >= 2 {
        println!(
            "time per agent grows {:.2}x from the smallest to the largest run (1.00x = linear)",
            per_agent[per_agent.len() - 1] / per_agent[0]
        );
    }
    Ok(())
}

/// COM-8 at scale: 10 policies per agent printed in October 2026 (a fifth without a passed
/// callback, a tenth without a receipt, some receipts late), settled at the 20 October cut-off.
async fn settle_bench(agents: i64) -> anyhow::Result<()> {
    use domain::ports::OrganisationRepo;
    let base_url = std::env::var("FIELDBOOK_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/fieldbook_bench".to_owned());
    let url = format!("{base_url}_settle");
    recreate(&url).await?;
    let db = Db::connect(&url, 8).await?;
    db.migrate().await?;
    let Db::Postgres(pool) = &db else {
        anyhow::bail!("the benchmark needs PostgreSQL")
    };
    let policies = agents * 10;
    let c = BENCH_COMPANY;
    let t = Instant::now();
    generate_org(pool, agents).await?;
    for s in [
        format!(
            "INSERT INTO insurance_policies (company_id, id, number, agent_id, client_id, product, premium_fen, commission_fen, \
             printed_on, effective_on, receipt_returned_on, created_at) \
             SELECT '{c}', md5('pol' || n)::uuid, 'N' || n, md5('agent' || ((n - 1) % {agents} + 1))::uuid, \
               md5('client' || ((n - 1) % {agents} + 1))::uuid, 'Term life', 1000000, 10000 + n % 5000, \
               date '2026-10-01' + (n % 18)::int, CASE WHEN n % 41 = 0 THEN date '2026-05-01' ELSE date '2026-10-01' + (n % 18)::int END, \
               CASE WHEN n % 10 = 0 THEN NULL ELSE date '2026-10-02' + (n % 17)::int END, '2026-10-01T00:00:00Z' \
             FROM generate_series(1, {policies}) n"
        ),
        format!(
            "INSERT INTO policy_events (company_id, id, policy_id, seq, kind, payload, actor_id, at) \
             SELECT '{c}', md5('ev' || n)::uuid, md5('pol' || n)::uuid, 0, 'callback', \
               '{{\"category\":\"success\",\"forged_signature\":false,\"misleading\":false,\"number_changed\":false,\"at\":\"2026-10-12T02:00:00Z\",\"reason\":null,\"notes\":null,\"round\":\"first_round\"}}', \
               md5('agent' || ((n - 1) % {agents} + 1))::uuid, '2026-10-12T02:00:00Z' \
             FROM generate_series(1, {policies}) n WHERE n % 5 <> 0"
        ),
        "ANALYZE".to_owned(),
    ] {
        sqlx::query(&s).execute(pool).await?;
    }
    let generated = t.elapsed();
    let company = CompanyId(Uuid::parse_str(BENCH_COMPANY)?);
    let branch = db
        .get_branch(company, domain::ids::BranchId(Uuid::parse_str(BENCH_BRANCH)?))
        .await?
        .ok_or_else(|| anyhow::anyhow!("bench branch missing"))?;
    let now = "2026-10-21T04:00:00Z".parse::<chrono::DateTime<Utc>>()?;
    let ctx = api::app::context::of_branch(&db, branch).await?;
    let october = domain::period::Month::parse("2026-10").ok_or_else(|| anyhow::anyhow!("bad month"))?;
    let t = Instant::now();
    let first = api::app::settlement::settle(&db, &ctx, october, now).await?;
    let took = t.elapsed();
    let t = Instant::now();
    let again = api::app::settlement::settle(&db, &ctx, october, now).await?;
    let took_again = t.elapsed();
    if again.entries_posted != 0 || again.statements != 0 {
        anyhow::bail!("re-settling changed the ledger: {again:?}");
    }
    println!("Fieldbook settlement benchmark (PostgreSQL, release build, October 2026 cut-off)");
    println!(
        "{:>8} {:>10} {:>12} {:>14} {:>12} {:>12} {:>14}",
        "agents", "policies", "generate s", "settle s", "entries", "statements", "re-settle s"
    );
    println!(
        "{:>8} {:>10} {:>12.1} {:>14.2} {:>12} {:>12} {:>14.2}",
        agents,
        first.policies,
        generated.as_secs_f64(),
        took.as_secs_f64(),
        first.entries_posted,
        first.statements,
        took_again.as_secs_f64()
    );
    db.close().await;
    Ok(())
}
