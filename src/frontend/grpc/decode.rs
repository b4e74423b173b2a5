//! A `ModelInferRequest` as the core's inputs: what OVMS's KServe front end checks itself
//! (the version string, where the tensors' bytes are), the typed `contents` turned into raw
//! little-endian bytes, and BYTES blobs split into their elements. Everything about the model
//! (names, datatypes, shapes, sizes) is left to the core's validation.

use super::proto::InferTensorContents;
use super::proto::model_infer_request::InferInputTensor;
use crate::frontend::infer::{Input, InputData, split_length_prefixed};
use crate::status::{Error, Result, StatusCode};
use bytes::Bytes;

/// A request's model version as OVMS reads it: empty is the default version (0); otherwise an
/// optionally negative decimal number with no sign, space or leading zero.
pub fn parse_version(text: &str) -> Result<i64> {
    if text.is_empty() {
        return Ok(0);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let well_formed = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(text.len() > 1 && digits.starts_with('0'));
    well_formed
        .then(|| text.parse::<i64>().ok())
        .flatten()
        .ok_or_else(|| {
            Error::with(
                StatusCode::MODEL_VERSION_INVALID_FORMAT,
                format!("model version {text:?}"),
            )
        })
}

/// OVMS's coherency rule for where the bytes are: when `raw_input_contents` is used it holds
/// one blob per input, and no input carries `contents` besides.
fn check_raw_contents(inputs: &[InferInputTensor], raw_count: usize) -> Result<()> {
    if raw_count == 0 {
        return Ok(());
    }
    if raw_count != inputs.len() {
        return Err(Error::with(
            StatusCode::INVALID_MESSAGE_STRUCTURE,
            format!(
                "Size of raw_input_contents: {raw_count} is different than number of inputs: {}",
                inputs.len()
            ),
        ));
    }
    if let Some(input) = inputs.iter().find(|input| input.contents.is_some()) {
        return Err(Error::with(
            StatusCode::INVALID_MESSAGE_STRUCTURE,
            format!(
                "Passing buffers both in InferInputTensor contents and in raw_input_contents is \
                 not allowed. Detected buffer in InferInputTensor contents for input: {}",
                input.name
            ),
        ));
    }
    Ok(())
}

/// An input whose number of elements is not what its shape says. The core sees only its
/// bytes, so it reports a wrong size; OVMS reports the count (`explain`).
struct Miscount {
    name: String,
    expected: usize,
    actual: usize,
}

/// The request's inputs for the core.
pub struct Decoded {
    pub inputs: Vec<Input>,
    pub miscounts: Miscounts,
}

/// The inputs whose number of elements does not match their shape.
#[derive(Default)]
pub struct Miscounts(Vec<Miscount>);

impl Miscounts {
    /// The error OVMS gives for what the core found: a wrong byte size of an input that had
    /// the wrong number of elements is OVMS's INVALID_VALUE_COUNT.
    pub fn explain(&self, error: Error) -> Error {
        if error.code != StatusCode::INVALID_CONTENT_SIZE {
            return error;
        }
        let context = error.context.as_deref().unwrap_or_default();
        match self
            .0
            .iter()
            .find(|m| context.ends_with(&format!("input name: {}", m.name)))
        {
            Some(m) => Error::with(
                StatusCode::INVALID_VALUE_COUNT,
                format!(
                    "Expected: {} values; Actual: {} values; input name: {}",
                    m.expected, m.actual, m.name
                ),
            ),
            None => error,
        }
    }
}

/// The number of elements a shape holds; `None` for a negative dimension or an overflow (the
/// core rejects both on the shape).
fn element_count(shape: &[i64]) -> Option<usize> {
    shape.iter().try_fold(1usize, |count, &dim| {
        count.checked_mul(usize::try_from(dim).ok()?)
    })
}

/// Decodes the inputs of a request to a model with `model_inputs` inputs; `raw` is
/// `raw_input_contents` (empty when the typed contents are used), one blob per input by index.
pub fn decode_inputs(
    inputs: Vec<InferInputTensor>,
    raw: Vec<Bytes>,
    model_inputs: usize,
) -> Result<Decoded> {
    // OVMS checks the number of inputs before the contents; the core reports a wrong one.
    if inputs.len() == model_inputs {
        check_raw_contents(&inputs, raw.len())?;
    }
    let use_raw = !raw.is_empty();
    let mut blobs = raw.into_iter();
    let mut decoded = Decoded {
        inputs: Vec::with_capacity(inputs.len()),
        miscounts: Miscounts::default(),
    };
    for input in inputs {
        let (data, count) = if use_raw {
            // A missing blob only happens with a wrong number of inputs, which the core refuses.
            let blob = blobs.next().unwrap_or_default();
            if input.datatype == "BYTES" {
                let strings = split_length_prefixed(&input.name, &blob).map_err(|e| Error {
                    code: StatusCode::INVALID_INPUT_FORMAT,
                    ..e
                })?;
                let count = strings.len();
                (InputData::Strings(strings), Some(count))
            } else {
                // Its size is checked by the core against the shape, as OVMS does.
                (InputData::Raw(blob), None)
            }
        } else {
            let (data, count) = typed(&input.datatype, input.contents.unwrap_or_default());
            (data, Some(count))
        };
        if let (Some(actual), Some(expected)) = (count, element_count(&input.shape))
            && actual != expected
        {
            decoded.miscounts.0.push(Miscount {
                name: input.name.clone(),
                expected,
                actual,
            });
        }
        decoded.inputs.push(Input {
            name: input.name,
            datatype: input.datatype,
            shape: input.shape,
            data,
        });
    }
    Ok(decoded)
}

/// Little-endian bytes of `values`, each converted by `to_bytes`.
fn little_endian<T: Copy, const N: usize>(values: &[T], to_bytes: impl Fn(T) -> [u8; N]) -> Bytes {
    let mut bytes = Vec::with_capacity(values.len() * N);
    for &value in values {
        bytes.extend_from_slice(&to_bytes(value));
    }
    Bytes::from(bytes)
}

/// A tensor's typed contents as the core's data, and how many elements they hold. The field
/// read is the one the protocol assigns to the datatype (narrow integers travel in the 32-bit
/// fields and are truncated, as OVMS does); FP16, BF16 and unknown datatypes have no field, so
/// they hold no element.
fn typed(datatype: &str, contents: InferTensorContents) -> (InputData, usize) {
    let c = contents;
    let (bytes, count) = match datatype {
        "BOOL" => (
            little_endian(&c.bool_contents, |v| [u8::from(v)]),
            c.bool_contents.len(),
        ),
        "INT8" => (
            little_endian(&c.int_contents, |v| (v as i8).to_le_bytes()),
            c.int_contents.len(),
        ),
        "INT16" => (
            little_endian(&c.int_contents, |v| (v as i16).to_le_bytes()),
            c.int_contents.len(),
        ),
        "INT32" => (
            little_endian(&c.int_contents, i32::to_le_bytes),
            c.int_contents.len(),
        ),
        "INT64" => (
            little_endian(&c.int64_contents, i64::to_le_bytes),
            c.int64_contents.len(),
        ),
        "UINT8" => (
            little_endian(&c.uint_contents, |v| (v as u8).to_le_bytes()),
            c.uint_contents.len(),
        ),
        "UINT16" => (
            little_endian(&c.uint_contents, |v| (v as u16).to_le_bytes()),
            c.uint_contents.len(),
        ),
        "UINT32" => (
            little_endian(&c.uint_contents, u32::to_le_bytes),
            c.uint_contents.len(),
        ),
        "UINT64" => (
            little_endian(&c.uint64_contents, u64::to_le_bytes),
            c.uint64_contents.len(),
        ),
        "FP32" => (
            little_endian(&c.fp32_contents, f32::to_le_bytes),
            c.fp32_contents.len(),
        ),
        "FP64" => (
            little_endian(&c.fp64_contents, f64::to_le_bytes),
            c.fp64_contents.len(),
        ),
        "BYTES" => {
            let count = c.bytes_contents.len();
            return (InputData::Strings(c.bytes_contents), count);
        }
        _ => (Bytes::new(), 0),
    };
    (InputData::Raw(bytes), count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(name: &str, datatype: &str, shape: &[i64]) -> InferInputTensor {
        InferInputTensor {
            name: name.into(),
            datatype: datatype.into(),
            shape: shape.to_vec(),
            ..Default::default()
        }
    }

    fn raw_of(data: &InputData) -> &[u8] {
        match data {
            InputData::Raw(bytes) => bytes,
            InputData::Strings(_) => panic!("strings, not raw"),
        }
    }

    #[test]
    fn versions_as_ovms_reads_them() {
        assert_eq!(parse_version(""), Ok(0));
        assert_eq!(parse_version("0"), Ok(0));
        assert_eq!(parse_version("3"), Ok(3));
        assert_eq!(parse_version("-1"), Ok(-1));
        assert_eq!(parse_version("9223372036854775807"), Ok(i64::MAX));
        for bad in [
            "01",
            "-0",
            "+1",
            " 1",
            "1 ",
            "-",
            "a",
            "1.0",
            "99999999999999999999",
        ] {
            assert_eq!(
                parse_version(bad).map_err(|e| e.code),
                Err(StatusCode::MODEL_VERSION_INVALID_FORMAT),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn raw_contents_coherency() {
        let two = vec![tensor("a", "FP32", &[1]), tensor("b", "FP32", &[1])];
        assert_eq!(check_raw_contents(&two, 0), Ok(()));
        assert_eq!(check_raw_contents(&two, 2), Ok(()));
        let error = check_raw_contents(&two, 1).unwrap_err();
        assert_eq!(error.code, StatusCode::INVALID_MESSAGE_STRUCTURE);
        assert_eq!(
            error.context.as_deref(),
            Some("Size of raw_input_contents: 1 is different than number of inputs: 2")
        );
        let mut both = two.clone();
        both[1].contents = Some(InferTensorContents::default());
        let error = check_raw_contents(&both, 2).unwrap_err();
        assert_eq!(error.code, StatusCode::INVALID_MESSAGE_STRUCTURE);
        assert!(
            error.details().ends_with("for input: b"),
            "{}",
            error.details()
        );
        // With the wrong number of inputs for the model, the core's INVALID_NO_OF_INPUTS comes
        // first, as in OVMS.
        let one_blob = vec![Bytes::from_static(&[0; 4])];
        assert!(decode_inputs(two.clone(), one_blob.clone(), 3).is_ok());
        assert_eq!(
            decode_inputs(two, one_blob, 2).err().map(|e| e.code),
            Some(StatusCode::INVALID_MESSAGE_STRUCTURE)
        );
    }

    #[test]
    fn typed_contents_become_little_endian_bytes() {
        let contents = InferTensorContents {
            int_contents: vec![-1, 258],
            uint_contents: vec![1, 65_537],
            fp32_contents: vec![1.5, -2.0],
            bool_contents: vec![true, false],
            ..Default::default()
        };
        let cases: [(&str, Vec<u8>); 7] = [
            ("INT8", vec![0xff, 0x02]),
            ("INT16", vec![0xff, 0xff, 0x02, 0x01]),
            (
                "INT32",
                [(-1i32).to_le_bytes(), 258i32.to_le_bytes()].concat(),
            ),
            ("UINT8", vec![1, 1]),
            ("UINT16", vec![1, 0, 1, 0]),
            (
                "FP32",
                [1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat(),
            ),
            ("BOOL", vec![1, 0]),
        ];
        for (datatype, expected) in cases {
            let mut input = tensor("x", datatype, &[2]);
            input.contents = Some(contents.clone());
            let decoded = decode_inputs(vec![input], Vec::new(), 1).unwrap();
            assert_eq!(raw_of(&decoded.inputs[0].data), &expected[..], "{datatype}");
            assert!(decoded.miscounts.0.is_empty(), "{datatype}");
        }
    }

    #[test]
    fn a_wrong_count_is_explained_as_ovms_does() {
        let mut input = tensor("b", "FP32", &[1, 10]);
        input.contents = Some(InferTensorContents {
            fp32_contents: vec![0.0; 9],
            ..Default::default()
        });
        // FP16 has no typed field: no element at all.
        let mut half = tensor("h", "FP16", &[2]);
        half.contents = Some(InferTensorContents::default());
        let decoded = decode_inputs(vec![input, half], Vec::new(), 2).unwrap();
        let core = Error::with(
            StatusCode::INVALID_CONTENT_SIZE,
            "Expected: 40 bytes; Actual: 36 bytes; input name: b",
        );
        assert_eq!(
            decoded.miscounts.explain(core).details(),
            "Invalid number of values in tensor proto container - Expected: 10 values; Actual: 9 values; input name: b"
        );
        let core = Error::with(
            StatusCode::INVALID_CONTENT_SIZE,
            "Expected: 4 bytes; Actual: 0 bytes; input name: h",
        );
        assert_eq!(
            decoded.miscounts.explain(core).code,
            StatusCode::INVALID_VALUE_COUNT
        );
        // Other errors pass through.
        let other = Error::with(StatusCode::INVALID_SHAPE, "input name: b");
        assert_eq!(decoded.miscounts.explain(other.clone()), other);
    }

    #[test]
    fn raw_bytes_inputs_are_split_or_refused() {
        let blob = Bytes::from_static(b"\x02\x00\x00\x00hi\x00\x00\x00\x00");
        let decoded = decode_inputs(vec![tensor("s", "BYTES", &[2])], vec![blob], 1).unwrap();
        match &decoded.inputs[0].data {
            InputData::Strings(strings) => assert_eq!(strings, &[&b"hi"[..], b""]),
            InputData::Raw(_) => panic!("raw"),
        }
        assert!(decoded.miscounts.0.is_empty());
        let truncated = Bytes::from_static(b"\x05\x00\x00\x00hi");
        let error = decode_inputs(vec![tensor("s", "BYTES", &[1])], vec![truncated], 1)
            .err()
            .unwrap();
        assert_eq!(error.code, StatusCode::INVALID_INPUT_FORMAT);
        // Raw numbers are passed as they are, for the core to check their size.
        let blob = Bytes::from_static(&[0; 7]);
        let decoded = decode_inputs(vec![tensor("b", "FP32", &[2])], vec![blob], 1).unwrap();
        assert_eq!(raw_of(&decoded.inputs[0].data).len(), 7);
        assert!(decoded.miscounts.0.is_empty());
    }
}
