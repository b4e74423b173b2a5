//! A bare KServe v2 gRPC server on tonic: ModelInfer answers every request with the same
//! output (the `--like` model's, dummy by default) and runs no model; ServerLive/Ready,
//! ServerMetadata, ModelMetadata and ModelReady answer as `ovms` does for that model, so
//! perf_analyzer proceeds. Built like `ovms`'s gRPC front end (TCP_NODELAY, adaptive HTTP/2
//! windows, 1 GiB messages), it is the transport baseline the gRPC bar is measured against, and
//! with `--like resnet50` it carries ResNet-50-shaped traffic beside the in-process C API (the
//! share of the machine the client and the transport take: bench.sh's front-end section).
//!
//!   bare_tonic [--port 9100] [--address 127.0.0.1] [--model dummy] [--like dummy|resnet50]
//!              [--workers N]

use bench_frontends::inference::grpc_inference_service_server::{
    GrpcInferenceService, GrpcInferenceServiceServer,
};
use bench_frontends::inference::model_infer_response::InferOutputTensor;
use bench_frontends::inference::model_metadata_response::TensorMetadata;
use bench_frontends::inference::*;
use bench_frontends::{DATATYPE, Like, MAX_MESSAGE_BYTES, Options, Tensor, VERSION};
use bytes::Bytes;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

struct Bare {
    model: String,
    like: Like,
    /// The one output every answer carries; `Bytes` clones share its zero bytes.
    output: InferOutputTensor,
    output_bytes: Bytes,
}

impl Bare {
    fn check_model(&self, name: &str, version: &str) -> Result<(), Status> {
        if name != self.model {
            return Err(Status::not_found("Model with requested name is not found"));
        }
        if !version.is_empty() && version != VERSION {
            return Err(Status::not_found(
                "Model with requested version is not found",
            ));
        }
        Ok(())
    }

    fn tensor((name, shape): Tensor) -> TensorMetadata {
        TensorMetadata {
            name: name.into(),
            datatype: DATATYPE.into(),
            shape: shape.to_vec(),
        }
    }
}

#[tonic::async_trait]
impl GrpcInferenceService for Bare {
    async fn server_live(
        &self,
        _: Request<ServerLiveRequest>,
    ) -> Result<Response<ServerLiveResponse>, Status> {
        Ok(Response::new(ServerLiveResponse { live: true }))
    }

    async fn server_ready(
        &self,
        _: Request<ServerReadyRequest>,
    ) -> Result<Response<ServerReadyResponse>, Status> {
        Ok(Response::new(ServerReadyResponse { ready: true }))
    }

    async fn model_ready(
        &self,
        request: Request<ModelReadyRequest>,
    ) -> Result<Response<ModelReadyResponse>, Status> {
        let request = request.into_inner();
        self.check_model(&request.name, &request.version)?;
        Ok(Response::new(ModelReadyResponse { ready: true }))
    }

    async fn server_metadata(
        &self,
        _: Request<ServerMetadataRequest>,
    ) -> Result<Response<ServerMetadataResponse>, Status> {
        Ok(Response::new(ServerMetadataResponse {
            name: "bare tonic (front-end benchmark baseline)".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            extensions: Vec::new(),
        }))
    }

    async fn model_metadata(
        &self,
        request: Request<ModelMetadataRequest>,
    ) -> Result<Response<ModelMetadataResponse>, Status> {
        let request = request.into_inner();
        self.check_model(&request.name, &request.version)?;
        Ok(Response::new(ModelMetadataResponse {
            name: self.model.clone(),
            versions: vec![VERSION.into()],
            platform: "OpenVINO".into(),
            inputs: vec![Self::tensor(self.like.input())],
            outputs: vec![Self::tensor(self.like.output())],
        }))
    }

    async fn model_infer(
        &self,
        request: Request<ModelInferRequest>,
    ) -> Result<Response<ModelInferResponse>, Status> {
        // Decoded by tonic like any request; only the name is looked at.
        let request = request.into_inner();
        self.check_model(&request.model_name, &request.model_version)?;
        Ok(Response::new(ModelInferResponse {
            model_name: request.model_name,
            model_version: VERSION.into(),
            id: request.id,
            parameters: Default::default(),
            outputs: vec![self.output.clone()],
            raw_output_contents: vec![self.output_bytes.clone()],
        }))
    }

    type ModelStreamInferStream = tonic::codegen::BoxStream<ModelStreamInferResponse>;

    async fn model_stream_infer(
        &self,
        _: Request<tonic::Streaming<ModelInferRequest>>,
    ) -> Result<Response<Self::ModelStreamInferStream>, Status> {
        Err(Status::unimplemented("streaming is not served"))
    }
}

fn main() {
    let options = Options::from_args("bare_tonic", 9100);
    let (output_name, output_shape) = options.like.output();
    let bare = Bare {
        model: options.model.clone(),
        like: options.like,
        output: InferOutputTensor {
            name: output_name.into(),
            datatype: DATATYPE.into(),
            shape: output_shape.to_vec(),
            ..Default::default()
        },
        output_bytes: Bytes::from(vec![0; options.like.output_bytes()]),
    };
    options.runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind(options.address)
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {}: {e}", options.address));
        eprintln!(
            "bare_tonic: serving model {} over gRPC on {}",
            options.model,
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        let service = GrpcInferenceServiceServer::new(bare)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        tonic::transport::Server::builder()
            .http2_adaptive_window(Some(true))
            .add_service(service)
            .serve_with_incoming_shutdown(
                TcpIncoming::from(listener).with_nodelay(Some(true)),
                bench_frontends::stop_signal(),
            )
            .await
            .expect("the gRPC server runs");
    });
}
