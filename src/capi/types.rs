//! The types of the C header: opaque handles, the four enums, the callback typedef, and the
//! integer carriers through which enum arguments arrive (validated, never transmuted).

use crate::inference::Request;
use crate::status::{Result, StatusCode};
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

/// Defined when the header has `OVMS_ExStatusCode` (OVMS's own `ovms.h` does not).
pub const OVMS_EX_STATUS_CODES: u32 = 1;

/// OVMS's status codes as this library numbers them (OVMS v2026.3): the number
/// `OVMS_StatusCode` writes is one of these, so a host can compare it by name,
/// `if (code == OVMS_EX_NONEXISTENT_PTR)`. An extension (OVMS's header has no status enum and
/// OVMS renumbers between releases): a host that must also build against OVMS's own `ovms.h`
/// can test `#ifdef OVMS_EX_STATUS_CODES`. Each comment is the code's
/// canonical message, which `OVMS_StatusDetails` starts with; `OVMS_EX_PARTIAL_END` and
/// `OVMS_EX_STATUS_CODE_END` are OVMS's range markers, never reported.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum OVMS_ExStatusCode {
    /// OK
    OVMS_EX_OK = 0,
    /// The provided base path is invalid or doesn't exists
    OVMS_EX_PATH_INVALID = 1,
    /// Directory could not be created
    OVMS_EX_DIRECTORY_NOT_CREATED = 2,
    /// File not found or cannot open
    OVMS_EX_FILE_INVALID = 3,
    /// Configuration file not found or cannot open
    OVMS_EX_CONFIG_FILE_INVALID = 4,
    /// Error during filesystem operation
    OVMS_EX_FILESYSTEM_ERROR = 5,
    /// Error while loading a model
    OVMS_EX_MODEL_NOT_LOADED = 6,
    /// The file is not valid json
    OVMS_EX_JSON_INVALID = 7,
    /// JSON nesting depth exceeds the allowed limit
    OVMS_EX_JSON_NESTING_DEPTH_EXCEEDED = 8,
    /// Data serialization to json format failed
    OVMS_EX_JSON_SERIALIZATION_ERROR = 9,
    /// ModelInstance not found
    OVMS_EX_MODELINSTANCE_NOT_FOUND = 10,
    OVMS_EX_SHAPE_WRONG_FORMAT = 11,
    OVMS_EX_LAYOUT_WRONG_FORMAT = 12,
    OVMS_EX_FLOAT_WRONG_FORMAT = 13,
    OVMS_EX_COLOR_FORMAT_WRONG_FORMAT = 14,
    OVMS_EX_PRECISION_WRONG_FORMAT = 15,
    OVMS_EX_DIM_WRONG_FORMAT = 16,
    OVMS_EX_PLUGIN_CONFIG_WRONG_FORMAT = 17,
    OVMS_EX_PLUGIN_CONFIG_CONFLICTING_PARAMETERS = 18,
    OVMS_EX_MODEL_VERSION_POLICY_WRONG_FORMAT = 19,
    OVMS_EX_MODEL_VERSION_POLICY_UNSUPPORTED_KEY = 20,
    OVMS_EX_GRPC_CHANNEL_ARG_WRONG_FORMAT = 21,
    OVMS_EX_CONFIG_FILE_TIMESTAMP_READING_FAILED = 22,
    OVMS_EX_NO_MODEL_VERSION_AVAILABLE = 23,
    OVMS_EX_RESHAPE_ERROR = 24,
    OVMS_EX_RESHAPE_REQUIRED = 25,
    OVMS_EX_BATCHSIZE_CHANGE_REQUIRED = 26,
    OVMS_EX_FORBIDDEN_MODEL_DYNAMIC_PARAMETER = 27,
    OVMS_EX_ANONYMOUS_FIXED_SHAPE_NOT_ALLOWED = 28,
    OVMS_EX_ANONYMOUS_FIXED_LAYOUT_NOT_ALLOWED = 29,
    OVMS_EX_CONFIG_SHAPE_IS_NOT_IN_MODEL = 30,
    OVMS_EX_CONFIG_LAYOUT_IS_NOT_IN_MODEL = 31,
    OVMS_EX_CONFIG_SHAPE_MAPPED_BUT_USED_REAL_NAME = 32,
    OVMS_EX_CONFIG_LAYOUT_MAPPED_BUT_USED_REAL_NAME = 33,
    OVMS_EX_CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE = 34,
    OVMS_EX_REQUESTED_DYNAMIC_PARAMETERS_ON_SUBSCRIBED_MODEL = 35,
    OVMS_EX_CANNOT_CONVERT_FLAT_SHAPE = 36,
    OVMS_EX_INVALID_BATCH_DIMENSION = 37,
    OVMS_EX_ALLOW_CACHE_WITH_CUSTOM_LOADER = 38,
    OVMS_EX_LAYOUT_INCOMPATIBLE_WITH_SHAPE = 39,
    OVMS_EX_MODEL_WITH_SCALAR_AUTO_UNSUPPORTED = 40,
    /// Cannot load model with no inputs
    OVMS_EX_OV_NO_INPUTS = 41,
    OVMS_EX_OV_NO_OUTPUTS = 42,
    /// Model with requested name and/or version is not found
    OVMS_EX_MODEL_MISSING = 43,
    /// Model config is invalid
    OVMS_EX_MODEL_CONFIG_INVALID = 44,
    /// Model with requested name is not found
    OVMS_EX_MODEL_NAME_MISSING = 45,
    /// Given model name is already occupied
    OVMS_EX_MODEL_NAME_OCCUPIED = 46,
    /// Model with requested version is not found
    OVMS_EX_MODEL_VERSION_MISSING = 47,
    /// Model with requested version is retired
    OVMS_EX_MODEL_VERSION_NOT_LOADED_ANYMORE = 48,
    /// Model with requested version is not loaded yet
    OVMS_EX_MODEL_VERSION_NOT_LOADED_YET = 49,
    /// Nireq parameter too high
    OVMS_EX_INVALID_NIREQ = 50,
    /// Invalid number of inputs
    OVMS_EX_INVALID_NO_OF_INPUTS = 51,
    /// Missing input with specific name
    OVMS_EX_INVALID_MISSING_INPUT = 52,
    /// Unexpected input
    OVMS_EX_INVALID_UNEXPECTED_INPUT = 53,
    /// Missing output with specific name
    OVMS_EX_INVALID_MISSING_OUTPUT = 54,
    /// Invalid number of shape dimensions
    OVMS_EX_INVALID_NO_OF_SHAPE_DIMENSIONS = 55,
    /// Invalid input batch size
    OVMS_EX_INVALID_BATCH_SIZE = 56,
    /// Invalid input shape
    OVMS_EX_INVALID_SHAPE = 57,
    /// Invalid input precision
    OVMS_EX_INVALID_PRECISION = 58,
    /// Invalid number of values in tensor proto container
    OVMS_EX_INVALID_VALUE_COUNT = 59,
    /// Invalid content size of tensor proto
    OVMS_EX_INVALID_CONTENT_SIZE = 60,
    /// Passing buffers both in ModelInferRequest::InferInputTensor::contents and in ModelInferRequest::raw_input_contents is not allowed
    OVMS_EX_INVALID_MESSAGE_STRUCTURE = 61,
    /// Invalid input buffer type
    OVMS_EX_INVALID_BUFFER_TYPE = 62,
    /// Invalid input buffer device id
    OVMS_EX_INVALID_DEVICE_ID = 63,
    /// Invalid string input
    OVMS_EX_INVALID_STRING_INPUT = 64,
    /// Inputs inside buffer does not match expected format.
    OVMS_EX_INVALID_INPUT_FORMAT = 65,
    /// Maximum 2D array after string conversion exceeded 1GB
    OVMS_EX_INVALID_STRING_MAX_SIZE_EXCEEDED = 66,
    /// Unsupported deserialization precision
    OVMS_EX_OV_UNSUPPORTED_DESERIALIZATION_PRECISION = 67,
    /// Internal deserialization error
    OVMS_EX_OV_INTERNAL_DESERIALIZATION_ERROR = 68,
    /// Internal inference error
    OVMS_EX_OV_INTERNAL_INFERENCE_ERROR = 69,
    /// Unsupported serialization precision
    OVMS_EX_OV_UNSUPPORTED_SERIALIZATION_PRECISION = 70,
    /// Internal serialization error
    OVMS_EX_OV_INTERNAL_SERIALIZATION_ERROR = 71,
    /// Error during tensor clone
    OVMS_EX_OV_CLONE_TENSOR_ERROR = 72,
    /// Invalid signature name
    OVMS_EX_INVALID_SIGNATURE_DEF = 73,
    /// model_spec missing in request
    OVMS_EX_MODEL_SPEC_MISSING = 74,
    /// invalid model version format in request
    OVMS_EX_MODEL_VERSION_INVALID_FORMAT = 75,
    /// Internal server error
    OVMS_EX_INTERNAL_ERROR = 76,
    /// Unknown error
    OVMS_EX_UNKNOWN_ERROR = 77,
    /// Functionality not implemented
    OVMS_EX_NOT_IMPLEMENTED = 78,
    OVMS_EX_S3_BUCKET_NOT_FOUND = 79,
    OVMS_EX_S3_METADATA_FAIL = 80,
    OVMS_EX_S3_FAILED_LIST_OBJECTS = 81,
    OVMS_EX_S3_FAILED_GET_TIME = 82,
    OVMS_EX_S3_INVALID_ACCESS = 83,
    OVMS_EX_S3_FILE_NOT_FOUND = 84,
    OVMS_EX_S3_FILE_INVALID = 85,
    OVMS_EX_S3_FAILED_GET_OBJECT = 86,
    OVMS_EX_GCS_BUCKET_NOT_FOUND = 87,
    OVMS_EX_GCS_METADATA_FAIL = 88,
    OVMS_EX_GCS_FAILED_LIST_OBJECTS = 89,
    OVMS_EX_GCS_FAILED_GET_TIME = 90,
    OVMS_EX_GCS_INVALID_ACCESS = 91,
    OVMS_EX_GCS_FILE_NOT_FOUND = 92,
    OVMS_EX_GCS_FILE_INVALID = 93,
    OVMS_EX_GCS_FAILED_GET_OBJECT = 94,
    OVMS_EX_GCS_INCORRECT_REQUESTED_OBJECT_TYPE = 95,
    OVMS_EX_AS_INVALID_PATH = 96,
    OVMS_EX_AS_CONTAINER_NOT_FOUND = 97,
    OVMS_EX_AS_SHARE_NOT_FOUND = 98,
    OVMS_EX_AS_METADATA_FAIL = 99,
    OVMS_EX_AS_FAILED_LIST_OBJECTS = 100,
    OVMS_EX_AS_FAILED_GET_TIME = 101,
    OVMS_EX_AS_INVALID_ACCESS = 102,
    OVMS_EX_AS_FILE_NOT_FOUND = 103,
    OVMS_EX_AS_FILE_INVALID = 104,
    OVMS_EX_AS_FAILED_GET_OBJECT = 105,
    OVMS_EX_AS_INCORRECT_REQUESTED_OBJECT_TYPE = 106,
    OVMS_EX_REST_NOT_FOUND = 107,
    OVMS_EX_REST_COULD_NOT_PARSE_VERSION = 108,
    OVMS_EX_REST_INVALID_URL = 109,
    OVMS_EX_REST_UNSUPPORTED_METHOD = 110,
    OVMS_EX_UNKNOWN_REQUEST_COMPONENTS_TYPE = 111,
    OVMS_EX_FAILED_TO_PARSE_MULTIPART_CONTENT_TYPE = 112,
    OVMS_EX_FAILED_TO_DEDUCE_MODEL_NAME_FROM_URI = 113,
    OVMS_EX_UNAUTHORIZED = 114,
    OVMS_EX_REST_BODY_IS_NOT_AN_OBJECT = 115,
    OVMS_EX_REST_PREDICT_UNKNOWN_ORDER = 116,
    OVMS_EX_REST_INSTANCES_NOT_AN_ARRAY = 117,
    OVMS_EX_REST_NAMED_INSTANCE_NOT_AN_OBJECT = 118,
    OVMS_EX_REST_INPUT_NOT_PREALLOCATED = 119,
    OVMS_EX_REST_NO_INSTANCES_FOUND = 120,
    OVMS_EX_REST_INSTANCES_NOT_NAMED_OR_NONAMED = 121,
    OVMS_EX_REST_COULD_NOT_PARSE_INSTANCE = 122,
    OVMS_EX_REST_INSTANCES_BATCH_SIZE_DIFFER = 123,
    OVMS_EX_REST_INPUTS_NOT_AN_OBJECT = 124,
    OVMS_EX_REST_NO_INPUTS_FOUND = 125,
    OVMS_EX_REST_COULD_NOT_PARSE_INPUT = 126,
    OVMS_EX_REST_COULD_NOT_PARSE_OUTPUT = 127,
    OVMS_EX_REST_COULD_NOT_PARSE_PARAMETERS = 128,
    OVMS_EX_REST_PROTO_TO_STRING_ERROR = 129,
    OVMS_EX_REST_BASE64_DECODE_ERROR = 130,
    OVMS_EX_REST_UNSUPPORTED_PRECISION = 131,
    OVMS_EX_REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE = 132,
    OVMS_EX_REST_SERIALIZE_VAL_FIELD_INVALID_SIZE = 133,
    OVMS_EX_REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED = 134,
    OVMS_EX_REST_BINARY_DATA_SIZE_PARAMETER_INVALID = 135,
    OVMS_EX_REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID = 136,
    OVMS_EX_REST_BINARY_BUFFER_EXCEEDED = 137,
    OVMS_EX_REST_CONTENTS_FIELD_NOT_EMPTY = 138,
    OVMS_EX_PIPELINE_DEFINITION_ALREADY_EXIST = 139,
    OVMS_EX_PIPELINE_NODE_WRONG_KIND_CONFIGURATION = 140,
    OVMS_EX_PIPELINE_MULTIPLE_ENTRY_NODES = 141,
    OVMS_EX_PIPELINE_MULTIPLE_EXIT_NODES = 142,
    OVMS_EX_PIPELINE_MISSING_ENTRY_OR_EXIT = 143,
    /// Pipeline with requested name is not found
    OVMS_EX_PIPELINE_DEFINITION_NAME_MISSING = 144,
    /// Pipeline is retired
    OVMS_EX_PIPELINE_DEFINITION_NOT_LOADED_ANYMORE = 145,
    /// Pipeline is not loaded yet
    OVMS_EX_PIPELINE_DEFINITION_NOT_LOADED_YET = 146,
    OVMS_EX_PIPELINE_NODE_NAME_DUPLICATE = 147,
    OVMS_EX_PIPELINE_STREAM_ID_NOT_READY_YET = 148,
    OVMS_EX_PIPELINE_CYCLE_FOUND = 149,
    OVMS_EX_PIPELINE_CONTAINS_UNCONNECTED_NODES = 150,
    OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_NODE = 151,
    OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_MODEL = 152,
    OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE = 153,
    OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT = 154,
    OVMS_EX_PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT = 155,
    OVMS_EX_PIPELINE_NOT_ALL_INPUTS_CONNECTED = 156,
    OVMS_EX_PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES = 157,
    OVMS_EX_PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY = 158,
    OVMS_EX_PIPELINE_NAME_OCCUPIED = 159,
    OVMS_EX_PIPELINE_DEFINITION_INVALID_NODE_LIBRARY = 160,
    OVMS_EX_PIPELINE_INCONSISTENT_SHARD_DIMENSIONS = 161,
    OVMS_EX_PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY = 162,
    OVMS_EX_PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY = 163,
    OVMS_EX_PIPELINE_TRIED_TO_SET_THE_SAME_INPUT_TWICE = 164,
    OVMS_EX_PIPELINE_TRIED_TO_SET_INPUT_SHARD_FOR_ORDINARY_INPUT_HANDLER = 165,
    OVMS_EX_PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE = 166,
    OVMS_EX_PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER = 167,
    OVMS_EX_PIPELINE_NODE_GATHER_FROM_ENTRY_NODE = 168,
    OVMS_EX_PIPELINE_DEMULTIPLY_ENTRY_NODE = 169,
    OVMS_EX_PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT = 170,
    OVMS_EX_PIPELINE_MANUAL_GATHERING_FROM_MULTIPLE_NODES_NOT_SUPPORTED = 171,
    OVMS_EX_PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY = 172,
    OVMS_EX_PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY = 173,
    OVMS_EX_PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER = 174,
    OVMS_EX_PIPELINE_DEMULTIPLEXER_NO_RESULTS = 175,
    OVMS_EX_PIPELINE_INPUTS_AMBIGUOUS_METADATA = 176,
    OVMS_EX_PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED = 177,
    OVMS_EX_MEDIAPIPE_DESERIALIZATION_ERROR = 178,
    OVMS_EX_MEDIAPIPE_GRAPH_CONFIG_FILE_INVALID = 179,
    OVMS_EX_MEDIAPIPE_GRAPH_INITIALIZATION_ERROR = 180,
    OVMS_EX_MEDIAPIPE_GRAPH_ADD_OUTPUT_STREAM_ERROR = 181,
    OVMS_EX_MEDIAPIPE_GRAPH_START_ERROR = 182,
    OVMS_EX_MEDIAPIPE_GRAPH_CLOSE_INPUT_STREAM_ERROR = 183,
    OVMS_EX_MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM = 184,
    /// Mediapipe graph definition with requested name is not found
    OVMS_EX_MEDIAPIPE_DEFINITION_NAME_MISSING = 185,
    OVMS_EX_MEDIAPIPE_EXECUTION_ERROR = 186,
    /// Mediapipe is retired
    OVMS_EX_MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE = 187,
    /// Mediapipe is not loaded yet
    OVMS_EX_MEDIAPIPE_DEFINITION_NOT_LOADED_YET = 188,
    OVMS_EX_MEDIAPIPE_KFS_PASS_WRONG_INPUT_STREAM_COUNT = 189,
    OVMS_EX_MEDIAPIPE_WRONG_INPUT_STREAM_PACKET_NAME = 190,
    OVMS_EX_MEDIAPIPE_WRONG_INPUT_SIDE_PACKET_STREAM_PACKET_NAME = 191,
    OVMS_EX_MEDIAPIPE_KFS_PASS_WRONG_OUTPUT_STREAM_COUNT = 192,
    OVMS_EX_MEDIAPIPE_WRONG_OUTPUT_STREAM_PACKET_NAME = 193,
    OVMS_EX_MEDIAPIPE_KFS_PASSTHROUGH_MISSING_OUTPUT_RESPONSE_TAG = 194,
    OVMS_EX_MEDIAPIPE_KFS_PASSTHROUGH_MISSING_INPUT_REQUEST_TAG = 195,
    OVMS_EX_MEDIAPIPE_GRAPH_NAME_OCCUPIED = 196,
    OVMS_EX_MEDIAPIPE_INVALID_TIMESTAMP = 197,
    OVMS_EX_MEDIAPIPE_UNINITIALIZED_STREAM_CLOSURE = 198,
    OVMS_EX_MEDIAPIPE_INCORRECT_SERVABLE_NAME = 199,
    OVMS_EX_MEDIAPIPE_INCORRECT_SERVABLE_VERSION = 200,
    OVMS_EX_MEDIAPIPE_PRECONDITION_FAILED = 201,
    OVMS_EX_PYTHON_NODE_NAME_ALREADY_EXISTS = 202,
    OVMS_EX_PYTHON_NODE_FILE_DOES_NOT_EXIST = 203,
    OVMS_EX_PYTHON_NODE_FILE_STATE_INITIALIZATION_FAILED = 204,
    OVMS_EX_PYTHON_NODE_MISSING_OPTIONS = 205,
    OVMS_EX_PYTHON_NODE_MISSING_NAME = 206,
    OVMS_EX_LLM_NODE_NAME_ALREADY_EXISTS = 207,
    OVMS_EX_LLM_NODE_DIRECTORY_DOES_NOT_EXIST = 208,
    OVMS_EX_LLM_NODE_PATH_DOES_NOT_EXIST_AND_NOT_GGUFFILE = 209,
    OVMS_EX_LLM_NODE_RESOURCE_STATE_INITIALIZATION_FAILED = 210,
    OVMS_EX_LLM_NODE_MISSING_OPTIONS = 211,
    OVMS_EX_LLM_NODE_MISSING_NAME = 212,
    OVMS_EX_CUSTOM_LOADER_LIBRARY_INVALID = 213,
    OVMS_EX_CUSTOM_LOADER_LIBRARY_LOAD_FAILED = 214,
    OVMS_EX_CUSTOM_LOADER_EXISTS = 215,
    OVMS_EX_CUSTOM_LOADER_NOT_PRESENT = 216,
    OVMS_EX_CUSTOM_LOADER_INIT_FAILED = 217,
    OVMS_EX_CUSTOM_LOADER_ERROR = 218,
    OVMS_EX_NODE_LIBRARY_ALREADY_LOADED = 219,
    OVMS_EX_NODE_LIBRARY_LOAD_FAILED_OPEN = 220,
    OVMS_EX_NODE_LIBRARY_LOAD_FAILED_SYM = 221,
    OVMS_EX_NODE_LIBRARY_MISSING = 222,
    OVMS_EX_NODE_LIBRARY_MISSING_OUTPUT = 223,
    OVMS_EX_NODE_LIBRARY_EXECUTION_FAILED = 224,
    OVMS_EX_NODE_LIBRARY_OUTPUTS_CORRUPTED = 225,
    OVMS_EX_NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT = 226,
    OVMS_EX_NODE_LIBRARY_INVALID_PRECISION = 227,
    OVMS_EX_NODE_LIBRARY_INVALID_SHAPE = 228,
    OVMS_EX_NODE_LIBRARY_INVALID_CONTENT_SIZE = 229,
    OVMS_EX_NODE_LIBRARY_METADATA_FAILED = 230,
    OVMS_EX_NODE_LIBRARY_OUTPUT_MISSING_NAME = 231,
    OVMS_EX_NODE_LIBRARY_INITIALIZE_FAILED = 232,
    OVMS_EX_IMAGE_PARSING_FAILED = 233,
    OVMS_EX_UNSUPPORTED_LAYOUT = 234,
    OVMS_EX_INVALID_NO_OF_CHANNELS = 235,
    OVMS_EX_BINARY_IMAGES_RESOLUTION_MISMATCH = 236,
    OVMS_EX_STRING_VAL_EMPTY = 237,
    OVMS_EX_BYTES_CONTENTS_EMPTY = 238,
    /// Config reload was not needed
    OVMS_EX_OK_NOT_RELOADED = 239,
    /// Config reload successful
    OVMS_EX_OK_RELOADED = 240,
    /// Metrics config endpoint path is invalid
    OVMS_EX_INVALID_METRICS_ENDPOINT = 241,
    /// Invalid name in metrics_list
    OVMS_EX_INVALID_METRICS_FAMILY_NAME = 242,
    /// Missing rest_port parameter in server CLI
    OVMS_EX_METRICS_REST_PORT_MISSING = 243,
    /// Cannot set buffer more than once to the same tensor
    OVMS_EX_DOUBLE_BUFFER_SET = 244,
    /// Cannot insert more than one tensor with the same name
    OVMS_EX_DOUBLE_TENSOR_INSERT = 245,
    /// Cannot insert more than one parameter with the same name
    OVMS_EX_DOUBLE_PARAMETER_INSERT = 246,
    /// Output does not contain buffer
    OVMS_EX_NONEXISTENT_BUFFER = 247,
    /// Tried to remove nonexisting buffer
    OVMS_EX_NONEXISTENT_BUFFER_FOR_REMOVAL = 248,
    /// Tried to use nonexisting parameter
    OVMS_EX_NONEXISTENT_PARAMETER = 249,
    /// Tried to get nonexisting tensor
    OVMS_EX_NONEXISTENT_TENSOR = 250,
    /// Tried to set buffer for nonexisting tensor
    OVMS_EX_NONEXISTENT_TENSOR_FOR_SET_BUFFER = 251,
    /// Tried to remove buffer for nonexisting tensor
    OVMS_EX_NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER = 252,
    /// Tried to remove nonexisting tensor
    OVMS_EX_NONEXISTENT_TENSOR_FOR_REMOVAL = 253,
    /// Tried to use nonexisting log level
    OVMS_EX_NONEXISTENT_LOG_LEVEL = 254,
    /// Tried to use nonexisting pointer
    OVMS_EX_NONEXISTENT_PTR = 255,
    /// Server is not ready
    OVMS_EX_SERVER_NOT_READY = 256,
    /// options validation error
    OVMS_EX_OPTIONS_USAGE_ERROR = 257,
    /// Failed to start gRPC server
    OVMS_EX_FAILED_TO_START_GRPC_SERVER = 258,
    /// Failed to start REST server
    OVMS_EX_FAILED_TO_START_REST_SERVER = 259,
    /// Server has already started
    OVMS_EX_SERVER_ALREADY_STARTED = 260,
    /// Server is already starting
    OVMS_EX_SERVER_ALREADY_STARTING = 261,
    /// Module already inserted
    OVMS_EX_MODULE_ALREADY_INSERTED = 262,
    OVMS_EX_HF_FAILED_TO_INIT_LIBGIT2 = 263,
    OVMS_EX_HF_FAILED_TO_INIT_OPTIMUM_CLI = 264,
    OVMS_EX_HF_RUN_OPTIMUM_CLI_EXPORT_FAILED = 265,
    OVMS_EX_HF_RUN_CONVERT_TOKENIZER_EXPORT_FAILED = 266,
    OVMS_EX_HF_GIT_CLONE_CANCELLED = 267,
    OVMS_EX_HF_GIT_CLONE_FAILED = 268,
    OVMS_EX_HF_GIT_STATUS_FAILED = 269,
    OVMS_EX_HF_GIT_STATUS_FAILED_TO_RESOLVE_PATH = 270,
    OVMS_EX_HF_GIT_LIBGIT2_NOT_INITIALIZED = 271,
    OVMS_EX_HF_GIT_LIBGIT2_LFS_DOWNLOAD_FAILED = 272,
    OVMS_EX_HF_GIT_STATUS_UNCLEAN = 273,
    OVMS_EX_PARTIAL_END = 274,
    OVMS_EX_NONEXISTENT_PATH = 275,
    OVMS_EX_DEFAULT_EXCEEDS_MAXIMUM_ALLOWED_RESOLUTION = 276,
    OVMS_EX_DEVICE_WRONG_FORMAT = 277,
    OVMS_EX_SHAPE_DYNAMIC_BUT_NPU_USED = 278,
    OVMS_EX_STATIC_RESOLUTION_MISUSE = 279,
    OVMS_EX_STATUS_CODE_END = 280,
}

impl From<StatusCode> for OVMS_ExStatusCode {
    /// Every code has its exported twin (a new `StatusCode` without one does not compile).
    fn from(code: StatusCode) -> Self {
        match code {
            StatusCode::OK => OVMS_ExStatusCode::OVMS_EX_OK,
            StatusCode::PATH_INVALID => OVMS_ExStatusCode::OVMS_EX_PATH_INVALID,
            StatusCode::DIRECTORY_NOT_CREATED => OVMS_ExStatusCode::OVMS_EX_DIRECTORY_NOT_CREATED,
            StatusCode::FILE_INVALID => OVMS_ExStatusCode::OVMS_EX_FILE_INVALID,
            StatusCode::CONFIG_FILE_INVALID => OVMS_ExStatusCode::OVMS_EX_CONFIG_FILE_INVALID,
            StatusCode::FILESYSTEM_ERROR => OVMS_ExStatusCode::OVMS_EX_FILESYSTEM_ERROR,
            StatusCode::MODEL_NOT_LOADED => OVMS_ExStatusCode::OVMS_EX_MODEL_NOT_LOADED,
            StatusCode::JSON_INVALID => OVMS_ExStatusCode::OVMS_EX_JSON_INVALID,
            StatusCode::JSON_NESTING_DEPTH_EXCEEDED => OVMS_ExStatusCode::OVMS_EX_JSON_NESTING_DEPTH_EXCEEDED,
            StatusCode::JSON_SERIALIZATION_ERROR => OVMS_ExStatusCode::OVMS_EX_JSON_SERIALIZATION_ERROR,
            StatusCode::MODELINSTANCE_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_MODELINSTANCE_NOT_FOUND,
            StatusCode::SHAPE_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_SHAPE_WRONG_FORMAT,
            StatusCode::LAYOUT_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_LAYOUT_WRONG_FORMAT,
            StatusCode::FLOAT_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_FLOAT_WRONG_FORMAT,
            StatusCode::COLOR_FORMAT_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_COLOR_FORMAT_WRONG_FORMAT,
            StatusCode::PRECISION_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_PRECISION_WRONG_FORMAT,
            StatusCode::DIM_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_DIM_WRONG_FORMAT,
            StatusCode::PLUGIN_CONFIG_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_PLUGIN_CONFIG_WRONG_FORMAT,
            StatusCode::PLUGIN_CONFIG_CONFLICTING_PARAMETERS => OVMS_ExStatusCode::OVMS_EX_PLUGIN_CONFIG_CONFLICTING_PARAMETERS,
            StatusCode::MODEL_VERSION_POLICY_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_MODEL_VERSION_POLICY_WRONG_FORMAT,
            StatusCode::MODEL_VERSION_POLICY_UNSUPPORTED_KEY => OVMS_ExStatusCode::OVMS_EX_MODEL_VERSION_POLICY_UNSUPPORTED_KEY,
            StatusCode::GRPC_CHANNEL_ARG_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_GRPC_CHANNEL_ARG_WRONG_FORMAT,
            StatusCode::CONFIG_FILE_TIMESTAMP_READING_FAILED => OVMS_ExStatusCode::OVMS_EX_CONFIG_FILE_TIMESTAMP_READING_FAILED,
            StatusCode::NO_MODEL_VERSION_AVAILABLE => OVMS_ExStatusCode::OVMS_EX_NO_MODEL_VERSION_AVAILABLE,
            StatusCode::RESHAPE_ERROR => OVMS_ExStatusCode::OVMS_EX_RESHAPE_ERROR,
            StatusCode::RESHAPE_REQUIRED => OVMS_ExStatusCode::OVMS_EX_RESHAPE_REQUIRED,
            StatusCode::BATCHSIZE_CHANGE_REQUIRED => OVMS_ExStatusCode::OVMS_EX_BATCHSIZE_CHANGE_REQUIRED,
            StatusCode::FORBIDDEN_MODEL_DYNAMIC_PARAMETER => OVMS_ExStatusCode::OVMS_EX_FORBIDDEN_MODEL_DYNAMIC_PARAMETER,
            StatusCode::ANONYMOUS_FIXED_SHAPE_NOT_ALLOWED => OVMS_ExStatusCode::OVMS_EX_ANONYMOUS_FIXED_SHAPE_NOT_ALLOWED,
            StatusCode::ANONYMOUS_FIXED_LAYOUT_NOT_ALLOWED => OVMS_ExStatusCode::OVMS_EX_ANONYMOUS_FIXED_LAYOUT_NOT_ALLOWED,
            StatusCode::CONFIG_SHAPE_IS_NOT_IN_MODEL => OVMS_ExStatusCode::OVMS_EX_CONFIG_SHAPE_IS_NOT_IN_MODEL,
            StatusCode::CONFIG_LAYOUT_IS_NOT_IN_MODEL => OVMS_ExStatusCode::OVMS_EX_CONFIG_LAYOUT_IS_NOT_IN_MODEL,
            StatusCode::CONFIG_SHAPE_MAPPED_BUT_USED_REAL_NAME => OVMS_ExStatusCode::OVMS_EX_CONFIG_SHAPE_MAPPED_BUT_USED_REAL_NAME,
            StatusCode::CONFIG_LAYOUT_MAPPED_BUT_USED_REAL_NAME => OVMS_ExStatusCode::OVMS_EX_CONFIG_LAYOUT_MAPPED_BUT_USED_REAL_NAME,
            StatusCode::CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE => OVMS_ExStatusCode::OVMS_EX_CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE,
            StatusCode::REQUESTED_DYNAMIC_PARAMETERS_ON_SUBSCRIBED_MODEL => OVMS_ExStatusCode::OVMS_EX_REQUESTED_DYNAMIC_PARAMETERS_ON_SUBSCRIBED_MODEL,
            StatusCode::CANNOT_CONVERT_FLAT_SHAPE => OVMS_ExStatusCode::OVMS_EX_CANNOT_CONVERT_FLAT_SHAPE,
            StatusCode::INVALID_BATCH_DIMENSION => OVMS_ExStatusCode::OVMS_EX_INVALID_BATCH_DIMENSION,
            StatusCode::ALLOW_CACHE_WITH_CUSTOM_LOADER => OVMS_ExStatusCode::OVMS_EX_ALLOW_CACHE_WITH_CUSTOM_LOADER,
            StatusCode::LAYOUT_INCOMPATIBLE_WITH_SHAPE => OVMS_ExStatusCode::OVMS_EX_LAYOUT_INCOMPATIBLE_WITH_SHAPE,
            StatusCode::MODEL_WITH_SCALAR_AUTO_UNSUPPORTED => OVMS_ExStatusCode::OVMS_EX_MODEL_WITH_SCALAR_AUTO_UNSUPPORTED,
            StatusCode::OV_NO_INPUTS => OVMS_ExStatusCode::OVMS_EX_OV_NO_INPUTS,
            StatusCode::OV_NO_OUTPUTS => OVMS_ExStatusCode::OVMS_EX_OV_NO_OUTPUTS,
            StatusCode::MODEL_MISSING => OVMS_ExStatusCode::OVMS_EX_MODEL_MISSING,
            StatusCode::MODEL_CONFIG_INVALID => OVMS_ExStatusCode::OVMS_EX_MODEL_CONFIG_INVALID,
            StatusCode::MODEL_NAME_MISSING => OVMS_ExStatusCode::OVMS_EX_MODEL_NAME_MISSING,
            StatusCode::MODEL_NAME_OCCUPIED => OVMS_ExStatusCode::OVMS_EX_MODEL_NAME_OCCUPIED,
            StatusCode::MODEL_VERSION_MISSING => OVMS_ExStatusCode::OVMS_EX_MODEL_VERSION_MISSING,
            StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE => OVMS_ExStatusCode::OVMS_EX_MODEL_VERSION_NOT_LOADED_ANYMORE,
            StatusCode::MODEL_VERSION_NOT_LOADED_YET => OVMS_ExStatusCode::OVMS_EX_MODEL_VERSION_NOT_LOADED_YET,
            StatusCode::INVALID_NIREQ => OVMS_ExStatusCode::OVMS_EX_INVALID_NIREQ,
            StatusCode::INVALID_NO_OF_INPUTS => OVMS_ExStatusCode::OVMS_EX_INVALID_NO_OF_INPUTS,
            StatusCode::INVALID_MISSING_INPUT => OVMS_ExStatusCode::OVMS_EX_INVALID_MISSING_INPUT,
            StatusCode::INVALID_UNEXPECTED_INPUT => OVMS_ExStatusCode::OVMS_EX_INVALID_UNEXPECTED_INPUT,
            StatusCode::INVALID_MISSING_OUTPUT => OVMS_ExStatusCode::OVMS_EX_INVALID_MISSING_OUTPUT,
            StatusCode::INVALID_NO_OF_SHAPE_DIMENSIONS => OVMS_ExStatusCode::OVMS_EX_INVALID_NO_OF_SHAPE_DIMENSIONS,
            StatusCode::INVALID_BATCH_SIZE => OVMS_ExStatusCode::OVMS_EX_INVALID_BATCH_SIZE,
            StatusCode::INVALID_SHAPE => OVMS_ExStatusCode::OVMS_EX_INVALID_SHAPE,
            StatusCode::INVALID_PRECISION => OVMS_ExStatusCode::OVMS_EX_INVALID_PRECISION,
            StatusCode::INVALID_VALUE_COUNT => OVMS_ExStatusCode::OVMS_EX_INVALID_VALUE_COUNT,
            StatusCode::INVALID_CONTENT_SIZE => OVMS_ExStatusCode::OVMS_EX_INVALID_CONTENT_SIZE,
            StatusCode::INVALID_MESSAGE_STRUCTURE => OVMS_ExStatusCode::OVMS_EX_INVALID_MESSAGE_STRUCTURE,
            StatusCode::INVALID_BUFFER_TYPE => OVMS_ExStatusCode::OVMS_EX_INVALID_BUFFER_TYPE,
            StatusCode::INVALID_DEVICE_ID => OVMS_ExStatusCode::OVMS_EX_INVALID_DEVICE_ID,
            StatusCode::INVALID_STRING_INPUT => OVMS_ExStatusCode::OVMS_EX_INVALID_STRING_INPUT,
            StatusCode::INVALID_INPUT_FORMAT => OVMS_ExStatusCode::OVMS_EX_INVALID_INPUT_FORMAT,
            StatusCode::INVALID_STRING_MAX_SIZE_EXCEEDED => OVMS_ExStatusCode::OVMS_EX_INVALID_STRING_MAX_SIZE_EXCEEDED,
            StatusCode::OV_UNSUPPORTED_DESERIALIZATION_PRECISION => OVMS_ExStatusCode::OVMS_EX_OV_UNSUPPORTED_DESERIALIZATION_PRECISION,
            StatusCode::OV_INTERNAL_DESERIALIZATION_ERROR => OVMS_ExStatusCode::OVMS_EX_OV_INTERNAL_DESERIALIZATION_ERROR,
            StatusCode::OV_INTERNAL_INFERENCE_ERROR => OVMS_ExStatusCode::OVMS_EX_OV_INTERNAL_INFERENCE_ERROR,
            StatusCode::OV_UNSUPPORTED_SERIALIZATION_PRECISION => OVMS_ExStatusCode::OVMS_EX_OV_UNSUPPORTED_SERIALIZATION_PRECISION,
            StatusCode::OV_INTERNAL_SERIALIZATION_ERROR => OVMS_ExStatusCode::OVMS_EX_OV_INTERNAL_SERIALIZATION_ERROR,
            StatusCode::OV_CLONE_TENSOR_ERROR => OVMS_ExStatusCode::OVMS_EX_OV_CLONE_TENSOR_ERROR,
            StatusCode::INVALID_SIGNATURE_DEF => OVMS_ExStatusCode::OVMS_EX_INVALID_SIGNATURE_DEF,
            StatusCode::MODEL_SPEC_MISSING => OVMS_ExStatusCode::OVMS_EX_MODEL_SPEC_MISSING,
            StatusCode::MODEL_VERSION_INVALID_FORMAT => OVMS_ExStatusCode::OVMS_EX_MODEL_VERSION_INVALID_FORMAT,
            StatusCode::INTERNAL_ERROR => OVMS_ExStatusCode::OVMS_EX_INTERNAL_ERROR,
            StatusCode::UNKNOWN_ERROR => OVMS_ExStatusCode::OVMS_EX_UNKNOWN_ERROR,
            StatusCode::NOT_IMPLEMENTED => OVMS_ExStatusCode::OVMS_EX_NOT_IMPLEMENTED,
            StatusCode::S3_BUCKET_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_S3_BUCKET_NOT_FOUND,
            StatusCode::S3_METADATA_FAIL => OVMS_ExStatusCode::OVMS_EX_S3_METADATA_FAIL,
            StatusCode::S3_FAILED_LIST_OBJECTS => OVMS_ExStatusCode::OVMS_EX_S3_FAILED_LIST_OBJECTS,
            StatusCode::S3_FAILED_GET_TIME => OVMS_ExStatusCode::OVMS_EX_S3_FAILED_GET_TIME,
            StatusCode::S3_INVALID_ACCESS => OVMS_ExStatusCode::OVMS_EX_S3_INVALID_ACCESS,
            StatusCode::S3_FILE_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_S3_FILE_NOT_FOUND,
            StatusCode::S3_FILE_INVALID => OVMS_ExStatusCode::OVMS_EX_S3_FILE_INVALID,
            StatusCode::S3_FAILED_GET_OBJECT => OVMS_ExStatusCode::OVMS_EX_S3_FAILED_GET_OBJECT,
            StatusCode::GCS_BUCKET_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_GCS_BUCKET_NOT_FOUND,
            StatusCode::GCS_METADATA_FAIL => OVMS_ExStatusCode::OVMS_EX_GCS_METADATA_FAIL,
            StatusCode::GCS_FAILED_LIST_OBJECTS => OVMS_ExStatusCode::OVMS_EX_GCS_FAILED_LIST_OBJECTS,
            StatusCode::GCS_FAILED_GET_TIME => OVMS_ExStatusCode::OVMS_EX_GCS_FAILED_GET_TIME,
            StatusCode::GCS_INVALID_ACCESS => OVMS_ExStatusCode::OVMS_EX_GCS_INVALID_ACCESS,
            StatusCode::GCS_FILE_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_GCS_FILE_NOT_FOUND,
            StatusCode::GCS_FILE_INVALID => OVMS_ExStatusCode::OVMS_EX_GCS_FILE_INVALID,
            StatusCode::GCS_FAILED_GET_OBJECT => OVMS_ExStatusCode::OVMS_EX_GCS_FAILED_GET_OBJECT,
            StatusCode::GCS_INCORRECT_REQUESTED_OBJECT_TYPE => OVMS_ExStatusCode::OVMS_EX_GCS_INCORRECT_REQUESTED_OBJECT_TYPE,
            StatusCode::AS_INVALID_PATH => OVMS_ExStatusCode::OVMS_EX_AS_INVALID_PATH,
            StatusCode::AS_CONTAINER_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_AS_CONTAINER_NOT_FOUND,
            StatusCode::AS_SHARE_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_AS_SHARE_NOT_FOUND,
            StatusCode::AS_METADATA_FAIL => OVMS_ExStatusCode::OVMS_EX_AS_METADATA_FAIL,
            StatusCode::AS_FAILED_LIST_OBJECTS => OVMS_ExStatusCode::OVMS_EX_AS_FAILED_LIST_OBJECTS,
            StatusCode::AS_FAILED_GET_TIME => OVMS_ExStatusCode::OVMS_EX_AS_FAILED_GET_TIME,
            StatusCode::AS_INVALID_ACCESS => OVMS_ExStatusCode::OVMS_EX_AS_INVALID_ACCESS,
            StatusCode::AS_FILE_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_AS_FILE_NOT_FOUND,
            StatusCode::AS_FILE_INVALID => OVMS_ExStatusCode::OVMS_EX_AS_FILE_INVALID,
            StatusCode::AS_FAILED_GET_OBJECT => OVMS_ExStatusCode::OVMS_EX_AS_FAILED_GET_OBJECT,
            StatusCode::AS_INCORRECT_REQUESTED_OBJECT_TYPE => OVMS_ExStatusCode::OVMS_EX_AS_INCORRECT_REQUESTED_OBJECT_TYPE,
            StatusCode::REST_NOT_FOUND => OVMS_ExStatusCode::OVMS_EX_REST_NOT_FOUND,
            StatusCode::REST_COULD_NOT_PARSE_VERSION => OVMS_ExStatusCode::OVMS_EX_REST_COULD_NOT_PARSE_VERSION,
            StatusCode::REST_INVALID_URL => OVMS_ExStatusCode::OVMS_EX_REST_INVALID_URL,
            StatusCode::REST_UNSUPPORTED_METHOD => OVMS_ExStatusCode::OVMS_EX_REST_UNSUPPORTED_METHOD,
            StatusCode::UNKNOWN_REQUEST_COMPONENTS_TYPE => OVMS_ExStatusCode::OVMS_EX_UNKNOWN_REQUEST_COMPONENTS_TYPE,
            StatusCode::FAILED_TO_PARSE_MULTIPART_CONTENT_TYPE => OVMS_ExStatusCode::OVMS_EX_FAILED_TO_PARSE_MULTIPART_CONTENT_TYPE,
            StatusCode::FAILED_TO_DEDUCE_MODEL_NAME_FROM_URI => OVMS_ExStatusCode::OVMS_EX_FAILED_TO_DEDUCE_MODEL_NAME_FROM_URI,
            StatusCode::UNAUTHORIZED => OVMS_ExStatusCode::OVMS_EX_UNAUTHORIZED,
            StatusCode::REST_BODY_IS_NOT_AN_OBJECT => OVMS_ExStatusCode::OVMS_EX_REST_BODY_IS_NOT_AN_OBJECT,
            StatusCode::REST_PREDICT_UNKNOWN_ORDER => OVMS_ExStatusCode::OVMS_EX_REST_PREDICT_UNKNOWN_ORDER,
            StatusCode::REST_INSTANCES_NOT_AN_ARRAY => OVMS_ExStatusCode::OVMS_EX_REST_INSTANCES_NOT_AN_ARRAY,
            StatusCode::REST_NAMED_INSTANCE_NOT_AN_OBJECT => OVMS_ExStatusCode::OVMS_EX_REST_NAMED_INSTANCE_NOT_AN_OBJECT,
            StatusCode::REST_INPUT_NOT_PREALLOCATED => OVMS_ExStatusCode::OVMS_EX_REST_INPUT_NOT_PREALLOCATED,
            StatusCode::REST_NO_INSTANCES_FOUND => OVMS_ExStatusCode::OVMS_EX_REST_NO_INSTANCES_FOUND,
            StatusCode::REST_INSTANCES_NOT_NAMED_OR_NONAMED => OVMS_ExStatusCode::OVMS_EX_REST_INSTANCES_NOT_NAMED_OR_NONAMED,
            StatusCode::REST_COULD_NOT_PARSE_INSTANCE => OVMS_ExStatusCode::OVMS_EX_REST_COULD_NOT_PARSE_INSTANCE,
            StatusCode::REST_INSTANCES_BATCH_SIZE_DIFFER => OVMS_ExStatusCode::OVMS_EX_REST_INSTANCES_BATCH_SIZE_DIFFER,
            StatusCode::REST_INPUTS_NOT_AN_OBJECT => OVMS_ExStatusCode::OVMS_EX_REST_INPUTS_NOT_AN_OBJECT,
            StatusCode::REST_NO_INPUTS_FOUND => OVMS_ExStatusCode::OVMS_EX_REST_NO_INPUTS_FOUND,
            StatusCode::REST_COULD_NOT_PARSE_INPUT => OVMS_ExStatusCode::OVMS_EX_REST_COULD_NOT_PARSE_INPUT,
            StatusCode::REST_COULD_NOT_PARSE_OUTPUT => OVMS_ExStatusCode::OVMS_EX_REST_COULD_NOT_PARSE_OUTPUT,
            StatusCode::REST_COULD_NOT_PARSE_PARAMETERS => OVMS_ExStatusCode::OVMS_EX_REST_COULD_NOT_PARSE_PARAMETERS,
            StatusCode::REST_PROTO_TO_STRING_ERROR => OVMS_ExStatusCode::OVMS_EX_REST_PROTO_TO_STRING_ERROR,
            StatusCode::REST_BASE64_DECODE_ERROR => OVMS_ExStatusCode::OVMS_EX_REST_BASE64_DECODE_ERROR,
            StatusCode::REST_UNSUPPORTED_PRECISION => OVMS_ExStatusCode::OVMS_EX_REST_UNSUPPORTED_PRECISION,
            StatusCode::REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE => OVMS_ExStatusCode::OVMS_EX_REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE,
            StatusCode::REST_SERIALIZE_VAL_FIELD_INVALID_SIZE => OVMS_ExStatusCode::OVMS_EX_REST_SERIALIZE_VAL_FIELD_INVALID_SIZE,
            StatusCode::REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED => OVMS_ExStatusCode::OVMS_EX_REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED,
            StatusCode::REST_BINARY_DATA_SIZE_PARAMETER_INVALID => OVMS_ExStatusCode::OVMS_EX_REST_BINARY_DATA_SIZE_PARAMETER_INVALID,
            StatusCode::REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID => OVMS_ExStatusCode::OVMS_EX_REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID,
            StatusCode::REST_BINARY_BUFFER_EXCEEDED => OVMS_ExStatusCode::OVMS_EX_REST_BINARY_BUFFER_EXCEEDED,
            StatusCode::REST_CONTENTS_FIELD_NOT_EMPTY => OVMS_ExStatusCode::OVMS_EX_REST_CONTENTS_FIELD_NOT_EMPTY,
            StatusCode::PIPELINE_DEFINITION_ALREADY_EXIST => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEFINITION_ALREADY_EXIST,
            StatusCode::PIPELINE_NODE_WRONG_KIND_CONFIGURATION => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_WRONG_KIND_CONFIGURATION,
            StatusCode::PIPELINE_MULTIPLE_ENTRY_NODES => OVMS_ExStatusCode::OVMS_EX_PIPELINE_MULTIPLE_ENTRY_NODES,
            StatusCode::PIPELINE_MULTIPLE_EXIT_NODES => OVMS_ExStatusCode::OVMS_EX_PIPELINE_MULTIPLE_EXIT_NODES,
            StatusCode::PIPELINE_MISSING_ENTRY_OR_EXIT => OVMS_ExStatusCode::OVMS_EX_PIPELINE_MISSING_ENTRY_OR_EXIT,
            StatusCode::PIPELINE_DEFINITION_NAME_MISSING => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEFINITION_NAME_MISSING,
            StatusCode::PIPELINE_DEFINITION_NOT_LOADED_ANYMORE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEFINITION_NOT_LOADED_ANYMORE,
            StatusCode::PIPELINE_DEFINITION_NOT_LOADED_YET => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEFINITION_NOT_LOADED_YET,
            StatusCode::PIPELINE_NODE_NAME_DUPLICATE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_NAME_DUPLICATE,
            StatusCode::PIPELINE_STREAM_ID_NOT_READY_YET => OVMS_ExStatusCode::OVMS_EX_PIPELINE_STREAM_ID_NOT_READY_YET,
            StatusCode::PIPELINE_CYCLE_FOUND => OVMS_ExStatusCode::OVMS_EX_PIPELINE_CYCLE_FOUND,
            StatusCode::PIPELINE_CONTAINS_UNCONNECTED_NODES => OVMS_ExStatusCode::OVMS_EX_PIPELINE_CONTAINS_UNCONNECTED_NODES,
            StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_NODE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_NODE,
            StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_MODEL,
            StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE,
            StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT,
            StatusCode::PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT => OVMS_ExStatusCode::OVMS_EX_PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT,
            StatusCode::PIPELINE_NOT_ALL_INPUTS_CONNECTED => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NOT_ALL_INPUTS_CONNECTED,
            StatusCode::PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES => OVMS_ExStatusCode::OVMS_EX_PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES,
            StatusCode::PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY => OVMS_ExStatusCode::OVMS_EX_PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY,
            StatusCode::PIPELINE_NAME_OCCUPIED => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NAME_OCCUPIED,
            StatusCode::PIPELINE_DEFINITION_INVALID_NODE_LIBRARY => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEFINITION_INVALID_NODE_LIBRARY,
            StatusCode::PIPELINE_INCONSISTENT_SHARD_DIMENSIONS => OVMS_ExStatusCode::OVMS_EX_PIPELINE_INCONSISTENT_SHARD_DIMENSIONS,
            StatusCode::PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY => OVMS_ExStatusCode::OVMS_EX_PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY,
            StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY => OVMS_ExStatusCode::OVMS_EX_PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY,
            StatusCode::PIPELINE_TRIED_TO_SET_THE_SAME_INPUT_TWICE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_TRIED_TO_SET_THE_SAME_INPUT_TWICE,
            StatusCode::PIPELINE_TRIED_TO_SET_INPUT_SHARD_FOR_ORDINARY_INPUT_HANDLER => OVMS_ExStatusCode::OVMS_EX_PIPELINE_TRIED_TO_SET_INPUT_SHARD_FOR_ORDINARY_INPUT_HANDLER,
            StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE,
            StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER,
            StatusCode::PIPELINE_NODE_GATHER_FROM_ENTRY_NODE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NODE_GATHER_FROM_ENTRY_NODE,
            StatusCode::PIPELINE_DEMULTIPLY_ENTRY_NODE => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEMULTIPLY_ENTRY_NODE,
            StatusCode::PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT,
            StatusCode::PIPELINE_MANUAL_GATHERING_FROM_MULTIPLE_NODES_NOT_SUPPORTED => OVMS_ExStatusCode::OVMS_EX_PIPELINE_MANUAL_GATHERING_FROM_MULTIPLE_NODES_NOT_SUPPORTED,
            StatusCode::PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY => OVMS_ExStatusCode::OVMS_EX_PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY,
            StatusCode::PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY => OVMS_ExStatusCode::OVMS_EX_PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY,
            StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER => OVMS_ExStatusCode::OVMS_EX_PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
            StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS => OVMS_ExStatusCode::OVMS_EX_PIPELINE_DEMULTIPLEXER_NO_RESULTS,
            StatusCode::PIPELINE_INPUTS_AMBIGUOUS_METADATA => OVMS_ExStatusCode::OVMS_EX_PIPELINE_INPUTS_AMBIGUOUS_METADATA,
            StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED => OVMS_ExStatusCode::OVMS_EX_PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
            StatusCode::MEDIAPIPE_DESERIALIZATION_ERROR => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_DESERIALIZATION_ERROR,
            StatusCode::MEDIAPIPE_GRAPH_CONFIG_FILE_INVALID => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_GRAPH_CONFIG_FILE_INVALID,
            StatusCode::MEDIAPIPE_GRAPH_INITIALIZATION_ERROR => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_GRAPH_INITIALIZATION_ERROR,
            StatusCode::MEDIAPIPE_GRAPH_ADD_OUTPUT_STREAM_ERROR => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_GRAPH_ADD_OUTPUT_STREAM_ERROR,
            StatusCode::MEDIAPIPE_GRAPH_START_ERROR => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_GRAPH_START_ERROR,
            StatusCode::MEDIAPIPE_GRAPH_CLOSE_INPUT_STREAM_ERROR => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_GRAPH_CLOSE_INPUT_STREAM_ERROR,
            StatusCode::MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM,
            StatusCode::MEDIAPIPE_DEFINITION_NAME_MISSING => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_DEFINITION_NAME_MISSING,
            StatusCode::MEDIAPIPE_EXECUTION_ERROR => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_EXECUTION_ERROR,
            StatusCode::MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE,
            StatusCode::MEDIAPIPE_DEFINITION_NOT_LOADED_YET => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_DEFINITION_NOT_LOADED_YET,
            StatusCode::MEDIAPIPE_KFS_PASS_WRONG_INPUT_STREAM_COUNT => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_KFS_PASS_WRONG_INPUT_STREAM_COUNT,
            StatusCode::MEDIAPIPE_WRONG_INPUT_STREAM_PACKET_NAME => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_WRONG_INPUT_STREAM_PACKET_NAME,
            StatusCode::MEDIAPIPE_WRONG_INPUT_SIDE_PACKET_STREAM_PACKET_NAME => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_WRONG_INPUT_SIDE_PACKET_STREAM_PACKET_NAME,
            StatusCode::MEDIAPIPE_KFS_PASS_WRONG_OUTPUT_STREAM_COUNT => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_KFS_PASS_WRONG_OUTPUT_STREAM_COUNT,
            StatusCode::MEDIAPIPE_WRONG_OUTPUT_STREAM_PACKET_NAME => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_WRONG_OUTPUT_STREAM_PACKET_NAME,
            StatusCode::MEDIAPIPE_KFS_PASSTHROUGH_MISSING_OUTPUT_RESPONSE_TAG => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_KFS_PASSTHROUGH_MISSING_OUTPUT_RESPONSE_TAG,
            StatusCode::MEDIAPIPE_KFS_PASSTHROUGH_MISSING_INPUT_REQUEST_TAG => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_KFS_PASSTHROUGH_MISSING_INPUT_REQUEST_TAG,
            StatusCode::MEDIAPIPE_GRAPH_NAME_OCCUPIED => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_GRAPH_NAME_OCCUPIED,
            StatusCode::MEDIAPIPE_INVALID_TIMESTAMP => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_INVALID_TIMESTAMP,
            StatusCode::MEDIAPIPE_UNINITIALIZED_STREAM_CLOSURE => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_UNINITIALIZED_STREAM_CLOSURE,
            StatusCode::MEDIAPIPE_INCORRECT_SERVABLE_NAME => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_INCORRECT_SERVABLE_NAME,
            StatusCode::MEDIAPIPE_INCORRECT_SERVABLE_VERSION => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_INCORRECT_SERVABLE_VERSION,
            StatusCode::MEDIAPIPE_PRECONDITION_FAILED => OVMS_ExStatusCode::OVMS_EX_MEDIAPIPE_PRECONDITION_FAILED,
            StatusCode::PYTHON_NODE_NAME_ALREADY_EXISTS => OVMS_ExStatusCode::OVMS_EX_PYTHON_NODE_NAME_ALREADY_EXISTS,
            StatusCode::PYTHON_NODE_FILE_DOES_NOT_EXIST => OVMS_ExStatusCode::OVMS_EX_PYTHON_NODE_FILE_DOES_NOT_EXIST,
            StatusCode::PYTHON_NODE_FILE_STATE_INITIALIZATION_FAILED => OVMS_ExStatusCode::OVMS_EX_PYTHON_NODE_FILE_STATE_INITIALIZATION_FAILED,
            StatusCode::PYTHON_NODE_MISSING_OPTIONS => OVMS_ExStatusCode::OVMS_EX_PYTHON_NODE_MISSING_OPTIONS,
            StatusCode::PYTHON_NODE_MISSING_NAME => OVMS_ExStatusCode::OVMS_EX_PYTHON_NODE_MISSING_NAME,
            StatusCode::LLM_NODE_NAME_ALREADY_EXISTS => OVMS_ExStatusCode::OVMS_EX_LLM_NODE_NAME_ALREADY_EXISTS,
            StatusCode::LLM_NODE_DIRECTORY_DOES_NOT_EXIST => OVMS_ExStatusCode::OVMS_EX_LLM_NODE_DIRECTORY_DOES_NOT_EXIST,
            StatusCode::LLM_NODE_PATH_DOES_NOT_EXIST_AND_NOT_GGUFFILE => OVMS_ExStatusCode::OVMS_EX_LLM_NODE_PATH_DOES_NOT_EXIST_AND_NOT_GGUFFILE,
            StatusCode::LLM_NODE_RESOURCE_STATE_INITIALIZATION_FAILED => OVMS_ExStatusCode::OVMS_EX_LLM_NODE_RESOURCE_STATE_INITIALIZATION_FAILED,
            StatusCode::LLM_NODE_MISSING_OPTIONS => OVMS_ExStatusCode::OVMS_EX_LLM_NODE_MISSING_OPTIONS,
            StatusCode::LLM_NODE_MISSING_NAME => OVMS_ExStatusCode::OVMS_EX_LLM_NODE_MISSING_NAME,
            StatusCode::CUSTOM_LOADER_LIBRARY_INVALID => OVMS_ExStatusCode::OVMS_EX_CUSTOM_LOADER_LIBRARY_INVALID,
            StatusCode::CUSTOM_LOADER_LIBRARY_LOAD_FAILED => OVMS_ExStatusCode::OVMS_EX_CUSTOM_LOADER_LIBRARY_LOAD_FAILED,
            StatusCode::CUSTOM_LOADER_EXISTS => OVMS_ExStatusCode::OVMS_EX_CUSTOM_LOADER_EXISTS,
            StatusCode::CUSTOM_LOADER_NOT_PRESENT => OVMS_ExStatusCode::OVMS_EX_CUSTOM_LOADER_NOT_PRESENT,
            StatusCode::CUSTOM_LOADER_INIT_FAILED => OVMS_ExStatusCode::OVMS_EX_CUSTOM_LOADER_INIT_FAILED,
            StatusCode::CUSTOM_LOADER_ERROR => OVMS_ExStatusCode::OVMS_EX_CUSTOM_LOADER_ERROR,
            StatusCode::NODE_LIBRARY_ALREADY_LOADED => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_ALREADY_LOADED,
            StatusCode::NODE_LIBRARY_LOAD_FAILED_OPEN => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_LOAD_FAILED_OPEN,
            StatusCode::NODE_LIBRARY_LOAD_FAILED_SYM => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_LOAD_FAILED_SYM,
            StatusCode::NODE_LIBRARY_MISSING => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_MISSING,
            StatusCode::NODE_LIBRARY_MISSING_OUTPUT => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_MISSING_OUTPUT,
            StatusCode::NODE_LIBRARY_EXECUTION_FAILED => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_EXECUTION_FAILED,
            StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_OUTPUTS_CORRUPTED,
            StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT,
            StatusCode::NODE_LIBRARY_INVALID_PRECISION => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_INVALID_PRECISION,
            StatusCode::NODE_LIBRARY_INVALID_SHAPE => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_INVALID_SHAPE,
            StatusCode::NODE_LIBRARY_INVALID_CONTENT_SIZE => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_INVALID_CONTENT_SIZE,
            StatusCode::NODE_LIBRARY_METADATA_FAILED => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_METADATA_FAILED,
            StatusCode::NODE_LIBRARY_OUTPUT_MISSING_NAME => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_OUTPUT_MISSING_NAME,
            StatusCode::NODE_LIBRARY_INITIALIZE_FAILED => OVMS_ExStatusCode::OVMS_EX_NODE_LIBRARY_INITIALIZE_FAILED,
            StatusCode::IMAGE_PARSING_FAILED => OVMS_ExStatusCode::OVMS_EX_IMAGE_PARSING_FAILED,
            StatusCode::UNSUPPORTED_LAYOUT => OVMS_ExStatusCode::OVMS_EX_UNSUPPORTED_LAYOUT,
            StatusCode::INVALID_NO_OF_CHANNELS => OVMS_ExStatusCode::OVMS_EX_INVALID_NO_OF_CHANNELS,
            StatusCode::BINARY_IMAGES_RESOLUTION_MISMATCH => OVMS_ExStatusCode::OVMS_EX_BINARY_IMAGES_RESOLUTION_MISMATCH,
            StatusCode::STRING_VAL_EMPTY => OVMS_ExStatusCode::OVMS_EX_STRING_VAL_EMPTY,
            StatusCode::BYTES_CONTENTS_EMPTY => OVMS_ExStatusCode::OVMS_EX_BYTES_CONTENTS_EMPTY,
            StatusCode::OK_NOT_RELOADED => OVMS_ExStatusCode::OVMS_EX_OK_NOT_RELOADED,
            StatusCode::OK_RELOADED => OVMS_ExStatusCode::OVMS_EX_OK_RELOADED,
            StatusCode::INVALID_METRICS_ENDPOINT => OVMS_ExStatusCode::OVMS_EX_INVALID_METRICS_ENDPOINT,
            StatusCode::INVALID_METRICS_FAMILY_NAME => OVMS_ExStatusCode::OVMS_EX_INVALID_METRICS_FAMILY_NAME,
            StatusCode::METRICS_REST_PORT_MISSING => OVMS_ExStatusCode::OVMS_EX_METRICS_REST_PORT_MISSING,
            StatusCode::DOUBLE_BUFFER_SET => OVMS_ExStatusCode::OVMS_EX_DOUBLE_BUFFER_SET,
            StatusCode::DOUBLE_TENSOR_INSERT => OVMS_ExStatusCode::OVMS_EX_DOUBLE_TENSOR_INSERT,
            StatusCode::DOUBLE_PARAMETER_INSERT => OVMS_ExStatusCode::OVMS_EX_DOUBLE_PARAMETER_INSERT,
            StatusCode::NONEXISTENT_BUFFER => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_BUFFER,
            StatusCode::NONEXISTENT_BUFFER_FOR_REMOVAL => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_BUFFER_FOR_REMOVAL,
            StatusCode::NONEXISTENT_PARAMETER => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_PARAMETER,
            StatusCode::NONEXISTENT_TENSOR => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_TENSOR,
            StatusCode::NONEXISTENT_TENSOR_FOR_SET_BUFFER => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_TENSOR_FOR_SET_BUFFER,
            StatusCode::NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER,
            StatusCode::NONEXISTENT_TENSOR_FOR_REMOVAL => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_TENSOR_FOR_REMOVAL,
            StatusCode::NONEXISTENT_LOG_LEVEL => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_LOG_LEVEL,
            StatusCode::NONEXISTENT_PTR => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_PTR,
            StatusCode::SERVER_NOT_READY => OVMS_ExStatusCode::OVMS_EX_SERVER_NOT_READY,
            StatusCode::OPTIONS_USAGE_ERROR => OVMS_ExStatusCode::OVMS_EX_OPTIONS_USAGE_ERROR,
            StatusCode::FAILED_TO_START_GRPC_SERVER => OVMS_ExStatusCode::OVMS_EX_FAILED_TO_START_GRPC_SERVER,
            StatusCode::FAILED_TO_START_REST_SERVER => OVMS_ExStatusCode::OVMS_EX_FAILED_TO_START_REST_SERVER,
            StatusCode::SERVER_ALREADY_STARTED => OVMS_ExStatusCode::OVMS_EX_SERVER_ALREADY_STARTED,
            StatusCode::SERVER_ALREADY_STARTING => OVMS_ExStatusCode::OVMS_EX_SERVER_ALREADY_STARTING,
            StatusCode::MODULE_ALREADY_INSERTED => OVMS_ExStatusCode::OVMS_EX_MODULE_ALREADY_INSERTED,
            StatusCode::HF_FAILED_TO_INIT_LIBGIT2 => OVMS_ExStatusCode::OVMS_EX_HF_FAILED_TO_INIT_LIBGIT2,
            StatusCode::HF_FAILED_TO_INIT_OPTIMUM_CLI => OVMS_ExStatusCode::OVMS_EX_HF_FAILED_TO_INIT_OPTIMUM_CLI,
            StatusCode::HF_RUN_OPTIMUM_CLI_EXPORT_FAILED => OVMS_ExStatusCode::OVMS_EX_HF_RUN_OPTIMUM_CLI_EXPORT_FAILED,
            StatusCode::HF_RUN_CONVERT_TOKENIZER_EXPORT_FAILED => OVMS_ExStatusCode::OVMS_EX_HF_RUN_CONVERT_TOKENIZER_EXPORT_FAILED,
            StatusCode::HF_GIT_CLONE_CANCELLED => OVMS_ExStatusCode::OVMS_EX_HF_GIT_CLONE_CANCELLED,
            StatusCode::HF_GIT_CLONE_FAILED => OVMS_ExStatusCode::OVMS_EX_HF_GIT_CLONE_FAILED,
            StatusCode::HF_GIT_STATUS_FAILED => OVMS_ExStatusCode::OVMS_EX_HF_GIT_STATUS_FAILED,
            StatusCode::HF_GIT_STATUS_FAILED_TO_RESOLVE_PATH => OVMS_ExStatusCode::OVMS_EX_HF_GIT_STATUS_FAILED_TO_RESOLVE_PATH,
            StatusCode::HF_GIT_LIBGIT2_NOT_INITIALIZED => OVMS_ExStatusCode::OVMS_EX_HF_GIT_LIBGIT2_NOT_INITIALIZED,
            StatusCode::HF_GIT_LIBGIT2_LFS_DOWNLOAD_FAILED => OVMS_ExStatusCode::OVMS_EX_HF_GIT_LIBGIT2_LFS_DOWNLOAD_FAILED,
            StatusCode::HF_GIT_STATUS_UNCLEAN => OVMS_ExStatusCode::OVMS_EX_HF_GIT_STATUS_UNCLEAN,
            StatusCode::PARTIAL_END => OVMS_ExStatusCode::OVMS_EX_PARTIAL_END,
            StatusCode::NONEXISTENT_PATH => OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_PATH,
            StatusCode::DEFAULT_EXCEEDS_MAXIMUM_ALLOWED_RESOLUTION => OVMS_ExStatusCode::OVMS_EX_DEFAULT_EXCEEDS_MAXIMUM_ALLOWED_RESOLUTION,
            StatusCode::DEVICE_WRONG_FORMAT => OVMS_ExStatusCode::OVMS_EX_DEVICE_WRONG_FORMAT,
            StatusCode::SHAPE_DYNAMIC_BUT_NPU_USED => OVMS_ExStatusCode::OVMS_EX_SHAPE_DYNAMIC_BUT_NPU_USED,
            StatusCode::STATIC_RESOLUTION_MISUSE => OVMS_ExStatusCode::OVMS_EX_STATIC_RESOLUTION_MISUSE,
            StatusCode::STATUS_CODE_END => OVMS_ExStatusCode::OVMS_EX_STATUS_CODE_END,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_code_is_exported_with_its_number_and_name() {
        assert_eq!(StatusCode::ALL.len(), 281);
        for code in StatusCode::ALL {
            let exported = OVMS_ExStatusCode::from(code);
            assert_eq!(exported as u32, code as u32, "{code:?}");
            assert_eq!(format!("{exported:?}"), format!("OVMS_EX_{code:?}"));
        }
        assert_eq!(OVMS_ExStatusCode::OVMS_EX_NONEXISTENT_PTR as u32, 255);
    }
}
