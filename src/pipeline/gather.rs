//! A pipeline demultiplexed at its entry (its own `demultiply_count`, as in OVMS's
//! demultiplexing documentation): the request's inputs are split along their first dimension into
//! shards (views into the caller's buffers, no copy), each shard runs the pipeline's nodes as a
//! run of its own, and the shards' outputs are stacked again along a new first dimension.
//! The request calls back once, when every shard's run has ended.
//!
//! Also the checks and the stacking a node demultiplexer's run uses (`run.rs`): how many
//! shards its outputs split into (`shard_count`), and one tensor's shards copied once into a
//! tensor with a new first dimension (`stack_shards`).

use super::definition::Plan;
use super::run::{EntryTensor, start_entries};
use crate::inference::{self, Buffer, Done, InFlightMark, OutputData, Response, ResponseOutput};
use crate::metrics::Interface;
use crate::model::Servable;
use crate::status::{Error, Result, StatusCode};
use std::collections::BTreeMap;
use std::ffi::CStr;
use std::sync::{Arc, Mutex, MutexGuard};

/// The most shards OVMS splits one request into.
pub(super) const DEMULTIPLY_LIMIT: i64 = 10_000;

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

/// The shards' responses stacked output by output along a new first dimension, in shard order.
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
        let same: Vec<&ResponseOutput> = shards
            .iter()
            .map(|shard| {
                shard
                    .outputs
                    .get(j)
                    .filter(|o| o.name == output.name)
                    .ok_or_else(|| {
                        Error::with(
                            StatusCode::PIPELINE_INCONSISTENT_SHARD_DIMENSIONS,
                            format!(
                                "output {}: missing in a shard",
                                output.name.to_string_lossy()
                            ),
                        )
                    })
            })
            .collect::<Result<_>>()?;
        let leading = [same.len() as i64];
        outputs.push(stack_shards(Arc::clone(&output.name), &same, &leading)?);
    }
    Ok(Response {
        outputs,
        parameters: Vec::new(),
    })
}

/// One tensor's shards copied once, in shard order, into a tensor with new first dimensions
/// `leading` (the shards' count, or one count per level whose product it is, the outermost
/// first): PIPELINE_INCONSISTENT_SHARD_DIMENSIONS when the shards differ in type or shape, as
/// OVMS's gather.
pub(super) fn stack_shards(
    name: Arc<CStr>,
    shards: &[&ResponseOutput],
    leading: &[i64],
) -> Result<ResponseOutput> {
    let Some(first) = shards.first() else {
        return Err(Error::new(StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS));
    };
    if leading.iter().product::<i64>() != shards.len() as i64 {
        return Err(Error::with(
            StatusCode::INTERNAL_ERROR,
            format!(
                "{} shards of {} stacked as {leading:?}",
                shards.len(),
                name.to_string_lossy()
            ),
        ));
    }
    let mut total = 0usize;
    for shard in shards {
        if matches!(shard.data, OutputData::Strings(_)) {
            return Err(Error::with(
                StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
                format!("output {}", name.to_string_lossy()),
            ));
        }
        if shard.datatype != first.datatype || shard.shape != first.shape {
            return Err(Error::with(
                StatusCode::PIPELINE_INCONSISTENT_SHARD_DIMENSIONS,
                format!(
                    "failed to consolidate tensor: {}; first shard: {:?} {:?}; current shard: {:?} {:?}",
                    name.to_string_lossy(),
                    first.datatype,
                    first.shape,
                    shard.datatype,
                    shard.shape
                ),
            ));
        }
        total += shard.data().1;
    }
    let mut words = vec![0u64; total.div_ceil(8)];
    let mut at = 0usize;
    for shard in shards {
        let (data, byte_size, _, _) = shard.data();
        if byte_size > 0 {
            // SAFETY: a response output's data holds `byte_size` readable bytes while the
            // response lives, and `words` has room for `total`, the sum of the shards' sizes,
            // from `at` on.
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
    let mut shape = Vec::with_capacity(first.shape.len() + leading.len());
    shape.extend_from_slice(leading);
    shape.extend_from_slice(&first.shape);
    Ok(ResponseOutput {
        name,
        datatype: first.datatype,
        shape,
        data: OutputData::Owned {
            words,
            byte_size: total,
        },
    })
}

/// How many shards a node demultiplexer's outputs (`tensors`, by name) split into, checked as
/// OVMS checks them when the node has run: at most DEMULTIPLY_LIMIT, no STRING, at least 3
/// dimensions, a first dimension equal to a fixed `count` (and the same in every tensor), and
/// at least one shard.
pub(super) fn shard_count(node: &str, tensors: &[&ResponseOutput], count: i32) -> Result<usize> {
    let Some(first) = tensors.first() else {
        return Err(Error::with(
            StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS,
            format!("node {node} gave no output to demultiply"),
        ));
    };
    let shards = first.shape.first().copied().unwrap_or(0);
    if shards > DEMULTIPLY_LIMIT {
        return Err(Error::with(
            StatusCode::PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY,
            format!(
                "node: {node} - too large dim[0] size: {shards} of tensor: {}. Maximum allowed is: {DEMULTIPLY_LIMIT}",
                first.name.to_string_lossy()
            ),
        ));
    }
    for tensor in tensors {
        let tensor_name = tensor.name.to_string_lossy();
        if matches!(tensor.data, OutputData::Strings(_)) {
            return Err(Error::with(
                StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
                format!("node: {node}; tensor: {tensor_name}"),
            ));
        }
        if tensor.shape.len() < 3 {
            return Err(Error::with(
                StatusCode::PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY,
                format!(
                    "wrong number of dimensions: {} of tensor: {tensor_name} to demultiply. Must be at least 3",
                    tensor.shape.len()
                ),
            ));
        }
        let expected = if count > 0 { i64::from(count) } else { shards };
        if tensor.shape[0] != expected {
            return Err(Error::with(
                StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY,
                format!(
                    "wrong dim[0] size: {} of tensor: {tensor_name} expected: {expected} to demultiply",
                    tensor.shape[0]
                ),
            ));
        }
    }
    if shards == 0 {
        return Err(Error::with(
            StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS,
            format!("node: {node} has no results"),
        ));
    }
    usize::try_from(shards).map_err(|_| Error::new(StatusCode::INTERNAL_ERROR))
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
            false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatype::DataType;

    fn tensor(name: &str, shape: &[i64], values: &[f32]) -> ResponseOutput {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        // SAFETY: `words` holds at least `bytes.len()` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                words.as_mut_ptr().cast::<u8>(),
                bytes.len(),
            )
        };
        ResponseOutput {
            name: std::ffi::CString::new(name).unwrap().into(),
            datatype: DataType::FP32,
            shape: shape.to_vec(),
            data: OutputData::Owned {
                words,
                byte_size: bytes.len(),
            },
        }
    }

    fn code(result: Result<usize>) -> StatusCode {
        result.unwrap_err().code
    }

    #[test]
    fn a_demultiplexers_outputs_are_checked_when_it_answers() {
        let three = tensor("a", &[3, 1, 2], &[0.0; 6]);
        assert_eq!(shard_count("s", &[&three], 3).unwrap(), 3);
        assert_eq!(shard_count("s", &[&three], -1).unwrap(), 3);
        assert_eq!(
            code(shard_count("s", &[&three], 2)),
            StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY
        );
        // Two outputs with different counts under a dynamic demultiplexer.
        let four = tensor("b", &[4, 1, 2], &[0.0; 8]);
        assert_eq!(
            code(shard_count("s", &[&three, &four], 0)),
            StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY
        );
        let flat = tensor("a", &[3, 2], &[0.0; 6]);
        assert_eq!(
            code(shard_count("s", &[&flat], 3)),
            StatusCode::PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY
        );
        let none = tensor("a", &[0, 1, 2], &[]);
        assert_eq!(
            code(shard_count("s", &[&none], -1)),
            StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS
        );
        let huge = tensor("a", &[DEMULTIPLY_LIMIT + 1, 1, 0], &[]);
        assert_eq!(
            code(shard_count("s", &[&huge], -1)),
            StatusCode::PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY
        );
    }

    #[test]
    fn shards_stack_in_order_and_must_agree() {
        let first = tensor("a", &[1, 2], &[1.0, 2.0]);
        let second = tensor("a", &[1, 2], &[3.0, 4.0]);
        let name: Arc<CStr> = std::ffi::CString::new("o").unwrap().into();
        let stacked = stack_shards(Arc::clone(&name), &[&first, &second], &[2]).unwrap();
        assert_eq!(stacked.shape, vec![2, 1, 2]);
        let (data, byte_size, _, _) = stacked.data();
        // SAFETY: the stacked output holds `byte_size` bytes of f32 values.
        let values = unsafe { std::slice::from_raw_parts(data.cast::<f32>(), byte_size / 4) };
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0]);
        let other = tensor("a", &[1, 3], &[0.0; 3]);
        assert_eq!(
            stack_shards(name, &[&first, &other], &[2])
                .err()
                .map(|e| e.code),
            Some(StatusCode::PIPELINE_INCONSISTENT_SHARD_DIMENSIONS)
        );
    }
}
