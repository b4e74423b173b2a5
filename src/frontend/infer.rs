//! A network inference's way into the core: the decoded tensors become the library's own
//! `Request`, which runs on the same paths as the C API's. A quick model (its recent inferences
//! within `INLINE_BUDGET`) runs inline, as `OVMS_Inference`, when one of its slots is idle: the
//! hand-off to OpenVINO's thread and back would cost more than the inference. Any other
//! request takes the async path of `OVMS_InferenceAsync`, and its answer comes back through a
//! oneshot channel, so no thread waits for it. The input bytes stay where the protocol decoder
//! put them (the request points at them, as a C host's request points at its buffers) and are
//! kept alive until the inference is done with them.
//!
//! A pipeline's request always takes the async path, the one `OVMS_InferenceAsync` takes for a
//! pipeline: its nodes wait in their models' queues, and no thread waits for the answer.

use crate::datatype::DataType;
use crate::inference::{self, Buffer, ExternalData, OutputData, Request, Response, Side};
use crate::metrics::{self, Interface, Method};
use crate::model::{ServableManager, ServableMetadata, VersionState};
use crate::pipeline::{self, Pipelines};
use crate::server::SERVER;
use crate::status::{Error, Result, StatusCode};
use bytes::Bytes;
use std::sync::Arc;
use tokio::sync::oneshot;

/// One input tensor as a front end decoded it.
pub struct Input {
    pub name: String,
    /// The KServe datatype name (`FP32`, `BYTES`, ...); an unknown one fails validation with
    /// OVMS's precision code.
    pub datatype: String,
    pub shape: Vec<i64>,
    pub data: InputData,
}

pub enum InputData {
    /// The tensor's bytes as the protocol carries them: raw little-endian elements, or, for
    /// `BYTES`, each element as a 4-byte little-endian length and its bytes.
    Raw(Bytes),
    /// `BYTES` elements given one by one (gRPC `bytes_contents`, JSON strings).
    Strings(Vec<Bytes>),
}

/// One output tensor, ready for a protocol.
pub struct Output {
    pub name: String,
    /// The KServe datatype name.
    pub datatype: &'static str,
    pub shape: Vec<i64>,
    /// Raw little-endian elements (the response's own storage, not a copy), or for `BYTES`
    /// each element as a 4-byte little-endian length and its bytes.
    pub data: Bytes,
}

/// What a network inference answers: the model version that ran it and every output.
pub struct Answer {
    pub model_name: String,
    pub model_version: i64,
    pub outputs: Vec<Output>,
}

/// The bytes of an output's storage, as `Bytes` without a copy.
struct Words {
    words: inference::OutputWords,
    byte_size: usize,
}

impl AsRef<[u8]> for Words {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `words` holds at least `byte_size` initialized bytes (the response's
        // contract), and u8 has no alignment or validity requirement.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.byte_size) }
    }
}

/// A buffer owned elsewhere (a custom node's output), as `Bytes` without a copy.
struct ExternalBytes(Box<dyn ExternalData>);

impl AsRef<[u8]> for ExternalBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.bytes()
    }
}

fn outputs(response: Response) -> Result<Vec<Output>> {
    response
        .outputs
        .into_iter()
        .map(|output| {
            let name = output.name.to_string_lossy().into_owned();
            let datatype = output.datatype.kserve_name().ok_or_else(|| {
                Error::with(
                    StatusCode::OV_UNSUPPORTED_SERIALIZATION_PRECISION,
                    format!(
                        "output {name}: {:?} has no KServe datatype",
                        output.datatype
                    ),
                )
            })?;
            let data = match output.data {
                OutputData::Owned { words, byte_size } => {
                    Bytes::from_owner(Words { words, byte_size })
                }
                OutputData::Strings(strings) => {
                    let mut raw = Vec::new();
                    for string in strings.strings() {
                        raw.extend_from_slice(&(string.len() as u32).to_le_bytes());
                        raw.extend_from_slice(string);
                    }
                    Bytes::from(raw)
                }
                OutputData::External(external) => Bytes::from_owner(ExternalBytes(external)),
                // A network request preallocates no output.
                OutputData::Caller { .. } => {
                    return Err(Error::with(
                        StatusCode::INTERNAL_ERROR,
                        format!("output {name}: a preallocated buffer in a network response"),
                    ));
                }
            };
            Ok(Output {
                name,
                datatype,
                shape: output.shape.to_vec(),
                data,
            })
        })
        .collect()
}

/// Splits `BYTES` raw contents into their elements.
pub fn split_length_prefixed(name: &str, raw: &Bytes) -> Result<Vec<Bytes>> {
    let mut strings = Vec::new();
    let mut at = 0;
    while at < raw.len() {
        let length = raw
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| truncated(name))?;
        at += 4;
        let end = at.checked_add(length).filter(|&end| end <= raw.len());
        let end = end.ok_or_else(|| truncated(name))?;
        strings.push(raw.slice(at..end));
        at = end;
    }
    Ok(strings)
}

fn truncated(name: &str) -> Error {
    Error::with(
        StatusCode::INVALID_STRING_INPUT,
        format!("input {name}: BYTES contents end inside an element's 4-byte length or bytes"),
    )
}

/// What the request points at, kept alive until its callback ran.
enum Held {
    Bytes(Bytes),
    Strings(inference::StdStringArray),
}

/// Runs one inference of `name` (`version` 0: the default version) on `inputs`, which came
/// through `interface`, and returns every output of the model, or the error with OVMS's code.
/// Its outcome is counted in the version's metrics (a request the core refuses or runs is
/// counted there; one whose inputs cannot even be made into a request, here).
pub async fn infer(
    name: &str,
    version: i64,
    inputs: Vec<Input>,
    interface: Interface,
) -> Result<Answer> {
    // Submitted by a plain function, so the request and its raw pointers (not Send) are gone
    // before the await and the future can move between the runtime's threads.
    let (model_version, response) = match submit(name, version, inputs, interface)? {
        Submitted::Answered(model_version, response) => (model_version, response?),
        Submitted::Pending(model_version, answered, waiting) => {
            // A full queue: wait for room here, holding no thread (a client that goes away
            // drops the job, which then calls back with a failure nobody reads).
            if let Some(waiting) = waiting {
                waiting.submit().await;
            }
            let response = answered.await.unwrap_or_else(|_| {
                Err(Error::with(
                    StatusCode::INTERNAL_ERROR,
                    "the request was lost by an internal failure",
                ))
            });
            (model_version, response?)
        }
    };
    Ok(Answer {
        model_name: name.to_string(),
        model_version,
        outputs: outputs(response)?,
    })
}

/// What `submit` did, with the version that ran or will run the request.
enum Submitted {
    /// It ran inline: its outcome.
    Answered(i64, Result<Response>),
    /// It is on its way (and counted by the core): where its outcome will arrive, and its job
    /// if it waits for room in the version's queue.
    Pending(
        i64,
        oneshot::Receiver<Result<Response>>,
        Option<inference::Waiting>,
    ),
}

/// The version OVMS gives every pipeline, in its metadata and in its answers: a pipeline has
/// no versions, and a version in a request for one is not looked at.
pub const PIPELINE_VERSION: i64 = metrics::PIPELINE_VERSION;

/// Whether a request for `name` runs a pipeline (one of that name, and no model serves it).
pub fn is_pipeline(name: &str) -> bool {
    SERVER
        .servables()
        .is_ok_and(|(manager, pipelines)| pipeline::is_pipeline(&manager, &pipelines, name))
}

/// A pipeline's inputs and outputs, or OVMS's code for one that does not serve
/// (PIPELINE_DEFINITION_NOT_LOADED_YET, PIPELINE_DEFINITION_NOT_LOADED_ANYMORE).
pub fn pipeline_metadata(name: &str) -> Result<ServableMetadata> {
    let (manager, pipelines) = SERVER.servables()?;
    pipeline::metadata(&manager, &pipelines, name, 0)
}

/// How many inputs a request for the pipeline `name` must have, with `pipeline_metadata`'s
/// codes.
pub fn pipeline_input_count(name: &str) -> Result<usize> {
    let (manager, pipelines) = SERVER.servables()?;
    pipeline::input_count(&manager, &pipelines, name, 0)
}

/// Whether the pipeline `name` serves now (ModelReady), whatever version is asked for.
pub fn pipeline_ready(name: &str) -> Result<bool> {
    let (manager, pipelines) = SERVER.servables()?;
    let state = pipeline::state(&manager, &pipelines, name.as_bytes(), 0)?;
    Ok(state == VersionState::Available)
}

fn submit(name: &str, version: i64, inputs: Vec<Input>, interface: Interface) -> Result<Submitted> {
    let (manager, pipelines) = SERVER.servables()?;
    if pipeline::is_pipeline(&manager, &pipelines, name) {
        return submit_to_pipeline(&manager, &pipelines, name, inputs, interface);
    }
    // The version that will run it, for the answer (a reload may retire it meanwhile; the
    // request then still runs on it).
    let servable = manager.servable(name, version)?;
    let model_version = servable.version().version;
    let (request, held) = match build_request(name, version, inputs) {
        Ok(built) => built,
        Err(error) => {
            if let Some(metrics) = &servable.version().metrics {
                metrics.count(interface, Method::ModelInfer, false);
            }
            return Err(error);
        }
    };
    // A quick model runs inline when a slot is idle: handing it to OpenVINO's thread and the
    // outcome back would cost more than the inference (`INLINE_BUDGET`).
    if servable.loaded().inference_time.is_quick()
        && let Some(outcome) = inference::try_infer(&servable, &request, interface)
    {
        drop(held);
        return Ok(Submitted::Answered(model_version, outcome));
    }
    drop(servable);
    let (answer, answered) = oneshot::channel();
    let held = SendHeld(held);
    let waiting = inference::infer_async_or_wait(
        &manager,
        &request,
        interface,
        Box::new(move |result| {
            // The inference no longer reads the inputs once it calls back.
            drop(held);
            // A client that went away dropped the receiver: nothing to answer.
            let _ = answer.send(result);
        }),
    )?;
    // The request itself may go now: the inference works on its own plan.
    Ok(Submitted::Pending(model_version, answered, waiting))
}

/// Starts a pipeline on the async path of `OVMS_InferenceAsync`; its answer comes back
/// through the channel.
fn submit_to_pipeline(
    manager: &Arc<ServableManager>,
    pipelines: &Pipelines,
    name: &str,
    inputs: Vec<Input>,
    interface: Interface,
) -> Result<Submitted> {
    // The core counts the run in the pipeline's series; inputs that make no request, here.
    let (request, held) = build_request(name, 0, inputs).inspect_err(|_| {
        count_pipeline_request(interface, Method::ModelInfer, name, false);
    })?;
    let (answer, answered) = oneshot::channel();
    let held = SendHeld(held);
    pipeline::infer_async(
        manager,
        pipelines,
        &request,
        interface,
        Box::new(move |result| {
            // The run no longer reads the inputs once it calls back.
            drop(held);
            let _ = answer.send(result);
        }),
    )?;
    // The run keeps what it needs of the request (shapes and buffer pointers).
    Ok(Submitted::Pending(PIPELINE_VERSION, answered, None))
}

/// Counts a pipeline's request that does not reach `infer` (metadata, readiness, an inference
/// whose inputs cannot be decoded) in the pipeline's series, as OVMS counts it.
pub fn count_pipeline_request(interface: Interface, method: Method, name: &str, ok: bool) {
    if metrics::for_pipeline(name).is_some() {
        metrics::count_request(interface, method, name, Some(PIPELINE_VERSION), ok);
    }
}

/// The library's request over the decoded inputs, and what it points at.
fn build_request(name: &str, version: i64, inputs: Vec<Input>) -> Result<(Request, Vec<Held>)> {
    let mut request = Request::new(name.as_bytes(), version);
    let mut held = Vec::with_capacity(inputs.len());
    for input in inputs {
        let datatype = DataType::from_kserve_name(&input.datatype).unwrap_or(DataType::UNDEFINED);
        request.add_tensor(
            Side::Input,
            input.name.as_bytes(),
            datatype as u32,
            &input.shape,
        )?;
        let keep = match (datatype, input.data) {
            (DataType::STRING, InputData::Raw(raw)) => Held::Strings(
                inference::StdStringArray::new(&split_length_prefixed(&input.name, &raw)?),
            ),
            (_, InputData::Strings(strings)) => {
                Held::Strings(inference::StdStringArray::new(&strings))
            }
            (_, InputData::Raw(raw)) => Held::Bytes(raw),
        };
        let (data, byte_size) = match &keep {
            Held::Bytes(bytes) => (bytes.as_ptr().cast(), bytes.len()),
            Held::Strings(strings) => (strings.as_ptr(), strings.byte_size()),
        };
        let buffer = Buffer {
            data,
            byte_size,
            buffer_type: 0,
            device_id: 0,
        };
        request.set_data(Side::Input, input.name.as_bytes(), buffer)?;
        held.push(keep);
    }
    Ok((request, held))
}

/// The buffers a request points at, moved into its callback.
struct SendHeld(#[allow(dead_code)] Vec<Held>);

// SAFETY: `Bytes` is Send; a `StdStringArray` owns its heap memory and is only read (by the
// inference, through the plan) until it is dropped in the callback.
unsafe impl Send for SendHeld {}

#[cfg(test)]
mod tests {
    /// The front ends run `infer` on a multi-threaded runtime: its future must be Send.
    #[test]
    fn the_inference_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let future = super::infer("m", 0, Vec::new(), super::Interface::Grpc);
        assert_send(&future);
    }
}
