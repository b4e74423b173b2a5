//! Checking a request against the model version, in OVMS's order and with OVMS's codes.

use super::request::{BUFFER_TYPE_CPU, Request, RequestTensor};
use crate::datatype::DataType;
use crate::model::{Loaded, ServedTensor};
use crate::status::{Error, Result, StatusCode};

/// `OVMS_BUFFERTYPE_OPENCL`, `_VASURFACE_Y`, `_VASURFACE_UV`: valid in OVMS, C++-only here.
const CPP_ONLY_BUFFER_TYPES: [u32; 3] = [3, 4, 5];

fn shape_text(dims: &[i64]) -> String {
    let parts: Vec<String> = dims.iter().map(i64::to_string).collect();
    format!("({})", parts.join(","))
}

fn model_shape_text(tensor: &ServedTensor) -> String {
    let parts: Vec<String> = tensor
        .info
        .dims
        .iter()
        .map(|d| match (d.min, d.max) {
            (lo, hi) if lo == hi => lo.to_string(),
            (lo, hi) if hi < 0 && lo <= 0 => "-1".to_string(),
            (lo, hi) => format!("{lo}:{hi}"),
        })
        .collect();
    format!("({})", parts.join(","))
}

pub fn validate(request: &Request, loaded: &Loaded) -> Result<()> {
    if request.inputs.len() != loaded.inputs.len() || request.inputs.is_empty() {
        return Err(Error::with(
            StatusCode::INVALID_NO_OF_INPUTS,
            format!(
                "Expected: {}; Actual: {}",
                loaded.inputs.len(),
                request.inputs.len()
            ),
        ));
    }
    for served in &loaded.inputs {
        let tensor = request.inputs.get(&served.info.name).ok_or_else(|| {
            Error::with(
                StatusCode::INVALID_MISSING_INPUT,
                format!("Required input: {}", served.info.name),
            )
        })?;
        check_tensor(served, tensor, "input")?;
    }
    for served in &loaded.outputs {
        if let Some(tensor) = request.outputs.get(&served.info.name) {
            check_tensor(served, tensor, "output")?;
        }
    }
    Ok(())
}

fn check_tensor(served: &ServedTensor, tensor: &RequestTensor, side: &str) -> Result<()> {
    let name = &served.info.name;
    let fail = |code, what: String| Err(Error::with(code, format!("{what}; {side} name: {name}")));
    if tensor.shape.iter().any(|&d| d < 0) {
        return fail(
            StatusCode::INVALID_SHAPE,
            format!("negative dimension in {}", shape_text(&tensor.shape)),
        );
    }
    let expected_type = served.info.data_type;
    if expected_type == DataType::STRING {
        return Err(Error::with(
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "{side} {name} is a STRING tensor; C++ std::string buffers are not supported by this library"
            ),
        ));
    }
    if DataType::from_raw(tensor.datatype) != Some(expected_type) {
        let actual = DataType::from_raw(tensor.datatype)
            .map_or(format!("{}", tensor.datatype), |d| format!("{d:?}"));
        return fail(
            StatusCode::INVALID_PRECISION,
            format!("Expected: {expected_type:?}; Actual: {actual}"),
        );
    }
    let dims = &served.info.dims;
    if tensor.shape.len() != dims.len() {
        return fail(
            StatusCode::INVALID_NO_OF_SHAPE_DIMENSIONS,
            format!(
                "Expected: {}; Actual: {}",
                model_shape_text(served),
                shape_text(&tensor.shape)
            ),
        );
    }
    for (i, (dim, &actual)) in dims.iter().zip(&tensor.shape).enumerate() {
        if !dim.accepts(actual) {
            let code = if i == 0 {
                StatusCode::INVALID_BATCH_SIZE
            } else {
                StatusCode::INVALID_SHAPE
            };
            return fail(
                code,
                format!(
                    "Expected: {}; Actual: {}",
                    model_shape_text(served),
                    shape_text(&tensor.shape)
                ),
            );
        }
    }
    let Some(buffer) = tensor.buffer else {
        return fail(StatusCode::NONEXISTENT_BUFFER, "no data was set".into());
    };
    let element_size = expected_type.element_size().unwrap_or(1);
    let expected_bytes = tensor.shape.iter().try_fold(element_size, |acc, &d| {
        acc.checked_mul(usize::try_from(d).ok()?)
    });
    let Some(expected_bytes) = expected_bytes else {
        return fail(
            StatusCode::INVALID_SHAPE,
            format!("{} has too many elements", shape_text(&tensor.shape)),
        );
    };
    if buffer.byte_size != expected_bytes {
        return fail(
            StatusCode::INVALID_CONTENT_SIZE,
            format!(
                "Expected: {expected_bytes} bytes; Actual: {} bytes",
                buffer.byte_size
            ),
        );
    }
    if buffer.buffer_type != BUFFER_TYPE_CPU {
        let why = if CPP_ONLY_BUFFER_TYPES.contains(&buffer.buffer_type) {
            "OpenCL and VA buffers are C++-only and not supported by this library"
        } else {
            "only OVMS_BUFFERTYPE_CPU is supported"
        };
        return fail(
            StatusCode::INVALID_BUFFER_TYPE,
            format!("buffer type {}: {why}", buffer.buffer_type),
        );
    }
    if buffer.device_id != 0 {
        return fail(
            StatusCode::INVALID_DEVICE_ID,
            format!("CPU buffers need device id 0, got {}", buffer.device_id),
        );
    }
    if buffer.data.is_null() && buffer.byte_size > 0 {
        return Err(Error::with(
            StatusCode::NONEXISTENT_PTR,
            format!("data of {side} {name}"),
        ));
    }
    Ok(())
}
