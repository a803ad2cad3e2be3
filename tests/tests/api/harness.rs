//! The harness itself: a PostgreSQL test leaves no schema behind, whether it passes or panics.

use super::*;

async fn schema_exists(url: &str, name: &str) -> bool {
    let pool = match sqlx::PgPool::connect(url).await {
        Ok(p) => p,
        Err(e) => panic!("PostgreSQL unreachable: {e}"),
    };
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_namespace WHERE nspname = $1")
        .bind(name)
        .fetch_optional(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pool.close().await;
    found.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(fieldbook_postgres),
    ignore = "set FIELDBOOK_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn postgres_schema_is_dropped_when_a_test_passes_or_panics() {
    let url = require_postgres_url();
    for panics in [false, true] {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let run = tokio::spawn(async move {
            let Some(app) = spawn(Engine::Postgres, |_| {}).await else {
                panic!("no PostgreSQL test server");
            };
            let name = app.pg_schema().map(str::to_owned).unwrap_or_default();
            let _ = tx.send(name);
            let admin = app.admin().await;
            assert_eq!(app.get("/v1/me", &admin).await.status, 200);
            assert!(!panics, "the scenario fails here");
        });
        let ended = run.await;
        assert_eq!(ended.is_err(), panics, "the scenario's outcome");
        let name = rx.await.unwrap_or_default();
        assert!(name.starts_with("fbt_"), "schema {name:?}");
        assert!(
            !schema_exists(&url, &name).await,
            "{name} was left behind (panicked: {panics})"
        );
    }
}
