use super::*;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

struct Q {
    org: Org,
    qo: String,
    hr: String,
    cb: String,
}

async fn setup(app: &TestApp) -> Q {
    app.set_clock("2026-11-10T04:00:00Z").await;
    let org = make_org(app).await;
    for (email, role) in [
        ("qo@test.local", "quality_officer"),
        ("hr@test.local", "hr"),
        ("cb@test.local", "callback_agent"),
    ] {
        app.create_user(
            &org.admin,
            json!({"email": email, "name": role, "password": PASSWORD, "role": role}),
        )
        .await;
    }
    Q {
        qo: app.login("qo@test.local", PASSWORD).await,
        hr: app.login("hr@test.local", PASSWORD).await,
        cb: app.login("cb@test.local", PASSWORD).await,
        org,
    }
}

async fn report(app: &TestApp, token: &str, agent: &str, code: &str, post: &str, on: &str) -> Resp {
    app.post(
        "/v1/quality/violations",
        token,
        json!({"agent_id": agent, "code": code, "post": post, "occurred_on": on, "evidence": "call recording 17 Nov"}),
    )
    .await
}

async fn confirm(app: &TestApp, q: &Q, id: &str, half_points: Option<i64>) -> Resp {
    let body = match half_points {
        Some(p) => json!({"half_points": p}),
        None => json!({}),
    };
    app.post(&format!("/v1/quality/violations/{id}/confirm"), &q.qo, body)
        .await
}

engine_test!(
    qlt_2_reporting_posts_are_enforced,
    |c| {
        clock(c);
    },
    |app| {
        let q = setup(&app).await;
        let a = q.org.agent_a.clone();
        let ok = report(&app, &q.cb, &a, "Q-CONTACT", "callback_center", "2026-11-09").await;
        assert_eq!(ok.status, 201, "{}", ok.body);
        assert_eq!(ok.body["status"], "pending");
        // Not a post the caller staffs, or a post the code does not allow: 403.
        report(&app, &q.cb, &a, "Q-CONTACT", "claims", "2026-11-09")
            .await
            .assert_problem(403, "forbidden");
        report(&app, &q.cb, &a, "Q-CLAIM-COOP", "callback_center", "2026-11-09")
            .await
            .assert_problem(403, "forbidden");
        report(&app, &q.hr, &a, "Q-CLAIM-COOP", "hr", "2026-11-09")
            .await
            .assert_problem(403, "forbidden");
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        report(&app, &sup, &a, "Q-SIGNATURE", "complaints", "2026-11-09")
            .await
            .assert_problem(403, "forbidden");
        assert_eq!(
            report(&app, &q.hr, &a, "Q-SIGNATURE", "hr", "2026-11-09").await.status,
            201
        );
        assert_eq!(
            report(&app, &q.qo, &a, "Q-CLAIM-COOP", "claims", "2026-11-09")
                .await
                .status,
            201
        );
        // Validation.
        report(&app, &q.cb, &a, "Q-NOPE", "callback_center", "2026-11-09")
            .await
            .assert_field_error("/code");
        report(&app, &q.cb, &q.org.sup_a, "Q-CONTACT", "callback_center", "2026-11-09")
            .await
            .assert_field_error("/agent_id");
        report(&app, &q.cb, &a, "Q-CONTACT", "callback_center", "2026-12-30")
            .await
            .assert_field_error("/occurred_on");
        report(&app, &q.cb, &a, "Q-CONTACT", "front_desk", "2026-11-09")
            .await
            .assert_field_error("/post");
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        report(&app, &agent, &a, "Q-SIGNATURE", "whistleblower", "2026-11-09")
            .await
            .assert_field_error("/agent_id");
        assert_eq!(app.count("violations").await, 3);
        // The reported agent does not see pending reports.
        app.get(&format!("/v1/quality/violations/{}", ok.id()), &agent)
            .await
            .assert_problem(404, "not_found");
        let listed = app.get("/v1/quality/violations", &agent).await;
        assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(0));
    }
);

engine_test!(
    qlt_1_range_fixed_and_tiered_points,
    |c| {
        clock(c);
    },
    |app| {
        let q = setup(&app).await;
        let a = q.org.agent_a.clone();
        let r = report(&app, &q.cb, &a, "Q-CONTACT", "callback_center", "2026-11-09")
            .await
            .id();
        confirm(&app, &q, &r, Some(7)).await.assert_field_error("/half_points");
        confirm(&app, &q, &r, Some(1)).await.assert_field_error("/half_points");
        confirm(&app, &q, &r, None).await.assert_field_error("/half_points");
        let ok = confirm(&app, &q, &r, Some(6)).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(
            (ok.body["half_points"].as_i64(), ok.body["points"].as_str()),
            (Some(6), Some("3"))
        );
        confirm(&app, &q, &r, Some(6)).await.assert_problem(409, "not_pending");
        let fixed = report(&app, &q.qo, &a, "Q-CLAIM-COOP", "claims", "2026-11-09")
            .await
            .id();
        confirm(&app, &q, &fixed, Some(3))
            .await
            .assert_field_error("/half_points");
        assert_eq!(confirm(&app, &q, &fixed, None).await.body["points"], "0.5");
        // Q-DOCS-OVERDUE: 1 point for each of the first 10 items in a half-year, 2 for the 11th;
        // an item in the first half-year is scored separately.
        let h1 = report(&app, &q.hr, &a, "Q-DOCS-OVERDUE", "hr", "2026-06-30").await.id();
        assert_eq!(confirm(&app, &q, &h1, None).await.body["half_points"], 2);
        for i in 0..10 {
            let id = report(
                &app,
                &q.hr,
                &a,
                "Q-DOCS-OVERDUE",
                "hr",
                &format!("2026-10-{:02}", i + 1),
            )
            .await
            .id();
            assert_eq!(
                confirm(&app, &q, &id, None).await.body["half_points"],
                2,
                "item {}",
                i + 1
            );
        }
        let eleventh = report(&app, &q.hr, &a, "Q-DOCS-OVERDUE", "hr", "2026-10-20").await.id();
        assert_eq!(
            confirm(&app, &q, &eleventh, None).await.body["half_points"],
            4,
            "the 11th item"
        );
        let file = app.get(&format!("/v1/agents/{a}/credit-file"), &q.qo).await;
        let scores = file.body["scores"].clone();
        assert_eq!(
            scores,
            json!([
                {"half_year": "2026H1", "half_points": 2, "points": "1"},
                {"half_year": "2026H2", "half_points": 31, "points": "15.5"}
            ])
        );
        // A dismissal needs a reason and scores nothing.
        let d = report(&app, &q.cb, &a, "Q-CONTACT", "callback_center", "2026-11-09")
            .await
            .id();
        app.post(
            &format!("/v1/quality/violations/{d}/dismiss"),
            &q.qo,
            json!({"reason": ""}),
        )
        .await
        .assert_field_error("/reason");
        let dis = app
            .post(
                &format!("/v1/quality/violations/{d}/dismiss"),
                &q.qo,
                json!({"reason": "client gave a new number"}),
            )
            .await;
        assert_eq!(dis.body["status"], "dismissed");
        app.post(&format!("/v1/quality/violations/{d}/confirm"), &q.cb, json!({}))
            .await
            .assert_problem(403, "forbidden");
    }
);

engine_test!(
    qlt_5_fifteen_points_trigger_consequences_once_and_an_overturn_reverses,
    |c| {
        clock(c);
    },
    |app| {
        let q = setup(&app).await;
        let a = q.org.agent_a.clone();
        let sig = report(&app, &q.hr, &a, "Q-SIGNATURE", "hr", "2026-11-02").await.id();
        confirm(&app, &q, &sig, Some(20)).await;
        let file = app.get(&format!("/v1/agents/{a}/credit-file"), &q.qo).await;
        assert_eq!(
            file.body["consequences"].as_array().map(Vec::len),
            Some(0),
            "10 points: nothing yet"
        );
        let dis = report(&app, &q.hr, &a, "Q-DISCLOSE", "hr", "2026-11-03").await.id();
        confirm(&app, &q, &dis, Some(10)).await;
        let file = app.get(&format!("/v1/agents/{a}/credit-file"), &q.qo).await;
        assert_eq!(file.body["scores"][0]["points"], "15");
        let cons = file.body["consequences"].as_array().cloned().unwrap_or_default();
        let mut kinds: Vec<(String, String)> = cons
            .iter()
            .map(|c| {
                (
                    c["kind"].as_str().unwrap_or_default().to_owned(),
                    c["person_id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            vec![
                ("allowance_withheld".to_owned(), q.org.sup_a.clone()),
                ("contract_termination_recommendation".to_owned(), a.clone()),
                ("criticism_notice".to_owned(), q.org.sup_a.clone()),
                ("promotion_delay".to_owned(), q.org.sup_a.clone()),
            ]
        );
        let allowance = cons
            .iter()
            .find(|c| c["kind"] == "allowance_withheld")
            .cloned()
            .unwrap_or_default();
        assert_eq!(allowance["details"]["percent"], 15);
        assert_eq!(allowance["details"]["month"], "2026-11");
        let delay = cons
            .iter()
            .find(|c| c["kind"] == "promotion_delay")
            .cloned()
            .unwrap_or_default();
        assert_eq!(delay["details"]["assessment_periods"], 1);
        // A further violation does not repeat them.
        let more = report(&app, &q.cb, &a, "Q-CONTACT", "callback_center", "2026-11-04")
            .await
            .id();
        confirm(&app, &q, &more, Some(2)).await;
        let file = app.get(&format!("/v1/agents/{a}/credit-file"), &q.qo).await;
        assert_eq!(file.body["consequences"].as_array().map(Vec::len), Some(4));
        // The agent appeals the disclosure finding within 7 days; the committee overturns it.
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        app.post(
            &format!("/v1/quality/violations/{dis}/appeal"),
            &agent,
            json!({"reason": ""}),
        )
        .await
        .assert_field_error("/reason");
        let ap = app
            .post(
                &format!("/v1/quality/violations/{dis}/appeal"),
                &agent,
                json!({"reason": "the terms were explained; see the signed form"}),
            )
            .await;
        assert_eq!(ap.status, 200, "{}", ap.body);
        assert_eq!(ap.body["appeal"], "pending");
        app.post(
            &format!("/v1/quality/violations/{dis}/appeal"),
            &agent,
            json!({"reason": "again"}),
        )
        .await
        .assert_problem(409, "already_appealed");
        app.post(
            &format!("/v1/quality/violations/{dis}/appeal-decision"),
            &q.qo,
            json!({"outcome": "reduced", "half_points": 12, "reason": "x"}),
        )
        .await
        .assert_field_error("/half_points");
        let over = app
            .post(
                &format!("/v1/quality/violations/{dis}/appeal-decision"),
                &q.qo,
                json!({"outcome": "overturned", "reason": "form found"}),
            )
            .await;
        assert_eq!(over.status, 200, "{}", over.body);
        assert_eq!(
            (over.body["appeal"].as_str(), over.body["half_points"].as_i64()),
            (Some("overturned"), Some(0))
        );
        let hist: Vec<&str> = over.body["history"]
            .as_array()
            .map(|h| h.iter().filter_map(|e| e["kind"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(hist, vec!["reported", "confirmed", "appealed", "overturned"]);
        let file = app.get(&format!("/v1/agents/{a}/credit-file"), &q.qo).await;
        assert_eq!(file.body["scores"][0]["points"], "11");
        let cons = file.body["consequences"].as_array().cloned().unwrap_or_default();
        assert_eq!(cons.len(), 8, "four consequences and their four reversals");
        assert_eq!(cons.iter().filter(|c| c["reverses"].is_string()).count(), 4);
        // Appeals close after the window.
        app.set_clock("2026-11-20T04:00:00Z").await;
        app.post(
            &format!("/v1/quality/violations/{more}/appeal"),
            &agent,
            json!({"reason": "late"}),
        )
        .await
        .assert_problem(409, "appeal_window_closed");
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        app.post(
            &format!("/v1/quality/violations/{sig}/appeal"),
            &agent_b,
            json!({"reason": "not mine"}),
        )
        .await
        .assert_problem(404, "not_found");
    }
);

engine_test!(
    qlt_2_the_whistleblower_is_never_revealed,
    |c| {
        clock(c);
    },
    |app| {
        let q = setup(&app).await;
        let a = q.org.agent_a.clone();
        let b = q.org.agent_b.clone();
        let blower = app.login("agent-b@test.local", PASSWORD).await;
        let r = report(&app, &blower, &a, "Q-EXTRA-BENEFIT", "whistleblower", "2026-11-05").await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.id();
        assert_eq!(confirm(&app, &q, &id, None).await.body["points"], "20");
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        for (who, token) in [("reported agent", &agent), ("their supervisor", &sup)] {
            for path in [
                format!("/v1/quality/violations/{id}"),
                "/v1/quality/violations".to_owned(),
                format!("/v1/agents/{a}/credit-file"),
            ] {
                let resp = app.get(&path, token).await;
                assert_eq!(resp.status, 200, "{who} {path}: {}", resp.body);
                let text = resp.body.to_string();
                assert!(!text.contains(&b), "{who} can see the whistleblower in {path}: {text}");
                assert!(!text.contains("reporter_id"), "{who} sees a reporter field in {path}");
            }
        }
        let qo_view = app.get(&format!("/v1/quality/violations/{id}"), &q.qo).await;
        assert_eq!(
            qo_view.body["reporter_id"],
            b.as_str(),
            "the quality office sees the reporter"
        );
    }
);

engine_test!(
    qlt_6_reports_as_json_and_csv,
    |c| {
        clock(c);
    },
    |app| {
        let q = setup(&app).await;
        let a = q.org.agent_a.clone();
        let r = report(&app, &q.cb, &a, "Q-CONTACT", "callback_center", "2026-11-05")
            .await
            .id();
        confirm(&app, &q, &r, Some(4)).await;
        let m = app.get("/v1/quality/reports/monthly?month=2026-11", &q.hr).await;
        assert_eq!(m.status, 200, "{}", m.body);
        assert_eq!(m.body["rows"][0]["agent_id"], a.as_str());
        assert_eq!(m.body["rows"][0]["points"], "2");
        assert_eq!(m.body["rows"][0]["team_name"], "Team a");
        let csv = app
            .send(
                app.client
                    .get(format!("{}/v1/quality/reports/monthly?month=2026-11", app.base))
                    .bearer_auth(&q.hr)
                    .header("accept", "text/csv"),
            )
            .await;
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").unwrap_or_default().starts_with("text/csv"));
        let text = csv.body.as_str().unwrap_or_default().to_owned();
        assert!(
            text.starts_with("period,branch_id,team_id,team_name,agent_id,agent_name,confirmed_violations,points\r\n"),
            "{text}"
        );
        assert!(text.contains(&format!("{a},Agent a,1,2")), "{text}");
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        app.get("/v1/quality/reports/monthly?month=2026-11", &agent)
            .await
            .assert_problem(403, "forbidden");
        app.get("/v1/quality/reports/monthly?month=11-2026", &q.hr)
            .await
            .assert_field_error("/query/month");
        let quarter = app.get("/v1/quality/reports/quarterly?quarter=2026Q4", &q.qo).await;
        assert_eq!(quarter.body["departments"][0]["branch_id"], q.org.branch.as_str());
        assert!(quarter.body["departments"][0]["signed_off_at"].is_null());
        let s = app
            .post(
                "/v1/quality/reports/quarterly/sign-off",
                &q.qo,
                json!({"quarter": "2026Q4", "branch_id": q.org.branch, "note": "reviewed"}),
            )
            .await;
        assert_eq!(s.status, 201, "{}", s.body);
        app.post(
            "/v1/quality/reports/quarterly/sign-off",
            &q.qo,
            json!({"quarter": "2026Q4", "branch_id": q.org.branch}),
        )
        .await
        .assert_problem(409, "already_signed_off");
        app.post(
            "/v1/quality/reports/quarterly/sign-off",
            &q.hr,
            json!({"quarter": "2026Q4", "branch_id": q.org.branch}),
        )
        .await
        .assert_problem(403, "forbidden");
        let quarter = app.get("/v1/quality/reports/quarterly?quarter=2026Q4", &q.qo).await;
        assert_eq!(quarter.body["departments"][0]["sign_off_note"], "reviewed");
        let year = app.get("/v1/quality/reports/annual?year=2026", &q.hr).await;
        assert_eq!(year.body["rows"].as_array().map(Vec::len), Some(1));
        app.get("/v1/quality/reports/annual?year=1800", &q.hr)
            .await
            .assert_field_error("/query/year");
        // Catalogue: the seeded version 0, and a new version never applies to the past.
        let cat = app.get("/v1/quality/catalogue", &agent).await;
        assert_eq!(cat.body["version"], 0);
        assert_eq!(cat.body["entries"].as_array().map(Vec::len), Some(14));
        app.post(
            "/v1/quality/catalogue",
            &q.qo,
            json!({"effective_from": "2026-11-01", "entries": []}),
        )
        .await
        .assert_field_error("/effective_from");
        let v1 = app
        .post("/v1/quality/catalogue", &q.qo, json!({"effective_from": "2026-12-01", "entries": [
            {"code": "Q-CONTACT", "title_zh": "客户资料错误", "title_en": "Wrong client data", "rule": {"type": "fixed", "half_points": 2}, "posts": ["callback_center"]}
        ]}))
        .await;
        assert_eq!(v1.status, 201, "{}", v1.body);
        assert_eq!(
            app.get("/v1/quality/catalogue?date=2026-11-15", &agent).await.body["version"],
            0
        );
        assert_eq!(
            app.get("/v1/quality/catalogue?date=2026-12-15", &agent).await.body["version"],
            1
        );
        // A commendation lands in the credit file.
        let c = app
            .post(
                &format!("/v1/agents/{a}/commendations"),
                &q.hr,
                json!({"text": "client thank-you letter"}),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.body);
        let file = app.get(&format!("/v1/agents/{a}/credit-file"), &agent).await;
        assert_eq!(file.body["commendations"][0]["text"], "client thank-you letter");
    }
);
