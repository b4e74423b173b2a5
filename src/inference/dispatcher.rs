//! The completion dispatcher: library threads that finish async requests off OpenVINO's
//! callback thread and run the user callbacks.
//!
//! The pool grows when every thread is busy (a user callback may block, for example in a sync
//! inference), so work handed over is never stuck behind a blocked callback.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard};

type Task = Box<dyn FnOnce() + Send>;

/// Threads never exceed this; past it, tasks wait for a thread.
const MAX_THREADS: usize = 256;

struct State {
    tasks: VecDeque<Task>,
    threads: usize,
    idle: usize,
}

static STATE: Mutex<State> = Mutex::new(State {
    tasks: VecDeque::new(),
    threads: 0,
    idle: 0,
});
static WORK: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `task` on a dispatcher thread.
pub fn spawn(task: impl FnOnce() + Send + 'static) {
    let mut state = lock();
    state.tasks.push_back(Box::new(task));
    // Every waiting thread takes one task; a task beyond them gets a new thread, so no task
    // waits behind a callback that blocks.
    if state.tasks.len() > state.idle && state.threads < MAX_THREADS {
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
    drop(state);
    WORK.notify_one();
}

fn work() {
    loop {
        let mut state = lock();
        let task = loop {
            if let Some(task) = state.tasks.pop_front() {
                break task;
            }
            state.idle += 1;
            state = WORK.wait(state).unwrap_or_else(|e| e.into_inner());
            state.idle -= 1;
        };
        drop(state);
        if catch_unwind(AssertUnwindSafe(task)).is_err() {
            log::error!("a completion task panicked");
        }
    }
}
