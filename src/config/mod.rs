//! The config part: server settings and config.json.

mod model_config;
mod schema;
mod settings;

pub use model_config::{
    BatchSize, Config, ModelConfig, ShapeSpec, ShapeValue, VersionPolicy, parse_dims,
    read_bounded as read_config_text,
};
pub use schema::{
    Connection, CustomLoaderConfig, CustomNodeLibraryConfig, DataSource, MediapipeConfig,
    MetricsConfig, MonitoringConfig, NodeKind, OutputAlias, PipelineConfig, PipelineNode,
};
pub use settings::{LogLevel, ModelsSettings, ServerSettings, normalize_path};
