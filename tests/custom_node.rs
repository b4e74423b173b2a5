//! Custom node libraries through `pipeline::custom_node`: the repository's C nodes
//! (custom_nodes/add_sub, custom_nodes/split) and a lying one (tests/custom_node_liar.c),
//! compiled with the system `cc` into a temporary folder when the tests start.

use ovms_shared::config::CustomNodeLibraryConfig;
use ovms_shared::datatype::DataType;
use ovms_shared::pipeline::custom_node::{
    CustomNodeLibrary, NodeInput, NodeLibraries, NodeParams, NodeTensorInfo,
};
use ovms_shared::status::StatusCode;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

struct Built {
    dir: PathBuf,
}

impl Built {
    fn lib(&self, name: &str) -> PathBuf {
        self.dir.join(format!("lib{name}.so"))
    }
}

/// Compiles the C libraries once per test process.
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_folders_of_finished_runs(scratch);
        // One folder per run: another run may have these libraries loaded while this one builds.
        let dir = scratch.join(format!("custom_node_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sources: [(&str, PathBuf, &[&str]); 4] = [
            ("add_sub", root.join("custom_nodes/add_sub/add_sub.c"), &[]),
            ("split", root.join("custom_nodes/split/split.c"), &[]),
            ("liar", root.join("tests/custom_node_liar.c"), &[]),
            (
                "no_release",
                root.join("tests/custom_node_liar.c"),
                &["-DOMIT_RELEASE"],
            ),
        ];
        for (name, source, defines) in sources {
            let status = Command::new("cc")
                .args(["-shared", "-fPIC", "-fvisibility=hidden", "-std=c11", "-O1"])
                .args(defines)
                .arg("-o")
                .arg(dir.join(format!("lib{name}.so")))
                .arg(&source)
                .status()
                .expect("cc runs");
            assert!(status.success(), "cc failed on {}", source.display());
        }
        Built { dir }
    })
}

/// Earlier runs' `custom_node_<pid>` folders whose process is gone.
fn remove_folders_of_finished_runs(scratch: &Path) {
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("custom_node_")
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn params(pairs: &[(&str, &str)]) -> NodeParams {
    let owned: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    NodeParams::new(&owned).unwrap()
}

fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn bytes_of(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn input<'a>(name: &'a str, dims: &'a [u64], data: &'a [u8]) -> NodeInput<'a> {
    NodeInput {
        name,
        datatype: DataType::FP32,
        dims,
        data,
    }
}

#[test]
fn add_sub_and_split_declare_their_tensors() {
    let add_sub = CustomNodeLibrary::load("add_sub", built().lib("add_sub")).unwrap();
    assert_eq!(add_sub.name(), "add_sub");
    let none = NodeParams::empty();
    let node = add_sub.initialize(&none).unwrap();
    let expect = |name: &str, dims: Vec<i64>| {
        vec![NodeTensorInfo {
            name: name.into(),
            datatype: DataType::FP32,
            dims,
        }]
    };
    assert_eq!(
        node.inputs_info(&none).unwrap(),
        expect("input_numbers", vec![1, -1])
    );
    assert_eq!(
        node.outputs_info(&none).unwrap(),
        expect("output_numbers", vec![1, -1])
    );

    let split = CustomNodeLibrary::load("split", built().lib("split")).unwrap();
    let node = split.initialize(&none).unwrap();
    assert_eq!(
        node.inputs_info(&none).unwrap(),
        expect("input_numbers", vec![1, -1, -1])
    );
    assert_eq!(
        node.outputs_info(&none).unwrap(),
        expect("split_results", vec![-1, 1, -1])
    );
}

#[test]
fn add_sub_computes_with_its_params_on_any_shape() {
    let library = CustomNodeLibrary::load("add_sub", built().lib("add_sub")).unwrap();
    let node_params = params(&[("multiply", "2"), ("add", "0.5")]);
    let node = library.initialize(&node_params).unwrap();
    for dims in [vec![1u64, 10], vec![2, 3, 2]] {
        let count = dims.iter().product::<u64>() as usize;
        let values: Vec<f32> = (0..count).map(|i| i as f32 - 3.0).collect();
        let data = bytes_of(&values);
        let outputs = node
            .execute(&[input("input_numbers", &dims, &data)], &node_params)
            .unwrap();
        assert_eq!(outputs.len(), 1);
        let out = &outputs[0];
        assert_eq!(out.name(), "output_numbers");
        assert_eq!(out.datatype(), DataType::FP32);
        assert_eq!(out.dims(), dims.as_slice());
        let expected: Vec<f32> = values.iter().map(|v| v * 2.0 + 0.5).collect();
        assert_eq!(floats(out.data()), expected);
    }
    // Other params, another instance of the same library: the params reach execute.
    let plus_one = params(&[("add", "1")]);
    let node = library.initialize(&plus_one).unwrap();
    let data = bytes_of(&[1.0, 2.0]);
    let outputs = node
        .execute(&[input("input_numbers", &[1, 2], &data)], &plus_one)
        .unwrap();
    assert_eq!(floats(outputs[0].data()), vec![2.0, 3.0]);
}

#[test]
fn split_gives_a_leading_dimension_of_n() {
    let library = CustomNodeLibrary::load("split", built().lib("split")).unwrap();
    let none = NodeParams::empty();
    let node = library.initialize(&none).unwrap();
    let values: Vec<f32> = (0..12).map(|i| i as f32 * 1.5).collect();
    let data = bytes_of(&values);
    let outputs = node
        .execute(&[input("input_numbers", &[1, 3, 4], &data)], &none)
        .unwrap();
    assert_eq!(outputs[0].name(), "split_results");
    assert_eq!(outputs[0].dims(), &[3, 1, 4]);
    assert_eq!(floats(outputs[0].data()), values);
}

#[test]
fn a_failing_node_reports_its_return_value() {
    for library in ["add_sub", "split"] {
        let library = CustomNodeLibrary::load(library, built().lib(library)).unwrap();
        let failing = params(&[("fail", "1")]);
        let node = library.initialize(&failing).unwrap();
        let data = bytes_of(&[1.0, 2.0]);
        let error = node
            .execute(&[input("input_numbers", &[1, 1, 2], &data)], &failing)
            .unwrap_err();
        assert_eq!(error.code, StatusCode::NODE_LIBRARY_EXECUTION_FAILED);
        assert_eq!(error.code as u32, 224);
        let details = error.details();
        assert!(
            details.starts_with("Custom node failed during execution - ")
                && details.ends_with("execute returned 1"),
            "{details}"
        );
    }
    // add_sub refuses a wrongly named input with its own code, 2.
    let library = CustomNodeLibrary::load("add_sub", built().lib("add_sub")).unwrap();
    let none = NodeParams::empty();
    let node = library.initialize(&none).unwrap();
    let data = bytes_of(&[1.0]);
    let error = node
        .execute(&[input("other", &[1, 1], &data)], &none)
        .unwrap_err();
    assert!(
        error.details().ends_with("returned 2"),
        "{}",
        error.details()
    );
    // An input whose bytes do not match its dims never reaches the library.
    let error = node
        .execute(&[input("input_numbers", &[1, 10], &data)], &none)
        .unwrap_err();
    assert_eq!(error.code, StatusCode::INVALID_CONTENT_SIZE);
}

#[test]
fn a_failing_initialize_is_refused() {
    let library = CustomNodeLibrary::load("add_sub", built().lib("add_sub")).unwrap();
    let error = library
        .initialize(&params(&[("fail_initialize", "1")]))
        .unwrap_err();
    assert_eq!(error.code, StatusCode::NODE_LIBRARY_INITIALIZE_FAILED);
    assert!(
        error.details().contains("initialize returned 1"),
        "{}",
        error.details()
    );
}

#[test]
fn missing_file_and_missing_symbol_are_refused() {
    let error = CustomNodeLibrary::load("gone", built().lib("does_not_exist")).unwrap_err();
    assert_eq!(error.code, StatusCode::NODE_LIBRARY_LOAD_FAILED_OPEN);
    assert!(
        error
            .details()
            .starts_with("Custom node library failed to open - ")
    );

    let error = CustomNodeLibrary::load("no_release", built().lib("no_release")).unwrap_err();
    assert_eq!(error.code, StatusCode::NODE_LIBRARY_LOAD_FAILED_SYM);
    assert!(error.details().contains("release"), "{}", error.details());

    // A file that is not a shared library at all.
    let text = built().dir.join("not_a_library.so");
    std::fs::write(&text, "not ELF").unwrap();
    let error = CustomNodeLibrary::load("text", &text).unwrap_err();
    assert_eq!(error.code, StatusCode::NODE_LIBRARY_LOAD_FAILED_OPEN);
}

/// How many of the liar's buffers have not come back (its own counter, read through a second
/// handle to the same loaded library).
fn liar_outstanding(path: &Path) -> std::os::raw::c_long {
    // SAFETY: the test's own library; `liar_outstanding` is `long (void)`.
    unsafe {
        let library = libloading::Library::new(path).unwrap();
        let function: libloading::Symbol<unsafe extern "C" fn() -> std::os::raw::c_long> =
            library.get(b"liar_outstanding").unwrap();
        function()
    }
}

/// Every lie is refused with its code, and every buffer the liar handed out comes back.
#[test]
fn a_lying_library_is_refused_and_fully_released() {
    let path = built().lib("liar");
    let library = CustomNodeLibrary::load("liar", &path).unwrap();
    let data = bytes_of(&[1.0]);
    let inputs = [input("x", &[1, 1], &data)];
    let cases = [
        (
            "null_outputs",
            Some(StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED),
        ),
        (
            "zero_count",
            Some(StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT),
        ),
        (
            "null_data",
            Some(StatusCode::NODE_LIBRARY_INVALID_CONTENT_SIZE),
        ),
        (
            "short_data",
            Some(StatusCode::NODE_LIBRARY_INVALID_CONTENT_SIZE),
        ),
        (
            "overflow",
            Some(StatusCode::NODE_LIBRARY_INVALID_CONTENT_SIZE),
        ),
        (
            "precision",
            Some(StatusCode::NODE_LIBRARY_INVALID_PRECISION),
        ),
        (
            "unspecified",
            Some(StatusCode::NODE_LIBRARY_INVALID_PRECISION),
        ),
        (
            "no_name",
            Some(StatusCode::NODE_LIBRARY_OUTPUT_MISSING_NAME),
        ),
        ("null_dims", Some(StatusCode::NODE_LIBRARY_INVALID_SHAPE)),
        (
            "huge_dims_count",
            Some(StatusCode::NODE_LIBRARY_INVALID_SHAPE),
        ),
        ("duplicate", None),
        ("truth", None),
    ];
    for (lie, expected) in cases {
        let node_params = params(&[("lie", lie)]);
        let node = library.initialize(&node_params).unwrap();
        let result = node.execute(&inputs, &node_params);
        match (expected, &result) {
            (Some(code), Err(error)) => assert_eq!(error.code, code, "{lie}: {}", error.details()),
            (None, Ok(outputs)) => {
                let names: Vec<&str> = outputs.iter().map(|o| o.name()).collect();
                let expected_names = if lie == "duplicate" {
                    vec!["good"]
                } else {
                    vec!["good", "second"]
                };
                assert_eq!(names, expected_names, "{lie}");
                assert_eq!(floats(outputs[0].data()), vec![1.0, 2.0]);
            }
            _ => panic!("{lie}: expected {expected:?}, got {result:?}"),
        }
        // Outputs still held keep their buffers; dropping them and the node gives all back.
        if result.as_ref().is_ok_and(|outputs| !outputs.is_empty()) {
            assert!(liar_outstanding(&path) > 0, "{lie}: outputs hold buffers");
        }
        drop(result);
        drop(node);
        assert_eq!(liar_outstanding(&path), 0, "{lie}: every buffer released");
    }

    let info_cases = [
        ("info_fail", StatusCode::NODE_LIBRARY_METADATA_FAILED),
        ("info_null", StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED),
        (
            "info_count",
            StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT,
        ),
        ("info_null_dims", StatusCode::NODE_LIBRARY_INVALID_SHAPE),
    ];
    for (lie, code) in info_cases {
        let node_params = params(&[("lie", lie)]);
        let node = library.initialize(&node_params).unwrap();
        let error = node.inputs_info(&node_params).unwrap_err();
        assert_eq!(error.code, code, "{lie}: {}", error.details());
        if lie == "info_fail" {
            assert!(
                error.details().ends_with("getInputsInfo returned 7"),
                "{}",
                error.details()
            );
        }
        drop(node);
        assert_eq!(liar_outstanding(&path), 0, "{lie}: every buffer released");
    }
    // The truthful info: the entry without a name is skipped, an unknown precision is
    // UNDEFINED (as OVMS reports it), and the arrays all come back.
    let none = NodeParams::empty();
    let node = library.initialize(&none).unwrap();
    let info = node.inputs_info(&none).unwrap();
    assert_eq!(
        info,
        vec![NodeTensorInfo {
            name: "in".into(),
            datatype: DataType::I64,
            dims: vec![1, -1]
        }]
    );
    assert_eq!(
        node.outputs_info(&none).unwrap()[0].datatype,
        DataType::UNDEFINED
    );
    drop(node);
    assert_eq!(liar_outstanding(&path), 0);
}

#[test]
fn outputs_keep_the_library_alive_and_run_from_many_threads() {
    let library = CustomNodeLibrary::load("add_sub", built().lib("add_sub")).unwrap();
    let node_params = Arc::new(params(&[("multiply", "3")]));
    let node = library.initialize(&node_params).unwrap();
    drop(library);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let node = Arc::clone(&node);
            let node_params = Arc::clone(&node_params);
            std::thread::spawn(move || {
                let mut last = None;
                for i in 0..200 {
                    let value = (t * 1000 + i) as f32;
                    let data = bytes_of(&[value, -value]);
                    let outputs = node
                        .execute(&[input("input_numbers", &[1, 2], &data)], &node_params)
                        .unwrap();
                    assert_eq!(floats(outputs[0].data()), vec![value * 3.0, -value * 3.0]);
                    last = outputs.into_iter().next();
                }
                last.unwrap()
            })
        })
        .collect();
    let last_outputs: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    // The node and the library are dropped here; the outputs still read their buffers.
    drop(node);
    for (t, output) in last_outputs.iter().enumerate() {
        let value = (t * 1000 + 199) as f32;
        assert_eq!(floats(output.data()), vec![value * 3.0, -value * 3.0]);
    }
}

#[test]
fn the_registry_follows_the_config() {
    let dir = &built().dir;
    let config = |entries: &[(&str, &str)]| -> Vec<CustomNodeLibraryConfig> {
        entries
            .iter()
            .map(|(name, base_path)| CustomNodeLibraryConfig {
                name: name.to_string(),
                base_path: base_path.to_string(),
            })
            .collect()
    };
    let mut libraries = NodeLibraries::new();
    // Relative to the config's folder; a broken entry fails alone.
    let failures = libraries.reload(
        &config(&[("add", "libadd_sub.so"), ("broken", "libno_release.so")]),
        dir,
    );
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].code, StatusCode::NODE_LIBRARY_LOAD_FAILED_SYM);
    let add = libraries.get("add").unwrap();
    assert_eq!(add.path(), dir.join("libadd_sub.so"));
    assert_eq!(
        libraries.get("broken").unwrap_err().code,
        StatusCode::NODE_LIBRARY_MISSING
    );

    // Same path: the same library; a new path: loaded again; gone from the config: dropped.
    libraries.reload(
        &config(&[("add", "libadd_sub.so"), ("split", "libsplit.so")]),
        dir,
    );
    assert!(Arc::ptr_eq(&add, &libraries.get("add").unwrap()));
    libraries.reload(&config(&[("add", "libsplit.so")]), dir);
    assert_eq!(
        libraries.get("add").unwrap().path(),
        dir.join("libsplit.so")
    );
    assert_eq!(
        libraries.get("split").unwrap_err().code,
        StatusCode::NODE_LIBRARY_MISSING
    );
    // A new path that fails to load leaves the library loaded before in use.
    let before = libraries.get("add").unwrap();
    let failures = libraries.reload(&config(&[("add", "libno_release.so")]), dir);
    assert_eq!(failures[0].code, StatusCode::NODE_LIBRARY_LOAD_FAILED_SYM);
    assert!(Arc::ptr_eq(&before, &libraries.get("add").unwrap()));
}
