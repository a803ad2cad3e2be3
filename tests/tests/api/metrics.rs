//! `GET /metrics`: Prometheus text behind its own bearer token, moving with traffic and jobs.
//! The `metrics` recorder is process-wide and other tests' servers record into it too, so
//! these assertions compare before and after rather than absolute values.

use super::*;
use std::collections::BTreeMap;

const METRICS_TOKEN: &str = "metrics-token-for-tests-0123";

fn metrics_on(c: &mut api::config::Config) {
    c.metrics_token = Some(METRICS_TOKEN.into());
}

/// One sample line: metric name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn is_name(s: &str, colon: bool) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
}

/// A strict parser of the Prometheus text exposition format (0.0.4): `# HELP`/`# TYPE`
/// comments, and samples `name{label="value",…} value` with label values escaped as the
/// format says (`\\`, `\"`, `\n`). Anything else fails the test.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            assert!(kind == "HELP" || kind == "TYPE", "comment {line:?}");
            assert!(is_name(name, true), "metric name in {line:?}");
            if kind == "TYPE" {
                let t = parts.next().unwrap_or_default();
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                    "type in {line:?}"
                );
                assert!(
                    types.insert(name.to_owned(), t.to_owned()).is_none(),
                    "TYPE twice: {line:?}"
                );
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or(line.len());
        let name = &line[..name_end];
        assert!(is_name(name, true), "metric name in {line:?}");
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            let end = loop {
                let Some((i, c)) = chars.next() else {
                    panic!("unterminated labels in {line:?}")
                };
                if c == '}' {
                    break i;
                }
                if c == ',' {
                    continue;
                }
                let key_start = i;
                let mut key_end = i;
                for (j, c) in chars.by_ref() {
                    if c == '=' {
                        key_end = j;
                        break;
                    }
                }
                let key = &body[key_start..key_end];
                assert!(is_name(key, false), "label name {key:?} in {line:?}");
                assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "label value quote in {line:?}");
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next().map(|(_, c)| c) {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            other => panic!("bad escape {other:?} in {line:?}"),
                        },
                        Some((_, '"')) => break,
                        Some((_, c)) => value.push(c),
                        None => panic!("unterminated label value in {line:?}"),
                    }
                }
                assert!(
                    labels.insert(key.to_owned(), value).is_none(),
                    "label twice in {line:?}"
                );
                match chars.peek().map(|(_, c)| *c) {
                    Some(',') | Some('}') => {}
                    other => panic!("expected , or }} after a label, got {other:?} in {line:?}"),
                }
            };
            rest = &body[end + 1..];
        }
        let mut fields = rest.trim_start_matches(' ').split(' ');
        let raw = fields.next().unwrap_or_default();
        let value = match raw {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|_| panic!("value {v:?} in {line:?}")),
        };
        if let Some(ts) = fields.next() {
            assert!(ts.parse::<i64>().is_ok(), "timestamp in {line:?}");
        }
        assert!(fields.next().is_none(), "trailing fields in {line:?}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|b| types.get(*b).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family) || family == name, "{line:?}");
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = r.text().await.unwrap_or_default();
    let samples = parse_exposition(&text);
    assert!(!samples.is_empty(), "{text}");
    samples
}

/// The sum of the samples named `name` with these labels (for a histogram, pass `…_count`).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

#[test]
fn the_exposition_parser_is_strict() {
    let ok = "# HELP a_total Things.\n# TYPE a_total counter\na_total{route=\"/v1/users/{id}\",q=\"a\\\"b\"} 3\n\
              # TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n";
    let s = parse_exposition(ok);
    assert_eq!(s.len(), 4);
    assert_eq!(s[0].labels.get("route").map(String::as_str), Some("/v1/users/{id}"));
    assert_eq!(s[0].labels.get("q").map(String::as_str), Some("a\"b"));
    for bad in ["a b", "a{x=1} 2", "a{x=\"1\" 2", "1a 2", "a{x=\"1\"} 2 3 4"] {
        assert!(
            std::panic::catch_unwind(|| parse_exposition(bad)).is_err(),
            "{bad:?} accepted"
        );
    }
}

engine_test!(metrics_do_not_exist_without_a_token, |app| {
    app.call(Method::GET, "/metrics", None, None)
        .await
        .assert_problem(404, "not_found");
    let admin = app.admin().await;
    app.get("/metrics", &admin).await.assert_problem(404, "not_found");
});

engine_test!(metrics_need_their_token, |c| { metrics_on(c) }, |app| {
    let none = app.call(Method::GET, "/metrics", None, None).await;
    none.assert_problem(401, "unauthorized");
    let admin = app.admin().await;
    for wrong in [admin.as_str(), "metrics-token-for-tests-012", JWT_SECRET] {
        app.get("/metrics", wrong).await.assert_problem(401, "unauthorized");
    }
});

engine_test!(
    metrics_parse_and_move_with_traffic_jobs_and_throttling,
    |c| {
        metrics_on(c);
        c.test_clock = true;
    },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let admin = org.admin.clone();
        let before = scrape(&app).await;
        let engine = match app.engine {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        };
        assert_eq!(
            value(&before, "fieldbook_build_info", &[("engine", engine)]),
            1.0,
            "build info"
        );
        let max = value(&before, "fieldbook_db_pool_connections", &[("state", "max")]);
        assert!(max >= 1.0, "pool size {max}");
        assert!(
            value(&before, "fieldbook_db_pool_connections", &[("state", "open")]) >= 1.0,
            "open connections"
        );
        assert!(
            before.iter().any(|s| s.name == "fieldbook_db_pool_acquire_seconds"),
            "acquire time"
        );

        // Requests, by route template (ids do not make new series).
        let me = [("method", "GET"), ("route", "/v1/me"), ("status", "200")];
        let user = [("method", "GET"), ("route", "/v1/users/{id}"), ("status", "404")];
        for _ in 0..3 {
            assert_eq!(app.get("/v1/me", &admin).await.status, 200);
            let path = format!("/v1/users/{}", uuid::Uuid::now_v7());
            assert_eq!(app.get(&path, &admin).await.status, 404);
        }
        // A job: the quarter's lead allocation.
        let job = [("job", "allocate_leads"), ("outcome", "succeeded")];
        let r = app
            .post("/v1/admin/jobs/allocate-leads", &admin, json!({"quarter": "2026Q4"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // What a rate limiter reports through the helper it calls.
        api::metrics::rate_limited("/v1/metrics-test-route");
        // The failed-attempt throttle (5 per account by default).
        for _ in 0..6 {
            app.login_full(ADMIN_EMAIL, "wrong-password-123").await;
        }
        assert_eq!(app.login_full(ADMIN_EMAIL, "wrong-password-123").await.status, 429);

        let after = scrape(&app).await;
        let moved = |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) - value(&before, name, labels);
        assert!(moved("fieldbook_http_requests_total", &me) >= 3.0, "GET /v1/me");
        assert!(
            moved("fieldbook_http_request_duration_seconds_count", &me) >= 3.0,
            "latency histogram of GET /v1/me"
        );
        let routes: Vec<String> = after
            .iter()
            .filter(|s| s.name == "fieldbook_http_requests_total")
            .map(|s| format!("{:?}", s.labels))
            .collect();
        assert!(
            moved("fieldbook_http_requests_total", &user) >= 3.0,
            "GET /v1/users/{{id}}: {routes:?}"
        );
        assert!(
            !after
                .iter()
                .any(|s| s.labels.get("route").is_some_and(|r| r.starts_with("/v1/users/0"))),
            "raw paths leaked into labels"
        );
        assert!(moved("fieldbook_job_runs_total", &job) >= 1.0, "job runs");
        assert!(
            moved("fieldbook_job_duration_seconds_count", &job) >= 1.0,
            "job duration"
        );
        // One allocation per agent; make_org has two.
        assert!(
            moved(
                "fieldbook_job_items_total",
                &[("job", "allocate_leads"), ("item", "allocations")]
            ) >= 2.0,
            "job items: {:?}",
            after
                .iter()
                .filter(|s| s.name == "fieldbook_job_items_total")
                .collect::<Vec<_>>()
        );
        assert!(moved("fieldbook_login_throttled_total", &[]) >= 1.0, "login throttle");
        assert_eq!(
            moved("fieldbook_rate_limited_total", &[("route", "/v1/metrics-test-route")]),
            1.0,
            "rate limit"
        );
    }
);
