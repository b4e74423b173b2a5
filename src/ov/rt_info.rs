//! A model's runtime info (rt_info) as a C++ `ov::AnyMap`, for `OVMS_ServableMetadataInfo`.
//!
//! OpenVINO's C API has no rt_info, and an `ov::AnyMap` can only be made by C++. So build.rs
//! compiles src/ov/rt_info/rt_info.cpp (when OpenVINO's C++ headers are found) against
//! `libopenvino.so.<version>`, and the library embeds the result. On first use it is written into
//! an anonymous memory file (`memfd_create`, nothing on disk) and opened from `/proc/self/fd/N`,
//! after the OpenVINO C runtime, whose `libopenvino.so.<version>` satisfies the part's NEEDED entry.
//! The part is never unloaded.

use std::ffi::{c_char, c_void};
use std::path::Path;
#[cfg(ovms_rt_info)]
use std::sync::OnceLock;

/// Why there is no rt_info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtInfoError {
    /// The library was built without the C++ part, or the part cannot be loaded here.
    Unavailable(String),
    /// The part is loaded but reading the model's rt_info failed.
    Failed(String),
}

/// An `ov::AnyMap*` made by the C++ part, freed (by the part) when this is dropped.
#[derive(Debug)]
pub struct RtInfo {
    map: std::ptr::NonNull<c_void>,
    #[cfg(ovms_rt_info)]
    part: &'static Part,
}

// SAFETY: the map is an `ov::AnyMap` that nothing changes after ovms_rt_info_new returns: hosts
// get it as `const ov::AnyMap*`, and concurrent reads of a const std::map are safe in C++. It is
// freed once, in Drop, which needs the only owner.
unsafe impl Send for RtInfo {}
// SAFETY: as for Send: shared access only reads the map.
unsafe impl Sync for RtInfo {}

impl RtInfo {
    /// Reads the rt_info of the model file at `model_path` (IR or ONNX).
    pub fn read(model_path: &Path) -> Result<RtInfo, RtInfoError> {
        imp::read(Some(model_path))
    }

    /// An empty map: what OVMS gives for a servable without a model file (a pipeline).
    pub fn empty() -> Result<RtInfo, RtInfoError> {
        imp::read(None)
    }

    /// The `ov::AnyMap*`, valid while this value lives.
    pub fn as_ptr(&self) -> *const c_void {
        self.map.as_ptr().cast_const()
    }
}

impl Drop for RtInfo {
    fn drop(&mut self) {
        #[cfg(ovms_rt_info)]
        // SAFETY: `map` came from this part's ovms_rt_info_new and is freed only here.
        unsafe {
            (self.part.delete)(self.map.as_ptr())
        };
    }
}

type NewFn = unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> *mut c_void;
type DeleteFn = unsafe extern "C" fn(*mut c_void);
type FreeStringFn = unsafe extern "C" fn(*mut c_char);

/// The loaded C++ part and its three functions.
#[derive(Debug)]
#[cfg_attr(not(ovms_rt_info), allow(dead_code))]
struct Part {
    new: NewFn,
    delete: DeleteFn,
    free_string: FreeStringFn,
    /// Keeps the functions' code mapped; never dropped (the part lives in a static).
    _library: libloading::Library,
}

#[cfg(not(ovms_rt_info))]
mod imp {
    use super::{RtInfo, RtInfoError};
    use std::path::Path;

    pub fn read(_model_path: Option<&Path>) -> Result<RtInfo, RtInfoError> {
        Err(RtInfoError::Unavailable(format!(
            "this build of the library has no C++ part to make an ov::AnyMap: {}",
            option_env!("OVMS_RT_INFO_MISSING").unwrap_or("it was built without it")
        )))
    }
}

#[cfg(ovms_rt_info)]
mod imp {
    use super::{DeleteFn, FreeStringFn, NewFn, OnceLock, Part, RtInfo, RtInfoError};
    use std::ffi::{CStr, CString, c_char};
    use std::io::Write;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    /// The part build.rs compiled.
    static PART_BYTES: &[u8] = include_bytes!(env!("OVMS_RT_INFO_LIBRARY"));

    static PART: OnceLock<Result<Part, String>> = OnceLock::new();
    /// Serializes loading, so a failed attempt (no runtime yet) can be retried later.
    static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// The rt_info of the model file at `model_path`; with `None`, an empty map.
    pub fn read(model_path: Option<&Path>) -> Result<RtInfo, RtInfoError> {
        let part = part().map_err(RtInfoError::Unavailable)?;
        let path = model_path
            .map(|model_path| {
                CString::new(model_path.as_os_str().as_bytes()).map_err(|_| {
                    RtInfoError::Failed(format!("{} holds a NUL byte", model_path.display()))
                })
            })
            .transpose()?;
        let mut error: *mut c_char = std::ptr::null_mut();
        // SAFETY: ovms_rt_info_new takes a NUL-terminated path, or NULL for an empty map, and a
        // writable char*; it catches every C++ exception and returns a new map or NULL with
        // *error malloc'ed (or NULL). `path` outlives the call.
        let map = unsafe {
            (part.new)(
                path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()),
                &mut error,
            )
        };
        let model_path = model_path.unwrap_or(Path::new("(no model file)"));
        let message = if error.is_null() {
            String::new()
        } else {
            // SAFETY: a non-NULL *error is the part's NUL-terminated string, ours until freed.
            let text = unsafe { CStr::from_ptr(error) }
                .to_string_lossy()
                .trim()
                .to_string();
            // SAFETY: freed once, by the part's own free, and not used afterwards.
            unsafe { (part.free_string)(error) };
            text
        };
        match std::ptr::NonNull::new(map) {
            Some(map) => Ok(RtInfo { map, part }),
            None => Err(RtInfoError::Failed(format!(
                "reading the rt_info of {} failed: {}",
                model_path.display(),
                if message.is_empty() {
                    "no reason given"
                } else {
                    &message
                }
            ))),
        }
    }

    /// The loaded part. Loading needs the OpenVINO runtime first; an error is kept only once
    /// the runtime is loaded (then a retry would fail the same way).
    fn part() -> Result<&'static Part, String> {
        let _serialized = LOADING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = PART.get() {
            return done.as_ref().map_err(Clone::clone);
        }
        let runtime = crate::ov::ensure_loaded()?;
        let done = PART.get_or_init(|| {
            // Only beside the same OpenVINO: elsewhere the dynamic linker could load a second
            // OpenVINO, whose ov::AnyMap a host built against the runtime's must not read.
            let needed = env!("OVMS_RT_INFO_NEEDS");
            let resolved = runtime.canonicalize().ok();
            let beside = [Some(runtime.as_path()), resolved.as_deref()]
                .into_iter()
                .flatten()
                .filter_map(Path::parent)
                .any(|dir| dir.join(needed).exists());
            if !beside {
                return Err(format!(
                    "the C++ part that makes the ov::AnyMap was built against {needed}, which the \
                     OpenVINO runtime {} has not beside it",
                    runtime.display()
                ));
            }
            load().map_err(|why| {
                format!(
                    "the C++ part that makes the ov::AnyMap cannot be loaded beside the OpenVINO runtime {}: {why}",
                    runtime.display()
                )
            })
        });
        done.as_ref().map_err(Clone::clone)
    }

    fn load() -> Result<Part, String> {
        // SAFETY: memfd_create takes a NUL-terminated name and flags; it returns a new fd or -1.
        let fd = unsafe { libc::memfd_create(c"ovms_rt_info".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(format!("memfd_create: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut file = std::fs::File::from(fd);
        file.write_all(PART_BYTES)
            .map_err(|e| format!("writing the part into its memory file: {e}"))?;
        let path = {
            use std::os::fd::AsRawFd;
            format!("/proc/self/fd/{}", file.as_raw_fd())
        };
        // SAFETY: the file is the part build.rs compiled from src/ov/rt_info/rt_info.cpp; its
        // initialisers are OpenVINO's headers' and the C++ library's. Opening it resolves its
        // NEEDED libopenvino.so.<version> against the runtime already loaded.
        let library =
            unsafe { libloading::Library::new(&path) }.map_err(|e| format!("dlopen: {e}"))?;
        // The mapping stays after the memory file is closed.
        drop(file);
        // SAFETY: these are the signatures rt_info.cpp defines with extern "C"; the pointers are
        // used only while `library`, kept in the returned Part (a static), stays loaded.
        let (new, delete, free_string) = unsafe {
            let new = *library
                .get::<NewFn>(b"ovms_rt_info_new\0")
                .map_err(|e| e.to_string())?;
            let delete = *library
                .get::<DeleteFn>(b"ovms_rt_info_delete\0")
                .map_err(|e| e.to_string())?;
            let free_string = *library
                .get::<FreeStringFn>(b"ovms_rt_info_free_string\0")
                .map_err(|e| e.to_string())?;
            (new, delete, free_string)
        };
        Ok(Part {
            new,
            delete,
            free_string,
            _library: library,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_file_is_an_error_not_a_crash() {
        let missing = Path::new("/nonexistent/ovms_rt_info_test/model.xml");
        match RtInfo::read(missing) {
            Ok(_) => panic!("a missing file has no rt_info"),
            Err(RtInfoError::Failed(why)) => {
                assert!(why.contains("/nonexistent/ovms_rt_info_test"), "{why}")
            }
            // No C++ part, or no OpenVINO runtime on this machine.
            Err(RtInfoError::Unavailable(why)) => eprintln!("skipped: {why}"),
        }
    }

    #[test]
    fn the_dummy_models_rt_info_is_read_and_freed() {
        let dummy = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/dummy/1/model.xml");
        match RtInfo::read(&dummy) {
            Ok(info) => assert!(!info.as_ptr().is_null()),
            Err(RtInfoError::Unavailable(why)) => eprintln!("skipped: {why}"),
            Err(RtInfoError::Failed(why)) => panic!("{why}"),
        }
    }
}
