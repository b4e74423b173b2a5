//! Fault injection: a test-only seam, compiled in only with the `fault-injection` feature.
//! Release builds have no seam: `injected` is a constant `false` there.

/// The places a fault can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `start_async` reports a failure (the OVMS PR #4335 case).
    StartAsync = 0,
    /// Binding a request's tensors to the infer request fails.
    Bind = 1,
    /// Inference fails when the completion path asks OpenVINO for the result.
    Completion = 2,
}

#[cfg(feature = "fault-injection")]
mod seam {
    use super::Fault;
    use std::sync::atomic::{AtomicU32, Ordering};

    const KINDS: usize = 3;
    static EVERY: [AtomicU32; KINDS] = [const { AtomicU32::new(0) }; KINDS];
    static SEEN: [AtomicU32; KINDS] = [const { AtomicU32::new(0) }; KINDS];

    /// Makes every `every`-th pass through `fault` fail (0 turns it off).
    pub fn set(fault: Fault, every: u32) {
        SEEN[fault as usize].store(0, Ordering::SeqCst);
        EVERY[fault as usize].store(every, Ordering::SeqCst);
    }

    pub fn injected(fault: Fault) -> bool {
        let every = EVERY[fault as usize].load(Ordering::Relaxed);
        every != 0 && SEEN[fault as usize].fetch_add(1, Ordering::Relaxed) % every == every - 1
    }

    pub fn from_raw(raw: u32) -> Option<Fault> {
        [Fault::StartAsync, Fault::Bind, Fault::Completion]
            .get(raw as usize)
            .copied()
    }
}

#[cfg(feature = "fault-injection")]
pub use seam::{from_raw, injected, set};

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn injected(_fault: Fault) -> bool {
    false
}
