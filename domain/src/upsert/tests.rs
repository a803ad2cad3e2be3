//! Unit tests of the upsert records and decisions.

use super::*;

fn d(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, day).unwrap_or_default()
}

#[test]
fn external_ids_are_trimmed_and_bounded_and_repeats_are_found() {
    let mut e = ValidationErrors::default();
    assert_eq!(check_external_id(&mut e, "/x", " crm-1 "), "crm-1");
    assert!(e.is_empty());
    check_external_id(&mut e, "/x", "");
    check_external_id(&mut e, "/y", &"a".repeat(129));
    check_external_id(&mut e, "/z", "a\u{7}b");
    assert_eq!(e.0.len(), 3);
    let keys = vec![Some("a"), Some("b"), None, Some("a"), Some("a")];
    assert_eq!(repeats(&keys), vec![None, None, None, Some(0), Some(0)]);
}

#[test]
fn an_agent_record_changes_only_agents_and_deactivation_ends_their_tokens() {
    let now = Utc::now();
    let rec = AgentRecordDraft {
        external_id: "a-1".into(),
        name: " Li ".into(),
        email: "LI@x.cn".into(),
        phone: None,
        team_id: Uuid::now_v7(),
        active: true,
    }
    .parse();
    let rec = match rec {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!((rec.name.as_str(), rec.email.as_str()), ("Li", "li@x.cn"));
    let branch = BranchId::new();
    let stored = new_agent(CompanyId::new(), &rec, branch, now);
    assert_eq!(apply_agent_record(&stored, &stored, now), Decision::Unchanged);
    let off = User {
        active: false,
        ..stored.clone()
    };
    match apply_agent_record(&stored, &off, now) {
        Decision::Update(u) => assert_eq!((u.active, u.token_generation), (false, 1)),
        other => panic!("{other:?}"),
    }
    let hr = User {
        role: Role::Hr,
        ..stored.clone()
    };
    assert!(matches!(apply_agent_record(&hr, &stored, now), Decision::Refuse(_)));
    let bad = AgentRecordDraft {
        external_id: "".into(),
        name: "".into(),
        email: "nope".into(),
        phone: Some("x".into()),
        team_id: Uuid::nil(),
        active: true,
    }
    .parse()
    .err()
    .unwrap_or_default();
    let ptrs: Vec<&str> = bad.0.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(ptrs, vec!["/external_id", "/name", "/email", "/phone"]);
}

#[test]
fn a_client_record_is_the_whole_card() {
    let now = Utc::now();
    let rec = ClientRecordDraft {
        external_id: "c-1".into(),
        agent_external_id: "a-1".into(),
        fields: ClientDraft {
            name: "Wang".into(),
            address: Some("1 Road".into()),
            ..ClientDraft::default()
        },
    }
    .parse();
    let rec = match rec {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let stored = client_from_record(CompanyId::new(), &rec, UserId::new(), false, now);
    assert_eq!(stored.external_id.as_deref(), Some("c-1"));
    assert_eq!(apply_client_record(&stored, &stored.clone(), now), Decision::Unchanged);
    let cleared = Client {
        address: None,
        ..stored.clone()
    };
    assert!(matches!(apply_client_record(&stored, &cleared, now), Decision::Update(c) if c.address.is_none()));
    let bad = ClientRecordDraft {
        external_id: "c".into(),
        agent_external_id: "".into(),
        fields: ClientDraft::default(),
    }
    .parse()
    .err()
    .unwrap_or_default();
    let ptrs: Vec<&str> = bad.0.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(ptrs, vec!["/agent_external_id", "/name"]);
}

#[test]
fn a_policy_records_terms_once_and_receipts_come_back_once() {
    let p = InsurancePolicy {
        company_id: CompanyId::new(),
        id: Uuid::now_v7(),
        number: "P1".into(),
        agent_id: UserId::new(),
        client_id: Uuid::now_v7(),
        product: "Life".into(),
        premium_fen: 100,
        commission_fen: 10,
        printed_on: d(5),
        effective_on: d(5),
        receipt_returned_on: None,
        created_at: Utc::now(),
    };
    assert_eq!(apply_policy_record(&p, &p.clone()), Decision::Unchanged);
    let renamed = InsurancePolicy {
        product: "Term life".into(),
        ..p.clone()
    };
    assert!(matches!(apply_policy_record(&p, &renamed), Decision::Update(x) if x.product == "Term life"));
    let repriced = InsurancePolicy {
        premium_fen: 200,
        ..p.clone()
    };
    assert!(
        matches!(apply_policy_record(&p, &repriced), Decision::Refuse(Refusal::Invalid(e)) if e.0[0].pointer == "/premium_fen")
    );
    let sent = ReceiptRecordDraft {
        external_id: "r-1".into(),
        policy_external_id: "p-1".into(),
        returned_on: d(9),
    };
    let none = StoredReceipt {
        external_id: None,
        returned_on: None,
    };
    assert_eq!(decide_receipt(&none, &sent, d(5), d(10)), Decision::Update(d(9)));
    assert!(matches!(
        decide_receipt(&none, &sent, d(5), d(8)),
        Decision::Refuse(Refusal::Invalid(_))
    ));
    let same = StoredReceipt {
        external_id: Some("r-1".into()),
        returned_on: Some(d(9)),
    };
    assert_eq!(decide_receipt(&same, &sent, d(5), d(10)), Decision::Unchanged);
    let other = StoredReceipt {
        external_id: None,
        returned_on: Some(d(7)),
    };
    assert!(matches!(
        decide_receipt(&other, &sent, d(5), d(10)),
        Decision::Refuse(Refusal::Rejected(ErrorCode::ReceiptAlreadyRecorded, _))
    ));
}
