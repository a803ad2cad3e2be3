//! Request extractors that turn every malformed input into a problem with a JSON pointer.

use crate::http::errors::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{BytesMut, PathConfig, QueryConfig};
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::ops::Deref;
use validator::{Validate, ValidationErrors as VErrors, ValidationErrorsKind};

/// The default request body limit; endpoints taking batches raise it for themselves.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body: content type checked, size bounded by `LIMIT` bytes (413 beyond), unknown
/// fields rejected (by the DTO's `deny_unknown_fields`), decoding errors located by pointer,
/// then `validator` rules run.
pub struct JsonBody<T, const LIMIT: usize = DEFAULT_BODY_LIMIT>(pub T);

impl<T, const LIMIT: usize> Deref for JsonBody<T, LIMIT> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

fn too_large() -> ApiError {
    crate::http::errors::problem_for_status(actix_web::http::StatusCode::PAYLOAD_TOO_LARGE)
}

impl<T: DeserializeOwned + Validate + 'static, const LIMIT: usize> FromRequest for JsonBody<T, LIMIT> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Err(e) = crate::auth::precheck(req) {
            return Box::pin(async move { Err(e) });
        }
        let json = is_json(req);
        let declared: Option<usize> = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::coded(
                    domain::errors::ErrorCode::UnsupportedMediaType,
                    "the body must be sent as Content-Type: application/json",
                ));
            }
            if declared.is_some_and(|n| n > LIMIT) {
                return Err(too_large());
            }
            let mut bytes = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::coded(
                        domain::errors::ErrorCode::UnreadableBody,
                        format!("the body could not be read: {e}"),
                    )
                })?;
                if bytes.len() + chunk.len() > LIMIT {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            let value = decode_json::<T>(&bytes)?;
            value
                .validate()
                .map_err(|e| ApiError::validation(map_validator_errors(&e)))?;
            Ok(JsonBody(value))
        })
    }
}

/// Decodes JSON, telling malformed syntax (400) apart from a well-formed body of the wrong
/// shape (422, pointing at the field).
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    refuse_nul(bytes)?;
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let pointer = path_to_pointer(err.path());
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Err(ApiError::coded(
                    domain::errors::ErrorCode::MalformedJson,
                    format!("the body is not valid JSON: {inner}"),
                ))
            } else {
                Err(ApiError::validation(field_error("", &pointer, &inner)))
            }
        }
    }
}

/// Every JSON body passes here: a string (or key) holding NUL (`\u0000`) is a 422 naming
/// where, on both engines (PostgreSQL cannot store it; SQLite would, silently). Only bodies
/// whose text contains the escape are walked, so ordinary requests pay one byte scan.
fn refuse_nul(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(()); // malformed: the decoder below reports it
    };
    match nul_pointer(&value, String::new()) {
        Some(pointer) => Err(ApiError::field(
            if pointer.is_empty() { "/" } else { &pointer },
            "must not contain NUL characters",
        )),
        None => Ok(()),
    }
}

fn nul_pointer(v: &serde_json::Value, at: String) -> Option<String> {
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        serde_json::Value::String(s) => s.contains('\0').then_some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_pointer(x, format!("{at}/{i}"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = format!("{at}/{}", escape(k));
            if k.contains('\0') {
                Some(here)
            } else {
                nul_pointer(x, here)
            }
        }),
        _ => None,
    }
}

/// Decodes an already-parsed JSON value (one item of a batch), with pointers under `prefix`.
pub fn decode_value<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, domain::ValidationErrors> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
        let pointer = path_to_pointer(err.path());
        field_error(prefix, &pointer, &err.into_inner())
    })
}

fn field_error(prefix: &str, pointer: &str, inner: &serde_json::Error) -> domain::ValidationErrors {
    let detail = strip_position(&inner.to_string());
    // serde reports a missing field at its parent; point at the field itself.
    let pointer = match detail.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
        Some(field) => format!("{}/{field}", pointer.trim_end_matches('/')),
        None => pointer.to_owned(),
    };
    let pointer = if pointer == "/" && !prefix.is_empty() {
        String::new()
    } else {
        pointer
    };
    let full = format!("{prefix}{pointer}");
    domain::ValidationErrors::single(if full.is_empty() { "/".to_owned() } else { full }, detail)
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => {}
        }
    }
    // An unknown field's name is in the message; the pointer names the object holding it.
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Maps `validator`'s nested errors to JSON pointers (its keys are our snake_case field names).
pub fn map_validator_errors(e: &VErrors) -> domain::ValidationErrors {
    let mut out = domain::ValidationErrors::default();
    collect(e, String::new(), &mut out);
    out.0.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    out
}

fn collect(e: &VErrors, prefix: String, out: &mut domain::ValidationErrors) {
    for (field, kind) in e.errors() {
        let ptr = format!("{prefix}/{field}");
        match kind {
            ValidationErrorsKind::Field(errs) => {
                for fe in errs {
                    let detail = fe
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("fails the '{}' rule", fe.code));
                    out.push(ptr.clone(), detail);
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, ptr, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(inner, format!("{ptr}/{i}"), out);
                }
            }
        }
    }
}

pub fn query_config() -> QueryConfig {
    QueryConfig::default().error_handler(|err, _req| {
        ApiError::field(
            "/query",
            format!("invalid query parameters: {}", strip_position(&err.to_string())),
        )
        .into()
    })
}

pub fn path_config() -> PathConfig {
    PathConfig::default().error_handler(|err, _req| {
        let mut e = ApiError::coded(
            domain::errors::ErrorCode::InvalidPathParameter,
            format!("invalid path parameter: {err}"),
        );
        e.errors = vec![domain::FieldError::new(
            "/path",
            format!("invalid path parameter: {err}"),
        )];
        e.into()
    })
}

/// A JSON body that may be omitted entirely (no body, no content type): then `T::default()`.
/// For actions whose body carries only optional fields (approve with an optional comment).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Validate + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Err(e) = crate::auth::precheck(req) {
            return Box::pin(async move { Err(e) });
        }
        let empty = !req.headers().contains_key(header::CONTENT_TYPE)
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0");
        if empty {
            return Box::pin(async { Ok(OptionalJson(T::default())) });
        }
        let inner = JsonBody::<T>::from_request(req, payload);
        Box::pin(async move { inner.await.map(|b| OptionalJson(b.0)) })
    }
}

impl<T> Deref for OptionalJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
