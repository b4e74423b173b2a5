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

use crate::config::{Config, ModelConfig, VersionPolicy, read_config_text};
use crate::model::{
    Model, ModelVersion, ServableManager, VersionState, discover_versions, load_version,
    select_versions,
};
use crate::status::{Result, StatusCode};
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs reload cycles for one server's config file; cycles never overlap.
pub struct Reloader {
    config_path: PathBuf,
    /// The config text applied last; held for a whole cycle.
    applied: Mutex<Option<String>>,
}

impl Reloader {
    pub fn new(config_path: &Path) -> Reloader {
        Reloader {
            config_path: config_path.to_path_buf(),
            applied: Mutex::new(None),
        }
    }

    /// One cycle. An error means the config file could not be read or is invalid: nothing that
    /// serves changed for it (the version folders were still rescanned).
    pub fn cycle(&self, manager: &ServableManager) -> Result<()> {
        let mut applied = lock(&self.applied);
        let folder = self.config_path.parent().unwrap_or(Path::new("."));
        let outcome = read_config_text(&self.config_path).and_then(|text| {
            if applied.as_deref() == Some(text.as_str()) {
                return Ok(());
            }
            let config = Config::parse(&text, folder)?;
            apply_config(manager, &config);
            *applied = Some(text);
            Ok(())
        });
        if let Err(error) = &outcome {
            log::error!(
                "config {}: {error}; what is served stays as it was",
                self.config_path.display()
            );
        }
        for model in manager.models() {
            sync_versions(manager, &model);
        }
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
