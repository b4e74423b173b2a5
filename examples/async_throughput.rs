//! Async throughput on the dummy model: our `OVMS_InferenceAsync` against bare OpenVINO async
//! with callbacks, same model and nireq, in one process, alternating. In both, the completion
//! callback hands the finished request back to the main thread, which starts it again (bare
//! OpenVINO cannot restart a request from inside its own callback).
//! Also the round-trip latency of one async request at a time.
//!
//! `cargo run --release --example async_throughput [-- models/dummy/1/model.xml seconds]`

#![warn(clippy::undocumented_unsafe_blocks)]

use ovms_shared::capi::*;
use ovms_shared::ov;
use std::ffi::{CString, c_void};
use std::path::Path;
use std::ptr::null_mut;
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

fn ok(status: *mut OVMS_Status) {
    assert!(status.is_null(), "C API call failed");
}

struct Server(*mut OVMS_Server);

fn start(model: &Path, nireq: usize, dir: &Path) -> Server {
    let config = dir.join(format!("config_{nireq}.json"));
    let text = format!(
        r#"{{"model_config_list":[{{"config":{{"name":"dummy","base_path":"{}","nireq":{nireq}}}}}]}}"#,
        model.display()
    );
    std::fs::write(&config, text).unwrap();
    // SAFETY: the config path and settings are live for these calls; statuses are checked by ok().
    unsafe {
        let (mut server, mut settings, mut models) = (null_mut(), null_mut(), null_mut());
        ok(OVMS_ServerNew(&mut server));
        ok(OVMS_ServerSettingsNew(&mut settings));
        ok(OVMS_ServerSettingsSetLogLevel(
            settings,
            LogLevelArg(OVMS_LogLevel::OVMS_LOG_ERROR as u32),
        ));
        ok(OVMS_ModelsSettingsNew(&mut models));
        let path = CString::new(config.to_str().unwrap()).unwrap();
        ok(OVMS_ModelsSettingsSetConfigPath(models, path.as_ptr()));
        ok(OVMS_ServerStartFromConfigurationFile(
            server, settings, models,
        ));
        OVMS_ServerSettingsDelete(settings);
        OVMS_ModelsSettingsDelete(models);
        Server(server)
    }
}

/// Per request: its index and the channel back to the main thread.
struct Back {
    index: usize,
    done: Sender<(usize, bool)>,
}

unsafe extern "C" fn on_ours(response: *mut OVMS_InferenceResponse, flag: u32, user: *mut c_void) {
    // SAFETY: `user` is the Pending this example passed with the request, alive until its callback.
    unsafe {
        OVMS_InferenceResponseDelete(response);
        let back = &*(user as *const Back);
        let _ = back.done.send((back.index, flag == 0));
    }
}

/// Keeps `in_flight` requests going for `duration`; returns completions per second.
fn ours(server: &Server, in_flight: usize, duration: Duration, input: &[f32]) -> f64 {
    let (done, finished) = channel::<(usize, bool)>();
    let backs: Vec<Box<Back>> = (0..in_flight)
        .map(|index| {
            Box::new(Back {
                index,
                done: done.clone(),
            })
        })
        .collect();
    let mut requests = vec![null_mut(); in_flight];
    // SAFETY: every handle passed was created above and is used by this thread only.
    unsafe {
        for (i, request) in requests.iter_mut().enumerate() {
            ok(OVMS_InferenceRequestNew(
                request,
                server.0,
                c"dummy".as_ptr(),
                0,
            ));
            ok(OVMS_InferenceRequestAddInput(
                *request,
                c"b".as_ptr(),
                DataTypeArg(2),
                [1i64, 10].as_ptr(),
                2,
            ));
            ok(OVMS_InferenceRequestInputSetData(
                *request,
                c"b".as_ptr(),
                input.as_ptr().cast(),
                40,
                BufferTypeArg(0),
                0,
            ));
            let user = &*backs[i] as *const Back as *mut c_void;
            ok(OVMS_InferenceRequestSetCompletionCallback(
                *request,
                Some(on_ours),
                user,
            ));
        }
        for request in &requests {
            ok(OVMS_InferenceAsync(server.0, *request));
        }
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed() < duration {
            let (index, success) = finished.recv().unwrap();
            assert!(success);
            count += 1;
            ok(OVMS_InferenceAsync(server.0, requests[index]));
        }
        let rate = count as f64 / started.elapsed().as_secs_f64();
        for _ in 0..in_flight {
            finished.recv().unwrap();
        }
        for request in requests {
            OVMS_InferenceRequestDelete(request);
        }
        // A callback may still be inside `send` after its message arrived: keep what it uses.
        std::mem::forget(backs);
        rate
    }
}

unsafe extern "C" fn on_bare(args: *mut c_void) {
    // SAFETY: `args` is the Back this example boxed for the callback; it outlives the requests.
    let back = unsafe { &*(args as *const Back) };
    let _ = back.done.send((back.index, true));
}

fn bare(compiled: &ov::CompiledModel, in_flight: usize, duration: Duration, input: &[f32]) -> f64 {
    let (done, finished) = channel();
    let backs: Vec<Box<Back>> = (0..in_flight)
        .map(|index| {
            Box::new(Back {
                index,
                done: done.clone(),
            })
        })
        .collect();
    let callbacks: Vec<Box<ov::Callback>> = backs
        .iter()
        .map(|b| ov::Callback::new(on_bare, &**b as *const Back as *mut c_void))
        .collect();
    let mut requests: Vec<ov::InferRequest> = (0..in_flight)
        .map(|_| compiled.create_infer_request().unwrap())
        .collect();
    let mut output = [0f32; 10];
    let run = |request: &mut ov::InferRequest| {
        let tensor = request.input_tensor(0).unwrap();
        // SAFETY: the request's own input tensor holds 10 f32; `input` has 10.
        unsafe {
            std::ptr::copy_nonoverlapping(input.as_ptr(), tensor.data().unwrap().cast::<f32>(), 10)
        };
        // SAFETY: the request is not touched again until its callback has run.
        unsafe { request.async_start().start() }.unwrap();
    };
    for (request, callback) in requests.iter_mut().zip(&callbacks) {
        // SAFETY: the callback is boxed and kept alive (forgotten) past the request's life.
        unsafe { request.set_callback(callback).unwrap() };
        run(request);
    }
    let started = Instant::now();
    let mut count = 0u64;
    let finish = |requests: &mut [ov::InferRequest], index: usize, output: &mut [f32; 10]| {
        let request = &mut requests[index];
        request.wait().unwrap();
        let result = request.output_tensor(0).unwrap();
        // SAFETY: the finished request's output tensor holds 10 f32; `output` has 10.
        unsafe {
            std::ptr::copy_nonoverlapping(
                result.data().unwrap().cast::<f32>(),
                output.as_mut_ptr(),
                10,
            )
        };
    };
    while started.elapsed() < duration {
        let (index, _) = finished.recv().unwrap();
        finish(&mut requests, index, &mut output);
        count += 1;
        run(&mut requests[index]);
    }
    let rate = count as f64 / started.elapsed().as_secs_f64();
    for _ in 0..in_flight {
        let (index, _) = finished.recv().unwrap();
        finish(&mut requests, index, &mut output);
    }
    assert_eq!(output[0], input[0] + 1.0);
    drop(requests);
    // As above: OpenVINO's callback may still be returning from `send`.
    std::mem::forget(backs);
    std::mem::forget(callbacks);
    rate
}

/// CPU time (user + system, all threads) and context switches of this process so far.
fn usage() -> (f64, i64) {
    // SAFETY: rusage is plain old data; all zeros is a valid value.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid rusage to fill.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    (
        secs(u.ru_utime) + secs(u.ru_stime),
        u.ru_nvcsw + u.ru_nivcsw,
    )
}

/// Runs `f` (which returns inferences/s over `seconds`) and also returns CPU µs and context
/// switches per inference: steadier than throughput when the machine is shared.
fn measured(seconds: f64, f: impl FnOnce() -> f64) -> (f64, f64, f64) {
    let (cpu0, cs0) = usage();
    let rate = f();
    let (cpu1, cs1) = usage();
    let count = rate * seconds;
    (
        rate,
        (cpu1 - cpu0) * 1e6 / count,
        (cs1 - cs0) as f64 / count,
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = Path::new(
        args.get(1)
            .map_or("models/dummy/1/model.xml", String::as_str),
    )
    .canonicalize()
    .expect("model file");
    let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let duration = Duration::from_secs_f64(seconds);
    let dir = std::env::temp_dir().join(format!("ovms_async_throughput_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input: Vec<f32> = (0..10).map(|i| i as f32).collect();
    let core = ov::Core::new().unwrap();
    let rounds = 3;
    println!(
        "async dummy inference, {rounds} alternating rounds of {seconds} s, medians (inferences/s)"
    );
    println!(
        "nireq | ours (OVMS_InferenceAsync) | bare OpenVINO async | ratio | CPU µs/inference ours, bare | context switches/inference ours, bare"
    );
    for nireq in [1usize, 2, 4] {
        let server = start(&model, nireq, &dir);
        let compiled = core
            .compile(&core.read_model(&model).unwrap(), "CPU", &[])
            .unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut a_cpu, mut b_cpu, mut a_cs, mut b_cs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let (rate, cpu, cs) = measured(seconds, || ours(&server, nireq, duration, &input));
            a.push(rate);
            a_cpu.push(cpu);
            a_cs.push(cs);
            let (rate, cpu, cs) = measured(seconds, || bare(&compiled, nireq, duration, &input));
            b.push(rate);
            b_cpu.push(cpu);
            b_cs.push(cs);
        }
        let (a, b) = (median(a), median(b));
        println!(
            "{nireq:5} | {a:26.0} | {b:19.0} | {:.3} | {:.1}, {:.1} | {:.2}, {:.2}",
            a / b,
            median(a_cpu),
            median(b_cpu),
            median(a_cs),
            median(b_cs)
        );
        if nireq == 1 {
            let (mut ours_rt, mut bare_rt) = (Vec::new(), Vec::new());
            for _ in 0..2000 {
                let t = Instant::now();
                ours(&server, 1, Duration::ZERO, &input);
                ours_rt.push(t.elapsed().as_secs_f64() * 1e6);
                let t = Instant::now();
                bare(&compiled, 1, Duration::ZERO, &input);
                bare_rt.push(t.elapsed().as_secs_f64() * 1e6);
            }
            println!(
                "round trip of one async request incl. request setup (median µs): ours {:.1}, bare {:.1}",
                median(ours_rt),
                median(bare_rt)
            );
        }
        // SAFETY: the server handle came from OVMS_ServerNew.
        unsafe { OVMS_ServerDelete(server.0) };
    }
    let _ = std::fs::remove_dir_all(dir);
}
