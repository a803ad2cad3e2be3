//! Spot checks (DIA-5).

use super::*;

engine_test!(
    dia_5_spot_checks_are_reproducible_and_record_findings,
    |c| {
        clock(c);
    },
    |app| {
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        for (d, at) in [
            ("2026-11-02", "2026-11-02T12:00:00Z"),
            ("2026-11-03", "2026-11-03T12:00:00Z"),
            ("2026-11-04", "2026-11-04T12:00:00Z"),
        ] {
            submit_at(&app, &agent, &org.agent_a, d, at).await;
        }
        app.create_user(
            &org.admin,
            json!({"email": "q@test.local", "name": "Q", "password": PASSWORD, "role": "quality_officer"}),
        )
        .await;
        let q = app.login("q@test.local", PASSWORD).await;
        let body = json!({"team_id": org.team_a, "from": "2026-11-01", "to": "2026-11-30", "size": 2});
        let s1 = app.post("/v1/spot-checks", &q, body.clone()).await;
        assert_eq!(s1.status, 201, "{}", s1.body);
        assert_eq!(s1.body["diary_ids"].as_array().map(Vec::len), Some(2));
        let seed = s1.body["seed"].clone();
        let mut again = body.clone();
        again["seed"] = seed;
        let s2 = app.post("/v1/spot-checks", &q, again).await;
        assert_eq!(
            s2.body["diary_ids"], s1.body["diary_ids"],
            "the recorded seed reproduces the draw"
        );
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        app.post("/v1/spot-checks", &sup, body.clone())
            .await
            .assert_problem(403, "forbidden");
        app.post(
            "/v1/spot-checks",
            &q,
            json!({"team_id": org.team_a, "from": "2026-11-01", "to": "2026-11-30", "size": 0}),
        )
        .await
        .assert_field_error("/size");
        let sid = s1.id();
        let diary = s1.body["diary_ids"][0].clone();
        let f = app
            .post(
                &format!("/v1/spot-checks/{sid}/findings"),
                &q,
                json!({"diary_id": diary, "result": "falsified", "notes": "client says no visit"}),
            )
            .await;
        assert_eq!(f.status, 201, "{}", f.body);
        assert_eq!(f.body["checks"][0]["result"], "falsified");
        app.post(
            &format!("/v1/spot-checks/{sid}/findings"),
            &q,
            json!({"diary_id": diary, "result": "genuine", "notes": ""}),
        )
        .await
        .assert_problem(409, "already_checked");
        app.post(
            &format!("/v1/spot-checks/{sid}/findings"),
            &q,
            json!({"diary_id": uuid::Uuid::new_v4(), "result": "genuine", "notes": ""}),
        )
        .await
        .assert_field_error("/diary_id");
        app.post(
            &format!("/v1/spot-checks/{sid}/findings"),
            &q,
            json!({"diary_id": diary, "result": "maybe", "notes": ""}),
        )
        .await
        .assert_field_error("/result");
        let read = app.get(&format!("/v1/spot-checks/{sid}"), &q).await;
        assert_eq!(read.body["checks"].as_array().map(Vec::len), Some(1));
        app.get(&format!("/v1/spot-checks/{sid}"), &sup)
            .await
            .assert_problem(403, "forbidden");
    }
);

/// The company a stored sample belongs to (the API never shows it).
async fn company_of_sample(app: &TestApp, sample: uuid::Uuid) -> uuid::Uuid {
    let q = "SELECT company_id FROM spot_check_samples WHERE id = $1";
    let id: Option<uuid::Uuid> = match &app.db {
        infra::Db::Sqlite(p) => sqlx::query_scalar(q)
            .bind(sample)
            .fetch_optional(p)
            .await
            .ok()
            .flatten(),
        infra::Db::Postgres(p) => sqlx::query_scalar(q)
            .bind(sample)
            .fetch_optional(p)
            .await
            .ok()
            .flatten(),
    };
    id.unwrap_or_else(|| panic!("sample {sample} not stored"))
}

engine_test!(
    dia_5_falsified_finding_and_its_penalties_commit_together,
    |c| {
        clock(c);
    },
    |app| {
        use domain::diary::{SpotCheck, SpotCheckResult};
        use domain::ids::{CompanyId, UserId};
        use domain::ports::{AuditContext, DiaryRepo};
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        submit_at(&app, &agent, &org.agent_a, "2026-11-02", "2026-11-02T12:00:00Z").await;
        let officer = app
            .create_user(
                &org.admin,
                json!({"email": "q@test.local", "name": "Q", "password": PASSWORD, "role": "quality_officer"}),
            )
            .await;
        let q = app.login("q@test.local", PASSWORD).await;
        let body = json!({"team_id": org.team_a, "from": "2026-11-02", "to": "2026-11-02", "size": 1});
        let s1 = app.post("/v1/spot-checks", &q, body.clone()).await;
        assert_eq!(s1.status, 201, "{}", s1.body);
        let sid = uuid::Uuid::parse_str(&s1.id()).unwrap_or_default();
        let diary = s1.body["diary_ids"][0].clone();
        let diary_id = uuid::Uuid::parse_str(diary.as_str().unwrap_or_default()).unwrap_or_default();
        let uid = |s: &str| UserId(uuid::Uuid::parse_str(s).unwrap_or_default());
        let company = CompanyId(company_of_sample(&app, sid).await);
        let fined = "penalty_entries WHERE rule_id LIKE 'DIA-PEN-FALSIFIED%'";

        // Storage: when the ledger write fails, the finding and its audit row go too, so a
        // retry is not refused as "already checked" while the penalties were never posted.
        let now = chrono::Utc::now();
        let check = SpotCheck {
            company_id: company,
            id: uuid::Uuid::now_v7(),
            sample_id: sid,
            diary_id,
            result: SpotCheckResult::Falsified,
            notes: "no such visit".into(),
            checked_by: uid(&officer),
            checked_at: now,
        };
        let policy = domain::policy::PolicyInForce::default();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default();
        let drafts =
            domain::penalty::falsified_penalties(diary_id, day, uid(&org.agent_a), Some(uid(&org.sup_a)), &policy);
        let mut entries: Vec<_> = drafts
            .iter()
            .map(|d| domain::penalty::entry_from_draft(company, None, d, &policy, day, now))
            .collect();
        assert_eq!(entries.len(), 2);
        // The supervisor's entry names a company that does not exist: its insert fails.
        entries[1].company_id = CompanyId::new();
        let audit = AuditContext {
            company_id: company,
            actor_id: None,
            integration_client_id: None,
            request_id: "dia-5-atomicity".into(),
            at: now,
        };
        let failed = app.db.record_spot_check(&audit, &check, &entries).await;
        assert!(failed.is_err(), "the ledger insert must fail");
        assert_eq!(app.count("spot_checks").await, 0, "no finding without its penalties");
        assert_eq!(app.count(fined).await, 0);
        assert_eq!(app.count("audit_log WHERE entity = 'spot_check'").await, 0);

        // The same write with a sound ledger entry commits all of it together.
        entries[1].company_id = company;
        let ok = app.db.record_spot_check(&audit, &check, &entries).await;
        assert!(ok.is_ok(), "{ok:?}");
        assert_eq!(app.count("spot_checks").await, 1);
        assert_eq!(app.count(fined).await, 2);
        assert_eq!(app.count("audit_log WHERE entity = 'spot_check'").await, 1);
        let finding = json!({"diary_id": diary, "result": "falsified", "notes": "no such visit"});
        // Repeated in the same sample: refused, nothing posted.
        app.post(&format!("/v1/spot-checks/{sid}/findings"), &q, finding.clone())
            .await
            .assert_problem(409, "already_checked");
        // Repeated in another sample of the same diary: recorded, but posted once only.
        let s2 = app.post("/v1/spot-checks", &q, body).await;
        assert_eq!(s2.body["diary_ids"][0], diary);
        let again = app
            .post(&format!("/v1/spot-checks/{}/findings", s2.id()), &q, finding)
            .await;
        assert_eq!(again.status, 201, "{}", again.body);
        assert_eq!(app.count("spot_checks").await, 2);
        assert_eq!(app.count(fined).await, 2, "a repeated finding posts nothing twice");
    }
);
