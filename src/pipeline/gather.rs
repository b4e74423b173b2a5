//! The checks and the stacking demultiplexing uses (`run.rs`, as in OVMS's demultiplexing
//! documentation): how many shards a request's inputs split into for the pipeline's own
//! `demultiply_count` (`entry_shards`) and a node demultiplexer's outputs (`shard_count`), and
//! one tensor's shards copied once into a tensor with new first dimensions (`stack_shards`).

use super::run::EntryTensor;
use crate::inference::{Dims, OutputData, OutputWords, ResponseOutput};
use crate::status::{Error, Result, StatusCode};
use std::collections::BTreeMap;
use std::ffi::CStr;
use std::sync::Arc;

/// The most shards OVMS splits one request into.
pub(super) const DEMULTIPLY_LIMIT: i64 = 10_000;

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
    let mut words = OutputWords::from_elem(0, total.div_ceil(8));
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
    let mut shape = Dims::with_capacity(first.shape.len() + leading.len());
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

/// How many shards the request's inputs split into for the pipeline's own `demultiply_count`,
/// checked as OVMS checks them: at least 3 dimensions, at most DEMULTIPLY_LIMIT shards, the
/// same first dimension in every input (the fixed `count` if there is one), and at least one.
pub(super) fn entry_shards(entry: &BTreeMap<String, EntryTensor>, count: i32) -> Result<usize> {
    let mut shards: Option<i64> = None;
    for (name, tensor) in entry {
        if tensor.shape.len() < 3 {
            return Err(Error::with(
                StatusCode::PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY,
                format!(
                    "input {name}: {} dimensions; demultiplying needs at least 3",
                    tensor.shape.len()
                ),
            ));
        }
        let n = tensor.shape[0];
        if n > DEMULTIPLY_LIMIT {
            return Err(Error::with(
                StatusCode::PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY,
                format!("input {name}: dim[0] {n}; at most {DEMULTIPLY_LIMIT}"),
            ));
        }
        if (count > 0 && n != i64::from(count)) || shards.is_some_and(|s| s != n) {
            return Err(Error::with(
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
    match usize::try_from(shards.unwrap_or(0)) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::with(
            StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS,
            "the request has no shard to run",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datatype::DataType;
    use crate::inference::aligned_copy;

    fn tensor(name: &str, shape: &[i64], values: &[f32]) -> ResponseOutput {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        // SAFETY: `bytes` holds `bytes.len()` bytes.
        let words = unsafe { aligned_copy(bytes.as_ptr(), bytes.len()) };
        ResponseOutput {
            name: std::ffi::CString::new(name).unwrap().into(),
            datatype: DataType::FP32,
            shape: Dims::from_slice(shape),
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
    fn the_entry_splits_when_its_inputs_agree() {
        let inputs = |shapes: &[&[i64]]| -> BTreeMap<String, EntryTensor> {
            shapes
                .iter()
                .enumerate()
                .map(|(i, shape)| {
                    let tensor = EntryTensor {
                        datatype: DataType::FP32 as u32,
                        shape: shape.to_vec(),
                        buffer: None,
                    };
                    (format!("in{i}"), tensor)
                })
                .collect()
        };
        assert_eq!(entry_shards(&inputs(&[&[3, 1, 10]]), 3).unwrap(), 3);
        assert_eq!(
            entry_shards(&inputs(&[&[4, 1, 10], &[4, 2, 2]]), -1).unwrap(),
            4
        );
        let cases: [(&[&[i64]], i32, StatusCode); 5] = [
            (
                &[&[3, 1, 10]],
                2,
                StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY,
            ),
            (
                &[&[3, 1, 10], &[4, 1, 10]],
                -1,
                StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY,
            ),
            (
                &[&[3, 10]],
                3,
                StatusCode::PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY,
            ),
            (
                &[&[0, 1, 10]],
                -1,
                StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS,
            ),
            (
                &[&[DEMULTIPLY_LIMIT + 1, 1, 1]],
                -1,
                StatusCode::PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY,
            ),
        ];
        for (shapes, count, expected) in cases {
            let got = entry_shards(&inputs(shapes), count).map_err(|e| e.code);
            assert_eq!(got, Err(expected), "{shapes:?} count {count}");
        }
    }

    #[test]
    fn shards_stack_in_order_and_must_agree() {
        let first = tensor("a", &[1, 2], &[1.0, 2.0]);
        let second = tensor("a", &[1, 2], &[3.0, 4.0]);
        let name: Arc<CStr> = std::ffi::CString::new("o").unwrap().into();
        let stacked = stack_shards(Arc::clone(&name), &[&first, &second], &[2]).unwrap();
        assert_eq!(stacked.shape.as_slice(), [2, 1, 2]);
        let (data, byte_size, _, _) = stacked.data();
        // SAFETY: the stacked output holds `byte_size` bytes of f32 values.
        let values = unsafe { std::slice::from_raw_parts(data.cast::<f32>(), byte_size / 4) };
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0]);
        // Two levels of two shards each: one dimension per level, the shards in path order.
        let four = [&first, &second, &second, &first];
        let nested = stack_shards(Arc::clone(&name), &four, &[2, 2]).unwrap();
        assert_eq!(nested.shape.as_slice(), [2, 2, 1, 2]);
        let (data, byte_size, _, _) = nested.data();
        // SAFETY: the stacked output holds `byte_size` bytes of f32 values.
        let values = unsafe { std::slice::from_raw_parts(data.cast::<f32>(), byte_size / 4) };
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 1.0, 2.0]);
        assert_eq!(
            stack_shards(Arc::clone(&name), &four, &[3])
                .err()
                .map(|e| e.code),
            Some(StatusCode::INTERNAL_ERROR)
        );
        let other = tensor("a", &[1, 3], &[0.0; 3]);
        assert_eq!(
            stack_shards(name, &[&first, &other], &[2])
                .err()
                .map(|e| e.code),
            Some(StatusCode::PIPELINE_INCONSISTENT_SHARD_DIMENSIONS)
        );
    }
}
