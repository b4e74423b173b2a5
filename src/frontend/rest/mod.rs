//! KServe v2 over REST (axum on the front ends' runtime), with OVMS's routes, codes and JSON:
//! health, server and model metadata, model readiness, inference (JSON and the binary
//! extension), `/metrics`, `/v1/config` and `/v1/config/reload`, and Triton's model
//! configuration (`/v2/models/{m}/config`, ours, for perf_analyzer). Every failure is
//! `{"error": "<OVMS's message>"}` with the HTTP code of OVMS's table (`status.rs`).

mod decode;
mod encode;
mod models;
mod routes;
mod status;

use super::{MAX_MESSAGE_BYTES, Shutdown};
use crate::frontend::infer::{self, Input};
use crate::metrics::{self, Interface, Method};
use crate::server::{self, SERVER};
use crate::status::{Error, Result, StatusCode};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode as Http, header};
use axum::response::Response;
use axum::serve::ListenerExt;
use routes::{ModelPath, Route};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const JSON: &str = "application/json";
/// Prometheus's classic text format, as OVMS serves `/metrics`.
const METRICS_TEXT: &str = "text/plain; version=0.0.4";
const TEXT: &str = "text/plain";
/// Whether reading a body failed on the size limit (a body without Content-Length that grew
/// past it); the limit's error type is private to http-body-util, so its text is looked for.
fn exceeds_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&dyn std::error::Error> = Some(error);
    while let Some(current) = cause {
        if current.to_string().contains("length limit exceeded") {
            return true;
        }
        cause = current.source();
    }
    false
}

/// The binary extension's header, in requests and responses.
const INFERENCE_HEADER_CONTENT_LENGTH: &str = "inference-header-content-length";

/// Serves REST on `listener` until `shutdown` fires, then finishes the requests it holds.
pub async fn serve(listener: TcpListener, shutdown: Shutdown) {
    let app = Router::new().fallback(handle);
    // An answer goes out whole at once: Nagle's wait for an ACK would only delay it.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            log::warn!("cannot set TCP_NODELAY on a REST connection: {e}");
        }
    });
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.fired())
        .await
    {
        log::error!("the REST server failed: {e}");
    }
}

/// Whether `json` nests arrays and objects deeper than `limit` (strings skipped), checked
/// before parsing, as OVMS limits request JSON.
pub(crate) fn json_depth_exceeds(json: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn response(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = Http::from_u16(status).unwrap_or(Http::INTERNAL_SERVER_ERROR);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

fn ok_json(value: &Value) -> Response {
    response(200, JSON, value.to_string())
}

/// A failure as OVMS answers it: `{"error": "<details>"}` with the code's HTTP status.
fn failure(error: &Error) -> Response {
    failure_as(error, JSON)
}

fn failure_as(error: &Error, content_type: &str) -> Response {
    log::debug!("REST request failed: {error}");
    let body = json!({ "error": error.details() }).to_string();
    response(status::http_code(error.code), content_type, body)
}

/// The config endpoints' own error text, in OVMS's layout.
fn config_failure(code: StatusCode, message: &str) -> Response {
    let body = format!("{{\n\t\"error\": {}\n}}", Value::from(message));
    response(status::http_code(code), JSON, body)
}

async fn handle(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The body limit comes first, as the HTTP server checks it before OVMS routes.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_MESSAGE_BYTES as u64) {
        return too_large(declared);
    }
    let route = match routes::route(parts.method.as_str(), parts.uri.path()) {
        Ok(route) => route,
        Err(error) => return failure(&error),
    };
    match route {
        Route::ModelInfer(model) => {
            let json_length = match header_content_length(&parts.headers) {
                Ok(length) => length,
                Err(error) => return failure(&error),
            };
            let body = match axum::body::to_bytes(body, MAX_MESSAGE_BYTES).await {
                Ok(body) => body,
                Err(e) => return unreadable_body(e),
            };
            infer_route(model, json_length, body).await
        }
        Route::ServerLive => {
            if SERVER.is_live() {
                response(200, JSON, Body::empty())
            } else {
                failure(&Error::new(StatusCode::INTERNAL_ERROR))
            }
        }
        Route::ServerReady => {
            if SERVER.is_ready() {
                response(200, JSON, Body::empty())
            } else {
                failure(&Error::new(StatusCode::SERVER_NOT_READY))
            }
        }
        // No `extensions`: OVMS lists none, and its JSON printer leaves the empty list out.
        Route::ServerMetadata => ok_json(&json!({
            "name": server::SERVER_NAME,
            "version": server::version(),
        })),
        Route::ModelMetadata(model) => model_metadata(&model),
        Route::ModelReady(model) => model_ready(&model),
        Route::ModelConfig(model) => model_config(&model),
        Route::Metrics => match metrics::render() {
            Some(text) => response(200, METRICS_TEXT, text),
            // OVMS answers an unknown URL, in plain text, when metrics are off.
            None => failure_as(&Error::new(StatusCode::REST_INVALID_URL), TEXT),
        },
        Route::ConfigStatus => match SERVER.manager() {
            Ok(manager) => response(200, JSON, models::config_status(&manager)),
            Err(error) => failure(&error),
        },
        Route::ConfigReload => config_reload().await,
        Route::Options => response(200, JSON, Body::empty()),
        Route::OpenAi => failure(&Error::with(
            StatusCode::NOT_IMPLEMENTED,
            "the OpenAI-style API (/v1, /v3) is not served",
        )),
    }
}

/// 413 for a body over the 1 GiB limit, before any of it is read.
fn too_large(declared: Option<u64>) -> Response {
    let what = declared.map_or("the body".to_string(), |n| format!("{n} bytes"));
    let body = json!({
        "error": format!("Request body too large: {what} exceed the limit of {MAX_MESSAGE_BYTES} bytes")
    });
    response(413, JSON, body.to_string())
}

/// A body that could not be read: over the limit without a declared length, or cut short.
fn unreadable_body(error: axum::Error) -> Response {
    if exceeds_limit(&error) {
        return too_large(None);
    }
    let body = json!({ "error": format!("Request body could not be read: {error}") });
    response(400, JSON, body.to_string())
}

/// The binary extension's header, if present: the length of the JSON part.
fn header_content_length(headers: &HeaderMap) -> Result<Option<usize>> {
    let Some(value) = headers.get(INFERENCE_HEADER_CONTENT_LENGTH) else {
        return Ok(None);
    };
    // As OVMS: a whole 32-bit integer, not negative.
    let length = value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<i32>().ok())
        .and_then(|length| usize::try_from(length).ok());
    length.map(Some).ok_or_else(|| {
        Error::with(
            StatusCode::REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID,
            format!("{value:?}"),
        )
    })
}

/// The model a path names, or `MODEL_NAME_MISSING`.
fn find_model(model: &ModelPath) -> Result<std::sync::Arc<crate::model::Model>> {
    let manager = SERVER.manager()?;
    models::find_model(&manager, model.name.as_deref(), &model.raw_name)
}

/// The pipeline a path names, if it names one (no model of that name).
fn pipeline_name(path: &ModelPath) -> Option<&str> {
    path.name.as_deref().filter(|name| infer::is_pipeline(name))
}

fn model_metadata(path: &ModelPath) -> Response {
    if let Some(name) = pipeline_name(path) {
        // As OVMS: the version in the path is not looked at for a pipeline.
        let described = infer::pipeline_metadata(name);
        let ok = described.is_ok();
        infer::count_pipeline_request(Interface::Rest, Method::ModelMetadata, name, ok);
        return match described {
            Ok(metadata) => ok_json(&models::pipeline_metadata(name, &metadata)),
            Err(error) => failure(&error),
        };
    }
    let model = match find_model(path) {
        Ok(model) => model,
        Err(error) => return failure(&error),
    };
    match models::metadata(&model, path.version) {
        Ok((version, value)) => {
            metrics::count_request(
                Interface::Rest,
                Method::ModelMetadata,
                &model.name,
                Some(version),
                true,
            );
            ok_json(&value)
        }
        Err(error) => {
            // Counted only where OVMS counts it: on a version that exists.
            if let Ok((version, _)) = models::pick_version(&model, path.version) {
                metrics::count_request(
                    Interface::Rest,
                    Method::ModelMetadata,
                    &model.name,
                    Some(version),
                    false,
                );
            }
            failure(&error)
        }
    }
}

fn model_ready(path: &ModelPath) -> Response {
    if let Some(name) = pipeline_name(path) {
        // As OVMS: ready or MODEL_VERSION_NOT_LOADED_YET, whatever version is asked for.
        let ready = infer::pipeline_ready(name);
        if ready.is_ok() {
            infer::count_pipeline_request(Interface::Rest, Method::ModelReady, name, true);
        }
        return match ready {
            Ok(true) => response(200, JSON, Body::empty()),
            Ok(false) => failure(&Error::new(StatusCode::MODEL_VERSION_NOT_LOADED_YET)),
            Err(error) => failure(&error),
        };
    }
    let model = match find_model(path) {
        Ok(model) => model,
        Err(error) => return failure(&error),
    };
    match models::pick_version(&model, path.version) {
        Ok((version, entry)) => {
            metrics::count_request(
                Interface::Rest,
                Method::ModelReady,
                &model.name,
                Some(version),
                true,
            );
            if entry.state == crate::model::VersionState::Available {
                response(200, JSON, Body::empty())
            } else {
                failure(&Error::new(StatusCode::MODEL_VERSION_NOT_LOADED_YET))
            }
        }
        Err(error) => failure(&error),
    }
}

fn model_config(path: &ModelPath) -> Response {
    if let Some(name) = pipeline_name(path) {
        return match infer::pipeline_metadata(name) {
            Ok(metadata) => ok_json(&models::triton_config_of(name, &metadata)),
            Err(error) => failure(&error),
        };
    }
    match find_model(path).and_then(|model| models::triton_config(&model, path.version)) {
        Ok(value) => ok_json(&value),
        Err(error) => failure(&error),
    }
}

async fn config_reload() -> Response {
    // A reload compiles models: off the network threads.
    let outcome = tokio::task::spawn_blocking(|| SERVER.reload()).await;
    match outcome {
        Ok(Ok(())) => match SERVER.manager() {
            Ok(manager) => response(200, JSON, models::config_status(&manager)),
            Err(error) => failure(&error),
        },
        Ok(Err(error)) if error.code == StatusCode::SERVER_NOT_READY => failure(&error),
        Ok(Err(error)) => {
            log::error!("reload requested over REST failed: {error}");
            config_failure(
                error.code,
                "Reloading config file failed. Check server logs for more info.",
            )
        }
        Err(e) => failure(&Error::with(
            StatusCode::INTERNAL_ERROR,
            format!("the reload did not finish: {e}"),
        )),
    }
}

/// The core's content-size failure for an input whose JSON data (or binary BYTES blob) held
/// the wrong number of elements, told as OVMS tells it: a wrong value count.
fn as_value_count(error: Error, inputs: &[(String, Vec<i64>, Option<usize>)]) -> Error {
    if error.code != StatusCode::INVALID_CONTENT_SIZE {
        return error;
    }
    let context = error.context.as_deref().unwrap_or("");
    for (name, shape, count) in inputs {
        let Some(count) = count else { continue };
        let expected = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?));
        if context.ends_with(&format!("; input name: {name}")) && expected != Some(*count) {
            let expected = expected.map_or("too many".to_string(), |n| n.to_string());
            return Error::with(
                StatusCode::INVALID_VALUE_COUNT,
                format!("Expected: {expected} values; Actual: {count} values; input name: {name}"),
            );
        }
    }
    error
}

async fn infer_route(path: ModelPath, json_length: Option<usize>, body: Bytes) -> Response {
    let Some(name) = path.name.clone() else {
        return failure(&Error::with(
            StatusCode::PIPELINE_DEFINITION_NAME_MISSING,
            format!("no model or pipeline named {:?}", path.raw_name),
        ));
    };
    let version = path.version.unwrap_or(0);
    let decoded = match decode::decode(&body, json_length.unwrap_or(body.len())) {
        Ok(decoded) => decoded,
        Err(error) => {
            // Counted where OVMS counts it: against a version that serves, or the pipeline.
            if infer::is_pipeline(&name) {
                infer::count_pipeline_request(Interface::Rest, Method::ModelInfer, &name, false);
            } else if let Ok(servable) = SERVER.manager().and_then(|m| m.servable(&name, version)) {
                let served = servable.version().version;
                metrics::count_request(
                    Interface::Rest,
                    Method::ModelInfer,
                    &name,
                    Some(served),
                    false,
                );
            }
            return failure(&error);
        }
    };
    let described: Vec<(String, Vec<i64>, Option<usize>)> = decoded
        .inputs
        .iter()
        .zip(&decoded.element_counts)
        .map(|(input, count): (&Input, _)| (input.name.clone(), input.shape.clone(), *count))
        .collect();
    let answer = match infer::infer(&name, version, decoded.inputs, Interface::Rest).await {
        Ok(answer) => answer,
        Err(error) => return failure(&as_value_count(error, &described)),
    };
    let binary = |output: &str| {
        decoded
            .binary_outputs
            .iter()
            .find(|(name, _)| name == output)
            .map_or(decoded.binary_by_default, |(_, binary)| *binary)
    };
    match encode::encode(&answer, decoded.id.as_deref(), binary) {
        Ok(encoded) => {
            let mut reply = response(200, JSON, encoded.body);
            if let Some(length) = encoded.json_length {
                reply
                    .headers_mut()
                    .insert(INFERENCE_HEADER_CONTENT_LENGTH, HeaderValue::from(length));
            }
            reply
        }
        Err(error) => failure(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_past_the_limit_is_told_from_a_broken_one() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let read = |body: &'static str, limit| {
            runtime.block_on(axum::body::to_bytes(Body::from(body), limit))
        };
        let error = read("hello", 4).expect_err("5 bytes are over a limit of 4");
        assert!(exceeds_limit(&error));
        assert!(read("hello", 5).is_ok());
        assert!(!exceeds_limit(&axum::Error::new(
            "error reading a body from connection"
        )));
    }

    #[test]
    fn depth_is_counted_outside_strings_only() {
        assert!(!json_depth_exceeds(b"[[[]]]", 3));
        assert!(json_depth_exceeds(b"[[[[]]]]", 3));
        assert!(!json_depth_exceeds(br#"{"a":"[[[[[\"[[[["}"#, 1));
        assert!(json_depth_exceeds(br#"{"a":"\\",  "b":[[]]}"#, 2));
    }

    #[test]
    fn inference_header_must_be_a_whole_non_negative_int() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                "Inference-Header-Content-Length",
                HeaderValue::from_str(value).unwrap(),
            );
            header_content_length(&headers).map_err(|e| e.code)
        };
        assert_eq!(with("42"), Ok(Some(42)));
        assert_eq!(with("0"), Ok(Some(0)));
        let invalid = Err(StatusCode::REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID);
        for bad in ["-1", "abc", "12x", "", "99999999999"] {
            assert_eq!(with(bad), invalid, "{bad:?}");
        }
        assert_eq!(header_content_length(&HeaderMap::new()), Ok(None));
    }

    #[test]
    fn content_size_of_a_miscounted_input_becomes_value_count() {
        let inputs = vec![("b".to_string(), vec![1, 10], Some(9))];
        let core = Error::with(
            StatusCode::INVALID_CONTENT_SIZE,
            "Expected: 40 bytes; Actual: 36 bytes; input name: b",
        );
        let told = as_value_count(core, &inputs);
        assert_eq!(told.code, StatusCode::INVALID_VALUE_COUNT);
        assert_eq!(
            told.context.as_deref(),
            Some("Expected: 10 values; Actual: 9 values; input name: b")
        );
        // A binary input (count unknown) keeps the core's answer.
        let binary = vec![("b".to_string(), vec![1, 10], None)];
        let core = Error::with(StatusCode::INVALID_CONTENT_SIZE, "x; input name: b");
        assert_eq!(
            as_value_count(core, &binary).code,
            StatusCode::INVALID_CONTENT_SIZE
        );
    }
}
