//! The pool part: a model version's infer-request slots, the FIFO of waiters, and `SlotGuard`.
//!
//! A slot is owned by exactly one `SlotGuard`; dropping the guard returns the slot, handing it
//! straight to the oldest waiter. Only the guard reaches the slot's infer request and tensors,
//! and it hands them out as `&mut`: exclusive use is in the types. Waiters are blocked sync
//! callers or queued async jobs, in one FIFO. One bounded exception: a sync caller that arrives
//! while a slot handed to a blocked caller has not been picked up yet (that caller is still
//! waking) may take it, and the blocked caller goes back to the head of the queue; each blocked
//! caller loses a slot this way at most `MAX_OVERTAKES` times, so nobody starves. A thread that
//! loops on sync inference then keeps running on the core OpenVINO pinned it to instead of
//! sleeping and migrating on every call, which otherwise costs a third of the throughput once
//! threads outnumber slots.
//!
//! Each slot registers its OpenVINO completion callback once, at creation; per-request state
//! sits in the slot's in-flight cell, which exactly one party empties.

use crate::fault::{self, Fault};
use crate::ov::{AsyncStart, Callback, InferRequest, OvError, OvResult, Tensor};
use std::any::Any;
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use tokio::sync::Notify;

/// An async job waiting in the queue for a slot.
pub trait QueuedJob: Send {
    /// A slot was handed to the job (called without any pool lock held).
    fn start(self: Box<Self>, slot: SlotGuard);
    /// The pool closed before the job got a slot.
    fn cancel(self: Box<Self>);
}

/// The state of a request running on a slot (it owns the slot's guard), from `start_async`
/// until OpenVINO reports the end.
pub trait InFlight: Any + Send {
    /// Called on OpenVINO's callback thread: it must only hand the work to another thread.
    fn completed(self: Box<Self>);
}

/// Where OpenVINO's callback finds the slot's in-flight request. Boxed: OpenVINO keeps the
/// callback's address, and the callback keeps this cell's.
struct CompletionCell {
    in_flight: Mutex<Option<Box<dyn InFlight>>>,
}

/// The one OpenVINO callback of every slot.
unsafe extern "C" fn on_request_done(args: *mut c_void) {
    // SAFETY: `args` is the slot's boxed cell (see `Slot::new`), which is freed only after the
    // infer request whose callback this is.
    let cell = unsafe { &*(args as *const CompletionCell) };
    let taken = lock(&cell.in_flight).take();
    if let Some(in_flight) = taken {
        in_flight.completed();
    }
}

/// One of the infer request's own tensors, with its memory: inference writes small static
/// inputs there in place, and responses copy static outputs from there.
pub struct OwnTensor {
    pub tensor: Tensor,
    /// `tensor`'s memory and its size in bytes, read once at creation (the memory of a static
    /// tensor never moves); NULL and 0 for a dynamic port's, whose memory changes per inference.
    pub data: *mut u8,
    pub byte_size: usize,
}

impl OwnTensor {
    /// Reads the memory of a static port's tensor.
    pub fn of_static(tensor: Tensor) -> OvResult<OwnTensor> {
        let byte_size = tensor.byte_size()?;
        let data = if byte_size > 0 {
            tensor.data()?.cast::<u8>()
        } else {
            std::ptr::null_mut()
        };
        Ok(OwnTensor {
            tensor,
            data,
            byte_size,
        })
    }

    /// A dynamic port's tensor, whose memory is read after each inference.
    pub fn of_dynamic(tensor: Tensor) -> OwnTensor {
        OwnTensor {
            tensor,
            data: std::ptr::null_mut(),
            byte_size: 0,
        }
    }
}

/// What a guard reaches of its slot: the infer request and the tensors it owns.
pub struct SlotParts {
    pub request: InferRequest,
    /// Per input port: the request's own tensor when the input is static.
    pub inputs: Vec<Option<OwnTensor>>,
    /// The request's own output tensors, put back after a caller's buffers were bound; `None`
    /// when the compiled model could not hand them out at load.
    pub outputs: Option<Vec<OwnTensor>>,
    /// Sync inferences run on the slot, to time one in `SYNC_TIMING_EVERY` (a clock read
    /// costs as much as a tenth of a small model's inference).
    pub sync_runs: u32,
}

/// One sync inference in this many per slot is timed for `InferenceTime`, the first included.
const SYNC_TIMING_EVERY: u32 = 16;

impl SlotParts {
    /// Counts a sync inference; true if this one is to be timed.
    pub fn time_this_sync_run(&mut self) -> bool {
        let timed = self.sync_runs.is_multiple_of(SYNC_TIMING_EVERY);
        self.sync_runs = self.sync_runs.wrapping_add(1);
        timed
    }
}

/// One OpenVINO infer request, its tensors and its completion cell.
pub struct Slot {
    // Declared first so the request is freed before the callback and cell it points to.
    parts: UnsafeCell<SlotParts>,
    _callback: Box<Callback>,
    cell: Box<CompletionCell>,
}

// SAFETY: `parts` is reached only through the one `SlotGuard` that owns the slot (or, while a
// request runs, by the in-flight state that owns that guard), so no two threads touch it at
// once; the cell is behind a mutex, and the OpenVINO objects may be used from any thread.
unsafe impl Sync for Slot {}
// SAFETY: as above; `OwnTensor::data` points into a tensor the slot owns.
unsafe impl Send for Slot {}

impl Slot {
    /// Wraps a fresh infer request and registers its completion callback, once for its life.
    pub fn new(parts: SlotParts) -> OvResult<Slot> {
        let cell = Box::new(CompletionCell {
            in_flight: Mutex::new(None),
        });
        let callback = Callback::new(
            on_request_done,
            &*cell as *const CompletionCell as *mut c_void,
        );
        // SAFETY: the callback is boxed and dropped after the request (field order), and the
        // cell it points to likewise.
        unsafe { parts.request.set_callback(&callback)? };
        Ok(Slot {
            parts: UnsafeCell::new(parts),
            _callback: callback,
            cell,
        })
    }
}

/// A blocked sync caller, handed a slot index by `release`.
struct Handoff {
    slot: Mutex<Option<usize>>,
    ready: Condvar,
    /// How often a slot handed to this caller was taken by an arriving caller. Only changed
    /// under the pool lock; atomic because the handoff is shared.
    overtaken: AtomicUsize,
}

/// How often a blocked caller may lose a slot handed to it to an arriving caller. Each handoff
/// that is not overtaken wakes a thread that then usually migrates to the other core: with 4 to
/// 16 threads on 2 slots, 8 cuts migrations from about 0.6-1.2 to 0.2-0.5 per inference and
/// lifts throughput to about bare OpenVINO's (whose pool lets any thread take a free request),
/// while the 99th percentile wait stays within about twice bare's; 16 adds little throughput and
/// doubles that tail again (bench/PROFILES.md section 7).
const MAX_OVERTAKES: usize = 8;

enum Waiter {
    Blocked(Arc<Handoff>),
    Queued(Box<dyn QueuedJob>),
}

struct PoolState {
    idle: Vec<usize>,
    waiters: VecDeque<Waiter>,
    /// Async jobs among the waiters.
    queued: usize,
    /// Set when the version stops serving: no more async jobs are accepted.
    closed: bool,
    /// Blocked callers handed a slot they may not have picked up yet, and that may still lose
    /// it to an arriving caller.
    handed: VecDeque<Arc<Handoff>>,
}

pub struct Pool {
    slots: Vec<Slot>,
    state: Mutex<PoolState>,
    /// Signalled when a queued job leaves the queue or the pool closes.
    room: Condvar,
    /// The same, for submitters that wait without blocking a thread (`try_submit`).
    room_async: Notify,
    max_queued: usize,
}

/// What `submit` did with an async job.
pub enum Submitted<J> {
    /// A slot was free: the caller starts the job on it now.
    Now(Box<J>, SlotGuard),
    /// The job waits in the queue; `QueuedJob::start` runs when a slot frees.
    Queued,
    /// The pool is closed; the job is handed back untouched.
    Closed(Box<J>),
    /// (`try_submit` only) The queue is full; the job is handed back untouched.
    Full(Box<J>),
}

/// Counts for introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub slots: usize,
    pub idle: usize,
    /// Sync callers and async jobs waiting for a slot.
    pub waiting: usize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No panic can leave the pool's state half-changed, so a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes a slot handed to a blocked caller that has not picked it up yet; that caller goes back
/// to the head of the queue (and sleeps on when it wakes to an empty handoff).
fn overtake(state: &mut PoolState) -> Option<usize> {
    while let Some(handoff) = state.handed.pop_front() {
        let taken = lock(&handoff.slot).take();
        if let Some(index) = taken {
            handoff.overtaken.fetch_add(1, Relaxed);
            state.waiters.push_front(Waiter::Blocked(handoff));
            return Some(index);
        }
    }
    None
}

impl Pool {
    /// A pool over `slots` whose queue holds at most `max_queued` async jobs.
    pub fn new(slots: Vec<Slot>, max_queued: usize) -> Arc<Pool> {
        let idle = (0..slots.len()).rev().collect();
        let state = PoolState {
            idle,
            waiters: VecDeque::new(),
            queued: 0,
            closed: false,
            handed: VecDeque::new(),
        };
        Arc::new(Pool {
            slots,
            state: Mutex::new(state),
            room: Condvar::new(),
            room_async: Notify::new(),
            max_queued: max_queued.max(1),
        })
    }

    fn guard(self: &Arc<Pool>, index: usize) -> SlotGuard {
        SlotGuard {
            pool: Arc::clone(self),
            index,
        }
    }

    /// Takes a slot for a sync caller, waiting in FIFO order while all are busy. If it has to
    /// wait, `before_waiting` runs first (without the pool lock) and what it returns is held
    /// while waiting.
    pub fn acquire<W>(self: &Arc<Pool>, before_waiting: impl FnOnce() -> W) -> SlotGuard {
        let handoff = {
            let mut state = lock(&self.state);
            if state.waiters.is_empty()
                && let Some(index) = state.idle.pop()
            {
                return self.guard(index);
            }
            if let Some(index) = overtake(&mut state) {
                return self.guard(index);
            }
            let handoff = Arc::new(Handoff {
                slot: Mutex::new(None),
                ready: Condvar::new(),
                overtaken: AtomicUsize::new(0),
            });
            state
                .waiters
                .push_back(Waiter::Blocked(Arc::clone(&handoff)));
            handoff
        };
        let _waiting = before_waiting();
        let mut slot = lock(&handoff.slot);
        loop {
            if let Some(index) = slot.take() {
                return self.guard(index);
            }
            slot = handoff.ready.wait(slot).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A slot for a caller that will not wait: only when one is idle and nobody waits for one
    /// (so it never overtakes a waiter), and never from a closed pool.
    pub fn try_acquire(self: &Arc<Pool>) -> Option<SlotGuard> {
        let mut state = lock(&self.state);
        if state.closed || !state.waiters.is_empty() {
            return None;
        }
        let index = state.idle.pop()?;
        Some(self.guard(index))
    }

    /// Gives an async job a slot now, or queues it; blocks while the queue is full.
    /// `before_waiting` runs (once, without the pool lock) if the caller has to wait, and what it
    /// returns is held while it waits.
    pub fn submit<J: QueuedJob + 'static, W>(
        self: &Arc<Pool>,
        mut job: Box<J>,
        before_waiting: impl FnOnce() -> W,
    ) -> Submitted<J> {
        let mut before_waiting = Some(before_waiting);
        let mut _waiting = None;
        let mut state = lock(&self.state);
        loop {
            job = match self.place(&mut state, job) {
                Submitted::Full(job) => job,
                placed => return placed,
            };
            if let Some(before_waiting) = before_waiting.take() {
                // Called without the pool lock, which it must not need.
                drop(state);
                _waiting = Some(before_waiting());
                state = lock(&self.state);
                continue;
            }
            state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// As `submit`, but a full queue hands the job back (`Full`) instead of blocking: wait for
    /// `room()` and try again.
    pub fn try_submit<J: QueuedJob + 'static>(self: &Arc<Pool>, job: Box<J>) -> Submitted<J> {
        self.place(&mut lock(&self.state), job)
    }

    /// Under the pool lock: a slot for the job now, a place in the queue, or `Closed`/`Full`
    /// with the job handed back.
    fn place<J: QueuedJob + 'static>(
        self: &Arc<Pool>,
        state: &mut PoolState,
        job: Box<J>,
    ) -> Submitted<J> {
        if state.closed {
            return Submitted::Closed(job);
        }
        if state.waiters.is_empty()
            && let Some(index) = state.idle.pop()
        {
            return Submitted::Now(job, self.guard(index));
        }
        if state.queued < self.max_queued {
            state.queued += 1;
            state.waiters.push_back(Waiter::Queued(job));
            return Submitted::Queued;
        }
        Submitted::Full(job)
    }

    /// Notified when a queued job leaves the queue or the pool closes. To wait for room
    /// without missing it: make the `notified()` future and `enable()` it before `try_submit`.
    pub fn room(&self) -> &Notify {
        &self.room_async
    }

    fn release(self: &Arc<Pool>, index: usize) {
        let mut state = lock(&self.state);
        match state.waiters.pop_front() {
            Some(Waiter::Blocked(handoff)) => {
                // Set under the pool lock, so `overtake` never sees a handoff half-made.
                *lock(&handoff.slot) = Some(index);
                state.handed.retain(|h| lock(&h.slot).is_some());
                if handoff.overtaken.load(Relaxed) < MAX_OVERTAKES {
                    state.handed.push_back(Arc::clone(&handoff));
                }
                drop(state);
                handoff.ready.notify_one();
            }
            Some(Waiter::Queued(job)) => {
                state.queued -= 1;
                drop(state);
                self.room.notify_one();
                self.room_async.notify_waiters();
                job.start(self.guard(index));
            }
            None => state.idle.push(index),
        }
    }

    /// Stops accepting async jobs and hands back the queued ones, for the caller to cancel.
    /// Blocked sync callers keep their place: running requests still free slots for them.
    pub fn close(&self) -> Vec<Box<dyn QueuedJob>> {
        let mut state = lock(&self.state);
        state.closed = true;
        let mut jobs = Vec::new();
        let mut kept = VecDeque::new();
        for waiter in state.waiters.drain(..) {
            match waiter {
                Waiter::Queued(job) => jobs.push(job),
                blocked => kept.push_back(blocked),
            }
        }
        state.waiters = kept;
        state.queued = 0;
        drop(state);
        self.room.notify_all();
        self.room_async.notify_waiters();
        jobs
    }

    pub fn stats(&self) -> PoolStats {
        let state = lock(&self.state);
        PoolStats {
            slots: self.slots.len(),
            idle: state.idle.len(),
            waiting: state.waiters.len(),
        }
    }
}

/// Exclusive use of one slot; the slot goes back to the pool when this is dropped.
pub struct SlotGuard {
    pool: Arc<Pool>,
    index: usize,
}

impl SlotGuard {
    /// The slot's infer request and tensors, for this guard's owner alone.
    pub fn parts(&mut self) -> &mut SlotParts {
        // SAFETY: this guard is the slot's only owner (the pool hands each index to one guard
        // at a time), and `&mut self` makes this borrow the only one.
        unsafe { &mut *self.pool.slots[self.index].parts.get() }
    }

    /// What starts inference on this slot once the guard has been handed to the in-flight
    /// state (see `Launcher::launch`).
    pub fn launcher(&mut self) -> Launcher {
        Launcher {
            start: self.parts().request.async_start(),
            pool: Arc::clone(&self.pool),
            index: self.index,
        }
    }
}

/// Starts inference on a slot whose guard has moved into the request's in-flight state.
pub struct Launcher {
    start: AsyncStart,
    /// Keeps the slot alive whatever the in-flight state does with the guard.
    pool: Arc<Pool>,
    index: usize,
}

impl Launcher {
    /// Parks `in_flight` in the slot's cell and starts inference. OpenVINO's callback hands the
    /// state to `InFlight::completed`; if `start_async` fails, it comes back here with the error.
    ///
    /// # Safety
    /// `in_flight` owns the guard this launcher came from, so nothing else uses the slot until
    /// the state leaves the cell.
    pub unsafe fn launch<F: InFlight>(self, in_flight: Box<F>) -> Result<(), (Box<F>, OvError)> {
        let cell = &self.pool.slots[self.index].cell;
        let previous = lock(&cell.in_flight).replace(in_flight);
        debug_assert!(previous.is_none(), "a slot runs one request at a time");
        let started = if fault::injected(Fault::StartAsync) {
            Err(OvError::injected("start_async failed"))
        } else {
            // SAFETY: the request is alive (`self.pool`), and its guard sits in the cell (the
            // caller's contract), where nothing touches the slot until OpenVINO's callback takes
            // it out: this call is the only use of the request meanwhile.
            unsafe { self.start.start() }
        };
        let Err(error) = started else {
            return Ok(());
        };
        // Taken back unless OpenVINO's callback already took it (it then reports the end).
        let Some(taken) = lock(&cell.in_flight).take() else {
            return Ok(());
        };
        let taken: Box<dyn Any + Send> = taken;
        match taken.downcast::<F>() {
            Ok(in_flight) => Err((in_flight, error)),
            Err(_) => unreachable!("only this call parks in the slot while it runs"),
        }
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.pool.release(self.index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ov::{CompiledModel, Core};
    use std::path::Path;
    use std::sync::OnceLock;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::thread;
    use std::time::{Duration, Instant};

    /// Long enough for anything that should happen; only a failing test waits this long.
    const LONG: Duration = Duration::from_secs(20);
    /// How long something that must not happen is given to happen anyway.
    const SHORT: Duration = Duration::from_millis(100);

    /// The repo's dummy model (input "b" f32 [1,10] -> output "a" = b + 1), compiled once.
    fn compiled() -> &'static CompiledModel {
        static COMPILED: OnceLock<(Core, CompiledModel)> = OnceLock::new();
        &COMPILED
            .get_or_init(|| {
                let core = Core::new().expect("OpenVINO runtime (set OVMS_OPENVINO_LIB)");
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/dummy/1/model.xml");
                let model = core.read_model(&path).expect("reading the dummy model");
                let compiled = core.compile(&model, "CPU", &[]).expect("compiling");
                (core, compiled)
            })
            .1
    }

    fn pool(slots: usize, max_queued: usize) -> Arc<Pool> {
        let slots = (0..slots)
            .map(|_| {
                let request = compiled().create_infer_request().expect("infer request");
                Slot::new(SlotParts {
                    request,
                    inputs: vec![None],
                    outputs: None,
                    sync_runs: 0,
                })
                .expect("slot")
            })
            .collect();
        Pool::new(slots, max_queued)
    }

    fn stats(slots: usize, idle: usize, waiting: usize) -> PoolStats {
        PoolStats {
            slots,
            idle,
            waiting,
        }
    }

    /// Launching tests share the process-wide fault seam: one at a time.
    fn launch_lock() -> MutexGuard<'static, ()> {
        static LOCK: Mutex<()> = Mutex::new(());
        lock(&LOCK)
    }

    /// A queued job that reports what happened to it; it hands its slot on at once, or to the
    /// test through `keep`.
    struct TestJob {
        name: &'static str,
        events: mpsc::Sender<String>,
        keep: Option<mpsc::Sender<SlotGuard>>,
    }

    impl TestJob {
        fn boxed(name: &'static str, events: &mpsc::Sender<String>) -> Box<TestJob> {
            Box::new(TestJob {
                name,
                events: events.clone(),
                keep: None,
            })
        }
    }

    impl QueuedJob for TestJob {
        fn start(self: Box<Self>, slot: SlotGuard) {
            let _ = self.events.send(self.name.to_string());
            if let Some(keep) = &self.keep {
                let _ = keep.send(slot);
            }
        }
        fn cancel(self: Box<Self>) {
            let _ = self.events.send(format!("cancel {}", self.name));
        }
    }

    /// Starts a sync caller that blocks in `acquire`, reports `name` on `events` once it holds
    /// the slot and then drops it. Returns once the caller is about to wait.
    fn blocked_caller(
        pool: &Arc<Pool>,
        name: &'static str,
        events: &mpsc::Sender<String>,
    ) -> thread::JoinHandle<()> {
        let (waiting_tx, waiting_rx) = mpsc::channel();
        let pool = Arc::clone(pool);
        let events = events.clone();
        let handle = thread::spawn(move || {
            let guard = pool.acquire(|| waiting_tx.send(()).unwrap());
            events.send(name.to_string()).unwrap();
            drop(guard);
        });
        waiting_rx
            .recv_timeout(LONG)
            .expect("the caller never came to wait");
        handle
    }

    #[test]
    fn a_released_slot_is_handed_to_the_blocked_caller() {
        let pool = pool(1, 4);
        assert_eq!(pool.stats(), stats(1, 1, 0));
        let guard = pool.acquire(|| panic!("a free slot needs no wait"));
        assert_eq!(pool.stats(), stats(1, 0, 0));

        let (waiting_tx, waiting_rx) = mpsc::channel();
        let (got_tx, got_rx) = mpsc::channel();
        let waiter = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || {
                let guard = pool.acquire(|| waiting_tx.send(()).unwrap());
                got_tx.send(guard).unwrap();
            })
        };
        waiting_rx
            .recv_timeout(LONG)
            .expect("before_waiting never ran");
        assert_eq!(
            got_rx.recv_timeout(SHORT).err(),
            Some(RecvTimeoutError::Timeout),
            "acquire returned while the only slot was held"
        );
        assert_eq!(pool.stats(), stats(1, 0, 1));

        drop(guard);
        let handed = got_rx
            .recv_timeout(LONG)
            .expect("the blocked caller never got the slot");
        assert_eq!(pool.stats(), stats(1, 0, 0), "the slot went to the caller");
        drop(handed);
        assert_eq!(pool.stats(), stats(1, 1, 0));
        waiter.join().unwrap();
    }

    #[test]
    fn try_acquire_takes_only_an_idle_slot_nobody_waits_for() {
        let pool = pool(2, 4);
        let first = pool.try_acquire().expect("an idle slot");
        let second = pool.try_acquire().expect("the other idle slot");
        assert!(pool.try_acquire().is_none(), "no slot is idle");
        let (events, order) = mpsc::channel();
        assert!(matches!(
            pool.submit(TestJob::boxed("queued", &events), || ()),
            Submitted::Queued
        ));
        drop(first);
        assert_eq!(order.recv_timeout(LONG).unwrap(), "queued");
        let first = pool
            .try_acquire()
            .expect("the queued job gave its slot back");
        // A sleeper waits: a slot that comes back is handed to it, not to try_acquire.
        let sleeper = sleeping_caller(&pool);
        assert!(pool.try_acquire().is_none());
        drop(second);
        assert!(
            pool.try_acquire().is_none(),
            "try_acquire overtook a waiter"
        );
        drop(pool.guard(lock(&sleeper.slot).take().expect("handed to the sleeper")));
        drop(first);
        assert!(pool.try_acquire().is_some());
        drop(pool.close());
        assert!(
            pool.try_acquire().is_none(),
            "a closed pool hands out no slot"
        );
    }

    #[test]
    fn sync_waiters_and_queued_jobs_are_served_in_arrival_order() {
        let pool = pool(1, 4);
        let (events, order) = mpsc::channel();
        let guard = pool.acquire(|| ());

        assert!(matches!(
            pool.submit(TestJob::boxed("A", &events), || ()),
            Submitted::Queued
        ));
        let waiter = blocked_caller(&pool, "waiter", &events);
        assert!(matches!(
            pool.submit(TestJob::boxed("B", &events), || ()),
            Submitted::Queued
        ));
        assert_eq!(pool.stats(), stats(1, 0, 3));
        assert_eq!(
            order.recv_timeout(SHORT).err(),
            Some(RecvTimeoutError::Timeout),
            "someone was served while the slot was held"
        );

        drop(guard);
        let served: Vec<String> = (0..3)
            .map(|_| order.recv_timeout(LONG).expect("a waiter was never served"))
            .collect();
        assert_eq!(served, ["A", "waiter", "B"]);
        waiter.join().unwrap();
        assert_eq!(pool.stats(), stats(1, 1, 0));
        assert!(order.try_recv().is_err(), "nothing was cancelled");
    }

    /// Puts a blocked caller that never wakes by itself into the queue: the test picks up its
    /// slot (or lets others overtake it) at will.
    fn sleeping_caller(pool: &Arc<Pool>) -> Arc<Handoff> {
        let handoff = Arc::new(Handoff {
            slot: Mutex::new(None),
            ready: Condvar::new(),
            overtaken: AtomicUsize::new(0),
        });
        lock(&pool.state)
            .waiters
            .push_back(Waiter::Blocked(Arc::clone(&handoff)));
        handoff
    }

    #[test]
    fn a_handed_slot_is_overtaken_at_most_max_overtakes_times() {
        let pool = pool(1, 4);
        let guard = pool.acquire(|| ());
        let sleeper = sleeping_caller(&pool);
        drop(guard);
        assert!(
            lock(&sleeper.slot).is_some(),
            "the slot went to the sleeper"
        );

        for taken in 1..=MAX_OVERTAKES {
            let guard = pool.acquire(|| panic!("overtaking needs no wait"));
            assert_eq!(sleeper.overtaken.load(Relaxed), taken);
            assert!(lock(&sleeper.slot).is_none());
            assert_eq!(pool.stats(), stats(1, 0, 1), "the sleeper is queued again");
            drop(guard);
            assert!(lock(&sleeper.slot).is_some(), "handed back to the sleeper");
        }

        // Overtaken enough: an arriving caller now waits behind the sleeper.
        let (events, served) = mpsc::channel();
        let late = blocked_caller(&pool, "late", &events);
        assert_eq!(
            served.recv_timeout(SHORT).err(),
            Some(RecvTimeoutError::Timeout),
            "the sleeper was overtaken more than MAX_OVERTAKES times"
        );
        assert_eq!(sleeper.overtaken.load(Relaxed), MAX_OVERTAKES);
        let index = lock(&sleeper.slot)
            .take()
            .expect("the sleeper keeps its slot");
        // The sleeper wakes, uses the slot and releases it: the late caller gets it.
        drop(pool.guard(index));
        assert_eq!(served.recv_timeout(LONG).unwrap(), "late");
        late.join().unwrap();
        assert_eq!(pool.stats(), stats(1, 1, 0));
    }

    #[test]
    fn threads_looping_on_fewer_slots_all_get_a_fair_share() {
        const THREADS: usize = 4;
        const ITERATIONS: usize = 2_000;
        let pool = pool(2, 4);
        let deadline = Instant::now() + Duration::from_secs(60);
        let in_use: Arc<[AtomicBool; 2]> =
            Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let counts: Arc<[AtomicUsize; THREADS]> =
            Arc::new([const { AtomicUsize::new(0) }; THREADS]);
        // The counts of all threads when the first one finished.
        let first_done: Arc<Mutex<Option<Vec<usize>>>> = Arc::new(Mutex::new(None));
        let (done_tx, done_rx) = mpsc::channel();
        let threads: Vec<_> = (0..THREADS)
            .map(|me| {
                let (pool, in_use, counts, first_done, done_tx) = (
                    Arc::clone(&pool),
                    Arc::clone(&in_use),
                    Arc::clone(&counts),
                    Arc::clone(&first_done),
                    done_tx.clone(),
                );
                thread::spawn(move || {
                    for _ in 0..ITERATIONS {
                        if Instant::now() > deadline {
                            break;
                        }
                        let mut guard = pool.acquire(|| ());
                        let index = guard.index;
                        assert!(!in_use[index].swap(true, Relaxed), "slot {index} shared");
                        guard.parts().request.infer().expect("inference");
                        in_use[index].store(false, Relaxed);
                        counts[me].fetch_add(1, Relaxed);
                        drop(guard);
                    }
                    lock(&first_done)
                        .get_or_insert_with(|| counts.iter().map(|c| c.load(Relaxed)).collect());
                    done_tx.send(me).unwrap();
                })
            })
            .collect();
        for _ in 0..THREADS {
            done_rx
                .recv_timeout(Duration::from_secs(90))
                .expect("a looping thread never finished");
        }
        for thread in threads {
            thread.join().expect("a looping thread panicked");
        }
        let finished: Vec<usize> = counts.iter().map(|c| c.load(Relaxed)).collect();
        assert_eq!(
            finished, [ITERATIONS; THREADS],
            "all ran within the time bound"
        );
        let snapshot = lock(&first_done).clone().unwrap();
        let total: usize = snapshot.iter().sum();
        for (thread, &count) in snapshot.iter().enumerate() {
            assert!(
                count * 10 >= total,
                "thread {thread} starved: {snapshot:?} when the first thread finished"
            );
        }
        assert_eq!(pool.stats(), stats(2, 2, 0));
    }

    #[test]
    fn a_full_queue_blocks_submit_and_close_hands_back_queued_jobs() {
        let pool = pool(1, 2);
        let (events, seen) = mpsc::channel();
        let guard = pool.acquire(|| ());
        let (kept_tx, kept_rx) = mpsc::channel();
        let first = Box::new(TestJob {
            name: "J1",
            events: events.clone(),
            keep: Some(kept_tx),
        });
        assert!(matches!(pool.submit(first, || ()), Submitted::Queued));
        assert!(matches!(
            pool.submit(TestJob::boxed("J2", &events), || ()),
            Submitted::Queued
        ));
        assert_eq!(pool.stats(), stats(1, 0, 2));

        // A third job waits for room in the queue.
        let (waiting_tx, waiting_rx) = mpsc::channel();
        let (result_tx, result_rx) = mpsc::channel();
        let third = {
            let pool = Arc::clone(&pool);
            let job = TestJob::boxed("J3", &events);
            thread::spawn(move || {
                let outcome = match pool.submit(job, || waiting_tx.send(()).unwrap()) {
                    Submitted::Now(..) => "now",
                    Submitted::Queued => "queued",
                    Submitted::Closed(_) => "closed",
                    Submitted::Full(_) => "full",
                };
                result_tx.send(outcome).unwrap();
            })
        };
        waiting_rx
            .recv_timeout(LONG)
            .expect("submit on a full queue never ran before_waiting");
        assert_eq!(
            result_rx.recv_timeout(SHORT).err(),
            Some(RecvTimeoutError::Timeout),
            "submit returned while the queue was full"
        );
        assert_eq!(pool.stats(), stats(1, 0, 2));

        // J1 leaves the queue (it takes the slot and keeps it): J3 gets its place.
        drop(guard);
        assert_eq!(seen.recv_timeout(LONG).unwrap(), "J1");
        let j1_slot = kept_rx.recv_timeout(LONG).expect("J1 got the slot");
        assert_eq!(result_rx.recv_timeout(LONG).unwrap(), "queued");
        third.join().unwrap();
        assert_eq!(pool.stats(), stats(1, 0, 2));

        // A sync caller queues behind J2 and J3.
        let waiter = blocked_caller(&pool, "waiter", &events);
        assert_eq!(pool.stats(), stats(1, 0, 3));

        let jobs = pool.close();
        assert_eq!(jobs.len(), 2, "close hands back the queued jobs");
        for job in jobs {
            job.cancel();
        }
        let mut cancelled: Vec<String> = (0..2).map(|_| seen.recv_timeout(LONG).unwrap()).collect();
        cancelled.sort();
        assert_eq!(cancelled, ["cancel J2", "cancel J3"]);
        assert_eq!(
            pool.stats(),
            stats(1, 0, 1),
            "the sync caller keeps its place"
        );

        match pool.submit(TestJob::boxed("J4", &events), || {
            panic!("no wait when closed")
        }) {
            Submitted::Closed(job) => assert_eq!(job.name, "J4"),
            _ => panic!("a closed pool took a job"),
        }

        drop(j1_slot);
        assert_eq!(seen.recv_timeout(LONG).unwrap(), "waiter");
        waiter.join().unwrap();
        assert_eq!(pool.stats(), stats(1, 1, 0));
        assert!(
            seen.try_recv().is_err(),
            "no job ran or was cancelled twice"
        );
    }

    #[test]
    fn try_submit_hands_a_full_queue_back_and_room_tells_when_to_retry() {
        let (events, started) = mpsc::channel();
        let pool = pool(1, 1);
        let busy = pool.acquire(|| ());
        assert!(matches!(
            pool.try_submit(TestJob::boxed("J1", &events)),
            Submitted::Queued
        ));
        let job = match pool.try_submit(TestJob::boxed("J2", &events)) {
            Submitted::Full(job) => job,
            _ => panic!("a full queue must hand the job back"),
        };
        let room = pool.room().notified();
        let mut room = std::pin::pin!(room);
        room.as_mut().enable();
        // The slot frees: J1 leaves the queue (and starts), which makes room.
        drop(busy);
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        assert!(room.as_mut().poll(&mut context).is_ready());
        assert_eq!(started.try_recv().as_deref(), Ok("J1"));
        // J1 handed its slot on, so J2 gets it now.
        assert!(matches!(pool.try_submit(job), Submitted::Now(..)));
        let _held = pool.acquire(|| ());
        assert!(matches!(
            pool.try_submit(TestJob::boxed("J4", &events)),
            Submitted::Queued
        ));
        // Closing wakes a waiter too, and a closed pool hands jobs back as Closed.
        let room = pool.room().notified();
        let mut room = std::pin::pin!(room);
        room.as_mut().enable();
        let queued = pool.close();
        assert_eq!(queued.len(), 1);
        assert!(room.as_mut().poll(&mut context).is_ready());
        assert!(matches!(
            pool.try_submit(TestJob::boxed("J3", &events)),
            Submitted::Closed(_)
        ));
    }

    #[test]
    fn close_wakes_a_submit_waiting_for_room() {
        let pool = pool(1, 1);
        let (events, seen) = mpsc::channel();
        let guard = pool.acquire(|| ());
        assert!(matches!(
            pool.submit(TestJob::boxed("J1", &events), || ()),
            Submitted::Queued
        ));
        let (waiting_tx, waiting_rx) = mpsc::channel();
        let (result_tx, result_rx) = mpsc::channel();
        let blocked = {
            let pool = Arc::clone(&pool);
            let job = TestJob::boxed("J2", &events);
            thread::spawn(move || {
                let name = match pool.submit(job, || waiting_tx.send(()).unwrap()) {
                    Submitted::Closed(job) => Some(job.name),
                    _ => None,
                };
                result_tx.send(name).unwrap();
            })
        };
        waiting_rx.recv_timeout(LONG).expect("submit never waited");
        assert_eq!(pool.close().len(), 1);
        assert_eq!(result_rx.recv_timeout(LONG).unwrap(), Some("J2"));
        blocked.join().unwrap();
        drop(guard);
        assert_eq!(pool.stats(), stats(1, 1, 0));
        assert!(seen.try_recv().is_err(), "no job started");
    }

    /// A running request: it owns the slot's guard, and its completion sends it back.
    struct Run {
        guard: SlotGuard,
        done: mpsc::Sender<Box<Run>>,
    }

    impl InFlight for Run {
        fn completed(self: Box<Self>) {
            let done = self.done.clone();
            let _ = done.send(self);
        }
    }

    fn fill_input(guard: &mut SlotGuard, value: f32) {
        let input = guard.parts().request.input_tensor(0).unwrap();
        assert_eq!(input.byte_size().unwrap(), 10 * size_of::<f32>());
        let data = input.data().unwrap().cast::<f32>();
        // SAFETY: the request's own input tensor holds 10 f32, and no inference runs on it.
        unsafe { std::slice::from_raw_parts_mut(data, 10) }.fill(value);
    }

    fn output(guard: &mut SlotGuard) -> Vec<f32> {
        let output = guard.parts().request.output_tensor(0).unwrap();
        assert_eq!(output.byte_size().unwrap(), 10 * size_of::<f32>());
        let data = output.data().unwrap().cast::<f32>();
        // SAFETY: the output tensor holds 10 f32, and the inference that wrote them has ended.
        unsafe { std::slice::from_raw_parts(data, 10) }.to_vec()
    }

    #[test]
    fn a_launched_request_completes_with_its_guard_and_frees_the_slot() {
        let _serial = launch_lock();
        let pool = pool(1, 1);
        let mut guard = pool.acquire(|| ());
        fill_input(&mut guard, 1.0);
        let launcher = guard.launcher();
        let (done, completions) = mpsc::channel();
        let run = Box::new(Run { guard, done });
        // SAFETY: `run` owns the guard the launcher came from.
        if let Err((_, error)) = unsafe { launcher.launch(run) } {
            panic!("launch failed: {error}");
        }
        let mut run = completions
            .recv_timeout(LONG)
            .expect("the completion callback never ran");
        run.guard.parts().request.wait().expect("inference");
        assert_eq!(output(&mut run.guard), [2.0; 10]);
        assert_eq!(
            pool.stats(),
            stats(1, 0, 0),
            "the running request holds the slot"
        );
        drop(run);
        assert_eq!(pool.stats(), stats(1, 1, 0));
    }

    /// Launches on a request whose own input tensor no longer has the model's static shape:
    /// OpenVINO checks the tensors in `start_async` and fails there.
    #[test]
    fn a_failed_start_hands_the_state_back() {
        let _serial = launch_lock();
        let pool = pool(1, 1);
        let mut guard = pool.acquire(|| ());
        let input = guard.parts().request.input_tensor(0).unwrap();
        input
            .set_shape(&[1, 5])
            .expect("reshaping the input tensor");
        let launcher = guard.launcher();
        let (done, completions) = mpsc::channel();
        let run = Box::new(Run { guard, done });
        // SAFETY: `run` owns the guard the launcher came from.
        let Err((mut run, error)) = (unsafe { launcher.launch(run) }) else {
            panic!("start_async accepted a wrongly shaped input");
        };
        assert!(error.to_string().contains("starting inference"), "{error}");
        assert_eq!(
            completions.recv_timeout(SHORT).err(),
            Some(RecvTimeoutError::Timeout),
            "the callback ran for a request that never started"
        );
        assert_eq!(
            pool.stats(),
            stats(1, 0, 0),
            "the state still holds the slot"
        );

        // The cell is empty again: the slot runs the next request normally.
        input.set_shape(&[1, 10]).unwrap();
        drop(input);
        fill_input(&mut run.guard, 3.0);
        let launcher = run.guard.launcher();
        // SAFETY: `run` owns the guard the launcher came from.
        if let Err((_, error)) = unsafe { launcher.launch(run) } {
            panic!("launch after a failed start: {error}");
        }
        let mut run = completions.recv_timeout(LONG).expect("no completion");
        run.guard.parts().request.wait().expect("inference");
        assert_eq!(output(&mut run.guard), [4.0; 10]);
        drop(run);
        assert_eq!(pool.stats(), stats(1, 1, 0));
    }

    #[cfg(feature = "fault-injection")]
    #[test]
    fn an_injected_start_failure_hands_the_state_back() {
        let _serial = launch_lock();
        let pool = pool(1, 1);
        let mut guard = pool.acquire(|| ());
        fill_input(&mut guard, 1.0);
        let launcher = guard.launcher();
        let (done, completions) = mpsc::channel();
        let run = Box::new(Run { guard, done });
        fault::set(Fault::StartAsync, 1);
        // SAFETY: `run` owns the guard the launcher came from.
        let result = unsafe { launcher.launch(run) };
        fault::set(Fault::StartAsync, 0);
        let Err((run, error)) = result else {
            panic!("the injected start_async failure was not reported");
        };
        assert!(error.to_string().contains("start_async failed"), "{error}");
        assert_eq!(
            completions.recv_timeout(SHORT).err(),
            Some(RecvTimeoutError::Timeout),
            "the callback ran for a request that never started"
        );
        assert_eq!(pool.stats(), stats(1, 0, 0));
        drop(run);
        assert_eq!(
            pool.stats(),
            stats(1, 1, 0),
            "dropping the state returns the slot"
        );
    }
}
