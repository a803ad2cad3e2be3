//! Issue 14 hardening from outside: NUL characters refused at the edge on both engines,
//! security headers on every response.

use super::*;

engine_test!(nul_characters_are_refused_with_a_pointer_and_change_nothing, |app| {
    // Unauthenticated: the login e-mail.
    let login = app
        .call(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": "admin\u{0}@test.local", "password": "x"})),
        )
        .await;
    login.assert_problem(422, "validation_failed");
    login.assert_field_error("/email");
    let admin = app.admin().await;
    // A top-level field, a nested field and an object key.
    app.post("/v1/branches", &admin, json!({"name": "Pu\u{0}dong"}))
        .await
        .assert_field_error("/name");
    app.post(
        "/v1/branches",
        &admin,
        json!({"name": "Pudong", "morning_meeting": {"start": "08:00\u{0}", "end": "09:00"}}),
    )
    .await
    .assert_field_error("/morning_meeting/start");
    app.post("/v1/branches", &admin, json!({"name": "Pudong", "na\u{0}me": "x"}))
        .await
        .assert_field_error("/na\u{0}me");
    assert_eq!(
        app.get("/v1/branches", &admin).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "a refused write changed state"
    );
    // A query parameter and a path segment.
    app.get("/v1/branches?limit=5&cursor=ab%00cd", &admin)
        .await
        .assert_field_error("/query/cursor");
    app.get("/v1/branches/ab%00cd", &admin)
        .await
        .assert_field_error("/path");
    // An escaped backslash followed by "u0000" is ordinary text, not a NUL.
    let ok = app.post("/v1/branches", &admin, json!({"name": "Pu\\u0000dong"})).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
});

engine_test!(responses_carry_security_headers, |app| {
    let health = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(health.header("x-content-type-options").as_deref(), Some("nosniff"));
    let admin = app.admin().await;
    let me = app.get("/v1/me", &admin).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(me.header("x-content-type-options").as_deref(), Some("nosniff"));
    let missing = app
        .get("/v1/branches/0190b0a0-0000-7000-8000-000000000000", &admin)
        .await;
    assert_eq!(missing.header("cache-control").as_deref(), Some("no-store"));
    let docs = app.call(Method::GET, "/docs/", None, None).await;
    let csp = docs.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(docs.header("x-frame-options").as_deref(), Some("DENY"));
});
