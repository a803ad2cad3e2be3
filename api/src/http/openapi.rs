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
    components(schemas(crate::http::errors::Problem, crate::http::errors::ProblemField))
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

/// Errors every operation of a shape can return, added where a handler's annotation does not
/// list them: 400 for malformed path parameters, 422 for invalid query parameters, 413/415 for
/// bodies, 401 for authenticated operations.
pub fn document_common_errors(doc: &mut Doc) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    let add = |op: &mut Operation| {
        let params = op.parameters.clone().unwrap_or_default();
        let has = |code: &str, op: &Operation| op.responses.responses.contains_key(code);
        let mut extra: Vec<(&str, &str)> = Vec::new();
        if params.iter().any(|p| p.parameter_in == ParameterIn::Path) && !has("400", op) {
            extra.push(("400", "Malformed path parameter"));
        }
        if params.iter().any(|p| p.parameter_in == ParameterIn::Query) && !has("422", op) {
            extra.push(("422", "Invalid query parameters"));
        }
        if op.request_body.is_some() {
            for (code, d) in [
                ("400", "Malformed JSON"),
                ("413", "Body too large"),
                ("415", "Not JSON"),
                ("422", "Invalid fields"),
            ] {
                if !has(code, op) {
                    extra.push((code, d));
                }
            }
        }
        let secured = op.security.as_ref().is_some_and(|s| {
            !s.is_empty()
                && s.iter().any(|r| {
                    serde_json::to_value(r)
                        .map(|v| v.as_object().is_some_and(|o| !o.is_empty()))
                        .unwrap_or(false)
                })
        });
        if secured && !has("401", op) {
            extra.push(("401", "Not authenticated"));
        }
        for (code, d) in extra {
            op.responses.responses.insert(code.to_owned(), problem(d));
        }
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add(op);
        }
    }
}
