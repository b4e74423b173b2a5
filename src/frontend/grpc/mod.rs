//! Placeholder until the grpc front end lands: holds the port and ends on shutdown.

use super::Shutdown;
use tokio::net::TcpListener;

pub async fn serve(listener: TcpListener, shutdown: Shutdown) {
    let _listener = listener;
    shutdown.fired().await;
}
