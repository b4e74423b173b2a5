//! Loading a model from its repository folder: versions, policy, reshape, compile, slots.

use super::{Loaded, ServedTensor};
use crate::config::{BatchSize, ModelConfig, ShapeSpec, ShapeValue, VersionPolicy};
use crate::ov::{Core, Dim, PortInfo};
use crate::pool::{OwnTensor, Pool, Slot, SlotParts};
use crate::status::StatusCode;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Async jobs a version queues per infer request when `queue_size` is not configured.
const DEFAULT_QUEUE_PER_SLOT: usize = 16;

/// File endings a model file can have, in the order OVMS prefers them.
const MODEL_FILE_ENDINGS: &[&str] = &["xml", "onnx"];

fn is_model_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MODEL_FILE_ENDINGS.contains(&e))
}

/// Version number -> folder (or file). A base path that is itself a model file is version 1.
pub fn discover_versions(base_path: &Path) -> Result<BTreeMap<i64, PathBuf>, String> {
    if base_path.is_file() {
        return if is_model_file(base_path) {
            Ok(BTreeMap::from([(1, base_path.to_path_buf())]))
        } else {
            Err(format!(
                "base_path {} is a file but not a model (.xml or .onnx)",
                base_path.display()
            ))
        };
    }
    let entries = std::fs::read_dir(base_path)
        .map_err(|e| format!("base_path {}: {e}", base_path.display()))?;
    let mut versions = BTreeMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        match name.parse::<i64>() {
            Ok(v) if v > 0 && entry.path().is_dir() => {
                versions.insert(v, entry.path());
            }
            _ => log::warn!(
                "{} is not a version folder; ignored",
                entry.path().display()
            ),
        }
    }
    Ok(versions)
}

pub fn select_versions(
    found: BTreeMap<i64, PathBuf>,
    policy: &VersionPolicy,
    name: &str,
) -> BTreeMap<i64, PathBuf> {
    match policy {
        VersionPolicy::All => found,
        VersionPolicy::Latest(n) => found.into_iter().rev().take(*n).collect(),
        VersionPolicy::Specific(wanted) => {
            for v in wanted.iter().filter(|v| !found.contains_key(v)) {
                log::warn!("model {name:?}: version {v} named by the policy does not exist");
            }
            found
                .into_iter()
                .filter(|(v, _)| wanted.contains(v))
                .collect()
        }
    }
}

/// The model file of a version folder: the first IR, else the first ONNX file.
fn model_file(path: &Path) -> Result<PathBuf, String> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    MODEL_FILE_ENDINGS
        .iter()
        .find_map(|ending| {
            files
                .iter()
                .find(|f| f.extension().is_some_and(|e| e == *ending))
                .cloned()
        })
        .ok_or_else(|| format!("no model file (.xml or .onnx) in {}", path.display()))
}

/// The new shapes the config asks for, by input name.
fn configured_shapes(
    config: &ModelConfig,
    inputs: &[PortInfo],
) -> Result<Vec<(String, Vec<Dim>)>, String> {
    let resolve = |value: &ShapeValue, input: &PortInfo| match value {
        ShapeValue::Auto => vec![Dim::any(); input.dims.len()],
        ShapeValue::Dims(dims) => dims.clone(),
    };
    if let Some(spec) = &config.shape {
        return match spec {
            ShapeSpec::Anonymous(value) => match inputs {
                [only] => Ok(vec![(only.name.clone(), resolve(value, only))]),
                _ => Err(format!(
                    "a shape without an input name needs a single-input model, this one has {}",
                    inputs.len()
                )),
            },
            ShapeSpec::PerInput(shapes) => shapes
                .iter()
                .map(|(name, value)| {
                    let input = inputs.iter().find(|i| &i.name == name).ok_or_else(|| {
                        format!(
                            "shape is configured for input {name:?}, which the model does not have"
                        )
                    })?;
                    Ok((name.clone(), resolve(value, input)))
                })
                .collect(),
        };
    }
    let Some(batch) = &config.batch_size else {
        return Ok(Vec::new());
    };
    Ok(inputs
        .iter()
        .filter(|input| !input.dims.is_empty())
        .map(|input| {
            let mut dims = input.dims.clone();
            dims[0] = match batch {
                BatchSize::Fixed(n) => Dim::fixed(*n),
                BatchSize::Auto => Dim::any(),
            };
            (input.name.clone(), dims)
        })
        .collect())
}

fn served(ports: Vec<PortInfo>) -> Vec<ServedTensor> {
    let mut tensors: Vec<ServedTensor> = ports
        .into_iter()
        .enumerate()
        .map(|(index, info)| ServedTensor::new(index, info))
        .collect();
    tensors.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    tensors
}

pub fn load_version(
    core: &Core,
    config: &ModelConfig,
    path: &Path,
    cache_dir: &str,
) -> Result<Loaded, String> {
    let file = model_file(path)?;
    let model = core.read_model(&file).map_err(|e| e.to_string())?;
    let shapes = configured_shapes(config, &model.inputs().map_err(|e| e.to_string())?)?;
    if !shapes.is_empty() {
        model.reshape(&shapes).map_err(|e| e.to_string())?;
    }
    let mut properties = config.plugin_config.clone();
    if !cache_dir.is_empty() && config.allow_cache != Some(false) {
        properties.push(("CACHE_DIR".into(), cache_dir.into()));
    }
    let compiled = core
        .compile(&model, &config.target_device, &properties)
        .map_err(|e| e.to_string())?;
    let nireq = match config.nireq {
        0 => compiled
            .property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1),
        n => n as usize,
    }
    .max(1);
    let input_ports = compiled.inputs().map_err(|e| e.to_string())?;
    if input_ports.is_empty() {
        // As OVMS: a model without inputs is not served (every request would fail).
        return Err(StatusCode::OV_NO_INPUTS.message().to_string());
    }
    let output_ports = compiled.outputs().map_err(|e| e.to_string())?;
    let mut slots = Vec::with_capacity(nireq);
    for _ in 0..nireq {
        let request = compiled.create_infer_request().map_err(|e| e.to_string())?;
        let inputs = input_ports
            .iter()
            .enumerate()
            .map(|(i, port)| {
                if !port.is_static() {
                    return Ok(None);
                }
                OwnTensor::of_static(request.input_tensor(i)?).map(Some)
            })
            .collect::<Result<Vec<_>, crate::ov::OvError>>()
            .map_err(|e| e.to_string())?;
        let outputs = output_ports
            .iter()
            .enumerate()
            .map(|(i, port)| {
                let tensor = request.output_tensor(i)?;
                if port.is_static() {
                    OwnTensor::of_static(tensor)
                } else {
                    Ok(OwnTensor::of_dynamic(tensor))
                }
            })
            .collect::<Result<Vec<_>, _>>();
        let outputs = outputs
            .inspect_err(|e| {
                log::warn!(
                    "model {:?}: output tensors cannot be restored after use: {e}",
                    config.name
                )
            })
            .ok();
        let parts = SlotParts {
            request,
            inputs,
            outputs,
            sync_runs: 0,
        };
        slots.push(Slot::new(parts).map_err(|e| e.to_string())?);
    }
    let max_queued = config.queue_size.unwrap_or(DEFAULT_QUEUE_PER_SLOT * nireq);
    Ok(Loaded {
        inputs: served(input_ports),
        outputs: served(output_ports),
        model_file: file,
        pool: Pool::new(slots, max_queued),
        inference_time: Default::default(),
        compiled,
    })
}
