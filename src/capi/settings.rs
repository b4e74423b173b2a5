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

/// Writes new server settings with OVMS's defaults into `settings`; the caller owns them and frees
/// them with `OVMS_ServerSettingsDelete`.
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

/// Frees settings the caller owns; NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsDelete(settings: *mut OVMS_ServerSettings) {
    // SAFETY: the caller passes NULL or settings it owns and does not use again.
    ffi_void(|| unsafe { Handle::free(settings) })
}

/// Stores the gRPC port (0: none) in the caller's settings; a start validates it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcPort(
    settings: *mut OVMS_ServerSettings,
    grpc_port: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_port = grpc_port) }
}

/// Stores the REST port (0: none) in the caller's settings; a start validates it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetRestPort(
    settings: *mut OVMS_ServerSettings,
    rest_port: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.rest_port = rest_port) }
}

/// Stores the number of gRPC workers in the caller's settings; a start validates it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcWorkers(
    settings: *mut OVMS_ServerSettings,
    grpc_workers: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_workers = grpc_workers) }
}

/// Stores a copy of the gRPC bind address in the caller's settings; a start validates it.
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

/// Stores the number of REST workers in the caller's settings; a start validates it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetRestWorkers(
    settings: *mut OVMS_ServerSettings,
    rest_workers: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.rest_workers = Some(rest_workers)) }
}

/// Stores a copy of the REST bind address in the caller's settings; a start validates it.
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

/// Stores a copy of the gRPC channel arguments in the caller's settings.
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

/// Stores the gRPC thread limit in the caller's settings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcMaxThreads(
    settings: *mut OVMS_ServerSettings,
    grpc_max_threads: u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_max_threads = Some(grpc_max_threads)) }
}

/// Stores the gRPC memory quota in the caller's settings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetGrpcMemoryQuota(
    settings: *mut OVMS_ServerSettings,
    grpc_memory_quota: usize,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { store(settings, |s| s.grpc_memory_quota = Some(grpc_memory_quota)) }
}

/// Stores the config and version-folder poll interval (0: no polling) in the caller's settings.
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

/// Deprecated in OVMS (stateful models were removed): always `NOT_IMPLEMENTED`; stores nothing.
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

/// Stores the custom-node resource cleaner interval in the caller's settings.
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

/// Stores a copy of the CPU extension library path in the caller's settings; a start checks
/// that the file exists.
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

/// Stores a copy of the OpenVINO model cache folder in the caller's settings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetCacheDir(
    settings: *mut OVMS_ServerSettings,
    cache_dir: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { update_text(settings, cache_dir, "cache dir", |s, v| s.cache_dir = v) }
}

/// Stores the log level in the caller's settings; values outside `OVMS_LogLevel` give
/// `NONEXISTENT_LOG_LEVEL`.
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

/// Stores a copy of the log file path (empty: stdout) in the caller's settings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServerSettingsSetLogPath(
    settings: *mut OVMS_ServerSettings,
    log_path: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller passes NULL or live settings (and strings NUL-terminated).
    unsafe { update_text(settings, log_path, "log path", |s, v| s.log_path = v) }
}

/// Stores a normalized copy of the allowed local media path in the caller's settings.
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

/// Stores the allowed media domains (a comma-separated list, split) in the caller's settings.
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

/// Writes new models settings into `settings`; the caller owns them and frees them with
/// `OVMS_ModelsSettingsDelete`.
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

/// Frees models settings the caller owns; NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ModelsSettingsDelete(settings: *mut OVMS_ModelsSettings) {
    // SAFETY: the caller passes NULL or settings it owns and does not use again.
    ffi_void(|| unsafe { Handle::free(settings) })
}

/// Stores a copy of the config.json path in the caller's models settings.
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
