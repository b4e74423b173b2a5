//! Groups C and D: server settings and models settings. Setters only store; a start validates.

use super::{
    Handle, LogLevelArg, OVMS_ModelsSettings, OVMS_ServerSettings, OVMS_Status, ffi, ffi_void,
    non_null, put, text,
};
use crate::config::{LogLevel, ModelsSettings, ServerSettings, normalize_path};
use crate::status::{Error, Result, StatusCode};
use std::ffi::c_char;

/// Runs `change` on the settings behind `settings`, NULL-checked.
///
/// # Safety
/// `settings` is NULL or live settings nobody else uses meanwhile.
unsafe fn update(
    settings: *mut OVMS_ServerSettings,
    change: impl FnOnce(&mut ServerSettings) -> Result<()>,
) -> *mut OVMS_Status {
    // SAFETY: the caller's contract.
    ffi(|| change(unsafe { OVMS_ServerSettings::borrow_mut(settings, "server settings") }?))
}

/// `update` for setters that cannot fail once the pointer is checked.
///
/// # Safety
/// As for `update`.
unsafe fn store(
    settings: *mut OVMS_ServerSettings,
    change: impl FnOnce(&mut ServerSettings),
) -> *mut OVMS_Status {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        update(settings, |s| {
            change(s);
            Ok(())
        })
    }
}

/// Like `update`, for a setter that takes a string (copied).
///
/// # Safety
/// As for `update`, and `value` is NULL or NUL-terminated.
unsafe fn update_text(
    settings: *mut OVMS_ServerSettings,
    value: *const c_char,
    name: &str,
    change: impl FnOnce(&mut ServerSettings, String),
) -> *mut OVMS_Status {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        update(settings, |s| {
            // SAFETY: the caller's contract.
            change(s, text(value, name)?);
            Ok(())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsNew(
    settings: *mut *mut OVMS_ServerSettings,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(settings, "server settings")?;
        // SAFETY: checked non-NULL.
        unsafe {
            put(
                settings,
                OVMS_ServerSettings::into_raw(ServerSettings::default()),
            )
        };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsDelete(settings: *mut OVMS_ServerSettings) {
    // SAFETY: the caller passes NULL or settings it owns and does not use again.
    ffi_void(|| unsafe { Handle::free(settings) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcPort(
    settings: *mut OVMS_ServerSettings,
    grpc_port: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_port = grpc_port) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetRestPort(
    settings: *mut OVMS_ServerSettings,
    rest_port: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.rest_port = rest_port) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcWorkers(
    settings: *mut OVMS_ServerSettings,
    grpc_workers: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_workers = grpc_workers) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcBindAddress(
    settings: *mut OVMS_ServerSettings,
    grpc_bind_address: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        update_text(settings, grpc_bind_address, "grpc bind address", |s, v| {
            s.grpc_bind_address = v
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetRestWorkers(
    settings: *mut OVMS_ServerSettings,
    rest_workers: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.rest_workers = Some(rest_workers)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetRestBindAddress(
    settings: *mut OVMS_ServerSettings,
    rest_bind_address: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        update_text(settings, rest_bind_address, "rest bind address", |s, v| {
            s.rest_bind_address = v
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcChannelArguments(
    settings: *mut OVMS_ServerSettings,
    grpc_channel_arguments: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        update_text(
            settings,
            grpc_channel_arguments,
            "grpc channel arguments",
            |s, v| s.grpc_channel_arguments = v,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcMaxThreads(
    settings: *mut OVMS_ServerSettings,
    grpc_max_threads: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_max_threads = Some(grpc_max_threads)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcMemoryQuota(
    settings: *mut OVMS_ServerSettings,
    grpc_memory_quota: usize,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_memory_quota = Some(grpc_memory_quota)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetFileSystemPollWaitSeconds(
    settings: *mut OVMS_ServerSettings,
    seconds: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        store(settings, |s| {
            s.filesystem_poll_wait_ms = u64::from(seconds) * 1000
        })
    }
}

/// Deprecated in OVMS (stateful models were removed): always `NOT_IMPLEMENTED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetSequenceCleanerPollWaitMinutes(
    settings: *mut OVMS_ServerSettings,
    minutes: u32,
) -> *mut OVMS_Status {
    let _ = (settings, minutes);
    ffi(|| {
        Err(Error::with(
            StatusCode::NOT_IMPLEMENTED,
            "stateful models are no longer supported",
        ))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetCustomNodeResourcesCleanerIntervalSeconds(
    settings: *mut OVMS_ServerSettings,
    seconds: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        store(settings, |s| {
            s.custom_node_resources_cleaner_interval_s = seconds
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetCpuExtensionPath(
    settings: *mut OVMS_ServerSettings,
    cpu_extension_path: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        update_text(
            settings,
            cpu_extension_path,
            "cpu extension path",
            |s, v| s.cpu_extension_path = v,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetCacheDir(
    settings: *mut OVMS_ServerSettings,
    cache_dir: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { update_text(settings, cache_dir, "cache dir", |s, v| s.cache_dir = v) }
}

/// Values outside `OVMS_LogLevel` give `NONEXISTENT_LOG_LEVEL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetLogLevel(
    settings: *mut OVMS_ServerSettings,
    log_level: LogLevelArg,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings.
    unsafe {
        update(settings, |s| {
            s.log_level = LogLevel::from_raw(log_level.0).ok_or_else(|| {
                Error::with(
                    StatusCode::NONEXISTENT_LOG_LEVEL,
                    format!("log level {}", log_level.0),
                )
            })?;
            Ok(())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetLogPath(
    settings: *mut OVMS_ServerSettings,
    log_path: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { update_text(settings, log_path, "log path", |s, v| s.log_path = v) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetAllowedLocalMediaPath(
    settings: *mut OVMS_ServerSettings,
    allowed_local_media_path: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        update_text(
            settings,
            allowed_local_media_path,
            "allowed local media path",
            |s, v| s.allowed_local_media_path = Some(normalize_path(&v)),
        )
    }
}

/// A comma-separated list of domains.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetAllowedMediaDomains(
    settings: *mut OVMS_ServerSettings,
    allowed_media_domains: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe {
        update_text(
            settings,
            allowed_media_domains,
            "allowed media domains",
            |s, v| {
                s.allowed_media_domains = Some(
                    v.split(',')
                        .map(|d| d.trim().to_string())
                        .filter(|d| !d.is_empty())
                        .collect(),
                )
            },
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ModelsSettingsNew(
    settings: *mut *mut OVMS_ModelsSettings,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(settings, "model settings")?;
        // SAFETY: checked non-NULL.
        unsafe {
            put(
                settings,
                OVMS_ModelsSettings::into_raw(ModelsSettings::default()),
            )
        };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ModelsSettingsDelete(settings: *mut OVMS_ModelsSettings) {
    // SAFETY: the caller passes NULL or settings it owns and does not use again.
    ffi_void(|| unsafe { Handle::free(settings) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ModelsSettingsSetConfigPath(
    settings: *mut OVMS_ModelsSettings,
    config_path: *const c_char,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or live settings.
        let settings = unsafe { OVMS_ModelsSettings::borrow_mut(settings, "models settings") }?;
        // SAFETY: the caller passes NULL or a NUL-terminated path.
        settings.config_path = unsafe { text(config_path, "config path") }?;
        Ok(())
    })
}
