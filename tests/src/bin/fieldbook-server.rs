//! The API server as a separate process, for the fault suite (`tests/tests/api/faults.rs`),
//! which kills it with SIGKILL and measures its memory. Configured from the environment like
//! `api serve`; prints `listening <port>` on stdout once it accepts connections, so tests can
//! bind port 0.

use std::io::Write;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    if std::env::var("RUST_LOG").is_ok() {
        api::telemetry::init();
    }
    let config = api::config::Config::from_env()?;
    let app = api::startup::Application::build(config).await?;
    let mut out = std::io::stdout();
    writeln!(out, "listening {}", app.port)?;
    out.flush()?;
    app.server.await?;
    Ok(())
}
