//! The background runner.

use super::*;

engine_test!(
    background_runner_closes_due_days,
    |c| {
        c.test_clock = true;
        c.jobs_interval_secs = 1;
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        // By Thursday the 12th every day up to Monday the 9th can close (its reviews were due
        // on Wednesday evening); nobody did anything on Monday the 9th.
        let mut week = Vec::new();
        let mut monday = Vec::new();
        for _ in 0..50 {
            let all = summary(&all_penalties(&app, &w.org.admin).await);
            week = all
                .iter()
                .filter(|p| p.1.as_str() <= "2026-11-07")
                .cloned()
                .collect::<Vec<_>>();
            monday = all.iter().filter(|p| p.1 == "2026-11-09").cloned().collect::<Vec<_>>();
            if week.len() >= 5 && monday.len() >= 6 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(week.len(), 5, "{week:?}");
        assert_eq!(
            monday.len(),
            6,
            "3 missing visits, 5 missing calls and a missing diary, for each agent: {monday:?}"
        );
        assert!(monday.iter().all(|p| p.2 == w.org.agent_a || p.2 == w.org.agent_b));
        // Nothing beyond Monday: Tuesday's reviews are not due until Thursday evening.
        let all = all_penalties(&app, &w.org.admin).await;
        assert!(all
            .iter()
            .all(|p| p["business_day"].as_str().unwrap_or_default() <= "2026-11-09"));
        // After the 20th's cut-off the runner also settles the month (COM-8): the activity
        // penalties posted before the cut-off land on November's statement.
        app.set_clock(&sh("2026-11-21 12:00:00")).await;
        let mut statements = Vec::new();
        for _ in 0..50 {
            let r = app
                .get(
                    &format!("/v1/agents/{}/statements?month=2026-11", w.org.agent_a),
                    &w.org.admin,
                )
                .await;
            statements = r.body["items"].as_array().cloned().unwrap_or_default();
            if !statements.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(statements.len(), 1);
        assert!(statements[0]["lines"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["rule_id"] == "DIA-PEN-MISSING")));
        assert!(
            statements[0]["net_fen"].as_i64().unwrap_or(0) < 0,
            "penalties reduce the net payable"
        );
    }
);
