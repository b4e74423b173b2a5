//! The inference request object: what a caller declared, with buffers referenced, not copied.

use crate::datatype::DataType;
use crate::status::{Error, Result, StatusCode};
use std::collections::BTreeMap;
use std::ffi::c_void;

/// `OVMS_BUFFERTYPE_CPU`, the one buffer type this library binds.
pub(crate) const BUFFER_TYPE_CPU: u32 = 0;

/// A caller's buffer. The caller keeps it alive until the inference completes.
#[derive(Debug, Clone, Copy)]
pub struct Buffer {
    pub data: *const c_void,
    pub byte_size: usize,
    /// The raw `OVMS_BufferType` value; checked at inference time as OVMS does.
    pub buffer_type: u32,
    pub device_id: u32,
}

#[derive(Debug, Clone)]
pub struct RequestTensor {
    /// The raw `OVMS_DataType` value; checked at inference time.
    pub datatype: u32,
    pub shape: Vec<i64>,
    pub buffer: Option<Buffer>,
}

/// `OVMS_InferenceRequestCompletionCallback_t`.
pub type CompletionCallback =
    unsafe extern "C" fn(response: *mut c_void, flag: u32, user: *mut c_void);

#[derive(Debug, Clone, Copy)]
pub struct Completion {
    pub callback: CompletionCallback,
    pub user: *mut c_void,
}

// SAFETY: OVMS calls completion callbacks on its own threads; a host that sets one accepts that
// its user pointer is used from another thread.
unsafe impl Send for Completion {}

pub struct Request {
    pub servable_name: String,
    pub servable_version: i64,
    pub inputs: BTreeMap<String, RequestTensor>,
    pub outputs: BTreeMap<String, RequestTensor>,
    pub parameters: BTreeMap<String, (u32, Vec<u8>)>,
    pub completion: Option<Completion>,
}

/// Inputs or outputs: the two sets of tensors follow the same rules, with OVMS's codes.
#[derive(Clone, Copy)]
pub enum Side {
    Input,
    Output,
}

impl Request {
    pub fn new(servable_name: String, servable_version: i64) -> Request {
        Request {
            servable_name,
            servable_version,
            inputs: BTreeMap::new(),
            outputs: BTreeMap::new(),
            parameters: BTreeMap::new(),
            completion: None,
        }
    }

    fn tensors(&mut self, side: Side) -> &mut BTreeMap<String, RequestTensor> {
        match side {
            Side::Input => &mut self.inputs,
            Side::Output => &mut self.outputs,
        }
    }

    pub fn add_tensor(
        &mut self,
        side: Side,
        name: &str,
        datatype: u32,
        shape: &[i64],
    ) -> Result<()> {
        if matches!(side, Side::Output) && datatype == DataType::STRING as u32 {
            return Err(Error::with(
                StatusCode::NOT_IMPLEMENTED,
                format!("output {name:?}: STRING outputs cannot be preallocated"),
            ));
        }
        let tensors = self.tensors(side);
        if tensors.contains_key(name) {
            return Err(Error::with(
                StatusCode::DOUBLE_TENSOR_INSERT,
                format!("tensor name: {name}"),
            ));
        }
        tensors.insert(
            name.to_string(),
            RequestTensor {
                datatype,
                shape: shape.to_vec(),
                buffer: None,
            },
        );
        Ok(())
    }

    pub fn set_data(&mut self, side: Side, name: &str, buffer: Buffer) -> Result<()> {
        let tensor = self.tensors(side).get_mut(name).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR_FOR_SET_BUFFER,
                format!("tensor name: {name}"),
            )
        })?;
        if tensor.buffer.is_some() {
            return Err(Error::with(
                StatusCode::DOUBLE_BUFFER_SET,
                format!("tensor name: {name}"),
            ));
        }
        tensor.buffer = Some(buffer);
        Ok(())
    }

    pub fn remove_data(&mut self, side: Side, name: &str) -> Result<()> {
        let tensor = self.tensors(side).get_mut(name).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER,
                format!("tensor name: {name}"),
            )
        })?;
        tensor.buffer.take().map(|_| ()).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_BUFFER_FOR_REMOVAL,
                format!("tensor name: {name}"),
            )
        })
    }

    pub fn remove_tensor(&mut self, side: Side, name: &str) -> Result<()> {
        self.tensors(side).remove(name).map(|_| ()).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR_FOR_REMOVAL,
                format!("tensor name: {name}"),
            )
        })
    }

    /// Stores the parameter's value: as in OVMS, the datatype's element size in bytes is copied
    /// from `data` (types without a size copy nothing).
    pub fn add_parameter(&mut self, name: &str, datatype: u32, data: *const c_void) -> Result<()> {
        if self.parameters.contains_key(name) {
            return Err(Error::with(
                StatusCode::DOUBLE_PARAMETER_INSERT,
                format!("parameter name: {name}"),
            ));
        }
        let size = DataType::from_raw(datatype)
            .and_then(DataType::element_size)
            .unwrap_or(0);
        let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size) }.to_vec();
        self.parameters.insert(name.to_string(), (datatype, bytes));
        Ok(())
    }

    pub fn remove_parameter(&mut self, name: &str) -> Result<()> {
        self.parameters.remove(name).map(|_| ()).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_PARAMETER,
                format!("parameter name: {name}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer() -> Buffer {
        Buffer {
            data: std::ptr::null(),
            byte_size: 0,
            buffer_type: BUFFER_TYPE_CPU,
            device_id: 0,
        }
    }

    #[test]
    fn tensor_bookkeeping_codes() {
        let mut r = Request::new("dummy".into(), 0);
        r.add_tensor(Side::Input, "b", DataType::FP32 as u32, &[1, 10])
            .unwrap();
        assert_eq!(
            r.add_tensor(Side::Input, "b", 2, &[1]).unwrap_err().code,
            StatusCode::DOUBLE_TENSOR_INSERT
        );
        assert_eq!(
            r.set_data(Side::Input, "x", buffer()).unwrap_err().code,
            StatusCode::NONEXISTENT_TENSOR_FOR_SET_BUFFER
        );
        r.set_data(Side::Input, "b", buffer()).unwrap();
        assert_eq!(
            r.set_data(Side::Input, "b", buffer()).unwrap_err().code,
            StatusCode::DOUBLE_BUFFER_SET
        );
        r.remove_data(Side::Input, "b").unwrap();
        assert_eq!(
            r.remove_data(Side::Input, "b").unwrap_err().code,
            StatusCode::NONEXISTENT_BUFFER_FOR_REMOVAL
        );
        assert_eq!(
            r.remove_data(Side::Input, "x").unwrap_err().code,
            StatusCode::NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER
        );
        r.remove_tensor(Side::Input, "b").unwrap();
        assert_eq!(
            r.remove_tensor(Side::Input, "b").unwrap_err().code,
            StatusCode::NONEXISTENT_TENSOR_FOR_REMOVAL
        );
        assert_eq!(
            r.add_tensor(Side::Output, "a", DataType::STRING as u32, &[1])
                .unwrap_err()
                .code,
            StatusCode::NOT_IMPLEMENTED
        );
    }

    #[test]
    fn parameters_copy_the_element_size() {
        let mut r = Request::new("dummy".into(), 0);
        let value: u64 = 0x0102_0304_0506_0708;
        r.add_parameter("p", DataType::U64 as u32, (&value as *const u64).cast())
            .unwrap();
        assert_eq!(r.parameters["p"].1, value.to_ne_bytes().to_vec());
        assert_eq!(
            r.add_parameter("p", DataType::U64 as u32, (&value as *const u64).cast())
                .unwrap_err()
                .code,
            StatusCode::DOUBLE_PARAMETER_INSERT
        );
        r.remove_parameter("p").unwrap();
        assert_eq!(
            r.remove_parameter("p").unwrap_err().code,
            StatusCode::NONEXISTENT_PARAMETER
        );
    }
}
