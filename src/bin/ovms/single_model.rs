//! Single-model mode: the model flags become a config.json text with one model, which the
//! library parses with the same schema as a file. As in OVMS, a flag whose value makes no
//! valid model fails the start, naming the flag.

use crate::cli::ModelFlags;
use ovms_shared::config::Config;
use serde_json::{Map, Value, json};
use std::path::Path;

fn document(config: Map<String, Value>) -> String {
    json!({"model_config_list": [{"config": config}]}).to_string()
}

/// A JSON object given on the command line, or a message naming its flag.
fn json_object(flag: &str, text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(format!("--{flag} {text:?} is not a JSON object")),
        Err(e) => Err(format!("--{flag} {text:?} is not valid JSON: {e}")),
    }
}

/// `--shape`: a JSON object of shapes by input name, else one shape (`(1,3,224,224)`, `auto`).
fn shape(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => value,
        _ => Value::String(text.to_string()),
    }
}

/// Parses a one-model config as the library will; `Err` says what is wrong with it.
fn check(config: &Map<String, Value>) -> Result<(), String> {
    let parsed =
        Config::parse(&document(config.clone()), Path::new("")).map_err(|e| e.details())?;
    match parsed.models.first().and_then(|m| m.invalid.as_ref()) {
        Some(error) => Err(error.details()),
        None => Ok(()),
    }
}

/// The config.json text for `--model_name` and `--model_path` (both given) and the model flags.
pub fn config_text(flags: &ModelFlags) -> Result<String, String> {
    let mut base = Map::new();
    base.insert(
        "name".into(),
        json!(flags.model_name.clone().unwrap_or_default()),
    );
    base.insert(
        "base_path".into(),
        json!(flags.model_path.clone().unwrap_or_default()),
    );
    // By flag name, which is also the config key.
    let mut settings: Vec<(&str, Value)> = Vec::new();
    if let Some(batch_size) = &flags.batch_size {
        settings.push(("batch_size", json!(batch_size)));
    }
    if let Some(text) = &flags.shape {
        settings.push(("shape", shape(text)));
    }
    if let Some(text) = &flags.model_version_policy {
        let policy = json_object("model_version_policy", text)?;
        settings.push(("model_version_policy", policy));
    }
    if let Some(nireq) = flags.nireq {
        settings.push(("nireq", json!(nireq)));
    }
    // Empty is OVMS's "not set" (its default is an empty string).
    if let Some(device) = flags.target_device.as_deref().filter(|d| !d.is_empty()) {
        settings.push(("target_device", json!(device)));
    }
    if let Some(text) = &flags.plugin_config {
        settings.push(("plugin_config", json_object("plugin_config", text)?));
    }
    check(&base).map_err(|e| format!("--model_name/--model_path: {e}"))?;
    // Each flag on its own, so that the message names the one at fault.
    let mut config = base.clone();
    for (flag, value) in settings {
        let mut alone = base.clone();
        alone.insert(flag.into(), value.clone());
        check(&alone).map_err(|e| format!("--{flag}: {e}"))?;
        config.insert(flag.into(), value);
    }
    check(&config).map_err(|e| format!("the single-model flags: {e}"))?;
    Ok(document(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags() -> ModelFlags {
        ModelFlags {
            model_name: Some("dummy".into()),
            model_path: Some("/models/dummy".into()),
            ..Default::default()
        }
    }

    fn config(text: &str) -> Value {
        let value: Value = serde_json::from_str(text).unwrap();
        value["model_config_list"][0]["config"].clone()
    }

    #[test]
    fn every_flag_lands_under_its_key() {
        let text = config_text(&ModelFlags {
            batch_size: Some("auto".into()),
            shape: Some(r#"{"b": "(1,10)"}"#.into()),
            model_version_policy: Some(r#"{"specific": {"versions": [1, 3]}}"#.into()),
            nireq: Some(4),
            target_device: Some("CPU".into()),
            plugin_config: Some(r#"{"NUM_STREAMS": "1", "PERF_COUNT": true}"#.into()),
            ..flags()
        })
        .unwrap();
        assert_eq!(
            config(&text),
            json!({
                "name": "dummy",
                "base_path": "/models/dummy",
                "batch_size": "auto",
                "shape": {"b": "(1,10)"},
                "model_version_policy": {"specific": {"versions": [1, 3]}},
                "nireq": 4,
                "target_device": "CPU",
                "plugin_config": {"NUM_STREAMS": "1", "PERF_COUNT": true}
            })
        );
        // The library reads it back as one model with those values.
        let parsed = Config::parse(&text, Path::new("")).unwrap();
        assert_eq!(parsed.models.len(), 1);
        assert_eq!(parsed.models[0].nireq, 4);
        assert_eq!(parsed.models[0].invalid, None);
    }

    #[test]
    fn a_bad_value_names_its_flag() {
        let cases = [
            (
                ModelFlags {
                    plugin_config: Some("NUM_STREAMS=1".into()),
                    ..flags()
                },
                "--plugin_config",
            ),
            (
                ModelFlags {
                    plugin_config: Some("[1]".into()),
                    ..flags()
                },
                "--plugin_config",
            ),
            (
                ModelFlags {
                    model_version_policy: Some("latest".into()),
                    ..flags()
                },
                "--model_version_policy",
            ),
            (
                ModelFlags {
                    model_version_policy: Some(r#"{"newest": {}}"#.into()),
                    ..flags()
                },
                "--model_version_policy",
            ),
            (
                ModelFlags {
                    shape: Some("(1,x)".into()),
                    ..flags()
                },
                "--shape",
            ),
            (
                ModelFlags {
                    batch_size: Some("many".into()),
                    ..flags()
                },
                "--batch_size",
            ),
            (
                ModelFlags {
                    nireq: Some(1_000_000),
                    ..flags()
                },
                "--nireq",
            ),
        ];
        for (flags, flag) in cases {
            let error = config_text(&flags).expect_err(flag);
            assert!(error.starts_with(flag), "{error:?} names no {flag}");
        }
    }
}
