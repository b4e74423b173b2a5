//! What the REST routes say about models: KServe model metadata and readiness (OVMS's version
//! resolution and codes), Triton's model configuration, and `/v1/config`'s version states in
//! OVMS's JSON layout.

use crate::datatype::DataType;
use crate::frontend::infer::PIPELINE_VERSION;
use crate::model::{
    Model, ServableManager, ServableMetadata, TensorMetadata, VersionEntry, VersionState,
};
use crate::status::{Error, Result, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The platform OVMS's metadata names.
const PLATFORM: &str = "OpenVINO";

pub fn find_model(
    manager: &ServableManager,
    name: Option<&str>,
    raw_name: &str,
) -> Result<Arc<Model>> {
    let found = name.and_then(|name| manager.model(name));
    found.ok_or_else(|| {
        log::debug!("REST: no model named {raw_name:?}");
        Error::new(StatusCode::MODEL_NAME_MISSING)
    })
}

/// The version number and entry a metadata or readiness request is about, as OVMS picks it:
/// the version asked for (0 is no version), or the highest AVAILABLE one.
pub fn pick_version(model: &Model, version: Option<i64>) -> Result<(i64, VersionEntry)> {
    let versions = model.versions();
    let picked = match version {
        Some(v) => versions.get(&v).map(|entry| (v, entry.clone())),
        None => versions
            .iter()
            .rev()
            .find(|(_, e)| e.state == VersionState::Available && e.serving.is_some())
            .map(|(v, e)| (*v, e.clone())),
    };
    // OVMS's answer carries no details.
    picked.ok_or_else(|| Error::new(StatusCode::MODEL_VERSION_MISSING))
}

/// The loaded version of an entry, or OVMS's code for one that does not serve.
fn loaded_of(entry: &VersionEntry) -> Result<ServableMetadata> {
    match (&entry.serving, entry.state) {
        (Some(serving), VersionState::Available) => Ok(ServableMetadata::of(&serving.loaded)),
        (_, VersionState::Retired | VersionState::Unloading) => {
            Err(Error::new(StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE))
        }
        _ => Err(Error::new(StatusCode::MODEL_VERSION_NOT_LOADED_YET)),
    }
}

fn kserve_datatype(datatype: DataType) -> &'static str {
    datatype.kserve_name().unwrap_or("INVALID")
}

/// A dimension as KServe metadata shows it: its size when static, else -1.
fn dims(tensor: &TensorMetadata) -> Vec<i64> {
    tensor
        .shape_min
        .iter()
        .zip(&tensor.shape_max)
        .map(|(&lo, &hi)| if lo == hi && lo >= 0 { lo } else { -1 })
        .collect()
}

/// KServe model metadata, as OVMS answers it.
pub fn metadata(model: &Model, version: Option<i64>) -> Result<(i64, Value)> {
    let (number, entry) = pick_version(model, version)?;
    let metadata = loaded_of(&entry)?;
    // The version described, and every other AVAILABLE one.
    let versions: Vec<i64> = model
        .versions()
        .iter()
        .filter(|(v, e)| **v == number || e.state == VersionState::Available)
        .map(|(v, _)| *v)
        .collect();
    Ok((number, metadata_json(&model.name, &versions, &metadata)))
}

/// A pipeline's KServe metadata, as OVMS answers it: its one version "1".
pub fn pipeline_metadata(name: &str, metadata: &ServableMetadata) -> Value {
    metadata_json(name, &[PIPELINE_VERSION], metadata)
}

fn metadata_json(name: &str, versions: &[i64], metadata: &ServableMetadata) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| Value::from(v.to_string()))
        .collect();
    let tensors = |list: &[TensorMetadata]| -> Vec<Value> {
        list.iter()
            .map(|t| {
                json!({
                    "name": t.name.to_string_lossy(),
                    "datatype": kserve_datatype(t.datatype),
                    "shape": dims(t),
                })
            })
            .collect()
    };
    let mut object = Map::new();
    object.insert("name".into(), Value::from(name));
    object.insert("versions".into(), Value::Array(versions));
    object.insert("platform".into(), Value::from(PLATFORM));
    object.insert("inputs".into(), Value::Array(tensors(&metadata.inputs)));
    object.insert("outputs".into(), Value::Array(tensors(&metadata.outputs)));
    Value::Object(object)
}

/// Triton's name for a datatype in a model configuration.
fn triton_datatype(datatype: DataType) -> &'static str {
    use DataType::*;
    match datatype {
        BOOL => "TYPE_BOOL",
        U8 => "TYPE_UINT8",
        U16 => "TYPE_UINT16",
        U32 => "TYPE_UINT32",
        U64 => "TYPE_UINT64",
        I8 => "TYPE_INT8",
        I16 => "TYPE_INT16",
        I32 => "TYPE_INT32",
        I64 => "TYPE_INT64",
        FP16 => "TYPE_FP16",
        BF16 => "TYPE_BF16",
        FP32 => "TYPE_FP32",
        FP64 => "TYPE_FP64",
        STRING => "TYPE_STRING",
        _ => "TYPE_INVALID",
    }
}

/// Triton's minimal model configuration (our extension): no batching dimension, the tensors
/// with their types and dims, as perf_analyzer reads them.
pub fn triton_config(model: &Model, version: Option<i64>) -> Result<Value> {
    let (_, entry) = pick_version(model, version)?;
    let metadata = loaded_of(&entry)?;
    Ok(triton_config_of(&model.name, &metadata))
}

/// Triton's configuration of a model or a pipeline with these tensors.
pub fn triton_config_of(name: &str, metadata: &ServableMetadata) -> Value {
    let tensors = |list: &[TensorMetadata]| -> Vec<Value> {
        list.iter()
            .map(|t| {
                json!({
                    "name": t.name.to_string_lossy(),
                    "data_type": triton_datatype(t.datatype),
                    "dims": dims(t),
                })
            })
            .collect()
    };
    json!({
        "name": name,
        "platform": PLATFORM,
        "max_batch_size": 0,
        "input": tensors(&metadata.inputs),
        "output": tensors(&metadata.outputs),
    })
}

/// OVMS's name for a version state, and its error code (a failed load is LOADING with
/// UNKNOWN in OVMS).
fn ovms_state(state: VersionState) -> (&'static str, &'static str) {
    match state {
        VersionState::Begin => ("START", "OK"),
        VersionState::Loading => ("LOADING", "OK"),
        VersionState::Available => ("AVAILABLE", "OK"),
        VersionState::Unloading => ("UNLOADING", "OK"),
        VersionState::Retired => ("END", "OK"),
        VersionState::LoadingFailed => ("LOADING", "UNKNOWN"),
    }
}

/// The text inside a JSON string literal.
fn escaped(text: &str) -> String {
    let quoted = Value::from(text).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// `/v1/config`: every model's versions and states, in OVMS's layout (models by name,
/// versions by number).
pub fn config_status(manager: &ServableManager) -> String {
    let models: BTreeMap<String, BTreeMap<i64, VersionEntry>> = manager
        .models()
        .iter()
        .map(|m| (m.name.clone(), m.versions()))
        .collect();
    if models.is_empty() {
        return "{}".to_string();
    }
    let mut out = String::from("{\n");
    for (i, (name, versions)) in models.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&format!(
            "\"{}\" : \n{{\n \"model_version_status\": [",
            escaped(name)
        ));
        if versions.is_empty() {
            out.push_str("]\n}");
            continue;
        }
        out.push('\n');
        for (j, (version, entry)) in versions.iter().enumerate() {
            if j > 0 {
                out.push_str(",\n");
            }
            let (state, error_code) = ovms_state(entry.state);
            out.push_str(&format!(
                "  {{\n   \"version\": \"{version}\",\n   \"state\": \"{state}\",\n   \"status\": {{\n    \"error_code\": \"{error_code}\",\n    \"error_message\": \"{error_code}\"\n   }}\n  }}"
            ));
        }
        out.push_str("\n ]\n}");
    }
    out.push_str("\n}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_show_dynamic_as_minus_one() {
        let tensor = TensorMetadata {
            name: c"x".into(),
            datatype: DataType::FP32,
            shape_min: vec![1, -1, 2, 10],
            shape_max: vec![1, -1, 5, 10],
        };
        assert_eq!(dims(&tensor), vec![1, -1, -1, 10]);
    }

    #[test]
    fn states_as_ovms_names_them() {
        assert_eq!(
            ovms_state(VersionState::LoadingFailed),
            ("LOADING", "UNKNOWN")
        );
        assert_eq!(ovms_state(VersionState::Retired), ("END", "OK"));
        assert_eq!(escaped("a\"b\\"), "a\\\"b\\\\");
    }
}
