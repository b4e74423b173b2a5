//! The types of the C header: opaque handles, the four enums, the callback typedef, and the
//! integer carriers through which enum arguments arrive (validated, never transmuted).

use crate::inference::Request;
use crate::status::Result;
use std::ffi::{CString, c_void};

pub const OVMS_API_VERSION_MAJOR: u32 = 1;
pub const OVMS_API_VERSION_MINOR: u32 = 3;

/// The server: a process-wide singleton. `OVMS_ServerNew` hands out the same pointer every
/// time; nothing frees it (`OVMS_ServerDelete` stops it, and it can be started again).
pub struct OVMS_Server {
    pub(crate) _private: [u8; 0],
}

/// An error: an OVMS status code and its details text. The caller owns it and frees it with
/// `OVMS_StatusDelete`.
pub struct OVMS_Status {
    _private: [u8; 0],
}

/// Server settings. The caller owns them (`OVMS_ServerSettingsDelete`); a start copies what it
/// needs, so they may be deleted right after it.
pub struct OVMS_ServerSettings {
    _private: [u8; 0],
}

/// Models settings (the config file path). The caller owns them (`OVMS_ModelsSettingsDelete`);
/// a start copies what it needs.
pub struct OVMS_ModelsSettings {
    _private: [u8; 0],
}

/// Server metadata, a JSON object. The caller owns it and frees it with
/// `OVMS_ServerMetadataDelete`.
pub struct OVMS_Metadata {
    _private: [u8; 0],
}

/// A snapshot of a servable version's inputs and outputs. The caller owns it and frees it with
/// `OVMS_ServableMetadataDelete`; the names and arrays it hands out are borrowed from it.
pub struct OVMS_ServableMetadata {
    _private: [u8; 0],
}

/// An inference request. The caller owns it (`OVMS_InferenceRequestDelete`) and the buffers it
/// references, which must stay valid until the inference completes.
pub struct OVMS_InferenceRequest {
    _private: [u8; 0],
}

/// An inference response. Its receiver owns it (the caller of `OVMS_Inference`, or the
/// completion callback) and frees it with `OVMS_InferenceResponseDelete`.
pub struct OVMS_InferenceResponse {
    _private: [u8; 0],
}

/// What an `OVMS_Status` handle holds.
pub struct StatusValue {
    pub(crate) code: u32,
    pub(crate) details: CString,
}

/// What an `OVMS_InferenceRequest` handle holds: the request, and the C callback the host set.
pub struct CRequest {
    pub(crate) request: Request,
    pub(crate) completion: Option<UserCallback>,
}

/// Completion callback: `flag` 0 with a response the callee owns, or 1 with NULL on failure.
pub type OVMS_InferenceRequestCompletionCallback_t = Option<
    unsafe extern "C" fn(response: *mut OVMS_InferenceResponse, flag: u32, userstruct: *mut c_void),
>;

/// A host's completion callback and its user pointer.
#[derive(Clone, Copy)]
pub(crate) struct UserCallback {
    pub(crate) callback: unsafe extern "C" fn(
        response: *mut OVMS_InferenceResponse,
        flag: u32,
        userstruct: *mut c_void,
    ),
    pub(crate) user: *mut c_void,
}

// SAFETY: OVMS calls completion callbacks on its own threads; a host that sets one accepts that
// its user pointer is used from another thread.
unsafe impl Send for UserCallback {}

impl UserCallback {
    /// Calls the host back: `(response, 0)`, the callee owning the response, or `(NULL, 1)`.
    pub(crate) fn call(self, result: &Result<*mut OVMS_InferenceResponse>) {
        let (response, flag) = match result {
            Ok(response) => (*response, 0),
            Err(_) => (std::ptr::null_mut(), 1),
        };
        // SAFETY: the host set this callback for this purpose; the response (if any) is a
        // live handle whose ownership passes to the callee.
        unsafe { (self.callback)(response, flag, self.user) }
    }
}

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

/// Log levels, most verbose first.
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
