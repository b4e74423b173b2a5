//! The KServe v2 gRPC front end: `inference.GRPCInferenceService` (proto/inference.proto) on
//! tonic, serving the started server's models. It only converts: inference goes through
//! `frontend::infer`, the same core as the C API, and errors keep OVMS's codes and messages,
//! mapped to gRPC codes by OVMS's table (`status.rs`).

mod decode;
mod service;
pub mod status;

use super::{MAX_MESSAGE_BYTES, Shutdown};
use proto::grpc_inference_service_server::GrpcInferenceServiceServer;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;

/// The messages and the service trait generated from proto/inference.proto by build.rs.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod proto {
    tonic::include_proto!("inference");
}

/// Serves gRPC on `listener` until `shutdown` fires, then finishes the requests it holds.
pub async fn serve(listener: TcpListener, shutdown: Shutdown) {
    let service = GrpcInferenceServiceServer::new(service::Inference)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    // Small requests are the common case: send each answer at once.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let served = tonic::transport::Server::builder()
        // Large tensors: let HTTP/2 flow control grow its windows to the link.
        .http2_adaptive_window(Some(true))
        .add_service(service)
        .serve_with_incoming_shutdown(incoming, shutdown.fired())
        .await;
    if let Err(e) = served {
        log::error!("the gRPC server stopped: {e}");
    }
}
