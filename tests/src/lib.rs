//! Black-box HTTP test harness: starts the real server on a random port against a fresh
//! database (a new SQLite file, or a new PostgreSQL schema when `FIELDBOOK_TEST_POSTGRES_URL`
//! is set) and talks to it over HTTP only.

pub mod compat;
pub mod rules_index;

use api::config::Config;
use api::startup::Application;
use infra::Db;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
/// Tests that forge tokens need the signing secret; production generates its own.
pub const JWT_SECRET: &str = "test-secret-for-forging-tokens-0123456789";
pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub engine: Engine,
    sqlite_dir: Option<std::path::PathBuf>,
    pg_schema: Option<PgSchema>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        // The schema guard drops the test's PostgreSQL schema (also when the test panicked).
        self.pg_schema.take();
    }
}

/// A test's own PostgreSQL schema, dropped when the guard is dropped, which happens when the
/// test ends, passed or panicked. Schemas a killed run left behind are dropped by later runs
/// once they are two hours old.
pub struct PgSchema {
    url: String,
    pub name: String,
}

impl PgSchema {
    /// Creates `fbt_<unix time>_<uuid>` on the database of `url`.
    pub async fn create(url: &str) -> PgSchema {
        let now = chrono::Utc::now().timestamp();
        let name = format!("fbt_{now}_{}", uuid::Uuid::new_v4().simple());
        let admin = match sqlx::PgPool::connect(url).await {
            Ok(p) => p,
            Err(e) => panic!("FIELDBOOK_TEST_POSTGRES_URL is set but unreachable: {e}"),
        };
        let old: Vec<String> =
            sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'fbt\\_%'")
                .fetch_all(&admin)
                .await
                .unwrap_or_default();
        for s in old {
            let ts: i64 = s.split('_').nth(1).and_then(|t| t.parse().ok()).unwrap_or(now);
            if now - ts > 7200 {
                let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{s}\" CASCADE"))
                    .execute(&admin)
                    .await;
            }
        }
        if let Err(e) = sqlx::query(&format!("CREATE SCHEMA \"{name}\"")).execute(&admin).await {
            panic!("cannot create a test schema: {e}");
        }
        admin.close().await;
        PgSchema {
            url: url.to_owned(),
            name,
        }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be unwinding: use a short-lived runtime
        // on its own thread. A lock timeout keeps a stuck server transaction from hanging the
        // test; such a schema is left to the two-hour sweep.
        let url = self.url.clone();
        let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name);
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async move {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&url).await.ok()?;
                sqlx::query("SET lock_timeout = '10s'").execute(&mut conn).await.ok()?;
                let done = sqlx::query(&sql).execute(&mut conn).await.ok();
                let _ = conn.close().await;
                done
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("could not drop the test schema {}; a later run drops it", self.name);
        }
    }
}

/// The response of a call: status, headers and the body parsed as JSON (Null when empty).
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// Asserts the response is a problem document with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        for k in ["type", "title", "detail"] {
            assert!(self.body[k].is_string(), "problem lacks {k}: {}", self.body);
        }
        assert!(
            self.body["request_id"].as_str().is_some_and(|r| !r.is_empty()),
            "problem lacks request_id: {}",
            self.body
        );
    }

    /// Asserts a 422 whose `errors[]` contains `pointer`.
    pub fn assert_field_error(&self, pointer: &str) {
        self.assert_problem(422, "validation_failed");
        let pointers: Vec<&str> = self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["pointer"].as_str()).collect())
            .unwrap_or_default();
        assert!(pointers.contains(&pointer), "expected {pointer} in {pointers:?}");
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().map(str::to_owned).unwrap_or_default()
    }
}

pub fn test_config() -> Config {
    Config {
        http_addr: "127.0.0.1:0".into(),
        http_workers: 1,
        db_max_connections: 4,
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        jwt_secret: Some(JWT_SECRET.into()),
        // Cheaper hashing keeps the suite fast; production uses the 19 MiB default.
        argon2_memory_kib: 4096,
        // Tests run the close jobs explicitly; one test turns the runner on.
        jobs_interval_secs: 0,
        // Tests write as fast as they can as one admin; the rate-limit tests turn it on.
        write_rate_per_sec: 0,
        ..Config::default()
    }
}

/// Starts a server on `engine`, or returns `None` for PostgreSQL when no URL is configured.
pub async fn spawn(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    // Server logs appear in a failing test's captured output.
    if std::env::var("RUST_LOG").is_ok() {
        api::telemetry::init();
    }
    let mut config = test_config();
    tweak(&mut config);
    let (db, sqlite_dir, pg_schema) = match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(format!("fieldbook-test-{}", uuid::Uuid::new_v4()));
            let url = format!("sqlite://{}/fieldbook.db", dir.display());
            let db = Db::connect(&url, config.db_max_connections).await.ok()?;
            (db, Some(dir), None)
        }
        Engine::Postgres => {
            let url = postgres_url()?;
            let schema = PgSchema::create(&url).await;
            (connect_pg_schema(&url, &schema.name).await, None, Some(schema))
        }
    };
    let app = match Application::build_with_db(config, db).await {
        Ok(app) => app,
        Err(e) => panic!("the server failed to start: {e:#}"),
    };
    let base = format!("http://127.0.0.1:{}", app.port);
    let db = app.state.db.clone();
    tokio::spawn(app.server);
    Some(TestApp {
        base,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?,
        db,
        engine,
        sqlite_dir,
        pg_schema,
    })
}

/// `FIELDBOOK_TEST_POSTGRES_URL`, when set and not empty.
pub fn postgres_url() -> Option<String> {
    std::env::var("FIELDBOOK_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// For a PostgreSQL variant that is running: the URL, or a failure naming why there is none.
/// The variant runs only when the suite was built with the URL set or with
/// `FIELDBOOK_TEST_REQUIRE_POSTGRES=1` (see `tests/build.rs`), so a missing URL here is an
/// error, never a silent pass.
pub fn require_postgres_url() -> String {
    match postgres_url() {
        Some(url) => url,
        None => panic!(
            "FIELDBOOK_TEST_POSTGRES_URL is not set, but this PostgreSQL test was built to run \
             (FIELDBOOK_TEST_REQUIRE_POSTGRES=1 or the URL was set at build time)"
        ),
    }
}

/// A pool whose connections use `schema` (a schema per test is fast, unlike CREATE DATABASE).
async fn connect_pg_schema(url: &str, schema: &str) -> Db {
    let opts = match PgConnectOptions::from_str(url) {
        Ok(o) => o.options([("search_path", schema)]),
        Err(e) => panic!("bad FIELDBOOK_TEST_POSTGRES_URL: {e}"),
    };
    match Db::connect_postgres(opts, 4).await {
        Ok(db) => db,
        Err(e) => panic!("cannot connect to the test schema: {e}"),
    }
}

impl TestApp {
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => panic!("request failed: {e}"),
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap_or_default();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Resp { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body)).await
    }

    pub async fn login_full(&self, email: &str, password: &str) -> Resp {
        self.call(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    /// Logs in and returns the access token, failing the test if login fails.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self.login_full(email, password).await;
        assert_eq!(r.status, 200, "login of {email} failed: {}", r.body);
        r.body["access_token"].as_str().unwrap_or_default().to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates a user and returns its id.
    pub async fn create_user(&self, admin: &str, body: Value) -> String {
        let r = self.post("/v1/users", admin, body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }
}

impl TestApp {
    /// The PostgreSQL schema this test runs in (`None` on SQLite).
    pub fn pg_schema(&self) -> Option<&str> {
        self.pg_schema.as_ref().map(|s| s.name.as_str())
    }

    /// A client for a server the test started itself (e.g. behind a proxy it controls); the
    /// schema, if given, is dropped with the client.
    pub fn attach(base: String, db: Db, engine: Engine, pg_schema: Option<PgSchema>) -> TestApp {
        TestApp {
            base,
            client: reqwest::Client::new(),
            db,
            engine,
            sqlite_dir: None,
            pg_schema,
        }
    }

    /// A second server instance on the same database (as two replicas behind a balancer).
    pub async fn second_instance(&self, tweak: impl FnOnce(&mut Config)) -> String {
        let mut config = test_config();
        tweak(&mut config);
        let app = match Application::build_with_db(config, self.db.clone()).await {
            Ok(app) => app,
            Err(e) => panic!("the second instance failed to start: {e:#}"),
        };
        let base = format!("http://127.0.0.1:{}", app.port);
        tokio::spawn(app.server);
        base
    }

    /// Pins the server clock (the server must run with `test_clock`).
    pub async fn set_clock(&self, now: &str) {
        let r = self
            .call(Method::PUT, "/v1/test/clock", None, Some(json!({ "now": now })))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// Counts rows of a table (black-box tests use it only to prove nothing was written).
    pub async fn count(&self, table: &str) -> i64 {
        let q = format!("SELECT COUNT(*) FROM {table}");
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(&q).fetch_one(p).await.unwrap_or(-1),
            Db::Postgres(p) => sqlx::query_scalar(&q).fetch_one(p).await.unwrap_or(-1),
        }
    }
}

/// A small organisation made through the API: one branch, two teams, their supervisors and
/// an agent in each.
pub struct Org {
    pub admin: String,
    pub branch: String,
    pub team_a: String,
    pub team_b: String,
    pub sup_a: String,
    pub sup_b: String,
    pub agent_a: String,
    pub agent_b: String,
}

pub async fn make_org(app: &TestApp) -> Org {
    let admin = app.admin().await;
    let r = app
        .post(
            "/v1/branches",
            &admin,
            json!({"name": "Pudong", "time_zone": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let branch = r.id();
    let mut ids = Vec::new();
    for x in ["a", "b"] {
        let sup = app
            .create_user(
                &admin,
                json!({"email": format!("sup-{x}@test.local"), "name": format!("Sup {x}"), "password": PASSWORD,
                       "role": "supervisor", "branch_id": branch}),
            )
            .await;
        let r = app
            .post(
                "/v1/teams",
                &admin,
                json!({"branch_id": branch, "name": format!("Team {x}"), "supervisor_id": sup}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let team = r.id();
        let agent = app
            .create_user(
                &admin,
                json!({"email": format!("agent-{x}@test.local"), "name": format!("Agent {x}"), "password": PASSWORD,
                       "role": "agent", "team_id": team}),
            )
            .await;
        ids.push((team, sup, agent));
    }
    let [(team_a, sup_a, agent_a), (team_b, sup_b, agent_b)]: [(String, String, String); 2] =
        ids.try_into().unwrap_or_else(|_| panic!("two teams"));
    Org {
        admin,
        branch,
        team_a,
        team_b,
        sup_a,
        sup_b,
        agent_a,
        agent_b,
    }
}

/// Records a qualification certificate for an agent (issued in 2020) so they may be the
/// selling agent of policies (LIC-1); `token` is HR's or an admin's.
pub async fn license_agent(app: &TestApp, token: &str, agent: &str) {
    let r = app
        .call(
            Method::PUT,
            &format!("/v1/agents/{agent}/licence"),
            Some(token),
            Some(json!({"qualification_certificate": format!("QC-{agent}"), "issued_on": "2020-01-15"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "licensed", "{}", r.body);
}

/// Declares one test per engine: `sqlite` always runs; `postgres` is reported as ignored unless
/// the suite was built with `FIELDBOOK_TEST_POSTGRES_URL` set (CI sets it) or with
/// `FIELDBOOK_TEST_REQUIRE_POSTGRES=1`, in which case a missing URL fails it.
#[macro_export]
macro_rules! engine_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::engine_test!($name, |_c| {}, |$app| $body);
    };
    ($name:ident, |$cfg:ident| $tweak:block, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($app: $crate::TestApp) $body

            fn tweak($cfg: &mut api::config::Config) $tweak

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                match $crate::spawn($crate::Engine::Sqlite, tweak).await {
                    Some(app) => scenario(app).await,
                    None => panic!("could not start the SQLite test server"),
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(fieldbook_postgres), ignore = "set FIELDBOOK_TEST_POSTGRES_URL to run on PostgreSQL")]
            async fn postgres() {
                $crate::require_postgres_url();
                match $crate::spawn($crate::Engine::Postgres, tweak).await {
                    Some(app) => scenario(app).await,
                    None => panic!("could not start the PostgreSQL test server"),
                }
            }
        }
    };
}
