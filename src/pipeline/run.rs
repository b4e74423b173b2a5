//! Running a validated pipeline: each model node is one request on its model's pool through the
//! async path every request takes (`inference::infer_async`); a node's `Done` closure stores
//! its response and submits the nodes it made ready. No thread waits for a node, independent
//! branches run at the same time, and a node's inputs point into the responses of the nodes
//! before it (no copy here; binding decides as for any caller's buffer).
//!
//! Exactly once: the run ends when no node it submitted is still open, so every slot it used
//! was released and nothing reads the caller's buffers any more; only then is the callback
//! called, with the pipeline's outputs or with the first node failure.

use super::definition::{Plan, Source};
use crate::datatype::DataType;
use crate::inference::{
    self, Blocking, Buffer, Done, InFlightMark, OutputData, Request, Response, ResponseOutput, Side,
};
use crate::metrics::Interface;
use crate::model::{Servable, ServableManager};
use crate::status::{Error, Result, StatusCode};
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
    /// Each node's response once it answered; kept until the run ends, since later nodes'
    /// inputs point into them.
    responses: Vec<Option<Response>>,
    /// How many dependencies each node still waits for.
    waiting_for: Vec<usize>,
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
    /// Each node's model version, taken when the request entered the pipeline: the whole
    /// request runs on them even if a reload retires one meanwhile.
    versions: Arc<[Servable]>,
    interface: Interface,
    entry: BTreeMap<String, EntryTensor>,
    progress: Mutex<Progress>,
}

// SAFETY: the only thread-bound parts are the caller's buffer pointers in `entry`, which are
// only read (by OpenVINO through the node requests, or copied into the response) while the
// caller keeps them valid, until the callback; everything else is Send and behind the mutex.
unsafe impl Send for Run {}
// SAFETY: as for Send; shared access reads `entry` and goes through the mutex for the rest.
unsafe impl Sync for Run {}

/// A finished run's callback and its result.
type Finished = (Done, Result<Response>);

fn internal(why: String) -> Error {
    Error::with(StatusCode::INTERNAL_ERROR, why)
}

impl Run {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The request for node `node`, its inputs pointing at the pipeline's inputs and at the
    /// responses of the nodes before it.
    fn node_request(&self, progress: &Progress, node: usize) -> Result<Request> {
        let planned = &self.plan.nodes[node];
        let mut request = Request::new(planned.model_name.as_bytes(), planned.version);
        for (input, source) in &planned.inputs {
            let (datatype, shape, buffer) = match source {
                Source::Request(name) => {
                    let tensor = self.entry.get(name).ok_or_else(|| {
                        Error::with(StatusCode::INVALID_MISSING_INPUT, name.clone())
                    })?;
                    (tensor.datatype, tensor.shape.clone(), tensor.buffer)
                }
                Source::Node(from, output) => {
                    let found = progress.responses[*from]
                        .as_ref()
                        .and_then(|r| {
                            r.outputs
                                .iter()
                                .find(|o| o.name.to_bytes() == output.as_bytes())
                        })
                        .ok_or_else(|| {
                            internal(format!(
                                "node {} gave no output {output}",
                                self.plan.nodes[*from].name
                            ))
                        })?;
                    if matches!(found.data, OutputData::Strings(_)) {
                        return Err(Error::with(
                            StatusCode::NOT_IMPLEMENTED,
                            "STRING tensors between pipeline nodes",
                        ));
                    }
                    let (data, byte_size, buffer_type, device_id) = found.data();
                    let buffer = Buffer {
                        data,
                        byte_size,
                        buffer_type,
                        device_id,
                    };
                    (found.datatype as u32, found.shape.clone(), Some(buffer))
                }
            };
            request.add_tensor(Side::Input, input.as_bytes(), datatype, &shape)?;
            if let Some(buffer) = buffer {
                request.set_data(Side::Input, input.as_bytes(), buffer)?;
            }
        }
        Ok(request)
    }

    /// Submits each node; a refusal fails the run. Returns the run's end if this ended it.
    fn submit(self: &Arc<Self>, nodes: Vec<(usize, Request)>) -> Option<Finished> {
        let mut finished = None;
        for (node, request) in nodes {
            // Once the run failed, the nodes not submitted yet are not started.
            let failed_already = self.lock().failure.is_some();
            let outcome = if failed_already {
                Err(None)
            } else {
                let run = Arc::clone(self);
                let done: Done = Box::new(move |result| run.node_done(node, result));
                let version = self.versions[node].clone();
                inference::infer_async_on(version, &request, self.interface, done).map_err(Some)
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

    /// A node's callback (on a library thread, inside that node's job callback).
    fn node_done(self: &Arc<Self>, node: usize, result: Result<Response>) {
        let mut progress = self.lock();
        progress.open -= 1;
        progress.accepted_any = true;
        let mut ready = Vec::new();
        match result {
            Ok(response) => {
                progress.responses[node] = Some(response);
                if progress.failure.is_none() {
                    for &next in &self.plan.nodes[node].dependants {
                        progress.waiting_for[next] -= 1;
                        if progress.waiting_for[next] == 0 {
                            match self.node_request(&progress, next) {
                                Ok(request) => ready.push((next, request)),
                                Err(error) => {
                                    progress.failure.get_or_insert(error);
                                    break;
                                }
                            }
                        }
                    }
                    if progress.failure.is_some() {
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
            finished = finished.or(self.submit(ready));
        }
        // Already on a library thread in a counted job callback: call back here.
        if let Some((done, result)) = finished {
            done(result);
        }
    }

    /// The run's end, once: the callback and the outputs (or the failure).
    fn finish(&self, progress: &mut Progress) -> Option<Finished> {
        let done = progress.done.take()?;
        let result = match progress.failure.take() {
            Some(error) => Err(error),
            None => self.collect(progress),
        };
        progress.responses.clear();
        // The caller may reuse the pipeline request from its callback.
        drop(progress.flight.take());
        Some((done, result))
    }

    /// The pipeline's response: each output moved out of its node's response (copied when
    /// two pipeline outputs name the same tensor, or when it is a pipeline input).
    fn collect(&self, progress: &mut Progress) -> Result<Response> {
        let mut outputs = Vec::with_capacity(self.plan.outputs.len());
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
                        shape: tensor.shape.clone(),
                        data: owned_copy(buffer.data.cast(), buffer.byte_size),
                    }
                }
                Source::Node(node, tensor) => {
                    let reused_later = self.plan.outputs[k + 1..].iter().any(|(_, s)| s == source);
                    let response = progress.responses[*node]
                        .as_mut()
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
    let mut words = vec![0u64; byte_size.div_ceil(8)];
    if byte_size > 0 {
        // SAFETY: `src` is a caller's input buffer of `byte_size` bytes, valid until the
        // callback (the contract of every request), and `words` holds at least as many.
        unsafe { std::ptr::copy_nonoverlapping(src, words.as_mut_ptr().cast::<u8>(), byte_size) };
    }
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
    if !request.outputs.is_empty() {
        return Err(Error::with(
            StatusCode::NOT_IMPLEMENTED,
            "preallocated output buffers are not supported for pipelines",
        ));
    }
    if request.inputs.len() != plan.input_specs.len() {
        return Err(Error::with(
            StatusCode::INVALID_NO_OF_INPUTS,
            format!(
                "expected: {}; actual: {}",
                plan.input_specs.len(),
                request.inputs.len()
            ),
        ));
    }
    let mut entry = BTreeMap::new();
    for (name, _) in &plan.input_specs {
        let tensor = request.inputs.get(name.as_bytes()).ok_or_else(|| {
            Error::with(
                StatusCode::INVALID_MISSING_INPUT,
                format!("required input: {name}"),
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
        .map(|node| manager.servable(&node.model_name, node.version))
        .collect::<Result<Vec<Servable>>>()?
        .into();
    let flight = request.begin_flight()?;
    match plan.demultiply {
        None => start_entries(plan, versions, entry, Some(flight), interface, done),
        Some(count) => super::gather::start(plan, versions, entry, flight, interface, done, count),
    }
}

/// Starts `plan` on these inputs (the whole request's, or one shard's); `flight` is dropped
/// just before `done` runs. Accepted or refused as `start`.
pub(super) fn start_entries(
    plan: Arc<Plan>,
    versions: Arc<[Servable]>,
    entry: BTreeMap<String, EntryTensor>,
    flight: Option<InFlightMark>,
    interface: Interface,
    done: Done,
) -> Result<()> {
    let nodes = plan.nodes.len();
    let run = Arc::new(Run {
        versions,
        interface,
        entry,
        progress: Mutex::new(Progress {
            responses: (0..nodes).map(|_| None).collect(),
            waiting_for: plan.nodes.iter().map(|n| n.dependencies).collect(),
            open: 1,
            accepted_any: false,
            failure: None,
            done: Some(done),
            flight,
        }),
        plan,
    });
    let first = {
        let mut progress = run.lock();
        let mut first = Vec::new();
        for (i, node) in run.plan.nodes.iter().enumerate() {
            if node.dependencies == 0 {
                match run.node_request(&progress, i) {
                    Ok(request) => first.push((i, request)),
                    Err(error) => {
                        progress.failure = Some(error);
                        first.clear();
                        break;
                    }
                }
            }
        }
        progress.open += first.len();
        first
    };
    // The starter's hold keeps the run open, so nothing ends it while submitting.
    let ended_early = run.submit(first);
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
        // this thread submitted: the callback still runs on a library thread.
        Some((done, result)) => {
            inference::call_back_later(done, result);
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
    start(plan, manager, request, interface, done)?;
    // In a user callback on a library thread, the nodes' callbacks get another thread.
    let _blocking = Blocking::enter();
    answered
        .recv()
        .unwrap_or_else(|_| Err(internal("the pipeline's answer was lost".into())))
}
