//! The fault suite (issue 14): the server as a real process, killed with SIGKILL in the middle
//! of concurrent batch uploads, and flooded with logins while its memory is watched. (The
//! database cut is in `db_outage.rs`.) Every scenario runs on SQLite and PostgreSQL.

use super::*;
use futures_util::future::join_all;
use infra::Db;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_fieldbook-server");

/// A database the server processes and the test both reach: a fresh SQLite file or a fresh
/// PostgreSQL schema (dropped at the end).
struct Store {
    url: String,
    db: Db,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Schema { admin_url: String, schema: String },
}

impl Store {
    async fn new(engine: Engine) -> Option<Store> {
        match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(format!("fieldbook-faults-{}", Uuid::new_v4()));
                let url = format!("sqlite://{}/fieldbook.db", dir.display());
                let db = Db::connect(&url, 2).await.ok()?;
                db.migrate().await.ok()?;
                Some(Store {
                    url,
                    db,
                    cleanup: Cleanup::Dir(dir),
                })
            }
            Engine::Postgres => {
                let admin_url = std::env::var("FIELDBOOK_TEST_POSTGRES_URL")
                    .ok()
                    .filter(|u| !u.is_empty())?;
                let schema = format!("fbt_{}_{}", chrono::Utc::now().timestamp(), Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL unreachable: {e}"));
                sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
                    .execute(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot create a schema: {e}"));
                admin.close().await;
                let sep = if admin_url.contains('?') { '&' } else { '?' };
                let url = format!("{admin_url}{sep}options[search_path]={schema}");
                let db = Db::connect(&url, 2).await.ok()?;
                db.migrate().await.ok()?;
                Some(Store {
                    url,
                    db,
                    cleanup: Cleanup::Schema { admin_url, schema },
                })
            }
        }
    }

    async fn activity_ids(&self) -> HashSet<Uuid> {
        let q = "SELECT id FROM activities";
        let ids: Vec<Uuid> = match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(q).fetch_all(p).await,
            Db::Postgres(p) => sqlx::query_scalar(q).fetch_all(p).await,
        }
        .unwrap_or_else(|e| panic!("reading activities: {e}"));
        ids.into_iter().collect()
    }

    async fn finish(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { admin_url, schema } => {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                        .execute(&admin)
                        .await;
                    admin.close().await;
                }
            }
        }
    }
}

/// A server process; killed (SIGKILL) when dropped.
struct Server {
    child: std::sync::Mutex<Child>,
    pid: u32,
    app: TestApp,
}

impl Server {
    async fn start(store: &Store, engine: Engine, env: &[(&str, &str)]) -> Server {
        // The server's log, read back if it fails to start.
        let log_path = std::env::temp_dir().join(format!("fieldbook-server-{}.log", Uuid::new_v4()));
        let log = std::fs::File::create(&log_path).unwrap_or_else(|e| panic!("cannot create {log_path:?}: {e}"));
        let mut cmd = Command::new(SERVER);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &store.url)
            .env("FIELDBOOK_HTTP_ADDR", "127.0.0.1:0")
            .env("FIELDBOOK_HTTP_WORKERS", "2")
            .env("FIELDBOOK_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("FIELDBOOK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FIELDBOOK_JWT_SECRET", JWT_SECRET)
            .env("FIELDBOOK_JOBS_INTERVAL_SECONDS", "0")
            .env("FIELDBOOK_WRITE_RATE_PER_SECOND", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .env("RUST_LOG", "warn")
            .stderr(Stdio::from(log));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {SERVER}: {e}"));
        let stdout = child.stdout.take();
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            if let Some(out) = stdout {
                let _ = BufReader::new(out).read_line(&mut line);
            }
            line
        });
        let line = match tokio::time::timeout(Duration::from_secs(60), line).await {
            Ok(Ok(l)) => l,
            _ => {
                let _ = child.kill();
                panic!("the server process did not report its port");
            }
        };
        let port: u16 = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("unexpected first line from the server: {line:?}; its log:\n{log}")
            });
        let _ = std::fs::remove_file(&log_path);
        let app = TestApp::attach(format!("http://127.0.0.1:{port}"), store.db.clone(), engine, None);
        let pid = child.id();
        Server {
            child: std::sync::Mutex::new(child),
            pid,
            app,
        }
    }

    /// SIGKILL: no shutdown hooks, no draining, exactly like a crash.
    fn kill(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The peak resident memory of the process so far, in KiB (Linux `VmHWM`).
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no VmHWM in /proc/{}/status", self.pid))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn visit(client: &str, at: &str) -> Value {
    json!({"id": Uuid::now_v7(), "kind": "face_visit", "occurred_at": at, "client_id": client,
           "details": {"checklist": {"introduced_self": true}, "location": {"lat": 31.23, "lng": 121.47}}})
}

fn batch_ids(batch: &Value) -> Vec<Uuid> {
    batch["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().and_then(|s| s.parse().ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// Uploads batches until the connection fails; returns (batch, acknowledged) for each sent.
async fn upload_until_killed(app: &TestApp, token: &str, client: &str) -> Vec<(Value, bool)> {
    let mut sent = Vec::new();
    loop {
        let at = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
        let items: Vec<Value> = (0..25).map(|_| visit(client, &at)).collect();
        let batch = json!({ "items": items });
        let req = app
            .client
            .post(format!("{}/v1/activities:batch", app.base))
            .bearer_auth(token)
            .json(&batch)
            .timeout(Duration::from_secs(20));
        match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                let acked = status == 200 && body["created"].as_i64() == Some(25);
                assert!(acked, "an upload before the kill failed: {status} {body}");
                sent.push((batch, true));
            }
            // The server died: this batch's fate is unknown to the client.
            Err(_) => {
                sent.push((batch, false));
                return sent;
            }
        }
    }
}

async fn kill_during_batches(engine: Engine) {
    let Some(store) = Store::new(engine).await else {
        if engine == Engine::Postgres && std::env::var("FIELDBOOK_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("FIELDBOOK_TEST_REQUIRE_POSTGRES=1 but FIELDBOOK_TEST_POSTGRES_URL is not set");
        }
        eprintln!("FIELDBOOK_TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        return;
    };
    let server = Server::start(&store, engine, &[]).await;
    make_org(&server.app).await;
    let agent = server.app.login("agent-a@test.local", PASSWORD).await;
    let c = server
        .app
        .post("/v1/clients", &agent, json!({"name": "Wang Fang"}))
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let client = c.id();
    drop(server);

    let mut all_batches: Vec<(Value, bool)> = Vec::new();
    for run in 0..3u64 {
        let server = Server::start(&store, engine, &[]).await;
        let uploads = (0..4).map(|_| upload_until_killed(&server.app, &agent, &client));
        // Kill at a different moment each run, while four uploaders are mid-flight.
        let kill_after = Duration::from_millis(600 + 250 * run);
        let killer = async {
            tokio::time::sleep(kill_after).await;
            server.kill();
        };
        let (sent, ()) = tokio::join!(join_all(uploads), killer);
        let sent: Vec<(Value, bool)> = sent.into_iter().flatten().collect();
        let acked = sent.iter().filter(|(_, a)| *a).count();
        assert!(acked > 0, "run {run}: nothing was acknowledged before the kill");

        // Restarted on the same database: every acknowledged item is there; a batch the client
        // never heard back about is there entirely or not at all.
        let restarted = Server::start(&store, engine, &[]).await;
        let present = store.activity_ids().await;
        for (batch, acked) in &sent {
            let ids = batch_ids(batch);
            let n = ids.iter().filter(|id| present.contains(id)).count();
            if *acked {
                assert_eq!(
                    n,
                    ids.len(),
                    "run {run}: an acknowledged batch lost {} items",
                    ids.len() - n
                );
            } else {
                assert!(
                    n == 0 || n == ids.len(),
                    "run {run}: a partial batch ({n} of {})",
                    ids.len()
                );
            }
        }
        // The app retries what it did not hear back about: idempotent, nothing doubled.
        for (batch, _) in sent.iter().filter(|(_, a)| !*a) {
            let r = restarted.app.post("/v1/activities:batch", &agent, batch.clone()).await;
            assert_eq!(r.status, 200, "run {run}: retry after restart: {}", r.body);
            let created = r.body["created"].as_i64().unwrap_or(-1);
            let dups = r.body["duplicates"].as_i64().unwrap_or(-1);
            assert_eq!(created + dups, 25, "run {run}: {}", r.body);
        }
        all_batches.extend(sent);
        drop(restarted);
    }
    let present = store.activity_ids().await;
    let expected: HashSet<Uuid> = all_batches.iter().flat_map(|(b, _)| batch_ids(b)).collect();
    assert_eq!(
        present, expected,
        "after three kills and retries, exactly the uploaded items"
    );
    store.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_concurrent_batches_loses_nothing_acknowledged_sqlite() {
    kill_during_batches(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_concurrent_batches_loses_nothing_acknowledged_postgres() {
    kill_during_batches(Engine::Postgres).await;
}

async fn login_flood(engine: Engine) {
    let Some(store) = Store::new(engine).await else {
        if engine == Engine::Postgres && std::env::var("FIELDBOOK_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("FIELDBOOK_TEST_REQUIRE_POSTGRES=1 but FIELDBOOK_TEST_POSTGRES_URL is not set");
        }
        eprintln!("FIELDBOOK_TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        return;
    };
    // Production hashing cost (19 MiB per hash) and the per-address limit out of the way, so
    // every login really asks for a hash.
    let server = Server::start(
        &store,
        engine,
        &[
            ("FIELDBOOK_LOGIN_MAX_FAILURES_PER_ADDRESS", "100000"),
            ("FIELDBOOK_DB_MAX_CONNECTIONS", "10"),
        ],
    )
    .await;
    let app = &server.app;
    let before = server.peak_rss_kib();
    let logins =
        (0..300).map(|i| async move { app.login_full(&format!("nobody{i}@flood.test"), "wrong-password").await });
    let results = join_all(logins).await;
    let peak = server.peak_rss_kib();
    for r in &results {
        assert!([401, 429, 503].contains(&r.status.as_u16()), "{} {}", r.status, r.body);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            r.status
        );
    }
    assert!(results.iter().any(|r| r.status == 401), "no login was evaluated at all");
    // Unbounded, 300 hashes at 19 MiB would need ~5.6 GB.
    assert!(
        peak < 300 * 1024,
        "peak memory {peak} KiB (before the flood {before} KiB) exceeds 300 MB"
    );
    // Throttle exactness after the flood: one account, 40 concurrent guesses, at most 5 are
    // evaluated (the process is the same one that just absorbed the flood).
    let guesses = (0..40).map(|_| async { app.login_full(ADMIN_EMAIL, "wrong-password").await });
    let guesses = join_all(guesses).await;
    let evaluated = guesses.iter().filter(|r| r.status == 401).count();
    assert!(evaluated <= 5, "{evaluated} guesses evaluated");
    assert!(guesses.iter().all(|r| [401, 429, 503].contains(&r.status.as_u16())));
    drop(server);
    store.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_300_login_flood_keeps_memory_bounded_sqlite() {
    login_flood(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_300_login_flood_keeps_memory_bounded_postgres() {
    login_flood(Engine::Postgres).await;
}
