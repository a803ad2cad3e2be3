//! Logs: JSON lines when stdout is not a terminal (production), human-readable otherwise.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if std::io::stderr().is_terminal() {
        builder.pretty().try_init()
    } else {
        builder.json().flatten_event(true).with_current_span(true).try_init()
    };
    // A second init (tests) is harmless.
    let _ = result;
}
