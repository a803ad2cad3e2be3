//! Issue 14: the login throttle and the write rate limits are counted in the database, so they
//! hold for a caller spread over several instances behind a load balancer.
use super::*;
use futures_util::future::join_all;
use std::time::Duration;

fn is_problem(r: &Resp) -> bool {
    r.header("content-type").as_deref() == Some("application/problem+json")
}

fn retry_after(r: &Resp) -> u64 {
    r.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0)
}

engine_test!(
    the_login_throttle_holds_across_two_instances,
    |c| {
        c.hash_wait_ms = 30_000;
    },
    |app| {
        let other = TestApp::attach(
            app.second_instance(|c| c.hash_wait_ms = 30_000).await,
            app.db.clone(),
            app.engine,
            None,
        );
        let max = 5;
        // 40 concurrent attempts at one account, alternating between the instances; the right
        // password (#30) a moment later, when the wrong guesses have taken the slots.
        let attempts = (1..=40).map(|i| {
            let target = if i % 2 == 0 { &app } else { &other };
            async move {
                let password = if i == 30 { ADMIN_PASSWORD } else { "wrong-password" };
                if i == 30 {
                    tokio::time::sleep(Duration::from_millis(1000)).await;
                }
                (i, target.login_full(ADMIN_EMAIL, password).await)
            }
        });
        let results = join_all(attempts).await;
        let evaluated = results.iter().filter(|(_, r)| r.status != 429).count();
        assert!(
            evaluated <= max,
            "{evaluated} attempts were evaluated across two instances, at most {max} allowed"
        );
        for (i, r) in &results {
            assert!([401, 429].contains(&r.status.as_u16()), "#{i}: {} {}", r.status, r.body);
            assert!(is_problem(r), "#{i}");
        }
        let right = results.iter().find(|(i, _)| *i == 30).map(|(_, r)| r);
        let right = right.unwrap_or_else(|| panic!("attempt #30 missing"));
        right.assert_problem(429, "too_many_attempts");
        assert!(retry_after(right) > 0);
        // The other instance refuses too: the failures are the account's, not the instance's.
        other
            .login_full(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .assert_problem(429, "too_many_attempts");
    }
);

engine_test!(
    a_successful_login_clears_the_accounts_failures_on_every_instance,
    |app| {
        let other = TestApp::attach(app.second_instance(|_| {}).await, app.db.clone(), app.engine, None);
        for _ in 0..4 {
            assert_eq!(app.login_full(ADMIN_EMAIL, "wrong-password").await.status, 401);
        }
        // Four failures recorded through one instance; the right password on the other works
        // and forgets them, so five more wrong guesses are evaluated before the lock.
        assert_eq!(other.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 200);
        for i in 0..5 {
            let r = app.login_full(ADMIN_EMAIL, "wrong-password").await;
            assert_eq!(r.status, 401, "guess {i} after the success: {}", r.body);
        }
        app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .assert_problem(429, "too_many_attempts");
    }
);

fn limited(c: &mut api::config::Config) {
    c.write_rate_per_sec = 1;
    c.write_burst = 5;
}

engine_test!(
    writes_are_rate_limited_per_caller_across_instances,
    |c| {
        limited(c);
    },
    |app| {
        let other = TestApp::attach(app.second_instance(limited).await, app.db.clone(), app.engine, None);
        let admin = app.admin().await;
        let second = app
            .create_user(
                &admin,
                json!({"email": "second-admin@test.local", "name": "Second", "role": "admin",
                       "password": "second-password-1"}),
            )
            .await;
        assert!(!second.is_empty());
        // Let the bucket refill to its burst after the setup write.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let before = app.count("branches").await;
        let writes = (0..12).map(|i| {
            let target = if i % 2 == 0 { &app } else { &other };
            let admin = &admin;
            async move {
                let body = json!({"name": format!("Branch {i}"), "time_zone": "Asia/Shanghai"});
                target.post("/v1/branches", admin, body).await
            }
        });
        let results = join_all(writes).await;
        let admitted = results.iter().filter(|r| r.status == 201).count();
        // The burst is 5; one more may have accrued while the requests were in flight.
        assert!(
            (5..=6).contains(&admitted),
            "{admitted} of 12 writes admitted with a burst of 5 across two instances"
        );
        for r in results.iter().filter(|r| r.status != 201) {
            r.assert_problem(429, "rate_limited");
            assert!(retry_after(r) >= 1, "{:?}", r.headers);
        }
        // A refused write changed nothing.
        assert_eq!(app.count("branches").await, before + admitted as i64);
        // Reads are not limited, and another caller has an allowance of their own.
        assert_eq!(app.get("/v1/branches", &admin).await.status, 200);
        let token = other.login("second-admin@test.local", "second-password-1").await;
        let body = json!({"name": "Someone else's", "time_zone": "Asia/Shanghai"});
        assert_eq!(other.post("/v1/branches", &token, body).await.status, 201);
        // After waiting out Retry-After the first caller may write again.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let body = json!({"name": "Later", "time_zone": "Asia/Shanghai"});
        assert_eq!(app.post("/v1/branches", &admin, body).await.status, 201);
    }
);
