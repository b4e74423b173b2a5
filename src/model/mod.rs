//! The model part: the served models, their versions and states, and loading them.

mod loader;
mod metadata;
mod version;

pub use loader::load_model;
pub use metadata::{ServableMetadata, TensorMetadata};
pub use version::{Loaded, ModelVersion, ServedTensor, VersionState};

use crate::ov::Core;
use crate::pool::QueuedJob;
use crate::status::{Error, Result, StatusCode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A model: its versions by number.
pub struct Model {
    pub name: String,
    pub versions: BTreeMap<i64, Arc<ModelVersion>>,
}

impl Model {
    /// The highest AVAILABLE version: what version 0 means.
    pub fn default_version(&self) -> Option<&Arc<ModelVersion>> {
        self.versions
            .values()
            .rev()
            .find(|v| v.state() == VersionState::Available)
    }

    fn version(&self, version: i64) -> Option<&Arc<ModelVersion>> {
        if version == 0 {
            self.default_version()
        } else {
            self.versions.get(&version)
        }
    }
}

/// The models a started server serves.
#[derive(Default)]
pub struct ServableManager {
    pub models: BTreeMap<String, Model>,
    /// Dropped after the models (field order), which were compiled by it.
    pub core: Option<Core>,
}

impl ServableManager {
    /// The version to run a request or read metadata on, with OVMS's codes for each miss.
    pub fn servable(&self, name: &str, version: i64) -> Result<Servable> {
        let model = self.models.get(name).ok_or_else(|| {
            Error::with(
                StatusCode::PIPELINE_DEFINITION_NAME_MISSING,
                format!("no model or pipeline named {name:?}"),
            )
        })?;
        let found = model.version(version).ok_or_else(|| {
            let which = if version == 0 {
                "no version is available".to_string()
            } else {
                format!("version {version}")
            };
            Error::with(
                StatusCode::MODEL_VERSION_MISSING,
                format!("model {name:?}: {which}"),
            )
        })?;
        match &found.loaded {
            // Loading is synchronous at start, so a version that is not loaded now never will be.
            Err(reason) => Err(Error::with(
                StatusCode::MODEL_VERSION_NOT_LOADED_YET,
                format!(
                    "model {name:?} version {}: loading failed: {reason}",
                    found.version
                ),
            )),
            Ok(_) => Ok(Servable {
                version: Arc::clone(found),
            }),
        }
    }

    /// Closes every version's queue and hands back the async jobs that were waiting in it.
    pub fn close_pools(&self) -> Vec<Box<dyn QueuedJob>> {
        self.models
            .values()
            .flat_map(|m| m.versions.values())
            .filter_map(|v| v.loaded.as_ref().ok())
            .flat_map(|loaded| loaded.pool.close())
            .collect()
    }

    /// `OVMS_GetServableState`: unknown names and versions are `MODEL_NAME_MISSING`.
    pub fn state(&self, name: &[u8], version: i64) -> Result<VersionState> {
        let name = String::from_utf8_lossy(name);
        self.models
            .get(name.as_ref())
            .and_then(|m| m.version(version))
            .map(|v| v.state())
            .ok_or_else(|| {
                Error::with(
                    StatusCode::MODEL_NAME_MISSING,
                    format!("model {name:?} version {version}"),
                )
            })
    }
}

/// A loaded version, held alive for as long as a request uses it.
#[derive(Clone)]
pub struct Servable {
    /// Invariant: `version.loaded` is `Ok`.
    version: Arc<ModelVersion>,
}

impl Servable {
    pub fn loaded(&self) -> &Loaded {
        self.version
            .loaded
            .as_ref()
            .expect("a Servable is only made from a loaded version")
    }

    pub fn version(&self) -> &ModelVersion {
        &self.version
    }
}
