//! The breaking-change guard: compares a released OpenAPI document (`openapi/released/`) with
//! the current one and lists every change that can break a client written against the
//! released one. No maintained OpenAPI diff tool installs offline from npm or PyPI here
//! (the known ones download a Go binary), so the rules are written out below.
//!
//! Breaking, unless the document's major version changed:
//! - an operation removed, or its `operationId` changed (generated clients name methods by it);
//! - a parameter removed, made required, or added as required; a request body made required;
//! - in what a client sends: a type, format, enum, bound or pattern narrowed, a field newly
//!   required, a field or extra fields no longer accepted, a union variant removed;
//! - in what a client receives: a success response or a field removed, a field no longer
//!   always present, an enum value removed, or a type the client did not expect (e.g. a
//!   field that becomes nullable).
//!
//! Additive changes pass: new operations, optional parameters and fields, new response fields,
//! wider request types, new enum values in responses.

use serde_json::Value;
use std::collections::BTreeSet;

/// Which side of the wire a schema is on: what the client sends, or what it receives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/// The major part of `info.version` ("1.4.0" → "1").
fn major(doc: &Value) -> String {
    doc["info"]["version"]
        .as_str()
        .unwrap_or_default()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Every breaking change from `released` to `current`, each with where it is. Empty when the
/// major version changed (a new major may break anything).
pub fn breaking_changes(released: &Value, current: &Value) -> Vec<String> {
    if major(released) != major(current) {
        return Vec::new();
    }
    let mut c = Checker {
        old: released,
        new: current,
        out: Vec::new(),
        seen: BTreeSet::new(),
        in_variant: false,
    };
    c.document();
    c.out
}

struct Checker<'a> {
    old: &'a Value,
    new: &'a Value,
    out: Vec<String>,
    /// Pairs of schema references already compared in a direction (recursive schemas).
    seen: BTreeSet<(String, String, bool)>,
    /// Comparing an old schema with one variant of the union it became: a variant legitimately
    /// narrows the discriminating enum.
    in_variant: bool,
}

fn types(schema: &Value) -> Option<BTreeSet<String>> {
    match &schema["type"] {
        Value::String(t) => Some([t.clone()].into()),
        Value::Array(ts) => Some(ts.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect()),
        _ => None,
    }
}

/// A set of JSON types accepts another when each of the other's types is in it (an integer is
/// a number).
fn accepts(wide: &BTreeSet<String>, narrow: &BTreeSet<String>) -> bool {
    narrow
        .iter()
        .all(|t| wide.contains(t) || (t == "integer" && wide.contains("number")))
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default()
}

impl Checker<'_> {
    fn flag(&mut self, at: &str, what: impl std::fmt::Display) {
        self.out.push(format!("{at}: {what}"));
    }

    /// Follows `$ref`s within a document.
    fn resolve<'d>(doc: &'d Value, mut schema: &'d Value) -> (&'d Value, Option<String>) {
        let mut name = None;
        for _ in 0..16 {
            let Some(r) = schema["$ref"].as_str() else { break };
            let pointer = r.trim_start_matches('#');
            name = Some(r.to_owned());
            match doc.pointer(pointer) {
                Some(s) => schema = s,
                None => break,
            }
        }
        (schema, name)
    }

    fn document(&mut self) {
        let (old, new) = (self.old, self.new);
        for (path, item) in old["paths"].as_object().into_iter().flatten() {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let at = format!("{} {path}", method.to_uppercase());
                let Some(now) = new["paths"].get(path).and_then(|i| i.get(method)) else {
                    self.flag(&at, "operation removed");
                    continue;
                };
                self.operation(&at, op, now);
            }
        }
    }

    fn operation(&mut self, at: &str, old: &Value, new: &Value) {
        if old["operationId"] != new["operationId"] {
            self.flag(
                at,
                format!(
                    "operationId changed from {} to {}",
                    old["operationId"], new["operationId"]
                ),
            );
        }
        let key = |p: &Value| {
            (
                p["name"].as_str().unwrap_or_default().to_ascii_lowercase(),
                p["in"].clone(),
            )
        };
        let old_params: Vec<&Value> = old["parameters"].as_array().into_iter().flatten().collect();
        let new_params: Vec<&Value> = new["parameters"].as_array().into_iter().flatten().collect();
        for p in &old_params {
            let here = format!(
                "{at} parameter {} ({})",
                p["name"],
                p["in"].as_str().unwrap_or_default()
            );
            match new_params.iter().find(|n| key(n) == key(p)) {
                None => self.flag(&here, "removed"),
                Some(n) => {
                    if n["required"] == true && p["required"] != true {
                        self.flag(&here, "made required");
                    }
                    self.schema(&here, &p["schema"], &n["schema"], Dir::Request);
                }
            }
        }
        for n in &new_params {
            if n["required"] == true && !old_params.iter().any(|p| key(p) == key(n)) {
                self.flag(&format!("{at} parameter {}", n["name"]), "added as required");
            }
        }
        let (ob, nb) = (&old["requestBody"], &new["requestBody"]);
        if nb["required"] == true && ob["required"] != true {
            self.flag(&format!("{at} request body"), "made required");
        }
        for (media, content) in ob["content"].as_object().into_iter().flatten() {
            let here = format!("{at} request body ({media})");
            match nb["content"].get(media) {
                None => self.flag(&here, "media type no longer accepted"),
                Some(n) => self.schema(&here, &content["schema"], &n["schema"], Dir::Request),
            }
        }
        for (status, response) in old["responses"].as_object().into_iter().flatten() {
            if !status.starts_with('2') {
                continue;
            }
            let here = format!("{at} response {status}");
            let Some(now) = new["responses"].get(status) else {
                self.flag(&here, "removed");
                continue;
            };
            for (media, content) in response["content"].as_object().into_iter().flatten() {
                let here = format!("{here} ({media})");
                match now["content"].get(media) {
                    None => self.flag(&here, "media type no longer sent"),
                    Some(n) => self.schema(&here, &content["schema"], &n["schema"], Dir::Response),
                }
            }
        }
    }

    fn schema(&mut self, at: &str, old: &Value, new: &Value, dir: Dir) {
        let (old, old_ref) = Self::resolve(self.old, old);
        let (new, new_ref) = Self::resolve(self.new, new);
        if let (Some(o), Some(n)) = (&old_ref, &new_ref) {
            if !self.seen.insert((o.clone(), n.clone(), dir == Dir::Request)) {
                return;
            }
        }
        if old.is_null() || new.is_null() {
            return;
        }
        // A schema split into a union: what the client receives is one of the variants, so each
        // must keep the old schema's promises. (In requests the variants divide the old space;
        // each variant's own rules are compared from the next release on.)
        let union = |s: &Value| !s["oneOf"].is_null() || !s["anyOf"].is_null();
        if !union(old) && union(new) {
            if dir == Dir::Response {
                let variants: Vec<Value> = ["oneOf", "anyOf"]
                    .iter()
                    .flat_map(|k| new[*k].as_array().cloned().unwrap_or_default())
                    .collect();
                for (i, variant) in variants.iter().enumerate() {
                    let (variant, _) = Self::resolve(self.new, variant);
                    if variant["type"] != "null" {
                        let variant = variant.clone();
                        let outer = std::mem::replace(&mut self.in_variant, true);
                        self.schema(&format!("{at}<variant {i}>"), old, &variant, dir);
                        self.in_variant = outer;
                    }
                }
            }
            return;
        }
        // Types.
        match (types(old), types(new)) {
            (Some(o), Some(n)) => match dir {
                Dir::Request if !accepts(&n, &o) => self.flag(at, format!("type narrowed from {o:?} to {n:?}")),
                Dir::Response if !accepts(&o, &n) => self.flag(at, format!("type changed from {o:?} to {n:?}")),
                _ => {}
            },
            (None, Some(n)) if dir == Dir::Request && old["oneOf"].is_null() && old["anyOf"].is_null() => {
                self.flag(at, format!("type narrowed from any to {n:?}"))
            }
            _ => {}
        }
        if dir == Dir::Request && old["format"] != new["format"] && !new["format"].is_null() {
            self.flag(
                at,
                format!("format changed from {} to {}", old["format"], new["format"]),
            );
        }
        // Enums: a removed value breaks both sides; a new one only constrains requests when
        // there was no enum before.
        let (oe, ne) = (names(&old["enum"]), names(&new["enum"]));
        if !new["enum"].is_null() {
            if old["enum"].is_null() {
                if dir == Dir::Request {
                    self.flag(at, format!("restricted to the values {ne:?}"));
                }
            } else if !(self.in_variant && dir == Dir::Response) {
                for v in oe.difference(&ne) {
                    self.flag(at, format!("enum value {v} removed"));
                }
            }
        }
        if dir == Dir::Request {
            self.bounds(at, old, new);
        }
        // Objects.
        let (op, np) = (&old["properties"], &new["properties"]);
        let old_required = names(&old["required"]);
        let new_required = names(&new["required"]);
        for (name, schema) in op.as_object().into_iter().flatten() {
            let here = format!("{at}.{name}");
            let quoted = Value::String(name.clone()).to_string();
            match np.get(name) {
                None if dir == Dir::Response => self.flag(&here, "response field removed"),
                None if new["additionalProperties"] == false => self.flag(&here, "field no longer accepted"),
                None => {}
                Some(n) => self.schema(&here, schema, n, dir),
            }
            if dir == Dir::Response && old_required.contains(&quoted) && !new_required.contains(&quoted) {
                self.flag(&here, "no longer always present");
            }
        }
        if dir == Dir::Request {
            for name in new_required.difference(&old_required) {
                self.flag(&format!("{at}.{}", name.trim_matches('"')), "newly required");
            }
            if new["additionalProperties"] == false && old["additionalProperties"] != false && op.is_null() {
                self.flag(at, "extra fields no longer accepted");
            }
        }
        // Arrays and maps.
        if !old["items"].is_null() {
            self.schema(&format!("{at}[]"), &old["items"], &new["items"], dir);
        }
        if old["additionalProperties"].is_object() && new["additionalProperties"].is_object() {
            let (o, n) = (&old["additionalProperties"], &new["additionalProperties"]);
            self.schema(&format!("{at}{{*}}"), o, n, dir);
        }
        // Unions: variants matched by discriminator value, else by `$ref`, else by position.
        for key in ["oneOf", "anyOf", "allOf"] {
            let Some(old_items) = old[key].as_array() else { continue };
            let new_items: Vec<&Value> = new[key].as_array().into_iter().flatten().collect();
            let by_kind = |doc: &Value, s: &Value, r: &str| {
                s["discriminator"]["mapping"]
                    .as_object()
                    .and_then(|m| m.iter().find(|(_, v)| v.as_str() == Some(r)).map(|(k, _)| k.clone()))
                    .or_else(|| Some(Self::resolve(doc, &Value::String(r.to_owned())).1?.to_owned()))
            };
            for (i, item) in old_items.iter().enumerate() {
                let here = format!("{at}.{key}[{i}]");
                let counterpart = match item["$ref"].as_str() {
                    Some(r) => {
                        let kind = by_kind(self.old, old, r);
                        new_items.iter().copied().find(|n| {
                            n["$ref"]
                                .as_str()
                                .is_some_and(|nr| nr == r || by_kind(self.new, new, nr) == kind)
                        })
                    }
                    None => new_items.get(i).copied().filter(|n| n["$ref"].is_null()),
                };
                // A client never misses a response variant that is no longer sent.
                match counterpart {
                    Some(n) => self.schema(&here, item, n, dir),
                    None if dir == Dir::Request => self.flag(&here, "union variant removed"),
                    None => {}
                }
            }
        }
    }

    /// In a request: a bound that tightened rejects values that were valid.
    fn bounds(&mut self, at: &str, old: &Value, new: &Value) {
        for (key, upper) in [
            ("maxLength", true),
            ("maxItems", true),
            ("maximum", true),
            ("exclusiveMaximum", true),
            ("minLength", false),
            ("minItems", false),
            ("minimum", false),
            ("exclusiveMinimum", false),
        ] {
            let Some(n) = num(&new[key]) else { continue };
            let narrowed = match num(&old[key]) {
                None => true,
                Some(o) if upper => n < o,
                Some(o) => n > o,
            };
            if narrowed {
                self.flag(at, format!("{key} tightened from {} to {n}", old[key]));
            }
        }
        if !new["pattern"].is_null() && new["pattern"] != old["pattern"] {
            self.flag(
                at,
                format!("pattern changed from {} to {}", old["pattern"], new["pattern"]),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(version: &str, body: Value, response: Value, params: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": version},
            "paths": {"/v1/things": {"post": {
                "operationId": "create_thing",
                "parameters": params,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewThing"}}}},
                "responses": {"201": {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
            }}},
            "components": {"schemas": {"NewThing": body, "Thing": response}}
        })
    }

    fn base() -> (Value, Value, Value) {
        (
            json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                "name": {"type": "string", "maxLength": 100},
                "colour": {"type": "string", "enum": ["red", "blue"]},
                "size": {"type": ["integer", "null"], "minimum": 0}
            }}),
            json!({"type": "object", "required": ["id", "name", "state"], "properties": {
                "id": {"type": "string", "format": "uuid"},
                "name": {"type": "string"},
                "state": {"type": "string", "enum": ["new", "done"]}
            }}),
            json!([{"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "maximum": 200}}]),
        )
    }

    fn changed(edit: impl FnOnce(&mut Value, &mut Value, &mut Value)) -> Vec<String> {
        let (b, r, p) = base();
        let old = doc("1.0.0", b.clone(), r.clone(), p.clone());
        let (mut b, mut r, mut p) = (b, r, p);
        edit(&mut b, &mut r, &mut p);
        breaking_changes(&old, &doc("1.1.0", b, r, p))
    }

    #[test]
    fn identical_and_additive_changes_pass() {
        assert_eq!(changed(|_, _, _| {}), Vec::<String>::new());
        let additive = changed(|b, r, p| {
            b["properties"]["note"] = json!({"type": "string"});
            b["properties"]["name"]["maxLength"] = json!(200);
            b["properties"]["colour"]["enum"] = json!(["red", "blue", "green"]);
            r["properties"]["extra"] = json!({"type": "string"});
            r["properties"]["state"]["enum"] = json!(["new", "done", "archived"]);
            if let Some(a) = p.as_array_mut() {
                a.push(json!({"name": "q", "in": "query", "required": false, "schema": {"type": "string"}}));
            }
        });
        assert_eq!(additive, Vec::<String>::new());
    }

    #[test]
    fn each_kind_of_break_is_caught() {
        type Edit = Box<dyn FnOnce(&mut Value, &mut Value, &mut Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "response field removed",
                Box::new(|_, r, _| {
                    r["properties"].as_object_mut().map(|o| o.remove("name"));
                }),
            ),
            (
                "enum value \"done\" removed",
                Box::new(|_, r, _| r["properties"]["state"]["enum"] = json!(["new"])),
            ),
            (
                "enum value \"blue\" removed",
                Box::new(|b, _, _| b["properties"]["colour"]["enum"] = json!(["red"])),
            ),
            (
                "type narrowed",
                Box::new(|b, _, _| b["properties"]["size"]["type"] = json!("integer")),
            ),
            (
                "maxLength tightened",
                Box::new(|b, _, _| b["properties"]["name"]["maxLength"] = json!(50)),
            ),
            (
                "newly required",
                Box::new(|b, _, _| b["required"] = json!(["name", "colour"])),
            ),
            (
                "parameter \"limit\" (query): removed",
                Box::new(|_, _, p| *p = json!([])),
            ),
            ("made required", Box::new(|_, _, p| p[0]["required"] = json!(true))),
            (
                "added as required",
                Box::new(|_, _, p| {
                    if let Some(a) = p.as_array_mut() {
                        a.push(json!({"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}));
                    }
                }),
            ),
            (
                "no longer always present",
                Box::new(|_, r, _| r["required"] = json!(["id", "name"])),
            ),
            (
                "type changed",
                Box::new(|_, r, _| r["properties"]["name"]["type"] = json!(["string", "null"])),
            ),
        ];
        for (expected, edit) in cases {
            let found = changed(edit);
            assert!(found.iter().any(|f| f.contains(expected)), "{expected}: {found:?}");
        }
    }

    #[test]
    fn removed_or_renamed_operations_break_unless_the_major_changes() {
        let (b, r, p) = base();
        let old = doc("1.0.0", b, r, p);
        let mut renamed = old.clone();
        renamed["paths"]["/v1/things"]["post"]["operationId"] = json!("make_thing");
        assert!(breaking_changes(&old, &renamed)[0].contains("operationId changed"));
        let mut removed = old.clone();
        removed["paths"] = json!({});
        assert!(breaking_changes(&old, &removed)[0].contains("operation removed"));
        removed["info"]["version"] = json!("2.0.0");
        assert!(breaking_changes(&old, &removed).is_empty());
    }

    #[test]
    fn discriminated_variants_are_matched_by_kind() {
        let union = |variants: &[&str]| {
            json!({
                "oneOf": variants.iter().map(|v| json!({"$ref": format!("#/components/schemas/{v}")})).collect::<Vec<_>>(),
                "discriminator": {"propertyName": "kind", "mapping": variants.iter().map(|v| (v.to_lowercase(), json!(format!("#/components/schemas/{v}")))).collect::<serde_json::Map<_, _>>()}
            })
        };
        let with = |variants: &[&str]| {
            let (_, r, p) = base();
            let mut d = doc("1.0.0", union(variants), r, p);
            for v in variants {
                d["components"]["schemas"][*v] =
                    json!({"type": "object", "properties": {"kind": {"type": "string", "enum": [v.to_lowercase()]}}});
            }
            d
        };
        assert!(breaking_changes(&with(&["A", "B"]), &with(&["A", "B", "C"])).is_empty());
        let removed = breaking_changes(&with(&["A", "B"]), &with(&["A"]));
        assert!(
            removed.iter().any(|f| f.contains("union variant removed")),
            "{removed:?}"
        );
    }
}
