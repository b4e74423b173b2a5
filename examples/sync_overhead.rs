//! Sync overhead on one model: the same dummy inference through our C API (`OVMS_Inference`,
//! request reused, output read, response freed) and through bare OpenVINO (copy in, `infer`,
//! copy out) on a model compiled the same way, in one process, interleaved in rounds.
//!
//! `cargo run --release --example sync_overhead [-- models/dummy/1/model.xml [iterations]]`

#![warn(clippy::undocumented_unsafe_blocks)]

use ovms_shared::capi::*;
use ovms_shared::ov;
use std::ffi::{CString, c_void};
use std::path::Path;
use std::ptr::null_mut;
use std::time::Instant;

fn ok(status: *mut OVMS_Status) {
    assert!(status.is_null(), "C API call failed");
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() as f64 - 1.0) * p) as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = Path::new(
        args.get(1)
            .map_or("models/dummy/1/model.xml", String::as_str),
    )
    .canonicalize()
    .expect("model file");
    let iterations: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("ovms_sync_overhead_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        format!(r#"{{"model_config_list":[{{"config":{{"name":"dummy","base_path":"{}","nireq":1}}}}]}}"#, model.display()),
    )
    .unwrap();

    let input: Vec<f32> = (0..10).map(|i| i as f32).collect();
    let mut output = vec![0f32; 10];
    // SAFETY: every handle is created here and used by this thread only; buffers outlive the
    // inferences that read and write them.
    unsafe {
        // Ours: a server on the model, one request reused as in capi_benchmark's INFERENCE_ONLY.
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
        let mut request = null_mut();
        ok(OVMS_InferenceRequestNew(
            &mut request,
            server,
            c"dummy".as_ptr(),
            0,
        ));
        ok(OVMS_InferenceRequestAddInput(
            request,
            c"b".as_ptr(),
            DataTypeArg(2),
            [1i64, 10].as_ptr(),
            2,
        ));
        ok(OVMS_InferenceRequestInputSetData(
            request,
            c"b".as_ptr(),
            input.as_ptr().cast(),
            40,
            BufferTypeArg(0),
            0,
        ));
        let mut ours = |out: &mut [f32]| {
            let mut response = null_mut();
            ok(OVMS_Inference(server, request, &mut response));
            let (mut name, mut dt, mut shape, mut dims) =
                (std::ptr::null(), DataTypeArg(0), std::ptr::null(), 0usize);
            let (mut data, mut bytes, mut bt, mut dev) =
                (std::ptr::null::<c_void>(), 0usize, BufferTypeArg(0), 0u32);
            ok(OVMS_InferenceResponseOutput(
                response, 0, &mut name, &mut dt, &mut shape, &mut dims, &mut data, &mut bytes,
                &mut bt, &mut dev,
            ));
            std::ptr::copy_nonoverlapping(data.cast::<f32>(), out.as_mut_ptr(), 10);
            OVMS_InferenceResponseDelete(response);
        };

        // Bare OpenVINO: the same model, device and properties, driven directly.
        let core = ov::Core::new().unwrap();
        let compiled = core
            .compile(&core.read_model(&model).unwrap(), "CPU", &[])
            .unwrap();
        let mut infer_request = compiled.create_infer_request().unwrap();
        let input_tensor = infer_request.input_tensor(0).unwrap();
        let mut bare = |out: &mut [f32]| {
            std::ptr::copy_nonoverlapping(
                input.as_ptr(),
                input_tensor.data().unwrap().cast::<f32>(),
                10,
            );
            infer_request.infer().unwrap();
            let result = infer_request.output_tensor(0).unwrap();
            std::ptr::copy_nonoverlapping(
                result.data().unwrap().cast::<f32>(),
                out.as_mut_ptr(),
                10,
            );
        };

        let time =
            |f: &mut dyn FnMut(&mut [f32]), out: &mut [f32], samples: &mut Vec<f64>, n: usize| {
                for _ in 0..n {
                    let start = Instant::now();
                    f(out);
                    samples.push(start.elapsed().as_secs_f64() * 1e6);
                }
            };
        let (mut ours_us, mut bare_us) = (Vec::new(), Vec::new());
        time(&mut ours, &mut output, &mut Vec::new(), 1000);
        time(&mut bare, &mut output, &mut Vec::new(), 1000);
        let rounds = 10;
        for _ in 0..rounds {
            time(&mut ours, &mut output, &mut ours_us, iterations / rounds);
            time(&mut bare, &mut output, &mut bare_us, iterations / rounds);
        }
        assert_eq!(output, (1..=10).map(|i| i as f32).collect::<Vec<_>>());
        let (m_ours, m_bare) = (median(&mut ours_us), median(&mut bare_us));
        println!(
            "sync dummy inference, {iterations} iterations each, {rounds} interleaved rounds (microseconds)"
        );
        println!(
            "ours (OVMS_Inference):  median {m_ours:.2}  p90 {:.2}  p99 {:.2}",
            percentile(&mut ours_us, 0.9),
            percentile(&mut ours_us, 0.99)
        );
        println!(
            "bare OpenVINO (infer):  median {m_bare:.2}  p90 {:.2}  p99 {:.2}",
            percentile(&mut bare_us, 0.9),
            percentile(&mut bare_us, 0.99)
        );
        println!("sync_overhead_us={:.2}", m_ours - m_bare);

        OVMS_InferenceRequestDelete(request);
        OVMS_ServerDelete(server);
        OVMS_ServerSettingsDelete(settings);
        OVMS_ModelsSettingsDelete(models);
    }
    let _ = std::fs::remove_dir_all(dir);
}
