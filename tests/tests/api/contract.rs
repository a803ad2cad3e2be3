use super::*;
use std::collections::{BTreeMap, BTreeSet};

const REGENERATE: &str = "cargo run -p api -- openapi --all openapi";

fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default()
}

fn committed() -> String {
    repo_file("openapi/v1.json")
}

/// Every published document (`v1.json` and one per consumer) equals what the code generates.
/// Regenerate them all with `cargo run -p api -- openapi --all openapi`.
#[test]
fn committed_contract_equals_generated() {
    let docs = api::startup::published_documents();
    assert_eq!(docs.len(), 1 + api::http::openapi::CONSUMERS.len());
    for (name, generated) in docs {
        assert!(
            repo_file(&format!("openapi/{name}")) == generated,
            "openapi/{name} is stale: run `{REGENERATE}`"
        );
    }
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        for (method, op) in item.as_object().cloned().unwrap_or_default() {
            ops.push((method, path.clone(), op));
        }
    }
    ops
}

/// Each consumer document holds exactly the operations tagged for that consumer, unchanged,
/// and stands alone: every `$ref` resolves inside it and no schema is unused.
#[test]
fn consumer_documents_are_the_tagged_operations_and_self_contained() {
    let full: Value = serde_json::from_str(&committed()).unwrap_or_default();
    let mut covered = BTreeSet::new();
    for consumer in api::http::openapi::CONSUMERS {
        let doc: Value = serde_json::from_str(&repo_file(&format!("openapi/{consumer}.json"))).unwrap_or_default();
        let expected: Vec<_> = operations(&full)
            .into_iter()
            .filter(|(_, _, op)| op["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == consumer)))
            .collect();
        let got = operations(&doc);
        assert!(!got.is_empty(), "{consumer}: no operations");
        assert_eq!(got.len(), expected.len(), "{consumer}: operation count");
        for (method, path, op) in &expected {
            assert_eq!(&doc["paths"][path][method], op, "{consumer}: {method} {path} differs");
            covered.insert((method.clone(), path.clone()));
        }
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
        let mut referenced = BTreeSet::new();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| *c != '"').collect();
            assert!(schemas.contains_key(&name), "{consumer}: dangling $ref to {name}");
            referenced.insert(name);
        }
        for name in schemas.keys() {
            assert!(referenced.contains(name), "{consumer}: unused schema {name}");
        }
        // Exactly the security schemes its operations name, as the full document defines them.
        let used: BTreeSet<String> = text
            .match_indices("\"security\":[{\"")
            .filter_map(|(i, m)| text[i + m.len()..].split('"').next().map(str::to_owned))
            .collect();
        let schemes = doc["components"]["securitySchemes"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(schemes.keys().cloned().collect::<BTreeSet<_>>(), used, "{consumer}");
        for (name, scheme) in &schemes {
            assert_eq!(
                scheme, &full["components"]["securitySchemes"][name],
                "{consumer}: {name}"
            );
        }
    }
    // Every operation but the operators' probes belongs to some consumer.
    for (method, path, op) in operations(&full) {
        let probe = op["tags"] == json!(["operations"]);
        assert_eq!(
            covered.contains(&(method.clone(), path.clone())),
            !probe,
            "{method} {path}: in no consumer document"
        );
    }
}

#[test]
fn operation_ids_are_unique_snake_case() {
    let doc: Value = serde_json::from_str(&committed()).unwrap_or_default();
    let mut seen = BTreeMap::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        assert!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{method} {path}: operationId {id:?} is not snake_case"
        );
        if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId {id} is used by {other} and {method} {path}");
        }
    }
}

/// The Rust source files of the crates that feed the contract.
fn source_files() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap_or_default(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for krate in ["api/src", "domain/src", "infra/src"] {
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(krate),
            &mut out,
        );
    }
    assert!(out.len() > 20, "source tree not found");
    out
}

/// utoipa registers schemas by name: two Rust types with one name (or one `#[schema(as)]`)
/// silently replace each other in `components`, and the document then describes one type's
/// body for both. Every `ToSchema` type must therefore own its component name.
#[test]
fn every_schema_name_belongs_to_one_rust_type() {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in source_files() {
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let item = [
                "pub struct ",
                "pub enum ",
                "struct ",
                "enum ",
                "pub(crate) struct ",
                "pub(crate) enum ",
            ]
            .iter()
            .find_map(|k| line.trim().strip_prefix(k));
            let Some(rest) = item else { continue };
            // The attributes and doc comments right above the item.
            let mut attrs = String::new();
            for above in lines[..n].iter().rev().map(|l| l.trim()) {
                if above.is_empty() || above.ends_with(';') || (above.ends_with('}') && !above.starts_with("#[")) {
                    break;
                }
                attrs.insert_str(0, above);
            }
            if !attrs.contains("ToSchema") {
                continue;
            }
            let ident: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let name = attrs
                .split("as = ")
                .nth(1)
                .map(|r| {
                    r.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect()
                })
                .unwrap_or(ident);
            names.entry(name).or_default().push(format!("{file}:{}", n + 1));
        }
    }
    assert!(
        names.contains_key("Problem") && names.contains_key("NewActivity"),
        "scan found {names:?}"
    );
    let clashes: Vec<_> = names.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(
        clashes.is_empty(),
        "one component name, several Rust types: {clashes:?}"
    );
    // And every component of the document is one of them (or one the passes add).
    let doc: Value = serde_json::from_str(&committed()).unwrap_or_default();
    for name in doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default()
        .keys()
    {
        assert!(
            names.contains_key(name) || name.ends_with("Activity"),
            "schema {name} has no Rust type the scan knows"
        );
    }
}

/// Headers handlers read or send through the shared helpers are declared by those handlers'
/// annotations (the passes in `http::openapi` then add `If-None-Match`/304 and `Retry-After`).
#[test]
fn headers_the_handlers_use_are_declared() {
    let rules = [
        ("with_etag(", "\"ETag\""),
        ("if_match(&req)", "\"If-Match\""),
        ("review(&req", "\"If-Match\""),
        ("idempotency_key(&req)", "\"Idempotency-Key\""),
        ("insert_location(", "\"Location\""),
    ];
    let mut checked = 0;
    for (file, text) in source_files() {
        for chunk in text.split("#[utoipa::path(").skip(1) {
            let Some(fn_at) = chunk.find("pub async fn ") else {
                continue;
            };
            let (annotation, body) = chunk.split_at(fn_at);
            let body = body.split("#[utoipa::path(").next().unwrap_or_default();
            let name: String = body["pub async fn ".len()..]
                .chars()
                .take_while(|c| *c != '(')
                .collect();
            for (call, header) in rules {
                if body.contains(call) {
                    checked += 1;
                    assert!(
                        annotation.contains(header),
                        "{file}: {name} uses {call} but does not declare {header}"
                    );
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} uses found");
}

#[test]
fn every_operation_is_tagged_summarised_and_secured() {
    let doc: serde_json::Value = serde_json::from_str(&api::startup::openapi_json()).unwrap_or_default();
    let consumers = [
        "agent-app",
        "supervisor-app",
        "back-office",
        "integration",
        "operations",
    ];
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        for (method, op) in item.as_object().cloned().unwrap_or_default() {
            count += 1;
            let tags: Vec<&str> = op["tags"]
                .as_array()
                .map(|t| t.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            assert!(
                !tags.is_empty() && tags.iter().all(|t| consumers.contains(t)),
                "{method} {path}: tags {tags:?}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path}: no summary"
            );
            assert!(op["security"].is_array(), "{method} {path}: no security requirement");
            // The platform API takes the operator's token and nothing else.
            let scheme = if path.starts_with("/v1/platform/") {
                "platform"
            } else {
                "bearer"
            };
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get(scheme).is_some()));
            let other = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.keys().any(|k| k != scheme)))
            });
            assert!(!other, "{method} {path}: only the {scheme} scheme applies");
            let public = [
                "/health",
                "/ready",
                "/v1/auth/login",
                "/v1/auth/refresh",
                "/v1/oauth/token",
            ]
            .contains(&path.as_str());
            assert_eq!(secured, !public, "{method} {path}: {scheme} requirement");
            if secured {
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path}: 401 undocumented"
                );
            }
        }
    }
    assert!(count >= 19, "only {count} operations");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

engine_test!(served_contract_equals_committed_and_docs_work_offline, |app| {
    let served = app.send(app.client.get(format!("{}/v1/openapi.json", app.base))).await;
    assert_eq!(served.status, 200);
    let committed: serde_json::Value = serde_json::from_str(&committed()).unwrap_or_default();
    assert_eq!(served.body, committed);
    for consumer in api::http::openapi::CONSUMERS {
        let served = app
            .send(app.client.get(format!("{}/v1/openapi/{consumer}.json", app.base)))
            .await;
        assert_eq!(served.status, 200, "{consumer}");
        let file: Value = serde_json::from_str(&repo_file(&format!("openapi/{consumer}.json"))).unwrap_or_default();
        assert_eq!(served.body, file, "{consumer}");
    }
    let unknown = app
        .send(app.client.get(format!("{}/v1/openapi/nobody.json", app.base)))
        .await;
    assert_eq!(unknown.status, 404);
    let docs = app.send(app.client.get(format!("{}/docs/", app.base))).await;
    assert_eq!(docs.status, 200);
    let html = docs.body.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("swagger"), "not the Swagger UI page");
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "the docs page loads assets from a CDN"
    );
    let js = app
        .send(app.client.get(format!("{}/docs/swagger-ui-bundle.js", app.base)))
        .await;
    assert_eq!(js.status, 200, "Swagger UI assets are served by us");
    let init = app
        .send(app.client.get(format!("{}/docs/swagger-initializer.js", app.base)))
        .await;
    let init = init.body.as_str().unwrap_or_default().to_owned();
    assert!(init.contains("/v1/openapi.json"));
    assert!(
        init.contains(r#""validatorUrl": "none""#),
        "Swagger UI would ask an outside validator: {init}"
    );
    let redirect = app.send(app.client.get(format!("{}/docs", app.base))).await;
    assert_eq!(redirect.status.as_u16(), 308);
});

// Every list's `limit` is bounded as declared: above the declared maximum is 422 (pointing at
// `/query/limit`) for every role that may list, never a silently shortened page. Generic over
// the document, so lists added later are covered.
engine_test!(limits_above_the_declared_maximum_are_refused, |app| {
    let org = make_org(&app).await;
    let mut tokens = vec![
        app.admin().await,
        app.login("sup-a@test.local", PASSWORD).await,
        app.login("agent-a@test.local", PASSWORD).await,
    ];
    for (email, role) in [
        ("limits-qo@test.local", "quality_officer"),
        ("limits-hr@test.local", "hr"),
        ("limits-cb@test.local", "callback_agent"),
    ] {
        app.create_user(
            &org.admin,
            json!({"email": email, "name": role, "password": PASSWORD, "role": role, "branch_id": org.branch}),
        )
        .await;
        tokens.push(app.login(email, PASSWORD).await);
    }
    let doc: Value = serde_json::from_str(&committed()).unwrap_or_default();
    let mut lists = 0;
    for (method, path, op) in operations(&doc) {
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let Some(max) = params
            .iter()
            .find(|p| p["name"] == "limit" && p["in"] == "query")
            .and_then(|p| p["schema"]["maximum"].as_u64())
        else {
            continue;
        };
        let other_required = params.iter().any(|p| p["required"] == true && p["name"] != "limit");
        // The platform API takes the operator's token, not a company user's (tenants tests).
        if method != "get" || other_required || path.starts_with("/v1/platform/") {
            continue;
        }
        lists += 1;
        let mut refused = 0;
        for token in &tokens {
            let r = app.get(&format!("{path}?limit={}", max + 1), token).await;
            match r.status.as_u16() {
                403 => {}
                _ => {
                    r.assert_field_error("/query/limit");
                    refused += 1;
                }
            }
        }
        assert!(refused > 0, "{path}: no role may list it");
    }
    assert!(lists >= 8, "only {lists} bounded lists found");
});

/// The breaking-change guard (rules in `tests::compat`): every document in `openapi/released/`
/// (the last published version) still has a current document, and no change from it can break
/// a client written against it, unless `info.version`'s major changed. Publishing a new
/// baseline: see DEVELOPERS.md ("Publishing the contract").
#[test]
fn no_breaking_change_since_the_released_contract() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/released");
    let mut released: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    released.sort();
    assert!(
        released.len() >= 5,
        "openapi/released/ holds {} documents",
        released.len()
    );
    let mut problems = Vec::new();
    for path in released {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let old: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default()).unwrap_or_default();
        let current = repo_file(&format!("openapi/{name}"));
        if current.is_empty() {
            problems.push(format!("{name}: published, but no longer generated"));
            continue;
        }
        let new: Value = serde_json::from_str(&current).unwrap_or_default();
        problems.extend(
            tests::compat::breaking_changes(&old, &new)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    assert!(
        problems.is_empty(),
        "breaking changes since the released contract (bump info.version's major, or make the change additive):\n{}",
        problems.join("\n")
    );
}
