//! The RPCs of `inference.GRPCInferenceService`, with OVMS's answers and codes
//! (OVMS: src/kfs_frontend/kfs_grpc_inference_service.cpp).

use super::decode::{decode_inputs, parse_version};
use super::proto::grpc_inference_service_server::GrpcInferenceService;
use super::proto::model_infer_response::InferOutputTensor;
use super::proto::model_metadata_response::TensorMetadata as ProtoTensor;
use super::proto::*;
use super::status::to_grpc;
use crate::frontend::infer::{
    PIPELINE_VERSION, count_pipeline_request, infer, is_pipeline, pipeline_input_count,
    pipeline_metadata, pipeline_ready,
};
use crate::metrics::{Interface, Method, count_request};
use crate::model::{Model, ServableMetadata, TensorMetadata, VersionState};
use crate::server::{self, SERVER};
use crate::status::{Error, Result, StatusCode};
use std::pin::Pin;
use std::sync::Arc;
use tonic::codegen::tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// What ModelMetadata names as the platform.
const PLATFORM: &str = "OpenVINO";

/// The service; all its state is the server's.
pub struct Inference;

type Answer<T> = std::result::Result<Response<T>, Status>;

fn answer<T>(result: Result<T>) -> Answer<T> {
    result.map(Response::new).map_err(|e| to_grpc(&e))
}

/// The model named `name`, or OVMS's MODEL_NAME_MISSING.
fn model(name: &str) -> Result<Arc<Model>> {
    SERVER.manager()?.model(name).ok_or_else(|| {
        Error::with(
            StatusCode::MODEL_NAME_MISSING,
            format!("no model named {name:?}"),
        )
    })
}

/// The version ModelReady and ModelMetadata describe: the one asked for when it exists, else
/// the highest AVAILABLE one (OVMS's default version), else MODEL_VERSION_MISSING.
fn described_version(model: &Model, asked: &str) -> Result<(i64, VersionState)> {
    let version = parse_version(asked)?;
    let versions = model.versions();
    let found = if version == 0 && asked.is_empty() {
        versions
            .iter()
            .rev()
            .find(|(_, entry)| entry.state == VersionState::Available)
    } else {
        versions.get_key_value(&version)
    };
    found
        .map(|(&number, entry)| (number, entry.state))
        .ok_or_else(|| {
            Error::with(
                StatusCode::MODEL_VERSION_MISSING,
                format!("model {:?} version {asked:?}", model.name),
            )
        })
}

/// A tensor as ModelMetadata lists it: -1 for each dimension that is not static.
fn tensor_metadata(tensor: &TensorMetadata) -> ProtoTensor {
    ProtoTensor {
        name: tensor.name.to_string_lossy().into_owned(),
        // OVMS's name for a type KServe has none for.
        datatype: tensor.datatype.kserve_name().unwrap_or("INVALID").into(),
        shape: tensor
            .shape_min
            .iter()
            .zip(&tensor.shape_max)
            .map(|(&min, &max)| if min == max && min >= 0 { min } else { -1 })
            .collect(),
    }
}

fn model_ready(request: ModelReadyRequest) -> Result<ModelReadyResponse> {
    if is_pipeline(&request.name) {
        // As OVMS: a pipeline's readiness, whatever version is asked for.
        let ready = pipeline_ready(&request.name)?;
        count_pipeline_request(Interface::Grpc, Method::ModelReady, &request.name, true);
        return Ok(ModelReadyResponse { ready });
    }
    let model = model(&request.name)?;
    let (version, state) = described_version(&model, &request.version)?;
    count_request(
        Interface::Grpc,
        Method::ModelReady,
        &request.name,
        Some(version),
        true,
    );
    Ok(ModelReadyResponse {
        ready: state == VersionState::Available,
    })
}

/// A pipeline's metadata as OVMS gives it: its one version "1", the version asked for not
/// looked at.
fn pipeline_metadata_response(name: String) -> Result<ModelMetadataResponse> {
    let described = pipeline_metadata(&name);
    count_pipeline_request(
        Interface::Grpc,
        Method::ModelMetadata,
        &name,
        described.is_ok(),
    );
    let described = described?;
    Ok(ModelMetadataResponse {
        name,
        versions: vec![PIPELINE_VERSION.to_string()],
        platform: PLATFORM.into(),
        inputs: described.inputs.iter().map(tensor_metadata).collect(),
        outputs: described.outputs.iter().map(tensor_metadata).collect(),
    })
}

fn model_metadata(request: ModelMetadataRequest) -> Result<ModelMetadataResponse> {
    if is_pipeline(&request.name) {
        return pipeline_metadata_response(request.name);
    }
    let model = model(&request.name)?;
    let (version, _) = described_version(&model, &request.version)?;
    let described = SERVER
        .manager()
        .and_then(|manager| manager.servable(&request.name, version))
        .map(|servable| ServableMetadata::of(servable.loaded()));
    count_request(
        Interface::Grpc,
        Method::ModelMetadata,
        &request.name,
        Some(version),
        described.is_ok(),
    );
    let described = described?;
    // Every AVAILABLE version, and the one described even if it just stopped being so.
    let versions = model
        .versions()
        .into_iter()
        .filter(|(number, entry)| *number == version || entry.state == VersionState::Available)
        .map(|(number, _)| number.to_string())
        .collect();
    Ok(ModelMetadataResponse {
        name: request.name,
        versions,
        platform: PLATFORM.into(),
        inputs: described.inputs.iter().map(tensor_metadata).collect(),
        outputs: described.outputs.iter().map(tensor_metadata).collect(),
    })
}

async fn model_infer(request: ModelInferRequest) -> Result<ModelInferResponse> {
    let ModelInferRequest {
        model_name,
        model_version,
        id,
        inputs,
        raw_input_contents,
        ..
    } = request;
    let version = parse_version(&model_version)?;
    // A missing model or version, or a pipeline that does not serve, is reported before
    // anything about the tensors, as in OVMS. A pipeline's version is not looked at.
    let (expected_inputs, served_version) = if is_pipeline(&model_name) {
        (pipeline_input_count(&model_name)?, None)
    } else {
        let servable = SERVER.manager()?.servable(&model_name, version)?;
        let expected_inputs = servable.loaded().inputs.len();
        (expected_inputs, Some(servable.version().version))
    };
    let decoded = decode_inputs(inputs, raw_input_contents, expected_inputs).inspect_err(|_| {
        match served_version {
            Some(served_version) => count_request(
                Interface::Grpc,
                Method::ModelInfer,
                &model_name,
                Some(served_version),
                false,
            ),
            None => count_pipeline_request(Interface::Grpc, Method::ModelInfer, &model_name, false),
        }
    })?;
    let answer = infer(&model_name, version, decoded.inputs, Interface::Grpc).await;
    let answer = answer.map_err(|e| decoded.miscounts.explain(e))?;
    let mut outputs = Vec::with_capacity(answer.outputs.len());
    let mut raw_output_contents = Vec::with_capacity(answer.outputs.len());
    for output in answer.outputs {
        outputs.push(InferOutputTensor {
            name: output.name,
            datatype: output.datatype.into(),
            shape: output.shape,
            ..Default::default()
        });
        raw_output_contents.push(output.data);
    }
    Ok(ModelInferResponse {
        model_name: answer.model_name,
        model_version: answer.model_version.to_string(),
        id,
        outputs,
        raw_output_contents,
        ..Default::default()
    })
}

#[tonic::async_trait]
impl GrpcInferenceService for Inference {
    async fn server_live(&self, _: Request<ServerLiveRequest>) -> Answer<ServerLiveResponse> {
        answer(Ok(ServerLiveResponse {
            live: SERVER.is_live(),
        }))
    }

    async fn server_ready(&self, _: Request<ServerReadyRequest>) -> Answer<ServerReadyResponse> {
        answer(Ok(ServerReadyResponse {
            ready: SERVER.is_ready(),
        }))
    }

    async fn model_ready(&self, request: Request<ModelReadyRequest>) -> Answer<ModelReadyResponse> {
        answer(model_ready(request.into_inner()))
    }

    async fn server_metadata(
        &self,
        _: Request<ServerMetadataRequest>,
    ) -> Answer<ServerMetadataResponse> {
        answer(Ok(ServerMetadataResponse {
            name: server::SERVER_NAME.into(),
            version: server::version(),
            // OVMS lists no extension.
            extensions: Vec::new(),
        }))
    }

    async fn model_metadata(
        &self,
        request: Request<ModelMetadataRequest>,
    ) -> Answer<ModelMetadataResponse> {
        answer(model_metadata(request.into_inner()))
    }

    async fn model_infer(&self, request: Request<ModelInferRequest>) -> Answer<ModelInferResponse> {
        answer(model_infer(request.into_inner()).await)
    }

    type ModelStreamInferStream =
        Pin<Box<dyn Stream<Item = std::result::Result<ModelStreamInferResponse, Status>> + Send>>;

    async fn model_stream_infer(
        &self,
        _: Request<tonic::Streaming<ModelInferRequest>>,
    ) -> Answer<Self::ModelStreamInferStream> {
        // OVMS streams only to MediaPipe graphs, which this server does not serve.
        Err(Status::unimplemented(
            "ModelStreamInfer serves MediaPipe graphs only, and this server serves none",
        ))
    }
}
