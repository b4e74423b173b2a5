//! The types of the C header: opaque handles, the four enums, the callback typedef, and the
//! integer carriers through which enum arguments arrive (validated, never transmuted).

use crate::config::{ModelsSettings, ServerSettings};
use crate::inference::{Request, Response};
use crate::model::ServableMetadata;
use std::ffi::{CString, c_void};

pub const OVMS_API_VERSION_MAJOR: u32 = 1;
pub const OVMS_API_VERSION_MINOR: u32 = 3;

/// The server: a process-wide singleton.
pub struct OVMS_Server {
    pub(crate) _private: [u8; 0],
}

/// An error: its OVMS status code and details text. Owned by the caller (`OVMS_StatusDelete`).
pub struct OVMS_Status {
    pub(crate) code: u32,
    pub(crate) details: CString,
}

pub struct OVMS_ServerSettings(pub(crate) ServerSettings);
pub struct OVMS_ModelsSettings(pub(crate) ModelsSettings);
/// Server metadata, a JSON object.
pub struct OVMS_Metadata(pub(crate) serde_json::Value);
pub struct OVMS_ServableMetadata(pub(crate) ServableMetadata);
pub struct OVMS_InferenceRequest(pub(crate) Request);
pub struct OVMS_InferenceResponse(pub(crate) Response);

/// Completion callback: `flag` 0 with a response the callee owns, or 1 with NULL on failure.
pub type OVMS_InferenceRequestCompletionCallback_t = Option<
    unsafe extern "C" fn(response: *mut OVMS_InferenceResponse, flag: u32, userstruct: *mut c_void),
>;

/// Tensor element types.
#[repr(C)]
pub enum OVMS_DataType {
    OVMS_DATATYPE_BF16 = 0,
    OVMS_DATATYPE_FP64 = 1,
    OVMS_DATATYPE_FP32 = 2,
    OVMS_DATATYPE_FP16 = 3,
    OVMS_DATATYPE_I64 = 4,
    OVMS_DATATYPE_I32 = 5,
    OVMS_DATATYPE_I16 = 6,
    OVMS_DATATYPE_I8 = 7,
    OVMS_DATATYPE_I4 = 8,
    OVMS_DATATYPE_U64 = 9,
    OVMS_DATATYPE_U32 = 10,
    OVMS_DATATYPE_U16 = 11,
    OVMS_DATATYPE_U8 = 12,
    OVMS_DATATYPE_U4 = 13,
    OVMS_DATATYPE_U1 = 14,
    OVMS_DATATYPE_BOOL = 15,
    OVMS_DATATYPE_CUSTOM = 16,
    OVMS_DATATYPE_UNDEFINED = 17,
    OVMS_DATATYPE_DYNAMIC = 18,
    OVMS_DATATYPE_MIXED = 19,
    OVMS_DATATYPE_Q78 = 20,
    OVMS_DATATYPE_BIN = 21,
    OVMS_DATATYPE_STRING = 22,
    OVMS_DATATYPE_END = 23,
}

/// Where a buffer lives. Only `OVMS_BUFFERTYPE_CPU` is bound by this library; OpenCL and VA
/// buffers are C++ objects in OVMS and are refused with `INVALID_BUFFER_TYPE`.
#[repr(C)]
pub enum OVMS_BufferType {
    OVMS_BUFFERTYPE_CPU = 0,
    OVMS_BUFFERTYPE_CPU_PINNED = 1,
    OVMS_BUFFERTYPE_GPU = 2,
    OVMS_BUFFERTYPE_OPENCL = 3,
    OVMS_BUFFERTYPE_VASURFACE_Y = 4,
    OVMS_BUFFERTYPE_VASURFACE_UV = 5,
    OVMS_BUFFERTYPE_HDDL = 6,
}

/// States of a servable version.
#[repr(C)]
pub enum OVMS_ServableState {
    OVMS_STATE_BEGIN = 0,
    OVMS_STATE_LOADING = 1,
    OVMS_STATE_AVAILABLE = 2,
    OVMS_STATE_UNLOADING = 3,
    OVMS_STATE_RETIRED = 4,
    OVMS_STATE_LOADING_FAILED = 5,
}

#[repr(C)]
pub enum OVMS_LogLevel {
    OVMS_LOG_TRACE = 0,
    OVMS_LOG_DEBUG = 1,
    OVMS_LOG_INFO = 2,
    OVMS_LOG_WARNING = 3,
    OVMS_LOG_ERROR = 4,
}

// The header names these carriers after the enums (cbindgen.toml renames them), so C sees
// `OVMS_DataType` while Rust receives a plain integer that may hold any value.

#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct DataTypeArg(pub u32);

#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct BufferTypeArg(pub u32);

#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct LogLevelArg(pub u32);

#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct ServableStateArg(pub u32);
