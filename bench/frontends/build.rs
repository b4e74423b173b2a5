//! Generates the KServe v2 gRPC service from the repository's `proto/inference.proto`, the file
//! the library's front end is generated from, with the same settings (protox, so no `protoc`;
//! tensor blobs as `bytes::Bytes`), so the baseline decodes and encodes exactly what `ovms` does.

use std::path::Path;

fn main() {
    let proto_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let proto = proto_dir.join("inference.proto");
    println!("cargo::rerun-if-changed={}", proto.display());
    let files =
        protox::compile([&proto], [&proto_dir]).expect("../../proto/inference.proto compiles");
    tonic_prost_build::configure()
        // The client is for this package's tests (tests/bare_servers.rs).
        .build_client(true)
        .bytes(".inference.ModelInferRequest.raw_input_contents")
        .bytes(".inference.ModelInferResponse.raw_output_contents")
        .bytes(".inference.InferTensorContents.bytes_contents")
        .compile_fds(files)
        .expect("the gRPC service is generated");
}
