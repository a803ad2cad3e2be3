//! Issue 14: the login throttle holds under concurrency, and password hashing is bounded.
use super::*;
use futures_util::future::join_all;
use std::time::Duration;

fn is_problem(r: &Resp) -> bool {
    r.header("content-type").as_deref() == Some("application/problem+json")
}

engine_test!(
    concurrent_guesses_are_throttled_before_they_are_evaluated,
    |c| {
        // Hashing must not be the bottleneck here (no 503s): only the throttle decides.
        c.hash_wait_ms = 30_000;
    },
    |app| {
        let max = 5;
        // 40 concurrent attempts at one account, the right password as #30: it is sent a
        // moment later so that earlier wrong guesses have taken their slots.
        let attempts = (1..=40).map(|i| {
            let app = &app;
            async move {
                let password = if i == 30 { ADMIN_PASSWORD } else { "wrong-password" };
                if i == 30 {
                    tokio::time::sleep(Duration::from_millis(1000)).await;
                }
                (i, app.login_full(ADMIN_EMAIL, password).await)
            }
        });
        let results = join_all(attempts).await;
        let evaluated = results.iter().filter(|(_, r)| r.status != 429).count();
        assert!(
            evaluated <= max,
            "{evaluated} attempts were evaluated, at most {max} allowed"
        );
        for (i, r) in &results {
            assert!([401, 429].contains(&r.status.as_u16()), "#{i}: {} {}", r.status, r.body);
            assert!(is_problem(r), "#{i}");
        }
        let right = results.iter().find(|(i, _)| *i == 30).map(|(_, r)| r);
        let right = right.unwrap_or_else(|| panic!("attempt #30 missing"));
        right.assert_problem(429, "too_many_attempts");
        let retry: u64 = right.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0);
        assert!(retry > 0, "Retry-After {retry}");
    }
);

engine_test!(
    a_login_burst_beyond_the_hashing_bound_gets_503_with_retry_after,
    |c| {
        c.hash_concurrency = 1;
        c.hash_wait_ms = 1;
        c.login_max_failures_per_address = 10_000;
    },
    |app| {
        let attempts = (0..30).map(|i| {
            let app = &app;
            async move {
                // Unknown e-mails hash a dummy inside the same bound.
                let email = if i % 3 == 0 {
                    ADMIN_EMAIL.to_owned()
                } else {
                    format!("nobody{i}@test.local")
                };
                app.login_full(&email, "wrong-password").await
            }
        });
        let results = join_all(attempts).await;
        let busy: Vec<&Resp> = results.iter().filter(|r| r.status == 503).collect();
        assert!(!busy.is_empty(), "no 503 in a burst of 30 with one hashing slot");
        for r in &results {
            assert!(is_problem(r), "{} {}", r.status, r.body);
            assert!([401, 429, 503].contains(&r.status.as_u16()), "{} {}", r.status, r.body);
        }
        for r in busy {
            r.assert_problem(503, "hashing_busy");
            let retry: u64 = r.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0);
            assert!(retry > 0, "Retry-After {retry}");
        }
    }
);
