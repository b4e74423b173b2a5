//! Server and models settings as set through the C API, and their start-time validation.

use crate::status::{Error, Result, StatusCode};
use std::path::{Component, Path, PathBuf};

/// `OVMS_LogLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warning = 3,
    Error = 4,
}

impl LogLevel {
    pub fn from_raw(raw: u32) -> Option<LogLevel> {
        [
            LogLevel::Trace,
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Warning,
            LogLevel::Error,
        ]
        .get(raw as usize)
        .copied()
    }
}

/// Everything `OVMS_ServerSettings*` setters store. Setters only store; `validate` judges.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSettings {
    pub grpc_port: u32,
    pub rest_port: u32,
    pub grpc_workers: u32,
    pub grpc_bind_address: String,
    pub rest_workers: Option<u32>,
    pub rest_bind_address: String,
    pub grpc_channel_arguments: String,
    pub grpc_max_threads: Option<u32>,
    pub grpc_memory_quota: Option<usize>,
    pub filesystem_poll_wait_ms: u64,
    pub custom_node_resources_cleaner_interval_s: u32,
    pub cpu_extension_path: String,
    pub cache_dir: String,
    pub log_level: LogLevel,
    pub log_path: String,
    pub allowed_local_media_path: Option<PathBuf>,
    pub allowed_media_domains: Option<Vec<String>>,
    /// `--metrics_enable` of the `ovms` binary (the C API has no setter): metrics on, as with
    /// config.json's `monitoring.metrics.enable`.
    pub metrics_enable: bool,
    /// `--metrics_list`: the metric names to expose; none: OVMS's default set.
    pub metrics_list: Option<Vec<String>>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            grpc_port: 0,
            rest_port: 0,
            grpc_workers: 1,
            grpc_bind_address: "0.0.0.0".into(),
            rest_workers: None,
            rest_bind_address: "0.0.0.0".into(),
            grpc_channel_arguments: String::new(),
            grpc_max_threads: None,
            grpc_memory_quota: None,
            filesystem_poll_wait_ms: 1000,
            custom_node_resources_cleaner_interval_s: 300,
            cpu_extension_path: String::new(),
            cache_dir: String::new(),
            log_level: LogLevel::Info,
            log_path: String::new(),
            allowed_local_media_path: None,
            allowed_media_domains: None,
            metrics_enable: false,
            metrics_list: None,
        }
    }
}

/// `OVMS_ModelsSettings`: where the models to serve are described.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelsSettings {
    pub config_path: String,
    /// The `ovms` binary's single-model mode: a config.json text made from its model flags,
    /// served in place of a file (re-read from memory each cycle, so only the version folders
    /// change). The C API never sets it.
    pub config_text: Option<String>,
}

/// Removes `.` and folds `..` lexically, as OVMS stores the allowed local media path.
pub fn normalize_path(path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for component in Path::new(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn usage_error(reason: impl Into<String>) -> Error {
    Error::with(StatusCode::OPTIONS_USAGE_ERROR, reason)
}

fn is_valid_host(address: &str) -> bool {
    !address.is_empty()
        && address.len() <= 253
        && address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'))
}

impl ServerSettings {
    /// The checks OVMS makes when a server starts (all `OPTIONS_USAGE_ERROR`).
    pub fn validate(&self, models: &ModelsSettings) -> Result<()> {
        match (models.config_path.is_empty(), &models.config_text) {
            (true, None) => {
                return Err(usage_error(
                    "config path is required: the C API has no single-model mode",
                ));
            }
            (false, Some(_)) => {
                return Err(usage_error(
                    "a config path and a single-model config exclude each other",
                ));
            }
            _ => {}
        }
        for (name, port) in [("gRPC port", self.grpc_port), ("REST port", self.rest_port)] {
            if port > 65535 {
                return Err(usage_error(format!(
                    "{name} {port} is out of range 0..65535"
                )));
            }
        }
        if self.grpc_port != 0 && self.grpc_port == self.rest_port {
            return Err(usage_error(format!(
                "gRPC port and REST port must differ, both are {}",
                self.grpc_port
            )));
        }
        for (name, address) in [
            ("gRPC bind address", &self.grpc_bind_address),
            ("REST bind address", &self.rest_bind_address),
        ] {
            if !is_valid_host(address) {
                return Err(usage_error(format!(
                    "{name} {address:?} is not a hostname or IP address"
                )));
            }
        }
        let cores = std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1);
        if self.grpc_workers == 0 || self.grpc_workers > cores {
            return Err(usage_error(format!(
                "gRPC workers must be between 1 and {cores} (CPU cores), got {}",
                self.grpc_workers
            )));
        }
        if let Some(workers) = self.rest_workers {
            if self.rest_port == 0 {
                return Err(usage_error("REST workers is set but the REST port is not"));
            }
            if !(2..=10000).contains(&workers) {
                return Err(usage_error(format!(
                    "REST workers must be between 2 and 10000, got {workers}"
                )));
            }
        }
        if !self.cpu_extension_path.is_empty() && !Path::new(&self.cpu_extension_path).is_file() {
            return Err(usage_error(format!(
                "CPU extension library {} does not exist",
                self.cpu_extension_path
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models() -> ModelsSettings {
        ModelsSettings {
            config_path: "config.json".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_validate() {
        assert_eq!(ServerSettings::default().validate(&models()), Ok(()));
    }

    #[test]
    fn start_time_rules() {
        let usage = |s: ServerSettings, m: ModelsSettings| s.validate(&m).unwrap_err().code;
        assert_eq!(
            usage(ServerSettings::default(), ModelsSettings::default()),
            StatusCode::OPTIONS_USAGE_ERROR
        );
        let single_model = ModelsSettings {
            config_text: Some(r#"{"model_config_list": []}"#.into()),
            ..Default::default()
        };
        assert_eq!(ServerSettings::default().validate(&single_model), Ok(()));
        let both_sources = ModelsSettings {
            config_path: "config.json".into(),
            ..single_model
        };
        assert_eq!(
            usage(ServerSettings::default(), both_sources),
            StatusCode::OPTIONS_USAGE_ERROR
        );
        let same_ports = ServerSettings {
            grpc_port: 9000,
            rest_port: 9000,
            ..Default::default()
        };
        assert_eq!(usage(same_ports, models()), StatusCode::OPTIONS_USAGE_ERROR);
        let big_port = ServerSettings {
            rest_port: 70000,
            ..Default::default()
        };
        assert_eq!(usage(big_port, models()), StatusCode::OPTIONS_USAGE_ERROR);
        let workers_without_port = ServerSettings {
            rest_workers: Some(4),
            ..Default::default()
        };
        assert_eq!(
            usage(workers_without_port, models()),
            StatusCode::OPTIONS_USAGE_ERROR
        );
        let bad_address = ServerSettings {
            grpc_bind_address: "not an address!".into(),
            ..Default::default()
        };
        assert_eq!(
            usage(bad_address, models()),
            StatusCode::OPTIONS_USAGE_ERROR
        );
        let missing_extension = ServerSettings {
            cpu_extension_path: "/no/such/lib.so".into(),
            ..Default::default()
        };
        assert_eq!(
            usage(missing_extension, models()),
            StatusCode::OPTIONS_USAGE_ERROR
        );
        let zero_workers = ServerSettings {
            grpc_workers: 0,
            ..Default::default()
        };
        assert_eq!(
            usage(zero_workers, models()),
            StatusCode::OPTIONS_USAGE_ERROR
        );
        let both_ports = ServerSettings {
            grpc_port: 9000,
            rest_port: 9001,
            rest_workers: Some(2),
            ..Default::default()
        };
        assert_eq!(both_ports.validate(&models()), Ok(()));
    }

    #[test]
    fn media_path_is_normalized() {
        assert_eq!(normalize_path("a/./b/../c"), PathBuf::from("a/c"));
        assert_eq!(normalize_path("/x/y/.."), PathBuf::from("/x"));
    }
}
