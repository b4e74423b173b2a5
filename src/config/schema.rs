//! config.json's schema as serde types: the one place where the file's shape is checked.
//!
//! Mirrors the JSON schema OVMS validates config.json against: every type, required key and
//! bound is enforced while deserializing, and objects the schema closes
//! (`additionalProperties: false`, `maxProperties: 1`) use `deny_unknown_fields`. Any failure
//! here is a schema violation (`JSON_INVALID`); what a valid value means for one model is
//! decided later, in `model_config.rs`.
//!
//! Optional keys are `Option`s read with `present`, so that an explicit `null` is a type error
//! as in OVMS rather than "absent".

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::num::NonZeroU64;

/// Reads an optional key: `null` is rejected (the schema never allows it), absence is `None`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigFile {
    pub model_config_list: Vec<ModelEntry>,
    #[serde(default)]
    pub pipeline_config_list: Vec<PipelineConfig>,
    #[serde(default)]
    pub mediapipe_config_list: Vec<MediapipeConfig>,
    #[serde(default)]
    pub custom_loader_config_list: Vec<CustomLoaderEntry>,
    #[serde(default)]
    pub custom_node_library_config_list: Vec<CustomNodeLibraryConfig>,
    #[serde(default, deserialize_with = "present")]
    pub monitoring: Option<MonitoringConfig>,
}

/// `model_config_list[i]`: exactly `{"config": {...}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelEntry {
    pub config: ModelConfigJson,
}

/// `model_config_list[i].config`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelConfigJson {
    pub name: String,
    /// Optional in the schema (MediaPipe entries need none); a model without one fails alone.
    #[serde(default, deserialize_with = "present")]
    pub base_path: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub target_device: Option<String>,
    /// u64 rather than u32: any non-negative integer passes the schema; too large ones fail
    /// only the model (INVALID_NIREQ).
    #[serde(default, deserialize_with = "present")]
    pub nireq: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    pub batch_size: Option<BatchSizeJson>,
    #[serde(default, deserialize_with = "present")]
    pub shape: Option<ShapeJson>,
    #[serde(default, deserialize_with = "present")]
    pub layout: Option<ShapeJson>,
    #[serde(default, deserialize_with = "present")]
    pub model_version_policy: Option<VersionPolicyJson>,
    #[serde(default, deserialize_with = "present")]
    pub plugin_config: Option<Entries<PluginValue>>,
    #[serde(default, deserialize_with = "present")]
    pub allow_cache: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub custom_loader_options: Option<CustomLoaderOptions>,
    #[serde(default, deserialize_with = "present")]
    pub graph_path: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub subconfig: Option<String>,
    /// Our own key (not in OVMS's schema): a positive integer.
    #[serde(default, deserialize_with = "present")]
    pub queue_size: Option<NonZeroU64>,
}

/// `batch_size`: an integer >= 0, or a string (`"auto"` or digits, judged per model).
#[derive(Debug)]
pub(super) enum BatchSizeJson {
    Number(u64),
    Text(String),
}

impl<'de> Deserialize<'de> for BatchSizeJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = BatchSizeJson;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative integer or a string")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Ok(BatchSizeJson::Number(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                match u64::try_from(n) {
                    Ok(n) => Ok(BatchSizeJson::Number(n)),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Signed(n), &self)),
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(BatchSizeJson::Text(s.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `shape` and `layout` (OVMS's `layout_shape_def`): a string, or an object of strings per
/// input.
#[derive(Debug)]
pub(super) enum ShapeJson {
    Text(String),
    PerInput(Vec<(String, String)>),
}

impl<'de> Deserialize<'de> for ShapeJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ShapeJson;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an object of strings")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(ShapeJson::Text(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                entries(map).map(ShapeJson::PerInput)
            }
        }
        d.deserialize_any(V)
    }
}

/// An object read in file order, as (key, value) pairs.
#[derive(Debug)]
pub(super) struct Entries<T>(pub Vec<(String, T)>);

fn entries<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    mut map: A,
) -> Result<Vec<(String, T)>, A::Error> {
    let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
    while let Some(key) = map.next_key::<String>()? {
        let value = map.next_value()?;
        out.push((key, value));
    }
    Ok(out)
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                entries(map).map(Entries)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A `plugin_config` value (string, bool or number), as the string OpenVINO is given:
/// bools become `YES`/`NO`.
#[derive(Debug)]
pub(super) struct PluginValue(pub String);

impl<'de> Deserialize<'de> for PluginValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PluginValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a number or a bool")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(PluginValue(s.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(PluginValue(if b { "YES" } else { "NO" }.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Ok(PluginValue(n.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                Ok(PluginValue(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
                // JSON's own spelling (2.0 stays "2.0"); JSON numbers are always finite.
                let number = serde_json::Number::from_f64(n)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Float(n), &self))?;
                Ok(PluginValue(number.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `model_version_policy`: exactly one of `all`, `specific`, `latest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub(super) enum VersionPolicyJson {
    All(AllVersions),
    Specific(SpecificVersions),
    Latest(LatestVersions),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AllVersions {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SpecificVersions {
    pub versions: Vec<NonZeroU64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LatestVersions {
    pub num_versions: NonZeroU64,
}

/// `custom_loader_options`: the schema requires `loader_name` and allows any other key.
#[derive(Debug, Deserialize)]
pub(super) struct CustomLoaderOptions {
    #[allow(dead_code)] // only its presence matters while custom loaders are not served
    pub loader_name: String,
}

/// `demultiply_count`: an integer in -1..=10000 (-1: as many as the first dimension).
fn demultiply_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    let n = i64::deserialize(d)?;
    if (-1..=10_000).contains(&n) {
        Ok(Some(n as i32))
    } else {
        Err(de::Error::invalid_value(
            de::Unexpected::Signed(n),
            &"an integer from -1 to 10000",
        ))
    }
}

/// `pipeline_config_list[i]`: a DAG (parsed and checked; not served yet).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    pub name: String,
    /// The pipeline's input names.
    pub inputs: Vec<String>,
    pub nodes: Vec<PipelineNode>,
    /// `[{"alias": {"node_name", "data_item"}}]`: each pipeline output and its source.
    pub outputs: Vec<Connection>,
    #[serde(default, deserialize_with = "demultiply_count")]
    pub demultiply_count: Option<i32>,
}

/// A named connection `{"<name>": {"node_name": ..., "data_item": ...}}`: a node input or a
/// pipeline output, and where its data comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub name: String,
    pub source: DataSource,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    /// `request` for the pipeline's inputs, else a node's name.
    pub node_name: String,
    pub data_item: String,
}

impl<'de> Deserialize<'de> for Connection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Connection;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object with exactly one entry")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let Some(name) = map.next_key::<String>()? else {
                    return Err(de::Error::invalid_length(0, &self));
                };
                let source = map.next_value()?;
                if map.next_key::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(2, &self));
                }
                Ok(Connection { name, source })
            }
        }
        d.deserialize_map(V)
    }
}

/// What a node runs: exactly one of `model_name` ("DL model") or `library_name` ("custom").
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Model { model_name: String },
    Custom { library_name: String },
}

/// `nodes[j]` of a pipeline.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "NodeJson")]
pub struct PipelineNode {
    pub name: String,
    pub kind: NodeKind,
    /// A model version (>= 1); none: the default version.
    pub version: Option<NonZeroU64>,
    pub inputs: Vec<Connection>,
    pub outputs: Vec<OutputAlias>,
    /// Custom node parameters, in file order.
    pub params: Vec<(String, String)>,
    pub demultiply_count: Option<i32>,
    pub gather_from_node: Option<String>,
}

/// A node's output `data_item`, exposed to other nodes as `alias`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputAlias {
    pub data_item: String,
    pub alias: String,
}

/// A node as written; `PipelineNode` checks its `type` against the name keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeJson {
    name: String,
    #[serde(rename = "type")]
    node_type: NodeType,
    #[serde(default, deserialize_with = "present")]
    model_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    library_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    version: Option<NonZeroU64>,
    inputs: Vec<Connection>,
    outputs: Vec<OutputAlias>,
    #[serde(default, deserialize_with = "present")]
    params: Option<Entries<String>>,
    #[serde(default, deserialize_with = "demultiply_count")]
    demultiply_count: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    gather_from_node: Option<String>,
}

#[derive(Debug, Deserialize)]
enum NodeType {
    #[serde(rename = "DL model")]
    Model,
    #[serde(rename = "custom")]
    Custom,
}

impl TryFrom<NodeJson> for PipelineNode {
    type Error = String;

    fn try_from(node: NodeJson) -> Result<Self, String> {
        let kind = match (node.node_type, node.model_name, node.library_name) {
            (NodeType::Model, Some(model_name), None) => NodeKind::Model { model_name },
            (NodeType::Custom, None, Some(library_name)) => NodeKind::Custom { library_name },
            (NodeType::Model, ..) => {
                return Err("a \"DL model\" node needs model_name and no library_name".into());
            }
            (NodeType::Custom, ..) => {
                return Err("a \"custom\" node needs library_name and no model_name".into());
            }
        };
        Ok(PipelineNode {
            name: node.name,
            kind,
            version: node.version,
            inputs: node.inputs,
            outputs: node.outputs,
            params: node.params.map(|p| p.0).unwrap_or_default(),
            demultiply_count: node.demultiply_count,
            gather_from_node: node.gather_from_node,
        })
    }
}

/// `custom_node_library_config_list[i]`. `base_path` as written: relative
/// paths are relative to the config file's folder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomNodeLibraryConfig {
    pub name: String,
    pub base_path: String,
}

/// `custom_loader_config_list[i]`: exactly `{"config": {...}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CustomLoaderEntry {
    pub config: CustomLoaderConfig,
}

/// A custom model loader (not served). Paths as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomLoaderConfig {
    pub loader_name: String,
    pub library_path: String,
    #[serde(default, deserialize_with = "present")]
    pub loader_config_file: Option<String>,
}

/// `mediapipe_config_list[i]` (not served). Paths as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediapipeConfig {
    pub name: String,
    #[serde(default, deserialize_with = "present")]
    pub base_path: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub graph_path: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub subconfig: Option<String>,
}

/// `monitoring`: exactly `{"metrics": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringConfig {
    pub metrics: MetricsConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    pub enable: bool,
    /// Metric names to expose; none: OVMS's default set.
    #[serde(default, deserialize_with = "present")]
    pub metrics_list: Option<Vec<String>>,
}
