//! Signing keys shared through the database: any number of instances starting together on an
//! empty database agree on exactly one key.

use super::*;
use domain::ports::AuthRepo;
use infra::Db;

/// Sixteen concurrent first starts (half through `load_keys`, half straight at the port)
/// on an empty key table; returns the key sets the direct callers were given.
async fn race(app: &TestApp, round: usize) -> Vec<Vec<(String, Vec<u8>)>> {
    let config = api::config::Config {
        jwt_secret: None,
        ..test_config()
    };
    let mut starts = tokio::task::JoinSet::new();
    for i in 0..16u8 {
        let db = app.db.clone();
        let config = config.clone();
        starts.spawn(async move {
            if i % 2 == 0 {
                // What each instance does at start-up.
                api::startup::load_keys(&db, &config)
                    .await
                    .map(|_| None)
                    .map_err(|e| e.to_string())
            } else {
                let kid = format!("candidate-{round}-{i}");
                db.signing_keys((&kid, &[i; 32]), chrono::Utc::now())
                    .await
                    .map(Some)
                    .map_err(|e| e.to_string())
            }
        });
    }
    let mut seen = Vec::new();
    while let Some(joined) = starts.join_next().await {
        match joined {
            Ok(Ok(Some(keys))) => seen.push(keys),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => panic!("a start failed: {e}"),
            Err(e) => panic!("a start panicked: {e}"),
        }
    }
    seen
}

engine_test!(concurrent_first_starts_install_exactly_one_signing_key, |app| {
    // The harness pins FIELDBOOK_JWT_SECRET, so nothing has been installed yet.
    assert_eq!(app.count("signing_keys").await, 0);
    // The race was lost about one time in two before the fix: several rounds make it certain.
    for round in 0..5 {
        let seen = race(&app, round).await;
        assert_eq!(
            app.count("signing_keys").await,
            1,
            "round {round}: more than one key installed"
        );
        let first = seen.first().cloned().unwrap_or_default();
        assert_eq!(first.len(), 1, "round {round}");
        assert!(
            seen.iter().all(|k| *k == first),
            "round {round}: instances disagree on the key"
        );
        let cleared = match &app.db {
            Db::Sqlite(p) => sqlx::query("DELETE FROM signing_keys").execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query("DELETE FROM signing_keys").execute(p).await.map(|_| ()),
        };
        assert!(cleared.is_ok(), "{cleared:?}");
    }
});
