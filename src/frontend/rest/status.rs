//! OVMS's status code -> HTTP status table for REST answers (read from `http(const Status&)` in
//! OVMS's `src/http_server.cpp`). A code the table does not name answers 500, as in OVMS; so do
//! REST-only codes OVMS left out of it, such as `REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID`.
//! OVMS never sends the table's 201 for `OK_RELOADED`: its server sets a status only for
//! failures, so a reload that changed something answers 200 too (`reload_answers_200`).

use crate::status::StatusCode;

/// Every row of OVMS's table, in its order.
const TABLE: &[(StatusCode, u16)] = {
    use StatusCode::*;
    &[
        (OK, 200),
        (OK_RELOADED, 201),
        (OK_NOT_RELOADED, 200),
        // REST handler
        (REST_INVALID_URL, 400),
        (REST_UNSUPPORTED_METHOD, 406),
        (REST_NOT_FOUND, 404),
        // REST parser
        (REST_BODY_IS_NOT_AN_OBJECT, 400),
        (REST_PREDICT_UNKNOWN_ORDER, 400),
        (REST_INSTANCES_NOT_AN_ARRAY, 400),
        (REST_NAMED_INSTANCE_NOT_AN_OBJECT, 400),
        (REST_INPUT_NOT_PREALLOCATED, 500),
        (REST_NO_INSTANCES_FOUND, 400),
        (REST_INSTANCES_NOT_NAMED_OR_NONAMED, 400),
        (REST_COULD_NOT_PARSE_INSTANCE, 400),
        (REST_INSTANCES_BATCH_SIZE_DIFFER, 400),
        (REST_INPUTS_NOT_AN_OBJECT, 400),
        (REST_NO_INPUTS_FOUND, 400),
        (REST_COULD_NOT_PARSE_INPUT, 400),
        (REST_COULD_NOT_PARSE_OUTPUT, 400),
        (REST_COULD_NOT_PARSE_PARAMETERS, 400),
        (REST_BINARY_DATA_SIZE_PARAMETER_INVALID, 400),
        (REST_PROTO_TO_STRING_ERROR, 500),
        (REST_UNSUPPORTED_PRECISION, 400),
        (REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE, 500),
        (REST_BINARY_BUFFER_EXCEEDED, 400),
        // Models and config
        (PATH_INVALID, 400),
        (FILE_INVALID, 500),
        (NO_MODEL_VERSION_AVAILABLE, 500),
        (MODEL_NOT_LOADED, 500),
        (SERVER_NOT_READY, 503),
        (JSON_INVALID, 412),
        (MODELINSTANCE_NOT_FOUND, 500),
        (SHAPE_WRONG_FORMAT, 500),
        (PLUGIN_CONFIG_WRONG_FORMAT, 500),
        (MODEL_VERSION_POLICY_WRONG_FORMAT, 500),
        (MODEL_VERSION_POLICY_UNSUPPORTED_KEY, 500),
        (RESHAPE_ERROR, 412),
        (MODEL_MISSING, 404),
        (MODEL_NAME_MISSING, 404),
        (PIPELINE_DEFINITION_NAME_MISSING, 404),
        (MEDIAPIPE_DEFINITION_NAME_MISSING, 404),
        (MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE, 404),
        (MODEL_VERSION_MISSING, 404),
        (MEDIAPIPE_EXECUTION_ERROR, 400),
        (MEDIAPIPE_PRECONDITION_FAILED, 412),
        (MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM, 412),
        (MODEL_VERSION_NOT_LOADED_ANYMORE, 404),
        (MODEL_VERSION_NOT_LOADED_YET, 404),
        (PIPELINE_DEFINITION_NOT_LOADED_YET, 404),
        (PIPELINE_DEFINITION_NOT_LOADED_ANYMORE, 404),
        (MODEL_SPEC_MISSING, 400),
        (INVALID_SIGNATURE_DEF, 400),
        (PIPELINE_DEMULTIPLEXER_NO_RESULTS, 204),
        (CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE, 412),
        // Request validation
        (INVALID_NO_OF_INPUTS, 400),
        (INVALID_MISSING_INPUT, 400),
        (INVALID_UNEXPECTED_INPUT, 400),
        (INVALID_NO_OF_SHAPE_DIMENSIONS, 400),
        (INVALID_BATCH_SIZE, 400),
        (INVALID_SHAPE, 400),
        (INVALID_BUFFER_TYPE, 400),
        (INVALID_DEVICE_ID, 400),
        (INVALID_STRING_INPUT, 400),
        (INVALID_INPUT_FORMAT, 400),
        (INVALID_PRECISION, 400),
        (INVALID_VALUE_COUNT, 400),
        (INVALID_CONTENT_SIZE, 400),
        (INVALID_MESSAGE_STRUCTURE, 400),
        (UNSUPPORTED_LAYOUT, 400),
        // Deserialization, inference, serialization
        (OV_UNSUPPORTED_DESERIALIZATION_PRECISION, 500),
        (OV_INTERNAL_DESERIALIZATION_ERROR, 500),
        (OV_INTERNAL_INFERENCE_ERROR, 500),
        (OV_UNSUPPORTED_SERIALIZATION_PRECISION, 500),
        (OV_INTERNAL_SERIALIZATION_ERROR, 500),
        (INTERNAL_ERROR, 500),
        // Binary (image) inputs
        (INVALID_NO_OF_CHANNELS, 400),
        (BINARY_IMAGES_RESOLUTION_MISMATCH, 400),
        (STRING_VAL_EMPTY, 400),
    ]
};

/// The HTTP status OVMS answers a failure with `code` with (500 for codes not in its table).
pub fn http_code(code: StatusCode) -> u16 {
    TABLE
        .iter()
        .find(|(row, _)| *row == code)
        .map_or(500, |&(_, http)| http)
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusCode::*;

    /// OVMS's table again, grouped by HTTP code rather than in its order: a row missing, added
    /// or mistyped on either side fails.
    fn ovms_groups() -> Vec<(u16, Vec<StatusCode>)> {
        vec![
            (200, vec![OK, OK_NOT_RELOADED]),
            (201, vec![OK_RELOADED]),
            (204, vec![PIPELINE_DEMULTIPLEXER_NO_RESULTS]),
            (
                400,
                vec![
                    REST_INVALID_URL,
                    REST_BODY_IS_NOT_AN_OBJECT,
                    REST_PREDICT_UNKNOWN_ORDER,
                    REST_INSTANCES_NOT_AN_ARRAY,
                    REST_NAMED_INSTANCE_NOT_AN_OBJECT,
                    REST_NO_INSTANCES_FOUND,
                    REST_INSTANCES_NOT_NAMED_OR_NONAMED,
                    REST_COULD_NOT_PARSE_INSTANCE,
                    REST_INSTANCES_BATCH_SIZE_DIFFER,
                    REST_INPUTS_NOT_AN_OBJECT,
                    REST_NO_INPUTS_FOUND,
                    REST_COULD_NOT_PARSE_INPUT,
                    REST_COULD_NOT_PARSE_OUTPUT,
                    REST_COULD_NOT_PARSE_PARAMETERS,
                    REST_BINARY_DATA_SIZE_PARAMETER_INVALID,
                    REST_UNSUPPORTED_PRECISION,
                    REST_BINARY_BUFFER_EXCEEDED,
                    PATH_INVALID,
                    MEDIAPIPE_EXECUTION_ERROR,
                    MODEL_SPEC_MISSING,
                    INVALID_SIGNATURE_DEF,
                    INVALID_NO_OF_INPUTS,
                    INVALID_MISSING_INPUT,
                    INVALID_UNEXPECTED_INPUT,
                    INVALID_NO_OF_SHAPE_DIMENSIONS,
                    INVALID_BATCH_SIZE,
                    INVALID_SHAPE,
                    INVALID_BUFFER_TYPE,
                    INVALID_DEVICE_ID,
                    INVALID_STRING_INPUT,
                    INVALID_INPUT_FORMAT,
                    INVALID_PRECISION,
                    INVALID_VALUE_COUNT,
                    INVALID_CONTENT_SIZE,
                    INVALID_MESSAGE_STRUCTURE,
                    UNSUPPORTED_LAYOUT,
                    INVALID_NO_OF_CHANNELS,
                    BINARY_IMAGES_RESOLUTION_MISMATCH,
                    STRING_VAL_EMPTY,
                ],
            ),
            (
                404,
                vec![
                    REST_NOT_FOUND,
                    MODEL_MISSING,
                    MODEL_NAME_MISSING,
                    PIPELINE_DEFINITION_NAME_MISSING,
                    MEDIAPIPE_DEFINITION_NAME_MISSING,
                    MEDIAPIPE_DEFINITION_NOT_LOADED_ANYMORE,
                    MODEL_VERSION_MISSING,
                    MODEL_VERSION_NOT_LOADED_ANYMORE,
                    MODEL_VERSION_NOT_LOADED_YET,
                    PIPELINE_DEFINITION_NOT_LOADED_YET,
                    PIPELINE_DEFINITION_NOT_LOADED_ANYMORE,
                ],
            ),
            (406, vec![REST_UNSUPPORTED_METHOD]),
            (
                412,
                vec![
                    JSON_INVALID,
                    RESHAPE_ERROR,
                    MEDIAPIPE_PRECONDITION_FAILED,
                    MEDIAPIPE_GRAPH_ADD_PACKET_INPUT_STREAM,
                    CANNOT_COMPILE_MODEL_INTO_TARGET_DEVICE,
                ],
            ),
            (
                500,
                vec![
                    REST_INPUT_NOT_PREALLOCATED,
                    REST_PROTO_TO_STRING_ERROR,
                    REST_SERIALIZE_TENSOR_CONTENT_INVALID_SIZE,
                    FILE_INVALID,
                    NO_MODEL_VERSION_AVAILABLE,
                    MODEL_NOT_LOADED,
                    MODELINSTANCE_NOT_FOUND,
                    SHAPE_WRONG_FORMAT,
                    PLUGIN_CONFIG_WRONG_FORMAT,
                    MODEL_VERSION_POLICY_WRONG_FORMAT,
                    MODEL_VERSION_POLICY_UNSUPPORTED_KEY,
                    OV_UNSUPPORTED_DESERIALIZATION_PRECISION,
                    OV_INTERNAL_DESERIALIZATION_ERROR,
                    OV_INTERNAL_INFERENCE_ERROR,
                    OV_UNSUPPORTED_SERIALIZATION_PRECISION,
                    OV_INTERNAL_SERIALIZATION_ERROR,
                    INTERNAL_ERROR,
                ],
            ),
            (503, vec![SERVER_NOT_READY]),
        ]
    }

    #[test]
    fn every_row_has_ovms_http_code() {
        let groups = ovms_groups();
        let listed: usize = groups.iter().map(|(_, codes)| codes.len()).sum();
        assert_eq!(
            listed,
            TABLE.len(),
            "the table and OVMS's groups differ in size"
        );
        for (http, codes) in &groups {
            for code in codes {
                assert!(
                    TABLE.contains(&(*code, *http)),
                    "{code:?} should be a row answering {http}"
                );
                assert_eq!(http_code(*code), *http, "{code:?}");
            }
        }
        for (i, (code, _)) in TABLE.iter().enumerate() {
            assert!(
                TABLE[..i].iter().all(|(earlier, _)| earlier != code),
                "{code:?} is in the table twice"
            );
        }
    }

    #[test]
    fn codes_outside_the_table_answer_500() {
        for code in [
            REST_INFERENCE_HEADER_CONTENT_LENGTH_INVALID,
            REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED,
            REST_CONTENTS_FIELD_NOT_EMPTY,
            REST_COULD_NOT_PARSE_VERSION,
            JSON_NESTING_DEPTH_EXCEEDED,
            NOT_IMPLEMENTED,
            CONFIG_FILE_INVALID,
        ] {
            assert!(TABLE.iter().all(|(row, _)| *row != code), "{code:?}");
            assert_eq!(http_code(code), 500, "{code:?}");
        }
    }
}
