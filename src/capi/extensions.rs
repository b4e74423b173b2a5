//! Extensions outside OVMS's 66 functions, prefixed `OVMS_Ex`. They never change a 1.3 signature.

use super::{OVMS_Server, OVMS_Status, bytes, ffi, non_null, put};
use crate::server::SERVER;
use std::ffi::c_char;

/// Writes the slot pool of a model version (version 0: the default version) into the
/// caller's integers: how many infer-request slots it has, how many are idle, and how many
/// requests (sync or async) wait for one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ExServableSlots(
    server: *mut OVMS_Server,
    servableName: *const c_char,
    servableVersion: i64,
    slots: *mut u32,
    idle: *mut u32,
    queued: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        // SAFETY: the caller passes NULL or a NUL-terminated name.
        let name = unsafe { bytes(servableName, "servable name") }?;
        non_null(slots, "slots")?;
        non_null(idle, "idle")?;
        non_null(queued, "queued")?;
        let name = String::from_utf8_lossy(name);
        let stats = SERVER
            .manager()?
            .servable(&name, servableVersion)?
            .loaded()
            .pool
            .stats();
        // SAFETY: all three were checked non-NULL.
        unsafe {
            put(slots, stats.slots as u32);
            put(idle, stats.idle as u32);
            put(queued, stats.waiting as u32);
        }
        Ok(())
    })
}

/// Runs one reload cycle now and returns its outcome, as the watcher does every
/// `file_system_poll_wait_seconds` (hosts that set the interval to 0 call this instead): the
/// config file is read again if its content changed, every model's base path is rescanned, and
/// versions are loaded, reloaded (beside the serving one, then swapped in) or retired. A config
/// that cannot be read or parsed gives `CONFIG_FILE_INVALID` or `JSON_INVALID` and changes
/// nothing that serves. Returns when the cycle is done; nothing is handed to the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ExServerReload(server: *mut OVMS_Server) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        SERVER.reload()
    })
}

/// Test builds only (cargo feature `fault-injection`): makes every `every`-th pass through
/// `fault` fail; 0 turns it off. Faults: 0 `start_async`, 1 binding tensors, 2 inference at
/// completion. Unknown faults give `NOT_IMPLEMENTED`.
#[cfg(feature = "fault-injection")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ExTestInjectFault(fault: u32, every: u32) -> *mut OVMS_Status {
    use crate::status::{Error, StatusCode};
    ffi(|| {
        let kind = crate::fault::from_raw(fault).ok_or_else(|| {
            Error::with(
                StatusCode::NOT_IMPLEMENTED,
                format!("no fault number {fault}"),
            )
        })?;
        crate::fault::set(kind, every);
        Ok(())
    })
}
