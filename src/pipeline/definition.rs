//! A pipeline definition checked against the models it uses, as OVMS validates one: the node
//! graph (names, references, cycles, unconnected nodes), every connection (the source exists,
//! each model input is fed exactly once, shapes and datatypes agree), and the pipeline's own
//! inputs and outputs derived from the nodes' tensors. The result is a `Plan` to run.

use super::custom_node::{NodeInstance, NodeParams};
use crate::config::{NodeKind, PipelineConfig, PipelineNode};
use crate::datatype::DataType;
use crate::ov::Dim;
use crate::status::{Error, Result, StatusCode};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The entry node's name: connections from it take the pipeline's inputs.
pub const ENTRY: &str = "request";
/// The exit node's name: connections into it are the pipeline's outputs.
pub const EXIT: &str = "response";

/// A tensor as a model (or the pipeline) declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorSpec {
    pub datatype: DataType,
    pub dims: Vec<Dim>,
}

impl TensorSpec {
    /// What OVMS reports for a pipeline input or output no model describes (a connection from
    /// the entry node straight to the exit node): any type, any shape.
    fn unspecified() -> TensorSpec {
        TensorSpec {
            datatype: DataType::UNDEFINED,
            dims: Vec::new(),
        }
    }
}

/// A model's tensors by name, as the pipeline's nodes see them.
#[derive(Debug, Clone, Default)]
pub struct ModelPorts {
    pub inputs: BTreeMap<String, TensorSpec>,
    pub outputs: BTreeMap<String, TensorSpec>,
}

/// Where a node input or a pipeline output takes its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A pipeline input, by name.
    Request(String),
    /// A node's output: the node's index in `Plan::nodes` and the model's output name.
    Node(usize, String),
}

/// A custom node's initialized library instance and the params it is called with.
#[derive(Clone)]
pub struct CustomWork {
    pub instance: Arc<NodeInstance>,
    pub params: Arc<NodeParams>,
}

impl std::fmt::Debug for CustomWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.instance.fmt(f)
    }
}

/// What a node runs.
#[derive(Debug, Clone)]
pub enum NodeWork {
    /// A model's version (0: the default one).
    Model {
        model_name: String,
        version: i64,
    },
    Custom(CustomWork),
}

/// A custom node as the pipeline registry prepared it: what it runs and its tensors.
pub struct CustomNode {
    pub work: CustomWork,
    pub ports: ModelPorts,
}

/// A node ready to run.
#[derive(Debug, Clone)]
pub struct PlannedNode {
    pub name: String,
    pub work: NodeWork,
    /// (model input name, its source), in model-input order.
    pub inputs: Vec<(String, Source)>,
    /// The nodes that consume this node's outputs (indices, each once).
    pub dependants: Vec<usize>,
    /// How many distinct nodes this node waits for.
    pub dependencies: usize,
    /// This node's own `demultiply_count`: its outputs are split along their first dimension
    /// and the nodes after it, up to its gather, run once per shard (0 or -1: any count).
    pub demultiply: Option<i32>,
    /// The demultiplexers (node indices, or `Plan::entry_level` for the pipeline's own
    /// `demultiply_count`) whose shards this node runs in, outermost first: it runs once per
    /// shard path, one shard index per level (empty: once per request).
    pub levels: Vec<usize>,
    /// The demultiplexer (as in `levels`) whose shards this node stacks at its inputs
    /// (`gather_from_node`).
    pub gathers: Option<usize>,
}

/// A validated pipeline: its nodes, its outputs' sources and its metadata.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub nodes: Vec<PlannedNode>,
    /// (pipeline output name, its source), sorted by name.
    pub outputs: Vec<(String, Source)>,
    /// The pipeline's own `demultiply_count`: each request is split along its inputs' first
    /// dimension, the nodes reading the request run once per shard (the outermost level,
    /// `entry_level`) (0 or -1: any count).
    pub demultiply: Option<i32>,
    /// The demultiplexers no node gathers, outermost first: the response stacks the shards'
    /// outputs along one new dimension per level.
    pub exit_levels: Vec<usize>,
    /// The pipeline's inputs as the nodes that consume them need them, sorted by name.
    pub input_specs: Vec<(String, TensorSpec)>,
    pub output_specs: Vec<(String, TensorSpec)>,
}

impl Plan {
    /// The entry's own shard level in `levels`, `gathers` and `exit_levels`: after the nodes.
    pub fn entry_level(&self) -> usize {
        self.nodes.len()
    }
}

fn failed(code: StatusCode, pipeline: &str, why: String) -> Error {
    Error::with(
        code,
        format!("validation of pipeline {pipeline:?} definition failed: {why}"),
    )
}

fn shape_text(dims: &[Dim]) -> String {
    let parts: Vec<String> = dims
        .iter()
        .map(|d| {
            if d.is_static() {
                d.min.to_string()
            } else if d.is_fully_dynamic() {
                "-1".to_string()
            } else {
                format!("{}:{}", d.min, d.max)
            }
        })
        .collect();
    format!("({})", parts.join(","))
}

/// Two dimensions can hold the same value (OVMS's `partiallyFitsInto`).
fn dims_overlap(a: &Dim, b: &Dim) -> bool {
    let a_max = if a.max < 0 { i64::MAX } else { a.max };
    let b_max = if b.max < 0 { i64::MAX } else { b.max };
    a.min.max(0) <= b_max && b.min.max(0) <= a_max
}

fn shapes_match(input: &[Dim], output: &[Dim]) -> bool {
    input.len() == output.len() && input.iter().zip(output).all(|(i, o)| dims_overlap(i, o))
}

/// The dimensions both shapes allow, or `None` if some dimension allows no common value.
fn intersection(a: &TensorSpec, b: &TensorSpec) -> Option<TensorSpec> {
    if a.datatype != b.datatype || a.dims.len() != b.dims.len() {
        return None;
    }
    let dims = a
        .dims
        .iter()
        .zip(&b.dims)
        .map(|(x, y)| {
            if !dims_overlap(x, y) {
                return None;
            }
            let min = x.min.max(y.min);
            let max = match (x.max < 0, y.max < 0) {
                (true, true) => -1,
                (true, false) => y.max,
                (false, true) => x.max,
                (false, false) => x.max.min(y.max),
            };
            Some(Dim { min, max })
        })
        .collect::<Option<Vec<Dim>>>()?;
    Some(TensorSpec {
        datatype: a.datatype,
        dims,
    })
}

/// Checks `config` against the models `ports` finds (name, version 0 = default) and the custom
/// nodes `custom` prepares (`Ok(None)`: its library is not loaded), with OVMS's codes in OVMS's
/// order, and returns what to run.
pub fn validate(
    config: &PipelineConfig,
    ports: &dyn Fn(&str, i64) -> Option<ModelPorts>,
    custom: &mut dyn FnMut(&PipelineNode, &str) -> Result<Option<CustomNode>>,
) -> Result<Plan> {
    let pipeline = config.name.as_str();
    // As OVMS: a dynamic count is served only when it is the pipeline's one demultiplexer.
    let demultiplexers: Vec<i32> = config
        .demultiply_count
        .iter()
        .chain(
            config
                .nodes
                .iter()
                .filter_map(|n| n.demultiply_count.as_ref()),
        )
        .copied()
        .collect();
    if demultiplexers.len() > 1 && demultiplexers.iter().any(|&c| c <= 0) {
        return Err(failed(
            StatusCode::NOT_IMPLEMENTED,
            pipeline,
            "multiple demultiplexers with at least one dynamic".into(),
        ));
    }
    // Node names: the entry and exit nodes are named too, so a node called "request" or
    // "response" is a duplicate.
    let mut names = BTreeSet::from([ENTRY, EXIT]);
    for node in &config.nodes {
        if !names.insert(node.name.as_str()) {
            return Err(failed(
                StatusCode::PIPELINE_NODE_NAME_DUPLICATE,
                pipeline,
                format!("multiple nodes with name: {}", node.name),
            ));
        }
    }
    let index: BTreeMap<&str, usize> = config
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    // Each node's model tensors, fetched once.
    let mut node_ports = Vec::with_capacity(config.nodes.len());
    let mut works = Vec::with_capacity(config.nodes.len());
    for node in &config.nodes {
        match &node.kind {
            NodeKind::Model { model_name } => {
                let version = node.version.map_or(0, |v| v.get() as i64);
                let found = ports(model_name, version).ok_or_else(|| {
                    failed(
                        StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL,
                        pipeline,
                        format!("missing model: {model_name}; version: {version}"),
                    )
                })?;
                node_ports.push(found);
                works.push(NodeWork::Model {
                    model_name: model_name.clone(),
                    version,
                });
            }
            NodeKind::Custom { library_name } => {
                let prepared = custom(node, library_name)?.ok_or_else(|| {
                    failed(
                        StatusCode::PIPELINE_DEFINITION_INVALID_NODE_LIBRARY,
                        pipeline,
                        format!(
                            "node: {} refers to incorrect library: {library_name}",
                            node.name
                        ),
                    )
                })?;
                node_ports.push(prepared.ports);
                works.push(NodeWork::Custom(prepared.work));
            }
        }
    }
    // Where each alias of a node leads: alias -> the model's output name.
    let aliases: Vec<BTreeMap<&str, &str>> = config
        .nodes
        .iter()
        .map(|n| {
            n.outputs
                .iter()
                .map(|o| (o.alias.as_str(), o.data_item.as_str()))
                .collect()
        })
        .collect();
    let pipeline_inputs: BTreeSet<&str> = config.inputs.iter().map(String::as_str).collect();
    // Resolves one connection `{node_name, data_item}` made by `dependant` (a node's name or
    // the exit node's).
    let resolve = |dependant: &str, node_name: &str, data_item: &str| -> Result<Source> {
        if node_name == ENTRY {
            if !pipeline_inputs.contains(data_item) {
                return Err(failed(
                    StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE,
                    pipeline,
                    format!(
                        "missing dependency node: {ENTRY} data item: {data_item} for dependent node: {dependant}"
                    ),
                ));
            }
            return Ok(Source::Request(data_item.to_string()));
        }
        if node_name == EXIT {
            return Err(failed(
                StatusCode::PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY,
                pipeline,
                "exit node used as dependency node".into(),
            ));
        }
        let &i = index.get(node_name).ok_or_else(|| {
            failed(
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_NODE,
                pipeline,
                format!(
                    "node (name: {dependant}) is connected to missing dependency node (name: {node_name})"
                ),
            )
        })?;
        let real = aliases[i].get(data_item).ok_or_else(|| {
            failed(
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE,
                pipeline,
                format!(
                    "missing dependency node: {node_name} data item: {data_item} for dependent node: {dependant}"
                ),
            )
        })?;
        if !node_ports[i].outputs.contains_key(*real) {
            return Err(failed(
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT,
                pipeline,
                format!(
                    "missing output: {real} of dependency node: {node_name}; data source: {data_item}"
                ),
            ));
        }
        Ok(Source::Node(i, real.to_string()))
    };
    let mut nodes = Vec::with_capacity(config.nodes.len());
    for (i, (node, work)) in config.nodes.iter().zip(works).enumerate() {
        let model_inputs = &node_ports[i].inputs;
        if let Some(count) = node.demultiply_count {
            if matches!(node.kind, NodeKind::Model { .. })
                && model_inputs
                    .values()
                    .any(|s| s.datatype == DataType::STRING)
            {
                return Err(failed(
                    StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
                    pipeline,
                    format!(
                        "demultiplication of strings in unsupported. Node name: {}",
                        node.name
                    ),
                ));
            }
            for spec in node_ports[i].outputs.values() {
                check_shard_dims(pipeline, &node.name, count, &spec.dims)?;
            }
        }
        let gathers = match node.gather_from_node.as_deref() {
            None => None,
            Some(from) => Some(gather_source(config, &index, &node.name, from)?),
        };
        let mut unconnected: BTreeSet<&str> = model_inputs.keys().map(String::as_str).collect();
        let mut inputs = Vec::with_capacity(node.inputs.len());
        for connection in &node.inputs {
            let input = connection.name.as_str();
            if !model_inputs.contains_key(input) {
                return Err(failed(
                    StatusCode::PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT,
                    pipeline,
                    format!("node: {} has no input with name: {input}", node.name),
                ));
            }
            if !unconnected.remove(input) {
                return Err(failed(
                    StatusCode::PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES,
                    pipeline,
                    format!(
                        "node: {} input name: {input} is connected to more than one data source",
                        node.name
                    ),
                ));
            }
            let source = resolve(
                &node.name,
                &connection.source.node_name,
                &connection.source.data_item,
            )?;
            if let Source::Node(from, output) = &source {
                let wanted = &model_inputs[input];
                let given = &node_ports[*from].outputs[output];
                let dependency = &config.nodes[*from].name;
                // A demultiplexer's consumers see one shard: its outputs without the first
                // dimension; a gather's input holds the shards stacked along a first one.
                let mut given_dims = given.dims.clone();
                if let Some(count) = config.nodes[*from].demultiply_count {
                    check_shard_dims(pipeline, dependency, count, &given_dims)?;
                    given_dims.remove(0);
                }
                let mut wanted_dims = wanted.dims.clone();
                if let Some(demultiplexer) = gathers {
                    let (name, count) = match config.nodes.get(demultiplexer) {
                        Some(source_node) => {
                            (source_node.name.as_str(), source_node.demultiply_count)
                        }
                        None => (ENTRY, config.demultiply_count),
                    };
                    check_shard_dims(pipeline, name, count.unwrap_or(-1), &wanted_dims)?;
                    wanted_dims.remove(0);
                }
                if !shapes_match(&wanted_dims, &given_dims) {
                    return Err(failed(
                        StatusCode::INVALID_SHAPE,
                        pipeline,
                        format!(
                            "shape mismatch between: dependent node: {}; input: {input}; shape: {} vs dependency node: {dependency}; output: {output}; shape: {}",
                            node.name,
                            shape_text(&wanted_dims),
                            shape_text(&given_dims)
                        ),
                    ));
                }
                if wanted.datatype != given.datatype {
                    return Err(failed(
                        StatusCode::INVALID_PRECISION,
                        pipeline,
                        format!(
                            "precision mismatch between: dependent node: {}; input: {input}; precision: {:?} vs dependency node: {dependency}; output: {output}; precision: {:?}",
                            node.name, wanted.datatype, given.datatype
                        ),
                    ));
                }
                if wanted.datatype == DataType::STRING {
                    return Err(failed(
                        StatusCode::NOT_IMPLEMENTED,
                        pipeline,
                        format!(
                            "connecting models with string precision is unsupported: dependent node: {}; input: {input}",
                            node.name
                        ),
                    ));
                }
            }
            inputs.push((input.to_string(), source));
        }
        if !unconnected.is_empty() {
            let list: Vec<&str> = unconnected.into_iter().collect();
            return Err(failed(
                StatusCode::PIPELINE_NOT_ALL_INPUTS_CONNECTED,
                pipeline,
                format!(
                    "node: {} has inputs: {} not connected to any source",
                    node.name,
                    list.join(", ")
                ),
            ));
        }
        nodes.push(PlannedNode {
            name: node.name.clone(),
            work,
            inputs,
            dependants: Vec::new(),
            dependencies: 0,
            demultiply: node.demultiply_count,
            levels: Vec::new(),
            gathers,
        });
    }
    let mut outputs = Vec::with_capacity(config.outputs.len());
    for connection in &config.outputs {
        let source = resolve(
            EXIT,
            &connection.source.node_name,
            &connection.source.data_item,
        )?;
        outputs.push((connection.name.clone(), source));
    }
    outputs.sort_by(|a, b| a.0.cmp(&b.0));
    // The graph: each node's distinct dependencies.
    let depends_on: Vec<BTreeSet<usize>> = nodes
        .iter()
        .map(|n| {
            n.inputs
                .iter()
                .filter_map(|(_, s)| match s {
                    Source::Node(i, _) => Some(*i),
                    Source::Request(_) => None,
                })
                .collect()
        })
        .collect();
    check_cycles_and_reach(pipeline, &nodes, &depends_on, &outputs)?;
    let exit_levels = plan_shards(pipeline, config, &mut nodes, &depends_on, &outputs)?;
    for (i, deps) in depends_on.iter().enumerate() {
        nodes[i].dependencies = deps.len();
        for &d in deps {
            nodes[d].dependants.push(i);
        }
    }
    // The pipeline's inputs take the specs of the model inputs they feed; one that feeds
    // several takes what all of them accept.
    let mut input_specs: BTreeMap<String, TensorSpec> = BTreeMap::new();
    let entry_level = nodes.len();
    for (i, node) in nodes.iter().enumerate() {
        for (input, source) in &node.inputs {
            let Source::Request(name) = source else {
                continue;
            };
            let mut spec = node_ports[i].inputs[input].clone();
            // A node that gathers the request's shards reads such an input whole: its first
            // dimension is the shards' own, which the request's spec gets below.
            if node.gathers == Some(entry_level) && !spec.dims.is_empty() {
                spec.dims.remove(0);
            }
            let merged = match input_specs.get(name) {
                None => spec,
                Some(known) if *known == spec => spec,
                Some(known) => intersection(known, &spec).ok_or_else(|| {
                    failed(
                        StatusCode::PIPELINE_INPUTS_AMBIGUOUS_METADATA,
                        pipeline,
                        format!(
                            "input {name} feeds tensors that accept no common value: {:?} {} vs {:?} {}",
                            known.datatype,
                            shape_text(&known.dims),
                            spec.datatype,
                            shape_text(&spec.dims)
                        ),
                    )
                })?,
            };
            input_specs.insert(name.clone(), merged);
        }
    }
    let mut output_specs = Vec::with_capacity(outputs.len());
    for (name, source) in &outputs {
        let spec = match source {
            Source::Request(input) => {
                input_specs
                    .entry(input.clone())
                    .or_insert_with(TensorSpec::unspecified);
                TensorSpec::unspecified()
            }
            Source::Node(i, output) => {
                let mut spec = node_ports[*i].outputs[output].clone();
                if !exit_levels.is_empty() {
                    // The response stacks each level's shards along a new dimension, the
                    // outermost first (a demultiplexer's own output already has its own).
                    if nodes[*i].demultiply.is_some() {
                        spec.dims.remove(0);
                    }
                    let gathered = exit_levels
                        .iter()
                        .map(|&d| gather_dim(config, &node_ports, d));
                    spec.dims.splice(0..0, gathered);
                }
                spec
            }
        };
        output_specs.push((name.clone(), spec));
    }
    // Demultiplexed at the entry: the requests carry the shards' dimension first (the
    // outputs have it from `exit_levels`, when no node gathers the entry).
    let shards = |spec: &mut TensorSpec| {
        if spec.datatype == DataType::UNDEFINED && spec.dims.is_empty() {
            return;
        }
        spec.dims
            .insert(0, gather_dim(config, &node_ports, entry_level));
    };
    let mut input_specs: Vec<(String, TensorSpec)> = input_specs.into_iter().collect();
    if config.demultiply_count.is_some() {
        for (name, spec) in input_specs.iter_mut() {
            if spec.datatype == DataType::STRING {
                return Err(failed(
                    StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
                    pipeline,
                    format!("demultiplication of strings is unsupported: input {name}"),
                ));
            }
            shards(spec);
        }
    }
    Ok(Plan {
        name: config.name.clone(),
        nodes,
        outputs,
        demultiply: config.demultiply_count,
        exit_levels,
        input_specs,
        output_specs,
    })
}

/// OVMS's check of a tensor a demultiplexer splits, or a gather's input that stacks its shards:
/// at least 3 dimensions, and a first one that can hold a fixed count.
fn check_shard_dims(pipeline: &str, demultiplexer: &str, count: i32, dims: &[Dim]) -> Result<()> {
    if dims.len() < 3 {
        return Err(failed(
            StatusCode::PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY,
            pipeline,
            format!(
                "node: {demultiplexer} demultiply cannot occur due to not enough shape dimensions: {}",
                dims.len()
            ),
        ));
    }
    if count > 0
        && !dims[0].is_fully_dynamic()
        && !dims_overlap(&dims[0], &Dim::fixed(i64::from(count)))
    {
        return Err(failed(
            StatusCode::PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT,
            pipeline,
            format!(
                "demultiply count: {count} of node: {demultiplexer} does not match tensor first dimension value: {}",
                shape_text(&dims[..1])
            ),
        ));
    }
    Ok(())
}

/// The demultiplexer a `gather_from_node` names: a node demultiplexer, or the entry when the
/// pipeline demultiplies (its level's id: after the nodes).
fn gather_source(
    config: &PipelineConfig,
    index: &BTreeMap<&str, usize>,
    gatherer: &str,
    from: &str,
) -> Result<usize> {
    let pipeline = config.name.as_str();
    let not_demultiplexer = || {
        failed(
            StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER,
            pipeline,
            format!(
                "node name: {gatherer}, have gather_from: {from} which is not demultiplexer node"
            ),
        )
    };
    if from == ENTRY {
        // As OVMS: the entry is a demultiplexer like a node when the pipeline demultiplies.
        if config.demultiply_count.is_some() {
            return Ok(config.nodes.len());
        }
        return Err(not_demultiplexer());
    }
    if from == EXIT {
        return Err(not_demultiplexer());
    }
    let &found = index.get(from).ok_or_else(|| {
        failed(
            StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE,
            pipeline,
            format!(
                "node name: {gatherer}, have gather_from: {from} which does not exist in pipeline"
            ),
        )
    })?;
    if config.nodes[found].demultiply_count.is_none() {
        return Err(not_demultiplexer());
    }
    Ok(found)
}

/// The dimension `demultiplexer`'s level adds (to the outputs the response gathers, and for
/// the entry to the request's inputs): its count, or for a dynamic one what a custom node
/// declares for its first output (any for a model or the entry).
fn gather_dim(config: &PipelineConfig, node_ports: &[ModelPorts], demultiplexer: usize) -> Dim {
    let Some(node) = config.nodes.get(demultiplexer) else {
        // The entry's level: its count, or any.
        return match config.demultiply_count {
            Some(count) if count > 0 => Dim::fixed(i64::from(count)),
            _ => Dim::any(),
        };
    };
    match node.demultiply_count {
        Some(count) if count > 0 => Dim::fixed(i64::from(count)),
        _ => match node.kind {
            NodeKind::Custom { .. } => node_ports[demultiplexer]
                .outputs
                .values()
                .next()
                .and_then(|spec| spec.dims.first().copied())
                .unwrap_or_else(Dim::any),
            NodeKind::Model { .. } => Dim::any(),
        },
    }
}

/// OVMS's order check of demultiplexers and gathers (PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER):
/// walking back from the response, each path meets the demultiplexers in the reverse order of
/// their gathers, every path reaching a node carries the same open shard levels, and none is
/// open at the entry. Then each node learns the shard levels it runs at (`shard_levels`).
/// Returns the levels the response gathers, outermost first.
fn plan_shards(
    pipeline: &str,
    config: &PipelineConfig,
    nodes: &mut [PlannedNode],
    depends_on: &[BTreeSet<usize>],
    outputs: &[(String, Source)],
) -> Result<Vec<usize>> {
    let count = nodes.len();
    // Walk ids: the nodes by index, then the entry and the exit.
    let entry = count;
    let exit = count + 1;
    let name = |id: usize| -> &str {
        match id {
            _ if id == entry => ENTRY,
            _ if id == exit => EXIT,
            _ => &config.nodes[id].name,
        }
    };
    let is_demultiplexer = |id: usize| {
        if id == entry {
            config.demultiply_count.is_some()
        } else {
            id < count && config.nodes[id].demultiply_count.is_some()
        }
    };
    let connections: Vec<BTreeSet<usize>> = (0..=exit)
        .map(|id| {
            let mut set = BTreeSet::new();
            if id < count {
                set.extend(depends_on[id].iter().copied());
                if nodes[id]
                    .inputs
                    .iter()
                    .any(|(_, s)| matches!(s, Source::Request(_)))
                {
                    set.insert(entry);
                }
            } else if id == exit {
                for (_, source) in outputs {
                    set.insert(match source {
                        Source::Request(_) => entry,
                        Source::Node(i, _) => *i,
                    });
                }
            }
            set
        })
        .collect();
    let gathers_of: Vec<Option<usize>> = nodes.iter().map(|n| n.gathers).collect();
    let gathered: BTreeSet<usize> = gathers_of.iter().flatten().copied().collect();
    let exit_gathers: BTreeSet<usize> = (0..=entry)
        .filter(|&id| is_demultiplexer(id) && !gathered.contains(&id))
        .collect();
    let gather_set = |id: usize| -> BTreeSet<usize> {
        if id == exit {
            exit_gathers.clone()
        } else {
            (id < count)
                .then(|| gathers_of[id])
                .flatten()
                .into_iter()
                .collect()
        }
    };
    let list = |set: &BTreeSet<usize>| {
        set.iter()
            .map(|&id| name(id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let wrong_order = |why: String| {
        failed(
            StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
            pipeline,
            why,
        )
    };
    type Levels = Vec<BTreeSet<usize>>;
    let start: Levels = if exit_gathers.is_empty() {
        Vec::new()
    } else {
        vec![exit_gathers.clone()]
    };
    let mut to_check: Vec<(usize, Levels)> = vec![(exit, start)];
    // Per node: the levels its dependencies see (compared between paths, as OVMS does).
    let mut visited: BTreeMap<usize, Levels> = BTreeMap::new();
    while let Some((id, levels)) = to_check.pop() {
        for &connected in &connections[id] {
            let mut next = levels.clone();
            if is_demultiplexer(connected) {
                let Some(last) = next.last_mut() else {
                    return Err(wrong_order(format!(
                        "exists path that doesn't gather from demultiplexer node: {}, connection to node: {}",
                        name(connected),
                        name(id)
                    )));
                };
                if !last.remove(&connected) {
                    return Err(wrong_order(format!(
                        "exists path where after demultiplexer node: {} there is gathering from different nodes: {}",
                        name(connected),
                        list(last)
                    )));
                }
                if last.is_empty() {
                    next.pop();
                }
            }
            let gathers = gather_set(connected);
            if !gathers.is_empty() {
                next.push(gathers);
            }
            if connected == entry
                && let Some(open) = next.last()
            {
                return Err(wrong_order(format!(
                    "exists path that gathers from nodes that are not in path: {}. Consider changing inputs of the node that gathers from mentioned demultiplexer nodes",
                    list(open)
                )));
            }
            match visited.get(&connected) {
                Some(seen) if *seen != next => {
                    return Err(wrong_order(format!(
                        "after node: {0} exist paths that have different demultiply levels. Consider changing output connections of node: {0}",
                        name(connected)
                    )));
                }
                Some(_) => {}
                None => {
                    visited.insert(connected, next.clone());
                    to_check.push((connected, next));
                }
            }
        }
    }
    shard_levels(
        pipeline,
        nodes,
        depends_on,
        outputs,
        &is_demultiplexer,
        &wrong_order,
    )
}

/// Each node's shard levels, outermost first, from its inputs (in dependency order): a
/// demultiplexer's consumers (the entry's too, when the pipeline demultiplies) run one level
/// deeper, a gather one level shallower. Returns the levels the response gathers. The order
/// check before made every input of a node agree.
fn shard_levels(
    pipeline: &str,
    nodes: &mut [PlannedNode],
    depends_on: &[BTreeSet<usize>],
    outputs: &[(String, Source)],
    is_demultiplexer: &dyn Fn(usize) -> bool,
    wrong_order: &dyn Fn(String) -> Error,
) -> Result<Vec<usize>> {
    let count = nodes.len();
    // The levels a consumer of `source` sees before its own gather.
    let seen = |levels: &[Option<Vec<usize>>], source: &Source| -> Vec<usize> {
        match source {
            Source::Request(_) if is_demultiplexer(count) => vec![count],
            Source::Request(_) => Vec::new(),
            Source::Node(from, _) => {
                let mut seen = levels[*from].clone().unwrap_or_default();
                if is_demultiplexer(*from) {
                    seen.push(*from);
                }
                seen
            }
        }
    };
    let mut levels: Vec<Option<Vec<usize>>> = vec![None; count];
    let mut remaining: Vec<usize> = depends_on.iter().map(BTreeSet::len).collect();
    let mut ready: Vec<usize> = (0..count).filter(|&i| remaining[i] == 0).collect();
    while let Some(id) = ready.pop() {
        let mut agreed: Option<Vec<usize>> = None;
        for (_, source) in &nodes[id].inputs {
            let mut own = seen(&levels, source);
            if let Some(gathered) = nodes[id].gathers
                && own.pop() != Some(gathered)
            {
                return Err(wrong_order(format!(
                    "node: {} gathers from a demultiplexer that is not its innermost level",
                    nodes[id].name
                )));
            }
            match &agreed {
                Some(known) if *known != own => {
                    return Err(wrong_order(format!(
                        "inputs of node: {} come from different demultiply levels",
                        nodes[id].name
                    )));
                }
                Some(_) => {}
                None => agreed = Some(own),
            }
        }
        levels[id] = Some(agreed.unwrap_or_default());
        for (next, deps) in depends_on.iter().enumerate() {
            if deps.contains(&id) {
                remaining[next] -= 1;
                if remaining[next] == 0 {
                    ready.push(next);
                }
            }
        }
    }
    for (node, own) in nodes.iter_mut().zip(levels.iter_mut()) {
        node.levels = own.take().ok_or_else(|| {
            failed(
                StatusCode::INTERNAL_ERROR,
                pipeline,
                format!("node: {} was not ordered", node.name),
            )
        })?;
    }
    let finished: Vec<Option<Vec<usize>>> = nodes.iter().map(|n| Some(n.levels.clone())).collect();
    let mut exit_levels: Option<Vec<usize>> = None;
    for (_, source) in outputs {
        let own = seen(&finished, source);
        match &exit_levels {
            Some(known) if *known != own => {
                return Err(wrong_order(
                    "the response reads tensors from different demultiply levels".into(),
                ));
            }
            Some(_) => {}
            None => exit_levels = Some(own),
        }
    }
    Ok(exit_levels.unwrap_or_default())
}

/// OVMS walks the graph back from the exit node: a loop is PIPELINE_CYCLE_FOUND, and a node
/// the walk never reaches (it feeds nothing that leads to the response) is
/// PIPELINE_CONTAINS_UNCONNECTED_NODES.
fn check_cycles_and_reach(
    pipeline: &str,
    nodes: &[PlannedNode],
    depends_on: &[BTreeSet<usize>],
    outputs: &[(String, Source)],
) -> Result<()> {
    for (i, deps) in depends_on.iter().enumerate() {
        if deps.contains(&i) {
            return Err(failed(
                StatusCode::PIPELINE_CYCLE_FOUND,
                pipeline,
                format!("node: {} is connected to itself", nodes[i].name),
            ));
        }
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::New; nodes.len()];
    // Depth-first, iteratively: (node, next dependency to look at).
    let mut starts: Vec<usize> = outputs
        .iter()
        .filter_map(|(_, s)| match s {
            Source::Node(i, _) => Some(*i),
            Source::Request(_) => None,
        })
        .collect();
    starts.dedup();
    for start in starts {
        if marks[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, Vec<usize>)> =
            vec![(start, depends_on[start].iter().copied().collect())];
        marks[start] = Mark::OnPath;
        while let Some((node, pending)) = stack.last_mut() {
            let node = *node;
            match pending.pop() {
                Some(next) => match marks[next] {
                    Mark::OnPath => {
                        let mut cycle: Vec<&str> = stack
                            .iter()
                            .skip_while(|(n, _)| *n != next)
                            .map(|(n, _)| nodes[*n].name.as_str())
                            .collect();
                        cycle.reverse();
                        return Err(failed(
                            StatusCode::PIPELINE_CYCLE_FOUND,
                            pipeline,
                            format!("following nodes create a cycle: {}", cycle.join(", ")),
                        ));
                    }
                    Mark::New => {
                        marks[next] = Mark::OnPath;
                        stack.push((next, depends_on[next].iter().copied().collect()));
                    }
                    Mark::Done => {}
                },
                None => {
                    marks[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
    }
    if let Some(i) = marks.iter().position(|m| *m != Mark::Done) {
        // A node off every path to the response may still sit on a loop of its own; OVMS
        // reports that as a cycle when it finds one, so look before calling it unconnected.
        let mut seen = BTreeSet::new();
        let mut walk = vec![i];
        while let Some(n) = walk.pop() {
            for &d in &depends_on[n] {
                if d == i {
                    return Err(failed(
                        StatusCode::PIPELINE_CYCLE_FOUND,
                        pipeline,
                        format!("node: {} is on a cycle", nodes[i].name),
                    ));
                }
                if seen.insert(d) {
                    walk.push(d);
                }
            }
        }
        return Err(failed(
            StatusCode::PIPELINE_CONTAINS_UNCONNECTED_NODES,
            pipeline,
            format!("there are not connected nodes: {}", nodes[i].name),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn spec(datatype: DataType, dims: &[i64]) -> TensorSpec {
        TensorSpec {
            datatype,
            dims: dims.iter().map(|&d| Dim::fixed(d)).collect(),
        }
    }

    /// dummy: b -> a, FP32 [1,10]; add: input1, input2 -> sum; increment: input [1,3,4,5];
    /// passthrough: U8 input [1,10] -> copy:0.
    fn models(name: &str, version: i64) -> Option<ModelPorts> {
        let fp = |dims: &[i64]| spec(DataType::FP32, dims);
        let one = |i: &str, o: &str, s: TensorSpec| ModelPorts {
            inputs: BTreeMap::from([(i.to_string(), s.clone())]),
            outputs: BTreeMap::from([(o.to_string(), s)]),
        };
        if version > 1 {
            return None;
        }
        match name {
            "dummy" => Some(one("b", "a", fp(&[1, 10]))),
            "increment" => Some(one("input", "output", fp(&[1, 3, 4, 5]))),
            "passthrough" => Some(one("input", "copy:0", spec(DataType::U8, &[1, 10]))),
            // Demultiplexer shapes: [1,10] in, 3 shards of [1,10] out; or any count.
            "split3" | "dynamic_split" => Some(ModelPorts {
                inputs: BTreeMap::from([("b".to_string(), fp(&[1, 10]))]),
                outputs: BTreeMap::from([(
                    "a".to_string(),
                    TensorSpec {
                        datatype: DataType::FP32,
                        dims: [
                            if name == "split3" {
                                Dim::fixed(3)
                            } else {
                                Dim::any()
                            },
                            Dim::fixed(1),
                            Dim::fixed(10),
                        ]
                        .to_vec(),
                    },
                )]),
            }),
            // A gather's model: the shards stacked, [3,1,10] (or [4,1,10]) in and out.
            "gather3" => Some(one("b", "a", fp(&[3, 1, 10]))),
            "gather4" => Some(one("b", "a", fp(&[4, 1, 10]))),
            "split2" => Some(ModelPorts {
                inputs: BTreeMap::from([("b".to_string(), fp(&[1, 10]))]),
                outputs: BTreeMap::from([("a".to_string(), fp(&[2, 1, 10]))]),
            }),
            "gather2" => Some(one("b", "a", fp(&[2, 1, 10]))),
            "gather3x2" => Some(one("b", "a", fp(&[3, 2, 1, 10]))),
            "strings" => Some(ModelPorts {
                inputs: BTreeMap::from([("b".to_string(), spec(DataType::STRING, &[-1]))]),
                outputs: BTreeMap::from([("a".to_string(), fp(&[3, 1, 10]))]),
            }),
            "add" => Some(ModelPorts {
                inputs: BTreeMap::from([
                    ("input1".to_string(), fp(&[1, 10])),
                    ("input2".to_string(), fp(&[1, 10])),
                ]),
                outputs: BTreeMap::from([("sum".to_string(), fp(&[1, 10]))]),
            }),
            _ => None,
        }
    }

    fn node(
        name: &str,
        model: &str,
        inputs: &[(&str, &str, &str)],
        outputs: &[(&str, &str)],
    ) -> String {
        let inputs: Vec<String> = inputs
            .iter()
            .map(|(i, n, d)| format!(r#"{{"{i}": {{"node_name": "{n}", "data_item": "{d}"}}}}"#))
            .collect();
        let outputs: Vec<String> = outputs
            .iter()
            .map(|(d, a)| format!(r#"{{"data_item": "{d}", "alias": "{a}"}}"#))
            .collect();
        format!(
            r#"{{"name": "{name}", "type": "DL model", "model_name": "{model}", "inputs": [{}], "outputs": [{}]}}"#,
            inputs.join(","),
            outputs.join(",")
        )
    }

    fn pipeline(
        inputs: &[&str],
        nodes: &[String],
        outputs: &[(&str, &str, &str)],
    ) -> PipelineConfig {
        let inputs: Vec<String> = inputs.iter().map(|i| format!("\"{i}\"")).collect();
        let outputs: Vec<String> = outputs
            .iter()
            .map(|(o, n, d)| format!(r#"{{"{o}": {{"node_name": "{n}", "data_item": "{d}"}}}}"#))
            .collect();
        let text = format!(
            r#"{{"model_config_list": [], "pipeline_config_list": [{{"name": "p", "inputs": [{}], "nodes": [{}], "outputs": [{}]}}]}}"#,
            inputs.join(","),
            nodes.join(","),
            outputs.join(",")
        );
        Config::parse(&text, Path::new("/"))
            .unwrap()
            .pipelines
            .remove(0)
    }

    /// No custom node library is loaded.
    fn no_libraries(_: &PipelineNode, _: &str) -> Result<Option<CustomNode>> {
        Ok(None)
    }

    fn code(config: &PipelineConfig) -> StatusCode {
        validate(config, &models, &mut no_libraries)
            .unwrap_err()
            .code
    }

    fn dummy(name: &str, from: (&str, &str)) -> String {
        node(name, "dummy", &[("b", from.0, from.1)], &[("a", "out")])
    }

    #[test]
    fn a_chain_plans_its_nodes_and_metadata() {
        let config = pipeline(
            &["in"],
            &[
                dummy("first", ("request", "in")),
                dummy("second", ("first", "out")),
            ],
            &[("result", "second", "out"), ("middle", "first", "out")],
        );
        let plan = validate(&config, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.nodes[0].dependants, vec![1]);
        assert_eq!(plan.nodes[1].dependencies, 1);
        assert_eq!(
            plan.nodes[1].inputs,
            vec![("b".to_string(), Source::Node(0, "a".into()))]
        );
        // Outputs sorted by name, each with its model output's spec.
        let names: Vec<&str> = plan.outputs.iter().map(|o| o.0.as_str()).collect();
        assert_eq!(names, ["middle", "result"]);
        assert_eq!(
            plan.input_specs,
            vec![("in".to_string(), spec(DataType::FP32, &[1, 10]))]
        );
        assert_eq!(plan.output_specs[1].1, spec(DataType::FP32, &[1, 10]));
    }

    #[test]
    fn graph_errors_have_ovmss_codes() {
        let cases = [
            (
                pipeline(
                    &["in"],
                    &[dummy("n", ("request", "in")), dummy("n", ("request", "in"))],
                    &[("o", "n", "out")],
                ),
                StatusCode::PIPELINE_NODE_NAME_DUPLICATE,
            ),
            (
                pipeline(
                    &["in"],
                    &[dummy("request", ("request", "in"))],
                    &[("o", "request", "out")],
                ),
                StatusCode::PIPELINE_NODE_NAME_DUPLICATE,
            ),
            (
                pipeline(
                    &["in"],
                    &[dummy("a", ("b", "out")), dummy("b", ("a", "out"))],
                    &[("o", "b", "out")],
                ),
                StatusCode::PIPELINE_CYCLE_FOUND,
            ),
            (
                pipeline(&["in"], &[dummy("a", ("a", "out"))], &[("o", "a", "out")]),
                StatusCode::PIPELINE_CYCLE_FOUND,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        dummy("a", ("request", "in")),
                        dummy("lonely", ("request", "in")),
                    ],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_CONTAINS_UNCONNECTED_NODES,
            ),
            (
                pipeline(
                    &["in"],
                    &[dummy("a", ("ghost", "out"))],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_NODE,
            ),
            (
                pipeline(
                    &["in"],
                    &[node(
                        "a",
                        "nope",
                        &[("b", "request", "in")],
                        &[("a", "out")],
                    )],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL,
            ),
            (
                pipeline(
                    &["in"],
                    &[dummy("a", ("request", "missing"))],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE,
            ),
            (
                pipeline(
                    &["in"],
                    &[dummy("a", ("request", "in"))],
                    &[("o", "a", "no_alias")],
                ),
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE,
            ),
            (
                pipeline(
                    &["in"],
                    &[node(
                        "a",
                        "dummy",
                        &[("b", "request", "in")],
                        &[("zzz", "out")],
                    )],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT,
            ),
            (
                pipeline(
                    &["in"],
                    &[node(
                        "a",
                        "dummy",
                        &[("x", "request", "in")],
                        &[("a", "out")],
                    )],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT,
            ),
            (
                pipeline(
                    &["in"],
                    &[node(
                        "a",
                        "add",
                        &[("input1", "request", "in")],
                        &[("sum", "out")],
                    )],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_NOT_ALL_INPUTS_CONNECTED,
            ),
            (
                pipeline(
                    &["in"],
                    &[node(
                        "a",
                        "dummy",
                        &[("b", "request", "in"), ("b", "request", "in")],
                        &[("a", "out")],
                    )],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES,
            ),
            (
                pipeline(
                    &["in"],
                    &[dummy("a", ("response", "o"))],
                    &[("o", "a", "out")],
                ),
                StatusCode::PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        dummy("a", ("request", "in")),
                        node(
                            "i",
                            "increment",
                            &[("input", "a", "out")],
                            &[("output", "out")],
                        ),
                    ],
                    &[("o", "i", "out")],
                ),
                StatusCode::INVALID_SHAPE,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        dummy("a", ("request", "in")),
                        node(
                            "u",
                            "passthrough",
                            &[("input", "a", "out")],
                            &[("copy:0", "out")],
                        ),
                    ],
                    &[("o", "u", "out")],
                ),
                StatusCode::INVALID_PRECISION,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        dummy("a", ("request", "in")),
                        node(
                            "u",
                            "passthrough",
                            &[("input", "request", "in")],
                            &[("copy:0", "out")],
                        ),
                    ],
                    &[("o", "a", "out"), ("p", "u", "out")],
                ),
                StatusCode::PIPELINE_INPUTS_AMBIGUOUS_METADATA,
            ),
        ];
        for (config, expected) in cases {
            assert_eq!(code(&config), expected, "{config:?}");
        }
    }

    #[test]
    fn a_missing_version_and_a_custom_node_are_refused() {
        let pinned = node("a", "dummy", &[("b", "request", "in")], &[("a", "out")]).replace(
            r#""model_name": "dummy""#,
            r#""model_name": "dummy", "version": 2"#,
        );
        assert_eq!(
            code(&pipeline(&["in"], &[pinned], &[("o", "a", "out")])),
            StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL
        );
        let custom = r#"{"name": "c", "type": "custom", "library_name": "lib", "inputs": [{"x": {"node_name": "request", "data_item": "in"}}], "outputs": [{"data_item": "y", "alias": "y"}]}"#;
        assert_eq!(
            code(&pipeline(
                &["in"],
                &[custom.to_string()],
                &[("o", "c", "y")]
            )),
            StatusCode::PIPELINE_DEFINITION_INVALID_NODE_LIBRARY
        );
    }

    #[test]
    fn an_entry_demultiplexer_adds_the_shard_dimension() {
        let mut config = pipeline(
            &["in"],
            &[dummy("n", ("request", "in"))],
            &[("o", "n", "out")],
        );
        config.demultiply_count = Some(0);
        let plan = validate(&config, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.demultiply, Some(0));
        let any_then = |rest: &[i64]| {
            let mut dims = vec![Dim::any()];
            dims.extend(rest.iter().map(|&d| Dim::fixed(d)));
            dims
        };
        assert_eq!(plan.input_specs[0].1.dims, any_then(&[1, 10]));
        assert_eq!(plan.output_specs[0].1.dims, any_then(&[1, 10]));
        config.demultiply_count = Some(3);
        let plan = validate(&config, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.input_specs[0].1.dims[0], Dim::fixed(3));
        // A node demultiplexer inside the entry's shards: the entry's level (after the nodes)
        // is the outermost, then the node's.
        let mut nested = pipeline(
            &["in"],
            &[
                demultiplexer("s", "split3", 3, ("request", "in")),
                dummy("n", ("s", "out")),
            ],
            &[("o", "n", "out")],
        );
        nested.demultiply_count = Some(2);
        let plan = validate(&nested, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.entry_level(), 2);
        assert_eq!(plan.nodes[0].levels, [2]);
        assert_eq!(plan.nodes[1].levels, [2, 0]);
        assert_eq!(plan.exit_levels, [2, 0]);
        assert_eq!(plan.input_specs[0].1, spec(DataType::FP32, &[2, 1, 10]));
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[2, 3, 1, 10]));
        // With a dynamic count there, as OVMS: refused.
        nested.demultiply_count = Some(-1);
        assert_eq!(code(&nested), StatusCode::NOT_IMPLEMENTED);
    }

    fn demultiplexer(name: &str, model: &str, count: i32, from: (&str, &str)) -> String {
        with(
            &node(name, model, &[("b", from.0, from.1)], &[("a", "out")]),
            &format!(r#""demultiply_count": {count}"#),
        )
    }

    fn gather(name: &str, model: &str, gather_from: &str, from: (&str, &str)) -> String {
        with(
            &node(name, model, &[("b", from.0, from.1)], &[("a", "out")]),
            &format!(r#""gather_from_node": "{gather_from}""#),
        )
    }

    /// `node` with one more field.
    fn with(node: &str, field: &str) -> String {
        format!("{}, {field}}}", &node[..node.len() - 1])
    }

    #[test]
    fn a_node_demultiplexer_runs_the_nodes_after_it_per_shard() {
        // Gathered at the response: the shards' dimension comes first in the outputs.
        let implicit = pipeline(
            &["in"],
            &[
                demultiplexer("s", "split3", 3, ("request", "in")),
                dummy("n", ("s", "out")),
            ],
            &[("o", "n", "out")],
        );
        let plan = validate(&implicit, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.nodes[0].demultiply, Some(3));
        assert!(plan.nodes[0].levels.is_empty());
        assert_eq!(plan.nodes[1].levels, [0]);
        assert_eq!(plan.exit_levels, [0]);
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[3, 1, 10]));
        assert_eq!(plan.input_specs[0].1, spec(DataType::FP32, &[1, 10]));
        // Gathered by a node: its output is the model's own; dynamic count.
        let explicit = pipeline(
            &["in"],
            &[
                demultiplexer("s", "dynamic_split", -1, ("request", "in")),
                dummy("n", ("s", "out")),
                gather("g", "gather3", "s", ("n", "out")),
            ],
            &[("o", "g", "out")],
        );
        let plan = validate(&explicit, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.nodes[1].levels, [0]);
        assert!(plan.nodes[2].levels.is_empty());
        assert_eq!(plan.nodes[2].gathers, Some(0));
        assert!(plan.exit_levels.is_empty());
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[3, 1, 10]));
        // Gathered at the response, dynamic: any count first.
        let dynamic = pipeline(
            &["in"],
            &[
                demultiplexer("s", "dynamic_split", 0, ("request", "in")),
                dummy("n", ("s", "out")),
            ],
            &[("o", "n", "out")],
        );
        let plan = validate(&dynamic, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.output_specs[0].1.dims[0], Dim::any());
        // A gather that demultiplies again: the nodes after it run per its shards.
        let twice = pipeline(
            &["in"],
            &[
                demultiplexer("s", "split3", 3, ("request", "in")),
                dummy("n", ("s", "out")),
                with(
                    &gather("g", "gather3", "s", ("n", "out")),
                    r#""demultiply_count": 3"#,
                ),
                dummy("m", ("g", "out")),
            ],
            &[("o", "m", "out")],
        );
        let plan = validate(&twice, &models, &mut no_libraries).unwrap();
        let levels: Vec<&[usize]> = plan.nodes.iter().map(|n| n.levels.as_slice()).collect();
        assert_eq!(levels, [&[][..], &[0], &[], &[2]]);
        assert_eq!(plan.exit_levels, [2]);
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[3, 1, 10]));
    }

    #[test]
    fn nested_demultiplexers_add_one_level_each() {
        // Both levels gathered at the response: one dimension each, the outer first.
        let both = pipeline(
            &["in"],
            &[
                demultiplexer("outer", "split3", 3, ("request", "in")),
                demultiplexer("inner", "split2", 2, ("outer", "out")),
                dummy("n", ("inner", "out")),
            ],
            &[("o", "n", "out"), ("p", "inner", "out")],
        );
        let plan = validate(&both, &models, &mut no_libraries).unwrap();
        let levels: Vec<&[usize]> = plan.nodes.iter().map(|n| n.levels.as_slice()).collect();
        assert_eq!(levels, [&[][..], &[0], &[0, 1]]);
        assert_eq!(plan.exit_levels, [0, 1]);
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[3, 2, 1, 10]));
        // The inner demultiplexer's own output: its first dimension is its level's.
        assert_eq!(plan.output_specs[1].1, spec(DataType::FP32, &[3, 2, 1, 10]));
        // The inner level gathered by a node, the outer one at the response.
        let inner_gathered = pipeline(
            &["in"],
            &[
                demultiplexer("outer", "split3", 3, ("request", "in")),
                demultiplexer("inner", "split2", 2, ("outer", "out")),
                dummy("n", ("inner", "out")),
                gather("g", "gather2", "inner", ("n", "out")),
            ],
            &[("o", "g", "out")],
        );
        let plan = validate(&inner_gathered, &models, &mut no_libraries).unwrap();
        let levels: Vec<&[usize]> = plan.nodes.iter().map(|n| n.levels.as_slice()).collect();
        assert_eq!(levels, [&[][..], &[0], &[0, 1], &[0]]);
        assert_eq!(plan.nodes[3].gathers, Some(1));
        assert_eq!(plan.exit_levels, [0]);
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[3, 2, 1, 10]));
        // Both gathered by nodes, innermost first: nothing left for the response.
        let all_gathered = pipeline(
            &["in"],
            &[
                demultiplexer("outer", "split3", 3, ("request", "in")),
                demultiplexer("inner", "split2", 2, ("outer", "out")),
                dummy("n", ("inner", "out")),
                gather("g", "gather2", "inner", ("n", "out")),
                gather("h", "gather3x2", "outer", ("g", "out")),
            ],
            &[("o", "h", "out")],
        );
        let plan = validate(&all_gathered, &models, &mut no_libraries).unwrap();
        assert!(plan.nodes[4].levels.is_empty());
        assert!(plan.exit_levels.is_empty());
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[3, 2, 1, 10]));
    }

    #[test]
    fn demultiplexing_errors_have_ovmss_codes() {
        let split = || demultiplexer("s", "split3", 3, ("request", "in"));
        let cases = [
            (
                pipeline(
                    &["in"],
                    &[split(), gather("g", "gather3", "ghost", ("s", "out"))],
                    &[("o", "g", "out")],
                ),
                StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        dummy("d", ("request", "in")),
                        gather("g", "gather3", "d", ("d", "out")),
                    ],
                    &[("o", "g", "out")],
                ),
                StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER,
            ),
            (
                pipeline(
                    &["in"],
                    &[split(), gather("g", "gather3", "s", ("s", "out"))],
                    &[("o", "g", "out")],
                ),
                StatusCode::OK,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        demultiplexer("s", "split3", 2, ("request", "in")),
                        dummy("n", ("s", "out")),
                    ],
                    &[("o", "n", "out")],
                ),
                StatusCode::PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT,
            ),
            (
                pipeline(
                    &["in"],
                    &[split(), gather("g", "gather4", "s", ("s", "out"))],
                    &[("o", "g", "out")],
                ),
                StatusCode::PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        demultiplexer("s", "dummy", 1, ("request", "in")),
                        dummy("n", ("s", "out")),
                    ],
                    &[("o", "n", "out")],
                ),
                StatusCode::PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY,
            ),
            (
                // The response reads a shard and a whole request's tensor.
                pipeline(
                    &["in"],
                    &[
                        split(),
                        dummy("n", ("s", "out")),
                        dummy("other", ("request", "in")),
                    ],
                    &[("o", "n", "out"), ("p", "other", "out")],
                ),
                StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
            ),
            (
                // A node reads a shard and a whole request's tensor.
                pipeline(
                    &["in"],
                    &[
                        split(),
                        dummy("n", ("s", "out")),
                        node(
                            "both",
                            "add",
                            &[("input1", "n", "out"), ("input2", "request", "in")],
                            &[("sum", "out")],
                        ),
                    ],
                    &[("o", "both", "out")],
                ),
                StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        demultiplexer("s", "strings", 3, ("request", "in")),
                        dummy("n", ("s", "out")),
                    ],
                    &[("o", "n", "out")],
                ),
                StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
            ),
            (
                // A demultiplexer inside another's shards, one dynamic: OVMS refuses it.
                pipeline(
                    &["in"],
                    &[
                        split(),
                        demultiplexer("inner", "dynamic_split", -1, ("s", "out")),
                        dummy("n", ("inner", "out")),
                    ],
                    &[("o", "n", "out")],
                ),
                StatusCode::NOT_IMPLEMENTED,
            ),
            (
                // Two levels: the inner one gathered, then a node reading the outer shards
                // and a node of the inner ones at once.
                pipeline(
                    &["in"],
                    &[
                        split(),
                        demultiplexer("inner", "split3", 3, ("s", "out")),
                        dummy("n", ("inner", "out")),
                        node(
                            "both",
                            "add",
                            &[("input1", "n", "out"), ("input2", "s", "out")],
                            &[("sum", "out")],
                        ),
                    ],
                    &[("o", "both", "out")],
                ),
                StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
            ),
            (
                // The outer level gathered while the inner one is still open (not LIFO).
                pipeline(
                    &["in"],
                    &[
                        split(),
                        demultiplexer("inner", "split3", 3, ("s", "out")),
                        dummy("n", ("inner", "out")),
                        with(
                            &node("g", "gather3", &[("b", "n", "out")], &[("a", "out")]),
                            r#""gather_from_node": "s""#,
                        ),
                    ],
                    &[("o", "g", "out")],
                ),
                StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
            ),
            (
                // Two demultiplexers side by side, both gathered at the response: no path
                // holds both.
                pipeline(
                    &["in"],
                    &[
                        split(),
                        demultiplexer("t", "split3", 3, ("request", "in")),
                        dummy("n", ("s", "out")),
                        dummy("m", ("t", "out")),
                    ],
                    &[("o", "n", "out"), ("p", "m", "out")],
                ),
                StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
            ),
            (
                pipeline(
                    &["in"],
                    &[
                        demultiplexer("s", "dynamic_split", -1, ("request", "in")),
                        demultiplexer("t", "split3", 3, ("request", "in")),
                        dummy("n", ("s", "out")),
                        dummy("m", ("t", "out")),
                    ],
                    &[("o", "n", "out"), ("p", "m", "out")],
                ),
                StatusCode::NOT_IMPLEMENTED,
            ),
        ];
        for (config, expected) in cases {
            let got = validate(&config, &models, &mut no_libraries)
                .map_or_else(|e| e.code, |_| StatusCode::OK);
            assert_eq!(got, expected, "{config:?}");
        }
        let mut entry = pipeline(
            &["in"],
            &[
                dummy("n", ("request", "in")),
                gather("g", "gather3", "request", ("n", "out")),
            ],
            &[("o", "g", "out")],
        );
        assert_eq!(
            code(&entry),
            StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER
        );
        // As OVMS: a node gathers the entry's shards when the pipeline demultiplies.
        entry.demultiply_count = Some(-1);
        let plan = validate(&entry, &models, &mut no_libraries).unwrap();
        assert_eq!(plan.nodes[0].levels, [2]);
        assert!(plan.nodes[1].levels.is_empty());
        assert_eq!(plan.nodes[1].gathers, Some(2));
        assert!(plan.exit_levels.is_empty());
        assert_eq!(plan.input_specs[0].1.dims[0], Dim::any());
        assert_eq!(plan.output_specs[0].1, spec(DataType::FP32, &[3, 1, 10]));
    }

    #[test]
    fn an_input_straight_to_the_output_is_unspecified() {
        let config = pipeline(&["in"], &[], &[("o", "request", "in")]);
        let plan = validate(&config, &models, &mut no_libraries).unwrap();
        assert!(plan.nodes.is_empty());
        assert_eq!(plan.input_specs[0].1.datatype, DataType::UNDEFINED);
        assert_eq!(plan.output_specs[0].1.datatype, DataType::UNDEFINED);
    }
}
