use super::*;

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/v1.json");
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Regenerate with `cargo run -p api -- openapi > openapi/v1.json`.
#[test]
fn committed_contract_equals_generated() {
    let generated = api::startup::openapi_json();
    assert!(
        committed() == generated,
        "openapi/v1.json is stale: run `cargo run -p api -- openapi > openapi/v1.json`"
    );
}

#[test]
fn every_operation_is_tagged_summarised_and_secured() {
    let doc: serde_json::Value = serde_json::from_str(&api::startup::openapi_json()).unwrap_or_default();
    let consumers = [
        "agent-app",
        "supervisor-app",
        "back-office",
        "integration",
        "operations",
    ];
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        for (method, op) in item.as_object().cloned().unwrap_or_default() {
            count += 1;
            let tags: Vec<&str> = op["tags"]
                .as_array()
                .map(|t| t.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            assert!(
                !tags.is_empty() && tags.iter().all(|t| consumers.contains(t)),
                "{method} {path}: tags {tags:?}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path}: no summary"
            );
            assert!(op["security"].is_array(), "{method} {path}: no security requirement");
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let public = ["/health", "/ready", "/v1/auth/login", "/v1/auth/refresh"].contains(&path.as_str());
            assert_eq!(secured, !public, "{method} {path}: bearer requirement");
            if secured {
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path}: 401 undocumented"
                );
            }
        }
    }
    assert!(count >= 19, "only {count} operations");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

engine_test!(served_contract_equals_committed_and_docs_work_offline, |app| {
    let served = app.send(app.client.get(format!("{}/v1/openapi.json", app.base))).await;
    assert_eq!(served.status, 200);
    let committed: serde_json::Value = serde_json::from_str(&committed()).unwrap_or_default();
    assert_eq!(served.body, committed);
    let docs = app.send(app.client.get(format!("{}/docs/", app.base))).await;
    assert_eq!(docs.status, 200);
    let html = docs.body.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("swagger"), "not the Swagger UI page");
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "the docs page loads assets from a CDN"
    );
    let js = app
        .send(app.client.get(format!("{}/docs/swagger-ui-bundle.js", app.base)))
        .await;
    assert_eq!(js.status, 200, "Swagger UI assets are served by us");
    let init = app
        .send(app.client.get(format!("{}/docs/swagger-initializer.js", app.base)))
        .await;
    assert!(init.body.as_str().unwrap_or_default().contains("/v1/openapi.json"));
    let redirect = app.send(app.client.get(format!("{}/docs", app.base))).await;
    assert_eq!(redirect.status.as_u16(), 308);
});
