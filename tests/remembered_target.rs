//! A request object the host keeps between inferences remembers the version its name resolved
//! to (`model::served`). These tests keep the remembered versions alive on purpose (a held
//! `Servable`, as a request still in flight holds one), so a change to the served sets that
//! failed to count would show: the kept request would go on resolving to the old version.
//! Each kind of change is made in turn, on a real server with real OpenVINO models: a version
//! added and removed, the model removed from the config and a pipeline of its name added in
//! its place, the server stopped and started again. One test function: the server is a
//! process singleton.

mod common;

use ovms_shared::inference::Request;
use ovms_shared::model::Servable;
use ovms_shared::pipeline::Target;
use ovms_shared::server::SERVER;
use ovms_shared::status::StatusCode;
use std::path::{Path, PathBuf};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn copy_version(base: &Path, version: i64) {
    let to = base.join(version.to_string());
    std::fs::create_dir_all(&to).unwrap();
    for file in ["model.xml", "model.bin"] {
        let from = Path::new(REPO)
            .join("models/versioned")
            .join(version.to_string());
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
}

/// `dummy` on `base` with every version served, or (`dummy_is_pipeline`) a pipeline named
/// `dummy` over the model `inner` instead.
fn write_config(path: &Path, base: &Path, dummy_is_pipeline: bool) {
    let text = if dummy_is_pipeline {
        format!(
            r#"{{"model_config_list": [{{"config": {{"name": "inner", "base_path": "{REPO}/models/dummy"}}}}],
  "pipeline_config_list": [{{"name": "dummy", "inputs": ["b"],
    "nodes": [{{"name": "node", "type": "DL model", "model_name": "inner",
      "inputs": [{{"b": {{"node_name": "request", "data_item": "b"}}}}],
      "outputs": [{{"data_item": "a", "alias": "out"}}]}}],
    "outputs": [{{"a": {{"node_name": "node", "data_item": "out"}}}}]}}]}}"#
        )
    } else {
        format!(
            r#"{{"model_config_list": [{{"config": {{"name": "dummy", "base_path": "{}",
  "model_version_policy": {{"all": {{}}}}}}}}]}}"#,
            base.display()
        )
    };
    std::fs::write(path, text).unwrap();
}

fn start(config: &Path) {
    common::start(config, 0).expect("the server starts");
}

/// The model version `request` resolves to now; panics on a pipeline or an error.
fn resolved(request: &Request) -> Servable {
    match SERVER.target(request) {
        Ok(Target::Model(servable)) => servable,
        Ok(Target::Pipeline(..)) => panic!("resolved to a pipeline, expected a model"),
        Err(error) => panic!("resolved to {error:?}, expected a model"),
    }
}

fn version_of(request: &Request) -> i64 {
    resolved(request).version().version
}

fn code_of(request: &Request) -> Option<StatusCode> {
    SERVER.target(request).err().map(|error| error.code)
}

#[test]
fn a_kept_request_follows_every_change_to_what_it_names() {
    let dir = std::env::temp_dir().join(format!("ovms-remembered-{}", std::process::id()));
    let base = dir.join("dummy");
    std::fs::create_dir_all(&base).unwrap();
    copy_version(&base, 1);
    let config: PathBuf = dir.join("config.json");
    write_config(&config, &base, false);
    start(&config);

    let default = Request::new(b"dummy", 0);
    let first = Request::new(b"dummy", 1);
    let second = Request::new(b"dummy", 2);
    assert_eq!(version_of(&default), 1);
    assert_eq!(version_of(&first), 1);
    assert_eq!(code_of(&second), Some(StatusCode::MODEL_VERSION_MISSING));
    // Nothing changed: the remembered version comes back, the very same one.
    let held_1 = resolved(&default);
    assert!(std::ptr::eq(held_1.version(), resolved(&default).version()));

    // A version added: the default moves to it, though version 1 is held alive and serves.
    copy_version(&base, 2);
    SERVER.reload().expect("reload with version 2");
    assert_eq!(version_of(&default), 2);
    assert_eq!(version_of(&first), 1);
    let held_2 = resolved(&second);
    assert_eq!(held_2.version().version, 2);

    // That version removed again: the default goes back to 1, and the request for version 2
    // is refused while its version is still held.
    std::fs::remove_dir_all(base.join("2")).unwrap();
    SERVER.reload().expect("reload without version 2");
    assert_eq!(version_of(&default), 1);
    assert_eq!(
        code_of(&second),
        Some(StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE)
    );

    // The model removed from the config and a pipeline of its name added: both kept requests
    // now name the pipeline, though version 1 is held.
    write_config(&config, &base, true);
    SERVER.reload().expect("reload with the pipeline");
    assert!(matches!(SERVER.target(&default), Ok(Target::Pipeline(..))));
    assert!(matches!(SERVER.target(&first), Ok(Target::Pipeline(..))));

    // The model back in the config: the kept requests name the model again.
    write_config(&config, &base, false);
    SERVER.reload().expect("reload with the model again");
    assert_eq!(version_of(&default), 1);
    assert_eq!(version_of(&first), 1);

    // The server stopped: refused, though the version is held; started again: the new
    // server's version, not the held one.
    let held_again = resolved(&first);
    SERVER.stop();
    assert_eq!(code_of(&default), Some(StatusCode::SERVER_NOT_READY));
    assert_eq!(code_of(&first), Some(StatusCode::SERVER_NOT_READY));
    start(&config);
    let restarted = resolved(&default);
    assert_eq!(restarted.version().version, 1);
    assert!(!std::ptr::eq(restarted.version(), held_1.version()));
    assert!(!std::ptr::eq(
        resolved(&first).version(),
        held_again.version()
    ));

    SERVER.stop();
    drop((held_1, held_2, held_again, restarted));
    std::fs::remove_dir_all(&dir).unwrap();
}
