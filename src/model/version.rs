//! One served version of a model: its state, its compiled model, its tensors and its slot pool.

use crate::inference::Dims;
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
    pub static_shape: Option<Dims>,
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

/// How long the version's inferences take lately: moving averages of sync inferences (the
/// inference itself) and of async ones (launch to completion, which adds OpenVINO's hand-off
/// to its stream thread and back). The network front ends run a quick model's requests inline
/// on their own thread (`is_quick`), where those hand-offs would cost more than the inference.
pub struct InferenceTime {
    /// Nanoseconds; `u64::MAX` until the first such inference.
    sync_ns: AtomicU64,
    async_ns: AtomicU64,
    /// Counts the requests that asked while the sync average was over budget, to retry one
    /// in `REPROBE_EVERY` inline (the first inferences of fresh infer requests are slow).
    over_budget: AtomicU64,
}

/// While the sync average is over budget but async inferences fit `INLINE_PROBE_BUDGET`, one
/// request in this many runs inline again, so a few slow first inferences do not decide for
/// good (and a model really over budget costs a network thread one inference in this many).
const REPROBE_EVERY: u64 = 64;

/// A sync inference at most this long (on average) runs inline on a network thread: long
/// enough for tiny models, short enough that the other connections of that thread wait no
/// longer than a hand-off costs.
pub const INLINE_BUDGET: Duration = Duration::from_micros(200);

/// Before any sync inference was measured, async ones at most this long suggest the model may
/// fit `INLINE_BUDGET` (they include two thread wake-ups); the sync times measured then decide.
pub const INLINE_PROBE_BUDGET: Duration = Duration::from_millis(1);

const UNKNOWN: u64 = u64::MAX;

impl Default for InferenceTime {
    fn default() -> InferenceTime {
        InferenceTime {
            sync_ns: AtomicU64::new(UNKNOWN),
            async_ns: AtomicU64::new(UNKNOWN),
            over_budget: AtomicU64::new(0),
        }
    }
}

/// Adds one sample to an average (weight 1/8: a few slow ones move it, one does not) that
/// starts from `first` (`None`: from the first sample). Racing updates may lose a sample,
/// which an average can afford.
fn record(average_ns: &AtomicU64, took: Duration, first: Option<u64>) {
    let sample = u64::try_from(took.as_nanos()).unwrap_or(UNKNOWN - 1);
    let average = match (average_ns.load(Relaxed), first) {
        (UNKNOWN, None) => sample,
        (UNKNOWN, Some(old)) | (old, _) => old - old / 8 + sample / 8,
    };
    average_ns.store(average, Relaxed);
}

impl InferenceTime {
    /// The sync average starts at half the budget: the first inference on a fresh infer
    /// request is slow (allocations), and one such must not send a quick model back.
    /// A sample counts at most twice the budget: a thread preempted in the middle of a quick
    /// inference (a busy machine) must not send the model to the async path for hundreds of
    /// requests, while a run of slow ones still does.
    pub fn record_sync(&self, took: Duration) {
        let half_budget = INLINE_BUDGET.as_nanos() as u64 / 2;
        record(
            &self.sync_ns,
            took.min(2 * INLINE_BUDGET),
            Some(half_budget),
        );
    }

    pub fn record_async(&self, took: Duration) {
        record(&self.async_ns, took, None);
    }

    /// Whether a request should run inline: its sync inferences fit `INLINE_BUDGET`; or, none
    /// measured yet, its async ones fit `INLINE_PROBE_BUDGET`; or they do and it is the
    /// `REPROBE_EVERY`th request since. Nothing known: no.
    pub fn is_quick(&self) -> bool {
        let async_fits = || self.async_ns.load(Relaxed) <= INLINE_PROBE_BUDGET.as_nanos() as u64;
        match self.sync_ns.load(Relaxed) {
            UNKNOWN => async_fits(),
            sync_ns if sync_ns <= INLINE_BUDGET.as_nanos() as u64 => true,
            _ => {
                async_fits()
                    && self
                        .over_budget
                        .fetch_add(1, Relaxed)
                        .is_multiple_of(REPROBE_EVERY)
            }
        }
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
        // Async samples only suggest: a slow one says no, a fast one says try.
        time.record_async(Duration::from_millis(5));
        assert!(!time.is_quick());
        for _ in 0..40 {
            time.record_async(Duration::from_micros(400));
        }
        assert!(time.is_quick(), "400 us async may be a quick inference");
        // Sync samples decide from then on, async ones no longer count; a first slow one
        // (a fresh infer request's) does not send it back.
        time.record_sync(Duration::from_micros(300));
        assert!(time.is_quick());
        for _ in 0..10 {
            time.record_sync(Duration::from_micros(20));
        }
        assert!(time.is_quick());
        time.record_async(Duration::from_millis(50));
        assert!(time.is_quick());
        // One slow inference does not flip it; a run of them does.
        time.record_sync(Duration::from_millis(1));
        assert!(time.is_quick());
        for _ in 0..20 {
            time.record_sync(Duration::from_millis(1));
        }
        // Over budget: one request in REPROBE_EVERY tries inline again, while async ones fit.
        for _ in 0..40 {
            time.record_async(Duration::from_micros(400));
        }
        let tries = (0..REPROBE_EVERY * 3).filter(|_| time.is_quick()).count();
        assert_eq!(tries, 3);
        time.record_async(Duration::from_millis(20));
        time.record_async(Duration::from_millis(20));
        assert!(
            (0..REPROBE_EVERY * 2).all(|_| !time.is_quick()),
            "slow async inferences: no retry"
        );
        for _ in 0..40 {
            time.record_sync(Duration::from_micros(10));
        }
        assert!(time.is_quick());
    }

    #[test]
    fn a_few_preempted_inferences_keep_a_quick_model_inline() {
        let time = InferenceTime::default();
        for _ in 0..40 {
            time.record_sync(Duration::from_micros(10));
        }
        for _ in 0..3 {
            time.record_sync(Duration::from_millis(5));
            assert!(time.is_quick(), "a 5 ms sample counts as 400 us");
        }
        for _ in 0..20 {
            time.record_sync(Duration::from_millis(5));
        }
        assert!(
            !time.is_quick(),
            "a run of slow inferences goes over budget"
        );
    }
}
