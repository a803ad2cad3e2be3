//! The database going away: answers are 503 `database_unavailable` with `Retry-After`, fast,
//! never a hang; once it is back the very next requests succeed without a restart.

use super::*;
use api::startup::Application;
use infra::Db;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// Asserts a 503 `database_unavailable` problem that tells the client when to retry.
fn assert_unavailable(r: &Resp) {
    r.assert_problem(503, "database_unavailable");
    let retry = r.header("retry-after").and_then(|v| v.parse::<u64>().ok());
    assert!(retry.is_some_and(|s| s > 0), "no Retry-After: {:?}", r.headers);
}

engine_test!(a_closed_pool_is_503_with_retry_after_not_500, |app| {
    let admin = app.admin().await;
    app.db.close().await;
    let me = app.get("/v1/me", &admin).await;
    assert_unavailable(&me);
    let write = app
        .post(
            "/v1/branches",
            &admin,
            json!({"name": "Jing'an", "time_zone": "Asia/Shanghai"}),
        )
        .await;
    assert_unavailable(&write);
    let ready = app.call(Method::GET, "/ready", None, None).await;
    assert_unavailable(&ready);
});

/// A TCP proxy in front of PostgreSQL that the test can cut (listener gone and every
/// forwarded connection dropped, as when the server stops) and restore on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("proxy bind: {e}"),
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let proxy = Proxy {
            port,
            upstream,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let tasks = self.tasks.clone();
        let upstream = self.upstream.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(conn.abort_handle());
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(accept.abort_handle());
    }

    /// New connections are refused and established ones are dropped.
    async fn cut(&self) {
        for t in self.tasks.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            t.abort();
        }
        // Let the aborted tasks drop their sockets.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    async fn restore(&self) {
        let listener = match TcpListener::bind(("127.0.0.1", self.port)).await {
            Ok(l) => l,
            Err(e) => panic!("proxy rebind on {}: {e}", self.port),
        };
        self.serve(listener);
    }
}

async fn timed(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (Resp, Duration) {
    let started = Instant::now();
    let r = app.call(method, path, token, body).await;
    (r, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(fieldbook_postgres),
    ignore = "set FIELDBOOK_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn postgres_cut_is_503_within_2_5_s_and_recovers_without_restart() {
    let url = require_postgres_url();
    let opts = match PgConnectOptions::from_str(&url) {
        Ok(o) => o,
        Err(e) => panic!("bad FIELDBOOK_TEST_POSTGRES_URL: {e}"),
    };
    let proxy = Proxy::start(format!("{}:{}", opts.get_host(), opts.get_port())).await;
    let schema = PgSchema::create(&url).await;

    // The server talks to PostgreSQL only through the proxy, with the default acquire timeout.
    let config = test_config();
    let via_proxy = opts
        .host("127.0.0.1")
        .port(proxy.port)
        .options([("search_path", schema.name.as_str())]);
    let db = match Db::connect_postgres_with(via_proxy, config.pool_settings()).await {
        Ok(db) => db,
        Err(e) => panic!("cannot connect through the proxy: {e}"),
    };
    let built = match Application::build_with_db(config, db.clone()).await {
        Ok(a) => a,
        Err(e) => panic!("the server failed to start: {e:#}"),
    };
    let app = TestApp::attach(
        format!("http://127.0.0.1:{}", built.port),
        db,
        Engine::Postgres,
        Some(schema),
    );
    tokio::spawn(built.server);

    let admin = app.admin().await;
    let branch = json!({"name": "Before", "time_zone": "Asia/Shanghai"});
    assert_eq!(app.post("/v1/branches", &admin, branch).await.status, 201);

    proxy.cut().await;
    // Under load: twenty requests at once during the cut, each answered 503 in time.
    let load = (0..20).map(|i| {
        let app = &app;
        let admin = &admin;
        async move {
            if i % 2 == 0 {
                timed(app, Method::GET, "/v1/me", Some(admin), None).await
            } else {
                let body = json!({"name": format!("Load {i}"), "time_zone": "Asia/Shanghai"});
                timed(app, Method::POST, "/v1/branches", Some(admin), Some(body)).await
            }
        }
    });
    for (r, took) in futures_util::future::join_all(load).await {
        assert_unavailable(&r);
        assert!(
            took < Duration::from_millis(2500),
            "a request took {took:?} during the cut"
        );
    }
    for _ in 0..2 {
        let (me, took) = timed(&app, Method::GET, "/v1/me", Some(&admin), None).await;
        assert_unavailable(&me);
        assert!(
            took < Duration::from_millis(2500),
            "GET /v1/me took {took:?} during the cut"
        );
        let body = json!({"name": "During", "time_zone": "Asia/Shanghai"});
        let (write, took) = timed(&app, Method::POST, "/v1/branches", Some(&admin), Some(body)).await;
        assert_unavailable(&write);
        assert!(took < Duration::from_millis(2500), "POST took {took:?} during the cut");
        let (ready, took) = timed(&app, Method::GET, "/ready", None, None).await;
        assert_unavailable(&ready);
        assert!(took < Duration::from_secs(1), "/ready took {took:?} during the cut");
    }

    // Back: the pooled connections the cut broke are replaced, so the first requests succeed.
    proxy.restore().await;
    let (me, took) = timed(&app, Method::GET, "/v1/me", Some(&admin), None).await;
    assert_eq!(me.status, 200, "first request after the restore: {}", me.body);
    assert!(took < Duration::from_secs(5), "recovery took {took:?}");
    let body = json!({"name": "After", "time_zone": "Asia/Shanghai"});
    let (write, _) = timed(&app, Method::POST, "/v1/branches", Some(&admin), Some(body)).await;
    assert_eq!(write.status, 201, "{}", write.body);
    let (ready, _) = timed(&app, Method::GET, "/ready", None, None).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    // Nothing refused during the cut was written; everything acknowledged is there.
    let list = app.get("/v1/branches", &admin).await;
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|b| b["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"Before") && names.contains(&"After"), "{names:?}");
    assert!(!names.contains(&"During"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("Load ")), "{names:?}");
}
