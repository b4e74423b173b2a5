//! Groups F and G: the inference request object and running it.

use super::{
    BufferTypeArg, CRequest, DataTypeArg, Handle, OVMS_InferenceRequest,
    OVMS_InferenceRequestCompletionCallback_t, OVMS_InferenceResponse, OVMS_Server, OVMS_Status,
    UserCallback, bytes, ffi, ffi_void, non_null, put,
};
use crate::inference::{self, Buffer, Request, Side, parameter_size};
use crate::metrics::Interface;
use crate::pipeline;
use crate::server::SERVER;
use crate::status::{Error, Result, StatusCode};
use std::ffi::{c_char, c_void};

/// Ranks above this are refused before the shape is read: no OpenVINO device plugin handles more
/// than 12 dimensions (oneDNN's limit), so this only keeps a lying `dimCount` from making the
/// library read or allocate without bound.
pub const MAX_RANK: usize = 64;

/// The request behind a handle, for an edit.
///
/// # Safety
/// `request` is NULL or a live request handle nobody else uses meanwhile.
unsafe fn request_mut<'a>(request: *mut OVMS_InferenceRequest) -> Result<&'a mut CRequest> {
    // SAFETY: the caller's contract.
    unsafe { OVMS_InferenceRequest::borrow_mut(request, "inference request") }
}

/// Writes a new request for a servable into `request`; the caller owns it and frees it with
/// `OVMS_InferenceRequestDelete`. The name is copied; server and servable are checked at
/// inference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestNew(
    request: *mut *mut OVMS_InferenceRequest,
    server: *mut OVMS_Server,
    servableName: *const c_char,
    servableVersion: i64,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(request, "inference request")?;
        non_null(server, "server")?;
        // SAFETY: the caller passes NULL or a NUL-terminated name.
        let name = unsafe { bytes(servableName, "servable name") }?;
        let created = OVMS_InferenceRequest::into_raw(CRequest {
            request: Request::new(name, servableVersion),
            completion: None,
        });
        // SAFETY: checked non-NULL.
        unsafe { put(request, created) };
        Ok(())
    })
}

/// Frees a request the caller owns (not the buffers it references); NULL is a no-op. A request
/// whose async inference has not called back yet may be deleted: the inference keeps what it
/// needs, but the buffers must stay valid until the callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestDelete(response: *mut OVMS_InferenceRequest) {
    // SAFETY: the caller passes NULL or a request it owns and does not use again.
    ffi_void(|| unsafe { OVMS_InferenceRequest::free(response) })
}

/// `AddInput`/`AddOutput`: `shape` may be NULL when `dimCount` is 0 (a scalar).
///
/// # Safety
/// `target` as for `request_mut`; `name` NULL or NUL-terminated; `shape` NULL or `dim_count`
/// readable values.
unsafe fn add_tensor(
    target: *mut OVMS_InferenceRequest,
    side: Side,
    name: *const c_char,
    datatype: DataTypeArg,
    shape: *const i64,
    dim_count: usize,
) -> *mut OVMS_Status {
    let what = match side {
        Side::Input => "input name",
        Side::Output => "output name",
    };
    ffi(|| {
        // SAFETY: the caller's contract.
        let target = unsafe { request_mut(target) }?;
        // SAFETY: the caller's contract.
        let name = unsafe { bytes(name, what) }?;
        if dim_count > MAX_RANK {
            return Err(Error::with(
                StatusCode::INVALID_NO_OF_SHAPE_DIMENSIONS,
                format!("dimCount {dim_count} exceeds the largest rank served, {MAX_RANK}"),
            ));
        }
        let dims = if dim_count == 0 {
            &[][..]
        } else {
            non_null(shape, "shape")?;
            // SAFETY: non-NULL, and the caller says it holds `dim_count` (bounded) values.
            unsafe { std::slice::from_raw_parts(shape, dim_count) }
        };
        target.request.add_tensor(side, name, datatype.0, dims)
    })
}

/// Adds an input to the request (name and shape copied); its data is set with
/// `OVMS_InferenceRequestInputSetData`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestAddInput(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
    datatype: DataTypeArg,
    shape: *const i64,
    dimCount: usize,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe { add_tensor(request, Side::Input, inputName, datatype, shape, dimCount) }
}

/// Adds a preallocated output to the request (name and shape copied); its buffer is set with
/// `OVMS_InferenceRequestOutputSetData`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestAddOutput(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
    datatype: DataTypeArg,
    shape: *const i64,
    dimCount: usize,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe { add_tensor(request, Side::Output, outputName, datatype, shape, dimCount) }
}

/// `InputSetData`/`OutputSetData`.
///
/// # Safety
/// As for `add_tensor`.
unsafe fn set_data(
    request: *mut OVMS_InferenceRequest,
    side: Side,
    name: *const c_char,
    buffer: Buffer,
) -> *mut OVMS_Status {
    let what = match side {
        Side::Input => "input name",
        Side::Output => "output name",
    };
    ffi(|| {
        // SAFETY: the caller's contract.
        let target = unsafe { request_mut(request) }?;
        // SAFETY: the caller's contract.
        let name = unsafe { bytes(name, what) }?;
        if matches!(side, Side::Output) {
            non_null(buffer.data, "data")?;
        }
        target.request.set_data(side, name, buffer)
    })
}

/// References the caller's buffer as the input's data (not copied): the caller keeps it valid
/// and unchanged until the inference completes (for async, until the callback ran).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestInputSetData(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
    data: *const c_void,
    byteSize: usize,
    bufferType: BufferTypeArg,
    deviceId: u32,
) -> *mut OVMS_Status {
    let buffer = Buffer {
        data,
        byte_size: byteSize,
        buffer_type: bufferType.0,
        device_id: deviceId,
    };
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe { set_data(request, Side::Input, inputName, buffer) }
}

/// References the caller's buffer as the output's memory: the result is written straight into
/// it (no copy), and it stays the caller's, valid until the inference completes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestOutputSetData(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
    data: *const c_void,
    byteSize: usize,
    bufferType: BufferTypeArg,
    deviceId: u32,
) -> *mut OVMS_Status {
    let buffer = Buffer {
        data,
        byte_size: byteSize,
        buffer_type: bufferType.0,
        device_id: deviceId,
    };
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe { set_data(request, Side::Output, outputName, buffer) }
}

/// Runs `change` on the request with a name argument.
///
/// # Safety
/// As for `add_tensor`.
unsafe fn edit(
    target: *mut OVMS_InferenceRequest,
    name: *const c_char,
    what: &str,
    change: impl FnOnce(&mut Request, &[u8]) -> Result<()>,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller's contract.
        let target = unsafe { request_mut(target) }?;
        // SAFETY: the caller's contract.
        let name = unsafe { bytes(name, what) }?;
        change(&mut target.request, name)
    })
}

/// Drops the reference to the input's buffer (the buffer stays the caller's).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestInputRemoveData(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe {
        edit(request, inputName, "input name", |r, n| {
            r.remove_data(Side::Input, n)
        })
    }
}

/// Drops the reference to the output's buffer (the buffer stays the caller's).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestOutputRemoveData(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe {
        edit(request, outputName, "output name", |r, n| {
            r.remove_data(Side::Output, n)
        })
    }
}

/// Removes the input from the request (its buffer stays the caller's).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestRemoveInput(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe {
        edit(request, inputName, "input name", |r, n| {
            r.remove_tensor(Side::Input, n)
        })
    }
}

/// Removes the output from the request (its buffer stays the caller's).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestRemoveOutput(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe {
        edit(request, outputName, "output name", |r, n| {
            r.remove_tensor(Side::Output, n)
        })
    }
}

/// Copies the datatype's element size in bytes from `data` into the request (`byteSize` is
/// ignored, as in OVMS); `data` stays the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestAddParameter(
    request: *mut OVMS_InferenceRequest,
    parameterName: *const c_char,
    datatype: DataTypeArg,
    data: *const c_void,
    byteSize: usize,
) -> *mut OVMS_Status {
    let _ = byteSize;
    ffi(|| {
        // SAFETY: the caller passes NULL or a live request.
        let target = unsafe { request_mut(request) }?;
        // SAFETY: the caller passes NULL or a NUL-terminated name.
        let name = unsafe { bytes(parameterName, "parameter name") }?;
        non_null(data, "data")?;
        // SAFETY: non-NULL, and, as OVMS reads it, holds one element of `datatype`.
        let value =
            unsafe { std::slice::from_raw_parts(data.cast::<u8>(), parameter_size(datatype.0)) };
        target.request.add_parameter(name, datatype.0, value)
    })
}

/// Removes a parameter from the request.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestRemoveParameter(
    request: *mut OVMS_InferenceRequest,
    parameterName: *const c_char,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe {
        edit(request, parameterName, "parameter name", |r, n| {
            r.remove_parameter(n)
        })
    }
}

/// Sets (or, with NULL, clears) the request's completion callback and its user pointer, which
/// stays the caller's. It also affects `OVMS_Inference`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestSetCompletionCallback(
    request: *mut OVMS_InferenceRequest,
    completeCallback: OVMS_InferenceRequestCompletionCallback_t,
    userStruct: *mut c_void,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or a live request.
        let target = unsafe { request_mut(request) }?;
        target.request.check_idle()?;
        target.completion = completeCallback.map(|callback| UserCallback {
            callback,
            user: userStruct,
        });
        Ok(())
    })
}

/// Synchronous inference; writes a new response, which the caller owns, into `response`. With a
/// completion callback set, the callback also runs, on this thread before the return, as in
/// OVMS: `(response, 0, user)` with the same response (the callback then owns it, and the
/// caller must not free it too), or `(NULL, 1, user)` on a failure after the argument checks,
/// except for a request whose async inference has not called back yet (refused, no callback:
/// that request's callback is still to come).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_Inference(
    server: *mut OVMS_Server,
    request: *mut OVMS_InferenceRequest,
    response: *mut *mut OVMS_InferenceResponse,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        // SAFETY: the caller passes NULL or a live request.
        let target = unsafe { OVMS_InferenceRequest::borrow(request, "inference request") }?;
        non_null(response, "inference response")?;
        target.request.check_idle()?;
        let result = SERVER
            .target(&target.request)
            .and_then(|found| pipeline::infer_target(found, &target.request, Interface::CApi))
            .map(OVMS_InferenceResponse::into_raw);
        if let Some(completion) = target.completion {
            completion.call(&result);
        }
        // SAFETY: checked non-NULL.
        unsafe { put(response, result?) };
        Ok(())
    })
}

/// Asynchronous inference. On NULL the request was accepted and its completion callback runs
/// exactly once, on a library thread: `(response, 0, user)` with a response the callback owns,
/// or `(NULL, 1, user)` on failure. On a returned status the callback never runs. The request
/// stays the caller's (it may be deleted, but not edited, before the callback); its buffers must
/// stay valid until the callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceAsync(
    server: *mut OVMS_Server,
    request: *mut OVMS_InferenceRequest,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        // SAFETY: the caller passes NULL or a live request.
        let target = unsafe { OVMS_InferenceRequest::borrow(request, "inference request") }?;
        let completion = target.completion.ok_or_else(|| {
            Error::with(
                StatusCode::OV_INTERNAL_INFERENCE_ERROR,
                "no completion callback is set on the request",
            )
        })?;
        let done = Box::new(move |result: Result<inference::Response>| {
            completion.call(&result.map(OVMS_InferenceResponse::into_raw));
        });
        pipeline::infer_target_async(
            SERVER.target(&target.request)?,
            &target.request,
            Interface::CApi,
            done,
        )
    })
}
