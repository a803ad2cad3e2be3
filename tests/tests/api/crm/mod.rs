//! CRM sync (issue 12): integration credentials, bulk upserts by external id, the change feed
//! and the devices' sync. Every scenario runs on SQLite and PostgreSQL.

use super::*;

mod credentials;
mod feed;
mod sync;
mod upsert;

/// Creates an integration client with `scopes`; returns (client id, secret).
pub async fn integration(app: &TestApp, admin: &str, scopes: &[&str]) -> (String, String) {
    let r = app
        .post(
            "/v1/integration-clients",
            admin,
            json!({"name": "Our CRM", "scopes": scopes}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    (
        r.body["client_id"].as_str().unwrap_or_default().to_owned(),
        r.body["client_secret"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The token endpoint with form-encoded parameters.
pub async fn token_form(app: &TestApp, params: &[(&str, &str)]) -> Resp {
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B").replace(' ', "+").replace(':', "%3A")))
        .collect();
    app.send(
        app.client
            .post(format!("{}/v1/oauth/token", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.join("&")),
    )
    .await
}

/// A token for the client (all its scopes), failing the test if the grant fails.
pub async fn token(app: &TestApp, id: &str, secret: &str) -> String {
    let r = token_form(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["access_token"].as_str().unwrap_or_default().to_owned()
}

/// An integration token holding exactly `scopes`.
pub async fn crm_token(app: &TestApp, admin: &str, scopes: &[&str]) -> String {
    let (id, secret) = integration(app, admin, scopes).await;
    token(app, &id, &secret).await
}

/// Runs a SQL count with one text parameter (black-box tests only prove what was written).
pub async fn count_where(app: &TestApp, sql: &str, arg: &str) -> i64 {
    match &app.db {
        infra::Db::Sqlite(p) => sqlx::query_scalar(sql).bind(arg).fetch_one(p).await.unwrap_or(-1),
        infra::Db::Postgres(p) => sqlx::query_scalar(sql).bind(arg).fetch_one(p).await.unwrap_or(-1),
    }
}

/// Reads the whole feed after `after` with `token`, page by page; returns the events and the
/// final cursor.
pub async fn read_feed(app: &TestApp, token: &str, after: i64, limit: u32) -> (Vec<Value>, i64) {
    let mut cursor = after;
    let mut events = Vec::new();
    loop {
        let r = app
            .get(&format!("/v1/changes?after={cursor}&limit={limit}"), token)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.body["events"].as_array().cloned().unwrap_or_default();
        cursor = r.body["next_cursor"].as_i64().unwrap_or(-1);
        let more = r.body["has_more"].as_bool().unwrap_or(false);
        events.extend(page);
        if !more {
            return (events, cursor);
        }
    }
}

/// The events of `type`, by resource id.
pub fn of_type<'a>(events: &'a [Value], t: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == t).collect()
}
