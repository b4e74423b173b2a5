//! Finding and loading `libopenvino_c` at run time (the library links no OpenVINO symbol).

use super::check;
use openvino_sys as sys;
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The environment variable that names the `libopenvino_c.so*` file to load.
pub(crate) const LIB_ENV: &str = "OVMS_OPENVINO_LIB";

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
/// Serializes load attempts, so two servers starting at once do not both search.
static LOADING: Mutex<()> = Mutex::new(());

/// Loads the OpenVINO C library once per process; returns the file it came from, or a message
/// listing everything that was tried.
pub fn ensure_loaded() -> Result<PathBuf, String> {
    let _serialized = LOADING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = LOADED.get() {
        return Ok(path.clone());
    }
    let mut tried = Vec::new();
    for candidate in candidates(&mut tried) {
        match sys::library::load_from(candidate.clone()) {
            Ok(()) => {
                let _ = LOADED.set(candidate.clone());
                log::info!(
                    "loaded OpenVINO runtime {} from {}",
                    openvino_version(),
                    candidate.display()
                );
                return Ok(candidate);
            }
            Err(e) => tried.push(format!("{} ({e})", candidate.display())),
        }
    }
    Err(format!(
        "OpenVINO runtime not found; searched: {}. Set {LIB_ENV} to the path of libopenvino_c.so.<version> \
         (for example <venv>/lib/python3.x/site-packages/openvino/libs/libopenvino_c.so.2641)",
        tried.join("; ")
    ))
}

/// The files to try, in the documented order. Places that hold no candidate are noted in `tried`.
fn candidates(tried: &mut Vec<String>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    match std::env::var_os(LIB_ENV) {
        Some(path) if !path.is_empty() => found.push(PathBuf::from(path)),
        _ => tried.push(format!("${LIB_ENV} (not set)")),
    }
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
        unsafe { sys::ov_get_openvino_version(&mut version) },
        "ov_get_openvino_version",
    )
    .is_err()
    {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(version.buildNumber) }
        .to_string_lossy()
        .into_owned();
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
