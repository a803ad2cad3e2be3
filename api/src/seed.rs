//! First-run bootstrap (an admin on an empty database) and the demo data set.

use crate::auth::hash_password_blocking;
use crate::config::Config;
use chrono::Utc;
use domain::client::{Client, Outlet};
use domain::commission::InsurancePolicy;
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::licence::Licence;
use domain::org::{normalise_email, Branch, BranchDraft, BranchSettings, Company, Role, Team, User};
use domain::ports::{
    AuditContext, ClientRepo, InsurancePolicyRepo, LicenceRepo, OrganisationRepo, OutletRepo, TenantRepo,
};
use infra::Db;
use rand::distributions::{Alphanumeric, DistString};

/// On an empty database, creates a company and its admin from `FIELDBOOK_ADMIN_EMAIL` /
/// `FIELDBOOK_ADMIN_PASSWORD`; with no password set, generates one and logs it once.
pub async fn bootstrap_admin(db: &Db, config: &Config) -> anyhow::Result<()> {
    if db.count_users().await? > 0 {
        return Ok(());
    }
    let email = normalise_email(config.admin_email.as_deref().unwrap_or("admin@fieldbook.local"));
    let (password, generated) = match &config.admin_password {
        Some(p) => (p.clone(), false),
        None => (Alphanumeric.sample_string(&mut rand::thread_rng(), 20), true),
    };
    let now = Utc::now();
    // Deterministic ids: two instances starting together on an empty database create the
    // same company and admin, and the loser of the race just finds them there.
    let company = Company {
        id: CompanyId(uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("fieldbook-company:{email}").as_bytes(),
        )),
        name: config.company_name.clone(),
        created_at: now,
    };
    let hash = hash_password_blocking(password.clone(), config.argon2_memory_kib).await?;
    let admin = User {
        company_id: company.id,
        id: UserId(uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("fieldbook-admin:{email}").as_bytes(),
        )),
        email: email.clone(),
        name: "Administrator".to_owned(),
        phone: None,
        role: Role::Admin,
        branch_id: None,
        team_id: None,
        active: true,
        password_hash: hash,
        token_generation: 0,
        created_at: now,
        updated_at: now,
    };
    // The company, its admin and their AUD-1 records in one transaction; the loser of a race
    // between instances conflicts on the deterministic ids and finds them there.
    let audit = AuditContext {
        company_id: company.id,
        actor_id: None,
        request_id: "bootstrap".to_owned(),
        at: now,
        integration_client_id: None,
    };
    if !ignore_conflict(db.create_tenant(&audit, &company, &admin).await)? {
        tracing::info!("another instance created the bootstrap admin");
        return Ok(());
    }
    if generated {
        // Printed once, on the run that created the account; it is not stored anywhere else.
        tracing::warn!(email = %email, password = %password, "created the bootstrap admin with a generated password");
        eprintln!("Fieldbook bootstrap admin: {email} / {password}");
    } else {
        tracing::info!(email = %email, "created the bootstrap admin");
    }
    Ok(())
}

/// `Ok(true)` when written, `Ok(false)` when it already existed.
fn ignore_conflict(r: Result<(), domain::ports::RepoError>) -> anyhow::Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(domain::ports::RepoError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The demo company: one branch, two teams, a dozen agents, supervisors, a quality officer,
/// a callback agent and an HR officer, all with the same password. Idempotent per e-mail.
pub async fn seed_demo(db: &Db, config: &Config, password: &str) -> anyhow::Result<Vec<(String, Role)>> {
    if db.find_user_by_email("admin@demo.fieldbook.local").await?.is_some() {
        anyhow::bail!("the demo company is already loaded");
    }
    let now = Utc::now();
    let company = Company {
        id: CompanyId::new(),
        name: "Demo Insurance Co.".to_owned(),
        created_at: now,
    };
    let hash = hash_password_blocking(password.to_owned(), config.argon2_memory_kib).await?;
    let mut created = Vec::new();
    let mut make_user = |email: String, name: String, role: Role, branch: Option<BranchId>, team: Option<TeamId>| {
        created.push((email.clone(), role));
        User {
            company_id: company.id,
            id: UserId::new(),
            email,
            name,
            phone: None,
            role,
            branch_id: branch,
            team_id: team,
            active: true,
            password_hash: hash.clone(),
            token_generation: 0,
            created_at: now,
            updated_at: now,
        }
    };
    let admin = make_user(
        "admin@demo.fieldbook.local".into(),
        "Demo Admin".into(),
        Role::Admin,
        None,
        None,
    );
    let created_by_seed = AuditContext {
        company_id: company.id,
        actor_id: None,
        request_id: "seed-demo".to_owned(),
        at: now,
        integration_client_id: None,
    };
    db.create_tenant(&created_by_seed, &company, &admin).await?;
    let audit = AuditContext {
        company_id: company.id,
        actor_id: Some(admin.id),
        integration_client_id: None,
        request_id: "seed-demo".to_owned(),
        at: now,
    };
    let branch = Branch {
        company_id: company.id,
        id: BranchId::new(),
        settings: BranchSettings::parse(BranchDraft {
            name: "Shanghai Pudong".into(),
            ..BranchDraft::default()
        })
        .map_err(|e| anyhow::anyhow!("demo branch: {e}"))?,
        created_at: now,
        updated_at: now,
    };
    db.insert_branch(&audit, &branch).await?;
    let bid = Some(branch.id);
    let mut agents = Vec::new();
    for (email, name, role) in [
        ("quality@demo.fieldbook.local", "Qian Quality", Role::QualityOfficer),
        ("callback@demo.fieldbook.local", "Cao Callback", Role::CallbackAgent),
        ("hr@demo.fieldbook.local", "He HR", Role::Hr),
    ] {
        db.insert_user(Some(&audit), &make_user(email.into(), name.into(), role, bid, None))
            .await?;
    }
    for (t, team_name) in ["Dragon", "Phoenix"].into_iter().enumerate() {
        let sup = make_user(
            format!("supervisor{}@demo.fieldbook.local", t + 1),
            format!("Supervisor {team_name}"),
            Role::Supervisor,
            bid,
            None,
        );
        db.insert_user(Some(&audit), &sup).await?;
        let team = Team {
            company_id: company.id,
            id: TeamId::new(),
            branch_id: branch.id,
            name: format!("Team {team_name}"),
            supervisor_id: sup.id,
            created_at: now,
            updated_at: now,
        };
        db.insert_team(&audit, &team).await?;
        for a in 1..=6 {
            let n = t * 6 + a;
            let agent = make_user(
                format!("agent{n:02}@demo.fieldbook.local"),
                format!("Agent {n:02}"),
                Role::Agent,
                bid,
                Some(team.id),
            );
            db.insert_user(Some(&audit), &agent).await?;
            agents.push(agent.id);
            // Every demo agent is licensed (LIC-1), qualified two years ago, so they may sell.
            let today = domain::time::business_day(now, domain::context::DEFAULT_TIME_ZONE);
            let qualified = today - chrono::Duration::days(730);
            let licence = Licence {
                company_id: company.id,
                agent_id: agent.id,
                qualification_certificate: format!("QC-DEMO-{n:04}"),
                issued_on: qualified,
                agency_contract_on: Some(qualified),
                practice_certificate: Some(format!("PC-DEMO-{n:04}")),
                recorded_on: today,
                created_at: now,
                updated_at: now,
            };
            db.put_licence(&audit, None, &licence).await?;
            for c in 1..=3 {
                let client = Client {
                    company_id: company.id,
                    id: uuid::Uuid::now_v7(),
                    agent_id: agent.id,
                    name: format!("Client {n:02}-{c}"),
                    phone: Some(format!("139{n:02}{c:06}")),
                    address: None,
                    household_notes: None,
                    tags: vec![],
                    external_id: None,
                    phone_conflict: false,
                    created_at: now,
                    updated_at: now,
                };
                db.insert_client(&audit, &client).await?;
                if c == 1 {
                    // One policy per agent, printed 12 days ago: its first callback round is open.
                    let printed = (now - chrono::Duration::days(12)).date_naive();
                    let policy = InsurancePolicy {
                        company_id: company.id,
                        id: uuid::Uuid::now_v7(),
                        number: format!("DEMO-{n:04}"),
                        agent_id: agent.id,
                        client_id: client.id,
                        product: "Term life".to_owned(),
                        premium_fen: 300_000,
                        commission_fen: 45_000,
                        printed_on: printed,
                        effective_on: printed,
                        receipt_returned_on: None,
                        created_at: now,
                    };
                    db.insert_insurance_policy(&audit, &policy).await?;
                }
            }
        }
    }
    let outlet = Outlet {
        company_id: company.id,
        id: uuid::Uuid::now_v7(),
        branch_id: branch.id,
        name: "ICBC Lujiazui sub-branch".to_owned(),
        address: None,
        phone: None,
        agent_ids: agents,
        created_at: now,
        updated_at: now,
    };
    db.insert_outlet(&audit, &outlet).await?;
    Ok(created)
}
