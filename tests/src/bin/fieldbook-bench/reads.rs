//! The `reads` benchmark: the apps' hot read paths at company scale, each beside a floor — a
//! bare handler (no auth, no validation, no JSON mapping beyond the rows) running the indexed
//! query the path cannot do without.

use super::{generate_month, recreate, BENCH_COMPANY, PASSWORD};
use actix_web::{web, App, HttpResponse, HttpServer};
use api::config::Config;
use api::startup::Application;
use infra::Db;
use serde_json::Value;
use std::time::{Duration, Instant};
use uuid::Uuid;

const SUPERVISOR: &str = "sup7@bench";
const AGENT: &str = "agent121@bench";
/// A Friday of the generated month, for the dashboard (today's date has no data yet at the
/// start of a business day; a finished day is what the evening meeting reviews).
const DAY: &str = "2026-11-20";

struct Figures {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

async fn get_load(http: &reqwest::Client, url: &str, token: Option<&str>, clients: usize, seconds: u64) -> Figures {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let http = http.clone();
        let url = url.to_owned();
        let token = token.map(str::to_owned);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let mut req = http.get(&url);
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                let t = Instant::now();
                let ok = match req.send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                lat.push(t.elapsed());
                if !ok {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let (all, errors) = super::gather(tasks).await;
    let elapsed = started.elapsed();
    let pct = |p: f64| super::percentile(&all, p);
    Figures {
        requests: all.len(),
        errors,
        elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

/// The floors: the one indexed query each read path needs, as bare as a handler gets.
async fn floor(db: web::Data<Db>, name: web::Path<String>, q: web::Query<Vec<(String, String)>>) -> HttpResponse {
    let Db::Postgres(pool) = db.get_ref() else {
        return HttpResponse::InternalServerError().finish();
    };
    let arg = |k: &str| {
        q.iter()
            .find(|(key, _)| key == k)
            .and_then(|(_, v)| v.parse::<Uuid>().ok())
            .unwrap_or_default()
    };
    let company = arg("company");
    let sql = match name.as_str() {
        // The team's activity counts on the day, per agent.
        "dashboard" => {
            "SELECT a.agent_id, COUNT(*) FILTER (WHERE a.kind = 'face_visit'), COUNT(*) FILTER (WHERE a.kind = 'phone_service') \
             FROM users u JOIN activities a ON a.company_id = u.company_id AND a.agent_id = u.id AND a.business_day = $3::date \
             WHERE u.company_id = $1 AND u.team_id = $2 AND a.voided_at IS NULL GROUP BY a.agent_id"
        }
        // The newest 50 activities of the teams a supervisor leads.
        "team-list" => {
            "SELECT x.id, x.occurred_at, x.details FROM users u JOIN teams t ON t.company_id = u.company_id AND t.id = u.team_id \
             CROSS JOIN LATERAL (SELECT id, occurred_at, details FROM activities a WHERE a.company_id = u.company_id \
             AND a.agent_id = u.id ORDER BY occurred_at DESC, id DESC LIMIT 50) x \
             WHERE u.company_id = $1 AND t.supervisor_id = $2 AND $3::date IS NOT NULL ORDER BY x.occurred_at DESC, x.id DESC LIMIT 50"
        }
        // The newest 50 activities of one agent.
        "agent-list" => {
            "SELECT id, occurred_at, details FROM activities WHERE company_id = $1 AND agent_id = $2 AND $3::date IS NOT NULL \
             ORDER BY occurred_at DESC, id DESC LIMIT 50"
        }
        // One agent's counts today.
        "today" => {
            "SELECT kind, COUNT(*) FROM activities WHERE company_id = $1 AND agent_id = $2 AND business_day = $3::date \
             AND voided_at IS NULL GROUP BY kind"
        }
        // One activity by key.
        "activity" => "SELECT id, occurred_at, details FROM activities WHERE company_id = $1 AND id = $2 AND $3::date IS NOT NULL",
        _ => return HttpResponse::NotFound().finish(),
    };
    let day = q
        .iter()
        .find(|(k, _)| k == "day")
        .and_then(|(_, v)| v.parse::<chrono::NaiveDate>().ok())
        .unwrap_or_default();
    match sqlx::query(sql)
        .bind(company)
        .bind(arg("key"))
        .bind(day)
        .fetch_all(pool)
        .await
    {
        Ok(rows) => HttpResponse::Ok().json(rows.len()),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

async fn login(http: &reqwest::Client, base: &str, email: &str) -> anyhow::Result<String> {
    let r: Value = http
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    r["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("login of {email} failed: {r}"))
}

pub(super) async fn reads(agents: i64, seconds: u64, reuse: bool) -> anyhow::Result<()> {
    let base_url = std::env::var("FIELDBOOK_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/fieldbook_bench".to_owned());
    let url = format!("{base_url}_reads");
    let t = Instant::now();
    if !reuse {
        recreate(&url).await?;
        let db = Db::connect(&url, 4).await?;
        db.migrate().await?;
        let Db::Postgres(pool) = &db else {
            anyhow::bail!("the benchmark needs PostgreSQL")
        };
        generate_month(pool, agents).await?;
        db.close().await;
    }
    let generated = t.elapsed();
    let config = Config {
        database_url: url.clone(),
        http_addr: "127.0.0.1:0".into(),
        db_max_connections: 16,
        jobs_interval_secs: 0,
        ..Config::default()
    };
    let app = Application::build(config).await?;
    let Db::Postgres(pool) = &app.state.db else {
        anyhow::bail!("the benchmark needs PostgreSQL")
    };
    // Two real accounts among the generated ones.
    let hash = api::auth::hash_password_blocking(PASSWORD.to_owned(), 19 * 1024).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE email IN ($2, $3)")
        .bind(&hash)
        .bind(SUPERVISOR)
        .bind(AGENT)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO login_emails (email, company_id, user_id) SELECT email, company_id, id FROM users \
         WHERE email IN ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(SUPERVISOR)
    .bind(AGENT)
    .execute(pool)
    .await?;
    let n_act: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activities")
        .fetch_one(pool)
        .await?;
    let team: Uuid =
        sqlx::query_scalar("SELECT id FROM teams WHERE supervisor_id = (SELECT id FROM users WHERE email = $1)")
            .bind(SUPERVISOR)
            .fetch_one(pool)
            .await?;
    let (sup_id, agent_id): (Uuid, Uuid) =
        sqlx::query_as("SELECT (SELECT id FROM users WHERE email = $1), (SELECT id FROM users WHERE email = $2)")
            .bind(SUPERVISOR)
            .bind(AGENT)
            .fetch_one(pool)
            .await?;
    let activity: Uuid = sqlx::query_scalar("SELECT id FROM activities WHERE agent_id = $1 LIMIT 1")
        .bind(agent_id)
        .fetch_one(pool)
        .await?;
    let base = format!("http://127.0.0.1:{}", app.port);
    tokio::spawn(app.server);

    let floor_db = Db::connect(&url, 16).await?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let floor_port = listener.local_addr()?.port();
    let data = web::Data::new(floor_db);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/floor/{name}", web::get().to(floor))
    })
    .listen(listener)?
    .run();
    tokio::spawn(server);
    let floor_base = format!("http://127.0.0.1:{floor_port}");

    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build()?;
    let sup = login(&http, &base, SUPERVISOR).await?;
    let agent = login(&http, &base, AGENT).await?;
    // The generated branch is in Asia/Shanghai (UTC+8, no daylight saving).
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    let c = BENCH_COMPANY;
    let rows: Vec<(&str, String, &str, String)> = vec![
        (
            "GET /v1/teams/{id}/dashboard",
            format!("{base}/v1/teams/{team}/dashboard?date={DAY}"),
            &sup,
            format!("{floor_base}/floor/dashboard?company={c}&key={team}&day={DAY}"),
        ),
        (
            "GET /v1/activities?limit=50 (supervisor)",
            format!("{base}/v1/activities?limit=50"),
            &sup,
            format!("{floor_base}/floor/team-list?company={c}&key={sup_id}&day={DAY}"),
        ),
        (
            "GET /v1/activities?limit=50 (agent)",
            format!("{base}/v1/activities?limit=50"),
            &agent,
            format!("{floor_base}/floor/agent-list?company={c}&key={agent_id}&day={DAY}"),
        ),
        (
            "GET /v1/agents/me/today",
            format!("{base}/v1/agents/me/today"),
            &agent,
            format!("{floor_base}/floor/today?company={c}&key={agent_id}&day={today}"),
        ),
        (
            "GET /v1/activities/{id}",
            format!("{base}/v1/activities/{activity}"),
            &agent,
            format!("{floor_base}/floor/activity?company={c}&key={activity}&day={DAY}"),
        ),
    ];
    println!(
        "Fieldbook read paths ({agents} agents in teams of 20, {n_act} activities in November 2026, PostgreSQL, \
         release build, {seconds} s per row, 16 clients; data generated in {:.0} s)",
        generated.as_secs_f64()
    );
    println!(
        "{:<44} {:>10} {:>9} {:>9} {:>7} | {:>10} {:>9} {:>9} | {:>8}",
        "path", "req/s", "p50 ms", "p99 ms", "errors", "floor r/s", "p50 ms", "p99 ms", "ratio"
    );
    for (label, url, token, floor_url) in rows {
        let api = get_load(&http, &url, Some(token), 16, seconds).await;
        let bare = get_load(&http, &floor_url, None, 16, seconds).await;
        let rate = |f: &Figures| f.requests as f64 / f.elapsed.as_secs_f64();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<44} {:>10.0} {:>9.2} {:>9.2} {:>7} | {:>10.0} {:>9.2} {:>9.2} | {:>7.0}%",
            label,
            rate(&api),
            ms(api.p50),
            ms(api.p99),
            api.errors,
            rate(&bare),
            ms(bare.p50),
            ms(bare.p99),
            100.0 * rate(&api) / rate(&bare).max(f64::EPSILON),
        );
        if bare.errors > 0 {
            println!("  (the floor had {} errors)", bare.errors);
        }
    }
    Ok(())
}
