//! The model part: the served models, their versions and states, and loading them.
//!
//! The set of models and each model's versions change while serving (the watcher's reload
//! cycle): a version is served through an `Arc<ModelVersion>`, which a request holds for as long
//! as it runs, so replacing or retiring a version only drops the map's reference, and the old
//! version's OpenVINO objects are freed when its last request ends (no waiting, no sleep loop).

mod loader;
mod metadata;
pub mod served;
mod version;

pub use loader::{discover_versions, load_version, select_versions};
pub use metadata::{ServableMetadata, TensorMetadata};
pub use version::{Loaded, ModelVersion, ServedTensor, VersionState};

use crate::config::ModelConfig;
use crate::ov::Core;
use crate::pool::QueuedJob;
use crate::status::{Error, Result, StatusCode};
use served::ServedSet;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};

/// One version number of a model, in whatever state it is.
#[derive(Clone)]
pub struct VersionEntry {
    pub state: VersionState,
    /// The loaded version that serves, while `state` is AVAILABLE.
    pub serving: Option<Arc<ModelVersion>>,
    /// Why the last load failed.
    pub failure: Option<String>,
    /// The folder (or file) and config the serving version was loaded from: a reload cycle
    /// reloads when either changed.
    pub source: Option<(PathBuf, ModelConfig)>,
}

impl VersionEntry {
    fn loading() -> VersionEntry {
        VersionEntry {
            state: VersionState::Loading,
            serving: None,
            failure: None,
            source: None,
        }
    }
}

/// A model: its config entry and its versions by number.
pub struct Model {
    pub name: String,
    /// The config entry it is served with (a reload replaces it); `None` once the model was
    /// removed from the config.
    config: ServedSet<Option<ModelConfig>>,
    versions: ServedSet<BTreeMap<i64, VersionEntry>>,
}

impl Model {
    pub fn new(config: ModelConfig) -> Model {
        Model {
            name: config.name.clone(),
            config: ServedSet::new(Some(config)),
            versions: ServedSet::new(BTreeMap::new()),
        }
    }

    pub fn config(&self) -> Option<ModelConfig> {
        self.config.read().clone()
    }

    pub fn set_config(&self, config: Option<ModelConfig>) {
        *self.config.write() = config;
    }

    /// A copy of the versions, for a reload cycle to decide what to change.
    pub fn versions(&self) -> BTreeMap<i64, VersionEntry> {
        self.versions.read().clone()
    }

    /// Marks a version that is not served yet as loading. A reload of a serving version keeps
    /// serving the old one meanwhile, and a retry of a failed load stays LOADING_FAILED until it
    /// succeeds: a host reading the state mid-retry sees the outcome it had, not a flicker.
    pub fn begin_loading(&self, version: i64) {
        let mut versions = self.versions.write();
        let entry = versions
            .entry(version)
            .or_insert_with(VersionEntry::loading);
        if entry.serving.is_none() && entry.state != VersionState::LoadingFailed {
            *entry = VersionEntry::loading();
        }
    }

    /// Swaps a newly loaded version in, atomically: requests that hold the old one finish on it.
    pub fn install(&self, loaded: Arc<ModelVersion>, source: (PathBuf, ModelConfig)) {
        let version = loaded.version;
        self.versions.write().insert(
            version,
            VersionEntry {
                state: VersionState::Available,
                serving: Some(loaded),
                failure: None,
                source: Some(source),
            },
        );
    }

    /// Records a failed load. A version that was serving keeps serving its previous load.
    pub fn load_failed(&self, version: i64, reason: String) {
        let mut versions = self.versions.write();
        let entry = versions
            .entry(version)
            .or_insert_with(VersionEntry::loading);
        if entry.serving.is_none() {
            entry.state = VersionState::LoadingFailed;
        }
        entry.failure = Some(reason);
    }

    /// Retires a version: new requests are refused at once, requests in flight finish on it,
    /// and it is freed when the last of them ends.
    pub fn retire(&self, version: i64) {
        if let Some(entry) = self.versions.write().get_mut(&version) {
            entry.state = VersionState::Retired;
            entry.serving = None;
            entry.source = None;
        }
    }

    /// The highest AVAILABLE version: what version 0 means.
    fn default_version(versions: &BTreeMap<i64, VersionEntry>) -> Option<&VersionEntry> {
        versions
            .values()
            .rev()
            .find(|v| v.state == VersionState::Available && v.serving.is_some())
    }

    /// The version to run a request or read metadata on, with OVMS's codes for each miss.
    fn servable(&self, version: i64) -> Result<Servable> {
        let versions = self.versions.read();
        let name = &self.name;
        let entry = if version == 0 {
            match Self::default_version(&versions) {
                Some(entry) => entry,
                // No version serves: say why, from the highest version there is.
                None => versions.values().next_back().ok_or_else(|| {
                    Error::with(
                        StatusCode::MODEL_VERSION_MISSING,
                        format!("model {name:?}: no version is available"),
                    )
                })?,
            }
        } else {
            versions.get(&version).ok_or_else(|| {
                Error::with(
                    StatusCode::MODEL_VERSION_MISSING,
                    format!("model {name:?}: version {version}"),
                )
            })?
        };
        match (&entry.serving, entry.state) {
            (Some(serving), VersionState::Available) => Ok(Servable {
                version: Arc::clone(serving),
            }),
            (_, VersionState::Retired | VersionState::Unloading) => Err(Error::with(
                StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE,
                format!("model {name:?}: the version is retired"),
            )),
            (_, VersionState::LoadingFailed) => Err(Error::with(
                StatusCode::MODEL_VERSION_NOT_LOADED_YET,
                format!(
                    "model {name:?}: loading failed: {}",
                    entry.failure.as_deref().unwrap_or("unknown reason")
                ),
            )),
            _ => Err(Error::with(
                StatusCode::MODEL_VERSION_NOT_LOADED_YET,
                format!("model {name:?}: the version is loading"),
            )),
        }
    }

    fn state(&self, version: i64) -> Option<VersionState> {
        let versions = self.versions.read();
        if version == 0 {
            Self::default_version(&versions)
                .or_else(|| versions.values().next_back())
                .map(|v| v.state)
        } else {
            versions.get(&version).map(|v| v.state)
        }
    }

    /// Closes the queues of the serving versions and hands back the async jobs waiting in them.
    fn close_pools(&self) -> Vec<Box<dyn QueuedJob>> {
        self.versions
            .read()
            .values()
            .filter_map(|v| v.serving.as_ref())
            .flat_map(|v| v.loaded.pool.close())
            .collect()
    }
}

/// The models a started server serves.
pub struct ServableManager {
    models: ServedSet<BTreeMap<String, Arc<Model>>>,
    /// Dropped after the models (field order), which were compiled by it.
    pub core: Core,
    pub cache_dir: String,
}

impl ServableManager {
    pub fn new(core: Core, cache_dir: String) -> ServableManager {
        ServableManager {
            models: ServedSet::new(BTreeMap::new()),
            core,
            cache_dir,
        }
    }

    pub fn model(&self, name: &str) -> Option<Arc<Model>> {
        self.models.read().get(name).cloned()
    }

    /// Every model, including those whose versions are all retired.
    pub fn models(&self) -> Vec<Arc<Model>> {
        self.models.read().values().cloned().collect()
    }

    /// Adds a model, or gives the one of that name this config.
    pub fn add_model(&self, config: ModelConfig) -> Arc<Model> {
        let mut models = self.models.write();
        match models.get(&config.name) {
            Some(model) => {
                model.set_config(Some(config));
                Arc::clone(model)
            }
            None => {
                let model = Arc::new(Model::new(config));
                models.insert(model.name.clone(), Arc::clone(&model));
                model
            }
        }
    }

    /// The version to run a request or read metadata on, with OVMS's codes for each miss.
    pub fn servable(&self, name: &str, version: i64) -> Result<Servable> {
        // Looked up under the map's lock rather than through a clone of the model's `Arc`: one
        // reference count fewer to take and give back per request (no writer of the map takes
        // a model's version lock while holding it).
        let models = self.models.read();
        let model = models.get(name).ok_or_else(|| {
            Error::with(
                StatusCode::PIPELINE_DEFINITION_NAME_MISSING,
                format!("no model or pipeline named {name:?}"),
            )
        })?;
        model.servable(version)
    }

    /// Closes every version's queue and hands back the async jobs that were waiting in it.
    pub fn close_pools(&self) -> Vec<Box<dyn QueuedJob>> {
        self.models().iter().flat_map(|m| m.close_pools()).collect()
    }

    /// `OVMS_GetServableState`: unknown names and versions are `MODEL_NAME_MISSING`.
    pub fn state(&self, name: &[u8], version: i64) -> Result<VersionState> {
        let name = String::from_utf8_lossy(name);
        self.model(&name)
            .and_then(|m| m.state(version))
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
    version: Arc<ModelVersion>,
}

impl Servable {
    pub fn loaded(&self) -> &Loaded {
        &self.version.loaded
    }

    pub fn version(&self) -> &ModelVersion {
        &self.version
    }

    /// A reference that does not keep the version loaded: a retired version is freed when its
    /// last request ends, whoever remembers it.
    pub fn downgrade(&self) -> WeakServable {
        WeakServable(Arc::downgrade(&self.version))
    }
}

/// A loaded version, remembered without keeping it alive (see `served`).
pub struct WeakServable(Weak<ModelVersion>);

impl WeakServable {
    /// The version, if it is still loaded.
    pub fn upgrade(&self) -> Option<Servable> {
        self.0.upgrade().map(|version| Servable { version })
    }

    /// Whether this is `servable`'s version.
    pub fn is(&self, servable: &Servable) -> bool {
        std::ptr::eq(self.0.as_ptr(), Arc::as_ptr(&servable.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn model() -> Model {
        let text = r#"{"model_config_list":[{"config":{"name":"m","base_path":"m"}}]}"#;
        Model::new(
            Config::parse(text, Path::new("/cfg"))
                .unwrap()
                .models
                .remove(0),
        )
    }

    #[test]
    fn a_retried_failed_load_stays_loading_failed() {
        let model = model();
        model.begin_loading(1);
        assert_eq!(model.state(1), Some(VersionState::Loading));
        model.load_failed(1, "broken".to_string());
        assert_eq!(model.state(1), Some(VersionState::LoadingFailed));
        model.begin_loading(1);
        assert_eq!(model.state(1), Some(VersionState::LoadingFailed));
        let refused = model.servable(1).err().unwrap();
        assert_eq!(refused.code, StatusCode::MODEL_VERSION_NOT_LOADED_YET);
    }

    #[test]
    fn a_retired_version_loads_again_as_loading() {
        let model = model();
        model.begin_loading(1);
        model.retire(1);
        model.begin_loading(1);
        assert_eq!(model.state(1), Some(VersionState::Loading));
    }
}
