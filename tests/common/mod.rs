//! What the Rust integration tests share: starting the process's server from a config file.

use ovms_shared::config::{LogLevel, ModelsSettings, ServerSettings};
use ovms_shared::server::SERVER;
use std::path::Path;

/// Starts the server from `config`, with no polling and errors-only logs; REST on loopback at
/// `rest_port` unless it is 0.
pub fn start(config: &Path, rest_port: u32) -> ovms_shared::status::Result<()> {
    let settings = ServerSettings {
        rest_port,
        rest_bind_address: "127.0.0.1".into(),
        filesystem_poll_wait_ms: 0,
        log_level: LogLevel::Error,
        ..Default::default()
    };
    // The update keeps this building when ModelsSettings gains fields (the binary's branch
    // adds one).
    #[allow(clippy::needless_update)]
    let models = ModelsSettings {
        config_path: config.to_string_lossy().into_owned(),
        ..Default::default()
    };
    SERVER.start(&settings, &models)
}
