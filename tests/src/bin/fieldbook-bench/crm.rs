//! The `crm` benchmark: bulk upserts of 1,000-record batches (created, then unchanged) and the
//! change feed's read throughput, through the real server with an integration token, each
//! beside a bare "floor" handler in the same run: one multi-row INSERT of the same client rows
//! (no auth, validation, reference lookups, audit or events), and one keyset SELECT of the
//! same events serialised as JSON.

use super::{fresh_database, PASSWORD};
use actix_web::{web, App, HttpResponse, HttpServer};
use api::config::Config;
use api::startup::Application;
use chrono::Utc;
use infra::Db;
use serde_json::{json, Value};
use sqlx::{PgPool, Postgres, QueryBuilder};
use std::time::{Duration, Instant};
use uuid::Uuid;

const BATCH: usize = 1000;

struct FloorState {
    pool: PgPool,
    company: Uuid,
}

/// The floor of an upsert: the same rows in one statement, nothing else.
async fn floor_upsert(state: web::Data<FloorState>, body: web::Json<Value>) -> HttpResponse {
    let records = body.into_inner()["records"].as_array().cloned().unwrap_or_default();
    let now = Utc::now();
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO clients (company_id, id, agent_id, name, phone, address, household_notes, tags, external_id, \
         phone_conflict, created_at, updated_at) ",
    );
    q.push_values(records.iter(), |mut b, r| {
        b.push_bind(state.company)
            .push_bind(Uuid::now_v7())
            .push_bind(Uuid::parse_str(r["agent_id"].as_str().unwrap_or_default()).unwrap_or_default())
            .push_bind(r["name"].as_str().unwrap_or_default().to_owned())
            .push_bind(None::<String>)
            .push_bind(r["address"].as_str().map(str::to_owned))
            .push_bind(None::<String>)
            .push_bind("[]")
            .push_bind(r["external_id"].as_str().unwrap_or_default().to_owned())
            .push_bind(false)
            .push_bind(now)
            .push_bind(now);
    });
    q.push(" ON CONFLICT (company_id, external_id) WHERE external_id IS NOT NULL DO NOTHING");
    match q.build().execute(&state.pool).await {
        Ok(_) => HttpResponse::Ok().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// position, id, type, resource id, agent id, data.
type EventRow = (i64, Uuid, String, Uuid, Option<Uuid>, Option<String>);

#[derive(serde::Deserialize)]
struct After {
    after: i64,
}

/// The floor of a feed page: the same keyset read, rows straight to JSON.
async fn floor_feed(state: web::Data<FloorState>, q: web::Query<After>) -> HttpResponse {
    let rows: Result<Vec<EventRow>, _> = sqlx::query_as(
        "SELECT position, id, type, resource_id, agent_id, data FROM change_events \
         WHERE company_id = $1 AND position > $2 ORDER BY position LIMIT $3",
    )
    .bind(state.company)
    .bind(q.after)
    .bind(BATCH as i64)
    .fetch_all(&state.pool)
    .await;
    match rows {
        Ok(rows) => {
            let next = rows.last().map_or(q.after, |r| r.0);
            // Written out directly, the stored data spliced in unparsed: nothing to spare.
            let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
            let events: Vec<String> = rows
                .into_iter()
                .map(|(position, id, t, resource_id, agent_id, data)| {
                    format!(
                        "{{\"position\":{position},\"id\":\"{id}\",\"type\":{},\"resource_id\":\"{resource_id}\",\"agent_id\":{},\"data\":{}}}",
                        q(&t),
                        agent_id.map_or("null".to_owned(), |a| format!("\"{a}\"")),
                        data.unwrap_or_else(|| "null".to_owned())
                    )
                })
                .collect();
            HttpResponse::Ok()
                .content_type("application/json")
                .body(format!("{{\"events\":[{}],\"next_cursor\":{next}}}", events.join(",")))
        }
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

struct Timed {
    rows: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

impl Timed {
    fn print(&self, label: &str, unit: &str) {
        let mut l = self.latencies.clone();
        l.sort();
        let pct = |p: f64| {
            l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1000.0
        };
        println!(
            "{:<42} {:>8} {:>12.0} {:>6} {:>9.1} {:>9.1} {:>7}",
            label,
            self.latencies.len(),
            self.rows as f64 / self.elapsed.as_secs_f64(),
            unit,
            pct(0.5),
            pct(0.99),
            self.errors
        );
    }
}

/// Sends each batch in turn (one client, as a CRM's sync job would) and times them.
async fn send_batches(http: &reqwest::Client, url: &str, token: &str, batches: &[Value]) -> Timed {
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut rows = 0;
    for b in batches {
        let t = Instant::now();
        let ok = http
            .post(url)
            .bearer_auth(token)
            .json(b)
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        latencies.push(t.elapsed());
        if ok {
            rows += b["records"].as_array().map_or(0, Vec::len);
        } else {
            errors += 1;
        }
    }
    Timed {
        rows,
        elapsed: started.elapsed(),
        latencies,
        errors,
    }
}

/// Reads a feed from the start to its end, page by page.
async fn read_all(http: &reqwest::Client, base_url: &str, token: &str) -> Timed {
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut rows = 0;
    let mut after = 0i64;
    loop {
        let t = Instant::now();
        let page: Value = match http
            .get(format!("{base_url}after={after}&limit={BATCH}"))
            .bearer_auth(token)
            .send()
            .await
        {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => Value::Null,
        };
        latencies.push(t.elapsed());
        let n = page["events"].as_array().map_or(0, Vec::len);
        if page.is_null() {
            errors += 1;
            break;
        }
        rows += n;
        after = page["next_cursor"].as_i64().unwrap_or(after);
        if n < BATCH {
            break;
        }
    }
    Timed {
        rows,
        elapsed: started.elapsed(),
        latencies,
        errors,
    }
}

pub(super) async fn crm(batches: usize) -> anyhow::Result<()> {
    let url = fresh_database().await?;
    let config = Config {
        database_url: url.clone(),
        http_addr: "127.0.0.1:0".into(),
        db_max_connections: 16,
        admin_email: Some("admin@bench.local".into()),
        admin_password: Some(PASSWORD.into()),
        jobs_interval_secs: 0,
        ..Config::default()
    };
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port);
    tokio::spawn(app.server);
    let http = reqwest::Client::builder().build()?;

    // An admin makes a team and an integration client; the CRM takes a token.
    let admin: Value = http
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": "admin@bench.local", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let admin = admin["access_token"].as_str().unwrap_or_default().to_owned();
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).bearer_auth(&admin).json(&body);
    let id = |v: Value| v["id"].as_str().unwrap_or_default().to_owned();
    let branch = id(post("/v1/branches", json!({"name": "Bench"}))
        .send()
        .await?
        .json()
        .await?);
    let sup = id(post("/v1/users", json!({"email": "sup@bench.local", "name": "Sup", "password": PASSWORD, "role": "supervisor", "branch_id": branch})).send().await?.json().await?);
    let team = id(post(
        "/v1/teams",
        json!({"branch_id": branch, "name": "T", "supervisor_id": sup}),
    )
    .send()
    .await?
    .json()
    .await?);
    let client: Value = post(
        "/v1/integration-clients",
        json!({"name": "Bench CRM", "scopes": ["agents:write", "clients:write", "changes:read"]}),
    )
    .send()
    .await?
    .json()
    .await?;
    let token: Value = http
        .post(format!("{base}/v1/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client["client_id"].as_str().unwrap_or_default()),
            ("client_secret", client["client_secret"].as_str().unwrap_or_default()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let crm = token["access_token"].as_str().unwrap_or_default().to_owned();

    let agents: Vec<Value> = (0..BATCH)
        .map(|i| json!({"external_id": format!("a-{i}"), "name": format!("Agent {i}"), "email": format!("a{i}@bench.local"), "team_id": team}))
        .collect();
    let made: Value = http
        .post(format!("{base}/v1/agents:upsert"))
        .bearer_auth(&crm)
        .json(&json!({ "records": agents }))
        .send()
        .await?
        .json()
        .await?;
    let agent_ids: Vec<String> = made["results"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    anyhow::ensure!(agent_ids.len() == BATCH, "the agents were not made: {made}");

    let db = Db::connect(&url, 16).await?;
    let Db::Postgres(pool) = db else {
        anyhow::bail!("the benchmark runs on PostgreSQL");
    };
    let company: Uuid = sqlx::query_scalar("SELECT company_id FROM users LIMIT 1")
        .fetch_one(&pool)
        .await?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let floor_port = listener.local_addr()?.port();
    let data = web::Data::new(FloorState { pool, company });
    let floor = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::JsonConfig::default().limit(8 * 1024 * 1024))
            .route("/floor/upsert", web::post().to(floor_upsert))
            .route("/floor/changes", web::get().to(floor_feed))
    })
    .listen(listener)?
    .run();
    tokio::spawn(floor);
    let floor_base = format!("http://127.0.0.1:{floor_port}");

    // The same shape of batches for the API and the floor (the floor's keys apart).
    let batch = |prefix: &str, k: usize| {
        let records: Vec<Value> = (0..BATCH)
            .map(|i| {
                let n = k * BATCH + i;
                json!({"external_id": format!("{prefix}{n}"), "agent_external_id": format!("a-{}", n % BATCH),
                       "agent_id": agent_ids[n % BATCH], "name": format!("Client {n}"), "address": format!("{n} Road")})
            })
            .collect();
        json!({ "records": records })
    };
    // The API refuses fields it does not know: the floor's agent id goes only to the floor.
    let api_batches: Vec<Value> = (0..batches)
        .map(|k| {
            let mut b = batch("c-", k);
            if let Some(list) = b["records"].as_array_mut() {
                for r in list.iter_mut() {
                    if let Some(o) = r.as_object_mut() {
                        o.remove("agent_id");
                    }
                }
            }
            b
        })
        .collect();
    let floor_batches: Vec<Value> = (0..batches).map(|k| batch("f-", k)).collect();

    println!(
        "Fieldbook CRM sync benchmark (PostgreSQL, release build, {BATCH}-record batches, one client, 2-core machine)"
    );
    println!(
        "{:<42} {:>8} {:>12} {:>6} {:>9} {:>9} {:>7}",
        "scenario", "requests", "throughput", "", "p50 ms", "p99 ms", "errors"
    );
    let api_upsert = format!("{base}/v1/clients:upsert");
    let floor_upsert_url = format!("{floor_base}/floor/upsert");
    send_batches(&http, &api_upsert, &crm, &api_batches)
        .await
        .print("clients:upsert, all created [api]", "rows/s");
    send_batches(&http, &floor_upsert_url, "", &floor_batches)
        .await
        .print("clients:upsert, all created [floor]", "rows/s");
    send_batches(&http, &api_upsert, &crm, &api_batches)
        .await
        .print("clients:upsert, all unchanged [api]", "rows/s");
    send_batches(&http, &floor_upsert_url, "", &floor_batches)
        .await
        .print("clients:upsert, all unchanged [floor]", "rows/s");
    // Each read twice, the second shown: both from a warm cache.
    let feed = format!("{base}/v1/changes?");
    let floor_feed = format!("{floor_base}/floor/changes?");
    read_all(&http, &feed, &crm).await;
    read_all(&http, &feed, &crm)
        .await
        .print("GET /v1/changes, 1,000 per page [api]", "ev/s");
    read_all(&http, &floor_feed, "").await;
    read_all(&http, &floor_feed, "")
        .await
        .print("GET /v1/changes, 1,000 per page [floor]", "ev/s");
    Ok(())
}
