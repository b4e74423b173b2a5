//! Checking a request against the model version, in OVMS's order and with OVMS's codes. What
//! passes becomes a `Plan`: the request's tensors bound to the version's ports, copied out of the
//! request, so the inference never reads the request again (a host may edit or delete it in
//! flight without tearing what runs).

use super::Dims;
use super::request::{BUFFER_TYPE_CPU, Buffer, Request, RequestTensor};
use super::strings::{STD_STRING_SIZE, read_std_strings};
use crate::datatype::DataType;
use crate::model::ServedTensor;
use crate::status::{Error, Result, StatusCode};
use smallvec::SmallVec;
use std::ffi::CString;

/// `OVMS_BUFFERTYPE_OPENCL`, `_VASURFACE_Y`, `_VASURFACE_UV`: valid in OVMS, C++-only here.
const CPP_ONLY_BUFFER_TYPES: [u32; 3] = [3, 4, 5];

/// One tensor of a validated request, bound to a port of the version.
#[derive(Debug, Clone)]
pub struct Bound {
    /// The index into the version's (name-sorted) inputs or outputs.
    pub served: usize,
    pub shape: Dims,
    pub buffer: Buffer,
    /// A STRING input's strings, copied out of the caller's `std::string` array at validation
    /// (NUL-terminated, as OpenVINO's C API takes them).
    pub strings: Option<Vec<CString>>,
}

/// The bound tensors of one side of a request: inline for the usual one.
pub type BoundList = SmallVec<[Bound; 1]>;

/// A validated request: its inputs in the version's input order, and the preallocated outputs
/// the version has.
#[derive(Debug, Default)]
pub struct Plan {
    pub inputs: BoundList,
    pub outputs: BoundList,
}

impl Plan {
    /// Whether an input's strings were copied out of the caller's buffers.
    pub fn carries_strings(&self) -> bool {
        self.inputs.iter().any(|bound| bound.strings.is_some())
    }
}

// SAFETY: the buffers are the caller's memory, which the caller keeps alive and unchanged until
// the inference completes (the C API's contract); one inference at a time uses a plan.
unsafe impl Send for Plan {}

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

/// Checks `request` against a version's inputs and outputs (both name-sorted).
pub fn validate(
    request: &Request,
    inputs: &[ServedTensor],
    outputs: &[ServedTensor],
) -> Result<Plan> {
    if request.inputs().len() != inputs.len() || request.inputs().is_empty() {
        return Err(Error::with(
            StatusCode::INVALID_NO_OF_INPUTS,
            format!(
                "Expected: {}; Actual: {}",
                inputs.len(),
                request.inputs().len()
            ),
        ));
    }
    let mut plan = Plan::default();
    for (served, port) in inputs.iter().enumerate() {
        let tensor = request
            .inputs()
            .get(port.info.name.as_bytes())
            .ok_or_else(|| {
                Error::with(
                    StatusCode::INVALID_MISSING_INPUT,
                    format!("Required input: {}", port.info.name),
                )
            })?;
        plan.inputs
            .push(check_tensor(served, port, tensor, "input")?);
    }
    for (served, port) in outputs.iter().enumerate() {
        if let Some(tensor) = request.outputs().get(port.info.name.as_bytes()) {
            plan.outputs
                .push(check_tensor(served, port, tensor, "output")?);
        }
    }
    Ok(plan)
}

fn check_tensor(
    index: usize,
    served: &ServedTensor,
    tensor: &RequestTensor,
    side: &str,
) -> Result<Bound> {
    let name = &served.info.name;
    let fail = |code, what: String| Err(Error::with(code, format!("{what}; {side} name: {name}")));
    if tensor.shape.iter().any(|&d| d < 0) {
        return fail(
            StatusCode::INVALID_SHAPE,
            format!("negative dimension in {}", shape_text(&tensor.shape)),
        );
    }
    let expected_type = served.info.data_type;
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
    // As OVMS: elements x the element's size in whole bytes, so one byte per element of the
    // packed types (U4, I4, U1), of which OpenVINO reads only the packed prefix; a STRING
    // element is one C++ std::string object.
    let element_size = if expected_type == DataType::STRING {
        STD_STRING_SIZE
    } else {
        expected_type.element_size().unwrap_or(1)
    };
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
    let strings = if expected_type == DataType::STRING && side == "input" {
        Some(copy_strings(
            &buffer,
            expected_bytes / STD_STRING_SIZE,
            side,
            name,
        )?)
    } else {
        None
    };
    Ok(Bound {
        served: index,
        shape: Dims::from_slice(&tensor.shape),
        buffer,
        strings,
    })
}

/// Copies a STRING tensor's `count` strings out of the caller's `std::string` array.
fn copy_strings(buffer: &Buffer, count: usize, side: &str, name: &str) -> Result<Vec<CString>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: the buffer is non-NULL and holds `count * STD_STRING_SIZE` bytes (both checked
    // above); the C API's contract is that it is the caller's array of `count` std::string
    // objects, alive and unchanged until the inference completes, and the strings are copied
    // here, before this returns. `read_std_strings` checks each object before following it.
    let strings = unsafe { read_std_strings(buffer.data, count, side, name) }?;
    strings
        .into_iter()
        .enumerate()
        .map(|(index, bytes)| {
            CString::new(bytes).map_err(|_| {
                Error::with(
                    StatusCode::INVALID_STRING_INPUT,
                    format!(
                        "{side} {name}, element {index}: the string contains a NUL byte, which \
                         OpenVINO's C API cannot pass into a string tensor"
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::request::{Buffer, Side};
    use crate::ov::{Dim, PortInfo};
    use openvino_sys::ov_element_type_e as Ov;

    fn served(index: usize, name: &str, data_type: DataType, dims: Vec<Dim>) -> ServedTensor {
        let ov_type = data_type.to_ov().unwrap_or(Ov::DYNAMIC);
        ServedTensor::new(
            index,
            PortInfo {
                name: name.into(),
                ov_type,
                data_type,
                dims,
            },
        )
    }

    fn fixed(dims: &[i64]) -> Vec<Dim> {
        dims.iter().map(|&d| Dim::fixed(d)).collect()
    }

    /// The dummy model: `b` FP32 (1,10) -> `a`.
    fn dummy() -> (Vec<ServedTensor>, Vec<ServedTensor>) {
        (
            vec![served(0, "b", DataType::FP32, fixed(&[1, 10]))],
            vec![served(0, "a", DataType::FP32, fixed(&[1, 10]))],
        )
    }

    static DATA: [u8; 4096] = [0; 4096];

    fn cpu(byte_size: usize) -> Buffer {
        Buffer {
            data: DATA.as_ptr().cast(),
            byte_size,
            buffer_type: BUFFER_TYPE_CPU,
            device_id: 0,
        }
    }

    fn request_with(
        name: &str,
        datatype: DataType,
        shape: &[i64],
        buffer: Option<Buffer>,
    ) -> Request {
        let mut r = Request::new(b"dummy", 0);
        r.insert_tensor(
            Side::Input,
            name.as_bytes(),
            RequestTensor {
                datatype: datatype as u32,
                shape: shape.to_vec(),
                buffer,
            },
        );
        r
    }

    fn code(request: &Request, model: &(Vec<ServedTensor>, Vec<ServedTensor>)) -> StatusCode {
        validate(request, &model.0, &model.1)
            .err()
            .map_or(StatusCode::OK, |e| e.code)
    }

    #[test]
    fn valid_request() {
        assert_eq!(
            code(
                &request_with("b", DataType::FP32, &[1, 10], Some(cpu(40))),
                &dummy()
            ),
            StatusCode::OK
        );
    }

    #[test]
    fn each_rule_has_its_code() {
        let model = dummy();
        let cases: Vec<(Request, StatusCode)> = vec![
            (Request::new(b"dummy", 0), StatusCode::INVALID_NO_OF_INPUTS),
            (
                request_with("c", DataType::FP32, &[1, 10], Some(cpu(40))),
                StatusCode::INVALID_MISSING_INPUT,
            ),
            (
                request_with("b", DataType::FP32, &[1, -10], Some(cpu(40))),
                StatusCode::INVALID_SHAPE,
            ),
            (
                request_with("b", DataType::FP16, &[1, 10], Some(cpu(20))),
                StatusCode::INVALID_PRECISION,
            ),
            (
                request_with("b", DataType::Q78, &[1, 10], Some(cpu(20))),
                StatusCode::INVALID_PRECISION,
            ),
            (
                request_with("b", DataType::FP32, &[1, 10, 1], Some(cpu(40))),
                StatusCode::INVALID_NO_OF_SHAPE_DIMENSIONS,
            ),
            (
                request_with("b", DataType::FP32, &[2, 10], Some(cpu(80))),
                StatusCode::INVALID_BATCH_SIZE,
            ),
            (
                request_with("b", DataType::FP32, &[1, 9], Some(cpu(36))),
                StatusCode::INVALID_SHAPE,
            ),
            (
                request_with("b", DataType::FP32, &[1, 10], None),
                StatusCode::NONEXISTENT_BUFFER,
            ),
            (
                request_with("b", DataType::FP32, &[1, 10], Some(cpu(39))),
                StatusCode::INVALID_CONTENT_SIZE,
            ),
            (
                request_with("b", DataType::FP32, &[1, 10], Some(cpu(0))),
                StatusCode::INVALID_CONTENT_SIZE,
            ),
            (
                request_with(
                    "b",
                    DataType::FP32,
                    &[1, 10],
                    Some(Buffer {
                        buffer_type: 999,
                        ..cpu(40)
                    }),
                ),
                StatusCode::INVALID_BUFFER_TYPE,
            ),
            (
                request_with(
                    "b",
                    DataType::FP32,
                    &[1, 10],
                    Some(Buffer {
                        buffer_type: 3,
                        ..cpu(40)
                    }),
                ),
                StatusCode::INVALID_BUFFER_TYPE,
            ),
            (
                request_with(
                    "b",
                    DataType::FP32,
                    &[1, 10],
                    Some(Buffer {
                        device_id: 1,
                        ..cpu(40)
                    }),
                ),
                StatusCode::INVALID_DEVICE_ID,
            ),
            (
                request_with(
                    "b",
                    DataType::FP32,
                    &[1, 10],
                    Some(Buffer {
                        data: std::ptr::null(),
                        ..cpu(40)
                    }),
                ),
                StatusCode::NONEXISTENT_PTR,
            ),
        ];
        for (request, expected) in &cases {
            assert_eq!(code(request, &model), *expected, "{:?}", request.inputs());
        }
    }

    #[test]
    fn too_many_inputs() {
        let mut r = request_with("b", DataType::FP32, &[1, 10], Some(cpu(40)));
        r.insert_tensor(
            Side::Input,
            b"c",
            RequestTensor {
                datatype: DataType::FP32 as u32,
                shape: vec![1, 10],
                buffer: Some(cpu(40)),
            },
        );
        assert_eq!(code(&r, &dummy()), StatusCode::INVALID_NO_OF_INPUTS);
    }

    #[test]
    fn overflowing_shapes() {
        let huge = [1i64 << 40, 1 << 40];
        // Static model: the batch check comes first.
        assert_eq!(
            code(
                &request_with("b", DataType::FP32, &huge, Some(cpu(40))),
                &dummy()
            ),
            StatusCode::INVALID_BATCH_SIZE
        );
        // Fully dynamic model: the element count overflows.
        let dynamic = (
            vec![served(0, "b", DataType::FP32, vec![Dim::any(), Dim::any()])],
            vec![],
        );
        assert_eq!(
            code(
                &request_with("b", DataType::FP32, &huge, Some(cpu(40))),
                &dynamic
            ),
            StatusCode::INVALID_SHAPE
        );
    }

    #[test]
    fn dynamic_ranges_scalars_and_zero_dims() {
        let ranged = (
            vec![served(
                0,
                "b",
                DataType::FP32,
                vec![Dim::any(), Dim { min: 1, max: 10 }],
            )],
            vec![],
        );
        assert_eq!(
            code(
                &request_with("b", DataType::FP32, &[3, 5], Some(cpu(60))),
                &ranged
            ),
            StatusCode::OK
        );
        assert_eq!(
            code(
                &request_with("b", DataType::FP32, &[3, 11], Some(cpu(132))),
                &ranged
            ),
            StatusCode::INVALID_SHAPE
        );
        assert_eq!(
            code(
                &request_with("b", DataType::FP32, &[0, 5], Some(cpu(0))),
                &ranged
            ),
            StatusCode::OK
        );
        let batch_range = (
            vec![served(
                0,
                "b",
                DataType::FP32,
                vec![Dim { min: 1, max: 2 }, Dim::fixed(3)],
            )],
            vec![],
        );
        assert_eq!(
            code(
                &request_with("b", DataType::FP32, &[3, 3], Some(cpu(36))),
                &batch_range
            ),
            StatusCode::INVALID_BATCH_SIZE
        );
        let scalar = (vec![served(0, "s", DataType::FP32, vec![])], vec![]);
        assert_eq!(
            code(
                &request_with("s", DataType::FP32, &[], Some(cpu(4))),
                &scalar
            ),
            StatusCode::OK
        );
        assert_eq!(
            code(
                &request_with("s", DataType::FP32, &[1], Some(cpu(4))),
                &scalar
            ),
            StatusCode::INVALID_NO_OF_SHAPE_DIMENSIONS
        );
    }

    #[test]
    fn every_sized_precision_is_accepted() {
        for dt in [
            DataType::FP64,
            DataType::FP32,
            DataType::FP16,
            DataType::I16,
            DataType::U8,
            DataType::U1,
            DataType::I8,
            DataType::U16,
            DataType::I32,
            DataType::I64,
            DataType::U32,
            DataType::U64,
            DataType::BOOL,
        ] {
            let model = (vec![served(0, "x", dt, fixed(&[1, 4]))], vec![]);
            let bytes = 4 * dt.element_size().unwrap();
            assert_eq!(
                code(&request_with("x", dt, &[1, 4], Some(cpu(bytes))), &model),
                StatusCode::OK,
                "{dt:?}"
            );
        }
    }

    #[test]
    fn preallocated_outputs_follow_the_same_rules() {
        let model = dummy();
        let with_output = |datatype: DataType, shape: &[i64], buffer: Option<Buffer>| {
            let mut r = request_with("b", DataType::FP32, &[1, 10], Some(cpu(40)));
            r.insert_tensor(
                Side::Output,
                b"a",
                RequestTensor {
                    datatype: datatype as u32,
                    shape: shape.to_vec(),
                    buffer,
                },
            );
            r
        };
        assert_eq!(
            code(
                &with_output(DataType::FP32, &[1, 10], Some(cpu(40))),
                &model
            ),
            StatusCode::OK
        );
        assert_eq!(
            code(&with_output(DataType::FP32, &[1, 10], None), &model),
            StatusCode::NONEXISTENT_BUFFER
        );
        assert_eq!(
            code(
                &with_output(DataType::FP32, &[1, 10], Some(cpu(41))),
                &model
            ),
            StatusCode::INVALID_CONTENT_SIZE
        );
        assert_eq!(
            code(
                &with_output(DataType::FP32, &[1, 11], Some(cpu(44))),
                &model
            ),
            StatusCode::INVALID_SHAPE
        );
        assert_eq!(
            code(&with_output(DataType::I32, &[1, 10], Some(cpu(40))), &model),
            StatusCode::INVALID_PRECISION
        );
        assert_eq!(
            code(
                &with_output(
                    DataType::FP32,
                    &[1, 10],
                    Some(Buffer {
                        device_id: 2,
                        ..cpu(40)
                    })
                ),
                &model
            ),
            StatusCode::INVALID_DEVICE_ID
        );
        // An output the model does not have is ignored.
        let mut r = request_with("b", DataType::FP32, &[1, 10], Some(cpu(40)));
        r.insert_tensor(
            Side::Output,
            b"zzz",
            RequestTensor {
                datatype: 2,
                shape: vec![1],
                buffer: None,
            },
        );
        assert_eq!(code(&r, &model), StatusCode::OK);
    }

    #[test]
    fn string_inputs_are_std_string_arrays() {
        let model = (
            vec![served(0, "my_name", DataType::STRING, vec![Dim::any()])],
            vec![],
        );
        // Two libstdc++ C++11 std::string objects holding "Pan" and "" (short: the pointer is
        // the object's own local buffer at offset 16).
        let mut objects = [[0u64; 4]; 2];
        for object in &mut objects {
            object[0] = (object.as_ptr() as usize + 16) as u64;
        }
        objects[0][1] = 3;
        objects[0][2] = u64::from_ne_bytes(*b"Pan\0\0\0\0\0");
        let base = objects.as_ptr();
        let strings = |byte_size: usize| Buffer {
            data: base.cast(),
            byte_size,
            buffer_type: BUFFER_TYPE_CPU,
            device_id: 0,
        };
        let request = request_with("my_name", DataType::STRING, &[2], Some(strings(64)));
        let plan = validate(&request, &model.0, &model.1).unwrap();
        let copied: Vec<&[u8]> = plan.inputs[0]
            .strings
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| s.as_bytes())
            .collect();
        assert_eq!(copied, [&b"Pan"[..], b""]);
        assert_eq!(
            code(
                &request_with("my_name", DataType::STRING, &[2], Some(strings(63))),
                &model
            ),
            StatusCode::INVALID_CONTENT_SIZE
        );
        assert_eq!(
            code(
                &request_with("my_name", DataType::U8, &[2], Some(strings(2))),
                &model
            ),
            StatusCode::INVALID_PRECISION
        );
        // An object with a NULL data pointer is not a std::string.
        let garbage = [[0u64, 5, 0, 0]];
        let buffer = Buffer {
            data: garbage.as_ptr().cast(),
            ..strings(32)
        };
        assert_eq!(
            code(
                &request_with("my_name", DataType::STRING, &[1], Some(buffer)),
                &model
            ),
            StatusCode::INVALID_STRING_INPUT
        );
    }

    #[test]
    fn details_name_the_tensor() {
        let error = validate(
            &request_with("b", DataType::FP32, &[1, 9], Some(cpu(36))),
            &dummy().0,
            &dummy().1,
        )
        .unwrap_err();
        assert_eq!(
            error.details(),
            "Invalid input shape - Expected: (1,10); Actual: (1,9); input name: b"
        );
    }
}
