//! Operator commands of the `api` binary that talk to the database directly (no server):
//! `api tenant create --name … --admin-email … [--admin-name …]` and `api tenant list`.
//! They run the same use cases as the platform API.

use crate::app::tenants::{self, NewTenant};
use crate::auth::Hashing;
use crate::config::Config;
use domain::ports::PageRequest;
use infra::Db;
use std::fmt::Write;

pub const TENANT_USAGE: &str = "usage:\n  \
  api tenant create --name <company> --admin-email <e-mail> [--admin-name <name>]\n    \
  the admin's password comes from FIELDBOOK_TENANT_ADMIN_PASSWORD, or is generated and printed once\n  \
  api tenant list";

/// Runs `api tenant …` (the arguments after `tenant`) and returns what to print.
/// `admin_password` is `FIELDBOOK_TENANT_ADMIN_PASSWORD` when set.
pub async fn tenant(
    db: &Db,
    config: &Config,
    args: &[String],
    admin_password: Option<String>,
) -> anyhow::Result<String> {
    let usage = || anyhow::anyhow!("{TENANT_USAGE}");
    let (cmd, rest) = args.split_first().ok_or_else(usage)?;
    let flag = |name: &str| -> anyhow::Result<Option<String>> {
        match rest.iter().position(|a| a == name) {
            None => Ok(None),
            Some(i) => rest
                .get(i + 1)
                .filter(|v| !v.starts_with("--"))
                .cloned()
                .map(Some)
                .ok_or_else(|| anyhow::anyhow!("{name} needs a value\n{TENANT_USAGE}")),
        }
    };
    match cmd.as_str() {
        "create" => {
            let known = ["--name", "--admin-email", "--admin-name"];
            if let Some(unknown) = rest.iter().step_by(2).find(|a| !known.contains(&a.as_str())) {
                anyhow::bail!("unknown argument '{unknown}'\n{TENANT_USAGE}");
            }
            let name = flag("--name")?.ok_or_else(usage)?;
            let admin_email = flag("--admin-email")?.ok_or_else(usage)?;
            let generated = admin_password.is_none().then(crate::http::platform::generated_password);
            let new = NewTenant {
                name,
                admin_email,
                admin_name: flag("--admin-name")?,
                admin_password: admin_password.or_else(|| generated.clone()).unwrap_or_default(),
            };
            let request_id = format!("cli-{}", uuid::Uuid::now_v7());
            let (company, admin) =
                tenants::create_tenant(db, &Hashing::new(config), request_id, chrono::Utc::now(), new)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", describe(e)))?;
            let mut out = format!(
                "Created company '{}' ({})\n  admin: {} ({})\n",
                company.name, company.id, admin.email, admin.id
            );
            match generated {
                Some(p) => {
                    let _ = writeln!(out, "  password: {p}   (generated; shown only this once)");
                }
                None => out.push_str("  password: from FIELDBOOK_TENANT_ADMIN_PASSWORD\n"),
            }
            Ok(out)
        }
        "list" => {
            if !rest.is_empty() {
                anyhow::bail!("'tenant list' takes no arguments\n{TENANT_USAGE}");
            }
            let mut out = format!("{:<36}  {:>6}  {:<25}  name\n", "id", "users", "created");
            let mut after = None;
            loop {
                let page = tenants::list_tenants(db, PageRequest { after, limit: 200 })
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", describe(e)))?;
                for t in &page {
                    let _ = writeln!(
                        out,
                        "{:<36}  {:>6}  {:<25}  {}",
                        t.company.id,
                        t.active_users,
                        t.company.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
                        t.company.name
                    );
                }
                match page.last() {
                    Some(last) if page.len() == 200 => after = Some(last.company.id.0),
                    _ => break,
                }
            }
            Ok(out)
        }
        _ => Err(usage()),
    }
}

/// A use case's refusal in words for a terminal.
fn describe(e: crate::app::error::AppError) -> String {
    use crate::app::error::AppError;
    match e {
        AppError::Invalid(errors) => errors
            .0
            .iter()
            .map(|f| match f.pointer.as_str() {
                "/admin_password" => format!("FIELDBOOK_TENANT_ADMIN_PASSWORD: {}", f.detail),
                p => format!("--{}: {}", p.trim_start_matches('/').replace('_', "-"), f.detail),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{other:?}"),
    }
}
