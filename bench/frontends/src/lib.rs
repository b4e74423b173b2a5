//! What the two bare servers share: the model they pretend to serve (the repository's
//! `models/dummy`: input `b`, output `a`, both FP32 [1, 10]), their command line and runtime.
//! They run no model: every inference gets the same precomputed answer, so what they measure is
//! the transport alone (HTTP/2 + protobuf, or HTTP/1.1 + JSON), the baseline of `ovms`.

use std::net::SocketAddr;

/// The messages and the service trait generated from proto/inference.proto by build.rs.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod inference {
    tonic::include_proto!("inference");
}

/// The dummy model's input, as perf_analyzer reads it from the metadata and sends it.
pub const INPUT_NAME: &str = "b";
/// The dummy model's output, which every answer carries.
pub const OUTPUT_NAME: &str = "a";
pub const DATATYPE: &str = "FP32";
pub const SHAPE: [i64; 2] = [1, 10];
/// [1, 10] FP32: 40 bytes.
pub const OUTPUT_BYTES: usize = 10 * 4;
/// The only version served.
pub const VERSION: &str = "1";
/// As `ovms`: gRPC messages and REST bodies up to 1 GiB.
pub const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// The command line: `--port N [--address A] [--model NAME] [--workers N]`.
#[derive(Debug)]
pub struct Options {
    pub address: SocketAddr,
    /// The name the model is served under (perf_analyzer's `-m`).
    pub model: String,
    /// Tokio worker threads; by default one per CPU, tokio's own default (`ovms`'s network
    /// runtime has half the cores unless `--grpc_workers` or `--rest_workers` ask for more).
    pub workers: usize,
}

impl Options {
    /// Reads the process's arguments; exits with a usage message on a bad one.
    pub fn from_args(program: &str, default_port: u16) -> Options {
        match Self::parse(std::env::args().skip(1), default_port) {
            Ok(options) => options,
            Err(why) => {
                eprintln!("{program}: {why}");
                eprintln!(
                    "usage: {program} [--port N (default {default_port})] [--address IP (default 127.0.0.1)] \
                     [--model NAME (default dummy)] [--workers N (default: one per CPU)]"
                );
                std::process::exit(64);
            }
        }
    }

    fn parse(mut args: impl Iterator<Item = String>, default_port: u16) -> Result<Options, String> {
        let mut port = default_port;
        let mut ip = "127.0.0.1".to_string();
        let mut model = "dummy".to_string();
        let mut workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
                "--address" => ip = value()?,
                "--model" => model = value()?,
                "--workers" => {
                    workers = value()?.parse().map_err(|e| format!("--workers: {e}"))?;
                    if workers == 0 {
                        return Err("--workers must be at least 1".into());
                    }
                }
                other => return Err(format!("unknown argument {other}")),
            }
        }
        let address = format!("{ip}:{port}")
            .parse()
            .or_else(|_| format!("[{ip}]:{port}").parse())
            .map_err(|e| format!("--address {ip}: {e}"))?;
        Ok(Options {
            address,
            model,
            workers,
        })
    }

    /// A multi-threaded runtime with `workers` threads, as `ovms` builds its network runtime.
    pub fn runtime(&self) -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.workers)
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
    }
}

/// Resolves on SIGTERM or SIGINT, so `kill PID` stops a server cleanly.
pub async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM can be caught");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT can be caught");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|a| a.to_string()), 9000)
    }

    #[test]
    fn arguments_and_their_defaults() {
        let options = parse(&[]).unwrap();
        assert_eq!(options.address.to_string(), "127.0.0.1:9000");
        assert_eq!(options.model, "dummy");
        let options = parse(&[
            "--port",
            "9100",
            "--address",
            "::1",
            "--model",
            "m",
            "--workers",
            "3",
        ])
        .unwrap();
        assert_eq!(options.address.to_string(), "[::1]:9100");
        assert_eq!((options.model.as_str(), options.workers), ("m", 3));
        assert!(parse(&["--workers", "0"]).is_err());
        assert!(parse(&["--port"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["--verbose"])
                .unwrap_err()
                .contains("unknown argument")
        );
    }
}
