//! The network front ends: KServe v2 over gRPC (tonic) and REST (axum), on one tokio runtime
//! per server, made only when a port is set. They only convert: every request becomes the
//! library's own request and runs through the same validation, pool and async path as
//! `OVMS_InferenceAsync` (`infer`), with the same status table.

pub mod grpc;
pub mod infer;
pub mod rest;

use crate::config::ServerSettings;
use crate::status::{Error, Result, StatusCode};
use std::net::{SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// 1 GiB: OVMS's gRPC message and REST body limits.
pub(crate) const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// How long a stop waits for the servers to finish the requests they hold before it drops
/// their connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A signal the servers end on: once it fires they accept nothing new and finish what they
/// hold.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    pub async fn fired(mut self) {
        // An error means the sender is gone, which is a shutdown too.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// The running front ends of a started server.
pub struct Frontends {
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

/// The network runtime: made by the first start that sets a port, then kept for the life of
/// the process, so its threads never exit. They finish inferences (OpenVINO status, response,
/// slot release, the next queued start), and OpenVINO keeps per-thread executor state that a
/// thread's exit destroys, reading executors a reload or stop may have freed long before (the
/// reason the dispatcher's threads never exit either). A later server reuses it, with the
/// threads the first start asked for.
static RUNTIME: Mutex<Option<&'static Runtime>> = Mutex::new(None);

/// The network runtime's threads for `settings`: half the cores by default (OpenVINO's
/// inference threads take the other half), or more when `grpc_workers` or `rest_workers` ask
/// for more (the larger of the two, at most the cores). On 2 cores the default is one: one
/// network thread served the dummy over gRPC at 7,390 inferences/s at 16 in flight against
/// 6,140 with two (perf_analyzer, one run each on a quiet machine).
fn network_threads(settings: &ServerSettings) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let asked = settings
        .grpc_workers
        .max(settings.rest_workers.unwrap_or(0)) as usize;
    asked.max(cores / 2).clamp(1, cores)
}

/// The runtime, made with `threads` if it does not exist yet.
fn runtime(threads: usize) -> Result<&'static Runtime> {
    let mut runtime = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(runtime) = *runtime {
        return Ok(runtime);
    }
    let built = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        // The blocking threads run reloads (`POST /v1/config/reload`), which compile models:
        // a few are enough, and they never exit either (a year of idleness, in effect never).
        .max_blocking_threads(2)
        .thread_keep_alive(Duration::from_secs(365 * 24 * 3600))
        .thread_name("ovms-net")
        .enable_all()
        .build()
        .map_err(|e| {
            Error::with(
                StatusCode::INTERNAL_ERROR,
                format!("cannot start the network runtime: {e}"),
            )
        })?;
    Ok(*runtime.insert(Box::leak(Box::new(built))))
}

/// Binds a front end's port (the settings' validation checked its range) on its address.
fn bind(address: &str, port: u32, code: StatusCode, what: &str) -> Result<StdListener> {
    let failed = |e: std::io::Error| {
        Error::with(
            code,
            format!("cannot serve {what} on {address}:{port}: {e}"),
        )
    };
    let port = u16::try_from(port).map_err(|_| Error::with(code, format!("{what} port {port}")))?;
    let addresses: Vec<SocketAddr> = (address, port).to_socket_addrs().map_err(failed)?.collect();
    let listener = StdListener::bind(&addresses[..]).map_err(failed)?;
    listener.set_nonblocking(true).map_err(failed)?;
    Ok(listener)
}

impl Frontends {
    /// Binds the set ports (a port that cannot be bound fails the start) and serves them.
    /// `None` when neither port is set.
    pub fn start(settings: &ServerSettings) -> Result<Option<Frontends>> {
        if settings.grpc_port == 0 && settings.rest_port == 0 {
            return Ok(None);
        }
        let grpc = (settings.grpc_port != 0)
            .then(|| {
                bind(
                    &settings.grpc_bind_address,
                    settings.grpc_port,
                    StatusCode::FAILED_TO_START_GRPC_SERVER,
                    "gRPC",
                )
            })
            .transpose()?;
        let rest = (settings.rest_port != 0)
            .then(|| {
                bind(
                    &settings.rest_bind_address,
                    settings.rest_port,
                    StatusCode::FAILED_TO_START_REST_SERVER,
                    "REST",
                )
            })
            .transpose()?;
        let runtime = runtime(network_threads(settings))?;
        let (stop, stopped) = watch::channel(false);
        let mut servers = Vec::new();
        // Listeners are registered with the runtime inside it.
        let _entered = runtime.enter();
        let to_error = |e: std::io::Error| Error::with(StatusCode::INTERNAL_ERROR, e.to_string());
        if let Some(listener) = grpc {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(to_error)?;
            log::info!(
                "serving gRPC on {}",
                listener.local_addr().map_err(to_error)?
            );
            servers.push(runtime.spawn(grpc::serve(listener, Shutdown(stopped.clone()))));
        }
        if let Some(listener) = rest {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(to_error)?;
            log::info!(
                "serving REST on {}",
                listener.local_addr().map_err(to_error)?
            );
            servers.push(runtime.spawn(rest::serve(listener, Shutdown(stopped.clone()))));
        }
        drop(_entered);
        Ok(Some(Frontends { stop, servers }))
    }

    /// Stops accepting connections and requests; requests already received go on.
    pub fn stop_accepting(&self) {
        self.stop.send_replace(true);
    }

    /// Waits (bounded) for the servers to answer what they hold and end; past the bound their
    /// tasks are dropped. Call after the pools were closed, so every request in flight has been
    /// answered or failed.
    pub fn finish(self) {
        // A runtime cannot be waited on from inside another one (a Rust host may stop the
        // server from its own tokio thread): wait on a thread of its own then.
        if tokio::runtime::Handle::try_current().is_ok() {
            let finishing = std::thread::Builder::new()
                .name("ovms-net-stop".into())
                .spawn(move || self.finish());
            match finishing {
                Ok(thread) => {
                    if thread.join().is_err() {
                        log::error!("stopping the network front ends panicked");
                    }
                }
                Err(e) => log::error!("cannot stop the network front ends: {e}"),
            }
            return;
        }
        self.stop_accepting();
        // The start that made these front ends made the runtime.
        let Some(runtime) = *RUNTIME.lock().unwrap_or_else(|e| e.into_inner()) else {
            return;
        };
        let aborts: Vec<_> = self.servers.iter().map(JoinHandle::abort_handle).collect();
        runtime.block_on(async {
            let all = futures_join_all(self.servers);
            if tokio::time::timeout(DRAIN_TIMEOUT, all).await.is_err() {
                log::warn!(
                    "the network front ends did not drain in {} s; closing them",
                    DRAIN_TIMEOUT.as_secs()
                );
                aborts.iter().for_each(|abort| abort.abort());
            }
        });
    }
}

async fn futures_join_all(handles: Vec<JoinHandle<()>>) {
    for handle in handles {
        if let Err(e) = handle.await {
            log::error!("a network server task ended badly: {e}");
        }
    }
}
