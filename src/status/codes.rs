// Generated once from OVMS's status table (OVMS v2026.3 numbering); docs/c-api.md lists it and
// ovms.h exports it as OVMS_ExStatusCode (src/capi/types.rs, kept in step by a unit test).
// The discriminant is the number `OVMS_StatusCode` reports; the order must never change.

/// OVMS's `ovms::StatusCode`, numbered as in v2026.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum StatusCode {
    OK = 0,
    PATH_INVALID = 1,
    DIRECTORY_NOT_CREATED = 2,
    FILE_INVALID = 3,
    CONFIG_FILE_INVALID = 4,
    FILESYSTEM_ERROR = 5,
    MODEL_NOT_LOADED = 6,
    JSON_INVALID = 7,
    JSON_NESTING_DEPTH_EXCEEDED = 8,
    JSON_SERIALIZATION_ERROR = 9,
    MODELINSTANCE_NOT_FOUND = 10,
    SHAPE_WRONG_FORMAT = 11,
    LAYOUT_WRONG_FORMAT = 12,
    FLOAT_WRONG_FORMAT = 13,
    COLOR_FORMAT_WRONG_FORMAT = 14,
    PRECISION_WRONG_FORMAT = 15,
    DIM_WRONG_FORMAT = 16,
    PLUGIN_CONFIG_WRONG_FORMAT = 17,
    PLUGIN_CONFIG_CONFLICTING_PARAMETERS = 18,
    MODEL_VERSION_POLICY_WRONG_FORMAT = 19,
    MODEL_VERSION_POLICY_UNSUPPORTED_KEY = 20,
    GRPC_CHANNEL_ARG_WRONG_FORMAT = 21,
    CONFIG_FILE_TIMESTAMP_READING_FAILED = 22,
    NO_MODEL_VERSION_AVAILABLE = 23,
    RESHAPE_ERROR = 24,
    RESHAPE_REQUIRED = 25,
    BATCHSIZE_CHANGE_REQUIRED = 26,
    FORBIDDEN_MODEL_DYNAMIC_PARAMETER = 27,
    ANONYMOUS_FIXED_SHAPE_NOT_ALLOWED = 28,
    ANONYMOUS_FIXED_LAYOUT_NOT_ALLOWED = 29,
    CONFIG_SHAPE_IS_NOT_IN_MODEL = 30,
    CONFIG_LAYOUT_IS_NOT_IN_MODEL = 31,
    CONFIG_SHAPE_MAPPED_BUT_USED_REAL_NAME = 32,
    CONFIG_LAYOUT_MAPPED_BUT_USED_REAL_NAME = 33,
    CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE = 34,
    REQUESTED_DYNAMIC_PARAMETERS_ON_SUBSCRIBED_MODEL = 35,
    CANNOT_CONVERT_FLAT_SHAPE = 36,
    INVALID_BATCH_DIMENSION = 37,
    ALLOW_CACHE_WITH_CUSTOM_LOADER = 38,
    LAYOUT_INCOMPATIBLE_WITH_SHAPE = 39,
    MODEL_WITH_SCALAR_AUTO_UNSUPPORTED = 40,
    OV_NO_INPUTS = 41,
    OV_NO_OUTPUTS = 42,
    MODEL_MISSING = 43,
    MODEL_CONFIG_INVALID = 44,
    MODEL_NAME_MISSING = 45,
    MODEL_NAME_OCCUPIED = 46,
    MODEL_VERSION_MISSING = 47,
    MODEL_VERSION_NOT_LOADED_ANYMORE = 48,
    MODEL_VERSION_NOT_LOADED_YET = 49,
    INVALID_NIREQ = 50,
    INVALID_NO_OF_INPUTS = 51,
    INVALID_MISSING_INPUT = 52,
    INVALID_UNEXPECTED_INPUT = 53,
    INVALID_MISSING_OUTPUT = 54,
    INVALID_NO_OF_SHAPE_DIMENSIONS = 55,
    INVALID_BATCH_SIZE = 56,
    INVALID_SHAPE = 57,
    INVALID_PRECISION = 58,
    INVALID_VALUE_COUNT = 59,
    INVALID_CONTENT_SIZE = 60,
    INVALID_MESSAGE_STRUCTURE = 61,
    INVALID_BUFFER_TYPE = 62,
    INVALID_DEVICE_ID = 63,
    INVALID_STRING_INPUT = 64,
    INVALID_INPUT_FORMAT = 65,
    INVALID_STRING_MAX_SIZE_EXCEEDED = 66,
    OV_UNSUPPORTED_DESERIALIZATION_PRECISION = 67,
    OV_INTERNAL_DESERIALIZATION_ERROR = 68,
    OV_INTERNAL_INFERENCE_ERROR = 69,
    OV_UNSUPPORTED_SERIALIZATION_PRECISION = 70,
    OV_INTERNAL_SERIALIZATION_ERROR = 71,
    OV_CLONE_TENSOR_ERROR = 72,
    INVALID_SIGNATURE_DEF = 73,
    MODEL_SPEC_MISSING = 74,
    MODEL_VERSION_INVALID_FORMAT = 75,
    INTERNAL_ERROR = 76,
    UNKNOWN_ERROR = 77,
    NOT_IMPLEMENTED = 78,
    S3_BUCKET_NOT_FOUND = 79,
    S3_METADATA_FAIL = 80,
    S3_FAILED_LIST_OBJECTS = 81,
    S3_FAILED_GET_TIME = 82,
    S3_INVALID_ACCESS = 83,
    S3_FILE_NOT_FOUND = 84,
    S3_FILE_INVALID = 85,
    S3_FAILED_GET_OBJECT = 86,
    GCS_BUCKET_NOT_FOUND = 87,
    GCS_METADATA_FAIL = 88,
    GCS_FAILED_LIST_OBJECTS = 89,
    GCS_FAILED_GET_TIME = 90,
    GCS_INVALID_ACCESS = 91,
    GCS_FILE_NOT_FOUND = 92,
    GCS_FILE_INVALID = 93,
    GCS_FAILED_GET_OBJECT = 94,
    GCS_INCORRECT_REQUESTED_OBJECT_TYPE = 95,
    AS_INVALID_PATH = 96,
    AS_CONTAINER_NOT_FOUND = 97,
    AS_SHARE_NOT_FOUND = 98,
    AS_METADATA_FAIL = 99,
    AS_FAILED_LIST_OBJECTS = 100,
    AS_FAILED_GET_TIME = 101,
    AS_INVALID_ACCESS = 102,
    AS_FILE_NOT_FOUND = 103,
    AS_FILE_INVALID = 104,
    AS_FAILED_GET_OBJECT = 105,
    AS_INCORRECT_REQUESTED_OBJECT_TYPE = 106,
    REST_NOT_FOUND = 107,
    REST_COULD_NOT_PARSE_VERSION = 108,
    REST_INVALID_URL = 109,
    REST_UNSUPPORTED_METHOD = 110,
    UNKNOWN_REQUEST_COMPONENTS_TYPE = 111,
    FAILED_TO_PARSE_MULTIPART_CONTENT_TYPE = 112,
    FAILED_TO_DEDUCE_MODEL_NAME_FROM_URI = 113,
    UNAUTHORIZED = 114,
    REST_BODY_IS_NOT_AN_OBJECT = 115,
    REST_PREDICT_UNKNOWN_ORDER = 116,
    REST_INSTANCES_NOT_AN_ARRAY = 117,
    REST_NAMED_INSTANCE_NOT_AN_OBJECT = 118,
    REST_INPUT_NOT_PREALLOCATED = 119,
    REST_NO_INSTANCES_FOUND = 120,
    REST_INSTANCES_NOT_NAMED_OR_NONAMED = 121,
    REST_COULD_NOT_PARSE_INSTANCE = 122,
    REST_INSTANCES_BATCH_SIZE_DIFFER = 123,
    REST_INPUTS_NOT_AN_OBJECT = 124,
    REST_NO_INPUTS_FOUND = 125,
    REST_COULD_NOT_PARSE_INPUT = 126,
    REST_COULD_NOT_PARSE_OUTPUT = 127,
    REST_COULD_NOT_PARSE_PARAMETERS = 128,
    REST_PROTO_TO_STRING_ERROR = 129,
    REST_BASE64_DECODE_ERROR = 130,
    REST_UNSUPPORTED_PRECISION = 131,
    REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE = 132,
    REST_SERIALIZE_VAL_FIELD_INVALID_SIZE = 133,
    REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED = 134,
    REST_BINARY_DATA_SIZE_PARAMETER_INVALID = 135,
    REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID = 136,
    REST_BINARY_BUFFER_EXCEEDED = 137,
    REST_CONTENTS_FIELD_NOT_EMPTY = 138,
    PIPELINE_DEFINITION_ALREADY_EXIST = 139,
    PIPELINE_NODE_WRONG_KIND_CONFIGURATION = 140,
    PIPELINE_MULTIPLE_ENTRY_NODES = 141,
    PIPELINE_MULTIPLE_EXIT_NODES = 142,
    PIPELINE_MISSING_ENTRY_OR_EXIT = 143,
    PIPELINE_DEFINITION_NAME_MISSING = 144,
    PIPELINE_DEFINITION_NOT_LOADED_ANYMORE = 145,
    PIPELINE_DEFINITION_NOT_LOADED_YET = 146,
    PIPELINE_NODE_NAME_DUPLICATE = 147,
    PIPELINE_STREAM_ID_NOT_READY_YET = 148,
    PIPELINE_CYCLE_FOUND = 149,
    PIPELINE_CONTAINS_UNCONNECTED_NODES = 150,
    PIPELINE_NODE_REFERING_TO_MISSING_NODE = 151,
    PIPELINE_NODE_REFERING_TO_MISSING_MODEL = 152,
    PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE = 153,
    PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT = 154,
    PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT = 155,
    PIPELINE_NOT_ALL_INPUTS_CONNECTED = 156,
    PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES = 157,
    PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY = 158,
    PIPELINE_NAME_OCCUPIED = 159,
    PIPELINE_DEFINITION_INVALID_NODE_LIBRARY = 160,
    PIPELINE_INCONSISTENT_SHARD_DIMENSIONS = 161,
    PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY = 162,
    PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY = 163,
    PIPELINE_TRIED_TO_SET_THE_SAME_INPUT_TWICE = 164,
    PIPELINE_TRIED_TO_SET_INPUT_SHARD_FOR_ORDINARY_INPUT_HANDLER = 165,
    PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE = 166,
    PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER = 167,
    PIPELINE_NODE_GATHER_FROM_ENTRY_NODE = 168,
    PIPELINE_DEMULTIPLY_ENTRY_NODE = 169,
    PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT = 170,
    PIPELINE_MANUAL_GATHERING_FROM_MULTIPLE_NODES_NOT_SUPPORTED = 171,
    PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY = 172,
    PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY = 173,
    PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER = 174,
    PIPELINE_DEMULTIPLEXER_NO_RESULTS = 175,
    PIPELINE_INPUTS_AMBIGUOUS_METADATA = 176,
    PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED = 177,
    MEDIAPIPE_DESERIALIZATION_ERROR = 178,
    MEDIAPIPE_GRAPH_CONFIG_FILE_INVALID = 179,
    MEDIAPIPE_GRAPH_INITIALIZATION_ERROR = 180,
    MEDIAPIPE_GRAPH_ADD_OUTPUT_STREAM_ERROR = 181,
    MEDIAPIPE_GRAPH_START_ERROR = 182,
    MEDIAPIPE_GRAPH_CLOSE_INPUT_STREAM_ERROR = 183,
    MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM = 184,
    MEDIAPIPE_DEFINITION_NAME_MISSING = 185,
    MEDIAPIPE_EXECUTION_ERROR = 186,
    MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE = 187,
    MEDIAPIPE_DEFINITION_NOT_LOADED_YET = 188,
    MEDIAPIPE_KFS_PASS_WRONG_INPUT_STREAM_COUNT = 189,
    MEDIAPIPE_WRONG_INPUT_STREAM_PACKET_NAME = 190,
    MEDIAPIPE_WRONG_INPUT_SIDE_PACKET_STREAM_PACKET_NAME = 191,
    MEDIAPIPE_KFS_PASS_WRONG_OUTPUT_STREAM_COUNT = 192,
    MEDIAPIPE_WRONG_OUTPUT_STREAM_PACKET_NAME = 193,
    MEDIAPIPE_KFS_PASSTHROUGH_MISSING_OUTPUT_RESPONSE_TAG = 194,
    MEDIAPIPE_KFS_PASSTHROUGH_MISSING_INPUT_REQUEST_TAG = 195,
    MEDIAPIPE_GRAPH_NAME_OCCUPIED = 196,
    MEDIAPIPE_INVALID_TIMESTAMP = 197,
    MEDIAPIPE_UNINITIALIZED_STREAM_CLOSURE = 198,
    MEDIAPIPE_INCORRECT_SERVABLE_NAME = 199,
    MEDIAPIPE_INCORRECT_SERVABLE_VERSION = 200,
    MEDIAPIPE_PRECONDITION_FAILED = 201,
    PYTHON_NODE_NAME_ALREADY_EXISTS = 202,
    PYTHON_NODE_FILE_DOES_NOT_EXIST = 203,
    PYTHON_NODE_FILE_STATE_INITIALIZATION_FAILED = 204,
    PYTHON_NODE_MISSING_OPTIONS = 205,
    PYTHON_NODE_MISSING_NAME = 206,
    LLM_NODE_NAME_ALREADY_EXISTS = 207,
    LLM_NODE_DIRECTORY_DOES_NOT_EXIST = 208,
    LLM_NODE_PATH_DOES_NOT_EXIST_AND_NOT_GGUFFILE = 209,
    LLM_NODE_RESOURCE_STATE_INITIALIZATION_FAILED = 210,
    LLM_NODE_MISSING_OPTIONS = 211,
    LLM_NODE_MISSING_NAME = 212,
    CUSTOM_LOADER_LIBRARY_INVALID = 213,
    CUSTOM_LOADER_LIBRARY_LOAD_FAILED = 214,
    CUSTOM_LOADER_EXISTS = 215,
    CUSTOM_LOADER_NOT_PRESENT = 216,
    CUSTOM_LOADER_INIT_FAILED = 217,
    CUSTOM_LOADER_ERROR = 218,
    NODE_LIBRARY_ALREADY_LOADED = 219,
    NODE_LIBRARY_LOAD_FAILED_OPEN = 220,
    NODE_LIBRARY_LOAD_FAILED_SYM = 221,
    NODE_LIBRARY_MISSING = 222,
    NODE_LIBRARY_MISSING_OUTPUT = 223,
    NODE_LIBRARY_EXECUTION_FAILED = 224,
    NODE_LIBRARY_OUTPUTS_CORRUPTED = 225,
    NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT = 226,
    NODE_LIBRARY_INVALID_PRECISION = 227,
    NODE_LIBRARY_INVALID_SHAPE = 228,
    NODE_LIBRARY_INVALID_CONTENT_SIZE = 229,
    NODE_LIBRARY_METADATA_FAILED = 230,
    NODE_LIBRARY_OUTPUT_MISSING_NAME = 231,
    NODE_LIBRARY_INITIALIZE_FAILED = 232,
    IMAGE_PARSING_FAILED = 233,
    UNSUPPORTED_LAYOUT = 234,
    INVALID_NO_OF_CHANNELS = 235,
    BINARY_IMAGES_RESOLUTION_MISMATCH = 236,
    STRING_VAL_EMPTY = 237,
    BYTES_CONTENTS_EMPTY = 238,
    OK_NOT_RELOADED = 239,
    OK_RELOADED = 240,
    INVALID_METRICS_ENDPOINT = 241,
    INVALID_METRICS_FAMILY_NAME = 242,
    METRICS_REST_PORT_MISSING = 243,
    DOUBLE_BUFFER_SET = 244,
    DOUBLE_TENSOR_INSERT = 245,
    DOUBLE_PARAMETER_INSERT = 246,
    NONEXISTENT_BUFFER = 247,
    NONEXISTENT_BUFFER_FOR_REMOVAL = 248,
    NONEXISTENT_PARAMETER = 249,
    NONEXISTENT_TENSOR = 250,
    NONEXISTENT_TENSOR_FOR_SET_BUFFER = 251,
    NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER = 252,
    NONEXISTENT_TENSOR_FOR_REMOVAL = 253,
    NONEXISTENT_LOG_LEVEL = 254,
    NONEXISTENT_PTR = 255,
    SERVER_NOT_READY = 256,
    OPTIONS_USAGE_ERROR = 257,
    FAILED_TO_START_GRPC_SERVER = 258,
    FAILED_TO_START_REST_SERVER = 259,
    SERVER_ALREADY_STARTED = 260,
    SERVER_ALREADY_STARTING = 261,
    MODULE_ALREADY_INSERTED = 262,
    HF_FAILED_TO_INIT_LIBGIT2 = 263,
    HF_FAILED_TO_INIT_OPTIMUM_CLI = 264,
    HF_RUN_OPTIMUM_CLI_EXPORT_FAILED = 265,
    HF_RUN_CONVERT_TOKENIZER_EXPORT_FAILED = 266,
    HF_GIT_CLONE_CANCELLED = 267,
    HF_GIT_CLONE_FAILED = 268,
    HF_GIT_STATUS_FAILED = 269,
    HF_GIT_STATUS_FAILED_TO_RESOLVE_PATH = 270,
    HF_GIT_LIBGIT2_NOT_INITIALIZED = 271,
    HF_GIT_LIBGIT2_LFS_DOWNLOAD_FAILED = 272,
    HF_GIT_STATUS_UNCLEAN = 273,
    PARTIAL_END = 274,
    NONEXISTENT_PATH = 275,
    DEFAULT_EXCEEDS_MAXIMUM_ALLOWED_RESOLUTION = 276,
    DEVICE_WRONG_FORMAT = 277,
    SHAPE_DYNAMIC_BUT_NPU_USED = 278,
    STATIC_RESOLUTION_MISUSE = 279,
    STATUS_CODE_END = 280,
}

impl StatusCode {
    /// The canonical message OVMS prints for this code; `Undefined error` when OVMS has none.
    pub fn message(self) -> &'static str {
        use StatusCode::*;
        match self {
            OK => "OK",
            PATH_INVALID => "The provided base path is invalid or doesn't exists",
            DIRECTORY_NOT_CREATED => "Directory could not be created",
            OV_NO_INPUTS => "Cannot load model with no inputs",
            FILE_INVALID => "File not found or cannot open",
            CONFIG_FILE_INVALID => "Configuration file not found or cannot open",
            FILESYSTEM_ERROR => "Error during filesystem operation",
            MODEL_NOT_LOADED => "Error while loading a model",
            JSON_INVALID => "The file is not valid json",
            JSON_NESTING_DEPTH_EXCEEDED => "JSON nesting depth exceeds the allowed limit",
            JSON_SERIALIZATION_ERROR => "Data serialization to json format failed",
            MODELINSTANCE_NOT_FOUND => "ModelInstance not found",
            MODEL_MISSING => "Model with requested name and/or version is not found",
            MODEL_CONFIG_INVALID => "Model config is invalid",
            MODEL_NAME_MISSING => "Model with requested name is not found",
            MODEL_NAME_OCCUPIED => "Given model name is already occupied",
            MODEL_VERSION_MISSING => "Model with requested version is not found",
            MODEL_VERSION_NOT_LOADED_ANYMORE => "Model with requested version is retired",
            MODEL_VERSION_NOT_LOADED_YET => "Model with requested version is not loaded yet",
            INVALID_NIREQ => "Nireq parameter too high",
            INVALID_NO_OF_INPUTS => "Invalid number of inputs",
            INVALID_MISSING_INPUT => "Missing input with specific name",
            INVALID_UNEXPECTED_INPUT => "Unexpected input",
            INVALID_MISSING_OUTPUT => "Missing output with specific name",
            INVALID_NO_OF_SHAPE_DIMENSIONS => "Invalid number of shape dimensions",
            INVALID_BATCH_SIZE => "Invalid input batch size",
            INVALID_SHAPE => "Invalid input shape",
            INVALID_PRECISION => "Invalid input precision",
            INVALID_VALUE_COUNT => "Invalid number of values in tensor proto container",
            INVALID_CONTENT_SIZE => "Invalid content size of tensor proto",
            INVALID_MESSAGE_STRUCTURE => {
                "Passing buffers both in ModelInferRequest::InferInputTensor::contents and in ModelInferRequest::raw_input_contents is not allowed"
            }
            INVALID_BUFFER_TYPE => "Invalid input buffer type",
            INVALID_DEVICE_ID => "Invalid input buffer device id",
            INVALID_STRING_INPUT => "Invalid string input",
            INVALID_INPUT_FORMAT => "Inputs inside buffer does not match expected format.",
            INVALID_STRING_MAX_SIZE_EXCEEDED => {
                "Maximum 2D array after string conversion exceeded 1GB"
            }
            NODE_LIBRARY_ALREADY_LOADED => "Custom node library is already loaded",
            NODE_LIBRARY_LOAD_FAILED_OPEN => "Custom node library failed to open",
            NODE_LIBRARY_LOAD_FAILED_SYM => "Custom node library failed to load symbol",
            NODE_LIBRARY_MISSING => "Custom node library not found",
            NODE_LIBRARY_MISSING_OUTPUT => "Custom node output is missing",
            NODE_LIBRARY_EXECUTION_FAILED => "Custom node failed during execution",
            NODE_LIBRARY_OUTPUTS_CORRUPTED => {
                "Custom node library has returned corrupted outputs handle"
            }
            NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT => {
                "Custom node library has produced corrupted number of outputs"
            }
            NODE_LIBRARY_INVALID_PRECISION => {
                "Custom node has produced tensor with unspecified precision"
            }
            NODE_LIBRARY_INVALID_SHAPE => "Custom node has produced tensor with not matching shape",
            NODE_LIBRARY_INVALID_CONTENT_SIZE => "Custom node output has invalid content size",
            NODE_LIBRARY_METADATA_FAILED => "Custom node failed on metadata call",
            NODE_LIBRARY_OUTPUT_MISSING_NAME => "Custom node output is missing name",
            NODE_LIBRARY_INITIALIZE_FAILED => "Failure during custom node library initialization",
            OV_UNSUPPORTED_DESERIALIZATION_PRECISION => "Unsupported deserialization precision",
            OV_INTERNAL_DESERIALIZATION_ERROR => "Internal deserialization error",
            OV_INTERNAL_INFERENCE_ERROR => "Internal inference error",
            OV_UNSUPPORTED_SERIALIZATION_PRECISION => "Unsupported serialization precision",
            OV_INTERNAL_SERIALIZATION_ERROR => "Internal serialization error",
            OV_CLONE_TENSOR_ERROR => "Error during tensor clone",
            INVALID_SIGNATURE_DEF => "Invalid signature name",
            MODEL_SPEC_MISSING => "model_spec missing in request",
            MODEL_VERSION_INVALID_FORMAT => "invalid model version format in request",
            INTERNAL_ERROR => "Internal server error",
            UNKNOWN_ERROR => "Unknown error",
            NOT_IMPLEMENTED => "Functionality not implemented",
            PIPELINE_DEFINITION_NAME_MISSING => "Pipeline with requested name is not found",
            PIPELINE_DEFINITION_NOT_LOADED_ANYMORE => "Pipeline is retired",
            PIPELINE_DEFINITION_NOT_LOADED_YET => "Pipeline is not loaded yet",
            PIPELINE_DEFINITION_ALREADY_EXIST => {
                "Pipeline definition with the same name already exists"
            }
            PIPELINE_NODE_WRONG_KIND_CONFIGURATION => "Unsupported node type",
            PIPELINE_MULTIPLE_ENTRY_NODES => "Pipeline definition has multiple request nodes",
            PIPELINE_MULTIPLE_EXIT_NODES => "Pipeline definition has multiple response nodes",
            PIPELINE_MISSING_ENTRY_OR_EXIT => {
                "Pipeline definition is missing request or response node"
            }
            PIPELINE_NODE_NAME_DUPLICATE => {
                "Pipeline definition has multiple nodes with the same name"
            }
            PIPELINE_STREAM_ID_NOT_READY_YET => "Node is not ready for execution",
            PIPELINE_CYCLE_FOUND => "Pipeline definition contains a cycle",
            PIPELINE_CONTAINS_UNCONNECTED_NODES => "Pipeline definition has unconnected nodes",
            PIPELINE_NODE_REFERING_TO_MISSING_NODE => {
                "Pipeline definition has reference to missing node"
            }
            PIPELINE_NODE_REFERING_TO_MISSING_MODEL => {
                "Pipeline definition has reference to missing model"
            }
            PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE => {
                "Pipeline definition has reference to missing data source"
            }
            PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT => {
                "Pipeline definition has reference to missing model output"
            }
            PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT => {
                "Pipeline definition has connection to non existing model input"
            }
            PIPELINE_NOT_ALL_INPUTS_CONNECTED => {
                "Pipeline definition does not have connections for all inputs of underlying models"
            }
            PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES => {
                "Pipeline definition has multiple connections to the same input of underlying model"
            }
            PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY => {
                "Pipeline definition has response node used as dependency node"
            }
            PIPELINE_NAME_OCCUPIED => "Pipeline has the same name as model",
            PIPELINE_DEFINITION_INVALID_NODE_LIBRARY => "Pipeline refers to incorrect library",
            PIPELINE_INCONSISTENT_SHARD_DIMENSIONS => {
                "Gathered tensor shards dimensions are different"
            }
            PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY => {
                "Wrong number of dimensions in a tensor to be sharded"
            }
            PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY => {
                "Wrong dimension size. Should match demultiply count"
            }
            PIPELINE_TRIED_TO_SET_THE_SAME_INPUT_TWICE => {
                "Tried to set the same input twice for node input handler"
            }
            PIPELINE_TRIED_TO_SET_INPUT_SHARD_FOR_ORDINARY_INPUT_HANDLER => {
                "Tried to set input with shard id > 0 for ordinary input handler"
            }
            PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE => {
                "Gather node refers to not existing node"
            }
            PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER => {
                "Gather node refers to node that isn't demultiplexer"
            }
            PIPELINE_NODE_GATHER_FROM_ENTRY_NODE => "Gathering from entry node is not allowed",
            PIPELINE_DEMULTIPLY_ENTRY_NODE => "Demultiplication at entry node is not allowed",
            PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT => {
                "Demultiplication count does not match tensor first dimension"
            }
            PIPELINE_MANUAL_GATHERING_FROM_MULTIPLE_NODES_NOT_SUPPORTED => {
                "Manual gathering from multiple nodes is not supported"
            }
            PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY => {
                "Pipeline has not enough shape dimensions to demultiply"
            }
            PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY => {
                "Too large dynamic demultiplication requested."
            }
            PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER => {
                "Demultiplexer and gather nodes are not in LIFO order"
            }
            PIPELINE_DEMULTIPLEXER_NO_RESULTS => {
                "Pipeline execution aborted due to no content from custom node"
            }
            PIPELINE_INPUTS_AMBIGUOUS_METADATA => {
                "Multiple nodes connected to the same pipeline input require different tensor metadata"
            }
            PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED => {
                "Demultiplication is not supported for string precision"
            }
            MEDIAPIPE_DEFINITION_NAME_MISSING => {
                "Mediapipe graph definition with requested name is not found"
            }
            MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE => "Mediapipe is retired",
            MEDIAPIPE_DEFINITION_NOT_LOADED_YET => "Mediapipe is not loaded yet",
            OK_NOT_RELOADED => "Config reload was not needed",
            OK_RELOADED => "Config reload successful",
            INVALID_METRICS_ENDPOINT => "Metrics config endpoint path is invalid",
            INVALID_METRICS_FAMILY_NAME => "Invalid name in metrics_list",
            METRICS_REST_PORT_MISSING => "Missing rest_port parameter in server CLI",
            DOUBLE_BUFFER_SET => "Cannot set buffer more than once to the same tensor",
            DOUBLE_TENSOR_INSERT => "Cannot insert more than one tensor with the same name",
            DOUBLE_PARAMETER_INSERT => "Cannot insert more than one parameter with the same name",
            NONEXISTENT_BUFFER => "Output does not contain buffer",
            NONEXISTENT_BUFFER_FOR_REMOVAL => "Tried to remove nonexisting buffer",
            NONEXISTENT_PARAMETER => "Tried to use nonexisting parameter",
            NONEXISTENT_TENSOR => "Tried to get nonexisting tensor",
            NONEXISTENT_TENSOR_FOR_SET_BUFFER => "Tried to set buffer for nonexisting tensor",
            NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER => "Tried to remove buffer for nonexisting tensor",
            NONEXISTENT_TENSOR_FOR_REMOVAL => "Tried to remove nonexisting tensor",
            NONEXISTENT_LOG_LEVEL => "Tried to use nonexisting log level",
            NONEXISTENT_PTR => "Tried to use nonexisting pointer",
            SERVER_NOT_READY => "Server is not ready",
            OPTIONS_USAGE_ERROR => "options validation error",
            FAILED_TO_START_GRPC_SERVER => "Failed to start gRPC server",
            FAILED_TO_START_REST_SERVER => "Failed to start REST server",
            SERVER_ALREADY_STARTED => "Server has already started",
            SERVER_ALREADY_STARTING => "Server is already starting",
            MODULE_ALREADY_INSERTED => "Module already inserted",
            // The REST front end's codes.
            REST_NOT_FOUND => "Requested REST resource not found",
            REST_COULD_NOT_PARSE_VERSION => "Could not parse model version in request",
            REST_INVALID_URL => "Invalid request URL",
            REST_UNSUPPORTED_METHOD => "Unsupported method",
            REST_BODY_IS_NOT_AN_OBJECT => "Request body should be JSON object",
            REST_PREDICT_UNKNOWN_ORDER => {
                "Invalid JSON structure. Could not detect row or column format"
            }
            REST_INSTANCES_NOT_AN_ARRAY => {
                "Invalid JSON structure. Nonamed instance is not an array."
            }
            REST_NAMED_INSTANCE_NOT_AN_OBJECT => {
                "Invalid JSON structure. One of named instances is not a JSON object."
            }
            REST_INPUT_NOT_PREALLOCATED => "Internal allocation error",
            REST_NO_INSTANCES_FOUND => "Invalid JSON structure. Missing instances in row format",
            REST_INSTANCES_NOT_NAMED_OR_NONAMED => {
                "Could not detect neither named or nonamed format"
            }
            REST_COULD_NOT_PARSE_INSTANCE => {
                "Could not parse instance content. Not valid ndarray detected"
            }
            REST_INSTANCES_BATCH_SIZE_DIFFER => {
                "Invalid JSON structure. Request inputs have different batch sizes"
            }
            REST_INPUTS_NOT_AN_OBJECT => {
                "Invalid JSON structure. One of inputs is not a JSON object."
            }
            REST_NO_INPUTS_FOUND => "Invalid JSON structure, missing inputs",
            REST_COULD_NOT_PARSE_INPUT => {
                "Could not parse input content. Not valid ndarray detected"
            }
            REST_COULD_NOT_PARSE_OUTPUT => "Could not parse output content.",
            REST_COULD_NOT_PARSE_PARAMETERS => "Could not parse request parameters",
            REST_PROTO_TO_STRING_ERROR => "Response parsing to JSON error",
            REST_BASE64_DECODE_ERROR => "Decode Base64 to string error",
            REST_UNSUPPORTED_PRECISION => {
                "Could not parse input content. Unsupported data precision detected"
            }
            REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE => {
                "Size of data in tensor_content does not match declared tensor shape"
            }
            REST_SERIALIZE_VAL_FIELD_INVALID_SIZE => {
                "Number of elements in xxx_val field does not match declared tensor shape"
            }
            REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED => {
                "Inference-Header-Content-Length header exceeds actual payload length"
            }
            REST_BINARY_DATA_SIZE_PARAMETER_INVALID => {
                "binary_data_size parameter is invalid and cannot be parsed"
            }
            REST_BINARY_BUFFER_EXCEEDED => {
                "Received buffer size is smaller than binary_data_size parameter indicates"
            }
            REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID => {
                "Inference-Header-Content-Length header is invalid and couldn't be parsed"
            }
            REST_CONTENTS_FIELD_NOT_EMPTY => {
                "Request contains values both in binary data and in content value"
            }
            _ => "Undefined error",
        }
    }

    /// Every code, in numbering order.
    pub const ALL: [StatusCode; 281] = [
        StatusCode::OK,
        StatusCode::PATH_INVALID,
        StatusCode::DIRECTORY_NOT_CREATED,
        StatusCode::FILE_INVALID,
        StatusCode::CONFIG_FILE_INVALID,
        StatusCode::FILESYSTEM_ERROR,
        StatusCode::MODEL_NOT_LOADED,
        StatusCode::JSON_INVALID,
        StatusCode::JSON_NESTING_DEPTH_EXCEEDED,
        StatusCode::JSON_SERIALIZATION_ERROR,
        StatusCode::MODELINSTANCE_NOT_FOUND,
        StatusCode::SHAPE_WRONG_FORMAT,
        StatusCode::LAYOUT_WRONG_FORMAT,
        StatusCode::FLOAT_WRONG_FORMAT,
        StatusCode::COLOR_FORMAT_WRONG_FORMAT,
        StatusCode::PRECISION_WRONG_FORMAT,
        StatusCode::DIM_WRONG_FORMAT,
        StatusCode::PLUGIN_CONFIG_WRONG_FORMAT,
        StatusCode::PLUGIN_CONFIG_CONFLICTING_PARAMETERS,
        StatusCode::MODEL_VERSION_POLICY_WRONG_FORMAT,
        StatusCode::MODEL_VERSION_POLICY_UNSUPPORTED_KEY,
        StatusCode::GRPC_CHANNEL_ARG_WRONG_FORMAT,
        StatusCode::CONFIG_FILE_TIMESTAMP_READING_FAILED,
        StatusCode::NO_MODEL_VERSION_AVAILABLE,
        StatusCode::RESHAPE_ERROR,
        StatusCode::RESHAPE_REQUIRED,
        StatusCode::BATCHSIZE_CHANGE_REQUIRED,
        StatusCode::FORBIDDEN_MODEL_DYNAMIC_PARAMETER,
        StatusCode::ANONYMOUS_FIXED_SHAPE_NOT_ALLOWED,
        StatusCode::ANONYMOUS_FIXED_LAYOUT_NOT_ALLOWED,
        StatusCode::CONFIG_SHAPE_IS_NOT_IN_MODEL,
        StatusCode::CONFIG_LAYOUT_IS_NOT_IN_MODEL,
        StatusCode::CONFIG_SHAPE_MAPPED_BUT_USED_REAL_NAME,
        StatusCode::CONFIG_LAYOUT_MAPPED_BUT_USED_REAL_NAME,
        StatusCode::CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE,
        StatusCode::REQUESTED_DYNAMIC_PARAMETERS_ON_SUBSCRIBED_MODEL,
        StatusCode::CANNOT_CONVERT_FLAT_SHAPE,
        StatusCode::INVALID_BATCH_DIMENSION,
        StatusCode::ALLOW_CACHE_WITH_CUSTOM_LOADER,
        StatusCode::LAYOUT_INCOMPATIBLE_WITH_SHAPE,
        StatusCode::MODEL_WITH_SCALAR_AUTO_UNSUPPORTED,
        StatusCode::OV_NO_INPUTS,
        StatusCode::OV_NO_OUTPUTS,
        StatusCode::MODEL_MISSING,
        StatusCode::MODEL_CONFIG_INVALID,
        StatusCode::MODEL_NAME_MISSING,
        StatusCode::MODEL_NAME_OCCUPIED,
        StatusCode::MODEL_VERSION_MISSING,
        StatusCode::MODEL_VERSION_NOT_LOADED_ANYMORE,
        StatusCode::MODEL_VERSION_NOT_LOADED_YET,
        StatusCode::INVALID_NIREQ,
        StatusCode::INVALID_NO_OF_INPUTS,
        StatusCode::INVALID_MISSING_INPUT,
        StatusCode::INVALID_UNEXPECTED_INPUT,
        StatusCode::INVALID_MISSING_OUTPUT,
        StatusCode::INVALID_NO_OF_SHAPE_DIMENSIONS,
        StatusCode::INVALID_BATCH_SIZE,
        StatusCode::INVALID_SHAPE,
        StatusCode::INVALID_PRECISION,
        StatusCode::INVALID_VALUE_COUNT,
        StatusCode::INVALID_CONTENT_SIZE,
        StatusCode::INVALID_MESSAGE_STRUCTURE,
        StatusCode::INVALID_BUFFER_TYPE,
        StatusCode::INVALID_DEVICE_ID,
        StatusCode::INVALID_STRING_INPUT,
        StatusCode::INVALID_INPUT_FORMAT,
        StatusCode::INVALID_STRING_MAX_SIZE_EXCEEDED,
        StatusCode::OV_UNSUPPORTED_DESERIALIZATION_PRECISION,
        StatusCode::OV_INTERNAL_DESERIALIZATION_ERROR,
        StatusCode::OV_INTERNAL_INFERENCE_ERROR,
        StatusCode::OV_UNSUPPORTED_SERIALIZATION_PRECISION,
        StatusCode::OV_INTERNAL_SERIALIZATION_ERROR,
        StatusCode::OV_CLONE_TENSOR_ERROR,
        StatusCode::INVALID_SIGNATURE_DEF,
        StatusCode::MODEL_SPEC_MISSING,
        StatusCode::MODEL_VERSION_INVALID_FORMAT,
        StatusCode::INTERNAL_ERROR,
        StatusCode::UNKNOWN_ERROR,
        StatusCode::NOT_IMPLEMENTED,
        StatusCode::S3_BUCKET_NOT_FOUND,
        StatusCode::S3_METADATA_FAIL,
        StatusCode::S3_FAILED_LIST_OBJECTS,
        StatusCode::S3_FAILED_GET_TIME,
        StatusCode::S3_INVALID_ACCESS,
        StatusCode::S3_FILE_NOT_FOUND,
        StatusCode::S3_FILE_INVALID,
        StatusCode::S3_FAILED_GET_OBJECT,
        StatusCode::GCS_BUCKET_NOT_FOUND,
        StatusCode::GCS_METADATA_FAIL,
        StatusCode::GCS_FAILED_LIST_OBJECTS,
        StatusCode::GCS_FAILED_GET_TIME,
        StatusCode::GCS_INVALID_ACCESS,
        StatusCode::GCS_FILE_NOT_FOUND,
        StatusCode::GCS_FILE_INVALID,
        StatusCode::GCS_FAILED_GET_OBJECT,
        StatusCode::GCS_INCORRECT_REQUESTED_OBJECT_TYPE,
        StatusCode::AS_INVALID_PATH,
        StatusCode::AS_CONTAINER_NOT_FOUND,
        StatusCode::AS_SHARE_NOT_FOUND,
        StatusCode::AS_METADATA_FAIL,
        StatusCode::AS_FAILED_LIST_OBJECTS,
        StatusCode::AS_FAILED_GET_TIME,
        StatusCode::AS_INVALID_ACCESS,
        StatusCode::AS_FILE_NOT_FOUND,
        StatusCode::AS_FILE_INVALID,
        StatusCode::AS_FAILED_GET_OBJECT,
        StatusCode::AS_INCORRECT_REQUESTED_OBJECT_TYPE,
        StatusCode::REST_NOT_FOUND,
        StatusCode::REST_COULD_NOT_PARSE_VERSION,
        StatusCode::REST_INVALID_URL,
        StatusCode::REST_UNSUPPORTED_METHOD,
        StatusCode::UNKNOWN_REQUEST_COMPONENTS_TYPE,
        StatusCode::FAILED_TO_PARSE_MULTIPART_CONTENT_TYPE,
        StatusCode::FAILED_TO_DEDUCE_MODEL_NAME_FROM_URI,
        StatusCode::UNAUTHORIZED,
        StatusCode::REST_BODY_IS_NOT_AN_OBJECT,
        StatusCode::REST_PREDICT_UNKNOWN_ORDER,
        StatusCode::REST_INSTANCES_NOT_AN_ARRAY,
        StatusCode::REST_NAMED_INSTANCE_NOT_AN_OBJECT,
        StatusCode::REST_INPUT_NOT_PREALLOCATED,
        StatusCode::REST_NO_INSTANCES_FOUND,
        StatusCode::REST_INSTANCES_NOT_NAMED_OR_NONAMED,
        StatusCode::REST_COULD_NOT_PARSE_INSTANCE,
        StatusCode::REST_INSTANCES_BATCH_SIZE_DIFFER,
        StatusCode::REST_INPUTS_NOT_AN_OBJECT,
        StatusCode::REST_NO_INPUTS_FOUND,
        StatusCode::REST_COULD_NOT_PARSE_INPUT,
        StatusCode::REST_COULD_NOT_PARSE_OUTPUT,
        StatusCode::REST_COULD_NOT_PARSE_PARAMETERS,
        StatusCode::REST_PROTO_TO_STRING_ERROR,
        StatusCode::REST_BASE64_DECODE_ERROR,
        StatusCode::REST_UNSUPPORTED_PRECISION,
        StatusCode::REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE,
        StatusCode::REST_SERIALIZE_VAL_FIELD_INVALID_SIZE,
        StatusCode::REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED,
        StatusCode::REST_BINARY_DATA_SIZE_PARAMETER_INVALID,
        StatusCode::REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID,
        StatusCode::REST_BINARY_BUFFER_EXCEEDED,
        StatusCode::REST_CONTENTS_FIELD_NOT_EMPTY,
        StatusCode::PIPELINE_DEFINITION_ALREADY_EXIST,
        StatusCode::PIPELINE_NODE_WRONG_KIND_CONFIGURATION,
        StatusCode::PIPELINE_MULTIPLE_ENTRY_NODES,
        StatusCode::PIPELINE_MULTIPLE_EXIT_NODES,
        StatusCode::PIPELINE_MISSING_ENTRY_OR_EXIT,
        StatusCode::PIPELINE_DEFINITION_NAME_MISSING,
        StatusCode::PIPELINE_DEFINITION_NOT_LOADED_ANYMORE,
        StatusCode::PIPELINE_DEFINITION_NOT_LOADED_YET,
        StatusCode::PIPELINE_NODE_NAME_DUPLICATE,
        StatusCode::PIPELINE_STREAM_ID_NOT_READY_YET,
        StatusCode::PIPELINE_CYCLE_FOUND,
        StatusCode::PIPELINE_CONTAINS_UNCONNECTED_NODES,
        StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_NODE,
        StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL,
        StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_DATA_SOURCE,
        StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL_OUTPUT,
        StatusCode::PIPELINE_CONNECTION_TO_MISSING_MODEL_INPUT,
        StatusCode::PIPELINE_NOT_ALL_INPUTS_CONNECTED,
        StatusCode::PIPELINE_MODEL_INPUT_CONNECTED_TO_MULTIPLE_DATA_SOURCES,
        StatusCode::PIPELINE_EXIT_USED_AS_NODE_DEPENDENCY,
        StatusCode::PIPELINE_NAME_OCCUPIED,
        StatusCode::PIPELINE_DEFINITION_INVALID_NODE_LIBRARY,
        StatusCode::PIPELINE_INCONSISTENT_SHARD_DIMENSIONS,
        StatusCode::PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY,
        StatusCode::PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY,
        StatusCode::PIPELINE_TRIED_TO_SET_THE_SAME_INPUT_TWICE,
        StatusCode::PIPELINE_TRIED_TO_SET_INPUT_SHARD_FOR_ORDINARY_INPUT_HANDLER,
        StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE,
        StatusCode::PIPELINE_NODE_GATHER_FROM_NOT_DEMULTIPLEXER,
        StatusCode::PIPELINE_NODE_GATHER_FROM_ENTRY_NODE,
        StatusCode::PIPELINE_DEMULTIPLY_ENTRY_NODE,
        StatusCode::PIPELINE_DEMULTIPLY_COUNT_DOES_NOT_MATCH_TENSOR_SHARD_COUNT,
        StatusCode::PIPELINE_MANUAL_GATHERING_FROM_MULTIPLE_NODES_NOT_SUPPORTED,
        StatusCode::PIPELINE_NOT_ENOUGH_SHAPE_DIMENSIONS_TO_DEMULTIPLY,
        StatusCode::PIPELINE_TOO_LARGE_DIMENSION_SIZE_TO_DEMULTIPLY,
        StatusCode::PIPELINE_WRONG_DEMULTIPLEXER_GATHER_NODES_ORDER,
        StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS,
        StatusCode::PIPELINE_INPUTS_AMBIGUOUS_METADATA,
        StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
        StatusCode::MEDIAPIPE_DESERIALIZATION_ERROR,
        StatusCode::MEDIAPIPE_GRAPH_CONFIG_FILE_INVALID,
        StatusCode::MEDIAPIPE_GRAPH_INITIALIZATION_ERROR,
        StatusCode::MEDIAPIPE_GRAPH_ADD_OUTPUT_STREAM_ERROR,
        StatusCode::MEDIAPIPE_GRAPH_START_ERROR,
        StatusCode::MEDIAPIPE_GRAPH_CLOSE_INPUT_STREAM_ERROR,
        StatusCode::MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM,
        StatusCode::MEDIAPIPE_DEFINITION_NAME_MISSING,
        StatusCode::MEDIAPIPE_EXECUTION_ERROR,
        StatusCode::MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE,
        StatusCode::MEDIAPIPE_DEFINITION_NOT_LOADED_YET,
        StatusCode::MEDIAPIPE_KFS_PASS_WRONG_INPUT_STREAM_COUNT,
        StatusCode::MEDIAPIPE_WRONG_INPUT_STREAM_PACKET_NAME,
        StatusCode::MEDIAPIPE_WRONG_INPUT_SIDE_PACKET_STREAM_PACKET_NAME,
        StatusCode::MEDIAPIPE_KFS_PASS_WRONG_OUTPUT_STREAM_COUNT,
        StatusCode::MEDIAPIPE_WRONG_OUTPUT_STREAM_PACKET_NAME,
        StatusCode::MEDIAPIPE_KFS_PASSTHROUGH_MISSING_OUTPUT_RESPONSE_TAG,
        StatusCode::MEDIAPIPE_KFS_PASSTHROUGH_MISSING_INPUT_REQUEST_TAG,
        StatusCode::MEDIAPIPE_GRAPH_NAME_OCCUPIED,
        StatusCode::MEDIAPIPE_INVALID_TIMESTAMP,
        StatusCode::MEDIAPIPE_UNINITIALIZED_STREAM_CLOSURE,
        StatusCode::MEDIAPIPE_INCORRECT_SERVABLE_NAME,
        StatusCode::MEDIAPIPE_INCORRECT_SERVABLE_VERSION,
        StatusCode::MEDIAPIPE_PRECONDITION_FAILED,
        StatusCode::PYTHON_NODE_NAME_ALREADY_EXISTS,
        StatusCode::PYTHON_NODE_FILE_DOES_NOT_EXIST,
        StatusCode::PYTHON_NODE_FILE_STATE_INITIALIZATION_FAILED,
        StatusCode::PYTHON_NODE_MISSING_OPTIONS,
        StatusCode::PYTHON_NODE_MISSING_NAME,
        StatusCode::LLM_NODE_NAME_ALREADY_EXISTS,
        StatusCode::LLM_NODE_DIRECTORY_DOES_NOT_EXIST,
        StatusCode::LLM_NODE_PATH_DOES_NOT_EXIST_AND_NOT_GGUFFILE,
        StatusCode::LLM_NODE_RESOURCE_STATE_INITIALIZATION_FAILED,
        StatusCode::LLM_NODE_MISSING_OPTIONS,
        StatusCode::LLM_NODE_MISSING_NAME,
        StatusCode::CUSTOM_LOADER_LIBRARY_INVALID,
        StatusCode::CUSTOM_LOADER_LIBRARY_LOAD_FAILED,
        StatusCode::CUSTOM_LOADER_EXISTS,
        StatusCode::CUSTOM_LOADER_NOT_PRESENT,
        StatusCode::CUSTOM_LOADER_INIT_FAILED,
        StatusCode::CUSTOM_LOADER_ERROR,
        StatusCode::NODE_LIBRARY_ALREADY_LOADED,
        StatusCode::NODE_LIBRARY_LOAD_FAILED_OPEN,
        StatusCode::NODE_LIBRARY_LOAD_FAILED_SYM,
        StatusCode::NODE_LIBRARY_MISSING,
        StatusCode::NODE_LIBRARY_MISSING_OUTPUT,
        StatusCode::NODE_LIBRARY_EXECUTION_FAILED,
        StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED,
        StatusCode::NODE_LIBRARY_OUTPUTS_CORRUPTED_COUNT,
        StatusCode::NODE_LIBRARY_INVALID_PRECISION,
        StatusCode::NODE_LIBRARY_INVALID_SHAPE,
        StatusCode::NODE_LIBRARY_INVALID_CONTENT_SIZE,
        StatusCode::NODE_LIBRARY_METADATA_FAILED,
        StatusCode::NODE_LIBRARY_OUTPUT_MISSING_NAME,
        StatusCode::NODE_LIBRARY_INITIALIZE_FAILED,
        StatusCode::IMAGE_PARSING_FAILED,
        StatusCode::UNSUPPORTED_LAYOUT,
        StatusCode::INVALID_NO_OF_CHANNELS,
        StatusCode::BINARY_IMAGES_RESOLUTION_MISMATCH,
        StatusCode::STRING_VAL_EMPTY,
        StatusCode::BYTES_CONTENTS_EMPTY,
        StatusCode::OK_NOT_RELOADED,
        StatusCode::OK_RELOADED,
        StatusCode::INVALID_METRICS_ENDPOINT,
        StatusCode::INVALID_METRICS_FAMILY_NAME,
        StatusCode::METRICS_REST_PORT_MISSING,
        StatusCode::DOUBLE_BUFFER_SET,
        StatusCode::DOUBLE_TENSOR_INSERT,
        StatusCode::DOUBLE_PARAMETER_INSERT,
        StatusCode::NONEXISTENT_BUFFER,
        StatusCode::NONEXISTENT_BUFFER_FOR_REMOVAL,
        StatusCode::NONEXISTENT_PARAMETER,
        StatusCode::NONEXISTENT_TENSOR,
        StatusCode::NONEXISTENT_TENSOR_FOR_SET_BUFFER,
        StatusCode::NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER,
        StatusCode::NONEXISTENT_TENSOR_FOR_REMOVAL,
        StatusCode::NONEXISTENT_LOG_LEVEL,
        StatusCode::NONEXISTENT_PTR,
        StatusCode::SERVER_NOT_READY,
        StatusCode::OPTIONS_USAGE_ERROR,
        StatusCode::FAILED_TO_START_GRPC_SERVER,
        StatusCode::FAILED_TO_START_REST_SERVER,
        StatusCode::SERVER_ALREADY_STARTED,
        StatusCode::SERVER_ALREADY_STARTING,
        StatusCode::MODULE_ALREADY_INSERTED,
        StatusCode::HF_FAILED_TO_INIT_LIBGIT2,
        StatusCode::HF_FAILED_TO_INIT_OPTIMUM_CLI,
        StatusCode::HF_RUN_OPTIMUM_CLI_EXPORT_FAILED,
        StatusCode::HF_RUN_CONVERT_TOKENIZER_EXPORT_FAILED,
        StatusCode::HF_GIT_CLONE_CANCELLED,
        StatusCode::HF_GIT_CLONE_FAILED,
        StatusCode::HF_GIT_STATUS_FAILED,
        StatusCode::HF_GIT_STATUS_FAILED_TO_RESOLVE_PATH,
        StatusCode::HF_GIT_LIBGIT2_NOT_INITIALIZED,
        StatusCode::HF_GIT_LIBGIT2_LFS_DOWNLOAD_FAILED,
        StatusCode::HF_GIT_STATUS_UNCLEAN,
        StatusCode::PARTIAL_END,
        StatusCode::NONEXISTENT_PATH,
        StatusCode::DEFAULT_EXCEEDS_MAXIMUM_ALLOWED_RESOLUTION,
        StatusCode::DEVICE_WRONG_FORMAT,
        StatusCode::SHAPE_DYNAMIC_BUT_NPU_USED,
        StatusCode::STATIC_RESOLUTION_MISUSE,
        StatusCode::STATUS_CODE_END,
    ];
}
