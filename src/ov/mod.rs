//! The ov part: the only code that calls `openvino-sys`. Every OpenVINO handle is owned by one
//! Rust value whose `Drop` frees it.

mod core;
mod rt_info;
mod runtime;
mod tensor;

pub use self::core::{AsyncStart, Callback, CompiledModel, Core, InferRequest, Model, PortInfo};
pub use rt_info::{RtInfo, RtInfoError};
pub use runtime::{ensure_loaded, openvino_version};
pub use tensor::Tensor;

use openvino_sys as sys;
use std::ffi::CStr;
use std::fmt;

/// A failed OpenVINO call: what we were doing and what OpenVINO said.
#[derive(Debug, Clone)]
pub struct OvError {
    pub status: sys::ov_status_e,
    pub message: String,
}

impl fmt::Display for OvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type OvResult<T> = Result<T, OvError>;

impl OvError {
    /// A failure made by the fault-injection seam (test builds only).
    pub fn injected(what: &str) -> OvError {
        OvError {
            status: sys::ov_status_e::GENERAL_ERROR,
            message: format!("injected fault: {what}"),
        }
    }
}

/// Turns an OpenVINO status into a result, with OpenVINO's last error text. That text is one
/// process-wide string, so under concurrent failures it may describe another thread's error;
/// the status and `what` are always this call's.
fn check(status: sys::ov_status_e, what: &str) -> OvResult<()> {
    if status == sys::ov_status_e::OK {
        return Ok(());
    }
    // OpenVINO only records a message when it caught an exception; for a rejected argument the
    // last message belongs to an earlier call.
    let detail = if status == sys::ov_status_e::INVALID_C_PARAM {
        String::new()
    } else {
        // SAFETY: a failed status means the runtime is loaded (calls panic without one). The C
        // bindings' `ov_get_last_err_msg` takes a lock and returns a fresh new[] copy of the last
        // message, or NULL when there is none; that copy is the caller's to free with `ov_free`.
        let msg = unsafe { sys::ov_get_last_err_msg() };
        if msg.is_null() {
            String::new()
        } else {
            // SAFETY: `msg` is non-NULL, NUL-terminated and ours (see above) until the `ov_free`
            // below; the text is copied out before that.
            let text = unsafe { CStr::from_ptr(msg) }
                .to_string_lossy()
                .trim()
                .to_string();
            // SAFETY: `msg` is our copy, freed once here and not used afterwards.
            unsafe { sys::ov_free(msg) };
            text
        }
    };
    let message = if detail.is_empty() {
        format!("{what} failed: {status:?}")
    } else {
        format!("{what} failed: {status:?}: {detail}")
    };
    Err(OvError { status, message })
}

/// One dimension of a (possibly dynamic) shape: `min..=max`, with `max == -1` for unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dim {
    pub min: i64,
    pub max: i64,
}

impl Dim {
    pub fn fixed(n: i64) -> Dim {
        Dim { min: n, max: n }
    }

    pub fn any() -> Dim {
        Dim { min: 0, max: -1 }
    }

    pub fn is_static(&self) -> bool {
        self.min == self.max && self.min >= 0
    }

    pub fn is_fully_dynamic(&self) -> bool {
        self.max < 0 && self.min <= 0
    }

    pub fn accepts(&self, n: i64) -> bool {
        n >= self.min && (self.max < 0 || n <= self.max)
    }
}
