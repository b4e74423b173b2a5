//! The loaded custom node libraries by name, kept in step with `custom_node_library_config_list`.

use super::CustomNodeLibrary;
use crate::config::CustomNodeLibraryConfig;
use crate::status::{Error, Result, StatusCode};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The libraries the config names. A pipeline node holds its library by `Arc`, so a library
/// dropped from here stays loaded until the last node using it is gone.
#[derive(Debug, Default)]
pub struct NodeLibraries {
    libraries: HashMap<String, Arc<CustomNodeLibrary>>,
}

impl NodeLibraries {
    pub fn new() -> NodeLibraries {
        NodeLibraries::default()
    }

    /// Brings the set in line with the config: a relative `base_path` is taken from
    /// `config_dir` (as a model's is); a library already loaded from the same path is kept
    /// (OVMS: NODE_LIBRARY_ALREADY_LOADED, not an error); one whose path changed is loaded
    /// again (if that fails, the one loaded before stays, as in OVMS); those no longer listed
    /// are dropped. Returns the libraries that failed to load (a name that never loaded is
    /// absent, so pipelines using it are invalid).
    pub fn reload(&mut self, configs: &[CustomNodeLibraryConfig], config_dir: &Path) -> Vec<Error> {
        let mut failures = Vec::new();
        let mut next = HashMap::with_capacity(configs.len());
        for config in configs {
            let path = config_dir.join(&config.base_path);
            let kept = self
                .libraries
                .get(&config.name)
                .filter(|library| library.path() == path);
            let loaded = match kept {
                Some(library) => Ok(Arc::clone(library)),
                None => CustomNodeLibrary::load(&config.name, &path),
            };
            match loaded {
                Ok(library) => {
                    next.insert(config.name.clone(), library);
                }
                Err(e) => {
                    log::error!("{}", e.details());
                    failures.push(e);
                    // As OVMS does: a failed load to a new path leaves the old library in use.
                    if let Some(previous) = self.libraries.get(&config.name) {
                        next.insert(config.name.clone(), Arc::clone(previous));
                    }
                }
            }
        }
        self.libraries = next;
        failures
    }

    /// NODE_LIBRARY_MISSING when no library of this name is loaded.
    pub fn get(&self, name: &str) -> Result<Arc<CustomNodeLibrary>> {
        self.libraries.get(name).cloned().ok_or_else(|| {
            Error::with(
                StatusCode::NODE_LIBRARY_MISSING,
                format!("custom node library {name}"),
            )
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.libraries.keys().map(String::as_str)
    }
}
