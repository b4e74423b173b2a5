//! config.json (spec section 3): reading, schema checks and the per-model entries.
//!
//! Schema violations (bad JSON, unknown keys, wrong types) fail the whole start with
//! `JSON_INVALID`, as OVMS's JSON-schema validation does. Values that parse but make no sense
//! for one model (a malformed shape string, too many infer requests) only fail that model.

use crate::ov::Dim;
use crate::status::{Error, Result, StatusCode};
use serde_json::{Map, Value};
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

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub models: Vec<ModelConfig>,
}

const TOP_LEVEL_KEYS: &[&str] = &[
    "model_config_list",
    "pipeline_config_list",
    "mediapipe_config_list",
    "custom_loader_config_list",
    "custom_node_library_config_list",
    "monitoring",
];

const MODEL_KEYS: &[&str] = &[
    "name",
    "base_path",
    "target_device",
    "nireq",
    "batch_size",
    "shape",
    "layout",
    "model_version_policy",
    "plugin_config",
    "allow_cache",
    "custom_loader_options",
    "graph_path",
    "subconfig",
    "queue_size",
];

/// The largest `nireq` OVMS accepts.
const MAX_NIREQ: u64 = 100_000;

fn json_invalid(reason: impl Into<String>) -> Error {
    Error::with(StatusCode::JSON_INVALID, reason)
}

fn reject_unknown_keys(object: &Map<String, Value>, allowed: &[&str], place: &str) -> Result<()> {
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(json_invalid(format!("unknown key {key:?} in {place}"))),
        None => Ok(()),
    }
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::with(
                StatusCode::CONFIG_FILE_INVALID,
                format!("{}: {e}", path.display()),
            )
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, folder)
    }

    /// Parses config text; relative base paths resolve against `folder`.
    pub fn parse(text: &str, folder: &Path) -> Result<Config> {
        let root: Value = serde_json::from_str(text).map_err(|e| json_invalid(format!("{e}")))?;
        let root = root
            .as_object()
            .ok_or_else(|| json_invalid("the top level must be an object"))?;
        reject_unknown_keys(root, TOP_LEVEL_KEYS, "the top level")?;
        let list = root
            .get("model_config_list")
            .ok_or_else(|| json_invalid("model_config_list is required"))?
            .as_array()
            .ok_or_else(|| json_invalid("model_config_list must be an array"))?;
        for key in TOP_LEVEL_KEYS.iter().skip(1) {
            if let Some(value) = root.get(*key) {
                let empty = value.as_array().is_some_and(Vec::is_empty);
                if !empty {
                    log::warn!("{key} is accepted but not served by this library yet; skipped");
                }
            }
        }
        let mut models = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let place = format!("model_config_list[{i}]");
            let item = item
                .as_object()
                .ok_or_else(|| json_invalid(format!("{place} must be an object")))?;
            reject_unknown_keys(item, &["config"], &place)?;
            let config = item
                .get("config")
                .and_then(Value::as_object)
                .ok_or_else(|| json_invalid(format!("{place} needs a \"config\" object")))?;
            if config.contains_key("graph_path") || config.contains_key("subconfig") {
                log::warn!(
                    "{place} describes a MediaPipe graph, which this library does not serve; skipped"
                );
                continue;
            }
            models.push(parse_model(config, folder, &place)?);
        }
        Ok(Config { models })
    }
}

fn string_field<'a>(
    config: &'a Map<String, Value>,
    key: &str,
    place: &str,
) -> Result<Option<&'a str>> {
    match config.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(json_invalid(format!("{key} in {place} must be a string"))),
    }
}

fn parse_model(config: &Map<String, Value>, folder: &Path, place: &str) -> Result<ModelConfig> {
    reject_unknown_keys(config, MODEL_KEYS, place)?;
    let name = string_field(config, "name", place)?
        .ok_or_else(|| json_invalid(format!("{place} needs a name")))?;
    let place = format!("model {name:?}");
    let base_path = string_field(config, "base_path", &place)?
        .ok_or_else(|| json_invalid(format!("{place} needs a base_path")))?;
    let base_path = folder.join(base_path);
    let target_device = string_field(config, "target_device", &place)?
        .unwrap_or("CPU")
        .to_string();
    let mut invalid = None;
    let nireq = match config.get("nireq") {
        None => 0,
        Some(v) => match v.as_u64() {
            Some(n) if n > MAX_NIREQ => {
                invalid = Some(Error::with(
                    StatusCode::INVALID_NIREQ,
                    format!("{place}: nireq {n} exceeds {MAX_NIREQ}"),
                ));
                0
            }
            Some(n) => n as u32,
            None => {
                return Err(json_invalid(format!(
                    "nireq in {place} must be a non-negative integer"
                )));
            }
        },
    };
    let batch_size = match config.get("batch_size") {
        None => None,
        Some(Value::String(s)) if s == "auto" => Some(BatchSize::Auto),
        Some(Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(n) if n >= 0 => Some(BatchSize::Fixed(n)),
            _ => {
                invalid.get_or_insert(Error::with(
                    StatusCode::MODEL_CONFIG_INVALID,
                    format!("{place}: batch_size {s:?}"),
                ));
                None
            }
        },
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Some(BatchSize::Fixed(n)),
            _ => {
                return Err(json_invalid(format!(
                    "batch_size in {place} must be a non-negative integer or \"auto\""
                )));
            }
        },
    };
    let shape = match config.get("shape") {
        None => None,
        Some(value) => match parse_shape_spec(value, &place)? {
            Ok(spec) => Some(spec),
            Err(e) => {
                invalid.get_or_insert(e);
                None
            }
        },
    };
    let version_policy = match config.get("model_version_policy") {
        None => VersionPolicy::Latest(1),
        Some(value) => parse_version_policy(value, &place)?,
    };
    let plugin_config = match config.get("plugin_config") {
        None => Vec::new(),
        Some(Value::Object(props)) => props
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Bool(b) => Ok((k.clone(), if *b { "YES" } else { "NO" }.to_string())),
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                _ => Err(json_invalid(format!(
                    "plugin_config.{k} in {place} must be a string, number or bool"
                ))),
            })
            .collect::<Result<_>>()?,
        Some(_) => {
            return Err(json_invalid(format!(
                "plugin_config in {place} must be an object"
            )));
        }
    };
    let allow_cache = match config.get("allow_cache") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(json_invalid(format!(
                "allow_cache in {place} must be a bool"
            )));
        }
    };
    let queue_size = match config.get("queue_size") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Some(n as usize),
            _ => {
                return Err(json_invalid(format!(
                    "queue_size in {place} must be a positive integer"
                )));
            }
        },
    };
    if config.contains_key("layout") {
        invalid.get_or_insert(Error::with(
            StatusCode::MODEL_CONFIG_INVALID,
            format!("{place}: layout is not supported by this library yet"),
        ));
    }
    if config.contains_key("custom_loader_options") {
        invalid.get_or_insert(Error::with(
            StatusCode::MODEL_CONFIG_INVALID,
            format!("{place}: custom loaders are not supported by this library"),
        ));
    }
    Ok(ModelConfig {
        name: name.to_string(),
        base_path,
        target_device,
        nireq,
        batch_size,
        shape,
        version_policy,
        plugin_config,
        allow_cache,
        queue_size,
        invalid,
    })
}

/// The outer `Result` is a schema error (fails the start); the inner one only fails the model.
fn parse_shape_spec(value: &Value, place: &str) -> Result<Result<ShapeSpec>> {
    match value {
        Value::Object(per_input) => {
            let mut shapes = Vec::with_capacity(per_input.len());
            for (input, v) in per_input {
                match parse_shape_value(v, place)? {
                    Ok(shape) => shapes.push((input.clone(), shape)),
                    Err(e) => return Ok(Err(e)),
                }
            }
            Ok(Ok(ShapeSpec::PerInput(shapes)))
        }
        other => Ok(parse_shape_value(other, place)?.map(ShapeSpec::Anonymous)),
    }
}

fn parse_shape_value(value: &Value, place: &str) -> Result<Result<ShapeValue>> {
    match value {
        Value::String(s) if s.trim() == "auto" => Ok(Ok(ShapeValue::Auto)),
        Value::String(s) => Ok(parse_dims(s).map(ShapeValue::Dims).map_err(|reason| {
            Error::with(
                StatusCode::SHAPE_WRONG_FORMAT,
                format!("{place}: shape {s:?}: {reason}"),
            )
        })),
        Value::Array(items) => {
            let dims: Option<Vec<Dim>> = items
                .iter()
                .map(|v| v.as_i64().map(dim_from_number))
                .collect();
            dims.map(|d| Ok(ShapeValue::Dims(d)))
                .ok_or_else(|| json_invalid(format!("shape arrays in {place} must hold integers")))
        }
        _ => Err(json_invalid(format!(
            "shape in {place} must be a string, an array or an object"
        ))),
    }
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

fn parse_version_policy(value: &Value, place: &str) -> Result<VersionPolicy> {
    let bad = || {
        json_invalid(format!(
            "model_version_policy in {place} must be one of latest, all, specific"
        ))
    };
    let policy = value.as_object().filter(|o| o.len() == 1).ok_or_else(bad)?;
    let (kind, body) = policy.iter().next().ok_or_else(bad)?;
    let body = body.as_object().ok_or_else(bad)?;
    match kind.as_str() {
        "all" if body.is_empty() => Ok(VersionPolicy::All),
        "latest" => {
            reject_unknown_keys(body, &["num_versions"], place)?;
            match body.get("num_versions") {
                None => Ok(VersionPolicy::Latest(1)),
                Some(v) => v
                    .as_u64()
                    .filter(|n| *n > 0)
                    .map(|n| VersionPolicy::Latest(n as usize))
                    .ok_or_else(bad),
            }
        }
        "specific" => {
            reject_unknown_keys(body, &["versions"], place)?;
            let versions = body
                .get("versions")
                .and_then(Value::as_array)
                .ok_or_else(bad)?;
            versions
                .iter()
                .map(|v| v.as_i64().filter(|n| *n > 0).ok_or_else(bad))
                .collect::<Result<Vec<_>>>()
                .map(VersionPolicy::Specific)
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn other_lists_are_accepted_and_skipped() {
        let config = parse(
            r#"{"model_config_list":[],"pipeline_config_list":[{"name":"p"}],"monitoring":{}}"#,
        )
        .unwrap();
        assert!(config.models.is_empty());
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
        let m = one(r#"{"name":"d","base_path":"x","shape":{"b":"(1,-1)","c":[2,3],"e":"auto"}}"#);
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
