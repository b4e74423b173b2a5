//! A bare KServe v2 REST server on axum: POST /v2/models/{m}[/versions/{v}]/infer reads the
//! request's JSON header (the binary extension's `Inference-Header-Content-Length` part, or the
//! whole body) and answers with the same output (the `--like` model's, dummy by default),
//! binary when the request asks for binary outputs, JSON otherwise; it runs no model. The
//! health, server and model metadata, ready and `/v2/models/{m}/config` routes answer as `ovms`
//! does for that model, so perf_analyzer's HTTP mode proceeds. It is the transport baseline of
//! the REST bar.
//!
//!   bare_axum [--port 9101] [--address 127.0.0.1] [--model dummy] [--like dummy|resnet50]
//!             [--workers N]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use bench_frontends::{DATATYPE, Like, MAX_MESSAGE_BYTES, Options, Tensor, VERSION};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const HEADER_LENGTH: &str = "inference-header-content-length";

/// Every answer, made once at start.
struct Bare {
    model: String,
    metadata: Bytes,
    config: Bytes,
    server_metadata: Bytes,
    /// The JSON header followed by the output's bytes, and the header's length.
    binary_answer: Bytes,
    binary_header_length: HeaderValue,
    json_answer: Bytes,
}

impl Bare {
    fn new(model: &str, like: Like) -> Bare {
        let tensor =
            |(name, shape): Tensor| json!({"name": name, "datatype": DATATYPE, "shape": shape});
        let metadata = json!({
            "name": model, "versions": [VERSION], "platform": "OpenVINO",
            "inputs": [tensor(like.input())], "outputs": [tensor(like.output())],
        });
        // Triton's model configuration, the minimum perf_analyzer reads.
        let config_tensor =
            |(name, shape): Tensor| json!({"name": name, "data_type": "TYPE_FP32", "dims": shape});
        let config = json!({
            "name": model, "platform": "openvino", "max_batch_size": 0,
            "input": [config_tensor(like.input())], "output": [config_tensor(like.output())],
        });
        let (output_name, output_shape) = like.output();
        let output_bytes = like.output_bytes();
        let server_metadata = json!({
            "name": "bare axum (front-end benchmark baseline)",
            "version": env!("CARGO_PKG_VERSION"), "extensions": [],
        });
        let binary_header = json!({
            "model_name": model, "model_version": VERSION,
            "outputs": [{"name": output_name, "datatype": DATATYPE, "shape": output_shape,
                         "parameters": {"binary_data_size": output_bytes}}],
        })
        .to_string();
        let mut binary_answer = binary_header.clone().into_bytes();
        binary_answer.resize(binary_answer.len() + output_bytes, 0);
        let zeros = vec![0.0f32; output_bytes / 4];
        let json_answer = json!({
            "model_name": model, "model_version": VERSION,
            "outputs": [{"name": output_name, "datatype": DATATYPE, "shape": output_shape,
                         "data": zeros}],
        });
        let bytes = |v: Value| Bytes::from(v.to_string());
        Bare {
            model: model.into(),
            metadata: bytes(metadata),
            config: bytes(config),
            server_metadata: bytes(server_metadata),
            binary_answer: binary_answer.into(),
            binary_header_length: binary_header.len().into(),
            json_answer: bytes(json_answer),
        }
    }

    /// Whether `params` name the served model (and version 1, when a version is given).
    fn serves(&self, params: &HashMap<String, String>) -> bool {
        params.get("model").is_some_and(|m| *m == self.model)
            && params.get("version").is_none_or(|v| v == VERSION)
    }
}

fn model_not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Model with requested name is not found",
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        json_body(Bytes::from(json!({ "error": message }).to_string())),
    )
        .into_response()
}

fn json_body(body: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], body)
}

type Shared = State<Arc<Bare>>;
type Params = Path<HashMap<String, String>>;

async fn model_metadata(State(bare): Shared, Path(params): Params) -> Response {
    if !bare.serves(&params) {
        return model_not_found();
    }
    json_body(bare.metadata.clone()).into_response()
}

async fn model_config(State(bare): Shared, Path(params): Params) -> Response {
    if !bare.serves(&params) {
        return model_not_found();
    }
    json_body(bare.config.clone()).into_response()
}

async fn model_ready(State(bare): Shared, Path(params): Params) -> Response {
    if !bare.serves(&params) {
        return model_not_found();
    }
    StatusCode::OK.into_response()
}

async fn infer(
    State(bare): Shared,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !bare.serves(&params) {
        return model_not_found();
    }
    // Parse the JSON part, as every KServe server must, to learn which answer is wanted.
    let json_length = match headers.get(HEADER_LENGTH) {
        None => body.len(),
        Some(value) => match value.to_str().ok().and_then(|v| v.parse::<usize>().ok()) {
            Some(n) if n <= body.len() => n,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Inference header content length is invalid",
                );
            }
        },
    };
    let request: Value = match serde_json::from_slice(&body[..json_length]) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the request is not JSON: {e}"),
            );
        }
    };
    let is_true = |v: &Value, key: &str| {
        v.get("parameters").and_then(|p| p.get(key)) == Some(&Value::Bool(true))
    };
    let binary = is_true(&request, "binary_data_output")
        || request
            .get("outputs")
            .and_then(Value::as_array)
            .is_some_and(|outputs| outputs.iter().any(|o| is_true(o, "binary_data")));
    if binary {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (
                    header::HeaderName::from_static(HEADER_LENGTH),
                    bare.binary_header_length.clone(),
                ),
            ],
            bare.binary_answer.clone(),
        )
            .into_response()
    } else {
        json_body(bare.json_answer.clone()).into_response()
    }
}

fn main() {
    let options = Options::from_args("bare_axum", 9101);
    let bare = Arc::new(Bare::new(&options.model, options.like));
    let server_metadata = bare.server_metadata.clone();
    let app = Router::new()
        .route("/v2/health/live", get(|| async { StatusCode::OK }))
        .route("/v2/health/ready", get(|| async { StatusCode::OK }))
        .route(
            "/v2",
            get(move || async move { json_body(server_metadata) }),
        )
        .route("/v2/models/{model}", get(model_metadata))
        .route("/v2/models/{model}/versions/{version}", get(model_metadata))
        .route("/v2/models/{model}/ready", get(model_ready))
        .route(
            "/v2/models/{model}/versions/{version}/ready",
            get(model_ready),
        )
        .route("/v2/models/{model}/config", get(model_config))
        .route("/v2/models/{model}/infer", post(infer))
        .route("/v2/models/{model}/versions/{version}/infer", post(infer))
        .layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES))
        .with_state(bare);
    options.runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind(options.address)
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {}: {e}", options.address));
        eprintln!(
            "bare_axum: serving model {} over REST on {}",
            options.model,
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        // Small requests are the common case: send each answer at once.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(bench_frontends::stop_signal())
            .await
            .expect("the REST server runs");
    });
}
