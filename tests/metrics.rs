//! `/metrics` of a real server: OpenVINO inference on the repository's models through the
//! core's sync and async paths (as the C API calls them), the text read with
//! `metrics::render()` (what the REST route serves), restarts in one process, and the start
//! errors of a bad metrics setting. One test function: the server is a process singleton.

mod common;

use common::start;
use ovms_shared::datatype::DataType;
use ovms_shared::inference::{self, Buffer, Request, Side};
use ovms_shared::metrics::{self, Interface, Method};
use ovms_shared::server::SERVER;
use ovms_shared::status::StatusCode;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// The value of the sample `series` (name and labels exactly as printed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn infer_series(family: &str, name: &str) -> String {
    format!(
        r#"{family}{{api="KServe",interface="CAPI",method="ModelInfer",name="{name}",version="1"}}"#
    )
}

fn free_port() -> u32 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    u32::from(listener.local_addr().unwrap().port())
}

fn write_config(dir: &Path, monitoring: &str) -> PathBuf {
    let model = |name: &str, extra: &str| {
        format!(r#"{{"config": {{"name": "{name}", "base_path": "{REPO}/models/{name}"{extra}}}}}"#)
    };
    let text = format!(
        r#"{{"model_config_list": [{}, {}]{monitoring}}}"#,
        model("dummy", r#", "nireq": 2"#),
        model("fail_odd", "")
    );
    let path = dir.join("config.json");
    std::fs::write(&path, text).unwrap();
    path
}

/// A request for `name`'s one input `input` holding `data` with `shape`; `data` must outlive it.
fn request(name: &str, input: &str, data: &[f32], shape: &[i64]) -> Request {
    let mut request = Request::new(name.as_bytes(), 0);
    request
        .add_tensor(Side::Input, input.as_bytes(), DataType::FP32 as u32, shape)
        .unwrap();
    let buffer = Buffer {
        data: data.as_ptr().cast(),
        byte_size: std::mem::size_of_val(data),
        buffer_type: 0,
        device_id: 0,
    };
    request
        .set_data(Side::Input, input.as_bytes(), buffer)
        .unwrap();
    request
}

fn infer_sync(name: &str, input: &str, data: &[f32], shape: &[i64]) -> bool {
    let manager = SERVER.manager().unwrap();
    inference::infer(
        &manager,
        &request(name, input, data, shape),
        Interface::CApi,
    )
    .is_ok()
}

fn infer_async(name: &str, input: &str, data: &[f32], shape: &[i64]) -> bool {
    let manager = SERVER.manager().unwrap();
    let (done, outcome) = mpsc::channel();
    let accepted = inference::infer_async(
        &manager,
        &request(name, input, data, shape),
        Interface::CApi,
        Box::new(move |result| done.send(result.is_ok()).unwrap()),
    );
    // `data` stays borrowed until the callback ran.
    accepted.is_ok() && outcome.recv_timeout(Duration::from_secs(10)).unwrap()
}

#[test]
fn metrics_of_a_real_server() {
    let dir = std::env::temp_dir().join(format!("ovms-metrics-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let every_model_metric = r#", "monitoring": {"metrics": {"enable": true, "metrics_list": [
        "ovms_requests_success", "ovms_requests_fail", "ovms_request_time_us", "ovms_streams",
        "ovms_inference_time_us", "ovms_wait_for_infer_req_time_us", "ovms_current_requests",
        "ovms_infer_req_queue_size", "ovms_infer_req_active"]}}"#;
    let config = write_config(&dir, every_model_metric);
    start(&config, free_port()).expect("the server starts");

    let ones = [1.0f32; 10];
    let odd = [1.0f32; 3];
    let even = [1.0f32; 4];
    // dummy: 5 sync and 4 async successes, 2 refused by validation (a wrong shape).
    for _ in 0..5 {
        assert!(infer_sync("dummy", "b", &ones, &[1, 10]));
    }
    for _ in 0..4 {
        assert!(infer_async("dummy", "b", &ones, &[1, 10]));
    }
    assert!(!infer_sync("dummy", "b", &ones[..5], &[1, 5]));
    assert!(!infer_async("dummy", "b", &ones[..5], &[1, 5]));
    // fail_odd: OpenVINO fails an odd length, 3 times sync and once async; one success.
    for _ in 0..3 {
        assert!(!infer_sync("fail_odd", "x", &odd, &[3]));
    }
    assert!(!infer_async("fail_odd", "x", &odd, &[3]));
    assert!(infer_sync("fail_odd", "x", &even, &[4]));
    // A name that is not served counts nothing.
    assert!(!infer_sync("nope", "b", &ones, &[1, 10]));
    // What the front ends count themselves.
    metrics::count_request(Interface::Grpc, Method::ModelMetadata, "dummy", None, true);
    metrics::count_request(Interface::Rest, Method::ModelReady, "dummy", None, false);

    let text = metrics::render().expect("metrics are on");
    let value = |series: &str| {
        sample(&text, series).unwrap_or_else(|| panic!("{series} missing in\n{text}"))
    };
    assert_eq!(value(&infer_series("ovms_requests_success", "dummy")), 9.0);
    assert_eq!(value(&infer_series("ovms_requests_fail", "dummy")), 2.0);
    assert_eq!(
        value(&infer_series("ovms_requests_success", "fail_odd")),
        1.0
    );
    assert_eq!(value(&infer_series("ovms_requests_fail", "fail_odd")), 4.0);
    assert!(!text.contains(r#"name="nope""#));
    // Times: request and inference time of successes, the wait of every request that got a
    // slot (the 4 fail_odd failures did; the refused ones did not).
    let dummy = r#"name="dummy",version="1""#;
    let fail_odd = r#"name="fail_odd",version="1""#;
    let capi_time = |labels| format!(r#"ovms_request_time_us_count{{interface="CAPI",{labels}}}"#);
    assert_eq!(value(&capi_time(dummy)), 9.0);
    assert_eq!(value(&capi_time(fail_odd)), 1.0);
    assert_eq!(
        value(&format!("ovms_inference_time_us_count{{{dummy}}}")),
        9.0
    );
    assert_eq!(
        value(&format!("ovms_inference_time_us_count{{{fail_odd}}}")),
        1.0
    );
    assert_eq!(
        value(&format!("ovms_wait_for_infer_req_time_us_count{{{dummy}}}")),
        9.0
    );
    assert_eq!(
        value(&format!(
            "ovms_wait_for_infer_req_time_us_count{{{fail_odd}}}"
        )),
        5.0
    );
    // Every histogram has OVMS's 33 bounds and +Inf, cumulative up to the count.
    let bucket_prefix = format!("ovms_inference_time_us_bucket{{{dummy},le=\"");
    let buckets: Vec<(String, f64)> = text
        .lines()
        .filter_map(|l| l.strip_prefix(bucket_prefix.as_str()))
        .map(|l| {
            let (bound, count) = l.split_once("\"} ").unwrap();
            (bound.to_string(), count.parse().unwrap())
        })
        .collect();
    let mut bounds: Vec<String> = metrics::buckets().iter().map(|b| b.to_string()).collect();
    bounds.push("+Inf".into());
    assert_eq!(
        buckets.iter().map(|b| b.0.clone()).collect::<Vec<_>>(),
        bounds
    );
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1));
    assert_eq!(buckets.last().unwrap().1, 9.0);
    // Gauges: nothing in flight; dummy's pool has 2 infer requests (nireq).
    assert_eq!(value(&format!("ovms_current_requests{{{dummy}}}")), 0.0);
    assert_eq!(value(&format!("ovms_infer_req_queue_size{{{dummy}}}")), 2.0);
    assert_eq!(value(&format!("ovms_infer_req_active{{{dummy}}}")), 0.0);
    assert!(value(&format!("ovms_streams{{{dummy}}}")) >= 1.0);
    let metadata = r#"ovms_requests_success{api="KServe",interface="gRPC",method="ModelMetadata",name="dummy",version="1"}"#;
    assert_eq!(value(metadata), 1.0);
    let ready =
        r#"ovms_requests_fail{api="KServe",interface="REST",method="ModelReady",name="dummy"}"#;
    assert_eq!(value(ready), 1.0);

    // With both of dummy's slots taken, a request waits: it is in flight and its slots are
    // active, and its wait is observed once it runs.
    let manager = SERVER.manager().unwrap();
    let pool = manager.servable("dummy", 0).unwrap().loaded().pool.clone();
    let slots = [pool.acquire(|| ()), pool.acquire(|| ())];
    let waiter = std::thread::spawn(move || infer_sync("dummy", "b", &[1.0; 10], &[1, 10]));
    let in_flight = format!("ovms_current_requests{{{dummy}}}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sample(&metrics::render().unwrap(), &in_flight) != Some(1.0) {
        assert!(
            std::time::Instant::now() < deadline,
            "the request never arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    let text = metrics::render().unwrap();
    assert_eq!(sample(&text, &in_flight), Some(1.0));
    let active = format!("ovms_infer_req_active{{{dummy}}}");
    assert_eq!(sample(&text, &active), Some(2.0));
    drop(slots);
    assert!(waiter.join().unwrap());
    let text = metrics::render().unwrap();
    let wait_sum = format!("ovms_wait_for_infer_req_time_us_sum{{{dummy}}}");
    let waited = sample(&text, &wait_sum).unwrap();
    // It began waiting microseconds after it was seen in flight, 200 ms before the release.
    assert!(waited >= 100_000.0, "waited {waited} us");
    assert_eq!(sample(&text, &in_flight), Some(0.0));
    drop((pool, manager));
    #[cfg(feature = "fault-injection")]
    injected_faults_count_as_failures(&ones);

    SERVER.stop();
    assert_eq!(
        metrics::render(),
        None,
        "a stopped server serves no metrics"
    );

    // A restart in the same process starts from zero, with the default set.
    let config = write_config(&dir, r#", "monitoring": {"metrics": {"enable": true}}"#);
    start(&config, free_port()).expect("the server starts again");
    let text = metrics::render().unwrap();
    assert_eq!(
        sample(&text, &infer_series("ovms_requests_success", "dummy")),
        Some(0.0)
    );
    assert!(
        !text.contains("ovms_infer_req_queue_size"),
        "optional families are off"
    );
    assert!(infer_sync("dummy", "b", &ones, &[1, 10]));
    let text = metrics::render().unwrap();
    assert_eq!(
        sample(&text, &infer_series("ovms_requests_success", "dummy")),
        Some(1.0)
    );
    SERVER.stop();

    // Metrics off: no text at all.
    let config = write_config(&dir, "");
    start(&config, 0).expect("the server starts without metrics");
    assert!(infer_sync("dummy", "b", &ones, &[1, 10]));
    assert_eq!(metrics::render(), None);
    SERVER.stop();

    // Bad settings fail the start with OVMS's codes; the server is then reset by a stop.
    let enabled = r#", "monitoring": {"metrics": {"enable": true}}"#;
    let config = write_config(&dir, enabled);
    assert_eq!(
        start(&config, 0).unwrap_err().code,
        StatusCode::METRICS_REST_PORT_MISSING
    );
    SERVER.stop();
    let bad_name =
        r#", "monitoring": {"metrics": {"enable": true, "metrics_list": ["ovms_requests"]}}"#;
    let config = write_config(&dir, bad_name);
    assert_eq!(
        start(&config, free_port()).unwrap_err().code,
        StatusCode::INVALID_METRICS_FAMILY_NAME
    );
    assert_eq!(metrics::render(), None);
    SERVER.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each failure the fault seam makes on the async path (start_async, tensor binding, the
/// completion) is one failure, and nothing stays in flight. Run with
/// `cargo test --release --features fault-injection --test metrics`.
#[cfg(feature = "fault-injection")]
fn injected_faults_count_as_failures(ones: &[f32]) {
    use ovms_shared::fault::{self, Fault};
    let text = metrics::render().unwrap();
    let before = |family| sample(&text, &infer_series(family, "dummy")).unwrap();
    let (succeeded, failed) = (
        before("ovms_requests_success"),
        before("ovms_requests_fail"),
    );
    for kind in [Fault::StartAsync, Fault::Bind, Fault::Completion] {
        fault::set(kind, 1);
        assert!(!infer_async("dummy", "b", ones, &[1, 10]), "{kind:?}");
        fault::set(kind, 0);
    }
    let text = metrics::render().unwrap();
    let now = |family| sample(&text, &infer_series(family, "dummy")).unwrap();
    assert_eq!(now("ovms_requests_success"), succeeded);
    assert_eq!(now("ovms_requests_fail"), failed + 3.0);
    let current = r#"ovms_current_requests{name="dummy",version="1"}"#;
    assert_eq!(sample(&text, current), Some(0.0));
}
