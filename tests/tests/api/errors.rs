use super::*;

engine_test!(malformed_inputs_get_problem_json, |app| {
    let admin = app.admin().await;
    let url = format!("{}/v1/branches", app.base);
    let malformed = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body("{\"name\": "),
        )
        .await;
    malformed.assert_problem(400, "malformed_json");
    let not_json = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&admin)
                .header("content-type", "text/plain")
                .body("name=x"),
        )
        .await;
    not_json.assert_problem(415, "unsupported_media_type");
    let no_type = app.send(app.client.post(&url).bearer_auth(&admin).body("{}")).await;
    no_type.assert_problem(415, "unsupported_media_type");
    let wrong_type = app.post("/v1/branches", &admin, json!({"name": 42})).await;
    wrong_type.assert_field_error("/name");
    let array = app.post("/v1/branches", &admin, json!([1, 2])).await;
    array.assert_problem(422, "validation_failed");
    let unknown = app
        .post("/v1/branches", &admin, json!({"name": "X", "colour": "red"}))
        .await;
    unknown.assert_field_error("/colour");
    let nested_unknown = app
        .post(
            "/v1/branches",
            &admin,
            json!({"name": "X", "morning_meeting": {"start": "08:00", "end": "09:00", "x": 1}}),
        )
        .await;
    nested_unknown.assert_field_error("/morning_meeting/x");
    let big = "a".repeat(3 * 1024 * 1024);
    let too_big = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body(format!("{{\"name\": \"{big}\"}}")),
        )
        .await;
    too_big.assert_problem(413, "payload_too_large");
    let list = app.get("/v1/branches", &admin).await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(0),
        "a rejected write changed state"
    );
});

engine_test!(unknown_routes_methods_and_paths_get_problem_json, |app| {
    let admin = app.admin().await;
    app.get("/v1/nothing-here", &admin)
        .await
        .assert_problem(404, "not_found");
    app.call(Method::GET, "/nowhere", None, None)
        .await
        .assert_problem(404, "not_found");
    let wrong_method = app.call(Method::DELETE, "/v1/branches", Some(&admin), None).await;
    wrong_method.assert_problem(405, "method_not_allowed");
    assert_eq!(wrong_method.header("allow").as_deref(), Some("GET, POST"));
    let put_user = app
        .call(
            Method::PUT,
            &format!("/v1/users/{}", uuid::Uuid::new_v4()),
            Some(&admin),
            None,
        )
        .await;
    put_user.assert_problem(405, "method_not_allowed");
    assert_eq!(put_user.header("allow").as_deref(), Some("GET, PATCH"));
    app.get("/v1/users/not-a-uuid", &admin)
        .await
        .assert_problem(400, "invalid_path_parameter");
});

engine_test!(request_ids_are_echoed_or_generated, |app| {
    let given = app
        .send(
            app.client
                .get(format!("{}/health", app.base))
                .header("x-request-id", "trace-abc-123"),
        )
        .await;
    assert_eq!(given.header("x-request-id").as_deref(), Some("trace-abc-123"));
    let generated = app.call(Method::GET, "/health", None, None).await;
    assert!(generated.header("x-request-id").is_some_and(|r| r.len() >= 16));
    let problem = app
        .send(
            app.client
                .get(format!("{}/v1/me", app.base))
                .header("x-request-id", "trace-xyz"),
        )
        .await;
    assert_eq!(problem.body["request_id"], "trace-xyz");
    // An unprintable or oversized id is replaced, not echoed.
    let long = "x".repeat(500);
    let replaced = app
        .send(
            app.client
                .get(format!("{}/health", app.base))
                .header("x-request-id", long.as_str()),
        )
        .await;
    assert_ne!(replaced.header("x-request-id"), Some(long));
});

engine_test!(health_and_ready, |app| {
    let h = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.body["status"], "ok");
    let r = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ready");
    app.db.close().await;
    let down = app.call(Method::GET, "/ready", None, None).await;
    down.assert_problem(503, "database_unavailable");
});

engine_test!(a_role_lacking_the_function_gets_403_before_its_body_is_read, |app| {
    let org = make_org(&app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let sup = app.login("sup-a@test.local", PASSWORD).await;
    let id = uuid::Uuid::new_v4();
    for (token, method, path) in [
        (&agent, Method::POST, "/v1/branches".to_owned()),
        (&agent, Method::PATCH, format!("/v1/users/{id}")),
        (&agent, Method::POST, "/v1/policy-versions".to_owned()),
        (&agent, Method::POST, "/v1/admin/jobs/close-day".to_owned()),
        (&agent, Method::POST, "/v1/policies".to_owned()),
        (&agent, Method::POST, format!("/v1/penalties/{id}/waive")),
        (&sup, Method::POST, "/v1/activities:batch".to_owned()),
        (&sup, Method::POST, "/v1/quality/violations".to_owned()),
        (&org.admin, Method::PUT, format!("/v1/diaries/{id}/2026-11-03")),
        (&agent, Method::POST, format!("/v1/diaries/{id}/2026-11-03/approve")),
    ] {
        // Empty and malformed bodies alike: the role is refused first.
        let r = app.call(method.clone(), &path, Some(token), Some(json!({}))).await;
        r.assert_problem(403, "forbidden");
        let raw = app
            .send(
                app.client
                    .request(method, format!("{}{path}", app.base))
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body("{"),
            )
            .await;
        raw.assert_problem(403, "forbidden");
    }
});

#[test]
fn every_write_route_is_guarded_by_role_up_front() {
    let doc: serde_json::Value = serde_json::from_str(&api::startup::openapi_json()).unwrap_or_default();
    let mut unguarded = Vec::new();
    for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            if item.get(method.to_lowercase()).is_some() {
                let m = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap_or_default();
                if api::auth::route_function(&m, &path).is_none() {
                    unguarded.push(format!("{method} {path}"));
                }
            }
        }
    }
    unguarded.sort();
    // Sign-in and the OAuth token grant need no role; voiding is for agents (own, same day)
    // or the quality office (any), decided in the handler; the platform API takes no user at
    // all (its token is checked up front by `auth::precheck` instead).
    assert_eq!(
        unguarded,
        vec![
            "POST /v1/activities/{id}/void",
            "POST /v1/auth/login",
            "POST /v1/auth/logout",
            "POST /v1/auth/refresh",
            "POST /v1/oauth/token",
            "POST /v1/platform/tenants",
        ]
    );
}
