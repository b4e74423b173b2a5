//! A server with its network front ends stopped from inside a tokio runtime (as a Rust host
//! with its own runtime would): the stop must not panic (a runtime cannot be waited on or
//! dropped inside another), must free the ports, and a new start on them must serve. One test
//! function: the server is a process singleton.

use ovms_shared::config::{LogLevel, ModelsSettings, ServerSettings};
use ovms_shared::server::SERVER;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn free_port() -> u32 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    u32::from(listener.local_addr().unwrap().port())
}

fn start(config: &str, grpc_port: u32, rest_port: u32) {
    let settings = ServerSettings {
        grpc_port,
        rest_port,
        grpc_bind_address: "127.0.0.1".into(),
        rest_bind_address: "127.0.0.1".into(),
        filesystem_poll_wait_ms: 0,
        log_level: LogLevel::Error,
        ..Default::default()
    };
    let models = ModelsSettings {
        config_path: config.into(),
        ..Default::default()
    };
    SERVER.start(&settings, &models).expect("start");
}

/// The status line of `GET path` on the REST port.
fn get(rest_port: u32, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", rest_port as u16)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn a_server_stopped_inside_a_tokio_runtime_frees_its_ports() {
    let dir = std::env::temp_dir().join(format!("ovms-frontend-stop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        format!(r#"{{"model_config_list": [{{"config": {{"name": "dummy", "base_path": "{REPO}/models/dummy"}}}}]}}"#),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_string();
    let (grpc_port, rest_port) = (free_port(), free_port());
    start(&config, grpc_port, rest_port);
    assert_eq!(get(rest_port, "/v2/health/ready"), "HTTP/1.1 200 OK");
    let host_runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    host_runtime.block_on(async { SERVER.stop() });
    assert!(TcpStream::connect(("127.0.0.1", rest_port as u16)).is_err());
    assert!(TcpStream::connect(("127.0.0.1", grpc_port as u16)).is_err());
    start(&config, grpc_port, rest_port);
    assert_eq!(get(rest_port, "/v2/models/dummy/ready"), "HTTP/1.1 200 OK");
    SERVER.stop();
    std::fs::remove_dir_all(&dir).ok();
}
