//! Running a validated pipeline: each model node is one request on its model's pool through the
//! async path every request takes (`inference::infer_async`); a node's `Done` closure stores
//! its response and submits the nodes it made ready. No thread waits for a node, independent
//! branches run at the same time, and a node's inputs point into the responses of the nodes
//! before it (no copy here; binding decides as for any caller's buffer).
//!
//! A custom node's `execute` blocks the thread it runs on, so it runs as a counted job on a
//! completion dispatcher thread (never on OpenVINO's callback thread or the caller's), reading
//! its inputs in place; its outputs stay the library's buffers (`OutputData::External`) that
//! later nodes and the response read without a copy, released when the response goes.
//!
//! A node demultiplexer (`demultiply_count` on a node) splits its outputs along their first
//! dimension when it answers: each node after it, up to its gather, runs once per shard as an
//! independent request through the same async path (shards run at the same time), its inputs
//! pointing into the demultiplexer's output at the shard's offset. Demultiplexers nest: a node
//! runs once per shard path (one shard index per level, the outermost first), its instances
//! numbered in that order, so the instances under one path prefix are consecutive. A gather
//! node (`gather_from_node`) closes the innermost level: once every shard under its own path
//! answered, it stacks their outputs once into a tensor with a new first dimension, in shard
//! order. The response gathers the levels no node closes in one stacking per output: the
//! instances in order are the row-major layout of one new dimension per level. The pipeline's
//! own `demultiply_count` is the outermost level: the nodes reading the request run once per
//! entry shard, their inputs views into the caller's buffers.
//!
//! Exactly once: the run ends when no node it submitted is still open, so every slot it used
//! was released and nothing reads the caller's buffers any more; only then is the callback
//! called, with the pipeline's outputs or with the first node failure.

use super::custom_node::{NodeInput, NodeOutput};
use super::definition::{CustomWork, NodeWork, Plan, Source};
use crate::datatype::DataType;
use crate::inference::{
    self, Blocking, Buffer, Dims, Done, ExternalData, InFlightMark, OutputData, Request, Response,
    ResponseOutput, Side,
};
use crate::metrics::Interface;
use crate::model::{Servable, ServableManager};
use crate::status::{Error, Result, StatusCode};
use smallvec::SmallVec;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::{Arc, Mutex, MutexGuard};

/// One input of the pipeline request, as the caller declared it (or one shard of it).
pub(super) struct EntryTensor {
    pub datatype: u32,
    pub shape: Vec<i64>,
    pub buffer: Option<Buffer>,
}

/// What changes while the pipeline runs.
struct Progress {
    /// Each node's response per instance (one per shard path, in order; one when it runs
    /// once), sized once its levels' shard counts are known; kept until the run ends, since
    /// later nodes' inputs point into them.
    responses: Vec<Vec<Option<Response>>>,
    /// Per node and instance: how many dependencies it still waits for.
    waiting_for: Vec<Vec<usize>>,
    /// A node that runs in shards: per path of its innermost level's demultiplexer instance,
    /// how many of the shards under it answered.
    shards_done: Vec<Vec<usize>>,
    /// A demultiplexer's shard count: its fixed count, or a dynamic one once it answered
    /// (0 until then).
    shard_counts: Vec<usize>,
    /// Shards' outputs stacked for a gather node's instance or the response (`RESPONSE`), by
    /// (node, instance, output name); kept until the run ends, since a gather node's inputs
    /// point into them.
    gathered: BTreeMap<(usize, usize, String), ResponseOutput>,
    /// Nodes submitted whose callback has not run yet, plus one while the starter submits.
    open: usize,
    /// Whether some node was accepted: if none was, the pipeline was refused (no callback).
    accepted_any: bool,
    /// The first failure; later nodes are not started once it is set.
    failure: Option<Error>,
    done: Option<Done>,
    /// The pipeline request is in flight until just before the callback.
    flight: Option<InFlightMark>,
}

struct Run {
    plan: Arc<Plan>,
    /// Each model node's version (`None` for a custom node), taken when the request entered
    /// the pipeline: the whole request runs on them even if a reload retires one meanwhile.
    versions: Arc<[Option<Servable>]>,
    interface: Interface,
    entry: BTreeMap<String, EntryTensor>,
    progress: Mutex<Progress>,
}

// SAFETY: the only thread-bound parts are the caller's buffer pointers in `entry`, which are
// only read (by OpenVINO through the node requests, by a custom node's execute, or copied into
// the response) while the caller keeps them valid, until the callback; everything else is Send
// and behind the mutex.
unsafe impl Send for Run {}
// SAFETY: as for Send; shared access reads `entry` and goes through the mutex for the rest.
unsafe impl Sync for Run {}

/// A finished run's callback and its result.
type Finished = (Done, Result<Response>);

/// A node's instance (its shard path's number, 0 when it runs once) whose inputs are all
/// there: a model node's request, or a custom node to execute.
enum Ready {
    Model(usize, usize, Request),
    Custom(usize, usize),
}

/// The `gathered` instance of the response's own stacking.
const RESPONSE: usize = usize::MAX;

impl ExternalData for NodeOutput {
    fn bytes(&self) -> &[u8] {
        self.data()
    }
}

/// One input of a custom node as pointers into earlier nodes' responses or the caller's
/// buffers, taken under the run's lock and read after it is released.
struct RawInput {
    name: String,
    datatype: DataType,
    dims: Vec<u64>,
    data: *const u8,
    byte_size: usize,
}

/// Shard `shard` of `shards` equal parts of `buffer` (split along its first dimension), as a
/// view into the same memory.
fn shard_view(buffer: Buffer, shard: usize, shards: usize) -> Buffer {
    let step = buffer.byte_size / shards;
    Buffer {
        data: buffer.data.cast::<u8>().wrapping_add(shard * step).cast(),
        byte_size: step,
        ..buffer
    }
}

fn internal(why: String) -> Error {
    Error::with(StatusCode::INTERNAL_ERROR, why)
}

impl Run {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many times node `node` runs: the product of its levels' shard counts.
    fn instances(&self, progress: &Progress, node: usize) -> usize {
        self.plan.nodes[node]
            .levels
            .iter()
            .map(|&d| progress.shard_counts[d])
            .product()
    }

    /// Makes room for node `node`'s instances, once its levels' counts are known.
    fn size(&self, progress: &mut Progress, node: usize) {
        let planned = &self.plan.nodes[node];
        let instances = self.instances(progress, node);
        progress.responses[node] = (0..instances).map(|_| None).collect();
        progress.waiting_for[node] = vec![planned.dependencies; instances];
        if let Some(&innermost) = planned.levels.last() {
            progress.shards_done[node] = vec![0; instances / progress.shard_counts[innermost]];
        }
    }

    /// The request for node `node`'s instance `instance`, its inputs pointing at the
    /// pipeline's inputs and at the responses of the nodes before it.
    fn node_request(&self, progress: &Progress, node: usize, instance: usize) -> Result<Request> {
        let planned = &self.plan.nodes[node];
        let NodeWork::Model {
            model_name,
            version,
        } = &planned.work
        else {
            return Err(internal(format!("node {} is no model node", planned.name)));
        };
        let mut request = Request::new(model_name.as_bytes(), *version);
        for (input, source) in &planned.inputs {
            let (datatype, shape, buffer) = self.input_of(progress, source, node, instance)?;
            request.add_tensor(Side::Input, input.as_bytes(), datatype, &shape)?;
            if let Some(buffer) = buffer {
                request.set_data(Side::Input, input.as_bytes(), buffer)?;
            }
        }
        Ok(request)
    }

    /// Where `source` is for instance `instance` of node `consumer`: (datatype, shape,
    /// buffer), pointing at the caller's buffer, into an earlier node's response (at the
    /// shard's offset when the consumer runs in that node's shards), or into a stacked tensor
    /// (when the consumer gathers the source's innermost level).
    fn input_of(
        &self,
        progress: &Progress,
        source: &Source,
        consumer: usize,
        instance: usize,
    ) -> Result<(u32, Vec<i64>, Option<Buffer>)> {
        match source {
            Source::Request(name) => {
                let tensor = self
                    .entry
                    .get(name)
                    .ok_or_else(|| Error::with(StatusCode::INVALID_MISSING_INPUT, name.clone()))?;
                let levels = &self.plan.nodes[consumer].levels;
                let entry_level = self.plan.entry_level();
                if levels.first() != Some(&entry_level) {
                    return Ok((tensor.datatype, tensor.shape.clone(), tensor.buffer));
                }
                // The consumer runs in the entry's shards: a view of its shard of the caller's
                // buffer, without a copy (`entry_shards` checked the first dimension).
                let inner: usize = levels[1..]
                    .iter()
                    .map(|&d| progress.shard_counts[d])
                    .product();
                let shards = progress.shard_counts[entry_level].max(1);
                let shard = instance / inner.max(1);
                let buffer = tensor.buffer.map(|b| shard_view(b, shard, shards));
                Ok((tensor.datatype, tensor.shape[1..].to_vec(), buffer))
            }
            Source::Node(from, output) => {
                let from_depth = self.plan.nodes[*from].levels.len();
                let depth = self.plan.nodes[consumer].levels.len();
                // The consumer runs in `from`'s shards: the shard of its response to view.
                let mut shard = None;
                let found = if from_depth == depth + 1 {
                    // A gather reads what `gather_inputs` stacked.
                    progress
                        .gathered
                        .get(&(*from, instance, output.clone()))
                        .ok_or_else(|| internal(format!("output {output} was not gathered")))?
                } else {
                    let mut at = instance;
                    if from_depth + 1 == depth {
                        let shards = progress.shard_counts[*from];
                        at = instance / shards;
                        shard = Some(instance % shards);
                    }
                    let response = progress.responses[*from].get(at).and_then(Option::as_ref);
                    self.output_in(response, *from, output)?
                };
                if matches!(found.data, OutputData::Strings(_)) {
                    return Err(Error::with(
                        StatusCode::NOT_IMPLEMENTED,
                        "STRING tensors between pipeline nodes",
                    ));
                }
                let (data, byte_size, buffer_type, device_id) = found.data();
                let mut buffer = Buffer {
                    data,
                    byte_size,
                    buffer_type,
                    device_id,
                };
                let mut shape = found.shape.clone();
                if let Some(s) = shard {
                    // A view of shard `s` of a demultiplexer's output, without a copy
                    // (`shard_count` checked the first dimension).
                    let shards = usize::try_from(shape[0]).unwrap_or(0).max(1);
                    buffer = shard_view(buffer, s, shards);
                    shape.remove(0);
                }
                Ok((found.datatype as u32, shape.to_vec(), Some(buffer)))
            }
        }
    }

    /// Output `output` of node `from`'s `response`.
    fn output_in<'a>(
        &self,
        response: Option<&'a Response>,
        from: usize,
        output: &str,
    ) -> Result<&'a ResponseOutput> {
        response
            .and_then(|r| {
                r.outputs
                    .iter()
                    .find(|o| o.name.to_bytes() == output.as_bytes())
            })
            .ok_or_else(|| {
                let why = format!(
                    "node {} gave no output {output}",
                    self.plan.nodes[from].name
                );
                match self.plan.nodes[from].work {
                    // A library that did not return what its outputs info declared.
                    NodeWork::Custom(_) => {
                        Error::with(StatusCode::NODE_LIBRARY_MISSING_OUTPUT, why)
                    }
                    NodeWork::Model { .. } => internal(why),
                }
            })
    }

    /// Stacks, once each, the shards' outputs that instance `instance` of node `node` (a
    /// gather: the shards under its own path) or the response (`node` = None: every instance
    /// of a node that runs in shards, one new dimension per level) reads.
    fn gather_inputs(
        &self,
        progress: &mut Progress,
        node: Option<usize>,
        instance: usize,
    ) -> Result<()> {
        let (sources, depth): (Vec<&Source>, usize) = match node {
            Some(node) => (
                self.plan.nodes[node]
                    .inputs
                    .iter()
                    .map(|(_, s)| s)
                    .collect(),
                self.plan.nodes[node].levels.len(),
            ),
            None => (self.plan.outputs.iter().map(|(_, s)| s).collect(), 0),
        };
        for source in sources {
            let Source::Node(from, output) = source else {
                continue;
            };
            let levels = &self.plan.nodes[*from].levels;
            if levels.len() <= depth {
                continue;
            }
            let key = (*from, node.map_or(RESPONSE, |_| instance), output.clone());
            if progress.gathered.contains_key(&key) {
                continue;
            }
            // The instances stacked and the new dimensions they make.
            let (range, leading): (std::ops::Range<usize>, Vec<i64>) = match node {
                Some(_) => {
                    let shards = levels.last().map_or(1, |&d| progress.shard_counts[d]);
                    (
                        instance * shards..(instance + 1) * shards,
                        vec![shards as i64],
                    )
                }
                None => (
                    0..progress.responses[*from].len(),
                    levels
                        .iter()
                        .map(|&d| progress.shard_counts[d] as i64)
                        .collect(),
                ),
            };
            let shards = progress.responses[*from][range]
                .iter()
                .map(|response| self.output_in(response.as_ref(), *from, output))
                .collect::<Result<Vec<&ResponseOutput>>>()?;
            let name = CString::new(output.as_str())
                .map_err(|_| internal(format!("output name {output:?} holds a NUL byte")))?;
            let stacked = super::gather::stack_shards(name.into(), &shards, &leading)?;
            progress.gathered.insert(key, stacked);
        }
        Ok(())
    }

    /// Node `node`'s instance `instance` made ready to run: its request, or nothing to build
    /// for a custom node (its inputs are read when it runs).
    fn prepare(&self, progress: &mut Progress, node: usize, instance: usize) -> Result<Ready> {
        if self.plan.nodes[node].gathers.is_some() {
            self.gather_inputs(progress, Some(node), instance)?;
        }
        match self.plan.nodes[node].work {
            NodeWork::Model { .. } => Ok(Ready::Model(
                node,
                instance,
                self.node_request(progress, node, instance)?,
            )),
            NodeWork::Custom(_) => Ok(Ready::Custom(node, instance)),
        }
    }

    /// A custom node's inputs, as pointers (they stay valid until the run ends, which waits
    /// for this node).
    fn custom_inputs(&self, node: usize, instance: usize) -> Result<Vec<RawInput>> {
        let progress = self.lock();
        self.plan.nodes[node]
            .inputs
            .iter()
            .map(|(name, source)| {
                let (datatype, shape, buffer) = self.input_of(&progress, source, node, instance)?;
                let datatype = DataType::from_raw(datatype)
                    .ok_or_else(|| Error::with(StatusCode::INVALID_PRECISION, name.clone()))?;
                let buffer = buffer
                    .ok_or_else(|| Error::with(StatusCode::NONEXISTENT_BUFFER, name.clone()))?;
                let dims = shape
                    .iter()
                    .map(|&d| u64::try_from(d))
                    .collect::<std::result::Result<Vec<u64>, _>>()
                    .map_err(|_| Error::with(StatusCode::INVALID_SHAPE, name.clone()))?;
                Ok(RawInput {
                    name: name.clone(),
                    datatype,
                    dims,
                    data: buffer.data.cast(),
                    byte_size: buffer.byte_size,
                })
            })
            .collect()
    }

    /// Runs custom node `node` (on a dispatcher thread): its outputs as a response that keeps
    /// the library's buffers.
    fn execute_custom(&self, node: usize, instance: usize, work: &CustomWork) -> Result<Response> {
        let raw = self.custom_inputs(node, instance)?;
        let inputs: Vec<NodeInput<'_>> = raw
            .iter()
            .map(|input| NodeInput {
                name: &input.name,
                datatype: input.datatype,
                dims: &input.dims,
                data: if input.byte_size == 0 {
                    &[]
                } else {
                    // SAFETY: a caller's buffer (valid until the callback) or an earlier
                    // node's response data (kept until the run ends), of `byte_size` bytes;
                    // the run cannot end while this node is open.
                    unsafe { std::slice::from_raw_parts(input.data, input.byte_size) }
                },
            })
            .collect();
        let outputs = work.instance.execute(&inputs, &work.params)?;
        let outputs = outputs
            .into_iter()
            .map(|output| {
                let name: Arc<std::ffi::CStr> = CString::new(output.name())
                    .map_err(|_| internal(format!("output name {:?}", output.name())))?
                    .into();
                let shape = output
                    .dims()
                    .iter()
                    .map(|&d| i64::try_from(d))
                    .collect::<std::result::Result<Dims, _>>()
                    .map_err(|_| {
                        Error::with(
                            StatusCode::NODE_LIBRARY_INVALID_SHAPE,
                            format!("output {}: dims {:?}", output.name(), output.dims()),
                        )
                    })?;
                Ok(ResponseOutput {
                    name,
                    datatype: output.datatype(),
                    shape,
                    data: OutputData::External(Box::new(output)),
                })
            })
            .collect::<Result<SmallVec<_>>>()?;
        Ok(Response {
            outputs,
            parameters: Vec::new(),
        })
    }

    /// Submits each node; a refusal fails the run. Returns the run's end if this ended it.
    /// `on_caller`: this is the thread of a caller that waits for the answer (`run`), so quick
    /// model nodes with an idle slot run on it, as `OVMS_Inference` would.
    fn submit(self: &Arc<Self>, nodes: Vec<Ready>, on_caller: bool) -> Option<Finished> {
        let mut finished = None;
        for ready in nodes {
            // Once the run failed, the nodes not submitted yet are not started.
            let failed_already = self.lock().failure.is_some();
            let outcome = if failed_already {
                Err(None)
            } else {
                match ready {
                    Ready::Model(node, instance, request) => match &self.versions[node] {
                        // A quick model with an idle slot runs here: handing it to OpenVINO's
                        // thread and its answer back costs more than the inference.
                        Some(version)
                            if on_caller
                                && version.loaded().inference_time.is_quick()
                                && let Some(result) =
                                    inference::try_infer(version, &request, self.interface) =>
                        {
                            self.node_done(node, instance, result, true);
                            Ok(())
                        }
                        Some(version) => {
                            let run = Arc::clone(self);
                            let done: Done = Box::new(move |result| {
                                run.node_done(node, instance, result, false)
                            });
                            inference::infer_async_on(
                                version.clone(),
                                &request,
                                self.interface,
                                done,
                            )
                            .map_err(Some)
                        }
                        None => Err(Some(internal(format!("node {node} has no model")))),
                    },
                    Ready::Custom(node, instance) => {
                        let run = Arc::clone(self);
                        inference::call_later_counted(move || {
                            let NodeWork::Custom(work) = &run.plan.nodes[node].work else {
                                unreachable!("a custom node is planned as one");
                            };
                            let result = run.execute_custom(node, instance, work);
                            run.node_done(node, instance, result, false);
                        });
                        Ok(())
                    }
                }
            };
            let mut progress = self.lock();
            match outcome {
                Ok(()) => progress.accepted_any = true,
                Err(error) => {
                    if let Some(error) = error {
                        progress.failure.get_or_insert(error);
                    }
                    progress.open -= 1;
                    if progress.open == 0 {
                        finished = self.finish(&mut progress);
                    }
                }
            }
        }
        finished
    }

    /// A node's (or one shard's) callback: on a library thread, inside that node's job
    /// callback, or on the waiting caller's thread (`on_caller`) after an inline inference.
    fn node_done(
        self: &Arc<Self>,
        node: usize,
        instance: usize,
        result: Result<Response>,
        on_caller: bool,
    ) {
        let mut progress = self.lock();
        progress.open -= 1;
        progress.accepted_any = true;
        let mut ready = Vec::new();
        match result {
            Ok(response) => {
                progress.responses[node][instance] = Some(response);
                if progress.failure.is_none() {
                    if let Err(error) =
                        self.release_dependants(&mut progress, node, instance, &mut ready)
                    {
                        progress.failure.get_or_insert(error);
                        ready.clear();
                    }
                    progress.open += ready.len();
                }
            }
            Err(error) => {
                progress.failure.get_or_insert(error);
            }
        }
        let mut finished = if progress.open == 0 {
            self.finish(&mut progress)
        } else {
            None
        };
        drop(progress);
        if !ready.is_empty() {
            finished = finished.or(self.submit(ready, on_caller));
        }
        // On a library thread in a counted job callback: call back here. (On the caller's
        // thread the starter's hold keeps the run open, so it does not end here.)
        if let Some((done, result)) = finished {
            done(result);
        }
    }

    /// Instance `instance` of node `node` answered: splits it into shards if it demultiplies,
    /// and collects the dependants' instances that have all their inputs now.
    fn release_dependants(
        &self,
        progress: &mut Progress,
        node: usize,
        instance: usize,
        ready: &mut Vec<Ready>,
    ) -> Result<()> {
        let planned = &self.plan.nodes[node];
        if let Some(count) = planned.demultiply {
            let shards = self.split(progress, node, instance, count)?;
            if progress.shard_counts[node] != shards {
                // A dynamic count, known now (the pipeline's only demultiplexer, so its only
                // instance): room for the nodes in its shards.
                progress.shard_counts[node] = shards;
                for other in 0..self.plan.nodes.len() {
                    if self.plan.nodes[other].levels.contains(&node) {
                        self.size(progress, other);
                    }
                }
            }
        }
        let depth = planned.levels.len();
        // In shards: whether this was the last shard under its path to answer, and that path.
        let closed = match planned.levels.last() {
            Some(&innermost) => {
                let shards = progress.shard_counts[innermost];
                let prefix = instance / shards;
                progress.shards_done[node][prefix] += 1;
                (progress.shards_done[node][prefix] == shards).then_some(prefix)
            }
            None => None,
        };
        for &next in &planned.dependants {
            let next_depth = self.plan.nodes[next].levels.len();
            let released = if next_depth == depth {
                instance..instance + 1
            } else if next_depth > depth {
                // `next` runs in this demultiplexer's shards: each of this instance's.
                let shards = progress.shard_counts[node];
                instance * shards..(instance + 1) * shards
            } else {
                // `next` gathers: it waits for every shard under its own path.
                match closed {
                    Some(prefix) => prefix..prefix + 1,
                    None => continue,
                }
            };
            for at in released {
                progress.waiting_for[next][at] -= 1;
                if progress.waiting_for[next][at] == 0 {
                    ready.push(self.prepare(progress, next, at)?);
                }
            }
        }
        Ok(())
    }

    /// The shard count of demultiplexer `node`'s response, checked on the outputs its
    /// consumers read (by name, as OVMS checks them).
    fn split(
        &self,
        progress: &Progress,
        node: usize,
        instance: usize,
        count: i32,
    ) -> Result<usize> {
        let mut read: Vec<&str> = self
            .plan
            .nodes
            .iter()
            .flat_map(|n| n.inputs.iter().map(|(_, s)| s))
            .chain(self.plan.outputs.iter().map(|(_, s)| s))
            .filter_map(|s| match s {
                Source::Node(from, output) if *from == node => Some(output.as_str()),
                _ => None,
            })
            .collect();
        read.sort_unstable();
        read.dedup();
        let tensors = read
            .into_iter()
            .map(|output| {
                let response = progress.responses[node][instance].as_ref();
                self.output_in(response, node, output)
            })
            .collect::<Result<Vec<_>>>()?;
        super::gather::shard_count(&self.plan.nodes[node].name, &tensors, count)
    }

    /// The run's end, once: the callback and the outputs (or the failure).
    fn finish(&self, progress: &mut Progress) -> Option<Finished> {
        let done = progress.done.take()?;
        let result = match progress.failure.take() {
            Some(error) => Err(error),
            None => self.collect(progress),
        };
        progress.gathered.clear();
        progress.responses.clear();
        // The caller may reuse the pipeline request from its callback.
        drop(progress.flight.take());
        Some((done, result))
    }

    /// The pipeline's response: each output moved out of its node's response (copied when
    /// two pipeline outputs name the same tensor, or when it is a pipeline input).
    fn collect(&self, progress: &mut Progress) -> Result<Response> {
        if !self.plan.exit_levels.is_empty() {
            self.gather_inputs(progress, None, RESPONSE)?;
        }
        let mut outputs = SmallVec::with_capacity(self.plan.outputs.len());
        for (k, (name, source)) in self.plan.outputs.iter().enumerate() {
            let c_name: Arc<std::ffi::CStr> = CString::new(name.as_str())
                .map_err(|_| internal(format!("output name {name:?} holds a NUL byte")))?
                .into();
            let output = match source {
                Source::Request(input) => {
                    let tensor = self.entry.get(input).ok_or_else(|| {
                        Error::with(StatusCode::INVALID_MISSING_INPUT, input.clone())
                    })?;
                    let datatype = DataType::from_raw(tensor.datatype)
                        .ok_or_else(|| Error::with(StatusCode::INVALID_PRECISION, input.clone()))?;
                    let buffer = tensor.buffer.ok_or_else(|| {
                        Error::with(StatusCode::NONEXISTENT_BUFFER, input.clone())
                    })?;
                    ResponseOutput {
                        name: c_name,
                        datatype,
                        shape: Dims::from_slice(&tensor.shape),
                        data: owned_copy(buffer.data.cast(), buffer.byte_size),
                    }
                }
                Source::Node(node, tensor) if !self.plan.nodes[*node].levels.is_empty() => {
                    // Gathered at the response: the stacked tensor, moved out unless a later
                    // output names it too.
                    let reused_later = self.plan.outputs[k + 1..].iter().any(|(_, s)| s == source);
                    let key = (*node, RESPONSE, tensor.clone());
                    let mut output =
                        if reused_later {
                            let stacked = progress.gathered.get(&key).ok_or_else(|| {
                                internal(format!("output {tensor} was not gathered"))
                            })?;
                            ResponseOutput {
                                name: Arc::clone(&stacked.name),
                                datatype: stacked.datatype,
                                shape: stacked.shape.clone(),
                                data: copy_data(stacked)?,
                            }
                        } else {
                            progress.gathered.remove(&key).ok_or_else(|| {
                                internal(format!("output {tensor} was not gathered"))
                            })?
                        };
                    output.name = c_name;
                    output
                }
                Source::Node(node, tensor) => {
                    let reused_later = self.plan.outputs[k + 1..].iter().any(|(_, s)| s == source);
                    let response = progress.responses[*node]
                        .first_mut()
                        .and_then(Option::as_mut)
                        .ok_or_else(|| internal(format!("node {node} has no response")))?;
                    let at = response
                        .outputs
                        .iter()
                        .position(|o| o.name.to_bytes() == tensor.as_bytes())
                        .ok_or_else(|| internal(format!("no output {tensor}")))?;
                    let mut output = if reused_later {
                        let original = &response.outputs[at];
                        ResponseOutput {
                            name: Arc::clone(&original.name),
                            datatype: original.datatype,
                            shape: original.shape.clone(),
                            data: copy_data(original)?,
                        }
                    } else {
                        response.outputs.swap_remove(at)
                    };
                    output.name = c_name;
                    output
                }
            };
            outputs.push(output);
        }
        Ok(Response {
            outputs,
            parameters: Vec::new(),
        })
    }
}

/// `byte_size` bytes at `src` in 8-byte aligned storage the response owns.
pub(super) fn owned_copy(src: *const u8, byte_size: usize) -> OutputData {
    // SAFETY: `src` is a caller's input buffer or a response's data of `byte_size` bytes, valid
    // until the callback (the contract of every request) or while the response lives.
    let words = unsafe { inference::aligned_copy(src, byte_size) };
    OutputData::Owned { words, byte_size }
}

/// A copy of a node output's data, for a second pipeline output that names it.
fn copy_data(output: &ResponseOutput) -> Result<OutputData> {
    match &output.data {
        OutputData::Owned { words, byte_size } => Ok(OutputData::Owned {
            words: words.clone(),
            byte_size: *byte_size,
        }),
        OutputData::Caller { buffer, byte_size } => Ok(owned_copy(buffer.data.cast(), *byte_size)),
        OutputData::External(external) => {
            let bytes = external.bytes();
            Ok(owned_copy(bytes.as_ptr(), bytes.len()))
        }
        OutputData::Strings(_) => Err(Error::with(
            StatusCode::NOT_IMPLEMENTED,
            "a STRING node output named by two pipeline outputs",
        )),
    }
}

/// Starts `plan` for `request`. On `Ok` the run was accepted and `done` runs exactly once, on
/// a library thread; on `Err` it was refused and `done` never runs.
pub fn start(
    plan: Arc<Plan>,
    manager: &ServableManager,
    request: &Request,
    interface: Interface,
    done: Done,
) -> Result<()> {
    begin(plan, manager, request, interface, done, false)
}

/// `start`; `caller_waits`: this thread waits for the answer, so nodes may run on it (see
/// `Run::submit`) and `done` may run on it.
fn begin(
    plan: Arc<Plan>,
    manager: &ServableManager,
    request: &Request,
    interface: Interface,
    done: Done,
    caller_waits: bool,
) -> Result<()> {
    if !request.outputs().is_empty() {
        return Err(Error::with(
            StatusCode::NOT_IMPLEMENTED,
            "preallocated output buffers are not supported for pipelines",
        ));
    }
    if request.inputs().len() != plan.input_specs.len() {
        return Err(Error::with(
            StatusCode::INVALID_NO_OF_INPUTS,
            format!(
                "expected: {}; actual: {}",
                plan.input_specs.len(),
                request.inputs().len()
            ),
        ));
    }
    let mut entry = BTreeMap::new();
    for (name, _) in &plan.input_specs {
        let tensor = request.inputs().get(name.as_bytes()).ok_or_else(|| {
            Error::with(
                StatusCode::INVALID_MISSING_INPUT,
                format!("Required input: {name}"),
            )
        })?;
        entry.insert(
            name.clone(),
            EntryTensor {
                datatype: tensor.datatype,
                shape: tensor.shape.clone(),
                buffer: tensor.buffer,
            },
        );
    }
    let versions = plan
        .nodes
        .iter()
        .map(|node| match &node.work {
            NodeWork::Model {
                model_name,
                version,
            } => manager.servable(model_name, *version).map(Some),
            NodeWork::Custom(_) => Ok(None),
        })
        .collect::<Result<Vec<Option<Servable>>>>()?
        .into();
    // The pipeline's own demultiplexing: the entry level's count.
    let entry_shards = match plan.demultiply {
        Some(count) => super::gather::entry_shards(&entry, count)?,
        None => 0,
    };
    let flight = request.begin_flight()?;
    let nodes = plan.nodes.len();
    let progress = Progress {
        responses: (0..nodes).map(|_| Vec::new()).collect(),
        waiting_for: vec![Vec::new(); nodes],
        shards_done: vec![Vec::new(); nodes],
        // A dynamic count is known once its demultiplexer answered; the entry's level last.
        shard_counts: plan
            .nodes
            .iter()
            .map(|n| n.demultiply.map_or(0, |c| usize::try_from(c).unwrap_or(0)))
            .chain([entry_shards])
            .collect(),
        gathered: BTreeMap::new(),
        open: 1,
        accepted_any: false,
        failure: None,
        done: Some(done),
        flight: Some(flight),
    };
    let run = Run {
        plan,
        versions,
        interface,
        entry,
        progress: Mutex::new(progress),
    };
    launch(Arc::new(run), caller_waits)
}

/// Submits the nodes `run` can start with; its flight mark is dropped just before its
/// callback runs. Accepted or refused as `start`.
fn launch(run: Arc<Run>, caller_waits: bool) -> Result<()> {
    let first = {
        let mut progress = run.lock();
        for (i, node) in run.plan.nodes.iter().enumerate() {
            if node.levels.iter().all(|&d| progress.shard_counts[d] > 0) {
                run.size(&mut progress, i);
            }
        }
        let mut first = Vec::new();
        // The nodes reading only the request: once, or once per entry shard.
        let starting = run
            .plan
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.dependencies == 0);
        'starting: for (i, _) in starting {
            for instance in 0..progress.responses[i].len() {
                match run.prepare(&mut progress, i, instance) {
                    Ok(ready) => first.push(ready),
                    Err(error) => {
                        progress.failure = Some(error);
                        first.clear();
                        break 'starting;
                    }
                }
            }
        }
        progress.open += first.len();
        first
    };
    // The starter's hold keeps the run open, so nothing ends it while submitting.
    let ended_early = run.submit(first, caller_waits);
    debug_assert!(ended_early.is_none());
    let mut progress = run.lock();
    progress.open -= 1;
    let finished = if progress.open == 0 {
        run.finish(&mut progress)
    } else {
        None
    };
    let accepted_any = progress.accepted_any;
    drop(progress);
    match finished.or(ended_early) {
        None => Ok(()),
        // Nothing was accepted: a refusal, with no callback.
        Some((_, Err(error))) if !accepted_any => Err(error),
        // Accepted work ended (or there was none: outputs straight from the inputs) while
        // this thread submitted: the callback runs here only if this thread waits for it,
        // else on a library thread.
        Some((done, result)) => {
            if caller_waits {
                done(result);
            } else {
                inference::call_back_later(done, result);
            }
            Ok(())
        }
    }
}

/// Runs `plan` for `request` and waits for its answer on this thread.
pub fn run(
    plan: Arc<Plan>,
    manager: &ServableManager,
    request: &Request,
    interface: Interface,
) -> Result<Response> {
    let (answer, answered) = std::sync::mpsc::sync_channel(1);
    let done: Done = Box::new(move |result| {
        let _ = answer.send(result);
    });
    begin(plan, manager, request, interface, done, true)?;
    // In a user callback on a library thread, the nodes' callbacks get another thread.
    let _blocking = Blocking::enter();
    answered
        .recv()
        .unwrap_or_else(|_| Err(internal("the pipeline's answer was lost".into())))
}
