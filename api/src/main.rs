//! `api` binary: `serve` (the default), `migrate`, `seed-demo`, `tenant`, `openapi`.

use api::config::Config;
use api::startup::{openapi_json, Application};
use infra::Db;

const USAGE: &str = "usage: api [serve | migrate | seed-demo | tenant | openapi [--all DIR]]\n\
  serve      run the HTTP server (default)\n\
  migrate    apply database migrations and exit\n\
  seed-demo  load the demo company (password from FIELDBOOK_DEMO_PASSWORD, default 'demo-password-1')\n\
  tenant     create or list companies: `api tenant create --name <company> --admin-email <e-mail>`, `api tenant list`\n\
  openapi    print the OpenAPI document (openapi/v1.json); with --all DIR, write it and every\n\
             consumer's document (agent-app.json, ...) into DIR: `api openapi --all openapi`";

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cmd = std::env::args().nth(1).unwrap_or_else(|| "serve".to_owned());
    if cmd == "openapi" {
        match (std::env::args().nth(2).as_deref(), std::env::args().nth(3)) {
            (None, _) => print!("{}", openapi_json()),
            (Some("--all"), Some(dir)) => {
                for (name, json) in api::startup::published_documents() {
                    let path = std::path::Path::new(&dir).join(name);
                    std::fs::write(&path, json)?;
                    println!("wrote {}", path.display());
                }
            }
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
        return Ok(());
    }
    api::telemetry::init();
    let config = Config::from_env()?;
    match cmd.as_str() {
        "serve" => {
            let app = Application::build(config).await?;
            tracing::info!(port = app.port, "Fieldbook listening; API docs at /docs");
            app.server.await?;
            app.state.db.close().await;
            tracing::info!("shut down");
        }
        "migrate" => {
            let db = Db::connect(&config.database_url, 2).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
        }
        "seed-demo" => {
            let db = Db::connect(&config.database_url, 2).await?;
            db.migrate().await?;
            api::seed::bootstrap_admin(&db, &config).await?;
            let password = std::env::var("FIELDBOOK_DEMO_PASSWORD").unwrap_or_else(|_| "demo-password-1".to_owned());
            let users = api::seed::seed_demo(&db, &config, &password).await?;
            println!("Demo company loaded. Every account's password: {password}");
            for (email, role) in users {
                println!("  {:<16} {email}", role.as_str());
            }
        }
        "tenant" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            let db = Db::connect(&config.database_url, 2).await?;
            db.migrate().await?;
            let password = std::env::var("FIELDBOOK_TENANT_ADMIN_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty());
            match api::cli::tenant(&db, &config, &args, password).await {
                Ok(out) => print!("{out}"),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(2);
                }
            }
        }
        "-h" | "--help" | "help" => println!("{USAGE}"),
        other => {
            eprintln!("unknown command '{other}'\n{USAGE}");
            std::process::exit(2);
        }
    }
    Ok(())
}
