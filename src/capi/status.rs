//! Group A: API version and status objects.

use super::{
    OVMS_API_VERSION_MAJOR, OVMS_API_VERSION_MINOR, OVMS_Status, ffi, ffi_void, handle, non_null,
    put,
};
use crate::status::Error;
use std::ffi::{CString, c_char};

impl OVMS_Status {
    pub(crate) fn boxed(error: &Error) -> *mut OVMS_Status {
        let details = CString::new(error.details().replace('\0', " ")).unwrap_or_default();
        Box::into_raw(Box::new(OVMS_Status {
            code: error.code as u32,
            details,
        }))
    }
}

/// Writes the API version (1.3).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ApiVersion(major: *mut u32, minor: *mut u32) -> *mut OVMS_Status {
    ffi(|| {
        non_null(major, "major version")?;
        non_null(minor, "minor version")?;
        unsafe {
            put(major, OVMS_API_VERSION_MAJOR);
            put(minor, OVMS_API_VERSION_MINOR);
        }
        Ok(())
    })
}

/// Frees a status; NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StatusDelete(status: *mut OVMS_Status) {
    ffi_void(|| {
        if !status.is_null() {
            drop(unsafe { Box::from_raw(status) });
        }
    })
}

/// The status code, numbered as in OVMS v2026.3.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StatusCode(
    status: *mut OVMS_Status,
    code: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        let status = unsafe { handle(status, "status") }?;
        non_null(code, "code")?;
        unsafe { put(code, status.code) };
        Ok(())
    })
}

/// The details text, borrowed from the status until `OVMS_StatusDelete`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StatusDetails(
    status: *mut OVMS_Status,
    details: *mut *const c_char,
) -> *mut OVMS_Status {
    ffi(|| {
        let status = unsafe { handle(status, "status") }?;
        non_null(details, "details")?;
        unsafe { put(details, status.details.as_ptr()) };
        Ok(())
    })
}
