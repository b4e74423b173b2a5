//! The completion dispatcher: library threads that finish async requests off OpenVINO's
//! callback thread and run the user callbacks.
//!
//! One thread usually suffices: it takes finished requests one after another, and a task
//! pushed while it is busy, in library code or in a user callback, costs no wake-up. Because a
//! user callback may block (for example in a sync inference waiting for a slot), a watchdog
//! wakes or starts another thread when queued work has waited a moment while every thread was
//! inside user code. Handing work to another thread right away instead would cost a wake-up
//! per request under load, each one dearer than the work it hands over.

use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

type Task = Box<dyn FnOnce() + Send>;

/// Threads never exceed this; past it, tasks wait for a thread.
const MAX_THREADS: usize = 256;

/// The longest a stall waits for its next extra thread.
const MAX_PATIENCE: Duration = Duration::from_millis(500);

/// How long an idle thread beyond the first stays before it exits.
const IDLE_EXIT: Duration = Duration::from_secs(2);

/// How long queued work may wait on threads that are all in user code before another thread
/// starts: long enough for an ordinary callback to return, short next to a blocked one.
const STALL: Duration = Duration::from_millis(2);

struct State {
    tasks: VecDeque<Task>,
    threads: usize,
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

/// Threads running a user callback, and tasks queued. Atomics rather than `State` fields so that
/// entering and leaving user code, twice per request, takes no lock in the common case. Both
/// are `SeqCst`: a thread entering user code and a task being queued each see the other's
/// change, so one of them makes sure the task gets a thread.
static IN_USER_CODE: AtomicUsize = AtomicUsize::new(0);
static QUEUED: AtomicUsize = AtomicUsize::new(0);

static STATE: Mutex<State> = Mutex::new(State {
    tasks: VecDeque::new(),
    threads: 0,
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
    static IS_DISPATCHER: Cell<bool> = const { Cell::new(false) };
}

fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Threads running library code, which take queued tasks when they are done.
fn in_library(state: &State) -> usize {
    state
        .threads
        .saturating_sub(state.idle + IN_USER_CODE.load(SeqCst))
}

/// Whether queued tasks wait on threads that are all inside user code.
fn stalled(state: &State) -> bool {
    !state.tasks.is_empty() && in_library(state) == 0 && IN_USER_CODE.load(SeqCst) > 0
}

fn start_thread(state: &mut State) {
    if state.threads >= MAX_THREADS {
        return;
    }
    state.threads += 1;
    if let Err(e) = std::thread::Builder::new()
        .name("ovms-completion".into())
        .spawn(work)
    {
        state.threads -= 1;
        log::error!(
            "cannot start a completion thread ({e}); {} threads serve completions",
            state.threads
        );
    }
}

/// Makes sure queued tasks will be taken: a thread in library code takes them when done; if
/// every busy thread is in user code the watchdog is alerted; if no thread is busy an idle one
/// must be woken, which is returned for the caller to do after unlocking, so the woken thread
/// does not run into the lock still held.
#[must_use]
fn ensure_taker(state: &mut State) -> bool {
    if state.tasks.is_empty() || in_library(state) > 0 {
        return false;
    }
    if state.threads == 0 {
        start_thread(state);
    } else if IN_USER_CODE.load(SeqCst) == 0 {
        return state.idle > 0;
    } else {
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
        // one lock (a language runtime's, say) do not make the pool balloon.
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
            patience = (patience * 2).min(MAX_PATIENCE);
        }
    }
}

/// Runs `task` on a dispatcher thread.
pub fn spawn(task: impl FnOnce() + Send + 'static) {
    let mut state = lock();
    state.tasks.push_back(Box::new(task));
    QUEUED.fetch_add(1, SeqCst);
    let wake = ensure_taker(&mut state);
    drop(state);
    if wake {
        WORK.notify_one();
    }
}

/// Runs a user callback. On a dispatcher thread, queued work left behind is watched, so a
/// callback that blocks cannot hold up other completions for long.
pub fn run_user_code(callback: impl FnOnce()) {
    if !IS_DISPATCHER.with(Cell::get) {
        callback();
        return;
    }
    IN_USER_CODE.fetch_add(1, SeqCst);
    if QUEUED.load(SeqCst) > 0 {
        let wake = ensure_taker(&mut lock());
        if wake {
            WORK.notify_one();
        }
    }
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            IN_USER_CODE.fetch_sub(1, SeqCst);
        }
    }
    let _leave = Leave;
    callback();
}

fn work() {
    IS_DISPATCHER.with(|d| d.set(true));
    loop {
        let mut state = lock();
        let task = loop {
            if let Some(task) = state.tasks.pop_front() {
                QUEUED.fetch_sub(1, SeqCst);
                state.taken += 1;
                break task;
            }
            state.idle += 1;
            let (woken, wait) = WORK
                .wait_timeout(state, IDLE_EXIT)
                .unwrap_or_else(|e| e.into_inner());
            state = woken;
            state.idle -= 1;
            // Threads added for a stall go away once they are not needed; one always stays.
            if wait.timed_out() && state.tasks.is_empty() && state.threads > 1 {
                state.threads -= 1;
                return;
            }
        };
        drop(state);
        if catch_unwind(AssertUnwindSafe(task)).is_err() {
            log::error!("a completion task panicked");
        }
    }
}
