//! Defects of issue 10 in this feature, each named after its rule: leaving a branch never
//! reverses a closed day (LEDGER-1/2), the runner allocates a started quarter (LEAD-1), business
//! dates are the branch's (TIME-1), every section of a policy version is validated (POL-1), and
//! an absurd month or quarter is a 422, never a job over year 0001.

use super::*;

async fn penalties_of(app: &TestApp, admin: &str, person: &str) -> Vec<serde_json::Value> {
    let r = app
        .get(&format!("/v1/penalties?limit=200&person={person}"), admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn nothing_posted(reports: &[serde_json::Value]) -> bool {
    reports
        .iter()
        .all(|r| r["penalties_posted"] == 0 && r["adjustments_posted"] == 0)
}

engine_test!(
    ledger_1_deactivating_an_agent_reverses_nothing,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let before = summary(&all_penalties(&app, &w.org.admin).await);
        assert_eq!(before.len(), 5, "{before:?}");
        let r = app
            .call(
                Method::POST,
                &format!("/v1/users/{}/deactivate", w.org.agent_a),
                Some(&w.org.admin),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The next close re-evaluates the same days: the agent's penalties stay due.
        app.set_clock(&sh("2026-11-13 12:00:00")).await;
        let again = close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        assert!(nothing_posted(&again), "{again:?}");
        let after = all_penalties(&app, &w.org.admin).await;
        assert!(after.iter().all(|e| e["kind"] == "penalty"), "no reversal: {after:?}");
        assert_eq!(summary(&after), before);
    }
);

engine_test!(
    ledger_2_moving_an_agent_to_another_branch_reverses_nothing,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let before = summary(&all_penalties(&app, &w.org.admin).await);
        let other = app
            .post(
                "/v1/branches",
                &w.org.admin,
                json!({"name": "Minhang", "time_zone": "Asia/Shanghai"}),
            )
            .await
            .id();
        let sup = app
            .create_user(
                &w.org.admin,
                json!({"email": "sup-c@test.local", "name": "Sup c", "password": PASSWORD,
                       "role": "supervisor", "branch_id": other}),
            )
            .await;
        let team = app
            .post(
                "/v1/teams",
                &w.org.admin,
                json!({"branch_id": other, "name": "Team c", "supervisor_id": sup}),
            )
            .await
            .id();
        let moved = app
            .patch(
                &format!("/v1/users/{}", w.org.agent_a),
                &w.org.admin,
                json!({"team_id": team}),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.body);
        assert_eq!(moved.body["branch_id"], other.as_str());
        app.set_clock(&sh("2026-11-13 12:00:00")).await;
        // The old branch keeps what the agent owed while there.
        let again = close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        assert!(nothing_posted(&again), "{again:?}");
        // The new branch owes nothing for days before the move.
        let there = close_week(&app, &app.base, &w.org.admin, &other).await;
        assert!(nothing_posted(&there), "{there:?}");
        assert_eq!(summary(&all_penalties(&app, &w.org.admin).await), before);
    }
);

engine_test!(
    ledger_2_a_deactivated_agent_is_evaluated_for_the_days_they_belonged,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock(&sh("2026-11-01 12:00:00")).await;
        let org = make_org(&app).await;
        // Nobody does anything. On Wednesday morning agent a leaves the company.
        app.set_clock(&sh("2026-11-04 10:00:00")).await;
        let r = app
            .call(
                Method::POST,
                &format!("/v1/users/{}/deactivate", org.agent_a),
                Some(&org.admin),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &org.admin, &org.branch).await;
        let days = |items: Vec<serde_json::Value>| {
            let mut d: Vec<String> = items
                .iter()
                .filter(|e| e["rule_id"] == "DIA-PEN-MISSING")
                .map(|e| e["business_day"].as_str().unwrap_or_default().to_owned())
                .collect();
            d.sort();
            d
        };
        // Monday and Tuesday were theirs; from Wednesday on they had no duty.
        assert_eq!(
            days(penalties_of(&app, &org.admin, &org.agent_a).await),
            vec!["2026-11-02", "2026-11-03"]
        );
        assert_eq!(days(penalties_of(&app, &org.admin, &org.agent_b).await).len(), 6);
    }
);

engine_test!(
    lead_1_the_runner_allocates_a_quarter_once_it_starts,
    |c| {
        c.test_clock = true;
        c.jobs_interval_secs = 1;
    },
    |app| {
        app.set_clock(&sh("2026-12-31 12:00:00")).await;
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let path = format!("/v1/agents/{}/leads", org.agent_a);
        let mut seen = serde_json::Value::Null;
        for _ in 0..50 {
            seen = app.get(&path, &agent).await.body;
            if seen["allocations"].as_array().is_some_and(|a| !a.is_empty()) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(
            (seen["quarter"].as_str(), seen["allocated"].as_i64()),
            (Some("2026Q4"), Some(60)),
            "{seen}"
        );
        // Half an hour into the new year in Shanghai (still the 31st in UTC): 2027Q1 has started.
        app.set_clock(&sh("2027-01-01 00:30:00")).await;
        for _ in 0..50 {
            seen = app.get(&path, &agent).await.body;
            if seen["allocations"].as_array().is_some_and(|a| a.len() == 2) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(
            (seen["quarter"].as_str(), seen["allocated"].as_i64()),
            (Some("2027Q1"), Some(60)),
            "{seen}"
        );
        // Idempotent: later passes add nothing.
        let rows = app.count("lead_movements").await;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(app.count("lead_movements").await, rows);
    }
);

engine_test!(
    time_1_a_quarter_starts_at_midnight_in_the_branch_zone,
    |c| {
        clock(c);
    },
    |app| {
        // 00:30 on 1 January in Shanghai is 16:30 on 31 December in UTC.
        app.set_clock(&sh("2027-01-01 00:30:00")).await;
        let org = make_org(&app).await;
        let r = app
            .post(
                "/v1/admin/jobs/allocate-leads",
                &org.admin,
                json!({"quarter": "2027Q1"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["agents"], 2);
        let leads = app.get(&format!("/v1/agents/{}/leads", org.agent_a), &org.admin).await;
        assert_eq!(leads.body["quarter"], "2027Q1");
        assert_eq!(leads.body["allocated"], 60);
    }
);

// A guard rather than a defect: waivers were already posted on the branch's date.
engine_test!(
    time_1_ledger_posting_days_are_the_branch_zone_date,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        // 07:30 on the 13th in Shanghai is still the 12th in UTC.
        app.set_clock(&sh("2026-11-13 07:30:00")).await;
        let items = all_penalties(&app, &w.org.admin).await;
        let id = items
            .iter()
            .find(|e| e["rule_id"] == "DIA-PEN-LATEFILL")
            .and_then(|e| e["id"].as_str())
            .unwrap_or_default()
            .to_owned();
        let waiver = app
            .post(&format!("/v1/penalties/{id}/waive"), &w.hr, json!({"reason": "outage"}))
            .await;
        assert_eq!(waiver.status, 201, "{}", waiver.body);
        assert_eq!(waiver.body["posted_day"], "2026-11-13");
    }
);

engine_test!(
    periods_outside_2000_to_2100_are_rejected_at_the_edge,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock(&sh("2026-11-10 12:00:00")).await;
        let org = make_org(&app).await;
        app.post(
            "/v1/admin/jobs/close-month",
            &org.admin,
            json!({"branch_id": org.branch, "month": "1900-01"}),
        )
        .await
        .assert_field_error("/month");
        app.get(
            &format!("/v1/agents/{}/compliance?month=0001-01", org.agent_a),
            &org.admin,
        )
        .await
        .assert_field_error("/query/month");
        app.post(
            "/v1/admin/jobs/allocate-leads",
            &org.admin,
            json!({"quarter": "0001Q1"}),
        )
        .await
        .assert_field_error("/quarter");
    }
);

engine_test!(
    pol_1_every_section_is_validated_including_commission_and_quality,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock(&sh("2026-11-10 12:00:00")).await;
        let org = make_org(&app).await;
        for (document, pointer) in [
            (
                json!({"commission": {"cutoff_day": 31}}),
                "/document/commission/cutoff_day",
            ),
            (
                json!({"commission": {"calling_hours_start": 22, "calling_hours_end": 21}}),
                "/document/commission/calling_hours_end",
            ),
            (
                json!({"commission": {"number_changed_fen": -1}}),
                "/document/commission/number_changed_fen",
            ),
            (
                json!({"quality": {"appeal_days": 1000}}),
                "/document/quality/appeal_days",
            ),
            (
                json!({"quality": {"thresholds": [{"half_points": 0, "consequences": []}]}}),
                "/document/quality/thresholds/0/half_points",
            ),
        ] {
            app.post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-12-01", "document": document}),
            )
            .await
            .assert_field_error(pointer);
        }
        let v = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-12-01", "document": {"commission": {"cutoff_day": 25}}}),
            )
            .await;
        assert_eq!(v.status, 201, "{}", v.body);
        app.patch(
            &format!("/v1/policy-versions/{}", v.id()),
            &org.admin,
            json!({"document": {"quality": {"thresholds": [{"half_points": 30, "consequences": [], "allowance_withheld_percent": 101}]}}}),
        )
        .await
        .assert_field_error("/document/quality/thresholds/0/allowance_withheld_percent");
    }
);
