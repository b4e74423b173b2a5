//! Group I: servable metadata.

use super::{
    DataTypeArg, Handle, OVMS_ServableMetadata, OVMS_Server, OVMS_Status, bytes, ffi, ffi_void,
    non_null, put,
};
use crate::model::{ServableMetadata, TensorMetadata};
use crate::pipeline;
use crate::server::SERVER;
use crate::status::{Error, Result, StatusCode};
use std::ffi::{c_char, c_void};

/// Writes a new snapshot of the servable version's inputs and outputs into `metadata`; the
/// caller owns it and frees it with `OVMS_ServableMetadataDelete`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_GetServableMetadata(
    server: *mut OVMS_Server,
    servableName: *const c_char,
    servableVersion: i64,
    metadata: *mut *mut OVMS_ServableMetadata,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        // SAFETY: the caller passes NULL or a NUL-terminated name.
        let name = unsafe { bytes(servableName, "servable name") }?;
        non_null(metadata, "servable metadata")?;
        let name = std::str::from_utf8(name).map_err(|_| {
            Error::with(
                StatusCode::PIPELINE_DEFINITION_NAME_MISSING,
                "the servable name is not UTF-8",
            )
        })?;
        let (manager, pipelines) = SERVER.servables()?;
        let snapshot = pipeline::metadata(&manager, &pipelines, name, servableVersion)?;
        // SAFETY: checked non-NULL.
        unsafe { put(metadata, OVMS_ServableMetadata::into_raw(snapshot)) };
        Ok(())
    })
}

/// # Safety
/// `metadata` is NULL or live; `count` is NULL or writable.
unsafe fn count(
    metadata: *mut OVMS_ServableMetadata,
    count: *mut u32,
    pick: fn(&ServableMetadata) -> usize,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller's contract.
        let metadata = unsafe { OVMS_ServableMetadata::borrow(metadata, "servable metadata") }?;
        non_null(count, "count")?;
        // SAFETY: checked non-NULL.
        unsafe { put(count, pick(metadata) as u32) };
        Ok(())
    })
}

/// Writes the number of inputs into `count`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataInputCount(
    metadata: *mut OVMS_ServableMetadata,
    count: *mut u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe { self::count(metadata, count, |m| m.inputs.len()) }
}

/// Writes the number of outputs into `count`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataOutputCount(
    metadata: *mut OVMS_ServableMetadata,
    count: *mut u32,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe { self::count(metadata, count, |m| m.outputs.len()) }
}

/// # Safety
/// `metadata` is NULL or live; the out-parameters are NULL or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn describe(
    metadata: *mut OVMS_ServableMetadata,
    id: u32,
    name: *mut *const c_char,
    datatype: *mut DataTypeArg,
    dim_count: *mut usize,
    shape_min: *mut *mut i64,
    shape_max: *mut *mut i64,
    pick: fn(&ServableMetadata) -> &Vec<TensorMetadata>,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller's contract.
        let metadata = unsafe { OVMS_ServableMetadata::borrow(metadata, "servable metadata") }?;
        non_null(name, "name")?;
        non_null(datatype, "data type")?;
        non_null(dim_count, "dimension count")?;
        non_null(shape_min, "shape min array")?;
        non_null(shape_max, "shape max array")?;
        let tensors = pick(metadata);
        let total = tensors.len();
        let tensor: Result<&TensorMetadata> = tensors.get(id as usize).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR,
                format!("tensor id {id} of {total}"),
            )
        });
        let tensor = tensor?;
        // SAFETY: every out-parameter was checked non-NULL. The arrays are handed out as
        // `int64_t*` (OVMS's signature) but borrowed read-only from the metadata.
        unsafe {
            put(name, tensor.name.as_ptr());
            put(datatype, DataTypeArg(tensor.datatype as u32));
            put(dim_count, tensor.shape_min.len());
            put(shape_min, tensor.shape_min.as_ptr().cast_mut());
            put(shape_max, tensor.shape_max.as_ptr().cast_mut());
        }
        Ok(())
    })
}

/// Describes input `id` (name order): name and arrays are borrowed from the metadata until it
/// is deleted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataInput(
    metadata: *mut OVMS_ServableMetadata,
    id: u32,
    name: *mut *const c_char,
    datatype: *mut DataTypeArg,
    dimCount: *mut usize,
    shapeMinArray: *mut *mut i64,
    shapeMaxArray: *mut *mut i64,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe {
        describe(
            metadata,
            id,
            name,
            datatype,
            dimCount,
            shapeMinArray,
            shapeMaxArray,
            |m| &m.inputs,
        )
    }
}

/// Describes output `id` (name order): name and arrays are borrowed from the metadata until it
/// is deleted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataOutput(
    metadata: *mut OVMS_ServableMetadata,
    id: u32,
    name: *mut *const c_char,
    datatype: *mut DataTypeArg,
    dimCount: *mut usize,
    shapeMinArray: *mut *mut i64,
    shapeMaxArray: *mut *mut i64,
) -> *mut OVMS_Status {
    // SAFETY: the caller's pointers, passed on with the same contract.
    unsafe {
        describe(
            metadata,
            id,
            name,
            datatype,
            dimCount,
            shapeMinArray,
            shapeMaxArray,
            |m| &m.outputs,
        )
    }
}

/// Writes the model's runtime info (rt_info) into `info` as a C++ `const ov::AnyMap*`, as OVMS
/// does: nested sections (such as "model_info") are `ov::AnyMap`s, values are `std::string`s
/// (the IR version an `int64_t`); a pipeline's is an empty map, as OVMS gives. The map is
/// borrowed from `metadata`: the same pointer on every call, valid until
/// `OVMS_ServableMetadataDelete(metadata)` frees it; never free it yourself.
/// It is read from the version's model file on the first call, by a small C++ part built
/// against OpenVINO's C++ headers (see README); a library built without them answers
/// `NOT_IMPLEMENTED` saying why, and a model file that can no longer be read `INTERNAL_ERROR`.
/// A host reading the map must use the same OpenVINO (`libopenvino.so.<version>`) as the server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataInfo(
    metadata: *mut OVMS_ServableMetadata,
    info: *mut *const c_void,
) -> *mut OVMS_Status {
    ffi(|| {
        // SAFETY: the caller passes NULL or live metadata.
        let metadata = unsafe { OVMS_ServableMetadata::borrow(metadata, "servable metadata") }?;
        non_null(info, "info")?;
        let map = metadata.info()?;
        // SAFETY: checked non-NULL.
        unsafe { put(info, map) };
        Ok(())
    })
}

/// Frees metadata the caller owns; NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataDelete(metadata: *mut OVMS_ServableMetadata) {
    // SAFETY: the caller passes NULL or metadata it owns and does not use again.
    ffi_void(|| unsafe { OVMS_ServableMetadata::free(metadata) })
}
