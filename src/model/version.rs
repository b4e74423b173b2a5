//! One served version of a model: its state, its compiled model, its tensors and its slot pool.

use crate::metrics::{self, VersionMetrics};
use crate::ov::{CompiledModel, PortInfo};
use crate::pool::Pool;
use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

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
    pub inference_time: InferenceTime,
    // Declared after the pool so the infer requests are freed before their compiled model.
    pub compiled: CompiledModel,
}

/// How long the version's inferences take lately: a moving average over both paths (sync: the
/// inference itself; async: launch to completion, which adds OpenVINO's hand-offs). The network
/// front ends run a quick model's requests inline on their own thread (`is_quick`), where a
/// hand-off to OpenVINO's thread and back would cost more than the inference.
pub struct InferenceTime {
    /// Nanoseconds; `u64::MAX` until the first inference.
    average_ns: AtomicU64,
}

/// An inference at most this long runs inline on a network thread: long enough for tiny models,
/// short enough that the other connections of that thread wait no longer than a hand-off costs.
pub const INLINE_BUDGET: Duration = Duration::from_micros(200);

impl Default for InferenceTime {
    fn default() -> InferenceTime {
        InferenceTime {
            average_ns: AtomicU64::new(u64::MAX),
        }
    }
}

impl InferenceTime {
    /// Adds one inference's duration (weight 1/8: a few slow ones move it, one does not).
    /// Racing updates may lose a sample, which an average can afford.
    pub fn record(&self, took: Duration) {
        let sample = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX - 1);
        let average = match self.average_ns.load(Relaxed) {
            u64::MAX => sample,
            old => old - old / 8 + sample / 8,
        };
        self.average_ns.store(average, Relaxed);
    }

    /// Whether the version's inferences lately fit in `INLINE_BUDGET` (unknown: no).
    pub fn is_quick(&self) -> bool {
        self.average_ns.load(Relaxed) <= INLINE_BUDGET.as_nanos() as u64
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inference_time_is_unknown_then_follows_the_samples() {
        let time = InferenceTime::default();
        assert!(!time.is_quick(), "unknown is not quick");
        time.record(Duration::from_micros(20));
        assert!(time.is_quick());
        // One slow inference does not flip it; a run of them does.
        time.record(Duration::from_millis(1));
        assert!(time.is_quick());
        for _ in 0..20 {
            time.record(Duration::from_millis(1));
        }
        assert!(!time.is_quick());
        for _ in 0..40 {
            time.record(Duration::from_micros(10));
        }
        assert!(time.is_quick());
    }
}
