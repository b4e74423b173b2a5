//! Servable metadata: a snapshot of a version's tensors, owned by the caller.

use super::{Loaded, ServedTensor};
use crate::datatype::DataType;
use crate::ov::{Dim, RtInfo, RtInfoError};
use crate::status::{Error, Result, StatusCode};
use std::ffi::{CString, c_void};
use std::path::PathBuf;
use std::sync::Mutex;

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
    /// The version's model file, for its rt_info; `None` for a pipeline (an empty map).
    model_file: Option<PathBuf>,
    /// The model's rt_info as an `ov::AnyMap`, made on the first ask and freed with the snapshot.
    info: Mutex<Option<RtInfo>>,
}

impl TensorMetadata {
    /// A tensor as OVMS describes it: per dimension its bounds, (-1, -1) when fully dynamic.
    pub fn new(name: &str, datatype: DataType, dims: &[Dim]) -> TensorMetadata {
        let (shape_min, shape_max) = dims
            .iter()
            .map(|d| {
                if d.is_fully_dynamic() {
                    (-1, -1)
                } else {
                    (d.min, d.max)
                }
            })
            .unzip();
        TensorMetadata {
            name: CString::new(name).unwrap_or_default(),
            datatype,
            shape_min,
            shape_max,
        }
    }
}

fn describe(tensor: &ServedTensor) -> TensorMetadata {
    TensorMetadata::new(&tensor.info.name, tensor.info.data_type, &tensor.info.dims)
}

impl ServableMetadata {
    pub fn of(loaded: &Loaded) -> ServableMetadata {
        ServableMetadata {
            inputs: loaded.inputs.iter().map(describe).collect(),
            outputs: loaded.outputs.iter().map(describe).collect(),
            model_file: Some(loaded.model_file.clone()),
            info: Mutex::new(None),
        }
    }

    /// A snapshot of tensors that come from no single model file (a pipeline's).
    pub fn of_tensors(
        inputs: Vec<TensorMetadata>,
        outputs: Vec<TensorMetadata>,
    ) -> ServableMetadata {
        ServableMetadata {
            inputs,
            outputs,
            model_file: None,
            info: Mutex::new(None),
        }
    }

    /// The model's rt_info as a C++ `const ov::AnyMap*` (an empty map for a pipeline), the same
    /// pointer on every call, valid until the snapshot is dropped. Read from the model file on the first call; a failed read
    /// is tried again on the next.
    pub fn info(&self) -> Result<*const c_void> {
        let mut info = self.info.lock().unwrap_or_else(|e| e.into_inner());
        if info.is_none() {
            // A pipeline has no model file: OVMS gives it an empty map.
            let read = match &self.model_file {
                Some(model_file) => RtInfo::read(model_file),
                None => RtInfo::empty(),
            };
            let read = read.map_err(|e| match e {
                RtInfoError::Unavailable(why) => Error::with(StatusCode::NOT_IMPLEMENTED, why),
                RtInfoError::Failed(why) => Error::with(StatusCode::INTERNAL_ERROR, why),
            })?;
            *info = Some(read);
        }
        Ok(info.as_ref().map_or(std::ptr::null(), RtInfo::as_ptr))
    }
}
