//! Asynchronous inference on the slot pool, built so that no slot can leak and no callback can
//! be lost or doubled:
//! - a job refused before it was accepted returns a status and never calls back;
//! - an accepted job calls back exactly once, `Ok(response)` or `Err(..)`, also when finishing
//!   it panics (a job dropped without calling back still calls back, with a failure);
//! - the slot is restored and released before the callback runs, finishing never waits behind
//!   a callback, and no library lock is held while one runs;
//! - `wait_for_callbacks` lets a server stop return only after every accepted job called back.

use super::bind::{Occupied, bind, collect};
use super::dispatcher::{self, Blocking, Delivery, Finishing, Task};
use super::request::{InFlightMark, Request};
use super::response::Response;
use super::validate::{Plan, validate};
use crate::fault::{self, Fault};
use crate::metrics::{Interface, RequestMeter};
use crate::model::{Servable, ServableManager};
use crate::ov::OvError;
use crate::pool::{InFlight, QueuedJob, SlotGuard, Submitted};
use crate::status::{Error, Result, StatusCode};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// What an accepted request calls when it ends, exactly once, on a library thread.
pub type Done = Box<dyn FnOnce(Result<Response>) + Send>;

/// Where a job is finished once OpenVINO calls back (its status read, the response built, the
/// slot released) and its `done` called.
enum Finisher {
    /// On the completion dispatcher: `done` may be user code (a C host's callback).
    Dispatcher,
    /// On the async runtime that submitted the job (a network request): its `done` is library
    /// code that never blocks (a channel send), so finishing and answering run as one task
    /// there, one hand-off from OpenVINO's thread instead of the dispatcher's three.
    Runtime(tokio::runtime::Handle),
}

/// Accepted jobs that have not called back yet. An atomic, so that counting takes no lock; the
/// mutex only pairs with the condvar for `wait_for_callbacks`.
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);
/// Threads in `wait_for_callbacks`: a job that ends with none waiting skips the lock and the
/// notification (a futex call per request otherwise, since the condvar cannot tell).
static WAITING_FOR_CALLBACKS: AtomicUsize = AtomicUsize::new(0);
static DELIVERY: Mutex<()> = Mutex::new(());
static ALL_DELIVERED: Condvar = Condvar::new();

thread_local! {
    /// Set while this thread runs the callback of an accepted job.
    static IN_JOB_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Counts one job from its acceptance until its callback returned (or it was refused).
struct Accepted;

impl Accepted {
    fn new() -> Accepted {
        ACCEPTED.fetch_add(1, SeqCst);
        Accepted
    }
}

impl Drop for Accepted {
    fn drop(&mut self) {
        ACCEPTED.fetch_sub(1, SeqCst);
        // Both SeqCst: a waiter that registered after this load reads the count after this
        // decrement, so it needs no notification.
        if WAITING_FOR_CALLBACKS.load(SeqCst) == 0 {
            return;
        }
        // Taking the lock orders this with a waiter between its check and its sleep.
        drop(DELIVERY.lock().unwrap_or_else(|e| e.into_inner()));
        ALL_DELIVERED.notify_all();
    }
}

/// Blocks until every accepted async job has had its callback: all of them, or, when called
/// from inside such a callback, all but the calling one (which ends when it returns).
pub fn wait_for_callbacks() {
    let mine = usize::from(IN_JOB_CALLBACK.with(Cell::get));
    let mut guard = DELIVERY.lock().unwrap_or_else(|e| e.into_inner());
    WAITING_FOR_CALLBACKS.fetch_add(1, SeqCst);
    while ACCEPTED.load(SeqCst) > mine {
        guard = ALL_DELIVERED.wait(guard).unwrap_or_else(|e| e.into_inner());
    }
    WAITING_FOR_CALLBACKS.fetch_sub(1, SeqCst);
}

/// Calls `done` with `result` on a library thread, counted as an accepted job until it
/// returns (so a server stop waits for it): for a caller that accepted work itself (a pipeline)
/// and must call back without a model job of its own to do it from.
pub fn call_back_later(done: Done, result: Result<Response>) {
    call_later_counted(move || done(result));
}

/// Runs `task` on a dispatcher thread as a job callback (it may block and may call a user's
/// callback), counted as an accepted job until it returns: a pipeline's custom node runs here.
pub fn call_later_counted(task: impl FnOnce() + Send + 'static) {
    let accepted = Accepted::new();
    dispatcher::deliver(move || {
        struct InCallback;
        impl Drop for InCallback {
            fn drop(&mut self) {
                IN_JOB_CALLBACK.with(|c| c.set(false));
            }
        }
        IN_JOB_CALLBACK.with(|c| c.set(true));
        let in_callback = InCallback;
        task();
        drop(in_callback);
        drop(accepted);
    });
}

/// Whether this thread runs the callback of an accepted async request.
pub fn in_job_callback() -> bool {
    IN_JOB_CALLBACK.with(Cell::get)
}

pub struct Job {
    servable: Servable,
    plan: Plan,
    /// Taken when the job calls back or is refused.
    done: Option<Done>,
    /// Dropped just before the callback, so the callback may reuse the request.
    flight: Option<InFlightMark>,
    /// Dropped after the callback returned.
    accepted: Option<Accepted>,
    /// When the job was accepted, if DEBUG logging was on then.
    accepted_at: Option<Instant>,
    finisher: Finisher,
    /// Its measurements, when the server serves metrics; finished just before the callback,
    /// and dropped unfinished (a failure) if the job is refused or lost.
    meter: Option<RequestMeter>,
    /// Set from the start of inference on a slot until OpenVINO reports its end.
    running: Option<Running>,
    /// The outcome, from the end of finishing until the callback takes it.
    result: Option<Result<Response>>,
}

/// The slot a job's inference runs on, and since when.
struct Running {
    occupied: Occupied,
    launched: Instant,
}

impl Job {
    /// Binds the job's buffers to `guard`'s slot and starts inference there. On failure the
    /// job comes back with the slot (to release) and the error.
    fn begin(
        mut self: Box<Self>,
        guard: SlotGuard,
    ) -> std::result::Result<(), (Box<Job>, Occupied, Error)> {
        if let Some(meter) = &mut self.meter {
            meter.acquired();
        }
        let mut occupied = Occupied::new(guard);
        if let Err(error) = bind(&mut occupied, &self.plan, self.servable.loaded()) {
            return Err((self, occupied, error));
        }
        if let Some(meter) = &mut self.meter {
            meter.inferring();
        }
        let launcher = occupied.launcher();
        self.running = Some(Running {
            occupied,
            launched: Instant::now(),
        });
        // SAFETY: the job owns `occupied` (in `running`), which owns the guard the launcher
        // came from.
        let launched = unsafe { launcher.launch(self) };
        launched.map_err(|(mut job, error)| {
            let running = job.running.take().expect("set before launching");
            (job, running.occupied, inference_error(error))
        })
    }

    /// The job's callback with `result`, to run on a dispatcher thread: the job itself, so
    /// nothing more is allocated.
    fn delivery(mut self: Box<Self>, result: Result<Response>) -> Task {
        self.result = Some(result);
        self
    }

    /// Calls back, exactly once; the job (and its count) ends when this returns.
    fn call_back(mut self: Box<Self>, result: Result<Response>) {
        let Some(done) = self.done.take() else {
            return;
        };
        if let Some(accepted_at) = self.accepted_at {
            let version = self.servable.version();
            let us = accepted_at.elapsed().as_micros();
            match &result {
                Ok(_) => log::debug!(
                    "[servable name: {} version: {}] async inference done in {us} us",
                    version.model_name,
                    version.version
                ),
                Err(error) => log::debug!(
                    "[servable name: {} version: {}] async inference failed after {us} us: {error}",
                    version.model_name,
                    version.version
                ),
            }
        }
        if let Some(meter) = self.meter.take() {
            meter.finish(result.is_ok());
        }
        drop(self.flight.take());
        struct InCallback;
        impl Drop for InCallback {
            fn drop(&mut self) {
                IN_JOB_CALLBACK.with(|c| c.set(false));
            }
        }
        IN_JOB_CALLBACK.with(|c| c.set(true));
        let in_callback = InCallback;
        done(result);
        drop(in_callback);
        // The model version is let go before the count, so a server stop that returns finds
        // every version released.
        let accepted = self.accepted.take();
        drop(self);
        drop(accepted);
    }

    /// Calls back with `result` on a library thread, as every callback.
    fn deliver_later(self: Box<Self>, result: Result<Response>) {
        dispatcher::deliver_boxed(self.delivery(result));
    }

    /// The job was not accepted: no callback; its count ends when it is dropped.
    fn refuse(&mut self) {
        self.done = None;
    }
}

impl Drop for Job {
    /// A safety net for invariant 7 (docs/architecture.md): an accepted job that is dropped without having called
    /// back (a panic on its way) still calls back, with a failure.
    fn drop(&mut self) {
        // The slot goes back first, as on every other path.
        drop(self.running.take());
        if let Some(done) = self.done.take() {
            let accepted = self.accepted.take();
            let flight = self.flight.take();
            dispatcher::deliver(move || {
                drop(flight);
                done(Err(Error::with(
                    StatusCode::INTERNAL_ERROR,
                    "the request was lost by an internal failure",
                )));
                drop(accepted);
            });
        }
    }
}

fn inference_error(e: OvError) -> Error {
    Error::with(StatusCode::OV_INTERNAL_INFERENCE_ERROR, e.to_string())
}

fn panic_error(_: Box<dyn std::any::Any + Send>) -> Error {
    Error::with(
        StatusCode::INTERNAL_ERROR,
        "internal panic while finishing the request",
    )
}

impl QueuedJob for Job {
    fn start(self: Box<Self>, slot: SlotGuard) {
        // Runs inside a slot release; a failure is finished on a dispatcher thread, so a run
        // of failing jobs cannot nest releases on this stack.
        if let Err((job, occupied, error)) = self.begin(slot) {
            dispatcher::finish(move || {
                drop(occupied);
                Some(job.delivery(Err(error)))
            });
        }
    }

    fn cancel(self: Box<Self>) {
        let error = Error::with(
            StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE,
            "the server stopped before the request ran",
        );
        self.deliver_later(Err(error));
    }
}

impl InFlight for Job {
    fn completed(mut self: Box<Self>) {
        // Stamped here, on OpenVINO's thread, so the hand-off to the dispatcher is not counted
        // as inference time (this touches no infer request).
        if let Some(meter) = &mut self.meter {
            meter.inferred();
        }
        if let Some(running) = &self.running {
            let loaded = self.servable.loaded();
            loaded
                .inference_time
                .record_async(running.launched.elapsed());
        }
        match &self.finisher {
            Finisher::Dispatcher => dispatcher::finish_boxed(self),
            Finisher::Runtime(runtime) => {
                // A runtime that is shutting down drops the task unrun: the slot then goes
                // back with `Occupied`, and the job calls back with a failure (its safety net).
                drop(
                    runtime
                        .clone()
                        .spawn(async move { self.finish_running().deliver() }),
                );
            }
        }
    }
}

impl Finishing for Job {
    fn finish(self: Box<Self>) -> Option<Task> {
        Some(self.finish_running())
    }
}

impl Delivery for Job {
    fn deliver(mut self: Box<Self>) {
        let result = self.result.take().unwrap_or_else(|| {
            Err(Error::with(
                StatusCode::INTERNAL_ERROR,
                "the request was lost by an internal failure",
            ))
        });
        self.call_back(result);
    }
}

impl Job {
    /// On a dispatcher or runtime thread: the outcome from OpenVINO, the response, the slot
    /// restored and released; returns the callback, which runs after.
    fn finish_running(mut self: Box<Self>) -> Task {
        let Some(Running { mut occupied, .. }) = self.running.take() else {
            return self.delivery(Err(Error::with(
                StatusCode::INTERNAL_ERROR,
                "a request finished that never ran",
            )));
        };
        let job = &self;
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut result = occupied.parts().request.wait().map_err(inference_error);
            if result.is_ok() && fault::injected(Fault::Completion) {
                result = Err(Error::with(
                    StatusCode::OV_INTERNAL_INFERENCE_ERROR,
                    "injected fault: inference failed",
                ));
            }
            result.and_then(|()| collect(&mut occupied, &job.plan, job.servable.loaded()))
        }))
        .unwrap_or_else(|panic| Err(panic_error(panic)));
        // Restores and releases the slot (which may start the next queued job here).
        if catch_unwind(AssertUnwindSafe(move || drop(occupied))).is_err() {
            log::error!("releasing a slot panicked");
        }
        self.delivery(result)
    }
}

/// Validates `request` and makes its job, accepted from here on: `done` will run exactly once.
fn accept(
    manager: &ServableManager,
    request: &Request,
    interface: Interface,
    done: Done,
    finisher: Finisher,
) -> Result<Box<Job>> {
    let servable = manager.servable(request.servable_name()?, request.servable_version())?;
    accept_on(servable, request, interface, done, finisher)
}

/// As `accept`, on a version the caller already holds.
fn accept_on(
    servable: Servable,
    request: &Request,
    interface: Interface,
    done: Done,
    finisher: Finisher,
) -> Result<Box<Job>> {
    let loaded = servable.loaded();
    // Metrics off: `None`, and each hook is one branch. Dropped on a refusal, it counts the
    // failure.
    let mut meter = servable
        .version()
        .metrics
        .as_ref()
        .map(|m| m.meter(interface));
    let plan = validate(request, &loaded.inputs, &loaded.outputs)?;
    let flight = request.begin_flight()?;
    if let Some(meter) = &mut meter {
        meter.waiting();
    }
    Ok(Box::new(Job {
        servable,
        plan,
        done: Some(done),
        flight: Some(flight),
        accepted: Some(Accepted::new()),
        // A disabled level costs this one check per request.
        accepted_at: log::log_enabled!(log::Level::Debug).then(Instant::now),
        meter,
        finisher,
        running: None,
        result: None,
    }))
}

fn stopping() -> Error {
    Error::with(
        StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE,
        "the server is stopping",
    )
}

/// `OVMS_InferenceAsync` (and any caller that may block; `interface` says which): on `Ok` the
/// job was accepted and `done` will run exactly once; on `Err` it was refused and `done` never
/// runs. Blocks while the version's queue is full.
pub fn infer_async(
    manager: &ServableManager,
    request: &Request,
    interface: Interface,
    done: Done,
) -> Result<()> {
    let servable = manager.servable(request.servable_name()?, request.servable_version())?;
    infer_async_on(servable, request, interface, done)
}

/// As `infer_async`, on a version the caller already holds (a pipeline's node runs on the
/// version its request started with, whatever the name's default version is by then).
pub fn infer_async_on(
    servable: Servable,
    request: &Request,
    interface: Interface,
    done: Done,
) -> Result<()> {
    let job = accept_on(servable, request, interface, done, Finisher::Dispatcher)?;
    let pool = job.servable.loaded().pool.clone();
    match pool.submit(job, Blocking::enter) {
        Submitted::Now(job, slot) => job.begin(slot).map_err(|(mut job, occupied, error)| {
            drop(occupied);
            job.refuse();
            error
        }),
        Submitted::Queued => Ok(()),
        Submitted::Closed(mut job) | Submitted::Full(mut job) => {
            job.refuse();
            Err(stopping())
        }
    }
}

/// A network request's job: accepted, waiting for room in its version's queue without holding
/// a thread.
pub struct Waiting(Box<Job>);

/// As `infer_async`, for a caller on an async runtime: a full queue hands the job back as
/// `Waiting` (already accepted: `done` runs exactly once, also if it is dropped). `done` must
/// not block: called from that runtime, the job is finished and `done` called on it.
pub fn infer_async_or_wait(
    manager: &ServableManager,
    request: &Request,
    interface: Interface,
    done: Done,
) -> Result<Option<Waiting>> {
    let finisher =
        tokio::runtime::Handle::try_current().map_or(Finisher::Dispatcher, Finisher::Runtime);
    let job = accept(manager, request, interface, done, finisher)?;
    let pool = job.servable.loaded().pool.clone();
    match pool.try_submit(job) {
        Submitted::Now(job, slot) => {
            job.begin(slot)
                .map(|()| None)
                .map_err(|(mut job, occupied, error)| {
                    drop(occupied);
                    job.refuse();
                    error
                })
        }
        Submitted::Queued => Ok(None),
        Submitted::Closed(mut job) => {
            job.refuse();
            Err(stopping())
        }
        Submitted::Full(job) => Ok(Some(Waiting(job))),
    }
}

impl Waiting {
    /// Waits for room in the queue and submits; the outcome reaches the job's `done`.
    pub async fn submit(self) {
        let mut job = self.0;
        let pool = job.servable.loaded().pool.clone();
        loop {
            let room = pool.room().notified();
            tokio::pin!(room);
            room.as_mut().enable();
            job = match pool.try_submit(job) {
                Submitted::Now(job, slot) => {
                    if let Err((job, occupied, error)) = job.begin(slot) {
                        drop(occupied);
                        job.deliver_later(Err(error));
                    }
                    return;
                }
                Submitted::Queued => return,
                Submitted::Closed(job) => return job.deliver_later(Err(stopping())),
                Submitted::Full(job) => job,
            };
            room.await;
        }
    }
}
