//! Groups B and E: the server's lifecycle and state, and server metadata.

use super::{
    OVMS_Metadata, OVMS_ModelsSettings, OVMS_Server, OVMS_ServerSettings, OVMS_Status,
    ServableStateArg, ffi, ffi_void, handle, non_null, put, text,
};
use crate::server::{self, SERVER};
use crate::status::{Error, StatusCode};
use std::ffi::{c_char, c_void};

/// The address handed out for the singleton; any non-NULL server pointer means the singleton.
static SERVER_HANDLE: OVMS_Server = OVMS_Server { _private: [] };

fn server_ptr() -> *mut OVMS_Server {
    &SERVER_HANDLE as *const OVMS_Server as *mut OVMS_Server
}

/// The process-wide server; every call returns the same pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerNew(server: *mut *mut OVMS_Server) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        unsafe { put(server, server_ptr()) };
        Ok(())
    })
}

/// Stops the server (it can be started again); NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerDelete(server: *mut OVMS_Server) {
    ffi_void(|| {
        if !server.is_null() {
            SERVER.stop();
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerLive(
    server: *mut OVMS_Server,
    isLive: *mut bool,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        non_null(isLive, "is live")?;
        unsafe { put(isLive, SERVER.is_live()) };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerReady(
    server: *mut OVMS_Server,
    isReady: *mut bool,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        non_null(isReady, "is ready")?;
        unsafe { put(isReady, SERVER.is_ready()) };
        Ok(())
    })
}

/// Starts the server and loads the config; returns after the initial load.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerStartFromConfigurationFile(
    server: *mut OVMS_Server,
    server_settings: *mut OVMS_ServerSettings,
    models_settings: *mut OVMS_ModelsSettings,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        let server_settings = unsafe { handle(server_settings, "server settings") }?;
        let models_settings = unsafe { handle(models_settings, "models settings") }?;
        SERVER.start(&server_settings.0, &models_settings.0)
    })
}

/// The state of a model version (version 0: the default version).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_GetServableState(
    server: *mut OVMS_Server,
    servableName: *const c_char,
    servableVersion: i64,
    state: *mut ServableStateArg,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        let name = unsafe { text(servableName, "servable name") }?;
        non_null(state, "servable state")?;
        let found = SERVER.manager()?.state(&name, servableVersion)?;
        unsafe { put(state, ServableStateArg(found as u32)) };
        Ok(())
    })
}

/// Experimental in OVMS, for VA-API builds: accepted and ignored, as OVMS does without VA.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSetGlobalVADisplay(
    server: *mut OVMS_Server,
    vaDisplay: *mut c_void,
) -> *mut OVMS_Status {
    let _ = (server, vaDisplay);
    std::ptr::null_mut()
}

/// `{"name", "version", "ov_version"}`; works before a start. Free with `OVMS_ServerMetadataDelete`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerMetadata(
    server: *mut OVMS_Server,
    metadata: *mut *mut OVMS_Metadata,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        non_null(metadata, "metadata")?;
        unsafe {
            put(
                metadata,
                Box::into_raw(Box::new(OVMS_Metadata(server::metadata()))),
            )
        };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerMetadataDelete(
    metadata: *mut OVMS_Metadata,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(metadata, "metadata")?;
        drop(unsafe { Box::from_raw(metadata) });
        Ok(())
    })
}

/// A heap copy of `value` that `OVMS_StringFree` (or plain `free`) releases.
fn malloc_string(value: &str) -> *const c_char {
    let bytes = value.as_bytes();
    unsafe {
        let ptr = libc::malloc(bytes.len() + 1).cast::<u8>();
        if ptr.is_null() {
            return std::ptr::null();
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
        *ptr.add(bytes.len()) = 0;
        ptr.cast()
    }
}

fn publish_string(value: &str, out: *mut *const c_char, size: *mut usize) -> Result<(), Error> {
    let ptr = malloc_string(value);
    if ptr.is_null() {
        return Err(Error::with(StatusCode::INTERNAL_ERROR, "out of memory"));
    }
    unsafe {
        put(out, ptr);
        put(size, value.len());
    }
    Ok(())
}

/// The value at an RFC 6901 pointer (e.g. `/version`): strings as they are, other values as JSON.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_MetadataFieldByPointer(
    metadata: *mut OVMS_Metadata,
    pointer: *const c_char,
    value: *mut *const c_char,
    size: *mut usize,
) -> *mut OVMS_Status {
    ffi(|| {
        let metadata = unsafe { handle(metadata, "metadata") }?;
        let pointer = unsafe { text(pointer, "pointer") }?;
        non_null(value, "value")?;
        non_null(size, "size")?;
        let field = metadata.0.pointer(&pointer).ok_or_else(|| {
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

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_SerializeMetadataToString(
    metadata: *mut OVMS_Metadata,
    json: *mut *const c_char,
    size: *mut usize,
) -> *mut OVMS_Status {
    ffi(|| {
        let metadata = unsafe { handle(metadata, "metadata") }?;
        non_null(json, "json")?;
        non_null(size, "size")?;
        publish_string(&metadata.0.to_string(), json, size)
    })
}

/// Frees a string from `OVMS_MetadataFieldByPointer` or `OVMS_SerializeMetadataToString`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_StringFree(ptr: *const c_char) {
    unsafe { libc::free(ptr as *mut c_void) }
}
