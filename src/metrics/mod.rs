//! Prometheus metrics with OVMS's names, help texts, labels and buckets, served as `/metrics`
//! (text format 0.0.4, counters without `_total`).
//!
//! A server start turns metrics on with the families it serves (`start`), and its stop turns
//! them off (`stop`): each start has its own series, so a restart in the same process starts
//! from zero. Every model version gets its series when it loads (`for_version`), held by the
//! version, so a request only touches atomics it already holds; with metrics off a request pays
//! one branch per hook. The gauges that describe a version's pool (`ovms_streams`,
//! `ovms_infer_req_queue_size`, `ovms_infer_req_active`) are read from it at scrape time.
//!
//! Beyond OVMS, C-API inferences are counted too, under `interface="CAPI"` (api `KServe`,
//! method `ModelInfer`).

mod families;
mod series;

pub use families::{FAMILIES, Family, FamilyInfo, Kind, Selection, buckets};
pub use series::{RequestMeter, VersionMetrics};

use crate::pool::Pool;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Registry, TextEncoder};
use series::{NameSeries, VersionSeries};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Which interface a request came through (the `interface` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// The in-process C API (counted by us; OVMS does not count it).
    CApi,
    Grpc,
    Rest,
}

/// The KServe method a request called (the `method` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    ModelInfer,
    ModelMetadata,
    ModelReady,
}

/// The version label of a pipeline's series (OVMS's pipelines have the one version 1).
pub const PIPELINE_VERSION: i64 = 1;

/// The families OVMS keeps for a pipeline (its servable reporter).
const PIPELINE_FAMILIES: [Family; 3] = [
    Family::RequestsSuccess,
    Family::RequestsFail,
    Family::RequestTime,
];

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The metrics of one started server.
pub struct Metrics {
    selection: Selection,
    buckets: Vec<f64>,
    versions: Mutex<BTreeMap<(String, i64), Arc<VersionSeries>>>,
    names: Mutex<BTreeMap<String, Arc<NameSeries>>>,
}

impl Metrics {
    pub fn new(selection: Selection) -> Metrics {
        Metrics {
            selection,
            buckets: buckets(),
            versions: Mutex::new(BTreeMap::new()),
            names: Mutex::new(BTreeMap::new()),
        }
    }

    /// The series of a version that just loaded, on `pool`, with `streams` OpenVINO streams.
    pub fn for_version(
        &self,
        name: &str,
        version: i64,
        pool: &Arc<Pool>,
        streams: i64,
    ) -> VersionMetrics {
        lock(&self.names)
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(NameSeries::new(self.selection, name)));
        let series = Arc::clone(
            lock(&self.versions)
                .entry((name.to_string(), version))
                .or_insert_with(|| {
                    Arc::new(VersionSeries::new(
                        self.selection,
                        &self.buckets,
                        name,
                        version,
                    ))
                }),
        );
        series.add_load(pool, streams);
        VersionMetrics { series }
    }

    /// The series of a pipeline, labelled version 1 as OVMS labels it: only the families OVMS
    /// keeps for a pipeline (requests and request time; no inference, wait or pool series).
    /// Made on the first ask and kept for the server's life.
    pub fn for_pipeline(&self, name: &str) -> VersionMetrics {
        lock(&self.names)
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(NameSeries::new(self.selection, name)));
        let selection = PIPELINE_FAMILIES
            .into_iter()
            .filter(|family| self.selection.has(*family))
            .fold(Selection::none(), Selection::with);
        let series = Arc::clone(
            lock(&self.versions)
                .entry((name.to_string(), PIPELINE_VERSION))
                .or_insert_with(|| {
                    Arc::new(VersionSeries::new(
                        selection,
                        &self.buckets,
                        name,
                        PIPELINE_VERSION,
                    ))
                }),
        );
        VersionMetrics { series }
    }

    /// See the module function `count_request`.
    pub fn count_request(
        &self,
        interface: Interface,
        method: Method,
        name: &str,
        version: Option<i64>,
        ok: bool,
    ) {
        if method == Method::ModelReady {
            if let Some(series) = lock(&self.names).get(name) {
                series.count_ready(interface, ok);
            }
            return;
        }
        let versions = lock(&self.versions);
        let series = match version.filter(|v| *v > 0) {
            Some(version) => versions.get(&(name.to_string(), version)),
            // The default version: the highest one still loaded.
            None => versions
                .range((name.to_string(), i64::MIN)..=(name.to_string(), i64::MAX))
                .rev()
                .map(|(_, series)| series)
                .find(|series| series.is_alive()),
        };
        if let Some(series) = series {
            series.count(interface, method, ok);
        }
    }

    /// The text `/metrics` serves.
    pub fn render(&self) -> String {
        let registry = Registry::new();
        let collector = Snapshot::of(self);
        if let Err(e) = registry.register(Box::new(collector)) {
            log::error!("metrics cannot be gathered: {e}");
            return String::new();
        }
        TextEncoder::new()
            .encode_to_string(&registry.gather())
            .unwrap_or_else(|e| {
                log::error!("metrics cannot be written: {e}");
                String::new()
            })
    }
}

/// Every sample of a server at one moment, handed to a registry, which merges the samples
/// of a family (its series carry different label sets, which the crate's vectors cannot),
/// sorts them and leaves out families without samples.
struct Snapshot {
    descs: Vec<Desc>,
    /// Taken by the one gather.
    families: Mutex<Vec<MetricFamily>>,
}

impl Snapshot {
    fn of(metrics: &Metrics) -> Snapshot {
        let mut families = Vec::new();
        for series in lock(&metrics.names).values() {
            series.collect(&mut families);
        }
        for series in lock(&metrics.versions).values() {
            series.collect(&mut families);
        }
        let descs = FAMILIES
            .iter()
            .filter_map(|f| Desc::new(f.name.into(), f.help.into(), vec![], HashMap::new()).ok())
            .collect();
        Snapshot {
            descs,
            families: Mutex::new(families),
        }
    }
}

impl Collector for Snapshot {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        std::mem::take(&mut *lock(&self.families))
    }
}

/// The metrics of the started server, if it serves them.
static CURRENT: RwLock<Option<Arc<Metrics>>> = RwLock::new(None);

fn current() -> Option<Arc<Metrics>> {
    CURRENT.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Turns metrics on for a starting server with `selection` (`None`: off). Series of an earlier
/// server are gone.
pub fn start(selection: Option<Selection>) {
    let metrics = selection.map(|s| Arc::new(Metrics::new(s)));
    if metrics.is_some() {
        log::info!("metrics enabled");
    }
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = metrics;
}

/// Turns metrics off (the server stopped).
pub fn stop() {
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Whether the started server serves metrics.
pub fn enabled() -> bool {
    CURRENT.read().unwrap_or_else(|e| e.into_inner()).is_some()
}

/// The series of a version that just loaded on `pool`, or `None` when metrics are off.
/// `streams` is asked only when they are on.
pub fn for_version(
    name: &str,
    version: i64,
    pool: &Arc<Pool>,
    streams: impl FnOnce() -> i64,
) -> Option<VersionMetrics> {
    current().map(|metrics| metrics.for_version(name, version, pool, streams()))
}

/// The series of the pipeline `name` (made on the first ask), or `None` when metrics are off.
pub fn for_pipeline(name: &str) -> Option<VersionMetrics> {
    current().map(|metrics| metrics.for_pipeline(name))
}

/// Counts one finished request of `method` on `name` through `interface`, as a success or a
/// failure, on the series of `version` (`None` or 0: the highest version loaded). As OVMS,
/// only loaded models are counted: a request for an unknown name or version counts nothing.
/// ModelReady is counted per name (OVMS labels it without a version). Inferences that reach
/// `frontend::infer` or the C API are counted there; front ends count ModelInfer here only
/// when a request fails before it gets that far (its decoding).
pub fn count_request(
    interface: Interface,
    method: Method,
    name: &str,
    version: Option<i64>,
    ok: bool,
) {
    if let Some(metrics) = current() {
        metrics.count_request(interface, method, name, version, ok);
    }
}

/// The text `/metrics` serves (Prometheus text format 0.0.4), or `None` when metrics are not
/// enabled.
pub fn render() -> Option<String> {
    current().map(|metrics| metrics.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `series` (name and labels exactly as printed), if present.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    fn all() -> Selection {
        FAMILIES
            .iter()
            .fold(Selection::none(), |s, f| s.with(f.family))
    }

    /// A pool without slots: enough for series that only read its counts.
    fn pool() -> Arc<Pool> {
        Pool::new(Vec::new(), 1)
    }

    #[test]
    fn a_loaded_version_has_ovms_series_at_zero() {
        let metrics = Metrics::new(Selection::default_set());
        let pool = pool();
        let _version = metrics.for_version("m", 3, &pool, 2);
        let text = metrics.render();
        for help in [
            "# HELP ovms_requests_success Number of successful requests to a model or a DAG.",
            "# TYPE ovms_requests_success counter",
            "# HELP ovms_request_time_us Processing time of requests to a model or a DAG.",
            "# TYPE ovms_request_time_us histogram",
            "# TYPE ovms_streams gauge",
        ] {
            assert!(
                text.lines().any(|l| l == help),
                "{help:?} missing in\n{text}"
            );
        }
        for interface in ["gRPC", "REST"] {
            for method in ["ModelInfer", "ModelMetadata"] {
                for family in ["ovms_requests_success", "ovms_requests_fail"] {
                    let series = format!(
                        r#"{family}{{api="KServe",interface="{interface}",method="{method}",name="m",version="3"}}"#
                    );
                    assert_eq!(sample(&text, &series), Some(0.0), "{series}\n{text}");
                }
            }
            let ready = format!(
                r#"ovms_requests_success{{api="KServe",interface="{interface}",method="ModelReady",name="m"}}"#
            );
            assert_eq!(sample(&text, &ready), Some(0.0), "{ready}");
        }
        let capi = r#"ovms_requests_fail{api="KServe",interface="CAPI",method="ModelInfer",name="m",version="3"}"#;
        assert_eq!(sample(&text, capi), Some(0.0));
        // The C API has no ModelReady or ModelMetadata series.
        assert!(!text.contains(r#"interface="CAPI",method="ModelReady""#));
        assert!(!text.contains(r#"interface="CAPI",method="ModelMetadata""#));
        // 33 bounds and +Inf on every histogram.
        let bounds: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                l.strip_prefix(r#"ovms_inference_time_us_bucket{name="m",version="3",le=""#)
            })
            .filter_map(|l| l.split('"').next())
            .collect();
        let mut expected: Vec<String> = buckets().iter().map(|b| b.to_string()).collect();
        expected.push("+Inf".into());
        assert_eq!(bounds, expected);
        assert_eq!(
            sample(
                &text,
                r#"ovms_request_time_us_count{interface="CAPI",name="m",version="3"}"#
            ),
            Some(0.0)
        );
        assert_eq!(
            sample(&text, r#"ovms_streams{name="m",version="3"}"#),
            Some(2.0)
        );
        assert_eq!(
            sample(&text, r#"ovms_current_requests{name="m",version="3"}"#),
            Some(0.0)
        );
        // Optional families are off by default; no counter is suffixed `_total`.
        assert!(!text.contains("ovms_infer_req_queue_size"));
        assert!(!text.contains("ovms_infer_req_active"));
        assert!(!text.contains("_total"));
        // The version's pool is gone: its pool gauges read 0, and the series stay.
        drop(pool);
        let text = metrics.render();
        assert_eq!(
            sample(&text, r#"ovms_streams{name="m",version="3"}"#),
            Some(0.0)
        );
    }

    #[test]
    fn metrics_list_keeps_only_the_listed_families() {
        let selection = Selection::none()
            .with(Family::RequestsFail)
            .with(Family::InferReqQueueSize)
            .with(Family::InferReqActive);
        let metrics = Metrics::new(selection);
        let pool = pool();
        let _version = metrics.for_version("m", 1, &pool, 1);
        let text = metrics.render();
        let families: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .collect();
        assert_eq!(
            families,
            [
                "ovms_infer_req_active gauge",
                "ovms_infer_req_queue_size gauge",
                "ovms_requests_fail counter",
            ]
        );
        assert_eq!(
            sample(&text, r#"ovms_infer_req_queue_size{name="m",version="1"}"#),
            Some(0.0)
        );
    }

    #[test]
    fn a_meter_counts_outcomes_times_and_requests_in_flight() {
        let metrics = Metrics::new(Selection::default_set());
        let pool = pool();
        let version = metrics.for_version("m", 1, &pool, 1);
        let current = r#"ovms_current_requests{name="m",version="1"}"#;

        let mut ok = version.meter(Interface::Rest);
        ok.waiting();
        ok.acquired();
        ok.inferring();
        std::thread::sleep(std::time::Duration::from_millis(2));
        ok.inferred();
        let failed = version.meter(Interface::Rest);
        assert_eq!(sample(&metrics.render(), current), Some(2.0));
        ok.finish(true);
        // Dropped unfinished: a failure.
        drop(failed);
        version.meter(Interface::CApi).finish(false);

        let text = metrics.render();
        assert_eq!(sample(&text, current), Some(0.0));
        let count = |family: &str, interface: &str| {
            let series = format!(
                r#"{family}{{api="KServe",interface="{interface}",method="ModelInfer",name="m",version="1"}}"#
            );
            sample(&text, &series).unwrap()
        };
        assert_eq!(count("ovms_requests_success", "REST"), 1.0);
        assert_eq!(count("ovms_requests_fail", "REST"), 1.0);
        assert_eq!(count("ovms_requests_fail", "CAPI"), 1.0);
        assert_eq!(count("ovms_requests_success", "gRPC"), 0.0);
        // Times of successful requests only; the wait of every request that waited.
        let rest_time = r#"ovms_request_time_us_count{interface="REST",name="m",version="1"}"#;
        assert_eq!(sample(&text, rest_time), Some(1.0));
        let capi_time = r#"ovms_request_time_us_count{interface="CAPI",name="m",version="1"}"#;
        assert_eq!(sample(&text, capi_time), Some(0.0));
        let inference = r#"ovms_inference_time_us_sum{name="m",version="1"}"#;
        assert!(sample(&text, inference).unwrap() >= 2000.0, "{text}");
        let waits = r#"ovms_wait_for_infer_req_time_us_count{name="m",version="1"}"#;
        assert_eq!(sample(&text, waits), Some(1.0));
    }

    #[test]
    fn count_request_finds_loaded_versions_only() {
        let metrics = Metrics::new(Selection::default_set());
        let (pool1, pool2) = (pool(), pool());
        let _v1 = metrics.for_version("m", 1, &pool1, 1);
        let _v2 = metrics.for_version("m", 2, &pool2, 1);
        metrics.count_request(Interface::Grpc, Method::ModelMetadata, "m", Some(1), true);
        // The default version is the highest one loaded: 2, then 1 once 2 is gone.
        metrics.count_request(Interface::Grpc, Method::ModelMetadata, "m", None, true);
        drop(pool2);
        metrics.count_request(Interface::Grpc, Method::ModelMetadata, "m", Some(0), false);
        metrics.count_request(Interface::Rest, Method::ModelReady, "m", Some(2), true);
        metrics.count_request(Interface::Rest, Method::ModelInfer, "m", Some(1), false);
        // Unknown names and versions make no series.
        metrics.count_request(Interface::Rest, Method::ModelReady, "other", None, true);
        metrics.count_request(Interface::Rest, Method::ModelInfer, "m", Some(7), true);
        let text = metrics.render();
        let metadata = |family: &str, version: i64| {
            let series = format!(
                r#"{family}{{api="KServe",interface="gRPC",method="ModelMetadata",name="m",version="{version}"}}"#
            );
            sample(&text, &series).unwrap()
        };
        assert_eq!(metadata("ovms_requests_success", 1), 1.0);
        assert_eq!(metadata("ovms_requests_success", 2), 1.0);
        assert_eq!(metadata("ovms_requests_fail", 1), 1.0);
        assert_eq!(metadata("ovms_requests_fail", 2), 0.0);
        let ready =
            r#"ovms_requests_success{api="KServe",interface="REST",method="ModelReady",name="m"}"#;
        assert_eq!(sample(&text, ready), Some(1.0));
        let infer = r#"ovms_requests_fail{api="KServe",interface="REST",method="ModelInfer",name="m",version="1"}"#;
        assert_eq!(sample(&text, infer), Some(1.0));
        assert!(!text.contains(r#"name="other""#));
        assert!(!text.contains(r#"version="7""#));
    }

    #[test]
    fn a_stopped_server_serves_no_metrics_and_a_new_one_starts_from_zero() {
        let pool = pool();
        start(Some(all()));
        let version = for_version("g", 1, &pool, || 1).expect("metrics are on");
        version.meter(Interface::CApi).finish(true);
        let counted = r#"ovms_requests_success{api="KServe",interface="CAPI",method="ModelInfer",name="g",version="1"}"#;
        assert_eq!(sample(&render().unwrap(), counted), Some(1.0));
        stop();
        assert_eq!(render(), None);
        assert!(for_version("g", 1, &pool, || panic!("not asked when off")).is_none());
        // A request that outlives its server counts nowhere visible.
        version.meter(Interface::CApi).finish(true);
        start(Some(all()));
        let _again = for_version("g", 1, &pool, || 1);
        assert_eq!(sample(&render().unwrap(), counted), Some(0.0));
        stop();
    }
}
