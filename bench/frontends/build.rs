//! Generates the KServe v2 gRPC service from the repository's `proto/inference.proto`, the file
//! the library's front end is generated from, with the same settings (protox, so no `protoc`;
//! tensor blobs as `bytes::Bytes`), so the baseline decodes and encodes exactly what `ovms` does.
//! Until that file is on main, a temporary copy in this package (`proto/inference.proto`) is used.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repository_proto = root.join("../../proto/inference.proto");
    let proto = if repository_proto.exists() {
        repository_proto
    } else {
        println!(
            "cargo::warning=../../proto/inference.proto is not there yet: using the temporary copy in proto/"
        );
        root.join("proto/inference.proto")
    };
    println!("cargo::rerun-if-changed={}", proto.display());
    println!("cargo::rerun-if-changed=../../proto/inference.proto");
    let include = proto
        .parent()
        .expect("the proto file has a folder")
        .to_path_buf();
    let files = protox::compile([&proto], [&include]).expect("proto/inference.proto compiles");
    tonic_prost_build::configure()
        // The client is for this package's tests (tests/bare_servers.rs).
        .build_client(true)
        .bytes(".inference.ModelInferRequest.raw_input_contents")
        .bytes(".inference.ModelInferResponse.raw_output_contents")
        .bytes(".inference.InferTensorContents.bytes_contents")
        .compile_fds(files)
        .expect("the gRPC service is generated");
}
