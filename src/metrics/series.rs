//! The series of one model version and of one model name, made when a version loads, so that
//! a request only touches atomics it already holds (no label lookup, no lock).

use super::families::{Family, Selection};
use super::{Interface, Method};
use crate::pool::Pool;
use prometheus::core::Collector;
use prometheus::proto::MetricFamily;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Opts};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

/// The `api` label of every KServe series; C-API inferences are counted under it too (OVMS's C
/// API follows KServe's inference semantics).
const API: &str = "KServe";

/// Interfaces in label order of the arrays below.
const INTERFACES: [Interface; 3] = [Interface::CApi, Interface::Grpc, Interface::Rest];

impl Interface {
    /// The `interface` label: OVMS's `gRPC` and `REST`, and `CAPI` for the C API (which OVMS
    /// does not count).
    pub fn label(self) -> &'static str {
        match self {
            Interface::CApi => "CAPI",
            Interface::Grpc => "gRPC",
            Interface::Rest => "REST",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl Method {
    pub fn label(self) -> &'static str {
        match self {
            Method::ModelInfer => "ModelInfer",
            Method::ModelMetadata => "ModelMetadata",
            Method::ModelReady => "ModelReady",
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn counter(
    selection: Selection,
    family: Family,
    labels: HashMap<String, String>,
) -> Option<IntCounter> {
    let info = family.info();
    selection.has(family).then(|| {
        IntCounter::with_opts(Opts::new(info.name, info.help).const_labels(labels))
            .expect("a valid counter name and labels")
    })
}

fn histogram(
    selection: Selection,
    family: Family,
    labels: HashMap<String, String>,
    buckets: &[f64],
) -> Option<Histogram> {
    let info = family.info();
    selection.has(family).then(|| {
        let opts = HistogramOpts::new(info.name, info.help)
            .const_labels(labels)
            .buckets(buckets.to_vec());
        Histogram::with_opts(opts).expect("a valid histogram name, labels and buckets")
    })
}

/// A gauge read at scrape time, with its labels.
pub(super) fn gauge_family(
    family: Family,
    labels: HashMap<String, String>,
    value: i64,
) -> Vec<MetricFamily> {
    let info = family.info();
    let gauge = IntGauge::with_opts(Opts::new(info.name, info.help).const_labels(labels))
        .expect("a valid gauge name and labels");
    gauge.set(value);
    gauge.collect()
}

/// Success and failure counters of one method through one interface.
#[derive(Default)]
struct Outcomes {
    success: Option<IntCounter>,
    fail: Option<IntCounter>,
}

impl Outcomes {
    /// `version` is `None` for the methods OVMS labels without one (ModelReady).
    fn new(
        selection: Selection,
        interface: Interface,
        method: Method,
        name: &str,
        version: Option<&str>,
    ) -> Outcomes {
        let mut pairs = vec![
            ("api", API),
            ("interface", interface.label()),
            ("method", method.label()),
            ("name", name),
        ];
        if let Some(version) = version {
            pairs.push(("version", version));
        }
        Outcomes {
            success: counter(selection, Family::RequestsSuccess, labels(&pairs)),
            fail: counter(selection, Family::RequestsFail, labels(&pairs)),
        }
    }

    fn count(&self, ok: bool) {
        let counter = if ok { &self.success } else { &self.fail };
        if let Some(counter) = counter {
            counter.inc();
        }
    }

    fn collect(&self, into: &mut Vec<MetricFamily>) {
        for counter in [&self.success, &self.fail].into_iter().flatten() {
            into.extend(counter.collect());
        }
    }
}

/// The series of a model name: ModelReady, which OVMS labels without a version.
pub(super) struct NameSeries {
    /// Per interface, in `INTERFACES` order; none for the C API, which has no such method.
    ready: [Outcomes; 3],
}

impl NameSeries {
    pub(super) fn new(selection: Selection, name: &str) -> NameSeries {
        let ready = INTERFACES.map(|interface| match interface {
            Interface::CApi => Outcomes::default(),
            _ => Outcomes::new(selection, interface, Method::ModelReady, name, None),
        });
        NameSeries { ready }
    }

    pub(super) fn count_ready(&self, interface: Interface, ok: bool) {
        self.ready[interface.index()].count(ok);
    }

    pub(super) fn collect(&self, into: &mut Vec<MetricFamily>) {
        for outcomes in &self.ready {
            outcomes.collect(into);
        }
    }
}

/// One load of a version: what its scrape-time gauges read.
struct Load {
    pool: Weak<Pool>,
    streams: i64,
}

/// The series of one (model name, version): shared by every load of that version in one
/// server's life (a reload of the same version keeps counting on the same series, as in OVMS).
pub(super) struct VersionSeries {
    selection: Selection,
    name: String,
    version: i64,
    /// Per interface, in `INTERFACES` order.
    infer: [Outcomes; 3],
    metadata: [Outcomes; 3],
    request_time: [Option<Histogram>; 3],
    inference_time: Option<Histogram>,
    wait_time: Option<Histogram>,
    current_requests: Option<IntGauge>,
    /// The loads of this version, newest last; those whose pool is gone are dropped at scrape.
    loads: Mutex<Vec<Load>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl VersionSeries {
    pub(super) fn new(
        selection: Selection,
        buckets: &[f64],
        name: &str,
        version: i64,
    ) -> VersionSeries {
        let v = version.to_string();
        let version_labels = || labels(&[("name", name), ("version", &v)]);
        VersionSeries {
            selection,
            name: name.to_string(),
            version,
            infer: INTERFACES.map(|interface| {
                Outcomes::new(selection, interface, Method::ModelInfer, name, Some(&v))
            }),
            metadata: INTERFACES.map(|interface| match interface {
                Interface::CApi => Outcomes::default(),
                _ => Outcomes::new(selection, interface, Method::ModelMetadata, name, Some(&v)),
            }),
            request_time: INTERFACES.map(|interface| {
                let labels = labels(&[
                    ("interface", interface.label()),
                    ("name", name),
                    ("version", &v),
                ]);
                histogram(selection, Family::RequestTime, labels, buckets)
            }),
            inference_time: histogram(selection, Family::InferenceTime, version_labels(), buckets),
            wait_time: histogram(
                selection,
                Family::WaitForInferReqTime,
                version_labels(),
                buckets,
            ),
            current_requests: selection.has(Family::CurrentRequests).then(|| {
                let info = Family::CurrentRequests.info();
                IntGauge::with_opts(Opts::new(info.name, info.help).const_labels(version_labels()))
                    .expect("a valid gauge name and labels")
            }),
            loads: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn add_load(&self, pool: &Arc<Pool>, streams: i64) {
        lock(&self.loads).push(Load {
            pool: Arc::downgrade(pool),
            streams,
        });
    }

    /// Whether a load of this version is still alive (serving, or finishing its requests).
    pub(super) fn is_alive(&self) -> bool {
        lock(&self.loads).iter().any(|l| l.pool.strong_count() > 0)
    }

    pub(super) fn count(&self, interface: Interface, method: Method, ok: bool) {
        match method {
            Method::ModelInfer => self.infer[interface.index()].count(ok),
            Method::ModelMetadata => self.metadata[interface.index()].count(ok),
            // Counted on the name's series (no version label).
            Method::ModelReady => {}
        }
    }

    pub(super) fn collect(&self, into: &mut Vec<MetricFamily>) {
        for outcomes in self.infer.iter().chain(&self.metadata) {
            outcomes.collect(into);
        }
        let histograms = self
            .request_time
            .iter()
            .chain([&self.inference_time, &self.wait_time]);
        for histogram in histograms.flatten() {
            into.extend(histogram.collect());
        }
        if let Some(gauge) = &self.current_requests {
            into.extend(gauge.collect());
        }
        self.collect_pool_gauges(into);
    }

    /// `ovms_streams` and `ovms_infer_req_queue_size` of the newest live load (0 once none is
    /// alive, as OVMS zeroes them at unload), and `ovms_infer_req_active`: the slots in use
    /// across the live loads (a replaced load may still finish requests).
    fn collect_pool_gauges(&self, into: &mut Vec<MetricFamily>) {
        let wanted = [
            Family::Streams,
            Family::InferReqQueueSize,
            Family::InferReqActive,
        ];
        if !wanted.iter().any(|f| self.selection.has(*f)) {
            return;
        }
        let (mut streams, mut queue_size, mut active) = (0, 0, 0);
        {
            let mut loads = lock(&self.loads);
            // The series stays (at 0) once every load is gone, as in OVMS.
            loads.retain(|l| l.pool.strong_count() > 0);
            for load in loads.iter() {
                if let Some(pool) = load.pool.upgrade() {
                    let stats = pool.stats();
                    streams = load.streams;
                    queue_size = stats.slots as i64;
                    active += stats.slots.saturating_sub(stats.idle) as i64;
                }
            }
        }
        let v = self.version.to_string();
        let version_labels = || labels(&[("name", &self.name), ("version", &v)]);
        for (family, value) in [
            (Family::Streams, streams),
            (Family::InferReqQueueSize, queue_size),
            (Family::InferReqActive, active),
        ] {
            if self.selection.has(family) {
                into.extend(gauge_family(family, version_labels(), value));
            }
        }
    }
}

/// A loaded version's metrics, held by its `ModelVersion`.
pub struct VersionMetrics {
    pub(super) series: Arc<VersionSeries>,
}

impl VersionMetrics {
    /// Starts measuring a request that reached this version through `interface`.
    pub fn meter(&self, interface: Interface) -> RequestMeter {
        let series = &self.series;
        if let Some(gauge) = &series.current_requests {
            gauge.inc();
        }
        RequestMeter {
            arrived: series.request_time[interface.index()]
                .is_some()
                .then(Instant::now),
            series: Arc::clone(series),
            interface,
            stage_started: None,
            inference_us: None,
            counted: false,
        }
    }

    /// Counts one finished request of `method` through `interface` without timing it.
    pub fn count(&self, interface: Interface, method: Method, ok: bool) {
        self.series.count(interface, method, ok);
    }
}

/// Microseconds since `since`, as OVMS observes them (whole microseconds).
fn micros_since(since: Instant) -> f64 {
    since.elapsed().as_micros() as f64
}

/// One request's measurements, from its arrival at a version to its answer. It is counted in
/// `ovms_current_requests` while it lives. `finish` counts the outcome; dropped unfinished it
/// counts a failure (every early return of a failed request).
pub struct RequestMeter {
    series: Arc<VersionSeries>,
    interface: Interface,
    /// When the request arrived, if its request time is measured.
    arrived: Option<Instant>,
    /// When the stage being timed (the wait for a slot, or the inference) began.
    stage_started: Option<Instant>,
    /// How long OpenVINO ran it, observed once the request succeeded.
    inference_us: Option<f64>,
    counted: bool,
}

impl RequestMeter {
    /// The request starts waiting for an infer request (a slot).
    pub fn waiting(&mut self) {
        if self.series.wait_time.is_some() {
            self.stage_started = Some(Instant::now());
        }
    }

    /// The request got its slot: its wait is observed (whatever the outcome, as OVMS).
    pub fn acquired(&mut self) {
        if let (Some(histogram), Some(started)) =
            (&self.series.wait_time, self.stage_started.take())
        {
            histogram.observe(micros_since(started));
        }
    }

    /// OpenVINO starts running the request.
    pub fn inferring(&mut self) {
        if self.series.inference_time.is_some() {
            self.stage_started = Some(Instant::now());
        }
    }

    /// OpenVINO is done with the request (its outcome may not be known yet).
    pub fn inferred(&mut self) {
        if let Some(started) = self.stage_started.take() {
            self.inference_us = Some(micros_since(started));
        }
    }

    /// Counts the request's outcome; a success also observes its inference and request times
    /// (OVMS observes them only for successful requests).
    pub fn finish(mut self, ok: bool) {
        self.counted = true;
        let series = &self.series;
        series.count(self.interface, Method::ModelInfer, ok);
        if !ok {
            return;
        }
        if let (Some(histogram), Some(us)) = (&series.inference_time, self.inference_us) {
            histogram.observe(us);
        }
        if let (Some(histogram), Some(arrived)) =
            (&series.request_time[self.interface.index()], self.arrived)
        {
            histogram.observe(micros_since(arrived));
        }
    }
}

impl RequestMeter {
    /// Drops the meter without counting the request (OVMS counts none for a pipeline that is
    /// not loaded).
    pub fn discard(mut self) {
        self.counted = true;
    }
}

impl Drop for RequestMeter {
    fn drop(&mut self) {
        if !self.counted {
            self.series.count(self.interface, Method::ModelInfer, false);
        }
        if let Some(gauge) = &self.series.current_requests {
            gauge.dec();
        }
    }
}
