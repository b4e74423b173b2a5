//! The pipeline part: config.json's `pipeline_config_list` DAGs as servables, with model nodes
//! and custom nodes from the libraries of `custom_node_library_config_list` (`custom_node`).
//!
//! A pipeline is looked up after the models (a model's name wins, and a pipeline named like a
//! model is PIPELINE_NAME_OCCUPIED). Definitions are (re)built when a config is applied and
//! revalidated on every reload cycle, so a pipeline follows its models' versions: one that no
//! longer validates answers PIPELINE_DEFINITION_NOT_LOADED_YET until it does again, one removed
//! from the config PIPELINE_DEFINITION_NOT_LOADED_ANYMORE. Running one is `run.rs`.

pub mod custom_node;
mod definition;
mod gather;
mod run;

pub use definition::{
    CustomNode, CustomWork, ENTRY, EXIT, ModelPorts, Plan, Source, TensorSpec, validate,
};

use crate::config::{CustomNodeLibraryConfig, PipelineConfig, PipelineNode};
use crate::inference::{self, Done, Request, Response};
use crate::metrics::Interface;
use crate::model::served::ServedSet;
use crate::model::{
    Loaded, Servable, ServableManager, ServableMetadata, TensorMetadata, VersionState,
};
use crate::ov::Dim;
use crate::status::{Error, Result, StatusCode};
use custom_node::{NodeInstance, NodeLibraries, NodeParams, NodeTensorInfo};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where a pipeline definition stands.
#[derive(Clone)]
enum Status {
    /// New (`edited` false) or edited since its last validation, which the end of this reload
    /// cycle runs: OVMS's BEGIN and RELOADING, not a failure.
    Pending { edited: bool },
    /// Validated against the models as they are now.
    Available(Arc<Plan>),
    /// Its last validation failed (OVMS's LOADING_PRECONDITION_FAILED).
    Failed(Error),
    /// Removed from the config.
    Retired,
}

struct Pipeline {
    /// `None` once the pipeline was removed from the config.
    config: Option<PipelineConfig>,
    status: Status,
    /// Its custom nodes' instances by node name, initialized once per definition: kept across
    /// revalidations while the definition and the node's library stay the same.
    instances: BTreeMap<String, CustomWork>,
}

/// The pipelines a server serves.
#[derive(Default)]
pub struct Pipelines {
    entries: ServedSet<BTreeMap<String, Arc<Mutex<Pipeline>>>>,
    libraries: Mutex<NodeLibraries>,
}

fn specs_of(infos: Vec<NodeTensorInfo>) -> BTreeMap<String, TensorSpec> {
    infos
        .into_iter()
        .map(|info| {
            let dims = info
                .dims
                .iter()
                .map(|&d| if d < 0 { Dim::any() } else { Dim::fixed(d) })
                .collect();
            (
                info.name,
                TensorSpec {
                    datatype: info.datatype,
                    dims,
                },
            )
        })
        .collect()
}

/// A custom node planned on `library`: its cached instance when it has one from that very
/// library, else a new one (initialized with the node's params); its tensors from the
/// library's getInputsInfo/getOutputsInfo.
fn prepare_custom(
    node: &PipelineNode,
    libraries: &NodeLibraries,
    library_name: &str,
    cached: Option<&CustomWork>,
) -> Result<Option<CustomNode>> {
    let Ok(library) = libraries.get(library_name) else {
        return Ok(None);
    };
    let work = match cached {
        Some(work) if Arc::ptr_eq(work.instance.library(), &library) => work.clone(),
        _ => {
            let params = Arc::new(NodeParams::new(&node.params)?);
            let instance: Arc<NodeInstance> = library.initialize(&params)?;
            CustomWork { instance, params }
        }
    };
    let ports = ModelPorts {
        inputs: specs_of(work.instance.inputs_info(&work.params)?),
        outputs: specs_of(work.instance.outputs_info(&work.params)?),
    };
    Ok(Some(CustomNode { work, ports }))
}

/// A model's tensors for validation, from its version `version` (0: the default one).
fn ports_of(manager: &ServableManager, name: &str, version: i64) -> Option<ModelPorts> {
    let servable = manager.servable(name, version).ok()?;
    let loaded: &Loaded = servable.loaded();
    let specs = |tensors: &[crate::model::ServedTensor]| {
        tensors
            .iter()
            .map(|t| {
                (
                    t.info.name.clone(),
                    TensorSpec {
                        datatype: t.info.data_type,
                        dims: t.info.dims.clone(),
                    },
                )
            })
            .collect()
    };
    Some(ModelPorts {
        inputs: specs(&loaded.inputs),
        outputs: specs(&loaded.outputs),
    })
}

impl Pipelines {
    pub fn new() -> Pipelines {
        Pipelines::default()
    }

    fn entry(&self, name: &str) -> Option<Arc<Mutex<Pipeline>>> {
        self.entries.read().get(name).cloned()
    }

    /// Brings the custom node libraries and the set of pipelines in line with a new config
    /// (then `revalidate` decides what each one serves): new ones are added, changed ones
    /// replaced, removed ones retired. A relative library path is taken from `config_dir`.
    pub fn apply(
        &self,
        configs: &[PipelineConfig],
        libraries: &[CustomNodeLibraryConfig],
        config_dir: &Path,
    ) {
        // Failures are logged there; a pipeline naming a library that is not loaded fails
        // its validation.
        lock(&self.libraries).reload(libraries, config_dir);
        let mut named = BTreeSet::new();
        let mut entries = self.entries.write();
        for config in configs {
            if !named.insert(config.name.clone()) {
                log::error!(
                    "{}: pipeline {:?}; the first definition is served",
                    StatusCode::PIPELINE_DEFINITION_ALREADY_EXIST.message(),
                    config.name
                );
                continue;
            }
            match entries.get(&config.name) {
                Some(entry) => {
                    let mut pipeline = lock(entry);
                    if pipeline.config.as_ref() != Some(config) {
                        pipeline.config = Some(config.clone());
                        pipeline.instances.clear();
                        // Not served until it validates, as OVMS serves an edited definition.
                        pipeline.status = Status::Pending { edited: true };
                    }
                }
                None => {
                    // Its series from the start, at 0, as OVMS's reporter of a definition.
                    crate::metrics::for_pipeline(&config.name);
                    entries.insert(
                        config.name.clone(),
                        Arc::new(Mutex::new(Pipeline {
                            config: Some(config.clone()),
                            status: Status::Pending { edited: false },
                            instances: BTreeMap::new(),
                        })),
                    );
                }
            }
        }
        for (name, entry) in entries.iter() {
            if !named.contains(name) {
                let mut pipeline = lock(entry);
                if pipeline.config.take().is_some() {
                    log::info!("pipeline {name:?} was removed from the config: retired");
                }
                pipeline.status = Status::Retired;
                pipeline.instances.clear();
            }
        }
    }

    /// Validates every pipeline in the config against the models as they are now: run after
    /// every reload cycle, so a pipeline follows its models' versions.
    pub fn revalidate(&self, manager: &ServableManager) {
        let entries: Vec<(String, Arc<Mutex<Pipeline>>)> = self
            .entries
            .read()
            .iter()
            .map(|(n, e)| (n.clone(), Arc::clone(e)))
            .collect();
        for (name, entry) in entries {
            let (config, cached) = {
                let pipeline = lock(&entry);
                let Some(config) = pipeline.config.clone() else {
                    continue;
                };
                (config, pipeline.instances.clone())
            };
            let mut instances = BTreeMap::new();
            let occupied = manager.model(&name).is_some_and(|m| m.config().is_some());
            let outcome = if occupied {
                Err(Error::with(
                    StatusCode::PIPELINE_NAME_OCCUPIED,
                    format!("pipeline name: {name} is already occupied by a model"),
                ))
            } else {
                let libraries = lock(&self.libraries);
                validate(
                    &config,
                    &|model, version| ports_of(manager, model, version),
                    &mut |node, library_name| {
                        let prepared =
                            prepare_custom(node, &libraries, library_name, cached.get(&node.name))?;
                        if let Some(prepared) = &prepared {
                            instances.insert(node.name.clone(), prepared.work.clone());
                        }
                        Ok(prepared)
                    },
                )
            };
            let mut pipeline = lock(&entry);
            if pipeline.config.as_ref() != Some(&config) {
                // Changed meanwhile; the next cycle validates the new one.
                continue;
            }
            pipeline.instances = instances;
            match outcome {
                Ok(plan) => {
                    if !matches!(pipeline.status, Status::Available(_)) {
                        log::info!("pipeline {name:?} AVAILABLE");
                    }
                    pipeline.status = Status::Available(Arc::new(plan));
                }
                Err(error) => {
                    let said = matches!(&pipeline.status, Status::Failed(e) if *e == error);
                    if !said {
                        log::error!("pipeline {name:?} is not served: {:?}: {error}", error.code);
                    }
                    pipeline.status = Status::Failed(error);
                }
            }
        }
    }

    /// The plan to run for `name`, with OVMS's codes for a pipeline that does not serve;
    /// `None` if there is no pipeline of that name.
    fn plan(&self, name: &str) -> Option<Result<Arc<Plan>>> {
        let entry = self.entry(name)?;
        let status = lock(&entry).status.clone();
        Some(match status {
            Status::Available(plan) => Ok(plan),
            Status::Pending { edited } => Err(Error::with(
                StatusCode::PIPELINE_DEFINITION_NOT_LOADED_YET,
                format!(
                    "pipeline {name:?}: the definition is {} and being validated",
                    if edited { "edited" } else { "new" }
                ),
            )),
            // Not loaded yet, naming the validation's own code (its OVMS message is generic).
            Status::Failed(error) => Err(Error::with(
                StatusCode::PIPELINE_DEFINITION_NOT_LOADED_YET,
                format!(
                    "pipeline {name:?}: {:?} ({}): {}",
                    error.code,
                    error.code as u32,
                    error.context.as_deref().unwrap_or(error.code.message())
                ),
            )),
            Status::Retired => Err(Error::with(
                StatusCode::PIPELINE_DEFINITION_NOT_LOADED_ANYMORE,
                format!("pipeline {name:?} was removed from the config"),
            )),
        })
    }

    /// `OVMS_GetServableState` for a pipeline; `None` if there is none of that name.
    pub fn state(&self, name: &str) -> Option<VersionState> {
        let entry = self.entry(name)?;
        let state = match lock(&entry).status {
            Status::Pending { edited: false } => VersionState::Begin,
            Status::Pending { edited: true } => VersionState::Loading,
            Status::Available(_) => VersionState::Available,
            Status::Failed(_) => VersionState::LoadingFailed,
            Status::Retired => VersionState::Retired,
        };
        Some(state)
    }
}

/// The pipeline to run `request` on, if its name is no model's and names a pipeline.
fn pipeline_for(
    manager: &ServableManager,
    pipelines: &Pipelines,
    name: &str,
) -> Option<Result<Arc<Plan>>> {
    // Most requests name a model: one map lookup when no pipeline has the name.
    let plan = pipelines.plan(name)?;
    let model_served = manager.model(name).is_some_and(|m| m.config().is_some());
    (!model_served).then_some(plan)
}

/// Whether a request for `name` runs a pipeline (one of that name, and no model serves the
/// name): the network front ends take the pipeline's async path then.
pub fn is_pipeline(manager: &ServableManager, pipelines: &Pipelines, name: &str) -> bool {
    pipeline_for(manager, pipelines, name).is_some()
}

/// What a request names: a model's version, or a pipeline with the models it runs on.
pub enum Target {
    Model(Servable),
    Pipeline(Arc<ServableManager>, Result<Arc<Plan>>),
}

/// Finds what `request` names: a model, else a pipeline of that name. For a model it keeps no
/// reference on the served sets, so a caller may hold the server's lock only while it looks.
pub fn target(
    manager: &Arc<ServableManager>,
    pipelines: &Pipelines,
    request: &Request,
) -> Result<Target> {
    let name = request.servable_name()?;
    Ok(match pipeline_for(manager, pipelines, name) {
        None => Target::Model(manager.servable(name, request.servable_version())?),
        Some(plan) => Target::Pipeline(Arc::clone(manager), plan),
    })
}

/// `OVMS_Inference` on what `target` found for `request`: a model, else a pipeline.
pub fn infer_target(target: Target, request: &Request, interface: Interface) -> Result<Response> {
    match target {
        Target::Model(servable) => inference::infer_on(&servable, request, interface),
        Target::Pipeline(manager, plan) => {
            let name = request.servable_name()?;
            let meter = crate::metrics::for_pipeline(name).map(|series| series.meter(interface));
            let result = plan.and_then(|plan| run::run(plan, &manager, request, interface));
            count(meter, &result);
            result
        }
    }
}

/// `OVMS_InferenceAsync`: a model, else a pipeline of that name. On `Ok` `done` runs exactly
/// once; on `Err` never.
pub fn infer_async(
    manager: &Arc<ServableManager>,
    pipelines: &Pipelines,
    request: &Request,
    interface: Interface,
    done: Done,
) -> Result<()> {
    infer_target_async(
        target(manager, pipelines, request)?,
        request,
        interface,
        done,
    )
}

/// `OVMS_InferenceAsync` on what `target` found for `request`: on `Ok` `done` runs exactly
/// once; on `Err` never.
pub fn infer_target_async(
    target: Target,
    request: &Request,
    interface: Interface,
    done: Done,
) -> Result<()> {
    match target {
        Target::Model(servable) => inference::infer_async_on(servable, request, interface, done),
        Target::Pipeline(manager, plan) => {
            let name = request.servable_name()?;
            let meter = crate::metrics::for_pipeline(name).map(|series| series.meter(interface));
            let plan = match plan {
                Ok(plan) => plan,
                Err(error) => {
                    let failed: Result<()> = Err(error);
                    count(meter, &failed);
                    return failed;
                }
            };
            // Counted when it calls back; a start that fails drops `done`, and the meter in it
            // counts the failure.
            let done: Done = Box::new(move |result| {
                count(meter, &result);
                done(result);
            });
            run::start(plan, &manager, request, interface, done)
        }
    }
}

/// Counts a pipeline request's outcome in the pipeline's series, as OVMS counts it: a request
/// for a pipeline that does not serve is not counted at all.
fn count(meter: Option<crate::metrics::RequestMeter>, result: &Result<impl Sized>) {
    let Some(meter) = meter else { return };
    match result {
        Ok(_) => meter.finish(true),
        Err(error) if is_not_served(error.code) => meter.discard(),
        Err(_) => meter.finish(false),
    }
}

/// The codes of a pipeline that does not serve (not yet valid, removed, or nameless).
fn is_not_served(code: StatusCode) -> bool {
    matches!(
        code,
        StatusCode::PIPELINE_DEFINITION_NOT_LOADED_YET
            | StatusCode::PIPELINE_DEFINITION_NOT_LOADED_ANYMORE
            | StatusCode::PIPELINE_DEFINITION_NAME_MISSING
    )
}

fn describe(name: &str, spec: &TensorSpec) -> TensorMetadata {
    TensorMetadata::new(name, spec.datatype, &spec.dims)
}

/// How many inputs a request for `name` must have (a model's, else the pipeline's), with the
/// codes `metadata` gives, without describing every tensor.
pub fn input_count(
    manager: &ServableManager,
    pipelines: &Pipelines,
    name: &str,
    version: i64,
) -> Result<usize> {
    match pipeline_for(manager, pipelines, name) {
        None => Ok(manager.servable(name, version)?.loaded().inputs.len()),
        Some(plan) => Ok(plan?.input_specs.len()),
    }
}

/// `OVMS_GetServableMetadata`: a model's version, else a pipeline (the version is ignored, as
/// in OVMS).
pub fn metadata(
    manager: &ServableManager,
    pipelines: &Pipelines,
    name: &str,
    version: i64,
) -> Result<ServableMetadata> {
    match pipeline_for(manager, pipelines, name) {
        None => Ok(ServableMetadata::of(
            manager.servable(name, version)?.loaded(),
        )),
        Some(plan) => {
            let plan = plan?;
            Ok(ServableMetadata::of_tensors(
                plan.input_specs
                    .iter()
                    .map(|(n, s)| describe(n, s))
                    .collect(),
                plan.output_specs
                    .iter()
                    .map(|(n, s)| describe(n, s))
                    .collect(),
            ))
        }
    }
}

/// `OVMS_GetServableState`: a model's version, else a pipeline, else MODEL_NAME_MISSING.
pub fn state(
    manager: &ServableManager,
    pipelines: &Pipelines,
    name: &[u8],
    version: i64,
) -> Result<VersionState> {
    manager.state(name, version).or_else(|error| {
        std::str::from_utf8(name)
            .ok()
            .and_then(|n| pipelines.state(n))
            .ok_or(error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ov::Core;
    use crate::watcher::{ConfigSource, Reloader};

    const MODEL: &str = r#"{"config": {"name": "dummy", "base_path": "models/dummy", "nireq": 1}}"#;

    /// `pipeline1Dummy` of OVMS's stress tests, its node's output aliased `alias`.
    fn pipeline(name: &str, alias: &str) -> String {
        format!(
            r#"{{"name": "{name}", "inputs": ["custom_dummy_input"],
                "nodes": [{{"name": "dummyNode", "model_name": "dummy", "type": "DL model",
                  "inputs": [{{"b": {{"node_name": "request", "data_item": "custom_dummy_input"}}}}],
                  "outputs": [{{"data_item": "a", "alias": "{alias}"}}]}}],
                "outputs": [{{"custom_dummy_output": {{"node_name": "dummyNode", "data_item": "{alias}"}}}}]}}"#
        )
    }

    fn pipeline_configs(pipelines: &[String]) -> Vec<PipelineConfig> {
        let text = format!(
            r#"{{"model_config_list": [{MODEL}], "pipeline_config_list": [{}]}}"#,
            pipelines.join(",")
        );
        Config::parse(&text, Path::new("."))
            .expect("a valid config")
            .pipelines
    }

    fn code_of(pipelines: &Pipelines, name: &str) -> Option<StatusCode> {
        pipelines.plan(name)?.err().map(|e| e.code)
    }

    /// Between a config being applied and the pipelines being validated at the end of the
    /// cycle, a new definition is BEGIN and an edited one LOADING, as OVMS reports them, not
    /// LOADING_FAILED; both answer PIPELINE_DEFINITION_NOT_LOADED_YET until they validate.
    #[test]
    fn a_definition_not_validated_yet_is_pending_not_failed() {
        let first = pipeline("pipeline1Dummy", "new_dummy_output");
        let text =
            format!(r#"{{"model_config_list": [{MODEL}], "pipeline_config_list": [{first}]}}"#);
        let reloader = Reloader::new(ConfigSource::Text(text));
        let manager = ServableManager::new(
            Core::new().expect("OpenVINO runtime (set OVMS_OPENVINO_LIB)"),
            String::new(),
        );
        assert_eq!(reloader.cycle(&manager), Ok(()));
        let pipelines = reloader.pipelines();
        assert_eq!(
            pipelines.state("pipeline1Dummy"),
            Some(VersionState::Available)
        );

        let edited = pipeline("pipeline1Dummy", "new_dummy_output_changed_name");
        let second = pipeline("pipeline1Dummy2ndPipeline", "new_dummy_output");
        let folder = Path::new(".");
        pipelines.apply(&pipeline_configs(&[edited, second]), &[], folder);
        assert_eq!(
            pipelines.state("pipeline1Dummy"),
            Some(VersionState::Loading)
        );
        assert_eq!(
            pipelines.state("pipeline1Dummy2ndPipeline"),
            Some(VersionState::Begin)
        );
        for name in ["pipeline1Dummy", "pipeline1Dummy2ndPipeline"] {
            assert_eq!(
                code_of(&pipelines, name),
                Some(StatusCode::PIPELINE_DEFINITION_NOT_LOADED_YET)
            );
        }

        pipelines.revalidate(&manager);
        for name in ["pipeline1Dummy", "pipeline1Dummy2ndPipeline"] {
            assert_eq!(pipelines.state(name), Some(VersionState::Available));
            assert_eq!(code_of(&pipelines, name), None);
        }

        // Removed from the config: retired at once, before any validation.
        pipelines.apply(&[], &[], folder);
        assert_eq!(
            pipelines.state("pipeline1Dummy"),
            Some(VersionState::Retired)
        );
        assert_eq!(
            code_of(&pipelines, "pipeline1Dummy"),
            Some(StatusCode::PIPELINE_DEFINITION_NOT_LOADED_ANYMORE)
        );
    }
}
