//! One served version of a model: its state, its compiled model, its tensors and its slot pool.

use crate::metrics::{self, VersionMetrics};
use crate::ov::{CompiledModel, PortInfo};
use crate::pool::Pool;
use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::sync::Arc;

/// `OVMS_ServableState`, with OVMS's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]

pub enum VersionState {
    Begin = 0,
    Loading = 1,
    Available = 2,
    Unloading = 3,
    Retired = 4,
    LoadingFailed = 5,
}

/// A tensor of the model as served: its port index in the compiled model and its description.
#[derive(Debug, Clone)]
pub struct ServedTensor {
    pub index: usize,
    pub info: PortInfo,
    /// The name as responses hand it out; shared, so a response does not allocate it.
    pub c_name: Arc<CStr>,
    /// The shape, when every dimension is static.
    pub static_shape: Option<Vec<i64>>,
}

impl ServedTensor {
    pub fn new(index: usize, info: PortInfo) -> ServedTensor {
        ServedTensor {
            index,
            // OpenVINO hands names out as C strings, so they hold no NUL byte.
            c_name: CString::new(info.name.as_str()).unwrap_or_default().into(),
            static_shape: info
                .is_static()
                .then(|| info.dims.iter().map(|d| d.min).collect()),
            info,
        }
    }
}

/// What a successfully loaded version holds. OpenVINO objects are freed when the last
/// `Arc<ModelVersion>` (held by in-flight requests) is dropped.
pub struct Loaded {
    /// Sorted by name, as OVMS lists tensors.
    pub inputs: Vec<ServedTensor>,
    pub outputs: Vec<ServedTensor>,
    /// The model file the version was read from (its rt_info is read again from it on demand).
    pub model_file: PathBuf,
    pub pool: Arc<Pool>,
    // Declared after the pool so the infer requests are freed before their compiled model.
    pub compiled: CompiledModel,
}

/// A loaded version of a model. Immutable: a reload makes a new one and swaps it in.
pub struct ModelVersion {
    pub model_name: String,
    pub version: i64,
    pub loaded: Loaded,
    /// Its metric series, made at load; `None` when the server serves no metrics.
    pub metrics: Option<VersionMetrics>,
}

impl ModelVersion {
    /// A version that just loaded, with its metric series if the server serves metrics.
    pub fn new(model_name: String, version: i64, loaded: Loaded) -> ModelVersion {
        let metrics = metrics::for_version(&model_name, version, &loaded.pool, || streams(&loaded));
        ModelVersion {
            model_name,
            version,
            loaded,
            metrics,
        }
    }
}

/// OpenVINO's execution streams of the compiled model; as OVMS, the optimal number of infer
/// requests when the device does not say, and the slots as a last resort.
fn streams(loaded: &Loaded) -> i64 {
    ["NUM_STREAMS", "OPTIMAL_NUMBER_OF_INFER_REQUESTS"]
        .iter()
        .find_map(|key| loaded.compiled.property(key).ok()?.trim().parse().ok())
        .unwrap_or(loaded.pool.stats().slots as i64)
}
