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
        contact(name = "Fieldbook API maintainers"),
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
        components.add_security_scheme(
            "platform",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The platform operator's token (FIELDBOOK_PLATFORM_TOKEN); no user's access token is accepted",
                    ))
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
            tag("operations", "For operators: health probes and the platform's tenants"),
        ]);
    }
}

/// Every pass that completes the generated document, in order. Each is generic over the
/// operations, so an endpoint added later is covered without touching this file.
pub fn finish(doc: &mut Doc) {
    document_common_errors(doc);
    declare_retry_after(doc);
    conditional_reads(doc);
    optional_headers_are_strings(doc);
    discriminate_activities(doc);
    public_operations_need_no_security(doc);
    problem_examples(doc);
    complete_descriptions(doc);
    prune_components(doc);
}

/// The consumers with a document of their own: `openapi/{name}.json`, served at
/// `/v1/openapi/{name}.json`. Each is the operations tagged with its name.
pub const CONSUMERS: [&str; 4] = ["agent-app", "supervisor-app", "back-office", "integration"];

/// One consumer's document: the operations tagged for it, and only the components they
/// reference (transitively), so it stands alone. `None` for an unknown consumer.
pub fn for_consumer(doc: &Doc, consumer: &str) -> Option<Doc> {
    if !CONSUMERS.contains(&consumer) {
        return None;
    }
    let mut doc = doc.clone();
    let tagged = |op: &Option<utoipa::openapi::path::Operation>| {
        op.as_ref()
            .is_some_and(|o| o.tags.as_ref().is_some_and(|t| t.iter().any(|t| t == consumer)))
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ] {
            if !tagged(op) {
                *op = None;
            }
        }
    }
    doc.paths.paths.retain(|_, item| {
        [
            &item.get,
            &item.put,
            &item.post,
            &item.delete,
            &item.patch,
            &item.head,
            &item.options,
            &item.trace,
        ]
        .iter()
        .any(|op| op.is_some())
    });
    // Operations keep all their consumer tags; the document defines the tags they use.
    let used: std::collections::BTreeSet<String> = operations_mut(&mut doc)
        .flat_map(|(_, _, op)| op.tags.clone().unwrap_or_default())
        .collect();
    if let Some(tags) = doc.tags.as_mut() {
        tags.retain(|t| used.contains(&t.name));
    }
    doc.info.title = format!("{} ({consumer})", doc.info.title);
    doc.info.description = Some(format!(
        "The operations of the Fieldbook API that the `{consumer}` client uses: the same operations, \
         schemas and rules as the full document (`/v1/openapi.json`), nothing else.\n\n{}",
        doc.info.description.clone().unwrap_or_default()
    ));
    prune_components(&mut doc);
    Some(doc)
}

/// Every `#/components/schemas/...` name a JSON value refers to.
fn schema_refs(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(name) = v.as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
                        into.push(name.to_owned());
                    }
                } else if k == "mapping" {
                    // A discriminator's mapping names schemas too.
                    for target in v.as_object().into_iter().flat_map(|m| m.values()) {
                        if let Some(name) = target.as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
                            into.push(name.to_owned());
                        }
                    }
                } else {
                    schema_refs(v, into);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| schema_refs(v, into)),
        _ => {}
    }
}

/// Drops the schemas no operation reaches (directly or through other schemas).
fn prune_components(doc: &mut Doc) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let mut pending = Vec::new();
    schema_refs(&serde_json::to_value(&doc.paths).unwrap_or_default(), &mut pending);
    schema_refs(
        &serde_json::to_value(&components.responses).unwrap_or_default(),
        &mut pending,
    );
    let mut reached = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone()) {
            if let Some(schema) = components.schemas.get(&name) {
                schema_refs(&serde_json::to_value(schema).unwrap_or_default(), &mut pending);
            }
        }
    }
    components.schemas.retain(|name, _| reached.contains(name));
    // Security schemes no operation names (a consumer's document without the platform API).
    let mut used = std::collections::BTreeSet::new();
    let paths = serde_json::to_value(&doc.paths).unwrap_or_default();
    let requirements = paths
        .as_object()
        .into_iter()
        .flat_map(|items| items.values())
        .filter_map(|item| item.as_object())
        .flat_map(|ops| ops.values())
        .filter_map(|op| op.get("security").and_then(|s| s.as_array()))
        .flatten();
    for requirement in requirements {
        if let Some(names) = requirement.as_object() {
            used.extend(names.keys().cloned());
        }
    }
    components.security_schemes.retain(|name, _| used.contains(name));
}

fn problem_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
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
}

fn header(description: &str, schema: utoipa::openapi::schema::ObjectBuilder) -> utoipa::openapi::Header {
    utoipa::openapi::HeaderBuilder::new()
        .schema(schema)
        .description(Some(description))
        .build()
}

fn string_schema() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String)
}

/// Every 429 and 503 carries `Retry-After` (see `ApiError::error_response`), so each declares
/// it. Every operation that reaches the database may answer 503 `database_unavailable`; only
/// the liveness probe never does (the probes are tagged `operations` and declare their own).
fn declare_retry_after(doc: &mut Doc) {
    use utoipa::openapi::RefOr;
    let retry_after = || {
        header(
            "Seconds to wait before retrying",
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Integer)
                .minimum(Some(1)),
        )
    };
    for (_, _, op) in operations_mut(doc) {
        let probe = op.tags.as_ref().is_some_and(|t| t.iter().any(|t| t == "operations"));
        if !probe && !op.responses.responses.contains_key("503") {
            op.responses.responses.insert(
                "503".to_owned(),
                problem_response(
                    "The database is unreachable (`database_unavailable`); retry after `Retry-After` seconds",
                ),
            );
        }
        for code in ["429", "503"] {
            if let Some(RefOr::T(r)) = op.responses.responses.get_mut(code) {
                r.headers.entry("Retry-After".to_owned()).or_insert_with(retry_after);
            }
        }
    }
}

/// A header is absent or a string; utoipa writes an `Option<String>` header as
/// `["string", "null"]`, which no HTTP client can send. Absent is `required: false`.
fn optional_headers_are_strings(doc: &mut Doc) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::{RefOr, Required};
    for (_, _, op) in operations_mut(doc) {
        for p in op.parameters.iter_mut().flatten() {
            if p.parameter_in != ParameterIn::Header {
                continue;
            }
            if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() {
                if let SchemaType::Array(types) = &o.schema_type {
                    if types.contains(&Type::Null) {
                        let rest: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
                        if let [only] = rest.as_slice() {
                            o.schema_type = SchemaType::Type(only.clone());
                        }
                        p.required = Required::False;
                    }
                }
            }
        }
    }
}

/// A read whose 200 declares an `ETag` (sent by `http::with_etag`) honours `If-None-Match`
/// with 304: declare the header and the response.
fn conditional_reads(doc: &mut Doc) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{RefOr, Required, ResponseBuilder};
    for (method, _, op) in operations_mut(doc) {
        let etag = matches!(op.responses.responses.get("200"), Some(RefOr::T(r)) if r.headers.contains_key("ETag"));
        if method != "GET" || !etag {
            continue;
        }
        let params = op.parameters.get_or_insert_with(Vec::new);
        if !params.iter().any(|p| p.name.eq_ignore_ascii_case("If-None-Match")) {
            params.push(
                ParameterBuilder::new()
                    .name("If-None-Match")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some("ETags the caller holds; a current one gets 304 without a body"))
                    .schema(Some(string_schema()))
                    .build(),
            );
        }
        let not_modified = op.responses.responses.entry("304".to_owned()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description("Not modified: the `If-None-Match` ETag is current")
                    .build(),
            )
        });
        if let RefOr::T(r) = not_modified {
            r.headers
                .entry("ETag".to_owned())
                .or_insert_with(|| header("The current ETag", string_schema()));
        }
    }
}

/// An activity's `details` follows from its `kind`. utoipa cannot say so, so the activity
/// schemas (`NewActivity` in, `ActivityDto` out) become a `oneOf` of one schema per kind,
/// each with `kind` fixed and `details` typed, under a discriminator on `kind`: generated
/// clients then decode a phone service as a phone service, not as the first shape that fits.
fn discriminate_activities(doc: &mut Doc) {
    use crate::http::activities::details::ActivityKindDto;
    use utoipa::openapi::schema::{Discriminator, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{ObjectBuilder, Ref, RefOr};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (base, prefix, request) in [("NewActivity", "New", true), ("ActivityDto", "", false)] {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get(base).cloned() else {
            continue;
        };
        let mut union = OneOfBuilder::new().description(object.description.clone());
        let mut mapping = Vec::new();
        for kind in ActivityKindDto::ALL {
            let (wire, details, details_required) = kind.details_schema();
            let pascal: String = wire
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            let name = format!("{prefix}{pascal}Activity");
            let mut variant = object.clone();
            variant.description = Some(
                format!("{} A `{wire}`.", object.description.clone().unwrap_or_default())
                    .trim()
                    .to_owned(),
            );
            variant.properties.insert(
                "kind".to_owned(),
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([wire]))
                    .into(),
            );
            variant
                .properties
                .insert("details".to_owned(), Ref::from_schema_name(details).into());
            if (!request || details_required) && !variant.required.iter().any(|r| r == "details") {
                variant.required.push("details".to_owned());
            }
            components
                .schemas
                .insert(name.clone(), RefOr::T(Schema::Object(variant)));
            union = union.item(Ref::from_schema_name(&name));
            mapping.push((wire.to_owned(), format!("#/components/schemas/{name}")));
        }
        let union = union.discriminator(Some(Discriminator::with_mapping("kind", mapping)));
        components
            .schemas
            .insert(base.to_owned(), RefOr::T(Schema::OneOf(union.build())));
    }
}

/// The operations of a document with their method and path.
fn operations_mut(
    doc: &mut Doc,
) -> impl Iterator<Item = (&'static str, &String, &mut utoipa::openapi::path::Operation)> {
    doc.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            ("GET", item.get.as_mut()),
            ("PUT", item.put.as_mut()),
            ("POST", item.post.as_mut()),
            ("DELETE", item.delete.as_mut()),
            ("PATCH", item.patch.as_mut()),
        ]
        .into_iter()
        .filter_map(move |(m, op)| op.map(|op| (m, path, op)))
    })
}

fn requires_bearer(op: &utoipa::openapi::path::Operation) -> bool {
    op.security.as_ref().is_some_and(|s| {
        s.iter().any(|r| {
            serde_json::to_value(r)
                .map(|v| v.as_object().is_some_and(|o| !o.is_empty()))
                .unwrap_or(false)
        })
    })
}

/// utoipa writes `security(())` as `[{}]` ("optionally anonymous"); an operation that never
/// reads a token is `security: []`, so generated clients do not demand one.
fn public_operations_need_no_security(doc: &mut Doc) {
    for (_, _, op) in operations_mut(doc) {
        if op.security.is_some() && !requires_bearer(op) {
            op.security = Some(Vec::new());
        }
    }
}

/// The error code a problem response of a status most typically carries, for its example.
fn typical_code(status: u16) -> Option<domain::errors::ErrorCode> {
    use domain::errors::ErrorCode;
    let preferred = match status {
        400 => Some(ErrorCode::MalformedJson),
        409 => Some(ErrorCode::Conflict),
        429 => Some(ErrorCode::RateLimited),
        503 => Some(ErrorCode::DatabaseUnavailable),
        _ => None,
    };
    preferred.or_else(|| ErrorCode::ALL.iter().copied().find(|c| c.status() == status))
}

/// Every problem response gets an example whose `status` and `code` match that response, so
/// documentation and mock servers never show a 422 body under a 404.
fn problem_examples(doc: &mut Doc) {
    for (_, _, op) in operations_mut(doc) {
        for (status, response) in op.responses.responses.iter_mut() {
            let utoipa::openapi::RefOr::T(response) = response else {
                continue;
            };
            let Some(code) = status.parse::<u16>().ok().and_then(typical_code) else {
                continue;
            };
            let Some(content) = response.content.get_mut("application/problem+json") else {
                continue;
            };
            // Only the shared Problem schema: other problem bodies (the OAuth token grant's,
            // with RFC 6749's `error`) have fields this example would lack.
            let is_problem = matches!(&content.schema,
                Some(utoipa::openapi::RefOr::Ref(r)) if r.ref_location == "#/components/schemas/Problem");
            if !is_problem || content.example.is_some() || !content.examples.is_empty() {
                continue;
            }
            content.example = Some(serde_json::json!({
                "type": format!("urn:fieldbook:problem:{}", code.as_str()),
                "title": code.title(),
                "status": code.status(),
                "detail": response.description,
                "code": code.as_str(),
                "request_id": "0192f5e4-6a2b-7c3d-8e4f-5a6b7c8d9e0f",
            }));
        }
    }
}

/// The role names allowed a function, in `Role::ALL` order.
fn roles_permitted(function: domain::access::Function) -> Vec<&'static str> {
    domain::org::Role::ALL
        .into_iter()
        .filter(|r| domain::access::permits(*r, function))
        .map(|r| r.as_str())
        .collect()
}

/// The first sentence of a doc comment (utoipa puts a whole first paragraph in `summary`),
/// and the rest.
fn split_summary(text: &str) -> (String, String) {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let bytes = flat.as_bytes();
    for (i, _) in flat.match_indices(". ") {
        let next = bytes.get(i + 2).copied().unwrap_or(b' ');
        if next.is_ascii_uppercase() || next == b'`' {
            return (flat[..=i].to_owned(), flat[i + 2..].to_owned());
        }
    }
    (flat, String::new())
}

/// Completes each operation's description from what the server knows about it: who may call
/// it (from `api::auth::route_function` and `domain::access::permits` for guarded writes; the
/// absence of a declared 403 for the rest) and every error it may answer, as declared.
fn complete_descriptions(doc: &mut Doc) {
    for (method, path, op) in operations_mut(doc) {
        let (summary, rest) = split_summary(op.summary.as_deref().unwrap_or_default());
        let mut parts: Vec<String> = Vec::new();
        if !rest.is_empty() {
            parts.push(rest);
        }
        if let Some(d) = op.description.take().filter(|d| !d.trim().is_empty()) {
            parts.push(d);
        }
        op.summary = Some(summary);
        let guarded = actix_web::http::Method::from_bytes(method.as_bytes())
            .ok()
            .and_then(|m| crate::auth::route_function(&m, path));
        let who = if !requires_bearer(op) {
            "**Who may call it:** anyone; no token is needed.".to_owned()
        } else if let Some(function) = guarded {
            format!(
                "**Who may call it:** {} (function `{function:?}`); any other role gets 403 before the \
                 body is read.",
                roles_permitted(function)
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if op.responses.responses.contains_key("403") {
            "**Who may call it:** an authenticated caller whose role may use it; the others get 403 \
             (see that response)."
                .to_owned()
        } else {
            "**Who may call it:** any authenticated role.".to_owned()
        };
        parts.push(who);
        let errors: Vec<String> = op
            .responses
            .responses
            .iter()
            .filter(|(status, _)| status.starts_with('4') || status.starts_with('5'))
            .map(|(status, r)| match r {
                utoipa::openapi::RefOr::T(r) => format!("- `{status}`: {}", r.description),
                utoipa::openapi::RefOr::Ref(_) => format!("- `{status}`"),
            })
            .collect();
        if !errors.is_empty() {
            parts.push(format!(
                "**Errors** (`application/problem+json` with a stable `code`):\n{}",
                errors.join("\n")
            ));
        }
        op.description = Some(parts.join("\n\n"));
    }
}

/// Errors every operation of a shape can return, added where a handler's annotation does not
/// list them: 400 for malformed path parameters, 422 for invalid query parameters, 413/415 for
/// bodies, 401 for authenticated operations.
pub fn document_common_errors(doc: &mut Doc) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = problem_response;
    let add = |op: &mut Operation, write: bool| {
        let params = op.parameters.clone().unwrap_or_default();
        let has = |code: &str, op: &Operation| op.responses.responses.contains_key(code);
        let mut extra: Vec<(&str, &str)> = Vec::new();
        if params.iter().any(|p| p.parameter_in == ParameterIn::Path) && !has("400", op) {
            extra.push(("400", "Malformed path parameter"));
        }
        if params.iter().any(|p| p.parameter_in == ParameterIn::Query) && !has("422", op) {
            extra.push(("422", "Invalid query parameters"));
        }
        // A form body (the OAuth token endpoint) is not decoded field by field: no 422.
        let form = op
            .request_body
            .as_ref()
            .is_some_and(|b| b.content.contains_key("application/x-www-form-urlencoded"));
        if op.request_body.is_some() {
            for (code, d) in [
                ("400", "Malformed JSON"),
                ("413", "Body too large"),
                ("415", "Not JSON"),
                ("422", "Invalid fields"),
            ] {
                let skip = has(code, op) || (form && code == "422");
                if !skip {
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
        // Every authenticated write takes one from the caller's allowance.
        if secured && write && !has("429", op) {
            let retry_after = utoipa::openapi::HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("Seconds until the caller may write again"))
                .build();
            let limited = ResponseBuilder::new()
                .description("Write rate limit reached (`rate_limited`); retry after `Retry-After` seconds")
                .header("Retry-After", retry_after)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            op.responses.responses.insert("429".to_owned(), RefOr::T(limited));
        }
    };
    for item in doc.paths.paths.values_mut() {
        if let Some(op) = item.get.as_mut() {
            add(op, false);
        }
        for op in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
            .into_iter()
            .flatten()
        {
            add(op, true);
        }
    }
}
