//! Defects of the policy view and the settlement fixed in the restructure (issue 10), each
//! named after its rule.

use super::*;

fn changed() -> serde_json::Value {
    json!({"category": "success", "number_changed": true})
}

/// The (rule, amount) of each deduction a policy's view states.
async fn deductions(app: &TestApp, token: &str, id: &str) -> Vec<(String, i64)> {
    let r = app.get(&format!("/v1/policies/{id}"), token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body["hold"]["deductions"].as_array().cloned();
    assert!(list.is_some(), "the view states its deductions: {}", r.body["hold"]);
    list.unwrap_or_default()
        .iter()
        .map(|d| {
            assert!(d["reason"].as_str().is_some_and(|r| !r.is_empty()), "{d}");
            (
                d["rule_id"].as_str().unwrap_or_default().to_owned(),
                d["amount_fen"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

/// The (rule, amount) of each line of `kind` in agent a's statement for `month`.
async fn lines_of(app: &TestApp, w: &World, month: &str, kind: &str) -> Vec<(String, i64)> {
    statement_lines(app, w, month)
        .await
        .iter()
        .filter(|l| l["type"] == kind)
        .map(|l| {
            (
                l["rule_id"].as_str().unwrap_or_default().to_owned(),
                l["amount_fen"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

engine_test!(
    com_3_5_com_7_the_policy_view_states_the_deductions_and_why,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let number = policy(&app, &w, "D1-changed", "2026-10-05", Some("2026-10-06")).await;
        let late = policy(&app, &w, "D2-late", "2026-06-01", Some("2026-10-06")).await;
        let clean = policy(&app, &w, "D3-clean", "2026-10-05", Some("2026-10-06")).await;
        for p in [&late, &clean] {
            assert_eq!(call(&app, &w, p, "2026-10-15 10:00", ok()).await.status, 200);
        }
        to_manual(&app, &w, &number).await;
        let r = call(&app, &w, &number, "2026-10-17 11:00", changed()).await;
        assert_eq!(r.body["hold"]["state"], "passed_number_changed", "{}", r.body);
        assert_eq!(r.body["hold"]["payment"], "payable");
        assert_eq!(
            deductions(&app, &w.agent, &number).await,
            vec![("COM-3.5".to_owned(), 4000)]
        );
        assert_eq!(
            deductions(&app, &w.agent, &late).await,
            vec![("COM-7".to_owned(), 2000)]
        );
        assert_eq!(deductions(&app, &w.agent, &clean).await, vec![]);
        // Once settled, the view states what the statement deducted.
        app.set_clock(&sh("2026-10-21 09:00")).await;
        assert_eq!(settle(&app, &w, "2026-10").await.status, 200);
        assert_eq!(
            deductions(&app, &w.org.admin, &number).await,
            vec![("COM-3.5".to_owned(), 4000)]
        );
        assert!(lines_of(&app, &w, "2026-10", "deducted")
            .await
            .contains(&("COM-3.5".to_owned(), -4000)));
    }
);

engine_test!(
    com_3_6_a_quality_office_withhold_cites_com_3_6_on_the_statement,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let quality = policy(&app, &w, "W1-forged", "2026-10-05", Some("2026-10-06")).await;
        let manual = policy(&app, &w, "W2-manual", "2026-10-05", Some("2026-10-06")).await;
        let r = call(
            &app,
            &w,
            &quality,
            "2026-10-15 10:00",
            json!({"category": "success", "forged_signature": true}),
        )
        .await;
        assert_eq!(r.body["hold"]["state"], "quality_hold", "{}", r.body);
        to_manual(&app, &w, &manual).await;
        let refused = json!({"category": "refusal", "reason": "policyholder_refused"});
        let r = call(&app, &w, &manual, "2026-10-17 11:00", refused).await;
        assert_eq!(r.body["hold"]["state"], "withheld", "{}", r.body);
        app.set_clock(&sh("2026-10-18 10:00")).await;
        let r = app
            .post(
                &format!("/v1/policies/{quality}/quality-resolution"),
                &w.qo,
                json!({"release": false, "reason": "the signature was forged"}),
            )
            .await;
        assert_eq!(r.body["hold"]["state"], "withheld", "{}", r.body);
        app.set_clock(&sh("2026-10-21 09:00")).await;
        assert_eq!(settle(&app, &w, "2026-10").await.status, 200);
        let withheld: Vec<(String, String)> = statement_lines(&app, &w, "2026-10")
            .await
            .iter()
            .filter(|l| l["type"] == "withheld")
            .map(|l| {
                (
                    l["policy_id"].as_str().unwrap_or_default().to_owned(),
                    l["rule_id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert_eq!(withheld.len(), 2, "{withheld:?}");
        assert!(
            withheld.contains(&(quality.clone(), "COM-3.6".to_owned())),
            "{withheld:?}"
        );
        assert!(
            withheld.contains(&(manual.clone(), "COM-3.5".to_owned())),
            "{withheld:?}"
        );
    }
);

/// A world whose branch deducts 90 yuan for a changed number from 25 October (after
/// October's cut-off on the 20th), with one policy passed on a changed number on the 17th.
async fn version_after_the_cut_off(app: &TestApp) -> (World, String) {
    let w = world(app).await;
    let v = app
        .post(
            "/v1/policy-versions",
            &w.org.admin,
            json!({"branch_id": w.org.branch, "effective_from": "2026-10-25",
                   "document": {"commission": {"number_changed_fen": 9000}}}),
        )
        .await;
    assert_eq!(v.status, 201, "{}", v.body);
    let p = policy(app, &w, "V1-changed", "2026-10-05", Some("2026-10-06")).await;
    to_manual(app, &w, &p).await;
    let r = call(app, &w, &p, "2026-10-17 11:00", changed()).await;
    assert_eq!(r.body["hold"]["state"], "passed_number_changed", "{}", r.body);
    (w, p)
}

engine_test!(
    pol_1_com_8_a_manual_settlement_uses_the_version_in_force_on_the_cut_off_day,
    |c| {
        clock(c);
    },
    |app| {
        let (w, p) = version_after_the_cut_off(&app).await;
        app.set_clock(&sh("2026-10-21 09:00")).await;
        let s = settle(&app, &w, "2026-10").await;
        assert_eq!(s.status, 200, "{}", s.body);
        assert_eq!(
            lines_of(&app, &w, "2026-10", "deducted").await,
            vec![("COM-3.5".to_owned(), -4000)]
        );
        // The view states the deduction as the statement posted it, not at the later rate.
        assert_eq!(deductions(&app, &w.agent, &p).await, vec![("COM-3.5".to_owned(), 4000)]);
    }
);

engine_test!(
    pol_1_com_8_the_background_settlement_uses_the_version_in_force_on_the_cut_off_day,
    |c| {
        c.test_clock = true;
        c.jobs_interval_secs = 1;
    },
    |app| {
        let (w, _) = version_after_the_cut_off(&app).await;
        // The runner settles October on the first tick after the version of the 25th applies.
        app.set_clock(&sh("2026-10-26 12:00")).await;
        let mut lines = Vec::new();
        for _ in 0..75 {
            lines = statement_lines(&app, &w, "2026-10").await;
            if !lines.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let deducted: Vec<(String, i64)> = lines
            .iter()
            .filter(|l| l["type"] == "deducted")
            .map(|l| {
                (
                    l["rule_id"].as_str().unwrap_or_default().to_owned(),
                    l["amount_fen"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(deducted, vec![("COM-3.5".to_owned(), -4000)]);
    }
);

engine_test!(
    com_8_months_outside_2000_to_2100_are_refused,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        for bad in ["0001-01", "1999-12", "2101-01", "2026-13", "2026-1"] {
            settle(&app, &w, bad).await.assert_field_error("/month");
        }
        let path = format!("/v1/agents/{}/statements?month=1999-12", w.org.agent_a);
        app.get(&path, &w.agent).await.assert_field_error("/query/month");
        // A role without ledgers still hears 403 first.
        app.get(&path, &w.cb).await.assert_problem(403, "forbidden");
    }
);
