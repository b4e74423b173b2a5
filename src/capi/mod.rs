//! The capi part: every `extern "C"` function of `ovms.h`, one file per group of the header.
//! Each function catches panics, checks pointers and enum values, converts arguments, calls
//! one function of the core and turns its result into an `OVMS_Status*`. Handles are reached
//! only through `handle::Handle`.

#![allow(non_camel_case_types, non_snake_case, clippy::missing_safety_doc)]

mod handle;
mod types;

// cbindgen writes the functions in the order these modules are declared, so they are declared
// in the order a host reads and calls them: the API version and status objects, the settings,
// the server, requests and inference, responses, servable metadata, then the `OVMS_Ex`
// extensions. Blank lines keep rustfmt from sorting them.
mod status;

mod settings;

mod server;

mod request;

mod response;

mod metadata;

mod extensions;

pub use extensions::*;
pub use metadata::*;
pub use request::*;
pub use response::*;
pub use server::*;
pub use settings::*;
pub use status::*;
pub use types::*;

use crate::status::{Error, Result, StatusCode};
use handle::Handle;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

fn panic_error(panic: Box<dyn std::any::Any + Send>) -> Error {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Error::with(
        StatusCode::INTERNAL_ERROR,
        format!("internal panic: {text}"),
    )
}

/// Runs a C entry point's body: no panic crosses the boundary, errors become statuses.
pub(crate) fn ffi(body: impl FnOnce() -> Result<()>) -> *mut OVMS_Status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => std::ptr::null_mut(),
        Ok(Err(error)) => OVMS_Status::from_error(&error),
        Err(panic) => OVMS_Status::from_error(&panic_error(panic)),
    }
}

/// The same for the functions that return nothing (the deleters).
pub(crate) fn ffi_void(body: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(body)) {
        log::error!("{}", panic_error(panic));
    }
}

/// `NONEXISTENT_PTR` naming `name` when `ptr` is NULL.
pub(crate) fn non_null<T>(ptr: *const T, name: &str) -> Result<()> {
    if ptr.is_null() {
        Err(Error::null_arg(name))
    } else {
        Ok(())
    }
}

/// A caller's C string as its bytes; NULL is `NONEXISTENT_PTR` naming it.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that outlives the returned borrow.
pub(crate) unsafe fn bytes<'a>(ptr: *const c_char, name: &str) -> Result<&'a [u8]> {
    non_null(ptr, name)?;
    // SAFETY: non-NULL and NUL-terminated (the contract).
    Ok(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// A caller's C string as text (bytes that are not UTF-8 replaced); for settings and paths,
/// which the start validates. Names are compared as bytes instead (`bytes`).
///
/// # Safety
/// As for `bytes`.
pub(crate) unsafe fn text(ptr: *const c_char, name: &str) -> Result<String> {
    // SAFETY: the caller's contract, passed on.
    Ok(String::from_utf8_lossy(unsafe { bytes(ptr, name) }?).into_owned())
}

/// Writes an out-parameter.
///
/// # Safety
/// `out` was checked to be non-NULL and points to writable memory for a `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T) {
    // SAFETY: the contract.
    unsafe { out.write(value) }
}
