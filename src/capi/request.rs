//! Groups F and G: the inference request object and running it.

use super::{
    BufferTypeArg, DataTypeArg, OVMS_InferenceRequest, OVMS_InferenceRequestCompletionCallback_t,
    OVMS_InferenceResponse, OVMS_Server, OVMS_Status, ffi, ffi_void, handle, non_null, put, text,
};
use crate::inference::{self, Buffer, Completion, CompletionCallback, Request, Response, Side};
use crate::server::SERVER;
use crate::status::Result;
use std::ffi::{c_char, c_void};

unsafe fn request<'a>(request: *mut OVMS_InferenceRequest) -> Result<&'a mut Request> {
    Ok(&mut unsafe { handle(request, "inference request") }?.0)
}

/// The request's servable name is copied; the server and servable are checked at inference.
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
        let name = unsafe { text(servableName, "servable name") }?;
        let created = Box::new(OVMS_InferenceRequest(Request::new(name, servableVersion)));
        unsafe { put(request, Box::into_raw(created)) };
        Ok(())
    })
}

/// Frees the request (not the caller's buffers); NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestDelete(response: *mut OVMS_InferenceRequest) {
    ffi_void(|| {
        if !response.is_null() {
            drop(unsafe { Box::from_raw(response) });
        }
    })
}

/// `shape` may be NULL when `dimCount` is 0 (a scalar).
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
        let target = unsafe { request(target) }?;
        let name = unsafe { text(name, what) }?;
        let dims = if dim_count == 0 {
            &[][..]
        } else {
            non_null(shape, "shape")?;
            unsafe { std::slice::from_raw_parts(shape, dim_count) }
        };
        target.add_tensor(side, &name, datatype.0, dims)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestAddInput(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
    datatype: DataTypeArg,
    shape: *const i64,
    dimCount: usize,
) -> *mut OVMS_Status {
    unsafe { add_tensor(request, Side::Input, inputName, datatype, shape, dimCount) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestAddOutput(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
    datatype: DataTypeArg,
    shape: *const i64,
    dimCount: usize,
) -> *mut OVMS_Status {
    unsafe { add_tensor(request, Side::Output, outputName, datatype, shape, dimCount) }
}

/// The buffer is referenced, not copied: it must stay valid until the inference completes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestInputSetData(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
    data: *const c_void,
    byteSize: usize,
    bufferType: BufferTypeArg,
    deviceId: u32,
) -> *mut OVMS_Status {
    ffi(|| {
        let target = unsafe { self::request(request) }?;
        let name = unsafe { text(inputName, "input name") }?;
        let buffer = Buffer {
            data,
            byte_size: byteSize,
            buffer_type: bufferType.0,
            device_id: deviceId,
        };
        target.set_data(Side::Input, &name, buffer)
    })
}

/// The output is written straight into this buffer (no copy).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestOutputSetData(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
    data: *const c_void,
    byteSize: usize,
    bufferType: BufferTypeArg,
    deviceId: u32,
) -> *mut OVMS_Status {
    ffi(|| {
        let target = unsafe { self::request(request) }?;
        let name = unsafe { text(outputName, "output name") }?;
        non_null(data, "data")?;
        let buffer = Buffer {
            data,
            byte_size: byteSize,
            buffer_type: bufferType.0,
            device_id: deviceId,
        };
        target.set_data(Side::Output, &name, buffer)
    })
}

unsafe fn edit(
    target: *mut OVMS_InferenceRequest,
    name: *const c_char,
    what: &str,
    change: impl FnOnce(&mut Request, &str) -> Result<()>,
) -> *mut OVMS_Status {
    ffi(|| {
        let target = unsafe { request(target) }?;
        let name = unsafe { text(name, what) }?;
        change(target, &name)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestInputRemoveData(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
) -> *mut OVMS_Status {
    unsafe {
        edit(request, inputName, "input name", |r, n| {
            r.remove_data(Side::Input, n)
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestOutputRemoveData(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
) -> *mut OVMS_Status {
    unsafe {
        edit(request, outputName, "output name", |r, n| {
            r.remove_data(Side::Output, n)
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestRemoveInput(
    request: *mut OVMS_InferenceRequest,
    inputName: *const c_char,
) -> *mut OVMS_Status {
    unsafe {
        edit(request, inputName, "input name", |r, n| {
            r.remove_tensor(Side::Input, n)
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestRemoveOutput(
    request: *mut OVMS_InferenceRequest,
    outputName: *const c_char,
) -> *mut OVMS_Status {
    unsafe {
        edit(request, outputName, "output name", |r, n| {
            r.remove_tensor(Side::Output, n)
        })
    }
}

/// Copies the datatype's element size from `data`; `byteSize` is ignored, as in OVMS.
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
        let target = unsafe { self::request(request) }?;
        let name = unsafe { text(parameterName, "parameter name") }?;
        non_null(data, "data")?;
        target.add_parameter(&name, datatype.0, data)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestRemoveParameter(
    request: *mut OVMS_InferenceRequest,
    parameterName: *const c_char,
) -> *mut OVMS_Status {
    unsafe {
        edit(request, parameterName, "parameter name", |r, n| {
            r.remove_parameter(n)
        })
    }
}

/// Sets (or, with NULL, clears) the completion callback; it also affects `OVMS_Inference`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceRequestSetCompletionCallback(
    request: *mut OVMS_InferenceRequest,
    completeCallback: OVMS_InferenceRequestCompletionCallback_t,
    userStruct: *mut c_void,
) -> *mut OVMS_Status {
    ffi(|| {
        let target = unsafe { self::request(request) }?;
        target.completion = completeCallback.map(|callback| Completion {
            // SAFETY: only the pointee type of the first argument differs; the ABI is the same.
            callback: unsafe {
                std::mem::transmute::<
                    unsafe extern "C" fn(*mut OVMS_InferenceResponse, u32, *mut c_void),
                    CompletionCallback,
                >(callback)
            },
            user: userStruct,
        });
        Ok(())
    })
}

/// Synchronous inference. The caller owns `*response`. With a completion callback set, the
/// callback runs on this thread before return, as in OVMS.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_Inference(
    server: *mut OVMS_Server,
    request: *mut OVMS_InferenceRequest,
    response: *mut *mut OVMS_InferenceResponse,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        let target = unsafe { self::request(request) }?;
        non_null(response, "inference response")?;
        let manager = SERVER.manager();
        let published = inference::infer_and_complete(
            manager.as_deref().map_err(Clone::clone),
            target,
            publish,
        )?;
        unsafe { put(response, published.cast()) };
        Ok(())
    })
}

/// Asynchronous inference. On NULL the request was accepted and its completion callback runs
/// exactly once, on a library thread: `(response, 0, user)` with a response the callback owns,
/// or `(NULL, 1, user)` on failure. On a returned status the callback never runs. The request
/// and its buffers must stay valid until the callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_InferenceAsync(
    server: *mut OVMS_Server,
    request: *mut OVMS_InferenceRequest,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        let target = unsafe { self::request(request) }?;
        inference::infer_async(&*SERVER.manager()?, target, publish)
    })
}

/// Hands a response to the caller as the C handle it owns.
fn publish(response: Response) -> *mut c_void {
    Box::into_raw(Box::new(OVMS_InferenceResponse(response))).cast()
}
