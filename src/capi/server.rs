//! Groups B and E: the server's lifecycle and state, and server metadata.

use super::handle::server_handle;
use super::{
    Handle, OVMS_Metadata, OVMS_ModelsSettings, OVMS_Server, OVMS_ServerSettings, OVMS_Status,
    ServableStateArg, bytes, ffi, ffi_void, non_null, put, text,
};
use crate::pipeline;
use crate::server::{self, SERVER};
use crate::status::{Error, StatusCode};
use std::ffi::{c_char, c_void};

/// Writes the process-wide server into `server`: every call gives the same pointer, which
/// nothing frees.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerNew(server: *mut *mut OVMS_Server) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        // SAFETY: checked non-NULL.
        unsafe { put(server, server_handle()) };
        Ok(())
    })
}

/// Stops the server; it can be started again, and NULL is a no-op. Returns once every accepted
/// async request has had its callback (queued ones get flag 1), so no callback runs after it.
/// Called from inside a completion callback, it stops serving, waits for every other callback
/// and returns; the calling callback's request is released when that callback returns (and a
/// delete already under way then finishes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerDelete(server: *mut OVMS_Server) {
    ffi_void(|| {
        if !server.is_null() {
            SERVER.stop();
        }
    })
}

/// Writes whether the server is live (started, maybe not ready) into `isLive`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerLive(
    server: *mut OVMS_Server,
    isLive: *mut bool,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        non_null(isLive, "is live")?;
        // SAFETY: checked non-NULL.
        unsafe { put(isLive, SERVER.is_live()) };
        Ok(())
    })
}

/// Writes whether the server is ready (its config loaded) into `isReady`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerReady(
    server: *mut OVMS_Server,
    isReady: *mut bool,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        non_null(isReady, "is ready")?;
        // SAFETY: checked non-NULL.
        unsafe { put(isReady, SERVER.is_ready()) };
        Ok(())
    })
}

/// Starts the server and loads the config; returns after the initial load. The settings stay
/// the caller's (they are copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerStartFromConfigurationFile(
    server: *mut OVMS_Server,
    server_settings: *mut OVMS_ServerSettings,
    models_settings: *mut OVMS_ModelsSettings,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        // SAFETY: the caller passes NULL or live settings.
        let server_settings =
            unsafe { OVMS_ServerSettings::borrow(server_settings, "server settings") }?;
        // SAFETY: as above.
        let models_settings =
            unsafe { OVMS_ModelsSettings::borrow(models_settings, "models settings") }?;
        SERVER.start(server_settings, models_settings)
    })
}

/// Writes the state of a servable version (version 0: the default version) into `state`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_GetServableState(
    server: *mut OVMS_Server,
    servableName: *const c_char,
    servableVersion: i64,
    state: *mut ServableStateArg,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        // SAFETY: the caller passes NULL or a NUL-terminated name.
        let name = unsafe { bytes(servableName, "servable name") }?;
        non_null(state, "servable state")?;
        let (manager, pipelines) = SERVER.servables()?;
        let found = pipeline::state(&manager, &pipelines, name, servableVersion)?;
        // SAFETY: checked non-NULL.
        unsafe { put(state, ServableStateArg(found as u32)) };
        Ok(())
    })
}

/// Experimental in OVMS, for VA-API builds: accepted and ignored (nothing is kept), as OVMS
/// does without VA.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSetGlobalVADisplay(
    server: *mut OVMS_Server,
    vaDisplay: *mut c_void,
) -> *mut OVMS_Status {
    let _ = (server, vaDisplay);
    std::ptr::null_mut()
}

/// Writes new server metadata, `{"name", "version", "ov_version"}`, into `metadata`; works
/// before a start. The caller owns it and frees it with `OVMS_ServerMetadataDelete`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerMetadata(
    server: *mut OVMS_Server,
    metadata: *mut *mut OVMS_Metadata,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        non_null(metadata, "metadata")?;
        // SAFETY: checked non-NULL.
        unsafe { put(metadata, OVMS_Metadata::into_raw(server::metadata())) };
        Ok(())
    })
}

/// Frees server metadata the caller owns; NULL gives `NONEXISTENT_PTR`, as in OVMS.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerMetadataDelete(
    metadata: *mut OVMS_Metadata,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(metadata, "metadata")?;
        // SAFETY: a live metadata handle the caller owns and does not use again.
        unsafe { OVMS_Metadata::free(metadata) };
        Ok(())
    })
}

/// A heap copy of `value` that `OVMS_StringFree` (or plain `free`) releases.
fn malloc_string(value: &str) -> *const c_char {
    let bytes = value.as_bytes();
    // SAFETY: malloc of len + 1 bytes; NULL is checked before use.
    let ptr = unsafe { libc::malloc(bytes.len() + 1) }.cast::<u8>();
    if ptr.is_null() {
        return std::ptr::null();
    }
    // SAFETY: `ptr` holds len + 1 bytes, filled with the text and its NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
        *ptr.add(bytes.len()) = 0;
    }
    ptr.cast()
}

fn publish_string(value: &str, out: *mut *const c_char, size: *mut usize) -> Result<(), Error> {
    let ptr = malloc_string(value);
    if ptr.is_null() {
        return Err(Error::with(StatusCode::INTERNAL_ERROR, "out of memory"));
    }
    // SAFETY: the callers checked both out-parameters non-NULL.
    unsafe {
        put(out, ptr);
        put(size, value.len());
    }
    Ok(())
}

/// Writes a new copy of the value at an RFC 6901 pointer (e.g. `/version`) into `value` and
/// its length into `size`: strings as they are, other values as JSON. The caller owns the copy
/// and frees it with `OVMS_StringFree`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_MetadataFieldByPointer(
    metadata: *mut OVMS_Metadata,
    pointer: *const c_char,
    value: *mut *const c_char,
    size: *mut usize,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or live metadata.
        let metadata = unsafe { OVMS_Metadata::borrow(metadata, "metadata") }?;
        // SAFETY: the caller passes NULL or a NUL-terminated pointer text.
        let pointer = unsafe { text(pointer, "pointer") }?;
        non_null(value, "value")?;
        non_null(size, "size")?;
        let field = metadata.pointer(&pointer).ok_or_else(|| {
            Error::with(
                StatusCode::JSON_SERIALIZATION_ERROR,
                format!("no field at pointer {pointer:?}"),
            )
        })?;
        let rendered = match field {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        publish_string(&rendered, value, size)
    })
}

/// Writes a new copy of the metadata as JSON text into `json` and its length into `size`. The
/// caller owns the copy and frees it with `OVMS_StringFree`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_SerializeMetadataToString(
    metadata: *mut OVMS_Metadata,
    json: *mut *const c_char,
    size: *mut usize,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or live metadata.
        let metadata = unsafe { OVMS_Metadata::borrow(metadata, "metadata") }?;
        non_null(json, "json")?;
        non_null(size, "size")?;
        publish_string(&metadata.to_string(), json, size)
    })
}

/// Frees a string the caller owns, from `OVMS_MetadataFieldByPointer` or
/// `OVMS_SerializeMetadataToString`; NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StringFree(ptr: *const c_char) {
    // SAFETY: such strings come from malloc (`malloc_string`); free(NULL) is a no-op.
    unsafe { libc::free(ptr as *mut c_void) }
}
