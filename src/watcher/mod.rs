//! The watcher part: the reload cycle and the thread that runs it every
//! `file_system_poll_wait_seconds`.
//!
//! A cycle re-reads config.json when its content changed (an invalid new config changes nothing
//! that serves; an invalid single entry is skipped until the next change), then rescans every
//! model's base path and applies the version policy: new versions are loaded, versions whose
//! folder or settings changed are compiled *beside* the serving one and swapped in atomically
//! (requests never fail during a roll-out), versions no longer wanted are retired (new requests
//! are refused, requests in flight and queued finish on them), and versions that failed to load
//! are tried again.

use crate::config::{Config, ModelConfig, ModelsSettings, VersionPolicy, read_config_text};
use crate::model::{
    Model, ModelVersion, ServableManager, VersionState, discover_versions, load_version,
    select_versions,
};
use crate::pipeline::Pipelines;
use crate::status::{Result, StatusCode};
use std::collections::BTreeSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where a server's config.json text comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigSource {
    /// A file, re-read every cycle; relative base paths resolve against its folder.
    File(PathBuf),
    /// A text held in memory (the `ovms` binary's single-model mode); relative base paths
    /// resolve against the working directory, as OVMS resolves `--model_path`.
    Text(String),
}

impl ConfigSource {
    /// The source the models settings name (the text when there is one).
    pub fn of(models: &ModelsSettings) -> ConfigSource {
        match &models.config_text {
            Some(text) => ConfigSource::Text(text.clone()),
            None => ConfigSource::File(PathBuf::from(&models.config_path)),
        }
    }

    /// The config as it is now.
    pub fn load(&self) -> Result<Config> {
        Config::parse(&self.read()?, self.folder())
    }

    fn read(&self) -> Result<String> {
        match self {
            ConfigSource::File(path) => read_config_text(path),
            ConfigSource::Text(text) => Ok(text.clone()),
        }
    }

    fn folder(&self) -> &Path {
        match self {
            ConfigSource::File(path) => path.parent().unwrap_or(Path::new(".")),
            ConfigSource::Text(_) => Path::new(""),
        }
    }
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(path) => write!(f, "config {}", path.display()),
            ConfigSource::Text(_) => f.write_str("the command line's model"),
        }
    }
}

/// Runs reload cycles for one server's config; cycles never overlap.
pub struct Reloader {
    source: ConfigSource,
    /// The config text applied last; held for a whole cycle.
    applied: Mutex<Option<String>>,
    /// The config's pipelines, revalidated at the end of every cycle.
    pipelines: Arc<Pipelines>,
}

impl Reloader {
    pub fn new(source: ConfigSource) -> Reloader {
        Reloader {
            source,
            applied: Mutex::new(None),
            pipelines: Arc::new(Pipelines::new()),
        }
    }

    /// The pipelines this reloader keeps in line with the config.
    pub fn pipelines(&self) -> Arc<Pipelines> {
        Arc::clone(&self.pipelines)
    }

    /// One cycle. An error means the config could not be read or is invalid: nothing that
    /// serves changed for it (the version folders were still rescanned).
    pub fn cycle(&self, manager: &ServableManager) -> Result<()> {
        let mut applied = lock(&self.applied);
        let outcome = self.source.read().and_then(|text| {
            if applied.as_deref() == Some(text.as_str()) {
                return Ok(());
            }
            let config = Config::parse(&text, self.source.folder())?;
            apply_config(manager, &config);
            self.pipelines.apply(
                &config.pipelines,
                &config.custom_node_libraries,
                self.source.folder(),
            );
            *applied = Some(text);
            Ok(())
        });
        if let Err(error) = &outcome {
            log::error!("{}: {error}; what is served stays as it was", self.source);
        }
        for model in manager.models() {
            sync_versions(manager, &model);
        }
        // After the versions changed: a pipeline follows the versions of its models.
        self.pipelines.revalidate(manager);
        outcome
    }
}

/// Brings the set of models in line with a new config: new models are added, changed entries
/// replace the old ones (their versions reload in `sync_versions`), and models no longer in the
/// config are retired.
fn apply_config(manager: &ServableManager, config: &Config) {
    let mut named = BTreeSet::new();
    for model_config in &config.models {
        if !named.insert(model_config.name.clone()) {
            log::error!(
                "{}: {:?}; the first entry is served",
                StatusCode::MODEL_NAME_OCCUPIED.message(),
                model_config.name
            );
            continue;
        }
        if let Some(error) = &model_config.invalid {
            // As OVMS: the entry is skipped until the config changes again; what serves stays.
            log::error!("model {:?} is not (re)loaded: {error}", model_config.name);
            continue;
        }
        let unchanged = manager
            .model(&model_config.name)
            .is_some_and(|m| m.config().as_ref() == Some(model_config));
        if !unchanged {
            manager.add_model(model_config.clone());
        }
    }
    for model in manager.models() {
        if !named.contains(&model.name) && model.config().is_some() {
            log::info!(
                "model {:?} was removed from the config: retired",
                model.name
            );
            model.set_config(None);
            for version in model.versions().keys() {
                model.retire(*version);
            }
        }
    }
}

/// Loads, reloads and retires a model's versions to match its config and base path. With the
/// `latest` policy, a version that fails to load does not count, as in OVMS: the policy is
/// applied again without it, so the versions that served before keep serving.
fn sync_versions(manager: &ServableManager, model: &Model) {
    let Some(config) = model.config() else {
        return;
    };
    let found = match discover_versions(&config.base_path) {
        Ok(found) => found,
        Err(reason) => {
            // A base path that is gone or unreadable: what was loaded keeps serving.
            log::error!("model {:?}: {reason}", model.name);
            return;
        }
    };
    let mut failed = BTreeSet::new();
    let wanted = loop {
        let candidates = found
            .iter()
            .filter(|(v, _)| !failed.contains(*v))
            .map(|(v, p)| (*v, p.clone()))
            .collect();
        let wanted = select_versions(candidates, &config.version_policy, &config.name);
        let current = model.versions();
        let mut failed_now = false;
        for (&version, path) in &wanted {
            let entry = current.get(&version);
            let up_to_date = entry.is_some_and(|e| {
                e.state == VersionState::Available
                    && e.source.as_ref() == Some(&(path.clone(), config.clone()))
            });
            if up_to_date {
                continue;
            }
            let failed_before = entry.and_then(|e| e.failure.clone());
            if !load(manager, model, &config, version, path, failed_before) {
                failed.insert(version);
                failed_now = true;
            }
        }
        if !failed_now || !matches!(config.version_policy, VersionPolicy::Latest(_)) {
            break wanted;
        }
    };
    for (version, entry) in &model.versions() {
        let keep = wanted.contains_key(version) || failed.contains(version);
        if !keep && entry.state != VersionState::Retired {
            log::info!("model {:?} version {version} retired", model.name);
            model.retire(*version);
        }
    }
}

/// Loads (or reloads) one version; false if it failed.
fn load(
    manager: &ServableManager,
    model: &Model,
    config: &ModelConfig,
    version: i64,
    path: &Path,
    failed_before: Option<String>,
) -> bool {
    model.begin_loading(version);
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        load_version(&manager.core, config, path, &manager.cache_dir)
    }))
    .unwrap_or_else(|_| Err("loading panicked".to_string()));
    match loaded {
        Ok(loaded) => {
            log::info!(
                "model {:?} version {version} AVAILABLE from {} with {} infer requests",
                model.name,
                path.display(),
                loaded.pool.stats().slots
            );
            let serving = Arc::new(ModelVersion::new(model.name.clone(), version, loaded));
            model.install(serving, (path.to_path_buf(), config.clone()));
            true
        }
        Err(reason) => {
            // Tried again every cycle; said again only when the reason changes.
            if failed_before.as_deref() != Some(reason.as_str()) {
                log::error!(
                    "model {:?} version {version} failed to load: {reason}",
                    model.name
                );
            }
            model.load_failed(version, reason);
            false
        }
    }
}

/// The thread that runs a cycle every interval until stopped.
pub struct Watcher {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    pub fn start(
        interval: Duration,
        reloader: Arc<Reloader>,
        manager: Arc<ServableManager>,
    ) -> std::io::Result<Watcher> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("ovms-watcher".into())
            .spawn(move || {
                let (stopped, wake) = &*signal;
                let mut stopped_now = lock(stopped);
                loop {
                    let (guard, _) = wake
                        .wait_timeout(stopped_now, interval)
                        .unwrap_or_else(|e| e.into_inner());
                    stopped_now = guard;
                    if *stopped_now {
                        return;
                    }
                    drop(stopped_now);
                    if catch_unwind(AssertUnwindSafe(|| reloader.cycle(&manager))).is_err() {
                        log::error!("a reload cycle panicked");
                    }
                    stopped_now = lock(stopped);
                    if *stopped_now {
                        return;
                    }
                }
            })?;
        Ok(Watcher {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for a cycle under way to end.
    pub fn stop(mut self) {
        *lock(&self.stop.0) = true;
        self.stop.1.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ov::Core;
    use crate::status::StatusCode;

    fn manager() -> ServableManager {
        ServableManager::new(
            Core::new().expect("OpenVINO runtime (set OVMS_OPENVINO_LIB)"),
            String::new(),
        )
    }

    /// The single-model mode's source: a text in memory, parsed like a file (a relative base
    /// path resolves against the working directory, the crate root under `cargo test`), and
    /// its version folders are loaded.
    #[test]
    fn a_text_source_serves_its_model() {
        let text = r#"{"model_config_list": [{"config": {"name": "dummy", "base_path": "models/dummy", "nireq": 2}}]}"#;
        let source = ConfigSource::Text(text.to_string());
        assert_eq!(source.to_string(), "the command line's model");
        let reloader = Reloader::new(source);
        let manager = manager();
        assert_eq!(reloader.cycle(&manager), Ok(()));
        let model = manager.model("dummy").expect("dummy is served");
        let config = model.config().expect("its config");
        assert_eq!(config.base_path, Path::new("models/dummy"));
        assert_eq!(config.nireq, 2);
        let versions = model.versions();
        assert_eq!(versions.keys().copied().collect::<Vec<_>>(), vec![1]);
        assert_eq!(versions[&1].state, VersionState::Available);
        // The next cycle sees the same text: the serving version is kept, not reloaded.
        let serving = versions[&1].serving.clone().expect("a serving version");
        assert_eq!(reloader.cycle(&manager), Ok(()));
        let again = model.versions()[&1].serving.clone().expect("still serving");
        assert!(Arc::ptr_eq(&serving, &again));
    }

    /// A text that breaks the schema fails the cycle as a file would, naming the key.
    #[test]
    fn an_invalid_text_source_fails_like_a_file() {
        let text = r#"{"model_config_list": [{"config": {"name": "dummy", "nireq": "two"}}]}"#;
        let reloader = Reloader::new(ConfigSource::Text(text.to_string()));
        let manager = manager();
        let error = reloader.cycle(&manager).unwrap_err();
        assert_eq!(error.code, StatusCode::JSON_INVALID);
        assert!(error.details().contains("nireq"), "{error}");
        assert!(manager.models().is_empty());
    }

    #[test]
    fn the_settings_choose_the_source() {
        let file = ModelsSettings {
            config_path: "/srv/config.json".into(),
            ..Default::default()
        };
        assert_eq!(
            ConfigSource::of(&file),
            ConfigSource::File("/srv/config.json".into())
        );
        assert_eq!(ConfigSource::of(&file).folder(), Path::new("/srv"));
        let text = ModelsSettings {
            config_text: Some("{}".into()),
            ..Default::default()
        };
        assert_eq!(ConfigSource::of(&text), ConfigSource::Text("{}".into()));
    }
}
