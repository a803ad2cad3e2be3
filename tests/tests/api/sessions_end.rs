//! Issue 14: logout, a password change and deactivation end the user's existing access tokens
//! at once (the token's generation no longer matches the user's).
use super::*;

engine_test!(logout_ends_the_old_access_token, |app| {
    let first = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let old = first.body["access_token"].as_str().unwrap_or_default().to_owned();
    let other = app.admin().await;
    assert_eq!(app.get("/v1/me", &old).await.status, 200);
    // Logout naming one refresh-token family still ends every access token of the caller.
    let r = app
        .post(
            "/v1/auth/logout",
            &old,
            json!({"refresh_token": first.body["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.get("/v1/me", &old).await.assert_problem(401, "unauthorized");
    app.get("/v1/me", &other).await.assert_problem(401, "unauthorized");
    // The bare form too; a fresh login works afterwards.
    let fresh = app.admin().await;
    assert_eq!(app.get("/v1/me", &fresh).await.status, 200);
    let r = app.call(Method::POST, "/v1/auth/logout", Some(&fresh), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.get("/v1/me", &fresh).await.assert_problem(401, "unauthorized");
    let again = app.admin().await;
    assert_eq!(app.get("/v1/me", &again).await.status, 200);
});

engine_test!(password_change_ends_the_old_access_token, |app| {
    let org = make_org(&app).await;
    let old = app.login("agent-a@test.local", PASSWORD).await;
    assert_eq!(app.get("/v1/me", &old).await.status, 200);
    let r = app
        .patch(
            &format!("/v1/users/{}", org.agent_a),
            &org.admin,
            json!({"password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.get("/v1/me", &old).await.assert_problem(401, "unauthorized");
    // A change that is not a password leaves tokens alone.
    let fresh = app.login("agent-a@test.local", "a-brand-new-password").await;
    let r = app
        .patch(
            &format!("/v1/users/{}", org.agent_a),
            &org.admin,
            json!({"name": "Agent A renamed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.get("/v1/me", &fresh).await.status, 200);
});

engine_test!(deactivation_ends_the_old_access_token, |app| {
    let org = make_org(&app).await;
    let old = app.login("agent-b@test.local", PASSWORD).await;
    assert_eq!(app.get("/v1/me", &old).await.status, 200);
    let r = app
        .call(
            Method::POST,
            &format!("/v1/users/{}/deactivate", org.agent_b),
            Some(&org.admin),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get("/v1/me", &old).await;
    r.assert_problem(401, "unauthorized");
    assert!(r.body["type"]
        .as_str()
        .is_some_and(|t| t.starts_with("urn:fieldbook:problem:")));
    // Other users' tokens are unaffected.
    let a = app.login("agent-a@test.local", PASSWORD).await;
    assert_eq!(app.get("/v1/me", &a).await.status, 200);
});
