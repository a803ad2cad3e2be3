//! The OpenAPI document. Paths come from the route registration itself (utoipa-actix-web);
//! this adds the document-level parts: info, servers, tags, the bearer scheme.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{OpenApi as Doc, ServerBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fieldbook API",
        description = "The backend insurance sales forces run on: activity logging, work diaries, \
                       supervisor review, quotas, penalties, quality points and commission holds.\n\n\
                       Errors are `application/problem+json` (RFC 9457) with a stable `code`. \
                       Operations are tagged by the client they serve: `agent-app`, \
                       `supervisor-app`, `back-office`, `integration`.",
        version = "1.0.0",
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary")
    ),
    modifiers(&DocParts),
    components(schemas(crate::error::Problem, crate::error::ProblemField))
)]
pub struct ApiDoc;

struct DocParts;

impl Modify for DocParts {
    fn modify(&self, doc: &mut Doc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /v1/auth/login"))
                    .build(),
            ),
        );
        doc.servers = Some(vec![ServerBuilder::new()
            .url("/")
            .description(Some("This server"))
            .build()]);
        let tag = |name: &str, description: &str| TagBuilder::new().name(name).description(Some(description)).build();
        doc.tags = Some(vec![
            tag("agent-app", "Used by the agent mobile app"),
            tag("supervisor-app", "Used by the supervisor app"),
            tag(
                "back-office",
                "Used by admins, HR, the quality office and the callback center",
            ),
            tag("integration", "Used by CRMs and other integrations"),
            tag("operations", "Health probes for operators"),
        ]);
    }
}
