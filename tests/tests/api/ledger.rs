use super::*;
use uuid::Uuid;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

/// Shanghai local "YYYY-MM-DD HH:MM:SS" → RFC 3339 UTC.
fn sh(local: &str) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").unwrap_or_default();
    (t - chrono::Duration::hours(8)).and_utc().to_rfc3339()
}

fn visit(client: &str, at: &str) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "face_visit", "occurred_at": at, "client_id": client})
}

fn call(client: &str, at: &str, secs: i64) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": at, "client_id": client,
           "details": {"duration_seconds": secs, "purpose": "client_greeting"}})
}

struct Week {
    org: Org,
    agent: String,
    client: String,
    hr: String,
}

/// Logs `visits` face visits and `calls` calls (plus `short` short calls) on `date` at noon.
async fn log_day(app: &TestApp, w: &Week, date: &str, visits: usize, calls: usize, short: usize) {
    app.set_clock(&sh(&format!("{date} 20:00:00"))).await;
    let mut items = Vec::new();
    for i in 0..visits {
        items.push(visit(&w.client, &sh(&format!("{date} 1{i}:00:00"))));
    }
    for i in 0..calls {
        items.push(call(&w.client, &sh(&format!("{date} 1{i}:30:00")), 90));
    }
    for i in 0..short {
        items.push(call(&w.client, &sh(&format!("{date} 1{i}:45:00")), 10));
    }
    let r = app
        .post("/v1/activities:batch", &w.agent, json!({"items": items}))
        .await;
    assert_eq!(r.body["rejected"], 0, "{}", r.body);
}

async fn submit_diary(app: &TestApp, w: &Week, date: &str, at_local: &str) {
    app.set_clock(&sh(at_local)).await;
    let path = format!("/v1/diaries/{}/{date}", w.org.agent_a);
    assert_eq!(app.get(&path, &w.agent).await.status, 200);
    let r = app
        .call(Method::POST, &format!("{path}/submit"), Some(&w.agent), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

async fn approve_diary(app: &TestApp, w: &Week, date: &str, at_local: &str) {
    app.set_clock(&sh(at_local)).await;
    let sup = app.login("sup-a@test.local", PASSWORD).await;
    let r = app
        .call(
            Method::POST,
            &format!("/v1/diaries/{}/{date}/approve", w.org.agent_a),
            Some(&sup),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A known week (Mon 2 – Sat 7 November 2026, Shanghai) under policy v1 (DIA-PEN-MISSING at 6 yuan).
async fn known_week(app: &TestApp) -> Week {
    app.set_clock(&sh("2026-11-01 12:00:00")).await;
    let org = make_org(app).await;
    let p = app
        .post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-11-01", "document": {"penalties": {"diary_missing_fen": 600}}}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    assert_eq!(p.body["version"], 1);
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
    app.create_user(
        &org.admin,
        json!({"email": "hr@test.local", "name": "HR", "password": PASSWORD, "role": "hr"}),
    )
    .await;
    let hr = app.login("hr@test.local", PASSWORD).await;
    // Agent b is on approved leave all week: nothing may fall on them.
    let agent_b = app.login("agent-b@test.local", PASSWORD).await;
    let leave_b = app
        .post(
            "/v1/leave-requests",
            &agent_b,
            json!({"from": "2026-11-02", "to": "2026-11-07", "reason": "annual"}),
        )
        .await;
    let sup_b = app.login("sup-b@test.local", PASSWORD).await;
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/v1/leave-requests/{}/approve", leave_b.id()),
            Some(&sup_b),
            None
        )
        .await
        .status,
        200
    );
    let leave_a = app
        .post(
            "/v1/leave-requests",
            &agent,
            json!({"from": "2026-11-05", "to": "2026-11-05", "reason": "doctor"}),
        )
        .await;
    let sup_a = app.login("sup-a@test.local", PASSWORD).await;
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/v1/leave-requests/{}/approve", leave_a.id()),
            Some(&sup_a),
            None
        )
        .await
        .status,
        200
    );
    let w = Week { org, agent, client, hr };
    // Mon: compliant, diary on time, reviewed on time.
    log_day(app, &w, "2026-11-02", 3, 5, 0).await;
    submit_diary(app, &w, "2026-11-02", "2026-11-02 21:00:00").await;
    approve_diary(app, &w, "2026-11-02", "2026-11-03 09:00:00").await;
    // Tue: one visit short; diary filled after midnight (late fill); reviewed on time.
    log_day(app, &w, "2026-11-03", 2, 5, 0).await;
    submit_diary(app, &w, "2026-11-03", "2026-11-04 00:30:00").await;
    approve_diary(app, &w, "2026-11-03", "2026-11-04 17:00:00").await;
    // Wed: one call short (a short call does not count); no diary at all.
    log_day(app, &w, "2026-11-04", 3, 4, 1).await;
    // Thu: leave. Fri: compliant, diary on time, never reviewed. Sat: compliant, reviewed.
    log_day(app, &w, "2026-11-06", 3, 5, 0).await;
    submit_diary(app, &w, "2026-11-06", "2026-11-06 22:00:00").await;
    log_day(app, &w, "2026-11-07", 3, 5, 0).await;
    submit_diary(app, &w, "2026-11-07", "2026-11-07 22:00:00").await;
    approve_diary(app, &w, "2026-11-07", "2026-11-09 12:00:00").await;
    w
}

async fn close_week(app: &TestApp, base: &str, admin: &str, branch: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for d in [
        "2026-11-02",
        "2026-11-03",
        "2026-11-04",
        "2026-11-05",
        "2026-11-06",
        "2026-11-07",
    ] {
        let r = app
            .send(
                app.client
                    .post(format!("{base}/v1/admin/jobs/close-day"))
                    .bearer_auth(admin)
                    .json(&json!({"branch_id": branch, "date": d})),
            )
            .await;
        assert_eq!(r.status, 200, "{d}: {}", r.body);
        out.push(r.body);
    }
    out
}

async fn all_penalties(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let r = app.get("/v1/penalties?limit=200", token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn summary(items: &[serde_json::Value]) -> Vec<(String, String, String, i64, i64)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|e| {
            (
                e["rule_id"].as_str().unwrap_or_default().to_owned(),
                e["business_day"].as_str().unwrap_or_default().to_owned(),
                e["person_id"].as_str().unwrap_or_default().to_owned(),
                e["amount_fen"].as_i64().unwrap_or(-1),
                e["leads"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    v.sort();
    v
}

engine_test!(
    pen_1_pen_2_a_known_week_yields_exactly_the_implied_penalties,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        let (a, s) = (w.org.agent_a.clone(), w.org.sup_a.clone());
        // Before its deadlines have passed a day cannot be closed.
        app.set_clock(&sh("2026-11-08 12:00:00")).await;
        app.post(
            "/v1/admin/jobs/close-day",
            &w.org.admin,
            json!({"branch_id": w.org.branch, "date": "2026-11-07"}),
        )
        .await
        .assert_problem(409, "not_closable_yet");
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let got = summary(&all_penalties(&app, &w.org.admin).await);
        let expected = vec![
            ("ACT-PEN-MISS".to_owned(), "2026-11-03".to_owned(), a.clone(), 0, 1),
            ("ACT-PEN-MISS".to_owned(), "2026-11-04".to_owned(), a.clone(), 0, 1),
            (
                "DIA-PEN-LATEFILL".to_owned(),
                "2026-11-03".to_owned(),
                a.clone(),
                2000,
                0,
            ),
            ("DIA-PEN-MISSING".to_owned(), "2026-11-04".to_owned(), a.clone(), 600, 5),
            (
                "DIA-PEN-UNREVIEWED".to_owned(),
                "2026-11-06".to_owned(),
                s.clone(),
                1000,
                0,
            ),
        ];
        let mut expected = expected;
        expected.sort();
        assert_eq!(got, expected);
        // Closing again, and from two instances at once, changes nothing (PEN-2).
        let second = app.second_instance(clock).await;
        app.send(
            app.client
                .put(format!("{second}/v1/test/clock"))
                .json(&json!({"now": sh("2026-11-12 12:00:00")})),
        )
        .await;
        let (r1, r2) = tokio::join!(
            close_week(&app, &app.base, &w.org.admin, &w.org.branch),
            close_week(&app, &second, &w.org.admin, &w.org.branch)
        );
        assert!(
            r1.iter()
                .chain(r2.iter())
                .all(|r| r["penalties_posted"] == 0 && r["adjustments_posted"] == 0),
            "{r1:?} {r2:?}"
        );
        assert_eq!(summary(&all_penalties(&app, &w.org.admin).await), expected);
        // The explanation a person can read, with the facts and the policy version (PEN-1).
        let items = all_penalties(&app, &w.org.admin).await;
        let miss = items
            .iter()
            .find(|e| e["rule_id"] == "ACT-PEN-MISS" && e["business_day"] == "2026-11-03")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            miss["explanation"],
            "2 of 3 face visits on 2026-11-03 under policy v1: 1 client lead"
        );
        assert_eq!(miss["facts"]["counted"], 2);
        assert_eq!(miss["policy_version"], 1);
        let call_miss = items
            .iter()
            .find(|e| e["rule_id"] == "ACT-PEN-MISS" && e["business_day"] == "2026-11-04")
            .cloned()
            .unwrap_or_default();
        assert_eq!(call_miss["facts"]["activity"], "call");
        assert_eq!(call_miss["facts"]["counted"], 4);
        let detail = app
            .get(
                &format!("/v1/penalties/{}", miss["id"].as_str().unwrap_or_default()),
                &w.agent,
            )
            .await;
        assert_eq!(detail.status, 200, "{}", detail.body);
        assert_eq!(detail.body["net_leads"], 1);
        // Who sees what: the agent their own, the supervisor theirs and the team's, others nothing.
        assert_eq!(all_penalties(&app, &w.agent).await.len(), 4);
        let sup_a = app.login("sup-a@test.local", PASSWORD).await;
        assert_eq!(all_penalties(&app, &sup_a).await.len(), 5);
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        assert_eq!(all_penalties(&app, &agent_b).await.len(), 0);
        app.get(
            &format!("/v1/penalties/{}", miss["id"].as_str().unwrap_or_default()),
            &agent_b,
        )
        .await
        .assert_problem(404, "not_found");
        let by_person = app.get(&format!("/v1/penalties?person={s}"), &w.org.admin).await;
        assert_eq!(by_person.body["items"].as_array().map(Vec::len), Some(1));
        let by_range = app
            .get("/v1/penalties?from=2026-11-04&to=2026-11-04", &w.org.admin)
            .await;
        assert_eq!(by_range.body["items"].as_array().map(Vec::len), Some(2));
    }
);

engine_test!(
    pen_3_waiver_is_a_new_entry_by_an_authorised_role,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let items = all_penalties(&app, &w.org.admin).await;
        let late = items
            .iter()
            .find(|e| e["rule_id"] == "DIA-PEN-LATEFILL")
            .cloned()
            .unwrap_or_default();
        let id = late["id"].as_str().unwrap_or_default().to_owned();
        app.post(
            &format!("/v1/penalties/{id}/waive"),
            &w.agent,
            json!({"reason": "mine"}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.post(&format!("/v1/penalties/{id}/waive"), &w.hr, json!({"reason": ""}))
            .await
            .assert_field_error("/reason");
        let r = app
            .post(
                &format!("/v1/penalties/{id}/waive"),
                &w.hr,
                json!({"reason": "network outage that night"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["kind"], "waiver");
        assert_eq!(r.body["amount_fen"], -2000);
        assert_eq!(r.body["refers_to"], id.as_str());
        assert_eq!(r.body["net_amount_fen"], 0);
        app.post(&format!("/v1/penalties/{id}/waive"), &w.hr, json!({"reason": "again"}))
            .await
            .assert_problem(409, "already_waived");
        let original = app.get(&format!("/v1/penalties/{id}"), &w.org.admin).await;
        assert_eq!(original.body["amount_fen"], 2000, "the original is never edited");
        assert_eq!(original.body["related"].as_array().map(Vec::len), Some(2));
        // Re-evaluating after a waiver does not post the penalty again.
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        assert_eq!(all_penalties(&app, &w.org.admin).await.len(), 6);
    }
);

engine_test!(
    ledger_2_a_late_fact_posts_an_adjustment_in_the_open_period,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        // Tuesday closes on Thursday evening; on Friday the agent uploads a visit of Tuesday.
        app.set_clock(&sh("2026-11-06 12:00:00")).await;
        let r = app
            .post(
                "/v1/admin/jobs/close-day",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "date": "2026-11-03"}),
            )
            .await;
        assert_eq!(r.body["penalties_posted"], 2, "{}", r.body);
        let late = app
            .post("/v1/activities", &w.agent, visit(&w.client, &sh("2026-11-03 16:00:00")))
            .await;
        assert_eq!(late.status, 201, "{}", late.body);
        let again = app
            .post(
                "/v1/admin/jobs/close-day",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "date": "2026-11-03"}),
            )
            .await;
        assert_eq!(again.body["adjustments_posted"], 1, "{}", again.body);
        let items = all_penalties(&app, &w.org.admin).await;
        let adj = items
            .iter()
            .find(|e| e["kind"] == "adjustment")
            .cloned()
            .unwrap_or_default();
        assert_eq!(adj["rule_id"], "ACT-PEN-MISS");
        assert_eq!(adj["leads"], -1);
        assert_eq!(adj["business_day"], "2026-11-03");
        assert_eq!(adj["posted_day"], "2026-11-06", "posted in the open period");
        let orig = items
            .iter()
            .find(|e| e["rule_id"] == "ACT-PEN-MISS" && e["kind"] == "penalty")
            .cloned()
            .unwrap_or_default();
        assert_eq!(adj["refers_to"], orig["id"]);
        assert_eq!(orig["leads"], 1, "the original is never edited");
        let third = app
            .post(
                "/v1/admin/jobs/close-day",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "date": "2026-11-03"}),
            )
            .await;
        assert_eq!(third.body["adjustments_posted"], 0);
    }
);

engine_test!(
    lead_1_lead_2_allocation_deductions_and_suspension,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let alloc = app
            .post(
                "/v1/admin/jobs/allocate-leads",
                &w.org.admin,
                json!({"quarter": "2026Q4"}),
            )
            .await;
        assert_eq!(alloc.status, 200, "{}", alloc.body);
        assert_eq!(alloc.body["agents"], 2);
        let again = app
            .post(
                "/v1/admin/jobs/allocate-leads",
                &w.org.admin,
                json!({"quarter": "2026Q4"}),
            )
            .await;
        assert_eq!(again.body["allocated_now"], 0, "idempotent");
        app.post(
            "/v1/admin/jobs/allocate-leads",
            &w.org.admin,
            json!({"quarter": "2027Q1"}),
        )
        .await
        .assert_problem(409, "quarter_not_started");
        app.post(
            "/v1/admin/jobs/allocate-leads",
            &w.org.admin,
            json!({"quarter": "2026Q7"}),
        )
        .await
        .assert_field_error("/quarter");
        let leads = app.get(&format!("/v1/agents/{}/leads", w.org.agent_a), &w.agent).await;
        assert_eq!(leads.status, 200, "{}", leads.body);
        assert_eq!(leads.body["allocated"], 60);
        assert_eq!(leads.body["accrued_deductions"], 7, "1 + 1 + 5");
        assert_eq!(leads.body["projected_next_allocation"], 53);
        assert_eq!(leads.body["next_allocation_suspended"], false);
        // A falsified diary suspends the next allocation (LEAD-2) and fines agent and supervisor.
        app.create_user(
            &w.org.admin,
            json!({"email": "q@test.local", "name": "Q", "password": PASSWORD, "role": "quality_officer"}),
        )
        .await;
        let q = app.login("q@test.local", PASSWORD).await;
        let s = app
            .post(
                "/v1/spot-checks",
                &q,
                json!({"team_id": w.org.team_a, "from": "2026-11-02", "to": "2026-11-02", "size": 1}),
            )
            .await;
        let diary = s.body["diary_ids"][0].clone();
        let f = app
            .post(
                &format!("/v1/spot-checks/{}/findings", s.id()),
                &q,
                json!({"diary_id": diary, "result": "falsified", "notes": "no such visit"}),
            )
            .await;
        assert_eq!(f.status, 201, "{}", f.body);
        let items = all_penalties(&app, &w.org.admin).await;
        let fals: Vec<_> = items
            .iter()
            .filter(|e| {
                e["rule_id"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("DIA-PEN-FALSIFIED"))
            })
            .collect();
        assert_eq!(fals.len(), 2);
        let agent_fine = fals
            .iter()
            .find(|e| e["rule_id"] == "DIA-PEN-FALSIFIED")
            .cloned()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (agent_fine["person_id"].as_str(), agent_fine["amount_fen"].as_i64()),
            (Some(w.org.agent_a.as_str()), Some(10_000))
        );
        let sup_fine = fals
            .iter()
            .find(|e| e["rule_id"] == "DIA-PEN-FALSIFIED-SUP")
            .cloned()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (sup_fine["person_id"].as_str(), sup_fine["amount_fen"].as_i64()),
            (Some(w.org.sup_a.as_str()), Some(20_000))
        );
        let leads = app.get(&format!("/v1/agents/{}/leads", w.org.agent_a), &w.agent).await;
        assert_eq!(leads.body["next_allocation_suspended"], true);
        assert_eq!(leads.body["projected_next_allocation"], 0);
        app.get(
            &format!("/v1/agents/{}/leads", w.org.agent_a),
            &app.login("agent-b@test.local", PASSWORD).await,
        )
        .await
        .assert_problem(404, "not_found");
    }
);

engine_test!(
    quo_compliance_month_view_and_dashboard,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        let c = app
            .get(
                &format!("/v1/agents/{}/compliance?month=2026-11", w.org.agent_a),
                &w.agent,
            )
            .await;
        assert_eq!(c.status, 200, "{}", c.body);
        let day = |n: usize| c.body["days"][n - 1].clone();
        assert_eq!(
            day(2)["face_visits"],
            json!({"counted": 3, "required": 3, "met": true, "short_by": 0})
        );
        assert_eq!(day(3)["face_visits"]["short_by"], 1);
        assert_eq!(day(3)["diary"], "late_filled");
        assert_eq!(
            day(4)["phone_services"],
            json!({"counted": 4, "required": 5, "met": false, "short_by": 1})
        );
        assert_eq!(day(4)["diary"], "missing");
        assert_eq!(day(5)["status"], "leave");
        assert_eq!(day(5)["face_visits"]["required"], 0);
        assert_eq!(day(8)["status"], "rest");
        assert_eq!(
            c.body["monthly"]["face_visits"],
            json!({"counted": 14, "required": 60, "met": false, "short_by": 46})
        );
        assert_eq!(c.body["monthly"]["phone_services"]["counted"], 24);
        app.get(&format!("/v1/agents/{}/compliance?month=nov", w.org.agent_a), &w.agent)
            .await
            .assert_field_error("/query/month");
        let cb = app
            .create_user(
                &w.org.admin,
                json!({"email": "cb@test.local", "name": "CB", "password": PASSWORD, "role": "callback_agent"}),
            )
            .await;
        assert!(!cb.is_empty());
        let cbt = app.login("cb@test.local", PASSWORD).await;
        app.get(&format!("/v1/agents/{}/compliance?month=2026-11", w.org.agent_a), &cbt)
            .await
            .assert_problem(403, "forbidden");
        // Close the month: compliance recorded; closing again changes nothing.
        app.set_clock(&sh("2026-12-04 12:00:00")).await;
        let m = app
            .post(
                "/v1/admin/jobs/close-month",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "month": "2026-11"}),
            )
            .await;
        assert_eq!(m.status, 200, "{}", m.body);
        assert_eq!(m.body["closed_now"], true);
        assert_eq!(m.body["monthly_penalties_posted"], 0, "QUO-3: no money by default");
        let m2 = app
            .post(
                "/v1/admin/jobs/close-month",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "month": "2026-11"}),
            )
            .await;
        assert_eq!(m2.body["closed_now"], false);
        assert_eq!(m2.body["days"]["penalties_posted"], 0);
        // The supervisor's dashboard.
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let d = app
            .get(&format!("/v1/teams/{}/dashboard?date=2026-11-06", w.org.team_a), &sup)
            .await;
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!(d.body["agents"][0]["face_visits"]["counted"], 3);
        assert_eq!(d.body["agents"][0]["diary_status"], "submitted");
        assert_eq!(d.body["awaiting_review"][0]["date"], "2026-11-06");
        assert!(d.body["month_to_date_fen"].as_i64().unwrap_or(0) > 0);
        let sup_b = app.login("sup-b@test.local", PASSWORD).await;
        app.get(&format!("/v1/teams/{}/dashboard", w.org.team_a), &sup_b)
            .await
            .assert_problem(404, "not_found");
    }
);

engine_test!(
    pol_1_policy_versions,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock(&sh("2026-11-10 12:00:00")).await;
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        app.post("/v1/policy-versions", &agent, json!({"effective_from": "2026-12-01"}))
            .await
            .assert_problem(403, "forbidden");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-12-01", "document": {"activity": {"min_call_seconds": 99999}}}),
        )
        .await
        .assert_field_error("/document/activity/min_call_seconds");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-12-01", "document": {"activity": {"min_calls": 1}}}),
        )
        .await
        .assert_field_error("/document/activity/min_calls");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-11-09"}),
        )
        .await
        .assert_field_error("/effective_from");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-12-01", "branch_id": Uuid::new_v4()}),
        )
        .await
        .assert_field_error("/branch_id");
        let v1 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-11-10", "document": {"activity": {"min_call_seconds": 45}}}),
            )
            .await;
        assert_eq!(v1.status, 201, "{}", v1.body);
        assert_eq!(v1.body["in_effect"], true);
        let v2 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-12-01", "document": {"activity": {"min_call_seconds": 60}}}),
            )
            .await;
        assert_eq!(v2.body["version"], 2);
        assert_eq!(v2.body["in_effect"], false);
        let branch_v = app
        .post("/v1/policy-versions", &org.admin, json!({"branch_id": org.branch, "effective_from": "2026-11-20", "document": {"activity": {"calls_per_day": 8}}}))
        .await;
        assert_eq!(branch_v.body["version"], 1, "numbered per scope");
        app.patch(
            &format!("/v1/policy-versions/{}", v1.id()),
            &org.admin,
            json!({"effective_from": "2026-11-30"}),
        )
        .await
        .assert_problem(409, "policy_in_effect");
        let moved = app
            .patch(
                &format!("/v1/policy-versions/{}", v2.id()),
                &org.admin,
                json!({"document": {"activity": {"min_call_seconds": 50}}}),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.body);
        let app_ref = &app;
        let in_force = |date: &str| {
            let path = format!("/v1/policy-versions:in-force?branch_id={}&date={date}", org.branch);
            let agent = agent.clone();
            async move { app_ref.get(&path, &agent).await }
        };
        let before = in_force("2026-11-01").await;
        assert_eq!(
            (
                before.body["version"].as_i64(),
                before.body["document"]["activity"]["min_call_seconds"].as_i64()
            ),
            (Some(0), Some(30))
        );
        let nov15 = in_force("2026-11-15").await;
        assert_eq!(nov15.body["document"]["activity"]["min_call_seconds"], 45);
        let nov25 = in_force("2026-11-25").await;
        assert_eq!(
            nov25.body["document"]["activity"]["calls_per_day"], 8,
            "the branch's version overrides"
        );
        assert_eq!(
            nov25.body["document"]["activity"]["min_call_seconds"], 30,
            "a branch version is a whole document"
        );
        let list = app.get("/v1/policy-versions", &agent).await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(3));
        // The version in force drives the rules: a 40 s call no longer counts under v1.
        let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
        app.post("/v1/activities", &agent, call(&client, &sh("2026-11-10 10:00:00"), 40))
            .await;
        let today = app.get("/v1/agents/me/today", &agent).await;
        assert_eq!(today.body["min_call_seconds"], 45);
        assert_eq!(today.body["phone_services"]["counted"], 0);
    }
);

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

engine_test!(
    pol_1_a_mid_month_policy_applies_from_its_date_and_closed_days_stay,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock(&sh("2026-11-01 12:00:00")).await;
        let org = make_org(&app).await;
        let v1 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-11-01", "document": {"penalties": {"diary_missing_fen": 600}}}),
            )
            .await;
        assert_eq!(v1.status, 201, "{}", v1.body);
        // Nobody files a diary all week. On Thursday the 5th Monday is closed under v1, and a new
        // version (9 yuan) is made effective from Friday the 6th.
        app.set_clock(&sh("2026-11-05 12:00:00")).await;
        let r = app
            .post(
                "/v1/admin/jobs/close-day",
                &org.admin,
                json!({"branch_id": org.branch, "date": "2026-11-02"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v2 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-11-06", "document": {"penalties": {"diary_missing_fen": 900}}}),
            )
            .await;
        assert_eq!(v2.status, 201, "{}", v2.body);
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        let week = close_week(&app, &app.base, &org.admin, &org.branch).await;
        assert_eq!(week[0]["adjustments_posted"], 0, "the closed Monday does not change");
        let items = all_penalties(&app, &org.admin).await;
        let missing: Vec<(String, i64, i64)> = {
            let mut v: Vec<_> = items
                .iter()
                .filter(|e| e["rule_id"] == "DIA-PEN-MISSING" && e["person_id"] == org.agent_a.as_str())
                .map(|e| {
                    (
                        e["business_day"].as_str().unwrap_or_default().to_owned(),
                        e["amount_fen"].as_i64().unwrap_or(0),
                        e["policy_version"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            missing,
            vec![
                ("2026-11-02".to_owned(), 600, 1),
                ("2026-11-03".to_owned(), 600, 1),
                ("2026-11-04".to_owned(), 600, 1),
                ("2026-11-05".to_owned(), 600, 1),
                ("2026-11-06".to_owned(), 900, 2),
                ("2026-11-07".to_owned(), 900, 2),
            ]
        );
        assert!(items.iter().all(|e| e["kind"] == "penalty"), "no adjustments anywhere");
    }
);
