//! OVMS's status codes as gRPC codes: OVMS's one table (`src/grpc_utils.cpp`, function `grpc`),
//! row for row. The message is the library's usual text, OVMS's message for the code and ` - `
//! with the details when there are any, as `OVMS_StatusDetails` gives it.

use crate::status::{Error, StatusCode};
use tonic::Code;

/// The gRPC code OVMS answers `code` with. A code OVMS's table lacks is UNKNOWN, as in OVMS.
pub fn grpc_code(code: StatusCode) -> Code {
    use StatusCode as S;
    match code {
        S::OK => Code::Ok,
        // Internal errors (validation of the model makes most of these impossible here).
        S::OV_UNSUPPORTED_DESERIALIZATION_PRECISION
        | S::OV_UNSUPPORTED_SERIALIZATION_PRECISION
        | S::OV_INTERNAL_DESERIALIZATION_ERROR
        | S::OV_INTERNAL_INFERENCE_ERROR
        | S::OV_INTERNAL_SERIALIZATION_ERROR
        | S::INTERNAL_ERROR
        | S::FILE_INVALID
        | S::MODEL_NOT_LOADED
        | S::MODEL_VERSION_POLICY_WRONG_FORMAT
        | S::MODEL_VERSION_POLICY_UNSUPPORTED_KEY
        | S::NO_MODEL_VERSION_AVAILABLE
        | S::MODELINSTANCE_NOT_FOUND
        | S::PLUGIN_CONFIG_WRONG_FORMAT
        | S::SHAPE_WRONG_FORMAT => Code::Internal,
        // A reshape or a reload left the servable unable to run the request.
        S::RESHAPE_ERROR
        | S::CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE
        | S::MEDIAPIPE_DESERIALIZATION_ERROR
        | S::MEDIAPIPE_GRAPH_START_ERROR
        | S::MEDIAPIPE_GRAPH_ADD_OUTPUT_STREAM_ERROR
        | S::MEDIAPIPE_GRAPH_INITIALIZATION_ERROR
        | S::MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM
        | S::MEDIAPIPE_GRAPH_CLOSE_INPUT_STREAM_ERROR
        | S::JSON_INVALID => Code::FailedPrecondition,
        S::MODEL_MISSING
        | S::MODEL_NAME_MISSING
        | S::PIPELINE_DEFINITION_NAME_MISSING
        | S::MEDIAPIPE_DEFINITION_NAME_MISSING
        | S::MODEL_VERSION_MISSING
        | S::MODEL_VERSION_NOT_LOADED_ANYMORE
        | S::PIPELINE_DEFINITION_NOT_LOADED_ANYMORE
        | S::MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE => Code::NotFound,
        S::MODEL_SPEC_MISSING
        | S::MODEL_VERSION_INVALID_FORMAT
        | S::INVALID_SIGNATURE_DEF
        | S::MEDIAPIPE_EXECUTION_ERROR
        | S::PATH_INVALID
        // Request validation.
        | S::INVALID_NO_OF_INPUTS
        | S::INVALID_MISSING_INPUT
        | S::INVALID_UNEXPECTED_INPUT
        | S::INVALID_NO_OF_SHAPE_DIMENSIONS
        | S::INVALID_BATCH_SIZE
        | S::INVALID_SHAPE
        | S::INVALID_BUFFER_TYPE
        | S::INVALID_DEVICE_ID
        | S::INVALID_STRING_INPUT
        | S::INVALID_INPUT_FORMAT
        | S::INVALID_PRECISION
        | S::INVALID_VALUE_COUNT
        | S::INVALID_CONTENT_SIZE
        | S::INVALID_MESSAGE_STRUCTURE
        | S::UNSUPPORTED_LAYOUT
        // Binary inputs.
        | S::INVALID_NO_OF_CHANNELS
        | S::BINARY_IMAGES_RESOLUTION_MISMATCH
        | S::STRING_VAL_EMPTY
        | S::BYTES_CONTENTS_EMPTY => Code::InvalidArgument,
        S::PIPELINE_DEMULTIPLEXER_NO_RESULTS => Code::Aborted,
        S::MODEL_VERSION_NOT_LOADED_YET
        | S::PIPELINE_DEFINITION_NOT_LOADED_YET
        | S::MEDIAPIPE_DEFINITION_NOT_LOADED_YET => Code::Unavailable,
        _ => Code::Unknown,
    }
}

/// The gRPC status a failed request answers with. For codes outside OVMS's table OVMS says
/// only "Unknown error"; the code here is the same (UNKNOWN) but the message keeps the
/// status's own text, which says what went wrong.
pub fn to_grpc(error: &Error) -> tonic::Status {
    tonic::Status::new(grpc_code(error.code), error.details())
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusCode as S;

    /// OVMS's table, copied row by row from `grpc_utils.cpp` (code names and gRPC codes only),
    /// so a row lost or changed in `grpc_code` fails here.
    const OVMS_TABLE: &[(StatusCode, Code)] = &[
        (S::OK, Code::Ok),
        (S::OV_UNSUPPORTED_DESERIALIZATION_PRECISION, Code::Internal),
        (S::OV_UNSUPPORTED_SERIALIZATION_PRECISION, Code::Internal),
        (S::OV_INTERNAL_DESERIALIZATION_ERROR, Code::Internal),
        (S::OV_INTERNAL_INFERENCE_ERROR, Code::Internal),
        (S::OV_INTERNAL_SERIALIZATION_ERROR, Code::Internal),
        (S::INTERNAL_ERROR, Code::Internal),
        (S::FILE_INVALID, Code::Internal),
        (S::MODEL_NOT_LOADED, Code::Internal),
        (S::MODEL_VERSION_POLICY_WRONG_FORMAT, Code::Internal),
        (S::MODEL_VERSION_POLICY_UNSUPPORTED_KEY, Code::Internal),
        (S::NO_MODEL_VERSION_AVAILABLE, Code::Internal),
        (S::MODELINSTANCE_NOT_FOUND, Code::Internal),
        (S::PLUGIN_CONFIG_WRONG_FORMAT, Code::Internal),
        (S::SHAPE_WRONG_FORMAT, Code::Internal),
        (S::RESHAPE_ERROR, Code::FailedPrecondition),
        (
            S::CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE,
            Code::FailedPrecondition,
        ),
        (S::MEDIAPIPE_DESERIALIZATION_ERROR, Code::FailedPrecondition),
        (S::MEDIAPIPE_GRAPH_START_ERROR, Code::FailedPrecondition),
        (
            S::MEDIAPIPE_GRAPH_ADD_OUTPUT_STREAM_ERROR,
            Code::FailedPrecondition,
        ),
        (
            S::MEDIAPIPE_GRAPH_INITIALIZATION_ERROR,
            Code::FailedPrecondition,
        ),
        (
            S::MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM,
            Code::FailedPrecondition,
        ),
        (
            S::MEDIAPIPE_GRAPH_CLOSE_INPUT_STREAM_ERROR,
            Code::FailedPrecondition,
        ),
        (S::JSON_INVALID, Code::FailedPrecondition),
        (S::MODEL_MISSING, Code::NotFound),
        (S::MODEL_NAME_MISSING, Code::NotFound),
        (S::PIPELINE_DEFINITION_NAME_MISSING, Code::NotFound),
        (S::MEDIAPIPE_DEFINITION_NAME_MISSING, Code::NotFound),
        (S::MODEL_VERSION_MISSING, Code::NotFound),
        (S::MODEL_VERSION_NOT_LOADED_ANYMORE, Code::NotFound),
        (S::PIPELINE_DEFINITION_NOT_LOADED_ANYMORE, Code::NotFound),
        (S::MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE, Code::NotFound),
        (S::MODEL_SPEC_MISSING, Code::InvalidArgument),
        (S::MODEL_VERSION_INVALID_FORMAT, Code::InvalidArgument),
        (S::INVALID_SIGNATURE_DEF, Code::InvalidArgument),
        (S::MEDIAPIPE_EXECUTION_ERROR, Code::InvalidArgument),
        (S::PATH_INVALID, Code::InvalidArgument),
        (S::INVALID_NO_OF_INPUTS, Code::InvalidArgument),
        (S::INVALID_MISSING_INPUT, Code::InvalidArgument),
        (S::INVALID_UNEXPECTED_INPUT, Code::InvalidArgument),
        (S::INVALID_NO_OF_SHAPE_DIMENSIONS, Code::InvalidArgument),
        (S::INVALID_BATCH_SIZE, Code::InvalidArgument),
        (S::INVALID_SHAPE, Code::InvalidArgument),
        (S::INVALID_BUFFER_TYPE, Code::InvalidArgument),
        (S::INVALID_DEVICE_ID, Code::InvalidArgument),
        (S::INVALID_STRING_INPUT, Code::InvalidArgument),
        (S::INVALID_INPUT_FORMAT, Code::InvalidArgument),
        (S::INVALID_PRECISION, Code::InvalidArgument),
        (S::INVALID_VALUE_COUNT, Code::InvalidArgument),
        (S::INVALID_CONTENT_SIZE, Code::InvalidArgument),
        (S::INVALID_MESSAGE_STRUCTURE, Code::InvalidArgument),
        (S::UNSUPPORTED_LAYOUT, Code::InvalidArgument),
        (S::INVALID_NO_OF_CHANNELS, Code::InvalidArgument),
        (S::BINARY_IMAGES_RESOLUTION_MISMATCH, Code::InvalidArgument),
        (S::STRING_VAL_EMPTY, Code::InvalidArgument),
        (S::BYTES_CONTENTS_EMPTY, Code::InvalidArgument),
        (S::PIPELINE_DEMULTIPLEXER_NO_RESULTS, Code::Aborted),
        (S::MODEL_VERSION_NOT_LOADED_YET, Code::Unavailable),
        (S::PIPELINE_DEFINITION_NOT_LOADED_YET, Code::Unavailable),
        (S::MEDIAPIPE_DEFINITION_NOT_LOADED_YET, Code::Unavailable),
    ];

    #[test]
    fn every_row_of_ovms_table() {
        assert_eq!(OVMS_TABLE.len(), 60);
        for &(status, code) in OVMS_TABLE {
            assert_eq!(grpc_code(status), code, "{status:?}");
        }
    }

    #[test]
    fn codes_outside_the_table_are_unknown() {
        let listed: Vec<StatusCode> = OVMS_TABLE.iter().map(|row| row.0).collect();
        let outside: Vec<StatusCode> = StatusCode::ALL
            .into_iter()
            .filter(|code| !listed.contains(code))
            .collect();
        assert_eq!(outside.len(), StatusCode::ALL.len() - OVMS_TABLE.len());
        for code in outside {
            assert_eq!(grpc_code(code), Code::Unknown, "{code:?}");
        }
    }

    #[test]
    fn message_is_ovms_text_and_details() {
        let status = to_grpc(&Error::with(
            StatusCode::INVALID_CONTENT_SIZE,
            "Expected: 40 bytes; Actual: 39 bytes; input name: b",
        ));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "Invalid content size of tensor proto - Expected: 40 bytes; Actual: 39 bytes; input name: b"
        );
        let bare = to_grpc(&Error::new(StatusCode::MODEL_NAME_MISSING));
        assert_eq!(bare.code(), Code::NotFound);
        assert_eq!(bare.message(), "Model with requested name is not found");
    }
}
