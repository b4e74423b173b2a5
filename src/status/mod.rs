//! The status part: OVMS's status-code table and the library's one error type.

mod codes;

pub use codes::StatusCode;
use std::fmt;

/// The library's error: an OVMS status code plus optional context.
///
/// Its text (`details`) is the canonical message, then ` - ` and the context when there is one,
/// exactly as OVMS formats `OVMS_StatusDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: StatusCode,
    pub context: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: StatusCode) -> Self {
        Error {
            code,
            context: None,
        }
    }

    pub fn with(code: StatusCode, context: impl Into<String>) -> Self {
        Error {
            code,
            context: Some(context.into()),
        }
    }

    /// `NONEXISTENT_PTR` naming the NULL argument.
    pub fn null_arg(name: &str) -> Self {
        Error::with(StatusCode::NONEXISTENT_PTR, name)
    }

    pub fn details(&self) -> String {
        match &self.context {
            Some(context) => format!("{} - {}", self.code.message(), context),
            None => self.code.message().to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.details())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_matches_ovms_2026_3() {
        assert_eq!(StatusCode::ALL.len(), 281);
        for (i, code) in StatusCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i);
        }
        assert_eq!(StatusCode::MODEL_NAME_MISSING as u32, 45);
        assert_eq!(StatusCode::MODEL_VERSION_MISSING as u32, 47);
        assert_eq!(StatusCode::INVALID_NO_OF_INPUTS as u32, 51);
        assert_eq!(StatusCode::INVALID_SHAPE as u32, 57);
        assert_eq!(StatusCode::OV_INTERNAL_INFERENCE_ERROR as u32, 69);
        assert_eq!(StatusCode::INTERNAL_ERROR as u32, 76);
        assert_eq!(StatusCode::NOT_IMPLEMENTED as u32, 78);
        assert_eq!(StatusCode::PIPELINE_DEFINITION_NAME_MISSING as u32, 144);
        assert_eq!(StatusCode::NONEXISTENT_PTR as u32, 255);
        assert_eq!(StatusCode::SERVER_NOT_READY as u32, 256);
        assert_eq!(StatusCode::SERVER_ALREADY_STARTING as u32, 261);
        assert_eq!(StatusCode::STATUS_CODE_END as u32, 280);
    }

    #[test]
    fn canonical_messages() {
        assert_eq!(
            StatusCode::NONEXISTENT_PTR.message(),
            "Tried to use nonexisting pointer"
        );
        assert_eq!(
            StatusCode::INVALID_NO_OF_INPUTS.message(),
            "Invalid number of inputs"
        );
        assert_eq!(
            StatusCode::SERVER_NOT_READY.message(),
            "Server is not ready"
        );
        assert_eq!(StatusCode::RESHAPE_ERROR.message(), "Undefined error");
        // The pipeline codes have OVMS's messages, the first and the last of them too.
        for code in [
            StatusCode::PIPELINE_DEFINITION_ALREADY_EXIST,
            StatusCode::PIPELINE_NODE_REFERING_TO_MISSING_MODEL,
            StatusCode::PIPELINE_DEMULTIPLEXER_NO_RESULTS,
            StatusCode::PIPELINE_STRING_DEMUILTIPLICATION_UNSUPPORTED,
        ] {
            assert_ne!(code.message(), "Undefined error", "{code:?}");
        }
        assert_eq!(
            StatusCode::PIPELINE_CYCLE_FOUND.message(),
            "Pipeline definition contains a cycle"
        );
    }

    #[test]
    fn details_join_message_and_context() {
        assert_eq!(
            Error::null_arg("server").details(),
            "Tried to use nonexisting pointer - server"
        );
        assert_eq!(
            Error::new(StatusCode::INTERNAL_ERROR).details(),
            "Internal server error"
        );
    }
}
