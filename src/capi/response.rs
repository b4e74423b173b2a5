//! Group H: reading an inference response.

use super::{
    BufferTypeArg, DataTypeArg, OVMS_InferenceResponse, OVMS_Status, ffi, ffi_void, handle,
    non_null, put,
};
use crate::status::{Error, StatusCode};
use std::ffi::{c_char, c_void};

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseOutputCount(
    response: *mut OVMS_InferenceResponse,
    count: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        let response = unsafe { handle(response, "inference response") }?;
        non_null(count, "output count")?;
        unsafe { put(count, response.0.outputs.len() as u32) };
        Ok(())
    })
}

/// Output `id` (name order). Pointers stay valid until `OVMS_InferenceResponseDelete`; a
/// preallocated output's `data` is the caller's own buffer.
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
        let response = unsafe { handle(response, "inference response") }?;
        non_null(name, "output name")?;
        non_null(datatype, "data type")?;
        non_null(shape, "shape")?;
        non_null(dimCount, "dimension count")?;
        non_null(data, "data")?;
        non_null(byteSize, "byte size")?;
        non_null(bufferType, "buffer type")?;
        non_null(deviceId, "device id")?;
        let output = response.0.outputs.get(id as usize).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR,
                format!(
                    "output id {id}, the response has {}",
                    response.0.outputs.len()
                ),
            )
        })?;
        let (ptr, bytes, buffer_type, device) = output.data();
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

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseParameterCount(
    response: *mut OVMS_InferenceResponse,
    count: *mut u32,
) -> *mut OVMS_Status {
    ffi(|| {
        let response = unsafe { handle(response, "inference response") }?;
        non_null(count, "parameter count")?;
        unsafe { put(count, response.0.parameters.len() as u32) };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseParameter(
    response: *mut OVMS_InferenceResponse,
    id: u32,
    datatype: *mut DataTypeArg,
    data: *mut *const c_void,
) -> *mut OVMS_Status {
    ffi(|| {
        let response = unsafe { handle(response, "inference response") }?;
        non_null(datatype, "data type")?;
        non_null(data, "data")?;
        let (dt, bytes) = response.0.parameters.get(id as usize).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_PARAMETER,
                format!("parameter id {id}"),
            )
        })?;
        unsafe {
            put(datatype, DataTypeArg(*dt));
            put(data, bytes.as_ptr().cast());
        }
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceResponseDelete(response: *mut OVMS_InferenceResponse) {
    ffi_void(|| {
        if !response.is_null() {
            drop(unsafe { Box::from_raw(response) });
        }
    })
}
