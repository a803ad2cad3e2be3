//! Client leads: allocation, deductions, suspension.

use super::*;

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
