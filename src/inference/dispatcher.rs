//! The completion dispatcher: library threads that finish async requests off OpenVINO's
//! callback thread and run the user callbacks.
//!
//! Two kinds of work, kept apart so that finishing a request never waits behind user code
//! (invariant 9 in docs/architecture.md): *finishing* (waiting for OpenVINO's status, building the response,
//! restoring and releasing the slot) is library work that never blocks on a caller, and
//! *delivery* runs a user callback, which may block for as long as it likes. Finishing work is
//! taken first and always gets a thread; at most `MAX_IN_USER_CODE` threads run user callbacks
//! at once, and deliveries beyond that wait for one of them to return. So however many
//! callbacks block (in a sync inference that needs a slot, on a lock, in a sleep), slots keep
//! being released and the requests those callbacks wait for keep completing.
//!
//! One thread usually suffices: it finishes a request and runs its callback right away, with no
//! hand-off, and a task pushed while it is busy, in library code or in a user callback that
//! began moments ago, costs no wake-up (handing it to another thread would cost a wake-up per
//! request under load, each one dearer than the work it hands over). A user callback may block,
//! though: in the library (a sync inference waiting for a slot, a full queue), which it
//! announces through `Blocking`, or anywhere else. Work queued behind callbacks that are all
//! blocked, or have run longer than `YOUNG`, gets another thread at once; a watchdog covers a
//! callback that blocks after work was queued behind it, waking or starting a thread when queued
//! work has waited `STALL` with no task taken.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// A user callback to run: a closure, or an async job that carries its own outcome (so the
/// job's one allocation travels the whole completion path and nothing else is boxed).
pub trait Delivery: Send {
    fn deliver(self: Box<Self>);
}

impl<F: FnOnce() + Send> Delivery for F {
    fn deliver(self: Box<Self>) {
        (*self)()
    }
}

pub type Task = Box<dyn Delivery>;

/// Library work that never enters user code; it may hand back the delivery to run next.
pub trait Finishing: Send {
    fn finish(self: Box<Self>) -> Option<Task>;
}

impl<F: FnOnce() -> Option<Task> + Send> Finishing for F {
    fn finish(self: Box<Self>) -> Option<Task> {
        (*self)()
    }
}

type Finish = Box<dyn Finishing>;

/// At most this many threads run user callbacks at once; finishing work is not bounded by it.
const MAX_IN_USER_CODE: usize = 256;

/// The longest a stall waits for its next extra thread.
const MAX_PATIENCE: Duration = Duration::from_millis(500);

/// How long queued work may wait on threads that are all in user code before another thread
/// starts: long enough for an ordinary callback to return, short next to a blocked one.
const STALL: Duration = Duration::from_millis(2);

/// A user callback running for less than this is expected back soon, and work queued meanwhile
/// waits for it. An ordinary callback takes microseconds (a preempted one, a millisecond or
/// two); taking one for blocked by mistake costs a wake-up, the other mistake up to `STALL`.
const YOUNG: Duration = Duration::from_millis(1);

/// What a dispatcher thread is doing, for `ensure_taker`: `OUTSIDE` user code, `BLOCKED`
/// inside the library from a user callback, or else in a user callback since `START` + (value
/// - `SINCE`) nanoseconds.
type Marker = Arc<AtomicU64>;
const OUTSIDE: u64 = 0;
const BLOCKED: u64 = 1;
const SINCE: u64 = 2;
static START: OnceLock<Instant> = OnceLock::new();

fn now_ns() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

struct State {
    finishes: VecDeque<Finish>,
    deliveries: VecDeque<Task>,
    threads: usize,
    /// One per running thread.
    markers: Vec<Marker>,
    /// Threads waiting for work.
    idle: usize,
    /// Tasks taken so far: the watchdog tells a stall from a busy queue by it.
    taken: u64,
    watchdog_started: bool,
    /// The watchdog is awake and checks for stalls every `STALL` (and needs no notification).
    watching: bool,
    /// A stall began since the watchdog last checked: it keeps watching.
    stall_seen: bool,
}

/// Tasks queued (both kinds): an atomic beside `State`'s queues so that entering and leaving
/// user code, twice per request, takes no lock in the common case. With the markers it is
/// `SeqCst`: a thread entering user code (or blocking) and a task being queued each see the
/// other's change, so one of them makes sure the task gets a thread.
static QUEUED: AtomicUsize = AtomicUsize::new(0);

/// Threads running a user callback now (bounded by `MAX_IN_USER_CODE`).
static IN_USER_CODE: AtomicUsize = AtomicUsize::new(0);

static STATE: Mutex<State> = Mutex::new(State {
    finishes: VecDeque::new(),
    deliveries: VecDeque::new(),
    threads: 0,
    markers: Vec::new(),
    idle: 0,
    taken: 0,
    watchdog_started: false,
    watching: false,
    stall_seen: false,
});
static WORK: Condvar = Condvar::new();
/// Wakes the watchdog when work may be stalled.
static STALLED: Condvar = Condvar::new();

thread_local! {
    /// The marker of this thread, if it is a dispatcher thread.
    static MARKER: RefCell<Option<Marker>> = const { RefCell::new(None) };
}

fn my_marker() -> Option<Marker> {
    MARKER.with(|m| m.borrow().clone())
}

fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Threads in user code, by kind.
struct InUserCode {
    /// In a callback that began less than `YOUNG` ago.
    young: usize,
    /// In a longer callback, not waiting inside the library.
    old: usize,
    /// Waiting inside the library.
    blocked: usize,
}

impl InUserCode {
    fn total(&self) -> usize {
        self.young + self.old + self.blocked
    }
}

fn in_user_code(state: &State) -> InUserCode {
    let now = now_ns();
    let young = YOUNG.as_nanos() as u64;
    let mut counts = InUserCode {
        young: 0,
        old: 0,
        blocked: 0,
    };
    for marker in &state.markers {
        let value = marker.load(SeqCst);
        if value == BLOCKED {
            counts.blocked += 1;
        } else if value == OUTSIDE {
            continue;
        } else if now.saturating_sub(value - SINCE) < young {
            counts.young += 1;
        } else {
            counts.old += 1;
        }
    }
    counts
}

/// Threads running library code, which take queued tasks when they are done.
fn in_library(state: &State, user_code: &InUserCode) -> usize {
    state.threads.saturating_sub(state.idle + user_code.total())
}

/// Whether some queued task could be taken now: finishing work always can; a delivery only
/// while fewer than `MAX_IN_USER_CODE` threads run user callbacks.
fn takeable(state: &State) -> bool {
    !state.finishes.is_empty()
        || (!state.deliveries.is_empty() && IN_USER_CODE.load(SeqCst) < MAX_IN_USER_CODE)
}

/// Whether takeable tasks wait on threads that are all inside user code.
fn stalled(state: &State) -> bool {
    if !takeable(state) {
        return false;
    }
    let user_code = in_user_code(state);
    in_library(state, &user_code) == 0 && user_code.total() > 0
}

/// Starts a thread. Called only when no thread is idle or in library code, so every thread is in
/// user code: threads never exceed `MAX_IN_USER_CODE` + 1 by much, and finishing work always
/// gets one.
fn start_thread(state: &mut State) {
    state.threads += 1;
    let marker = Marker::default();
    state.markers.push(Arc::clone(&marker));
    if let Err(e) = std::thread::Builder::new()
        .name("ovms-completion".into())
        .spawn(move || work(marker))
    {
        state.threads -= 1;
        state.markers.pop();
        log::error!(
            "cannot start a completion thread ({e}); {} threads serve completions",
            state.threads
        );
    }
}

/// Makes sure queued tasks will be taken. A thread in library code takes them when done. If no
/// thread is busy, or every busy one is blocked or in a long callback, an idle thread must be
/// woken: that is returned, for the caller to do after unlocking so the woken thread does not
/// run into the lock still held. With no idle thread, one starts at once if every busy thread
/// is blocked in the library; otherwise the watchdog is alerted.
#[must_use]
fn ensure_taker(state: &mut State) -> bool {
    if !takeable(state) {
        return false;
    }
    if state.threads == 0 {
        start_thread(state);
        return false;
    }
    // One reading of the markers: a thread leaving user code meanwhile counts as in library
    // code, which it is.
    let user_code = in_user_code(state);
    if in_library(state, &user_code) > 0 {
        return false;
    }
    if user_code.total() == 0 {
        return true; // every thread is idle
    }
    if user_code.young == 0 && state.idle > 0 {
        return true; // every busy thread is blocked or in a long callback
    }
    if user_code.young == 0 && user_code.old == 0 {
        // Every busy thread waits inside the library, maybe for this very work.
        start_thread(state);
    } else {
        // A callback may be back soon; if not, the watchdog adds threads, slower and slower,
        // so that many callbacks stuck on one lock (a language runtime's) do not balloon them.
        if !state.watchdog_started {
            state.watchdog_started = true;
            if let Err(e) = std::thread::Builder::new()
                .name("ovms-completion-watchdog".into())
                .spawn(watchdog)
            {
                state.watchdog_started = false;
                log::error!("cannot start the completion watchdog ({e})");
                start_thread(state);
            }
        }
        state.stall_seen = true;
        if !state.watching {
            STALLED.notify_one();
        }
    }
    false
}

/// Wakes or starts a thread when queued work stays stalled behind user callbacks for `STALL`
/// with no task taken meanwhile. While stalls keep beginning (callbacks run while completions
/// arrive, as under load) it checks every `STALL` instead of being woken for each one.
fn watchdog() {
    let mut state = lock();
    loop {
        state.watching = false;
        while !stalled(&state) {
            state = STALLED.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.watching = true;
        // While a stall lasts, each new thread waits twice as long as the one before: one
        // more thread frees work held up by a blocked callback, and callbacks that all wait for
        // one lock (a language runtime's, say) do not make the pool balloon. Finishing work
        // stalled behind them gets a thread every `STALL`, without that back-off.
        let mut patience = STALL;
        loop {
            state.stall_seen = false;
            let taken = state.taken;
            let deadline = Instant::now() + patience;
            while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                state = STALLED
                    .wait_timeout(state, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            if !stalled(&state) || state.taken != taken {
                if !state.stall_seen && !stalled(&state) {
                    break;
                }
                patience = STALL;
                continue;
            }
            if state.idle > 0 {
                WORK.notify_one();
            } else {
                start_thread(&mut state);
            }
            patience = if state.finishes.is_empty() {
                (patience * 2).min(MAX_PATIENCE)
            } else {
                STALL
            };
        }
    }
}

fn push(state: MutexGuard<'static, State>) {
    let mut state = state;
    QUEUED.fetch_add(1, SeqCst);
    let wake = ensure_taker(&mut state);
    drop(state);
    if wake {
        WORK.notify_one();
    }
}

/// Queues library work on a dispatcher thread; what it returns, a user callback, runs next.
pub fn finish(task: impl FnOnce() -> Option<Task> + Send + 'static) {
    finish_boxed(Box::new(task));
}

/// As `finish`, for work that is boxed already.
pub fn finish_boxed(task: Finish) {
    let mut state = lock();
    state.finishes.push_back(task);
    push(state);
}

/// Queues a user callback to run on a dispatcher thread.
pub fn deliver(task: impl FnOnce() + Send + 'static) {
    deliver_boxed(Box::new(task));
}

/// As `deliver`, for a callback that is boxed already.
pub fn deliver_boxed(task: Task) {
    let mut state = lock();
    state.deliveries.push_back(task);
    push(state);
}

/// For a thread whose marker just changed: if tasks are queued, makes sure one will be taken.
fn ensure_queued_taken() {
    if QUEUED.load(SeqCst) > 0 {
        let wake = ensure_taker(&mut lock());
        if wake {
            WORK.notify_one();
        }
    }
}

/// Runs a user callback on this dispatcher thread if fewer than `MAX_IN_USER_CODE` threads
/// run one; else queues it until one returns.
fn run_or_queue(delivery: Task, marker: &Marker) {
    if IN_USER_CODE.fetch_add(1, SeqCst) >= MAX_IN_USER_CODE {
        IN_USER_CODE.fetch_sub(1, SeqCst);
        deliver_boxed(delivery);
        return;
    }
    run_user_code(delivery, marker);
}

/// Runs a user callback (counted in `IN_USER_CODE` by the caller), marked as such.
fn run_user_code(delivery: Task, marker: &Marker) {
    marker.store(SINCE + now_ns(), SeqCst);
    struct Leave<'a>(&'a Marker);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            self.0.store(OUTSIDE, SeqCst);
            IN_USER_CODE.fetch_sub(1, SeqCst);
        }
    }
    let _leave = Leave(marker);
    ensure_queued_taken();
    if catch_unwind(AssertUnwindSafe(|| delivery.deliver())).is_err() {
        log::error!("a completion callback panicked");
    }
}

/// Held by library code while it waits for other requests to finish (a slot to free, room in a
/// queue). In a user callback on a dispatcher thread, the completions it may be waiting for
/// then get another thread at once.
pub struct Blocking(Option<(Marker, u64)>);

impl Blocking {
    pub fn enter() -> Blocking {
        let Some(marker) = my_marker() else {
            return Blocking(None);
        };
        let before = marker.load(SeqCst);
        if before < SINCE {
            return Blocking(None);
        }
        marker.store(BLOCKED, SeqCst);
        ensure_queued_taken();
        Blocking(Some((marker, before)))
    }
}

impl Drop for Blocking {
    fn drop(&mut self) {
        if let Some((marker, before)) = self.0.take() {
            marker.store(before, SeqCst);
        }
    }
}

enum Work {
    Finish(Finish),
    Deliver(Task),
}

fn work(marker: Marker) {
    MARKER.with(|m| *m.borrow_mut() = Some(Arc::clone(&marker)));
    loop {
        let mut state = lock();
        let work = loop {
            if let Some(task) = state.finishes.pop_front() {
                break Work::Finish(task);
            }
            if !state.deliveries.is_empty() && IN_USER_CODE.fetch_add(1, SeqCst) < MAX_IN_USER_CODE
            {
                let task = state.deliveries.pop_front().expect("checked non-empty");
                break Work::Deliver(task);
            } else if !state.deliveries.is_empty() {
                IN_USER_CODE.fetch_sub(1, SeqCst);
            }
            // Threads never exit: OpenVINO's CPU executor keeps per-thread state on every thread
            // that ran inference on it (a callback's sync inference does), and that state's
            // thread-exit destructor reads the executor, which a reload or a stop may have freed
            // by then (valgrind: invalid reads in __call_tls_dtors after ov_compiled_model_free).
            // Idle threads cost a parked stack each; the watchdog's back-off keeps them few.
            state.idle += 1;
            state = WORK.wait(state).unwrap_or_else(|e| e.into_inner());
            state.idle -= 1;
        };
        QUEUED.fetch_sub(1, SeqCst);
        state.taken += 1;
        drop(state);
        match work {
            Work::Finish(task) => match catch_unwind(AssertUnwindSafe(|| task.finish())) {
                Ok(Some(delivery)) => run_or_queue(delivery, &marker),
                Ok(None) => {}
                Err(_) => log::error!("finishing a request panicked"),
            },
            Work::Deliver(task) => run_user_code(task, &marker),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Finishing work goes on while more callbacks block than the thread cap allows.
    #[test]
    fn finishing_never_waits_behind_blocked_callbacks() {
        let release = Arc::new((Mutex::new(false), Condvar::new()));
        let (finished, finished_rx) = mpsc::channel();
        let (called, called_rx) = mpsc::channel();
        let blocked = MAX_IN_USER_CODE + 20;
        for i in 0..blocked {
            let release = Arc::clone(&release);
            let finished = finished.clone();
            let called = called.clone();
            finish(move || {
                finished.send(i).unwrap();
                Some(Box::new(move || {
                    let (lock, cv) = &*release;
                    let mut open = lock.lock().unwrap();
                    let deadline = Instant::now() + Duration::from_secs(30);
                    while !*open && Instant::now() < deadline {
                        open = cv.wait_timeout(open, Duration::from_millis(50)).unwrap().0;
                    }
                    called.send(i).unwrap();
                }))
            });
        }
        // Every finishing task ran, though every callback so far blocks.
        for _ in 0..blocked {
            finished_rx
                .recv_timeout(Duration::from_secs(20))
                .expect("finishing work stalled behind blocked callbacks");
        }
        assert!(IN_USER_CODE.load(SeqCst) <= MAX_IN_USER_CODE);
        *release.0.lock().unwrap() = true;
        release.1.notify_all();
        for _ in 0..blocked {
            called_rx
                .recv_timeout(Duration::from_secs(30))
                .expect("a queued delivery never ran");
        }
    }

    #[test]
    fn a_panicking_callback_does_not_stop_the_dispatcher() {
        let (tx, rx) = mpsc::channel();
        deliver(|| panic!("test panic in a callback"));
        deliver(move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the next callback ran");
    }
}
