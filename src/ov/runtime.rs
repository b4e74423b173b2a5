//! Finding and loading `libopenvino_c` at run time (the library links no OpenVINO symbol).
//!
//! openvino-sys keeps the library it loads in a process-wide slot that can never be replaced,
//! and it panics on the first call of a function the library lacks. So every candidate is first
//! opened and checked here on its own; only a library that passes is handed to openvino-sys.

use super::check;
use openvino_sys as sys;
use std::ffi::{CStr, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The environment variable that names the `libopenvino_c.so*` file to load.
pub(crate) const LIB_ENV: &str = "OVMS_OPENVINO_LIB";

/// Every OpenVINO C function the crate calls or passes on as `sys::ov_*` (a unit test keeps this
/// list in step with `src/ov/*.rs`). A candidate must export all of them.
pub(crate) const REQUIRED_SYMBOLS: &[&str] = &[
    "ov_core_create",
    "ov_core_free",
    "ov_core_read_model",
    "ov_core_compile_model_props",
    "ov_model_free",
    "ov_model_inputs_size",
    "ov_model_const_input_by_index",
    "ov_model_reshape",
    "ov_compiled_model_free",
    "ov_compiled_model_inputs_size",
    "ov_compiled_model_input_by_index",
    "ov_compiled_model_outputs_size",
    "ov_compiled_model_output_by_index",
    "ov_compiled_model_get_property",
    "ov_compiled_model_create_infer_request",
    "ov_infer_request_free",
    "ov_infer_request_infer",
    "ov_infer_request_start_async",
    "ov_infer_request_wait",
    "ov_infer_request_set_callback",
    "ov_infer_request_get_input_tensor_by_index",
    "ov_infer_request_get_output_tensor_by_index",
    "ov_infer_request_set_input_tensor_by_index",
    "ov_infer_request_set_output_tensor_by_index",
    "ov_tensor_create",
    "ov_tensor_create_from_host_ptr",
    "ov_tensor_create_from_string_array",
    "ov_tensor_data",
    "ov_tensor_free",
    "ov_tensor_get_byte_size",
    "ov_tensor_get_shape",
    "ov_tensor_set_shape",
    "ov_port_get_any_name",
    "ov_port_get_element_type",
    "ov_port_get_partial_shape",
    "ov_output_const_port_free",
    "ov_partial_shape_create",
    "ov_partial_shape_free",
    "ov_shape_free",
    "ov_get_openvino_version",
    "ov_version_free",
    "ov_get_last_err_msg",
    "ov_free",
];

/// The oldest runtime openvino-sys 0.11 supports: OpenVINO renumbered its element types in 2025.1.
const MIN_VERSION: (u32, u32) = (2025, 1);

/// The virtual environment that `scripts/setup.sh` installs OpenVINO into, fixed at build time.
const SETUP_VENV: &str = match option_env!("OVMS_SETUP_VENV") {
    Some(dir) => dir,
    None => concat!(env!("CARGO_MANIFEST_DIR"), "/.venv"),
};

/// Standard install locations of OpenVINO's runtime libraries.
const STANDARD_DIRS: &[&str] = &[
    "/opt/intel/openvino/runtime/lib/intel64",
    "/usr/local/runtime/lib/intel64",
    "/usr/local/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
];

static LOADED: OnceLock<PathBuf> = OnceLock::new();

/// `ov_infer_request_infer`, for the sync path to call straight: openvino-sys's wrapper takes a
/// read lock on its library slot on every call, two atomic operations per inference.
pub type InferFn = unsafe extern "C" fn(*mut sys::ov_infer_request_t) -> sys::ov_status_e;

/// The loaded runtime's `ov_infer_request_infer`, with a handle that keeps the library mapped.
struct Direct {
    _library: libloading::Library,
    infer: InferFn,
}

static DIRECT: OnceLock<Direct> = OnceLock::new();

/// The loaded runtime's `ov_infer_request_infer`, once `ensure_loaded` succeeded.
pub fn direct_infer() -> Option<InferFn> {
    DIRECT.get().map(|direct| direct.infer)
}

/// Serializes load attempts, so two servers starting at once do not both search.
static LOADING: Mutex<()> = Mutex::new(());

/// Loads the OpenVINO C library once per process; returns the file it came from, or a message
/// saying why not. A failed attempt leaves nothing behind, so a later one can succeed.
pub fn ensure_loaded() -> Result<PathBuf, String> {
    let _serialized = LOADING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = LOADED.get() {
        return Ok(path.clone());
    }
    // The host named the runtime it wants: if that one fails, say so rather than run another.
    if let Some(path) = std::env::var_os(LIB_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return load(&path)
            .map(|()| path)
            .map_err(|why| format!("OpenVINO runtime not loaded from ${LIB_ENV}: {why}"));
    }
    let mut tried = vec![format!("${LIB_ENV} (not set)")];
    for candidate in candidates(&mut tried) {
        match load(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(why) => tried.push(why),
        }
    }
    Err(format!(
        "OpenVINO runtime not found; searched: {}. Set {LIB_ENV} to the path of libopenvino_c.so.<version> \
         (for example <venv>/lib/python3.x/site-packages/openvino/libs/libopenvino_c.so.2641)",
        tried.join("; ")
    ))
}

/// Checks `candidate`, then hands it to openvino-sys and records it as the process's runtime.
fn load(candidate: &Path) -> Result<(), String> {
    // Held until openvino-sys has its own handle, so the runtime is not unloaded in between,
    // then kept with the direct `ov_infer_request_infer`.
    let (checked, version) = inspect(candidate)?;
    // inspect() rules out what makes openvino-sys panic; should it panic anyway, the start
    // fails instead of the host.
    match catch_unwind(AssertUnwindSafe(|| {
        sys::library::load_from(candidate.to_path_buf())
    })) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("{}: {e}", candidate.display())),
        Err(_) => {
            return Err(format!(
                "{}: the OpenVINO bindings panicked while loading it",
                candidate.display()
            ));
        }
    }
    // SAFETY: inspect() found the symbol in this library, and it is OpenVINO's C function of
    // this signature (openvino-sys declares the same one).
    if let Ok(infer) = unsafe { checked.get::<InferFn>(b"ov_infer_request_infer") } {
        let infer = *infer;
        let _ = DIRECT.set(Direct {
            _library: checked,
            infer,
        });
    }
    let _ = LOADED.set(candidate.to_path_buf());
    log::info!(
        "loaded OpenVINO runtime {version} from {}",
        candidate.display()
    );
    Ok(())
}

/// Opens `candidate` on its own and checks that it is an OpenVINO C library openvino-sys can
/// use: every function in [`REQUIRED_SYMBOLS`], a version that parses and is new enough.
/// Returns the open library and its version; on failure nothing is kept, and openvino-sys's
/// slot stays empty.
fn inspect(candidate: &Path) -> Result<(libloading::Library, String), String> {
    let shown = candidate.display();
    // SAFETY: opening a library runs its initialisers. The file is one the host named or one in
    // an OpenVINO install location: the same trust openvino-sys's own loading of it needs.
    let library = unsafe { libloading::Library::new(candidate) }
        .map_err(|e| format!("{shown} cannot be loaded: {e}"))?;
    let missing: Vec<&str> = REQUIRED_SYMBOLS
        .iter()
        .copied()
        // SAFETY: only looks the name up; the address is never used through this type.
        .filter(|name| unsafe { library.get::<*const c_void>(name.as_bytes()) }.is_err())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{shown} is not OpenVINO's C library: it lacks {}{}",
            list_missing(&missing),
            c_library_beside(candidate)
        ));
    }
    let version = version_of(&library).map_err(|why| format!("{shown}: {why}"))?;
    match parse_version(&version) {
        None => Err(format!(
            "{shown} reports OpenVINO version {version:?}, which does not parse"
        )),
        Some(v) if v < MIN_VERSION => Err(format!(
            "{shown} is OpenVINO {version}; {}.{} or newer is needed",
            MIN_VERSION.0, MIN_VERSION.1
        )),
        Some(_) => Ok((library, version)),
    }
}

/// The first few missing names and how many more, so a wrong library gives a readable message.
fn list_missing(missing: &[&str]) -> String {
    const SHOWN: usize = 4;
    if missing.len() <= SHOWN + 1 {
        return missing.join(", ");
    }
    format!(
        "{}, \u{2026} ({} of the {} OpenVINO C functions this library calls)",
        missing[..SHOWN].join(", "),
        missing.len(),
        REQUIRED_SYMBOLS.len()
    )
}

/// " (libopenvino_c.so.N sits beside it)" when the C library is in the same folder.
fn c_library_beside(candidate: &Path) -> String {
    candidate
        .parent()
        .and_then(library_in)
        .filter(|c| c != candidate)
        .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        .map(|name| format!(" ({name} sits beside it)"))
        .unwrap_or_default()
}

/// `ov_get_openvino_version`'s build number, called through `library` (not openvino-sys).
fn version_of(library: &libloading::Library) -> Result<String, String> {
    // ov_status_e is a C enum: an int, 0 for OK.
    type GetVersion = unsafe extern "C" fn(*mut sys::ov_version_t) -> c_int;
    type FreeVersion = unsafe extern "C" fn(*mut sys::ov_version_t);
    // SAFETY: these are the signatures of ov_get_openvino_version and ov_version_free in
    // OpenVINO's c_api/ov_common.h (ov_version_t is the bindgen copy of its struct); the symbols
    // are not used after `library`, which the caller holds, is closed.
    let (get, free) = unsafe {
        (
            library.get::<GetVersion>(b"ov_get_openvino_version\0"),
            library.get::<FreeVersion>(b"ov_version_free\0"),
        )
    };
    let (get, free) = match (get, free) {
        (Ok(get), Ok(free)) => (get, free),
        _ => return Err("lacks ov_get_openvino_version or ov_version_free".into()),
    };
    let mut version = sys::ov_version_t {
        buildNumber: std::ptr::null(),
        description: std::ptr::null(),
    };
    // SAFETY: `version` is a valid, writable ov_version_t for the call to fill in.
    let status = unsafe { get(&mut version) };
    if status != 0 {
        return Err(format!(
            "ov_get_openvino_version failed with status {status}"
        ));
    }
    let text = if version.buildNumber.is_null() {
        String::new()
    } else {
        // SAFETY: on success buildNumber is a NUL-terminated string that lives until the free.
        unsafe { CStr::from_ptr(version.buildNumber) }
            .to_string_lossy()
            .into_owned()
    };
    // SAFETY: frees, once, what the successful call above allocated.
    unsafe { free(&mut version) };
    Ok(text)
}

/// `(year, minor)` of a build number such as `2026.4.1-22982-...`.
fn parse_version(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split(['.', '-']);
    let year = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((year, minor))
}

/// The files to search when `OVMS_OPENVINO_LIB` is not set, in the documented order. Places
/// that hold no candidate are noted in `tried`.
fn candidates(tried: &mut Vec<String>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let venv_lib = Path::new(SETUP_VENV).join("lib");
    let site_dirs: Vec<PathBuf> = std::fs::read_dir(&venv_lib)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path().join("site-packages/openvino/libs"))
                .collect()
        })
        .unwrap_or_default();
    if site_dirs.is_empty() {
        tried.push(format!("{} (no python site-packages)", venv_lib.display()));
    }
    for dir in site_dirs
        .iter()
        .map(PathBuf::as_path)
        .chain(STANDARD_DIRS.iter().map(Path::new))
    {
        match library_in(dir) {
            Some(path) => found.push(path),
            None => tried.push(format!("{} (no libopenvino_c.so*)", dir.display())),
        }
    }
    found
}

/// `libopenvino_c.so` or its newest versioned name in `dir`.
fn library_in(dir: &Path) -> Option<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libopenvino_c.so"))
        })
        .collect();
    names.sort();
    names.pop()
}

/// The loaded runtime's build number, e.g. `2026.4.1-22982-...`; empty when none is loaded.
pub fn openvino_version() -> String {
    if LOADED.get().is_none() {
        return String::new();
    }
    let mut version = sys::ov_version_t {
        buildNumber: std::ptr::null(),
        description: std::ptr::null(),
    };
    if check(
        // SAFETY: the runtime is loaded (checked above); `version` is a writable out-parameter.
        unsafe { sys::ov_get_openvino_version(&mut version) },
        "ov_get_openvino_version",
    )
    .is_err()
        || version.buildNumber.is_null()
    {
        return String::new();
    }
    // SAFETY: OpenVINO filled `buildNumber` with a NUL-terminated string (checked non-NULL).
    let text = unsafe { CStr::from_ptr(version.buildNumber) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: `version` was filled by ov_get_openvino_version and is freed once.
    unsafe { sys::ov_version_free(&mut version) };
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_offers_its_newest_libopenvino_c() {
        let dir = std::env::temp_dir().join(format!("ovms_runtime_test_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(library_in(&dir), None);
        for name in [
            "libopenvino.so.2641",
            "libopenvino_c.so.2540",
            "libopenvino_c.so.2641",
        ] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        assert_eq!(library_in(&dir), Some(dir.join("libopenvino_c.so.2641")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Every `sys::ov_*` function named in src/ov/*.rs (types `_t` and enums `_e` left out).
    fn openvino_functions_in_sources() -> std::collections::BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ov");
        let needle = ["sys", "::ov_"].concat();
        let mut used = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for (at, _) in source.match_indices(&needle) {
                let name: String = source[at + "sys::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // `sys::ov_*` in prose names no function.
                if name != "ov_" && !name.ends_with("_t") && !name.ends_with("_e") {
                    used.insert(name);
                }
            }
        }
        used
    }

    #[test]
    fn required_symbols_are_the_functions_the_sources_call() {
        let used = openvino_functions_in_sources();
        assert!(used.contains("ov_core_create"), "the scan found {used:?}");
        for name in &used {
            assert!(
                REQUIRED_SYMBOLS.contains(&name.as_str()),
                "src/ov calls sys::{name}, which REQUIRED_SYMBOLS lacks"
            );
        }
        for name in REQUIRED_SYMBOLS {
            assert!(
                used.contains(*name),
                "REQUIRED_SYMBOLS lists {name}, which src/ov no longer uses"
            );
        }
        let unique: std::collections::BTreeSet<_> = REQUIRED_SYMBOLS.iter().collect();
        assert_eq!(
            unique.len(),
            REQUIRED_SYMBOLS.len(),
            "a name is listed twice"
        );
    }

    #[test]
    fn a_file_that_is_not_a_library_is_rejected_and_nothing_is_loaded() {
        let file =
            std::env::temp_dir().join(format!("ovms_not_a_library_{}.so", std::process::id()));
        std::fs::write(&file, b"this is not an ELF file\n").unwrap();
        let error = inspect(&file).expect_err("a text file is not a library");
        std::fs::remove_file(&file).unwrap();
        assert!(error.contains(&file.display().to_string()), "{error}");
        assert!(error.contains("cannot be loaded"), "{error}");
        // load() fails the same way and leaves the slot free for a good library.
        assert!(load(&file).is_err());
        assert_ne!(LOADED.get(), Some(&file));
    }

    #[test]
    fn a_library_without_the_c_functions_is_named_with_what_it_lacks() {
        let Some(libc) = [
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/lib64/libc.so.6",
            "/usr/lib/libc.so.6",
        ]
        .iter()
        .map(Path::new)
        .find(|p| p.exists()) else {
            eprintln!("skipped: no libc.so.6 found");
            return;
        };
        let error = inspect(libc).expect_err("libc has no OpenVINO functions");
        assert!(
            error.starts_with(&format!(
                "{} is not OpenVINO's C library: it lacks ov_core_create, ",
                libc.display()
            )),
            "{error}"
        );
        assert!(
            error.contains(&format!(
                "({} of the {} ",
                REQUIRED_SYMBOLS.len(),
                REQUIRED_SYMBOLS.len()
            )),
            "{error}"
        );
    }

    #[test]
    fn versions_parse_and_compare() {
        assert_eq!(parse_version("2026.4.1-22982-abc"), Some((2026, 4)));
        assert_eq!(parse_version("2025.1.0"), Some((2025, 1)));
        assert_eq!(parse_version("custom_build"), None);
        assert_eq!(parse_version(""), None);
        assert!(parse_version("2024.6.0").unwrap() < MIN_VERSION);
        assert!(parse_version("2025.0.0").unwrap() < MIN_VERSION);
        assert!(parse_version("2025.1.0").unwrap() >= MIN_VERSION);
    }

    #[test]
    fn a_few_missing_names_are_all_listed() {
        assert_eq!(list_missing(&["ov_a", "ov_b"]), "ov_a, ov_b");
        let many: Vec<&str> = REQUIRED_SYMBOLS.iter().copied().take(7).collect();
        let text = list_missing(&many);
        assert!(text.starts_with("ov_core_create, ov_core_free, "), "{text}");
        assert!(text.contains("(7 of the "), "{text}");
    }

    #[test]
    fn the_search_lists_what_it_tried() {
        let mut tried = Vec::new();
        let found = candidates(&mut tried);
        let places = format!("{tried:?} {found:?}");
        for dir in STANDARD_DIRS {
            assert!(places.contains(dir), "{dir} missing from {places}");
        }
    }
}
