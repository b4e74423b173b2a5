//! Group H: reading an inference response.

use super::{
    BufferTypeArg, DataTypeArg, Handle, OVMS_InferenceResponse, OVMS_Status, ffi, ffi_void,
    non_null, put,
};
use crate::status::{Error, StatusCode};
use std::ffi::{c_char, c_void};

/// Writes the response's number of outputs into `count`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseOutputCount(
    response: *mut OVMS_InferenceResponse,
    count: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or a live response.
        let response = unsafe { OVMS_InferenceResponse::borrow(response, "inference response") }?;
        non_null(count, "output count")?;
        // SAFETY: checked non-NULL.
        unsafe { put(count, response.outputs.len() as u32) };
        Ok(())
    })
}

/// Describes output `id` (name order) through the out-parameters: name, shape and data are
/// borrowed from the response until `OVMS_InferenceResponseDelete`; a preallocated output's
/// `data` is the caller's own buffer, and `shape` and `byteSize` are the result's own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseOutput(
    response: *mut OVMS_InferenceResponse,
    id: u32,
    name: *mut *const c_char,
    datatype: *mut DataTypeArg,
    shape: *mut *const i64,
    dimCount: *mut usize,
    data: *mut *const c_void,
    byteSize: *mut usize,
    bufferType: *mut BufferTypeArg,
    deviceId: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or a live response.
        let response = unsafe { OVMS_InferenceResponse::borrow(response, "inference response") }?;
        non_null(name, "output name")?;
        non_null(datatype, "data type")?;
        non_null(shape, "shape")?;
        non_null(dimCount, "dimension count")?;
        non_null(data, "data")?;
        non_null(byteSize, "byte size")?;
        non_null(bufferType, "buffer type")?;
        non_null(deviceId, "device id")?;
        let output = response.outputs.get(id as usize).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR,
                format!(
                    "output id {id}, the response has {}",
                    response.outputs.len()
                ),
            )
        })?;
        let (ptr, bytes, buffer_type, device) = output.data();
        // SAFETY: every out-parameter was checked non-NULL.
        unsafe {
            put(name, output.name.as_ptr());
            put(datatype, DataTypeArg(output.datatype as u32));
            put(shape, output.shape.as_ptr());
            put(dimCount, output.shape.len());
            put(data, ptr);
            put(byteSize, bytes);
            put(bufferType, BufferTypeArg(buffer_type));
            put(deviceId, device);
        }
        Ok(())
    })
}

/// Writes the response's number of parameters into `count`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseParameterCount(
    response: *mut OVMS_InferenceResponse,
    count: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or a live response.
        let response = unsafe { OVMS_InferenceResponse::borrow(response, "inference response") }?;
        non_null(count, "parameter count")?;
        // SAFETY: checked non-NULL.
        unsafe { put(count, response.parameters.len() as u32) };
        Ok(())
    })
}

/// Describes parameter `id`: its data is borrowed from the response until it is deleted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseParameter(
    response: *mut OVMS_InferenceResponse,
    id: u32,
    datatype: *mut DataTypeArg,
    data: *mut *const c_void,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or a live response.
        let response = unsafe { OVMS_InferenceResponse::borrow(response, "inference response") }?;
        non_null(datatype, "data type")?;
        non_null(data, "data")?;
        let (dt, bytes) = response.parameters.get(id as usize).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_PARAMETER,
                format!("parameter id {id}"),
            )
        })?;
        // SAFETY: both out-parameters were checked non-NULL.
        unsafe {
            put(datatype, DataTypeArg(*dt));
            put(data, bytes.as_ptr().cast());
        }
        Ok(())
    })
}

/// Frees a response its receiver owns (a caller's preallocated buffers stay the caller's);
/// NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseDelete(response: *mut OVMS_InferenceResponse) {
    // SAFETY: the caller passes NULL or a response it owns and does not use again.
    ffi_void(|| unsafe { OVMS_InferenceResponse::free(response) })
}
