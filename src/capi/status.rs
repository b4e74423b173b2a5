//! Group A: API version and status objects.

use super::{
    Handle, OVMS_API_VERSION_MAJOR, OVMS_API_VERSION_MINOR, OVMS_Status, StatusValue, ffi,
    ffi_void, non_null, put,
};
use crate::status::Error;
use std::ffi::{CString, c_char};

impl OVMS_Status {
    /// A new status for `error`, owned by the caller it is returned to.
    pub(crate) fn from_error(error: &Error) -> *mut OVMS_Status {
        let details = CString::new(error.details().replace('\0', " ")).unwrap_or_default();
        OVMS_Status::into_raw(StatusValue {
            code: error.code as u32,
            details,
        })
    }
}

/// Writes the API version (1.3) into `major` and `minor`, which the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ApiVersion(major: *mut u32, minor: *mut u32) -> *mut OVMS_Status {
    ffi(|| {
        non_null(major, "major version")?;
        non_null(minor, "minor version")?;
        // SAFETY: both checked non-NULL; the caller passes writable integers.
        unsafe {
            put(major, OVMS_API_VERSION_MAJOR);
            put(minor, OVMS_API_VERSION_MINOR);
        }
        Ok(())
    })
}

/// Frees a status the caller owns; NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StatusDelete(status: *mut OVMS_Status) {
    // SAFETY: the caller passes NULL or a status it owns and does not use again.
    ffi_void(|| unsafe { OVMS_Status::free(status) })
}

/// Writes the status code, numbered as in OVMS v2026.3, into `code`; the status stays the
/// caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StatusCode(
    status: *mut OVMS_Status,
    code: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or a live status.
        let status = unsafe { OVMS_Status::borrow(status, "status") }?;
        non_null(code, "code")?;
        // SAFETY: checked non-NULL.
        unsafe { put(code, status.code) };
        Ok(())
    })
}

/// Points `details` at the status's details text, borrowed from the status until
/// `OVMS_StatusDelete` (do not free it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StatusDetails(
    status: *mut OVMS_Status,
    details: *mut *const c_char,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or a live status.
        let status = unsafe { OVMS_Status::borrow(status, "status") }?;
        non_null(details, "details")?;
        // SAFETY: checked non-NULL.
        unsafe { put(details, status.details.as_ptr()) };
        Ok(())
    })
}
