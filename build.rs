//! Builds the small C++ part behind `OVMS_ServableMetadataInfo` (src/ov/rt_info/rt_info.cpp)
//! when OpenVINO's C++ headers and a C++ compiler are found; the library embeds it and loads it
//! at run time (src/ov/rt_info.rs). Without them the library builds as before and
//! `OVMS_ServableMetadataInfo` answers NOT_IMPLEMENTED, saying why.
//!
//! OpenVINO is looked for in `$OVMS_OPENVINO_DIR` (a folder with `include/openvino/` and
//! `libs/`, `lib/`, `lib/intel64/` or `runtime/...` holding `libopenvino.so.<version>`), else in
//! the Python wheel of the venv the library searches at run time: `$OVMS_SETUP_VENV`, else
//! `<crate>/.venv`. `$CXX` names the compiler (default `c++`).
//!
//! It also generates the KServe v2 gRPC service from `proto/inference.proto`, with protox (a
//! protobuf compiler in Rust, so no `protoc` binary is needed) and tonic-prost-build.

use std::path::{Path, PathBuf};
use std::process::Command;

const SOURCE: &str = "src/ov/rt_info/rt_info.cpp";
const OUTPUT: &str = "libovms_rt_info.so";
const PROTO: &str = "proto/inference.proto";

/// Where OpenVINO's C++ headers and libopenvino.so.<version> are.
struct OpenVino {
    include: PathBuf,
    library: PathBuf,
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={SOURCE}");
    for var in ["OVMS_OPENVINO_DIR", "OVMS_SETUP_VENV", "CXX"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rustc-check-cfg=cfg(ovms_rt_info)");
    if let Err(why) = generate_grpc() {
        panic!("cannot generate the gRPC service from {PROTO}: {why}");
    }
    match build() {
        Ok((built, soname)) => {
            println!("cargo::rustc-cfg=ovms_rt_info");
            println!("cargo::rustc-env=OVMS_RT_INFO_LIBRARY={}", built.display());
            // The soname the part needs: the runtime must have it beside libopenvino_c.
            println!("cargo::rustc-env=OVMS_RT_INFO_NEEDS={soname}");
        }
        Err(why) => {
            println!("cargo::warning=OVMS_ServableMetadataInfo will answer NOT_IMPLEMENTED: {why}");
            println!("cargo::rustc-env=OVMS_RT_INFO_MISSING={why}");
        }
    }
}

/// Generates `inference.rs` (messages and the server side of GRPCInferenceService) in
/// `$OUT_DIR`. The tensor blobs are `bytes::Bytes`, so a request's buffers are slices of the
/// received message and a response's are the outputs' own storage: no copy either way.
fn generate_grpc() -> Result<(), String> {
    println!("cargo::rerun-if-changed={PROTO}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files =
        protox::compile([root.join(PROTO)], [root.join("proto")]).map_err(|e| e.to_string())?;
    tonic_prost_build::configure()
        .build_client(false)
        .bytes(".inference.ModelInferRequest.raw_input_contents")
        .bytes(".inference.ModelInferResponse.raw_output_contents")
        .bytes(".inference.InferTensorContents.bytes_contents")
        .compile_fds(files)
        .map_err(|e| e.to_string())
}

/// Compiles the part into `$OUT_DIR`; returns its path and the name of the libopenvino it
/// links (its soname), or why it was not built.
fn build() -> Result<(PathBuf, String), String> {
    let openvino = find_openvino()?;
    // A wheel upgrade (new headers or library) rebuilds the part.
    println!("cargo::rerun-if-changed={}", openvino.library.display());
    println!(
        "cargo::rerun-if-changed={}",
        openvino.include.join("openvino/core/any.hpp").display()
    );
    let compiler = std::env::var("CXX")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "c++".into());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let output = out_dir.join(OUTPUT);
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(SOURCE);
    let result = Command::new(&compiler)
        .args([
            "-std=c++17",
            "-O2",
            "-fPIC",
            "-shared",
            "-fvisibility=hidden",
        ])
        // OpenVINO's wheel is built with the C++11 string ABI; the host's ov::AnyMap must match.
        .arg("-D_GLIBCXX_USE_CXX11_ABI=1")
        .arg("-isystem")
        .arg(&openvino.include)
        .arg(&source)
        // By path: NEEDED is the library's soname (libopenvino.so.<version>), which the copy
        // the OpenVINO C runtime already loaded satisfies; no rpath is recorded.
        .arg(&openvino.library)
        .args(["-Wl,--no-undefined", "-Wl,--as-needed", "-s", "-o"])
        .arg(&output)
        .output()
        .map_err(|e| format!("no C++ compiler ({compiler}: {e}); set CXX"))?;
    if !result.status.success() {
        let stderr = String::from_utf8_lossy(&result.stderr);
        let first: Vec<&str> = stderr.lines().take(20).collect();
        return Err(format!(
            "{compiler} failed to build {SOURCE} against {}: {}",
            openvino.include.display(),
            first.join(" | ")
        ));
    }
    let soname = openvino
        .library
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((output, soname))
}

fn find_openvino() -> Result<OpenVino, String> {
    if let Some(dir) = std::env::var_os("OVMS_OPENVINO_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return openvino_in(&dir).ok_or_else(|| {
            format!(
                "$OVMS_OPENVINO_DIR={} holds no include/openvino/core/any.hpp with a libopenvino.so.<version>",
                dir.display()
            )
        });
    }
    let venv = match std::env::var_os("OVMS_SETUP_VENV").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"),
    };
    // Not watched when absent (cargo would scan the whole venv, or rerun on every build): a
    // wheel installed later is picked up by a changed OVMS_SETUP_VENV or a clean build.
    let lib = venv.join("lib");
    let mut pythons: Vec<PathBuf> = std::fs::read_dir(&lib)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    pythons.sort();
    pythons
        .iter()
        .rev()
        .find_map(|python| openvino_in(&python.join("site-packages/openvino")))
        .ok_or_else(|| {
            format!(
                "OpenVINO's C++ headers were not found: no {}/python3*/site-packages/openvino/include \
                 (set OVMS_SETUP_VENV to the venv with the openvino wheel, or OVMS_OPENVINO_DIR)",
                lib.display()
            )
        })
}

/// The headers and the C++ library of an OpenVINO folder (a wheel's `openvino/` or an install).
fn openvino_in(dir: &Path) -> Option<OpenVino> {
    let include = ["include", "runtime/include"]
        .iter()
        .map(|i| dir.join(i))
        .find(|i| i.join("openvino/core/any.hpp").is_file())?;
    let library = ["libs", "lib", "lib/intel64", "runtime/lib/intel64"]
        .iter()
        .find_map(|l| libopenvino_in(&dir.join(l)))?;
    Some(OpenVino { include, library })
}

/// The versioned `libopenvino.so.<n>` (not `libopenvino_c`, not a frontend) in `dir`.
fn libopenvino_in(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("libopenvino.so."))
                .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    found.sort();
    found.pop()
}
