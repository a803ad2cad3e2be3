//! The `activities` benchmark: single and batch uploads through the real server against a
//! bare "floor" handler doing the same insert (see the command's description in main).

use super::{fresh_database, PASSWORD};
use actix_web::{web, App, HttpResponse, HttpServer};
use api::config::Config;
use api::startup::Application;
use chrono::Utc;
use domain::activity::{Activity, ActivityKind};
use domain::ids::{CompanyId, UserId};
use domain::ports::ActivityRepo;
use infra::Db;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

struct Agent {
    token: String,
    client_id: String,
}

async fn setup(base: &str, http: &reqwest::Client, n: usize) -> anyhow::Result<Vec<Agent>> {
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut r = http.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    };
    let login = |email: String| {
        let req = post("/v1/auth/login", None, json!({"email": email, "password": PASSWORD}));
        async move {
            let v: Value = req.send().await?.json().await?;
            anyhow::Ok(v["access_token"].as_str().unwrap_or_default().to_owned())
        }
    };
    let admin = login("admin@bench.local".into()).await?;
    let id = |v: Value| v["id"].as_str().unwrap_or_default().to_owned();
    let branch = id(post("/v1/branches", Some(&admin), json!({"name": "Bench"}))
        .send()
        .await?
        .json()
        .await?);
    let sup = id(post("/v1/users", Some(&admin), json!({"email": "sup@bench.local", "name": "Sup", "password": PASSWORD, "role": "supervisor", "branch_id": branch})).send().await?.json().await?);
    let team = id(post(
        "/v1/teams",
        Some(&admin),
        json!({"branch_id": branch, "name": "T", "supervisor_id": sup}),
    )
    .send()
    .await?
    .json()
    .await?);
    let mut agents = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("agent{i}@bench.local");
        post("/v1/users", Some(&admin), json!({"email": email, "name": format!("Agent {i}"), "password": PASSWORD, "role": "agent", "team_id": team}))
            .send()
            .await?;
        let token = login(email).await?;
        let client_id = id(
            post("/v1/clients", Some(&token), json!({"name": format!("Client {i}")}))
                .send()
                .await?
                .json()
                .await?,
        );
        agents.push(Agent { token, client_id });
    }
    Ok(agents)
}

fn activity_json(client: &str) -> Value {
    json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": Utc::now(), "client_id": client,
           "details": {"duration_seconds": 60, "purpose": "client_greeting"}})
}

/// The floor: the same rows written by the same repository call, with nothing else.
async fn floor_single(db: web::Data<Db>, body: web::Json<Value>) -> HttpResponse {
    write_floor(&db, vec![body.into_inner()]).await
}

async fn floor_batch(db: web::Data<Db>, body: web::Json<Value>) -> HttpResponse {
    let items = body.into_inner()["items"].as_array().cloned().unwrap_or_default();
    write_floor(&db, items).await
}

async fn write_floor(db: &Db, items: Vec<Value>) -> HttpResponse {
    let now = Utc::now();
    let acts: Vec<Activity> = items
        .into_iter()
        .map(|v| Activity {
            company_id: CompanyId(Uuid::parse_str(v["company"].as_str().unwrap_or_default()).unwrap_or_default()),
            id: Uuid::parse_str(v["id"].as_str().unwrap_or_default()).unwrap_or_default(),
            agent_id: UserId(Uuid::parse_str(v["agent"].as_str().unwrap_or_default()).unwrap_or_default()),
            kind: ActivityKind::PhoneService,
            occurred_at: now,
            received_at: now,
            business_day: now.date_naive(),
            client_id: Uuid::parse_str(v["client_id"].as_str().unwrap_or_default()).ok(),
            outlet_id: None,
            duration_seconds: Some(60),
            accompanied_by: None,
            device_call_id: None,
            details: v["details"].clone(),
            body_hash: String::new(),
            voided_at: None,
            voided_by: None,
            void_reason: None,
        })
        .collect();
    // The same write as the API's, audit records included.
    let Some(company) = acts.first().map(|a| a.company_id) else {
        return HttpResponse::Ok().finish();
    };
    let audit = domain::ports::AuditContext {
        company_id: company,
        actor_id: None,
        request_id: "bench-floor".into(),
        at: now,
        integration_client_id: None,
    };
    match db.insert_activities(&audit, &acts, None).await {
        Ok(_) => HttpResponse::Ok().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

struct Figures {
    requests: usize,
    errors: usize,
    activities: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

/// `clients` tasks send back-to-back requests for `seconds`; each request carries `per_request` activities.
async fn load(
    http: &reqwest::Client,
    url: &str,
    agents: &[Agent],
    extra: &[(String, String)],
    clients: usize,
    per_request: usize,
    seconds: u64,
) -> Figures {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let http = http.clone();
        let url = url.to_owned();
        let agent = &agents[c % agents.len()];
        let token = agent.token.clone();
        let client = agent.client_id.clone();
        // Only the floor needs the owner spelled out (it has no token to read it from).
        let owner = (!extra.is_empty()).then(|| extra[c % extra.len()].clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let mk = || {
                    let mut a = activity_json(&client);
                    if let Some((company, agent_id)) = &owner {
                        a["company"] = json!(company);
                        a["agent"] = json!(agent_id);
                    }
                    a
                };
                let body = if per_request == 1 {
                    mk()
                } else {
                    json!({"items": (0..per_request).map(|_| mk()).collect::<Vec<_>>()})
                };
                let t = Instant::now();
                let ok = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
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
        activities: (all.len() - errors) * per_request,
        elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

pub(super) async fn activities(seconds: u64) -> anyhow::Result<()> {
    let url = fresh_database().await?;
    let config = Config {
        database_url: url.clone(),
        http_addr: "127.0.0.1:0".into(),
        db_max_connections: 16,
        admin_email: Some("admin@bench.local".into()),
        admin_password: Some(PASSWORD.into()),
        // The rate limit stays on (its round trip is part of the cost measured) but far above
        // what one benchmark client sends.
        write_rate_per_sec: 1_000_000,
        write_burst: 1_000_000,
        ..Config::default()
    };
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port);
    tokio::spawn(app.server);

    let floor_db = Db::connect(&url, 16).await?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let floor_port = listener.local_addr()?.port();
    let data = web::Data::new(floor_db);
    let floor = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::JsonConfig::default().limit(4 * 1024 * 1024))
            .route("/floor/single", web::post().to(floor_single))
            .route("/floor/batch", web::post().to(floor_batch))
    })
    .listen(listener)?
    .run();
    tokio::spawn(floor);
    let floor_base = format!("http://127.0.0.1:{floor_port}");

    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build()?;
    let agents = Arc::new(setup(&base, &http, 64).await?);
    // The floor writes rows for the same company and agents.
    let me: Vec<(String, String)> = {
        let mut v = Vec::new();
        for a in agents.iter() {
            let m: Value = http
                .get(format!("{base}/v1/me"))
                .bearer_auth(&a.token)
                .send()
                .await?
                .json()
                .await?;
            let company: Option<Uuid> = match &app.state.db {
                Db::Postgres(p) => {
                    sqlx::query_scalar("SELECT company_id FROM users LIMIT 1")
                        .fetch_optional(p)
                        .await?
                }
                Db::Sqlite(p) => {
                    sqlx::query_scalar("SELECT company_id FROM users LIMIT 1")
                        .fetch_optional(p)
                        .await?
                }
            };
            v.push((
                company.unwrap_or_default().to_string(),
                m["id"].as_str().unwrap_or_default().to_owned(),
            ));
        }
        v
    };

    println!("Fieldbook activity upload benchmark ({seconds} s per row, PostgreSQL, release build, 2-core machine)");
    println!(
        "{:<34} {:>8} {:>10} {:>12} {:>10} {:>10} {:>7}",
        "scenario", "clients", "req/s", "activities/s", "p50 ms", "p99 ms", "errors"
    );
    for (label, path, floor_path, per) in [
        ("single POST /v1/activities", "/v1/activities", "/floor/single", 1usize),
        (
            "batch POST /v1/activities:batch",
            "/v1/activities:batch",
            "/floor/batch",
            500usize,
        ),
    ] {
        for clients in [16usize, 64] {
            for (who, url, extra) in [
                ("api", format!("{base}{path}"), &[][..]),
                ("floor", format!("{floor_base}{floor_path}"), &me[..]),
            ] {
                let f = load(&http, &url, &agents, extra, clients, per, seconds).await;
                let secs = f.elapsed.as_secs_f64();
                println!(
                    "{:<34} {:>8} {:>10.1} {:>12.0} {:>10.2} {:>10.2} {:>7}",
                    format!("{label} [{who}]"),
                    clients,
                    f.requests as f64 / secs,
                    f.activities as f64 / secs,
                    f.p50.as_secs_f64() * 1000.0,
                    f.p99.as_secs_f64() * 1000.0,
                    f.errors
                );
            }
        }
    }
    Ok(())
}
