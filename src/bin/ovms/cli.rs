//! The command line, as OVMS spells it (cxxopts there: `--port 9000` and `--port=9000` both
//! work, a flag given twice keeps its last value), and the checks OVMS makes before it starts:
//! each failure is a message naming the flag.

use crate::single_model;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser};
use ovms_shared::config::{LogLevel, ModelsSettings, ServerSettings};
use std::net::IpAddr;
use std::path::Path;

/// The largest port number.
const MAX_PORT: u32 = u16::MAX as u32;
/// OVMS's bounds for `--rest_workers`.
const REST_WORKERS: std::ops::RangeInclusive<u32> = 2..=10_000;
const LOG_LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR"];

#[derive(Parser, Debug)]
#[command(
    name = "ovms",
    about = "OpenVINO Model Server (ovms_shared): KServe v2 over gRPC and REST, with /metrics",
    long_about = None,
    disable_version_flag = true,
    // KServe appends an InferenceService's args to its runtime's: a repeated flag overrides.
    args_override_self = true,
    // OVMS's flags are snake_case: --rest_port, not --rest-port.
    rename_all = "snake_case",
    next_help_heading = "Server"
)]
pub struct Cli {
    /// Print the server's and OpenVINO's versions and exit
    #[arg(long)]
    pub version: bool,

    /// gRPC port (0: no gRPC server)
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub port: u32,
    /// REST port, also serving /metrics (0: no REST server)
    #[arg(
        long,
        value_name = "REST_PORT",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub rest_port: u32,
    /// Address the gRPC server binds to
    #[arg(long, value_name = "GRPC_BIND_ADDRESS", default_value = "0.0.0.0")]
    pub grpc_bind_address: String,
    /// Address the REST server binds to
    #[arg(long, value_name = "REST_BIND_ADDRESS", default_value = "0.0.0.0")]
    pub rest_bind_address: String,
    /// Number of gRPC servers, 1 to the number of CPU cores
    #[arg(
        long,
        value_name = "GRPC_WORKERS",
        default_value_t = 1,
        allow_negative_numbers = true
    )]
    pub grpc_workers: u32,
    /// REST server threads, 2 to 10000 (needs --rest_port; default: set from the CPU count)
    #[arg(long, value_name = "REST_WORKERS", allow_negative_numbers = true)]
    pub rest_workers: Option<u32>,
    /// gRPC server arguments, comma separated (e.g. grpc.max_connection_age_ms=2000)
    #[arg(long, value_name = "GRPC_CHANNEL_ARGUMENTS")]
    pub grpc_channel_arguments: Option<String>,
    /// Most threads the gRPC server may use
    #[arg(long, value_name = "GRPC_MAX_THREADS", allow_negative_numbers = true)]
    pub grpc_max_threads: Option<u32>,
    /// gRPC server buffer memory quota in bytes
    #[arg(long, value_name = "GRPC_MEMORY_QUOTA", allow_negative_numbers = true)]
    pub grpc_memory_quota: Option<usize>,
    /// Seconds between checks of the config and the model version folders (0: no checks)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 1,
        allow_negative_numbers = true
    )]
    pub file_system_poll_wait_seconds: u32,
    /// Seconds between custom node resource cleanups
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        allow_negative_numbers = true
    )]
    pub custom_node_resources_cleaner_interval_seconds: u32,
    /// Log level
    #[arg(long, value_name = "LOG_LEVEL", default_value = "INFO", value_parser = LOG_LEVELS)]
    pub log_level: String,
    /// Log file (default: standard output)
    #[arg(long, value_name = "LOG_PATH")]
    pub log_path: Option<String>,
    /// Model cache folder (compiled models are cached there)
    #[arg(long, value_name = "CACHE_DIR")]
    pub cache_dir: Option<String>,
    /// Serve metrics on /metrics of the REST port
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
        action = ArgAction::Set
    )]
    pub metrics_enable: bool,
    /// Metrics to serve, comma separated (needs --metrics_enable; default: OVMS's default set)
    #[arg(long, value_name = "METRICS_LIST")]
    pub metrics_list: Option<String>,
    /// Library with custom OpenVINO operations
    #[arg(long, value_name = "CPU_EXTENSION")]
    pub cpu_extension: Option<String>,

    /// config.json describing the models to serve
    #[arg(long, value_name = "CONFIG_PATH", help_heading = "Many models")]
    pub config_path: Option<String>,

    #[command(flatten)]
    pub model: ModelFlags,
}

/// The single-model flags (`--model_name` and `--model_path` and the settings of that model).
#[derive(clap::Args, Debug, Default, Clone)]
#[command(rename_all = "snake_case", next_help_heading = "One model")]
pub struct ModelFlags {
    /// Name the model is served under
    #[arg(long, value_name = "MODEL_NAME")]
    pub model_name: Option<String>,
    /// Folder holding the model's version folders (<MODEL_PATH>/<version>/model.xml)
    #[arg(long, value_name = "MODEL_PATH")]
    pub model_path: Option<String>,
    /// Batch size, a number or auto (ignored when --shape is set)
    #[arg(long, value_name = "BATCH_SIZE")]
    pub batch_size: Option<String>,
    /// Shape: (1,3,224,224), auto, or a JSON object of shapes by input name
    #[arg(long, value_name = "SHAPE")]
    pub shape: Option<String>,
    /// Version policy as JSON, e.g. {"latest": {"num_versions": 2}}
    #[arg(long, value_name = "MODEL_VERSION_POLICY")]
    pub model_version_policy: Option<String>,
    /// Infer requests kept for the model (0: as many as OpenVINO finds optimal)
    #[arg(long, value_name = "NIREQ", allow_negative_numbers = true)]
    pub nireq: Option<u32>,
    /// OpenVINO device (default: CPU)
    #[arg(long, value_name = "TARGET_DEVICE")]
    pub target_device: Option<String>,
    /// OpenVINO compile properties as a JSON object, e.g. {"NUM_STREAMS": "1"}
    #[arg(long, value_name = "PLUGIN_CONFIG")]
    pub plugin_config: Option<String>,
}

impl ModelFlags {
    /// The model-settings flags that were given (not the name and path), by flag name.
    pub fn settings_given(&self) -> Vec<&'static str> {
        [
            ("batch_size", self.batch_size.is_some()),
            ("shape", self.shape.is_some()),
            ("model_version_policy", self.model_version_policy.is_some()),
            ("nireq", self.nireq.is_some()),
            ("target_device", self.target_device.is_some()),
            ("plugin_config", self.plugin_config.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
    }
}

/// What to run: the settings handed to `SERVER.start`.
#[derive(Debug)]
pub struct Run {
    pub server: ServerSettings,
    pub models: ModelsSettings,
}

fn given(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

fn is_hostname(address: &str) -> bool {
    address.len() <= 253
        && address.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn check_bind_address(flag: &str, address: &str) -> Result<(), String> {
    if address.contains(',') {
        return Err(format!(
            "--{flag} {address:?}: a list of addresses is not supported, give one"
        ));
    }
    if address.parse::<IpAddr>().is_ok() || is_hostname(address) {
        return Ok(());
    }
    Err(format!(
        "--{flag} {address:?} is not a hostname or an IP address"
    ))
}

fn log_level(name: &str) -> LogLevel {
    match name {
        "TRACE" => LogLevel::Trace,
        "DEBUG" => LogLevel::Debug,
        "WARNING" => LogLevel::Warning,
        "ERROR" => LogLevel::Error,
        _ => LogLevel::Info,
    }
}

impl Cli {
    /// OVMS's start-up checks, then the settings. `Err` is the message to print (exit 64).
    pub fn into_run(self) -> Result<Run, String> {
        let models = self.models()?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        if !(1..=cores).contains(&self.grpc_workers) {
            return Err(format!(
                "--grpc_workers {} is out of range: from 1 to the {cores} CPU cores",
                self.grpc_workers
            ));
        }
        if self.metrics_enable && self.rest_port == 0 {
            return Err(
                "--metrics_enable needs --rest_port: metrics are served on the REST port".into(),
            );
        }
        if !self.metrics_enable && given(&self.metrics_list) {
            return Err("--metrics_list needs --metrics_enable".into());
        }
        if self.port == 0 && self.rest_port == 0 {
            return Err(
                "neither --port nor --rest_port is set: set one or both, or nothing is served"
                    .into(),
            );
        }
        if let Some(workers) = self.rest_workers {
            if !REST_WORKERS.contains(&workers) {
                return Err(format!(
                    "--rest_workers {workers} is out of range: from {} to {}",
                    REST_WORKERS.start(),
                    REST_WORKERS.end()
                ));
            }
            if self.rest_port == 0 {
                return Err("--rest_workers is set but --rest_port is not".into());
            }
        }
        for (flag, port) in [("port", self.port), ("rest_port", self.rest_port)] {
            if port > MAX_PORT {
                return Err(format!(
                    "--{flag} {port} is out of range: from 0 to {MAX_PORT}"
                ));
            }
        }
        check_bind_address("rest_bind_address", &self.rest_bind_address)?;
        check_bind_address("grpc_bind_address", &self.grpc_bind_address)?;
        if self.port != 0 && self.port == self.rest_port {
            return Err(format!(
                "--port and --rest_port must differ, both are {}",
                self.port
            ));
        }
        if let Some(path) = self.cpu_extension.as_deref().filter(|p| !p.is_empty())
            && !Path::new(path).exists()
        {
            return Err(format!("--cpu_extension {path}: no such file"));
        }
        let metrics_list = self
            .metrics_list
            .as_deref()
            .filter(|l| !l.is_empty())
            .map(|list| {
                list.split(',')
                    .map(|name| name.trim().to_string())
                    .filter(|name| !name.is_empty())
                    .collect()
            });
        let server = ServerSettings {
            grpc_port: self.port,
            rest_port: self.rest_port,
            grpc_workers: self.grpc_workers,
            grpc_bind_address: self.grpc_bind_address,
            rest_workers: self.rest_workers,
            rest_bind_address: self.rest_bind_address,
            grpc_channel_arguments: self.grpc_channel_arguments.unwrap_or_default(),
            grpc_max_threads: self.grpc_max_threads,
            grpc_memory_quota: self.grpc_memory_quota,
            filesystem_poll_wait_ms: u64::from(self.file_system_poll_wait_seconds) * 1000,
            custom_node_resources_cleaner_interval_s: self
                .custom_node_resources_cleaner_interval_seconds,
            cpu_extension_path: self.cpu_extension.unwrap_or_default(),
            cache_dir: self.cache_dir.unwrap_or_default(),
            log_level: log_level(&self.log_level),
            log_path: self.log_path.unwrap_or_default(),
            metrics_enable: self.metrics_enable,
            metrics_list,
            ..ServerSettings::default()
        };
        Ok(Run { server, models })
    }

    /// `--config_path`, or one model from `--model_name` and `--model_path`: never both.
    fn models(&self) -> Result<ModelsSettings, String> {
        let model = &self.model;
        let (name, path) = (given(&model.model_name), given(&model.model_path));
        let settings = model.settings_given();
        if let Some(config_path) = self.config_path.as_deref().filter(|p| !p.is_empty()) {
            if name || path {
                let flag = if name { "model_name" } else { "model_path" };
                return Err(format!(
                    "--config_path and --{flag} exclude each other: serve a config file, or one model with --model_name and --model_path"
                ));
            }
            if let Some(flag) = settings.first() {
                return Err(format!(
                    "--{flag} is a single-model flag and cannot be used with --config_path: set it in the config file"
                ));
            }
            return Ok(ModelsSettings {
                config_path: config_path.to_string(),
                ..Default::default()
            });
        }
        match (name, path) {
            (true, true) => Ok(ModelsSettings {
                config_text: Some(single_model::config_text(model)?),
                ..Default::default()
            }),
            (true, false) => Err("--model_name needs --model_path (or use --config_path)".into()),
            (false, true) => Err("--model_path needs --model_name (or use --config_path)".into()),
            (false, false) => match settings.first() {
                Some(flag) => Err(format!(
                    "--{flag} is a single-model flag: it needs --model_name and --model_path"
                )),
                None => Err(
                    "nothing to serve: give --config_path, or --model_name with --model_path"
                        .into(),
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Run, String> {
        let cli = Cli::try_parse_from(std::iter::once("ovms").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        cli.into_run()
    }

    #[test]
    fn equals_and_space_forms_and_last_value_wins() {
        let run = run(&[
            "--config_path",
            "c.json",
            "--port=9000",
            "--rest_port",
            "8000",
            "--rest_port=8001",
            "--metrics_enable",
            "--metrics_list",
            "ovms_requests_success, ovms_streams",
            "--file_system_poll_wait_seconds=0",
            "--log_level",
            "DEBUG",
        ])
        .unwrap();
        assert_eq!(run.server.grpc_port, 9000);
        assert_eq!(run.server.rest_port, 8001);
        assert!(run.server.metrics_enable);
        assert_eq!(
            run.server.metrics_list,
            Some(vec![
                "ovms_requests_success".to_string(),
                "ovms_streams".to_string()
            ])
        );
        assert_eq!(run.server.filesystem_poll_wait_ms, 0);
        assert_eq!(run.server.log_level, LogLevel::Debug);
        assert_eq!(run.models.config_path, "c.json");
        assert_eq!(run.models.config_text, None);
    }

    #[test]
    fn defaults_as_ovms() {
        let run = run(&["--config_path=c.json", "--port=9000"]).unwrap();
        assert_eq!(run.server.rest_port, 0);
        assert_eq!(run.server.grpc_bind_address, "0.0.0.0");
        assert_eq!(run.server.rest_bind_address, "0.0.0.0");
        assert_eq!(run.server.grpc_workers, 1);
        assert_eq!(run.server.rest_workers, None);
        assert_eq!(run.server.filesystem_poll_wait_ms, 1000);
        assert_eq!(run.server.log_level, LogLevel::Info);
        assert!(!run.server.metrics_enable);
        assert_eq!(run.server.metrics_list, None);
    }

    #[test]
    fn metrics_enable_takes_an_explicit_value_after_equals() {
        let off = run(&[
            "--config_path=c.json",
            "--rest_port=8000",
            "--metrics_enable=false",
        ]);
        assert!(!off.unwrap().server.metrics_enable);
    }

    #[test]
    fn each_rule_names_its_flag() {
        let cases: &[(&[&str], &str)] = &[
            (&["--port=9000"], "--config_path"),
            (&["--port=9000", "--model_name=m"], "--model_path"),
            (&["--port=9000", "--model_path=p"], "--model_name"),
            (&["--port=9000", "--nireq=2"], "--nireq"),
            (
                &["--port=9000", "--config_path=c", "--model_name=m"],
                "--model_name",
            ),
            (
                &["--port=9000", "--config_path=c", "--shape=auto"],
                "--shape",
            ),
            (&["--config_path=c"], "--rest_port"),
            (&["--config_path=c", "--port=70000"], "--port"),
            (&["--config_path=c", "--rest_port=70000"], "--rest_port"),
            (
                &["--config_path=c", "--port=9000", "--rest_port=9000"],
                "--rest_port",
            ),
            (
                &["--config_path=c", "--port=9000", "--metrics_enable"],
                "--metrics_enable",
            ),
            (
                &["--config_path=c", "--rest_port=8000", "--metrics_list=x"],
                "--metrics_list",
            ),
            (
                &["--config_path=c", "--port=9000", "--rest_workers=4"],
                "--rest_workers",
            ),
            (
                &["--config_path=c", "--rest_port=8000", "--rest_workers=1"],
                "--rest_workers",
            ),
            (
                &["--config_path=c", "--port=9000", "--grpc_workers=0"],
                "--grpc_workers",
            ),
            (
                &["--config_path=c", "--port=9000", "--grpc_bind_address=a b"],
                "--grpc_bind_address",
            ),
            (
                &[
                    "--config_path=c",
                    "--rest_port=8000",
                    "--rest_bind_address=-x",
                ],
                "--rest_bind_address",
            ),
            (
                &[
                    "--config_path=c",
                    "--port=9000",
                    "--cpu_extension=/no/such.so",
                ],
                "--cpu_extension",
            ),
            (&["--config_path=c", "--port=-1"], "--port"),
            (
                &["--config_path=c", "--port=9000", "--log_level=info"],
                "--log_level",
            ),
            (
                &["--config_path=c", "--port=9000", "--no_such_flag"],
                "--no_such_flag",
            ),
        ];
        for (args, flag) in cases {
            let error = run(args).expect_err(&format!("{args:?} must fail"));
            assert!(error.contains(flag), "{args:?}: {error:?} names no {flag}");
        }
    }

    #[test]
    fn single_model_flags_make_the_config_text() {
        let run = run(&[
            "--model_name",
            "dummy",
            "--model_path",
            "models/dummy",
            "--port",
            "9000",
            "--nireq=2",
            "--shape",
            "(1,10)",
        ])
        .unwrap();
        assert!(run.models.config_path.is_empty());
        let text: serde_json::Value =
            serde_json::from_str(run.models.config_text.as_deref().unwrap()).unwrap();
        assert_eq!(
            text,
            serde_json::json!({"model_config_list": [{"config": {
                "name": "dummy", "base_path": "models/dummy", "nireq": 2, "shape": "(1,10)"
            }}]})
        );
    }
}
