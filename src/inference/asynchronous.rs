//! Asynchronous inference on the slot pool, built so that no slot can leak and no callback can
//! be lost or doubled:
//! - a job refused before it was accepted returns a status and never calls back;
//! - an accepted job calls back exactly once: `(response, 0)` or `(NULL, 1)`;
//! - the slot is restored and released before the user callback runs, and no library lock is
//!   held while it runs;
//! - `wait_for_callbacks` lets a server stop return only after every accepted job called back.

use super::bind::{Occupied, bind, collect};
use super::dispatcher::{self, Blocking};
use super::request::{Completion, Request};
use super::response::Response;
use super::validate::validate;
use crate::fault::{self, Fault};
use crate::model::{Servable, ServableManager};
use crate::pool::{InFlight, QueuedJob, SlotGuard, Submitted};
use crate::status::{Error, Result, StatusCode};
use std::any::Any;
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex};

/// Turns a response into the pointer the user callback receives (and then owns).
pub type Publish = fn(Response) -> *mut c_void;

/// Accepted jobs that have not called back yet. An atomic, so that counting takes no lock; the
/// mutex only pairs with the condvar for `wait_for_callbacks`.
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);
static DELIVERY: Mutex<()> = Mutex::new(());
static ALL_DELIVERED: Condvar = Condvar::new();

/// Counts one job from its creation until it is dropped, which happens after its callback
/// returned (or when it was refused, before any callback).
struct Accepted;

impl Accepted {
    fn new() -> Accepted {
        ACCEPTED.fetch_add(1, SeqCst);
        Accepted
    }
}

impl Drop for Accepted {
    fn drop(&mut self) {
        if ACCEPTED.fetch_sub(1, SeqCst) == 1 {
            // Taking the lock orders this with a waiter between its check and its sleep.
            drop(DELIVERY.lock().unwrap_or_else(|e| e.into_inner()));
            ALL_DELIVERED.notify_all();
        }
    }
}

/// Blocks until every accepted async job has had its callback.
pub fn wait_for_callbacks() {
    let mut guard = DELIVERY.lock().unwrap_or_else(|e| e.into_inner());
    while ACCEPTED.load(SeqCst) > 0 {
        guard = ALL_DELIVERED.wait(guard).unwrap_or_else(|e| e.into_inner());
    }
}

/// The caller's request: it keeps it alive and unchanged until the callback, as OVMS requires.
struct RequestRef(*const Request);

// SAFETY: the request is only read, and the caller does not touch it while the job runs.
unsafe impl Send for RequestRef {}

pub struct Job {
    servable: Servable,
    request: RequestRef,
    completion: Completion,
    publish: Publish,
    _accepted: Accepted,
}

/// A job that could not start, with the slot it held (if any) still to be released.
struct NotStarted {
    job: Box<Job>,
    occupied: Option<Occupied>,
    error: Error,
}

impl Job {
    fn request(&self) -> &Request {
        // SAFETY: see `RequestRef`.
        unsafe { &*self.request.0 }
    }

    /// Binds the request to `guard`'s slot and starts inference there.
    fn begin(self: Box<Self>, guard: SlotGuard) -> std::result::Result<(), NotStarted> {
        let mut occupied = Occupied::new(guard);
        if let Err(error) = bind(&mut occupied, self.request(), self.servable.loaded()) {
            return Err(NotStarted {
                job: self,
                occupied: Some(occupied),
                error,
            });
        }
        let handle = occupied.handle();
        let slot = handle.slot();
        slot.park(Box::new(Running {
            job: self,
            occupied,
        }));
        let started = if fault::injected(Fault::StartAsync) {
            Err(Error::with(
                StatusCode::OV_INTERNAL_INFERENCE_ERROR,
                "injected fault: start_async failed",
            ))
        } else {
            slot.request
                .start_async()
                .map_err(|e| Error::with(StatusCode::OV_INTERNAL_INFERENCE_ERROR, e.to_string()))
        };
        let Err(error) = started else { return Ok(()) };
        match slot.unpark() {
            Some(parked) => {
                let running = parked
                    .into_any()
                    .downcast::<Running>()
                    .expect("a slot parks only `Running`");
                let Running { job, occupied } = *running;
                Err(NotStarted {
                    job,
                    occupied: Some(occupied),
                    error,
                })
            }
            // OpenVINO's callback already took the request: the completion path owns it now
            // and will report the outcome, so the job counts as started.
            None => Ok(()),
        }
    }

    /// Calls the user back, exactly once; the job (and its count) ends when this returns.
    fn deliver(self, result: Result<Response>) {
        let (response, flag) = match result {
            Ok(response) => ((self.publish)(response), 0),
            Err(error) => {
                log::debug!(
                    "async inference on {:?} failed: {error}",
                    self.servable.version().model_name
                );
                (std::ptr::null_mut(), 1)
            }
        };
        let Completion { callback, user } = self.completion;
        dispatcher::run_user_code(|| unsafe { callback(response, flag, user) });
    }
}

impl NotStarted {
    /// Releases the slot, then reports the failure to the user callback.
    fn report(self) {
        drop(self.occupied);
        (*self.job).deliver(Err(self.error));
    }
}

impl QueuedJob for Job {
    fn start(self: Box<Self>, slot: SlotGuard) {
        // Runs inside a slot release; a failure is reported from a dispatcher thread, so a run
        // of failing jobs cannot nest releases on this stack.
        if let Err(not_started) = self.begin(slot) {
            dispatcher::spawn(move || not_started.report());
        }
    }

    fn cancel(self: Box<Self>) {
        let error = Error::with(
            StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE,
            "the server stopped before the request ran",
        );
        (*self).deliver(Err(error));
    }
}

/// A job whose inference was started on a slot.
struct Running {
    job: Box<Job>,
    occupied: Occupied,
}

impl InFlight for Running {
    fn completed(self: Box<Self>) {
        dispatcher::spawn(move || (*self).finish());
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

impl Running {
    /// On a dispatcher thread: the outcome from OpenVINO, the response, the slot restored and
    /// released, then the user callback.
    fn finish(self) {
        let Running { job, occupied } = self;
        let inference = |e: crate::ov::OvError| {
            Error::with(StatusCode::OV_INTERNAL_INFERENCE_ERROR, e.to_string())
        };
        let mut result = occupied.slot().request.wait().map_err(inference);
        if result.is_ok() && fault::injected(Fault::Completion) {
            result = Err(Error::with(
                StatusCode::OV_INTERNAL_INFERENCE_ERROR,
                "injected fault: inference failed",
            ));
        }
        let response =
            result.and_then(|()| collect(&occupied, job.request(), job.servable.loaded()));
        drop(occupied);
        (*job).deliver(response);
    }
}

/// `OVMS_InferenceAsync`: on `Ok` the job was accepted and its callback will run exactly once;
/// on `Err` it was refused and the callback never runs.
pub fn infer_async(manager: &ServableManager, request: &Request, publish: Publish) -> Result<()> {
    let completion = request.completion.ok_or_else(|| {
        Error::with(
            StatusCode::OV_INTERNAL_INFERENCE_ERROR,
            "no completion callback is set on the request",
        )
    })?;
    let servable = manager.servable(&request.servable_name, request.servable_version)?;
    let loaded = servable.loaded();
    validate(request, &loaded.inputs, &loaded.outputs)?;
    let pool = loaded.pool.clone();
    let job = Box::new(Job {
        servable,
        request: RequestRef(request),
        completion,
        publish,
        _accepted: Accepted::new(),
    });
    match pool.submit(job, Blocking::enter) {
        Submitted::Now(job, slot) => job.begin(slot).map_err(|not_started| {
            drop(not_started.occupied);
            not_started.error
        }),
        Submitted::Queued => Ok(()),
        Submitted::Closed(_) => Err(Error::with(
            StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE,
            "the server is stopping",
        )),
    }
}
