//! Starts each bare server on a free loopback port and talks to it as perf_analyzer does: the
//! generated tonic client for gRPC, a hand-written HTTP/1.1 request (binary extension) for REST.

use bench_frontends::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use bench_frontends::inference::model_infer_request::InferInputTensor;
use bench_frontends::inference::{ModelInferRequest, ModelMetadataRequest};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A server process, killed when dropped.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(binary: &str) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args(["--port", &port.to_string(), "--workers", "1"])
        .spawn()
        .unwrap();
    let server = Server(child, port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{binary} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

#[tokio::test]
async fn bare_tonic_answers_infer_with_the_dummy_output() {
    let server = start(env!("CARGO_BIN_EXE_bare_tonic"));
    let mut client = GrpcInferenceServiceClient::connect(format!("http://127.0.0.1:{}", server.1))
        .await
        .unwrap();
    let metadata = client
        .model_metadata(ModelMetadataRequest {
            name: "dummy".into(),
            version: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            metadata.inputs[0].name.as_str(),
            metadata.outputs[0].name.as_str()
        ),
        ("b", "a")
    );
    let request = ModelInferRequest {
        model_name: "dummy".into(),
        id: "7".into(),
        inputs: vec![InferInputTensor {
            name: "b".into(),
            datatype: "FP32".into(),
            shape: vec![1, 10],
            ..Default::default()
        }],
        raw_input_contents: vec![vec![0u8; 40].into()],
        ..Default::default()
    };
    let answer = client
        .model_infer(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.id, "7");
    assert_eq!(
        (
            answer.outputs[0].name.as_str(),
            answer.outputs[0].shape.as_slice()
        ),
        ("a", &[1, 10][..])
    );
    assert_eq!(answer.raw_output_contents[0].len(), 40);
    let unknown = ModelInferRequest {
        model_name: "other".into(),
        ..request
    };
    let status = client.model_infer(unknown).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);
}

/// Sends one HTTP/1.1 request and returns the whole answer (the server closes the connection).
fn http(port: u16, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    answer
}

#[test]
fn bare_axum_answers_binary_and_json_requests() {
    let server = start(env!("CARGO_BIN_EXE_bare_axum"));
    // The binary extension, as tritonclient and perf_analyzer send it.
    let json = br#"{"inputs":[{"name":"b","shape":[1,10],"datatype":"FP32","parameters":{"binary_data_size":40}}],"parameters":{"binary_data_output":true}}"#;
    let mut request = format!(
        "POST /v2/models/dummy/infer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Inference-Header-Content-Length: {}\r\nContent-Length: {}\r\n\r\n",
        json.len(),
        json.len() + 40
    )
    .into_bytes();
    request.extend_from_slice(json);
    request.extend_from_slice(&[0; 40]);
    let answer = http(server.1, &request);
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let header_length: usize = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("inference-header-content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("a binary answer has the header");
    let body = &answer[answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
    assert_eq!(body.len(), header_length + 40);
    assert!(String::from_utf8_lossy(&body[..header_length]).contains(r#""binary_data_size":40"#));

    let json = br#"{"inputs":[{"name":"b","shape":[1,10],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9,10]}]}"#;
    let mut request = format!(
        "POST /v2/models/dummy/versions/1/infer HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        json.len()
    )
    .into_bytes();
    request.extend_from_slice(json);
    let text = String::from_utf8(http(server.1, &request)).unwrap();
    assert!(
        text.contains(r#""data":[0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0]"#),
        "{text}"
    );

    let config = String::from_utf8(http(
        server.1,
        b"GET /v2/models/dummy/config HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ))
    .unwrap();
    assert!(
        config.starts_with("HTTP/1.1 200") && config.contains(r#""data_type":"TYPE_FP32""#),
        "{config}"
    );
    let missing = String::from_utf8(http(
        server.1,
        b"GET /v2/models/other/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ))
    .unwrap();
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}
