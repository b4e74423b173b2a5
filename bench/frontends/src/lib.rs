//! What the two bare servers share: the model they pretend to serve (by default the
//! repository's `models/dummy`: input `b`, output `a`, both FP32 [1, 10]; see `Like`), their
//! command line and runtime.
//! They run no model: every inference gets the same precomputed answer, so what they measure is
//! the transport alone (HTTP/2 + protobuf, or HTTP/1.1 + JSON), the baseline of `ovms`.

use std::net::SocketAddr;

/// The messages and the service trait generated from proto/inference.proto by build.rs.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod inference {
    tonic::include_proto!("inference");
}

/// Every tensor is FP32.
pub const DATATYPE: &str = "FP32";

/// The model a bare server pretends to serve (`--like`): its input's and output's names and
/// shapes, as perf_analyzer reads them from the metadata. The default is the repository's
/// `models/dummy`; `resnet50` is scripts/make_bench_models.py's ResNet-50-shaped net, so the
/// transport can be measured carrying that model's 602 KB requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Like {
    Dummy,
    Resnet50,
}

/// A tensor's name and shape.
pub type Tensor = (&'static str, &'static [i64]);

impl Like {
    fn parse(name: &str) -> Result<Like, String> {
        match name {
            "dummy" => Ok(Like::Dummy),
            "resnet50" => Ok(Like::Resnet50),
            other => Err(format!("--like {other}: use dummy or resnet50")),
        }
    }

    /// The input.
    pub fn input(self) -> Tensor {
        match self {
            Like::Dummy => ("b", &[1, 10]),
            Like::Resnet50 => ("input", &[1, 3, 224, 224]),
        }
    }

    /// The output.
    pub fn output(self) -> Tensor {
        match self {
            Like::Dummy => ("a", &[1, 10]),
            Like::Resnet50 => ("output", &[1, 1000]),
        }
    }

    /// The output's size in bytes (FP32): what every answer carries.
    pub fn output_bytes(self) -> usize {
        self.output().1.iter().product::<i64>() as usize * 4
    }
}

/// The only version served.
pub const VERSION: &str = "1";
/// As `ovms`: gRPC messages and REST bodies up to 1 GiB.
pub const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// The command line: `--port N [--address A] [--model NAME] [--like MODEL] [--workers N]`.
#[derive(Debug)]
pub struct Options {
    pub address: SocketAddr,
    /// The name the model is served under (perf_analyzer's `-m`).
    pub model: String,
    /// Whose tensors it serves.
    pub like: Like,
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
                     [--model NAME (default dummy)] [--like dummy|resnet50 (default dummy)] \
                     [--workers N (default: one per CPU)]"
                );
                std::process::exit(64);
            }
        }
    }

    fn parse(mut args: impl Iterator<Item = String>, default_port: u16) -> Result<Options, String> {
        let mut port = default_port;
        let mut ip = "127.0.0.1".to_string();
        let mut model = "dummy".to_string();
        let mut like = Like::Dummy;
        let mut workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
                "--address" => ip = value()?,
                "--model" => model = value()?,
                "--like" => like = Like::parse(&value()?)?,
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
            like,
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
    use super::{Like, Options};

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|a| a.to_string()), 9000)
    }

    #[test]
    fn arguments_and_their_defaults() {
        let options = parse(&[]).unwrap();
        assert_eq!(options.address.to_string(), "127.0.0.1:9000");
        assert_eq!(options.model, "dummy");
        assert_eq!(options.like, Like::Dummy);
        assert_eq!(Like::Dummy.output_bytes(), 40);
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
        let like = parse(&["--like", "resnet50"]).unwrap().like;
        assert_eq!(
            (like.input().1, like.output_bytes()),
            (&[1, 3, 224, 224][..], 4000)
        );
        assert!(
            parse(&["--like", "bert"])
                .unwrap_err()
                .contains("dummy or resnet50")
        );
        assert!(parse(&["--port"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["--verbose"])
                .unwrap_err()
                .contains("unknown argument")
        );
    }
}
