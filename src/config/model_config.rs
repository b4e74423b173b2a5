//! config.json (as in OVMS; README.md, "config.json"): reading the file and turning it into per-model entries.
//!
//! Schema violations (bad JSON, unknown keys, wrong types, out-of-range numbers) fail the whole
//! start with `JSON_INVALID` naming the JSON path, as OVMS's JSON-schema validation does; they
//! are all checked by the serde types in `schema.rs`. Values that pass the schema but make no
//! sense for one model (a malformed shape string, too many infer requests, a feature not
//! supported yet) only fail that model, through `ModelConfig::invalid`.

use super::schema::{
    BatchSizeJson, ConfigFile, CustomLoaderConfig, CustomNodeLibraryConfig, MediapipeConfig,
    ModelConfigJson, MonitoringConfig, PipelineConfig, ShapeJson, VersionPolicyJson,
};
use crate::ov::Dim;
use crate::status::{Error, Result, StatusCode};
use std::fmt;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Which version folders of a model are served.
#[derive(Debug, Clone, PartialEq)]
pub enum VersionPolicy {
    Latest(usize),
    All,
    Specific(Vec<i64>),
}

/// One input's configured shape: `auto` (served as dynamic dims) or explicit dims.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeValue {
    Auto,
    Dims(Vec<Dim>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShapeSpec {
    /// A shape without an input name; only valid for single-input models.
    Anonymous(ShapeValue),
    PerInput(Vec<(String, ShapeValue)>),
}

/// `batch_size`: a number or `auto`.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchSize {
    Fixed(i64),
    Auto,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub name: String,
    /// Resolved against the config file's folder.
    pub base_path: PathBuf,
    pub target_device: String,
    /// 0: the compiled model's optimal number of infer requests.
    pub nireq: u32,
    pub batch_size: Option<BatchSize>,
    pub shape: Option<ShapeSpec>,
    pub version_policy: VersionPolicy,
    /// OpenVINO compile properties, values as strings.
    pub plugin_config: Vec<(String, String)>,
    pub allow_cache: Option<bool>,
    /// How many async requests may wait for a slot (an extension of OVMS's keys); default
    /// 16 x nireq. `OVMS_InferenceAsync` blocks while the queue is full.
    pub queue_size: Option<usize>,
    /// A problem with this entry's values: the model will not load, with this error.
    pub invalid: Option<Error>,
}

/// A parsed config.json. `models` and `monitoring` are served; the other lists are parsed
/// and checked so that later work can serve them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub models: Vec<ModelConfig>,
    pub pipelines: Vec<PipelineConfig>,
    pub custom_node_libraries: Vec<CustomNodeLibraryConfig>,
    pub custom_loaders: Vec<CustomLoaderConfig>,
    pub mediapipe_graphs: Vec<MediapipeConfig>,
    pub monitoring: Option<MonitoringConfig>,
}

/// The largest `nireq` OVMS accepts.
const MAX_NIREQ: u64 = 100_000;

/// The largest config file read: far above any real config (a thousand models take well under
/// 1 MiB), small enough that a wrong path such as a device cannot exhaust memory.
const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

fn json_invalid(reason: impl Into<String>) -> Error {
    Error::with(StatusCode::JSON_INVALID, reason)
}

fn config_file_invalid(path: &Path, reason: impl fmt::Display) -> Error {
    Error::with(
        StatusCode::CONFIG_FILE_INVALID,
        format!("{}: {reason}", path.display()),
    )
}

impl Config {
    /// Reads and checks the file at `path`, which must be a regular file of at most
    /// `MAX_CONFIG_BYTES`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = read_bounded(path)?;
        let folder = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, folder)
    }

    /// Parses config text; relative model base paths resolve against `folder`.
    pub fn parse(text: &str, folder: &Path) -> Result<Config> {
        let mut de = serde_json::Deserializer::from_str(text);
        let file: ConfigFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let reason = e.into_inner();
            // The root's path prints as "."; naming it adds nothing.
            json_invalid(if path == "." {
                reason.to_string()
            } else {
                format!("{path}: {reason}")
            })
        })?;
        // Text after the top-level object is a JSON error too.
        de.end().map_err(|e| json_invalid(e.to_string()))?;
        let unserved = [
            (
                "mediapipe_config_list",
                !file.mediapipe_config_list.is_empty(),
            ),
            (
                "custom_loader_config_list",
                !file.custom_loader_config_list.is_empty(),
            ),
        ];
        for (key, _) in unserved.iter().filter(|(_, present)| *present) {
            log::warn!("{key} is accepted but not served by this library yet; skipped");
        }
        let mut models = Vec::with_capacity(file.model_config_list.len());
        for (i, entry) in file.model_config_list.into_iter().enumerate() {
            let config = entry.config;
            if config.graph_path.is_some() || config.subconfig.is_some() {
                log::warn!(
                    "model_config_list[{i}] describes a MediaPipe graph, which this library does not serve; skipped"
                );
                continue;
            }
            models.push(model_from_json(config, folder));
        }
        Ok(Config {
            models,
            pipelines: file.pipeline_config_list,
            custom_node_libraries: file.custom_node_library_config_list,
            custom_loaders: file
                .custom_loader_config_list
                .into_iter()
                .map(|entry| entry.config)
                .collect(),
            mediapipe_graphs: file.mediapipe_config_list,
            monitoring: file.monitoring,
        })
    }
}

/// Reads `path` if it is a regular file within `MAX_CONFIG_BYTES`.
pub fn read_bounded(path: &Path) -> Result<String> {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. The type is
    // checked on the opened file, so the path cannot be swapped between check and read.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| config_file_invalid(path, e))?;
    let kind = file
        .metadata()
        .map_err(|e| config_file_invalid(path, e))?
        .file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(config_file_invalid(
            path,
            format!("{what}; the config must be a regular file"),
        ));
    }
    let mut bytes = Vec::new();
    // One byte over the limit tells "exactly the limit" from "larger".
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| config_file_invalid(path, e))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(config_file_invalid(
            path,
            format!("larger than the {MAX_CONFIG_BYTES}-byte (16 MiB) limit for config files"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| json_invalid(format!("{}: not UTF-8: {e}", path.display())))
}

/// Builds one model's entry from its schema-valid JSON. Values wrong for this model only are
/// recorded in `invalid` (the first one found wins).
fn model_from_json(config: ModelConfigJson, folder: &Path) -> ModelConfig {
    let place = format!("model {:?}", config.name);
    let mut invalid: Option<Error> = None;
    let base_path = match &config.base_path {
        Some(path) => folder.join(path),
        None => {
            invalid = Some(Error::with(
                StatusCode::PATH_INVALID,
                format!("{place}: no base_path"),
            ));
            folder.to_path_buf()
        }
    };
    let nireq = match config.nireq {
        None => 0,
        Some(n) if n > MAX_NIREQ => {
            invalid.get_or_insert(Error::with(
                StatusCode::INVALID_NIREQ,
                format!("{place}: nireq {n} exceeds {MAX_NIREQ}"),
            ));
            0
        }
        Some(n) => n as u32,
    };
    let batch_size = match config.batch_size {
        None => None,
        Some(BatchSizeJson::Number(n)) => Some(BatchSize::Fixed(n as i64)),
        Some(BatchSizeJson::Text(s)) if s == "auto" => Some(BatchSize::Auto),
        Some(BatchSizeJson::Text(s)) => match s.trim().parse::<i64>() {
            Ok(n) if n >= 0 => Some(BatchSize::Fixed(n)),
            _ => {
                invalid.get_or_insert(Error::with(
                    StatusCode::MODEL_CONFIG_INVALID,
                    format!("{place}: batch_size {s:?}"),
                ));
                None
            }
        },
    };
    let shape = match config.shape.map(|s| shape_spec(s, &place)) {
        None => None,
        Some(Ok(spec)) => Some(spec),
        Some(Err(e)) => {
            invalid.get_or_insert(e);
            None
        }
    };
    let version_policy = match config.model_version_policy {
        None => VersionPolicy::Latest(1),
        Some(VersionPolicyJson::All(_)) => VersionPolicy::All,
        Some(VersionPolicyJson::Latest(latest)) => {
            VersionPolicy::Latest(usize::try_from(latest.num_versions.get()).unwrap_or(usize::MAX))
        }
        Some(VersionPolicyJson::Specific(specific)) => VersionPolicy::Specific(
            specific
                .versions
                .iter()
                .map(|v| i64::try_from(v.get()).unwrap_or(i64::MAX))
                .collect(),
        ),
    };
    let plugin_config = config
        .plugin_config
        .map(|props| props.0.into_iter().map(|(k, v)| (k, v.0)).collect())
        .unwrap_or_default();
    if config.layout.is_some() {
        invalid.get_or_insert(Error::with(
            StatusCode::MODEL_CONFIG_INVALID,
            format!("{place}: layout is not supported by this library yet"),
        ));
    }
    if config.custom_loader_options.is_some() {
        invalid.get_or_insert(Error::with(
            StatusCode::MODEL_CONFIG_INVALID,
            format!("{place}: custom loaders are not supported by this library"),
        ));
    }
    ModelConfig {
        name: config.name,
        base_path,
        target_device: config.target_device.unwrap_or_else(|| "CPU".to_string()),
        nireq,
        batch_size,
        shape,
        version_policy,
        plugin_config,
        allow_cache: config.allow_cache,
        queue_size: config
            .queue_size
            .map(|n| usize::try_from(n.get()).unwrap_or(usize::MAX)),
        invalid,
    }
}

/// A shape string's meaning; a malformed one fails only its model (SHAPE_WRONG_FORMAT).
fn shape_spec(shape: ShapeJson, place: &str) -> Result<ShapeSpec> {
    match shape {
        ShapeJson::Text(s) => shape_value(&s, place).map(ShapeSpec::Anonymous),
        ShapeJson::PerInput(per_input) => per_input
            .into_iter()
            .map(|(input, s)| Ok((input, shape_value(&s, place)?)))
            .collect::<Result<_>>()
            .map(ShapeSpec::PerInput),
    }
}

fn shape_value(s: &str, place: &str) -> Result<ShapeValue> {
    if s.trim() == "auto" {
        return Ok(ShapeValue::Auto);
    }
    parse_dims(s).map(ShapeValue::Dims).map_err(|reason| {
        Error::with(
            StatusCode::SHAPE_WRONG_FORMAT,
            format!("{place}: shape {s:?}: {reason}"),
        )
    })
}

fn dim_from_number(n: i64) -> Dim {
    if n < 0 { Dim::any() } else { Dim::fixed(n) }
}

/// Parses `(1,3,224,224)`, `[1,-1]`, `(1:10,3)`: `N`, `-1` (any) or `a:b` (inclusive range).
pub fn parse_dims(text: &str) -> std::result::Result<Vec<Dim>, String> {
    let inner = text.trim();
    let inner = inner
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .or_else(|| inner.strip_prefix('[').and_then(|s| s.strip_suffix(']')))
        .ok_or("expected a list such as (1,3,224,224)")?;
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    inner
        .split(',')
        .map(|part| {
            let part = part.trim();
            if let Some((lo, hi)) = part.split_once(':') {
                let lo: i64 = lo
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad range {part:?}"))?;
                let hi: i64 = hi
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad range {part:?}"))?;
                if lo < 0 || hi < lo {
                    return Err(format!("bad range {part:?}"));
                }
                Ok(Dim { min: lo, max: hi })
            } else {
                let n: i64 = part
                    .parse()
                    .map_err(|_| format!("bad dimension {part:?}"))?;
                if n < -1 {
                    return Err(format!("bad dimension {part:?}"));
                }
                Ok(dim_from_number(n))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Connection, DataSource, NodeKind};

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("/cfg"))
    }

    fn one(model: &str) -> ModelConfig {
        let text = format!(r#"{{"model_config_list":[{{"config":{model}}}]}}"#);
        parse(&text).unwrap().models.remove(0)
    }

    #[test]
    fn minimal_model_gets_defaults() {
        let m = one(r#"{"name":"dummy","base_path":"models/dummy"}"#);
        assert_eq!(m.name, "dummy");
        assert_eq!(m.base_path, PathBuf::from("/cfg/models/dummy"));
        assert_eq!(m.target_device, "CPU");
        assert_eq!(m.nireq, 0);
        assert_eq!(m.version_policy, VersionPolicy::Latest(1));
        assert!(m.invalid.is_none());
    }

    #[test]
    fn absolute_base_path_is_kept() {
        assert_eq!(
            one(r#"{"name":"d","base_path":"/abs/d"}"#).base_path,
            PathBuf::from("/abs/d")
        );
    }

    #[test]
    fn schema_errors_are_json_invalid() {
        for text in [
            "{",
            "[]",
            "{}",
            r#"{"model_config_list":{}}"#,
            r#"{"model_config_list":[],"unknown":1}"#,
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x","bogus":1}}]}"#,
            r#"{"model_config_list":[{"config":{"base_path":"x"}}]}"#,
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x","nireq":"2"}}]}"#,
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x","model_version_policy":{"newest":{}}}}]}"#,
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x","plugin_config":[1]}}]}"#,
        ] {
            assert_eq!(
                parse(text).unwrap_err().code,
                StatusCode::JSON_INVALID,
                "{text}"
            );
        }
    }

    /// Each `config` body breaks OVMS's model_config schema.
    #[test]
    fn model_schema_errors_are_json_invalid() {
        for body in [
            r#"{"name":5,"base_path":"x"}"#,
            r#"{"name":"d","base_path":5}"#,
            r#"{"name":"d","base_path":"x","nireq":null}"#,
            r#"{"name":"d","base_path":"x","nireq":-1}"#,
            r#"{"name":"d","base_path":"x","nireq":1.5}"#,
            r#"{"name":"d","base_path":"x","nireq":1e30}"#,
            r#"{"name":"d","base_path":"x","target_device":1}"#,
            r#"{"name":"d","base_path":"x","batch_size":-1}"#,
            r#"{"name":"d","base_path":"x","batch_size":1.5}"#,
            r#"{"name":"d","base_path":"x","batch_size":true}"#,
            r#"{"name":"d","base_path":"x","shape":5}"#,
            r#"{"name":"d","base_path":"x","shape":[1,10]}"#,
            r#"{"name":"d","base_path":"x","shape":{"b":[1,10]}}"#,
            r#"{"name":"d","base_path":"x","layout":5}"#,
            r#"{"name":"d","base_path":"x","allow_cache":"yes"}"#,
            r#"{"name":"d","base_path":"x","plugin_config":{"A":null}}"#,
            r#"{"name":"d","base_path":"x","plugin_config":{"A":{"B":1}}}"#,
            r#"{"name":"d","base_path":"x","plugin_config":{"A":[1]}}"#,
            r#"{"name":"d","base_path":"x","model_version_policy":{}}"#,
            r#"{"name":"d","base_path":"x","model_version_policy":{"all":{"x":1}}}"#,
            r#"{"name":"d","base_path":"x","model_version_policy":{"all":{},"latest":{"num_versions":1}}}"#,
            r#"{"name":"d","base_path":"x","model_version_policy":{"latest":{}}}"#,
            r#"{"name":"d","base_path":"x","model_version_policy":{"latest":{"num_versions":0}}}"#,
            r#"{"name":"d","base_path":"x","model_version_policy":{"specific":{"versions":[0]}}}"#,
            r#"{"name":"d","base_path":"x","model_version_policy":{"specific":{"versions":"1"}}}"#,
            r#"{"name":"d","base_path":"x","custom_loader_options":{}}"#,
            r#"{"name":"d","base_path":"x","custom_loader_options":{"loader_name":1}}"#,
            r#"{"name":"d","base_path":"x","graph_path":1}"#,
            r#"{"name":"d","base_path":"x","queue_size":-1}"#,
            r#"{"name":"d","base_path":"x","queue_size":"1"}"#,
        ] {
            let text = format!(r#"{{"model_config_list":[{{"config":{body}}}]}}"#);
            let error = parse(&text).unwrap_err();
            assert_eq!(error.code, StatusCode::JSON_INVALID, "{body}: {error}");
        }
        for text in [
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x"},"x":1}]}"#,
            r#"{"model_config_list":[{}]}"#,
            r#"{"model_config_list":[5]}"#,
            r#"{"model_config_list":[]} trailing"#,
        ] {
            assert_eq!(
                parse(text).unwrap_err().code,
                StatusCode::JSON_INVALID,
                "{text}"
            );
        }
    }

    #[test]
    fn schema_errors_name_the_json_path() {
        let details = |text: &str| parse(text).unwrap_err().details();
        let d = details(
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x"}},{"config":{"name":"e","base_path":"x","nireq":"2"}}]}"#,
        );
        assert!(
            d.starts_with(
                r#"The file is not valid json - model_config_list[1].config.nireq: invalid type: string "2""#
            ),
            "{d}"
        );
        let d = details(
            r#"{"model_config_list":[],"pipeline_config_list":[{"name":"p","inputs":[],"outputs":[],"nodes":[{"name":"m","type":"DL model","model_name":"d","inputs":[],"outputs":[],"demultiply_count":"2"}]}]}"#,
        );
        assert!(
            d.contains("pipeline_config_list[0].nodes[0].demultiply_count: invalid type"),
            "{d}"
        );
        let d = details(r#"{"model_config_list":[],"monitoring":{"metrics":{"enable":"yes"}}}"#);
        assert!(d.contains("monitoring.metrics.enable: invalid type"), "{d}");
        let d = details(r#"{"model_config_list":[],"x":1}"#);
        assert!(d.contains("unknown field `x`"), "{d}");
        let d = details(
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x","plugin_config":{"A":null}}}]}"#,
        );
        assert!(
            d.contains("model_config_list[0].config.plugin_config.A:"),
            "{d}"
        );
    }

    #[test]
    fn values_wrong_for_one_model_fail_only_that_model() {
        let code = |body: &str| one(body).invalid.map(|e| e.code);
        assert_eq!(
            code(r#"{"name":"d","base_path":"x","batch_size":"x"}"#),
            Some(StatusCode::MODEL_CONFIG_INVALID)
        );
        assert_eq!(
            code(r#"{"name":"d","base_path":"x","layout":"NCHW"}"#),
            Some(StatusCode::MODEL_CONFIG_INVALID)
        );
        assert_eq!(
            code(r#"{"name":"d","base_path":"x","layout":{"b":"NC"}}"#),
            Some(StatusCode::MODEL_CONFIG_INVALID)
        );
        assert_eq!(
            code(
                r#"{"name":"d","base_path":"x","custom_loader_options":{"loader_name":"l","extra":[1]}}"#
            ),
            Some(StatusCode::MODEL_CONFIG_INVALID)
        );
        // Only `name` is required by the schema; a model without a path cannot load.
        assert_eq!(code(r#"{"name":"d"}"#), Some(StatusCode::PATH_INVALID));
        let m = one(r#"{"name":"d","base_path":"x","batch_size":"4","nireq":5000000000}"#);
        assert_eq!(m.batch_size, Some(BatchSize::Fixed(4)));
        assert_eq!(m.invalid.unwrap().code, StatusCode::INVALID_NIREQ);
        assert_eq!(
            one(r#"{"name":"d","base_path":"x","batch_size":"auto"}"#).batch_size,
            Some(BatchSize::Auto)
        );
        assert_eq!(
            one(r#"{"name":"d","base_path":"x","batch_size":0}"#).batch_size,
            Some(BatchSize::Fixed(0))
        );
    }

    #[test]
    fn mediapipe_entries_in_the_model_list_are_skipped() {
        let config = parse(
            r#"{"model_config_list":[{"config":{"name":"g","graph_path":"g.pbtxt"}},{"config":{"name":"s","base_path":"x","subconfig":"s.json"}},{"config":{"name":"d","base_path":"x"}}]}"#,
        )
        .unwrap();
        let names: Vec<_> = config.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["d"]);
    }

    #[test]
    fn empty_or_blank_text_is_json_invalid() {
        for text in ["", "  \n", "null"] {
            assert_eq!(
                parse(text).unwrap_err().code,
                StatusCode::JSON_INVALID,
                "{text:?}"
            );
        }
    }

    #[test]
    fn other_lists_are_parsed_typed_and_not_served() {
        let config = parse(
            r#"{
              "model_config_list": [],
              "pipeline_config_list": [{
                "name": "p",
                "inputs": ["in"],
                "demultiply_count": -1,
                "nodes": [
                  {"name": "m", "type": "DL model", "model_name": "dummy", "version": 2,
                   "inputs": [{"b": {"node_name": "request", "data_item": "in"}}],
                   "outputs": [{"data_item": "a", "alias": "out"}],
                   "demultiply_count": 0},
                  {"name": "c", "type": "custom", "library_name": "lib",
                   "inputs": [{"x": {"node_name": "m", "data_item": "out"}}],
                   "outputs": [{"data_item": "y", "alias": "y"}],
                   "params": {"k": "v", "a": "b"}, "gather_from_node": "m"}
                ],
                "outputs": [{"result": {"node_name": "c", "data_item": "y"}}]
              }],
              "custom_node_library_config_list": [{"name": "lib", "base_path": "lib/libx.so"}],
              "custom_loader_config_list": [{"config": {"loader_name": "l", "library_path": "l.so"}}],
              "mediapipe_config_list": [{"name": "g", "graph_path": "g.pbtxt"}],
              "monitoring": {"metrics": {"enable": true, "metrics_list": ["ovms_requests_success"]}}
            }"#,
        )
        .unwrap();
        assert!(config.models.is_empty());
        let p = &config.pipelines[0];
        assert_eq!(
            (p.name.as_str(), p.inputs.as_slice()),
            ("p", &["in".to_string()][..])
        );
        assert_eq!(p.demultiply_count, Some(-1));
        assert_eq!(
            p.outputs,
            vec![Connection {
                name: "result".into(),
                source: DataSource {
                    node_name: "c".into(),
                    data_item: "y".into()
                }
            }]
        );
        let (m, c) = (&p.nodes[0], &p.nodes[1]);
        assert_eq!(
            m.kind,
            NodeKind::Model {
                model_name: "dummy".into()
            }
        );
        assert_eq!(m.version.map(|v| v.get()), Some(2));
        assert_eq!(m.inputs[0].name, "b");
        assert_eq!(m.inputs[0].source.node_name, "request");
        assert_eq!(m.outputs[0].alias, "out");
        assert_eq!(m.demultiply_count, Some(0));
        assert_eq!(
            c.kind,
            NodeKind::Custom {
                library_name: "lib".into()
            }
        );
        assert_eq!(
            c.params,
            vec![("k".into(), "v".into()), ("a".into(), "b".into())]
        );
        assert_eq!(c.gather_from_node.as_deref(), Some("m"));
        assert_eq!(
            config.custom_node_libraries,
            vec![CustomNodeLibraryConfig {
                name: "lib".into(),
                base_path: "lib/libx.so".into()
            }]
        );
        assert_eq!(config.custom_loaders[0].library_path, "l.so");
        assert_eq!(
            config.mediapipe_graphs[0].graph_path.as_deref(),
            Some("g.pbtxt")
        );
        let metrics = &config.monitoring.unwrap().metrics;
        assert!(metrics.enable);
        assert_eq!(
            metrics.metrics_list.as_deref(),
            Some(&["ovms_requests_success".to_string()][..])
        );
    }

    /// Each text breaks OVMS's schema somewhere outside model_config_list.
    #[test]
    fn other_lists_are_schema_checked() {
        let node = r#"{"name":"m","type":"DL model","model_name":"d","inputs":[],"outputs":[]}"#;
        let pipeline = |nodes: &str, extra: &str| {
            format!(
                r#"{{"model_config_list":[],"pipeline_config_list":[{{"name":"p","inputs":[],"outputs":[],"nodes":[{nodes}]{extra}}}]}}"#
            )
        };
        let top = |rest: &str| format!(r#"{{"model_config_list":[],{rest}}}"#);
        let with_node_key = |kv: &str| {
            pipeline(
                &node.replace("\"name\":\"m\"", &format!("\"name\":\"m\",{kv}")),
                "",
            )
        };
        let cases = [
            top(r#""pipeline_config_list":5"#),
            top(r#""pipeline_config_list":null"#),
            top(r#""monitoring":"yes""#),
            top(r#""monitoring":{}"#),
            top(r#""monitoring":{"metrics":{"enable":"yes"}}"#),
            top(r#""monitoring":{"metrics":{}}"#),
            top(r#""monitoring":{"metrics":{"enable":true,"metrics_list":[1]}}"#),
            top(r#""monitoring":{"metrics":{"enable":true,"x":1}}"#),
            top(r#""monitoring":{"metrics":{"enable":true},"x":1}"#),
            top(r#""custom_node_library_config_list":[{"name":"lib"}]"#),
            top(r#""custom_node_library_config_list":[{"name":"lib","base_path":"x","y":1}]"#),
            top(r#""custom_loader_config_list":[{"config":{"loader_name":"l"}}]"#),
            top(r#""custom_loader_config_list":[{"config":{"loader_name":"l","library_path":"x"},"x":1}]"#),
            top(r#""mediapipe_config_list":[{"name":"g","graph":"x"}]"#),
            top(r#""mediapipe_config_list":[{"graph_path":"x"}]"#),
            pipeline(node, r#","demultiply_count":"2""#),
            pipeline(node, r#","demultiply_count":10001"#),
            pipeline(node, r#","unknown":1"#),
            pipeline("", "").replace(r#""inputs":[],"#, ""),
            with_node_key(r#""unknown":1"#),
            with_node_key(r#""demultiply_count":"2""#),
            with_node_key(r#""demultiply_count":-2"#),
            with_node_key(r#""demultiply_count":1.5"#),
            with_node_key(r#""version":0"#),
            with_node_key(r#""library_name":"lib""#),
            with_node_key(r#""params":{"k":1}"#),
            with_node_key(r#""gather_from_node":5"#),
            pipeline(&node.replace("DL model", "custom"), ""),
            pipeline(&node.replace("DL model", "python"), ""),
            pipeline(&node.replace(r#""outputs":[]"#, r#""outputs":[{"data_item":"a"}]"#), ""),
            pipeline(
                &node.replace(
                    r#""inputs":[]"#,
                    r#""inputs":[{"a":{"node_name":"request","data_item":"x"},"b":{"node_name":"request","data_item":"y"}}]"#,
                ),
                "",
            ),
            pipeline(&node.replace(r#""inputs":[]"#, r#""inputs":[{}]"#), ""),
            pipeline(
                &node.replace(r#""inputs":[]"#, r#""inputs":[{"a":{"node_name":"request"}}]"#),
                "",
            ),
        ];
        for text in &cases {
            let error = parse(text).unwrap_err();
            assert_eq!(error.code, StatusCode::JSON_INVALID, "{text}: {error}");
        }
    }

    #[test]
    fn shapes_parse() {
        assert_eq!(
            parse_dims("(1,10)").unwrap(),
            vec![Dim::fixed(1), Dim::fixed(10)]
        );
        assert_eq!(
            parse_dims("(-1, 1:10)").unwrap(),
            vec![Dim::any(), Dim { min: 1, max: 10 }]
        );
        assert_eq!(parse_dims("[]").unwrap(), vec![]);
        assert!(parse_dims("1,10").is_err());
        assert!(parse_dims("(a,1)").is_err());
        assert!(parse_dims("(5:2)").is_err());
        let m =
            one(r#"{"name":"d","base_path":"x","shape":{"b":"(1,-1)","c":"(2,3)","e":"auto"}}"#);
        assert_eq!(
            m.shape,
            Some(ShapeSpec::PerInput(vec![
                (
                    "b".into(),
                    ShapeValue::Dims(vec![Dim::fixed(1), Dim::any()])
                ),
                (
                    "c".into(),
                    ShapeValue::Dims(vec![Dim::fixed(2), Dim::fixed(3)])
                ),
                ("e".into(), ShapeValue::Auto),
            ]))
        );
        let bad = one(r#"{"name":"d","base_path":"x","shape":"(1,x)"}"#);
        assert_eq!(bad.invalid.unwrap().code, StatusCode::SHAPE_WRONG_FORMAT);
        let bad = one(r#"{"name":"d","base_path":"x","shape":{"b":"(1,x)"}}"#);
        assert_eq!(bad.invalid.unwrap().code, StatusCode::SHAPE_WRONG_FORMAT);
    }

    #[test]
    fn version_policies() {
        let p = |body: &str| {
            one(&format!(
                r#"{{"name":"d","base_path":"x","model_version_policy":{body}}}"#
            ))
            .version_policy
        };
        assert_eq!(p(r#"{"all":{}}"#), VersionPolicy::All);
        assert_eq!(
            p(r#"{"latest":{"num_versions":2}}"#),
            VersionPolicy::Latest(2)
        );
        assert_eq!(
            p(r#"{"specific":{"versions":[1,3]}}"#),
            VersionPolicy::Specific(vec![1, 3])
        );
    }

    #[test]
    fn plugin_config_values_become_strings() {
        let m = one(
            r#"{"name":"d","base_path":"x","plugin_config":{"PERFORMANCE_HINT":"LATENCY","NUM_STREAMS":2,"PERF_COUNT":true}}"#,
        );
        assert_eq!(
            m.plugin_config,
            vec![
                ("PERFORMANCE_HINT".to_string(), "LATENCY".to_string()),
                ("NUM_STREAMS".to_string(), "2".to_string()),
                ("PERF_COUNT".to_string(), "YES".to_string()),
            ]
        );
    }

    #[test]
    fn queue_size_is_a_positive_integer() {
        assert_eq!(
            one(r#"{"name":"d","base_path":"x","queue_size":5}"#).queue_size,
            Some(5)
        );
        assert_eq!(one(r#"{"name":"d","base_path":"x"}"#).queue_size, None);
        let text =
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"x","queue_size":0}}]}"#;
        assert_eq!(parse(text).unwrap_err().code, StatusCode::JSON_INVALID);
    }

    #[test]
    fn too_many_infer_requests_fail_only_the_model() {
        let m = one(r#"{"name":"d","base_path":"x","nireq":100001}"#);
        assert_eq!(m.invalid.unwrap().code, StatusCode::INVALID_NIREQ);
    }

    /// A fresh folder under the system temp dir for one test.
    fn scratch(test: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ovms_shared_config_{}_{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn load_error(path: &Path) -> Error {
        let started = std::time::Instant::now();
        let error = Config::load(path).unwrap_err();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{}: took {:?}",
            path.display(),
            started.elapsed()
        );
        error
    }

    #[test]
    fn load_reads_a_regular_file_and_resolves_against_its_folder() {
        let dir = scratch("regular");
        let path = dir.join("config.json");
        std::fs::write(
            &path,
            r#"{"model_config_list":[{"config":{"name":"d","base_path":"m"}}]}"#,
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.models[0].base_path, dir.join("m"));
        std::fs::write(
            &path,
            b"{\"model_config_list\":[{\"config\":{\"name\":\"\xff\"}}]}",
        )
        .unwrap();
        assert_eq!(load_error(&path).code, StatusCode::JSON_INVALID);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn devices_fifos_and_folders_are_config_file_invalid_at_once() {
        let dir = scratch("special");
        let fifo = dir.join("fifo.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        for (path, why) in [
            (Path::new("/dev/zero"), "a device"),
            (fifo.as_path(), "a FIFO"),
            (dir.as_path(), "a directory"),
        ] {
            let error = load_error(path);
            assert_eq!(error.code, StatusCode::CONFIG_FILE_INVALID, "{error}");
            let details = error.details();
            assert!(
                details.contains(&path.display().to_string()) && details.contains(why),
                "{details}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_over_the_limit_are_config_file_invalid() {
        let dir = scratch("large");
        let path = dir.join("config.json");
        // Sparse: costs no disk space.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_CONFIG_BYTES + 1).unwrap();
        let error = load_error(&path);
        assert_eq!(error.code, StatusCode::CONFIG_FILE_INVALID);
        assert!(error.details().contains("16 MiB"), "{}", error.details());
        // Exactly at the limit the file is read (and here is not JSON).
        file.set_len(MAX_CONFIG_BYTES).unwrap();
        assert_eq!(load_error(&path).code, StatusCode::JSON_INVALID);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_file_is_config_file_invalid() {
        assert_eq!(
            Config::load(Path::new("/no/such/config.json"))
                .unwrap_err()
                .code,
            StatusCode::CONFIG_FILE_INVALID
        );
    }
}
