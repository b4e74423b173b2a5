//! Group I: servable metadata.

use super::{
    DataTypeArg, OVMS_ServableMetadata, OVMS_Server, OVMS_Status, ffi, ffi_void, handle, non_null,
    put, text,
};
use crate::model::{ServableMetadata, TensorMetadata};
use crate::server::SERVER;
use crate::status::{Error, Result, StatusCode};
use std::ffi::{c_char, c_void};

/// A snapshot of the version's inputs and outputs, owned by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_GetServableMetadata(
    server: *mut OVMS_Server,
    servableName: *const c_char,
    servableVersion: i64,
    metadata: *mut *mut OVMS_ServableMetadata,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(server, "server")?;
        let name = unsafe { text(servableName, "servable name") }?;
        non_null(metadata, "servable metadata")?;
        let servable = SERVER.manager()?.servable(&name, servableVersion)?;
        let snapshot = ServableMetadata::of(servable.loaded());
        unsafe {
            put(
                metadata,
                Box::into_raw(Box::new(OVMS_ServableMetadata(snapshot))),
            )
        };
        Ok(())
    })
}

unsafe fn count(
    metadata: *mut OVMS_ServableMetadata,
    count: *mut u32,
    pick: fn(&ServableMetadata) -> usize,
) -> *mut OVMS_Status {
    ffi(|| {
        let metadata = unsafe { handle(metadata, "servable metadata") }?;
        non_null(count, "count")?;
        unsafe { put(count, pick(&metadata.0) as u32) };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataInputCount(
    metadata: *mut OVMS_ServableMetadata,
    count: *mut u32,
) -> *mut OVMS_Status {
    unsafe { self::count(metadata, count, |m| m.inputs.len()) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataOutputCount(
    metadata: *mut OVMS_ServableMetadata,
    count: *mut u32,
) -> *mut OVMS_Status {
    unsafe { self::count(metadata, count, |m| m.outputs.len()) }
}

#[allow(clippy::too_many_arguments)]
unsafe fn describe(
    metadata: *mut OVMS_ServableMetadata,
    id: u32,
    name: *mut *const c_char,
    datatype: *mut DataTypeArg,
    dim_count: *mut usize,
    shape_min: *mut *mut i64,
    shape_max: *mut *mut i64,
    pick: fn(&mut ServableMetadata) -> &mut Vec<TensorMetadata>,
) -> *mut OVMS_Status {
    ffi(|| {
        let metadata = unsafe { handle(metadata, "servable metadata") }?;
        non_null(name, "name")?;
        non_null(datatype, "data type")?;
        non_null(dim_count, "dimension count")?;
        non_null(shape_min, "shape min array")?;
        non_null(shape_max, "shape max array")?;
        let tensors = pick(&mut metadata.0);
        let total = tensors.len();
        let tensor: Result<&mut TensorMetadata> = tensors.get_mut(id as usize).ok_or_else(|| {
            Error::with(
                StatusCode::NONEXISTENT_TENSOR,
                format!("tensor id {id} of {total}"),
            )
        });
        let tensor = tensor?;
        unsafe {
            put(name, tensor.name.as_ptr());
            put(datatype, DataTypeArg(tensor.datatype as u32));
            put(dim_count, tensor.shape_min.len());
            put(shape_min, tensor.shape_min.as_mut_ptr());
            put(shape_max, tensor.shape_max.as_mut_ptr());
        }
        Ok(())
    })
}

/// Input `id` in name order; the arrays are owned by the metadata object.
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
    unsafe {
        describe(
            metadata,
            id,
            name,
            datatype,
            dimCount,
            shapeMinArray,
            shapeMaxArray,
            |m| &mut m.inputs,
        )
    }
}

/// Output `id` in name order; the arrays are owned by the metadata object.
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
    unsafe {
        describe(
            metadata,
            id,
            name,
            datatype,
            dimCount,
            shapeMinArray,
            shapeMaxArray,
            |m| &mut m.outputs,
        )
    }
}

/// In OVMS this hands out a C++ `ov::AnyMap*`, which a C library cannot provide:
/// `NOT_IMPLEMENTED` after the usual argument checks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataInfo(
    metadata: *mut OVMS_ServableMetadata,
    info: *mut *const c_void,
) -> *mut OVMS_Status {
    ffi(|| {
        non_null(metadata, "servable metadata")?;
        non_null(info, "info")?;
        Err(Error::with(
            StatusCode::NOT_IMPLEMENTED,
            "the model info is a C++ ov::AnyMap, not available through this C library",
        ))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn OVMS_ServableMetadataDelete(metadata: *mut OVMS_ServableMetadata) {
    ffi_void(|| {
        if !metadata.is_null() {
            drop(unsafe { Box::from_raw(metadata) });
        }
    })
}
