//! A pipeline demultiplexed at its entry (its own `demultiply_count`, as in OVMS's
//! demultiplexing documentation): the request's inputs are split along their first dimension into
//! shards (views into the caller's buffers, no copy), each shard runs the pipeline's nodes as a
//! run of its own, and the shards' outputs are stacked again along a new first dimension.
//! The request calls back once, when every shard's run has ended.

use super::definition::Plan;
use super::run::{EntryTensor, start_entries};
use crate::inference::{self, Buffer, Done, InFlightMark, OutputData, Response, ResponseOutput};
use crate::metrics::Interface;
use crate::model::Servable;
use crate::status::{Error, Result, StatusCode};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The most shards OVMS splits one request into.
const DEMULTIPLY_LIMIT: i64 = 10_000;

struct Progress {
    /// Each shard's response, in shard order.
    results: Vec<Option<Response>>,
    /// Shards whose run has not ended, plus one while the starter starts them.
    open: usize,
    accepted_any: bool,
    failure: Option<Error>,
    done: Option<Done>,
    flight: Option<InFlightMark>,
}

struct Gather {
    progress: Mutex<Progress>,
}

type Finished = (Done, Result<Response>);

impl Gather {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A shard's run ended (on a library thread, inside a counted callback).
    fn shard_done(&self, shard: usize, result: Result<Response>) {
        let mut progress = self.lock();
        progress.open -= 1;
        progress.accepted_any = true;
        match result {
            Ok(response) => progress.results[shard] = Some(response),
            Err(error) => {
                progress.failure.get_or_insert(error);
            }
        }
        let finished = if progress.open == 0 {
            finish(&mut progress)
        } else {
            None
        };
        drop(progress);
        if let Some((done, result)) = finished {
            done(result);
        }
    }
}

fn finish(progress: &mut Progress) -> Option<Finished> {
    let done = progress.done.take()?;
    let result = match progress.failure.take() {
        Some(error) => Err(error),
        None => stack(&mut progress.results),
    };
    progress.results.clear();
    drop(progress.flight.take());
    Some((done, result))
}

/// The shards' outputs stacked along a new first dimension, in shard order.
fn stack(results: &mut [Option<Response>]) -> Result<Response> {
    let shards: Vec<Response> = results
        .iter_mut()
        .map(Option::take)
        .collect::<Option<_>>()
        .ok_or_else(|| Error::with(StatusCode::INTERNAL_ERROR, "a shard has no response"))?;
    let Some(first) = shards.first() else {
        return Err(Error::new(StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS));
    };
    let mut outputs = Vec::with_capacity(first.outputs.len());
    for (j, output) in first.outputs.iter().enumerate() {
        let mut total = 0usize;
        for shard in &shards {
            let same = shard.outputs.get(j).filter(|o| {
                o.name == output.name && o.datatype == output.datatype && o.shape == output.shape
            });
            let Some(same) = same else {
                return Err(Error::with(
                    StatusCode::PIPELINE_INCONSISTENT_SHARD_DIMENSIONS,
                    format!(
                        "output {}: the shards' outputs differ in type or shape",
                        output.name.to_string_lossy()
                    ),
                ));
            };
            if matches!(same.data, OutputData::Strings(_)) {
                return Err(Error::new(
                    StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
                ));
            }
            total += same.data().1;
        }
        let mut words = vec![0u64; total.div_ceil(8)];
        let mut at = 0usize;
        for shard in &shards {
            let (data, byte_size, _, _) = shard.outputs[j].data();
            if byte_size > 0 {
                // SAFETY: a response output's data holds `byte_size` readable bytes while the
                // response lives, and `words` has room for `total`, the sum of the shards'
                // sizes, from `at` on.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        data.cast::<u8>(),
                        words.as_mut_ptr().cast::<u8>().add(at),
                        byte_size,
                    )
                };
            }
            at += byte_size;
        }
        let mut shape = Vec::with_capacity(output.shape.len() + 1);
        shape.push(shards.len() as i64);
        shape.extend_from_slice(&output.shape);
        outputs.push(ResponseOutput {
            name: Arc::clone(&output.name),
            datatype: output.datatype,
            shape,
            data: OutputData::Owned {
                words,
                byte_size: total,
            },
        });
    }
    Ok(Response {
        outputs,
        parameters: Vec::new(),
    })
}

fn demultiply_error(code: StatusCode, why: String) -> Error {
    Error::with(code, why)
}

/// Splits the request into shards and starts one run per shard. Accepted or refused as
/// `run::start`: refused (no callback) only if no shard was accepted.
pub(super) fn start(
    plan: Arc<Plan>,
    versions: Arc<[Option<Servable>]>,
    entry: BTreeMap<String, EntryTensor>,
    flight: InFlightMark,
    interface: Interface,
    done: Done,
    count: i32,
) -> Result<()> {
    let mut shards: Option<i64> = None;
    for (name, tensor) in &entry {
        if tensor.shape.len() < 3 {
            return Err(demultiply_error(
                StatusCode::PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY,
                format!(
                    "input {name}: {} dimensions; demultiplying needs at least 3",
                    tensor.shape.len()
                ),
            ));
        }
        let n = tensor.shape[0];
        if n > DEMULTIPLY_LIMIT {
            return Err(demultiply_error(
                StatusCode::PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY,
                format!("input {name}: dim[0] {n}; at most {DEMULTIPLY_LIMIT}"),
            ));
        }
        if (count > 0 && n != i64::from(count)) || shards.is_some_and(|s| s != n) {
            return Err(demultiply_error(
                StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY,
                format!(
                    "input {name}: dim[0] {n}, expected {}",
                    if count > 0 {
                        i64::from(count)
                    } else {
                        shards.unwrap_or(n)
                    }
                ),
            ));
        }
        shards = Some(n);
    }
    let n = shards.unwrap_or(0).max(0) as usize;
    if n == 0 {
        return Err(Error::with(
            StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS,
            "the request has no shard to run",
        ));
    }
    let gather = Arc::new(Gather {
        progress: Mutex::new(Progress {
            results: (0..n).map(|_| None).collect(),
            open: n + 1,
            accepted_any: false,
            failure: None,
            done: Some(done),
            flight: Some(flight),
        }),
    });
    for shard in 0..n {
        let shard_entry = entry
            .iter()
            .map(|(name, tensor)| {
                let buffer = tensor.buffer.map(|b| {
                    let step = b.byte_size / n;
                    Buffer {
                        // A view into the caller's buffer: shard `shard` of `n` equal parts.
                        data: b.data.cast::<u8>().wrapping_add(shard * step).cast(),
                        byte_size: step,
                        ..b
                    }
                });
                let shard_tensor = EntryTensor {
                    datatype: tensor.datatype,
                    shape: tensor.shape[1..].to_vec(),
                    buffer,
                };
                (name.clone(), shard_tensor)
            })
            .collect();
        let shard_gather = Arc::clone(&gather);
        let shard_done: Done = Box::new(move |result| shard_gather.shard_done(shard, result));
        let started = start_entries(
            Arc::clone(&plan),
            Arc::clone(&versions),
            shard_entry,
            None,
            interface,
            shard_done,
        );
        let mut progress = gather.lock();
        match started {
            Ok(()) => progress.accepted_any = true,
            Err(error) => {
                // The shards not started yet will not run either.
                progress.failure.get_or_insert(error);
                progress.open -= n - shard;
                break;
            }
        }
    }
    let mut progress = gather.lock();
    progress.open -= 1;
    let finished = if progress.open == 0 {
        finish(&mut progress)
    } else {
        None
    };
    let accepted_any = progress.accepted_any;
    drop(progress);
    match finished {
        None => Ok(()),
        Some((_, Err(error))) if !accepted_any => Err(error),
        Some((done, result)) => {
            inference::call_back_later(done, result);
            Ok(())
        }
    }
}
