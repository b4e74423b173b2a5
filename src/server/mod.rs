//! The server part: the process singleton, start and stop, and what the server reports.

mod logging;

use crate::config::{ModelsSettings, ServerSettings};
use crate::frontend::Frontends;
use crate::inference::{self, Request};
use crate::metrics;
use crate::model::ServableManager;
use crate::model::served::{self, ServedSet};
use crate::ov;
use crate::pipeline::{self, Pipelines, Target};
use crate::status::{Error, Result, StatusCode};
use crate::watcher::{ConfigSource, Reloader, Watcher};
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

/// The one server of the process, as in OVMS.
pub struct Server {
    /// Held for the whole of a start (and of a delete), so concurrent starts can tell.
    starting: Mutex<()>,
    /// The C API module is up: set by a start that got past option validation.
    live: AtomicBool,
    /// The served models and pipelines, while started.
    serving: ServedSet<Option<Serving>>,
    /// Stops under way (see `stop`).
    stops: AtomicUsize,
    /// The reload cycle and its watcher thread, while started.
    reloading: Mutex<Option<Reloading>>,
    /// The gRPC and REST front ends, while started with a port set.
    frontends: Mutex<Option<Frontends>>,
}

/// Behind one lock, so a request takes one lock, not two, to find what it names.
struct Serving {
    manager: Arc<ServableManager>,
    pipelines: Arc<Pipelines>,
}

struct Reloading {
    reloader: Arc<Reloader>,
    watcher: Option<Watcher>,
}

pub static SERVER: Server = Server {
    starting: Mutex::new(()),
    live: AtomicBool::new(false),
    serving: ServedSet::new(None),
    stops: AtomicUsize::new(0),
    reloading: Mutex::new(None),
    frontends: Mutex::new(None),
};

/// The name `OVMS_ServerMetadata` reports.
pub const SERVER_NAME: &str = "OpenVINO Model Server";

/// The OVMS release whose behaviour (status numbering, messages, C API) this library matches.
pub const OVMS_RELEASE: &str = "2026.3.0";

/// `/version` of the server metadata, in OVMS's `YYYY.N.P.build` form: the OVMS release matched,
/// with this library's own version as the build part (`2026.3.0.ovms-shared-0-1-0`).
pub fn version() -> String {
    format!(
        "{OVMS_RELEASE}.ovms-shared-{}",
        env!("CARGO_PKG_VERSION").replace('.', "-")
    )
}

impl Server {
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    pub fn is_ready(&self) -> bool {
        self.serving.read().is_some()
    }

    /// The served models, or `SERVER_NOT_READY`.
    pub fn manager(&self) -> Result<Arc<ServableManager>> {
        self.with_serving(|serving| Arc::clone(&serving.manager))
    }

    /// The served models and pipelines, or `SERVER_NOT_READY`.
    pub fn servables(&self) -> Result<(Arc<ServableManager>, Arc<Pipelines>)> {
        self.with_serving(|serving| (Arc::clone(&serving.manager), Arc::clone(&serving.pipelines)))
    }

    /// Runs `f` on the served models and pipelines without taking a reference on either, or
    /// fails with `SERVER_NOT_READY`. `f` runs under the server's lock: it must only look
    /// things up (a stop waits for it), never block or call back into the server.
    pub fn with_servables<R>(
        &self,
        f: impl FnOnce(&Arc<ServableManager>, &Pipelines) -> R,
    ) -> Result<R> {
        self.with_serving(|serving| f(&serving.manager, &serving.pipelines))
    }

    /// What `request` names, for a caller that keeps the request between inferences (the C
    /// API): the version it resolved to last while nothing served changed since
    /// (`model::served`), else a lookup under the server's lock (`with_servables`), whose model
    /// the request then remembers.
    pub fn target(&self, request: &Request) -> Result<Target> {
        let changes = served::changes();
        if let Some(servable) = request.remembered_servable(changes) {
            return Ok(Target::Model(servable));
        }
        let target = self
            .with_servables(|manager, pipelines| pipeline::target(manager, pipelines, request))??;
        if let Target::Model(servable) = &target {
            request.remember_servable(changes, servable);
        }
        Ok(target)
    }

    fn with_serving<R>(&self, f: impl FnOnce(&Serving) -> R) -> Result<R> {
        match &*self.serving.read() {
            Some(serving) => Ok(f(serving)),
            None => Err(Error::with(
                StatusCode::SERVER_NOT_READY,
                if self.is_live() {
                    "not ready"
                } else {
                    "not live"
                },
            )),
        }
    }

    /// Starts synchronously: returns once the initial config is loaded. A start that fails after
    /// option validation leaves the server live but not ready until it is deleted, as in OVMS.
    pub fn start(&self, settings: &ServerSettings, models: &ModelsSettings) -> Result<()> {
        let _starting = match self.starting.try_lock() {
            Ok(guard) => guard,
            // An earlier start panicked while holding it. The lock guards no data, and a start
            // that failed must not block the next one: go on.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return Err(Error::new(StatusCode::SERVER_ALREADY_STARTING));
            }
        };
        if self.is_live() {
            return Err(Error::new(StatusCode::SERVER_ALREADY_STARTED));
        }
        settings.validate(models)?;
        logging::configure(settings.log_level, &settings.log_path);
        // Without a runtime nothing can be served: report it and stay stopped, so the caller can
        // point us at one and start again.
        ov::ensure_loaded().map_err(|reason| Error::with(StatusCode::INTERNAL_ERROR, reason))?;
        // As in OVMS, the front ends serve before the models load, so liveness can be probed
        // during a long load (readiness answers false until it is done). A port that cannot
        // be bound fails the start with nothing left behind.
        let frontends = Frontends::start(settings)?;
        *self.frontends.lock().unwrap_or_else(|e| e.into_inner()) = frontends;
        self.live.store(true, Ordering::Release);
        // Metrics settings are read once per start (as OVMS), before any version loads, so
        // every version gets its series; a bad one fails the start like a bad config. A
        // config that cannot be read is reported by the first cycle.
        let source = ConfigSource::of(models);
        let monitoring = source.load().ok().and_then(|config| config.monitoring);
        metrics::start(metrics::Selection::for_start(
            settings,
            monitoring.as_ref(),
        )?);
        let core =
            ov::Core::new().map_err(|e| Error::with(StatusCode::INTERNAL_ERROR, e.to_string()))?;
        let manager = Arc::new(ServableManager::new(core, settings.cache_dir.clone()));
        let described = source.to_string();
        let reloader = Arc::new(Reloader::new(source));
        // The first cycle is the initial load: a config that cannot be read or parsed fails the
        // start (the server stays live but not ready, as in OVMS).
        reloader.cycle(&manager)?;
        let watcher = match settings.filesystem_poll_wait_ms {
            0 => None,
            ms => Some(
                Watcher::start(
                    Duration::from_millis(ms),
                    Arc::clone(&reloader),
                    Arc::clone(&manager),
                )
                .map_err(|e| {
                    Error::with(
                        StatusCode::INTERNAL_ERROR,
                        format!("cannot start the config watcher: {e}"),
                    )
                })?,
            ),
        };
        let served = manager.models().len();
        *self.serving.write() = Some(Serving {
            manager,
            pipelines: reloader.pipelines(),
        });
        *self.reloading.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Reloading { reloader, watcher });
        log::info!("server started from {described} with {served} models");
        Ok(())
    }

    /// Runs one reload cycle now (`OVMS_ExServerReload`) and returns its outcome.
    pub fn reload(&self) -> Result<()> {
        let manager = self.manager()?;
        let reloader = self
            .reloading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|r| Arc::clone(&r.reloader))
            .ok_or_else(|| Error::with(StatusCode::SERVER_NOT_READY, "not ready"))?;
        reloader.cycle(&manager)
    }

    /// Stops serving. Queued async requests get their failure callback, running ones finish;
    /// this returns once every accepted async request has called back. Sync requests in flight
    /// keep their model version alive until they end.
    ///
    /// From inside an async request's callback it cannot wait for that callback: it stops
    /// serving, waits for every other callback, and returns; the calling request's model
    /// version is freed when its callback returns. If a stop is already under way there, it
    /// returns at once (that stop ends once this callback returns).
    pub fn stop(&self) {
        let from_callback = inference::in_job_callback();
        if self.stops.fetch_add(1, Ordering::SeqCst) > 0 && from_callback {
            self.stops.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        struct StopEnds<'a>(&'a AtomicUsize);
        impl Drop for StopEnds<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _ends = StopEnds(&self.stops);
        let _starting = self.starting.lock().unwrap_or_else(|e| e.into_inner());
        // The watcher first: no cycle runs once serving stops.
        let reloading = self
            .reloading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(Reloading {
            watcher: Some(watcher),
            ..
        }) = reloading
        {
            watcher.stop();
        }
        let frontends = self
            .frontends
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(frontends) = &frontends {
            frontends.stop_accepting();
        }
        let manager = self.serving.write().take().map(|serving| serving.manager);
        self.live.store(false, Ordering::Release);
        if let Some(manager) = &manager {
            for job in manager.close_pools() {
                // Its callback runs on a library thread, like every callback.
                job.cancel();
            }
        }
        inference::wait_for_callbacks();
        // Every network request in flight has its answer now: let the servers send them.
        if let Some(frontends) = frontends {
            frontends.finish();
        }
        drop(manager);
        // A later start counts from zero.
        metrics::stop();
        log::info!("server stopped");
    }
}

/// `OVMS_ServerMetadata`'s JSON object, keys in OVMS's order.
pub fn metadata() -> Value {
    let mut object = Map::new();
    object.insert("name".into(), Value::from(SERVER_NAME));
    object.insert("version".into(), Value::from(version()));
    // Works before a start too: the runtime is loaded here if it can be.
    let _ = ov::ensure_loaded();
    object.insert("ov_version".into(), Value::from(ov::openvino_version()));
    Value::Object(object)
}
