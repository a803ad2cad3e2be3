//! Building and running the server. The same route registration feeds the server and the
//! OpenAPI generator.

use crate::auth::{random_bytes, Hashing, Keys};
use crate::clock::Clock;
use crate::config::Config;
use crate::http::extract::{path_config, query_config, DEFAULT_BODY_LIMIT};
use crate::http::openapi::ApiDoc;
use crate::http::{
    self, activities, auth, callbacks, clients, dashboards, diaries, insurance_policies, leave, org, penalties,
    policy_versions, spot_checks, statements, system, RouteTable,
};
use crate::state::AppState;
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpResponse, HttpServer};
use domain::ports::AuthRepo;
use infra::Db;
use std::net::TcpListener;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// Every documented route, registered once.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(system::health).service(system::ready).service(
        utoipa_actix_web::scope("/v1")
            .configure(auth::routes)
            .configure(org::routes)
            .configure(clients::routes)
            .configure(activities::routes)
            .configure(diaries::routes)
            .configure(leave::routes)
            .configure(spot_checks::routes)
            .configure(policy_versions::routes)
            .configure(penalties::routes)
            .configure(dashboards::routes)
            .configure(http::quality_catalogue::routes)
            .configure(http::violations::routes)
            .configure(http::credit_files::routes)
            .configure(http::quality_reports::routes)
            .configure(insurance_policies::routes)
            .configure(callbacks::routes)
            .configure(statements::routes)
            .configure(http::licences::routes)
            .configure(http::platform::routes)
            .configure(http::integrations::routes)
            .configure(http::upsert::routes)
            .configure(http::changes::routes)
            .configure(http::audit::routes),
    );
}

/// The OpenAPI document exactly as the server serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(register)
        .split_for_parts();
    crate::http::openapi::finish(&mut doc);
    doc
}

/// The document as committed under `openapi/v1.json` (pretty JSON, trailing newline).
pub fn openapi_json() -> String {
    openapi_json_of(&openapi())
}

/// One consumer's document as committed under `openapi/{consumer}.json` (see
/// `http::openapi::CONSUMERS`); `None` for an unknown consumer.
pub fn consumer_openapi_json(consumer: &str) -> Option<String> {
    crate::http::openapi::for_consumer(&openapi(), consumer).map(|d| openapi_json_of(&d))
}

/// Every published document: file name and content (`v1.json` and one per consumer).
pub fn published_documents() -> Vec<(String, String)> {
    let doc = openapi();
    let mut docs = vec![("v1.json".to_owned(), openapi_json_of(&doc))];
    for consumer in crate::http::openapi::CONSUMERS {
        if let Some(d) = crate::http::openapi::for_consumer(&doc, consumer) {
            docs.push((format!("{consumer}.json"), openapi_json_of(&d)));
        }
    }
    docs
}

fn openapi_json_of(doc: &utoipa::openapi::OpenApi) -> String {
    let mut s = doc.to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// Loads (or installs) the signing keys: an explicit secret wins; otherwise the key shared
/// through the database, so every instance accepts every other's tokens.
pub async fn load_keys(db: &Db, config: &Config) -> anyhow::Result<Keys> {
    let keys = match &config.jwt_secret {
        Some(secret) => vec![("env".to_owned(), secret.as_bytes().to_vec())],
        None => {
            let kid = uuid::Uuid::now_v7().to_string();
            db.signing_keys((&kid, &random_bytes(32)), chrono::Utc::now()).await?
        }
    };
    Keys::new(keys).ok_or_else(|| anyhow::anyhow!("no signing key available"))
}

pub struct Application {
    pub port: u16,
    pub server: Server,
    pub state: web::Data<AppState>,
}

impl Application {
    /// Connects, migrates, bootstraps and binds (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect_with(&config.database_url, config.pool_settings()).await?;
        Self::build_with_db(config, db).await
    }

    pub async fn build_with_db(config: Config, db: Db) -> anyhow::Result<Application> {
        db.migrate().await?;
        crate::seed::bootstrap_admin(&db, &config).await?;
        if config.metrics_token.is_some() {
            crate::metrics::install();
        }
        let keys = load_keys(&db, &config).await?;
        let doc = openapi();
        let state = web::Data::new(AppState {
            db,
            hashing: Hashing::new(&config),
            keys,
            clock: Clock::default(),
            routes: Arc::new(RouteTable::from_openapi(&doc)),
            config,
        });
        let listener = TcpListener::bind(&state.config.http_addr)?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, state.clone(), doc)?;
        if state.config.jobs_interval_secs > 0 {
            spawn_jobs(state.clone());
        }
        Ok(Application { port, server, state })
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>, doc: utoipa::openapi::OpenApi) -> anyhow::Result<Server> {
    let doc_json = web::Bytes::from(openapi_json_of(&doc));
    let consumer_docs: Vec<(String, web::Bytes)> = crate::http::openapi::CONSUMERS
        .iter()
        .filter_map(|c| {
            crate::http::openapi::for_consumer(&doc, c)
                .map(|d| (format!("/v1/openapi/{c}.json"), web::Bytes::from(openapi_json_of(&d))))
        })
        .collect();
    let workers = state.config.http_workers;
    let test_clock = state.config.test_clock;
    let server = HttpServer::new(move || {
        App::new()
            // Outermost last: problems are stamped before the body is compressed.
            .wrap(from_fn(crate::http::middleware::request_context))
            .wrap(Compress::default())
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(DEFAULT_BODY_LIMIT))
            .app_data(query_config())
            .app_data(path_config())
            // Before the /v1 scope, which would otherwise claim the path.
            .route(
                "/v1/openapi.json",
                web::get().to({
                    let doc_json = doc_json.clone();
                    move || {
                        let body = doc_json.clone();
                        async move { HttpResponse::Ok().content_type("application/json").body(body) }
                    }
                }),
            )
            .route("/metrics", web::get().to(http::system::metrics))
            .configure(|cfg| {
                for (path, body) in &consumer_docs {
                    let body = body.clone();
                    cfg.route(
                        path,
                        web::get().to(move || {
                            let body = body.clone();
                            async move { HttpResponse::Ok().content_type("application/json").body(body) }
                        }),
                    );
                }
            })
            .configure(|cfg| {
                // Test-only: exists (and is reachable) only with FIELDBOOK_TEST_CLOCK=1.
                if test_clock {
                    cfg.service(
                        web::resource("/v1/test/clock")
                            .route(web::put().to(http::testclock::set_clock))
                            .route(web::delete().to(http::testclock::reset_clock)),
                    );
                }
            })
            .into_utoipa_app()
            .configure(register)
            .into_app()
            // No validator badge: Swagger UI would send the document's URL to an outside host.
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::from("/v1/openapi.json").validator_url("none")),
            )
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            .default_service(web::to(http::fallback))
    })
    .listen(listener)?
    .workers(if workers == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    } else {
        workers
    })
    .shutdown_timeout(30)
    .run();
    Ok(server)
}

/// The background runner: closes due days, settles months past their cut-off and allocates a
/// new quarter's leads once it has started (LEAD-1). Every write is idempotent, so several
/// instances may run it at once.
fn spawn_jobs(state: web::Data<AppState>) {
    let every = std::time::Duration::from_secs(state.config.jobs_interval_secs);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = state.clock.now();
            let started = std::time::Instant::now();
            let run = crate::app::runner::run_once(&state.db, now).await;
            let (outcome, items) = match &run {
                Ok(r) => (
                    crate::metrics::JobOutcome::Succeeded,
                    vec![
                        ("penalties", r.days.penalties_posted),
                        ("adjustments", r.days.adjustments_posted),
                        ("allocations", r.leads_allocated),
                    ],
                ),
                Err(_) => (crate::metrics::JobOutcome::Failed, Vec::new()),
            };
            crate::metrics::job("runner", started, outcome, &items);
            match run {
                Ok(r) if r.days.penalties_posted + r.days.adjustments_posted + r.leads_allocated > 0 => {
                    tracing::info!(
                        penalties = r.days.penalties_posted,
                        adjustments = r.days.adjustments_posted,
                        leads_allocated = r.leads_allocated,
                        "background jobs"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "background jobs failed; retrying next tick"),
            }
            // Housekeeping of the shared limit counters runs on real time, not the test clock.
            use domain::ports::LimitsRepo;
            if let Err(e) = state
                .db
                .prune_limits(state.config.login_window_secs, chrono::Utc::now())
                .await
            {
                tracing::warn!(error = %e, "pruning limit counters failed; retrying next tick");
            }
            let days = state.config.change_retention_days;
            match crate::app::changes::prune(&state.db, now, days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "change feed pruned"),
                Err(e) => tracing::error!(error = ?e, "pruning the change feed failed; retrying next tick"),
            }
        }
    });
}
