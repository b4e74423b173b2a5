//! Servable metadata: a snapshot of a version's tensors, owned by the caller.

use super::{Loaded, ServedTensor};
use crate::datatype::DataType;
use std::ffi::CString;

pub struct TensorMetadata {
    pub name: CString,
    pub datatype: DataType,
    /// Per dimension: static `d` is (d, d), a range (lo, hi), fully dynamic (-1, -1).
    pub shape_min: Vec<i64>,
    pub shape_max: Vec<i64>,
}

pub struct ServableMetadata {
    /// Name-sorted, as OVMS indexes them.
    pub inputs: Vec<TensorMetadata>,
    pub outputs: Vec<TensorMetadata>,
}

fn describe(tensor: &ServedTensor) -> TensorMetadata {
    let bounds: Vec<(i64, i64)> = tensor
        .info
        .dims
        .iter()
        .map(|d| {
            if d.is_fully_dynamic() {
                (-1, -1)
            } else {
                (d.min, d.max)
            }
        })
        .collect();
    TensorMetadata {
        name: CString::new(tensor.info.name.as_str()).unwrap_or_default(),
        datatype: tensor.info.data_type,
        shape_min: bounds.iter().map(|b| b.0).collect(),
        shape_max: bounds.iter().map(|b| b.1).collect(),
    }
}

impl ServableMetadata {
    pub fn of(loaded: &Loaded) -> ServableMetadata {
        ServableMetadata {
            inputs: loaded.inputs.iter().map(describe).collect(),
            outputs: loaded.outputs.iter().map(describe).collect(),
        }
    }
}
