//! A KServe v2 REST inference request: the JSON part (OVMS's checks, in OVMS's order, with its
//! codes) and the binary extension's blobs after it. Numbers from JSON `data` (nested or flat,
//! only their count matters) become raw little-endian elements; binary blobs stay slices of the
//! body, copied only when misaligned for their element type.

use super::json_depth_exceeds;
use crate::datatype::DataType;
use crate::frontend::infer::{Input, InputData};
use crate::status::{Error, Result, StatusCode};
use bytes::Bytes;
use serde_json::{Map, Value};

/// OVMS's limit on JSON nesting in a request.
pub(crate) const MAX_JSON_DEPTH: usize = 100;

/// What a decoded request asks for besides its inputs.
#[derive(Default)]
pub struct Decoded {
    pub id: Option<String>,
    pub inputs: Vec<Input>,
    /// Per input (same order): how many elements its JSON `data` or binary BYTES blob held,
    /// where that is known, to tell a wrong count from a wrong size.
    pub element_counts: Vec<Option<usize>>,
    /// `parameters.binary_data_output`: outputs are binary unless they say otherwise.
    pub binary_by_default: bool,
    /// Outputs the request names with `binary_data` set, and to what.
    pub binary_outputs: Vec<(String, bool)>,
}

fn error(code: StatusCode, context: impl Into<String>) -> Error {
    Error::with(code, context)
}

fn parse_input_error(context: impl Into<String>) -> Error {
    error(StatusCode::REST_COULD_NOT_PARSE_INPUT, context)
}

/// One parameter value as OVMS keeps it: string, bool or integer, nothing else.
#[derive(Debug, Clone, PartialEq)]
enum Parameter {
    Text,
    Bool(bool),
    Int(i64),
}

fn parameters(node: &Value, what: &str) -> Result<Vec<(String, Parameter)>> {
    let bad = |why: String| error(StatusCode::REST_COULD_NOT_PARSE_PARAMETERS, why);
    let object = node
        .as_object()
        .ok_or_else(|| bad(format!("{what} parameters are not an object")))?;
    object
        .iter()
        .map(|(key, value)| {
            let parameter = match value {
                Value::String(_) => Parameter::Text,
                Value::Bool(b) => Parameter::Bool(*b),
                Value::Number(n) if n.is_i64() => Parameter::Int(n.as_i64().unwrap_or(0)),
                _ => {
                    return Err(bad(format!(
                        "{what} parameter {key:?} is not a string, a boolean or an integer"
                    )));
                }
            };
            Ok((key.clone(), parameter))
        })
        .collect()
}

fn find<'a>(parameters: &'a [(String, Parameter)], key: &str) -> Option<&'a Parameter> {
    parameters.iter().find(|(k, _)| k == key).map(|(_, p)| p)
}

/// JSON `data` flattened into raw little-endian elements of `datatype`, or into strings.
struct Flattened {
    raw: Vec<u8>,
    strings: Vec<Bytes>,
    count: usize,
}

fn flatten(node: &Value, datatype: &str, name: &str, out: &mut Flattened) -> Result<()> {
    let Value::Array(values) = node else {
        return Err(parse_input_error(format!(
            "input {name}: data is not an array"
        )));
    };
    let wrong = |value: &Value| {
        parse_input_error(format!("input {name}: {value} is not a {datatype} value"))
    };
    for value in values {
        if value.is_array() {
            flatten(value, datatype, name, out)?;
            continue;
        }
        // Narrow integer types take any 32-bit value and keep its low bits, as OVMS casts.
        let bytes: &[u8] = match datatype {
            "FP32" => &(value.as_f64().ok_or_else(|| wrong(value))? as f32).to_le_bytes(),
            "FP64" => &value.as_f64().ok_or_else(|| wrong(value))?.to_le_bytes(),
            "INT64" => &value.as_i64().ok_or_else(|| wrong(value))?.to_le_bytes(),
            "INT32" | "INT16" | "INT8" => {
                let v = value
                    .as_i64()
                    .and_then(|v| i32::try_from(v).ok())
                    .ok_or_else(|| wrong(value))?;
                let size = DataType::from_kserve_name(datatype)
                    .and_then(DataType::element_size)
                    .unwrap_or(4);
                out.raw.extend_from_slice(&v.to_le_bytes()[..size]);
                out.count += 1;
                continue;
            }
            "UINT64" => &value.as_u64().ok_or_else(|| wrong(value))?.to_le_bytes(),
            "UINT32" | "UINT16" | "UINT8" => {
                let v = value
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| wrong(value))?;
                let size = DataType::from_kserve_name(datatype)
                    .and_then(DataType::element_size)
                    .unwrap_or(4);
                out.raw.extend_from_slice(&v.to_le_bytes()[..size]);
                out.count += 1;
                continue;
            }
            "BOOL" => &[u8::from(value.as_bool().ok_or_else(|| wrong(value))?)],
            "BYTES" => {
                let text = value.as_str().ok_or_else(|| wrong(value))?;
                out.strings.push(Bytes::copy_from_slice(text.as_bytes()));
                out.count += 1;
                continue;
            }
            _ => {
                return Err(error(
                    StatusCode::REST_UNSUPPORTED_PRECISION,
                    format!("input {name}: datatype {datatype}"),
                ));
            }
        };
        out.raw.extend_from_slice(bytes);
        out.count += 1;
    }
    Ok(())
}

/// One input as the JSON describes it, before its binary blob (if any) is cut.
struct Described {
    name: String,
    datatype: String,
    shape: Vec<i64>,
    parameters: Vec<(String, Parameter)>,
    /// The JSON data, when the input has a non-empty `data`.
    data: Option<Flattened>,
}

fn describe(node: &Value, only_input: bool) -> Result<Described> {
    let object = node
        .as_object()
        .ok_or_else(|| parse_input_error("an input is not an object"))?;
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| parse_input_error("an input has no string name"))?
        .to_string();
    let shape = object
        .get("shape")
        .and_then(Value::as_array)
        .ok_or_else(|| parse_input_error(format!("input {name}: shape is not an array")))?
        .iter()
        .map(|dim| {
            dim.as_i64()
                .and_then(|d| i32::try_from(d).ok())
                .filter(|&d| d >= 0)
                .map(i64::from)
                .ok_or_else(|| {
                    parse_input_error(format!(
                        "input {name}: shape dimension {dim} is not a non-negative 32-bit integer"
                    ))
                })
        })
        .collect::<Result<Vec<i64>>>()?;
    let datatype = object
        .get("datatype")
        .and_then(Value::as_str)
        .ok_or_else(|| parse_input_error(format!("input {name}: datatype is not a string")))?
        .to_string();
    let parameters = match object.get("parameters") {
        Some(node) => parameters(node, &format!("input {name}"))?,
        None => Vec::new(),
    };
    let data = match object.get("data") {
        Some(data) => {
            if !data.is_array() {
                return Err(parse_input_error(format!(
                    "input {name}: data is not an array"
                )));
            }
            if datatype == "FP16" || datatype == "BF16" {
                return Err(parse_input_error(format!(
                    "input {name}: {datatype} data must be sent binary"
                )));
            }
            let mut flat = Flattened {
                raw: Vec::new(),
                strings: Vec::new(),
                count: 0,
            };
            flatten(data, &datatype, &name, &mut flat)?;
            // Empty data is no data: the input's contents then come binary, as in OVMS.
            (flat.count > 0).then_some(flat)
        }
        None => {
            // BYTES without a size can only be cut when it is the one input, of one element.
            if find(&parameters, "binary_data_size").is_none()
                && datatype == "BYTES"
                && !(only_input && shape == [1])
            {
                return Err(parse_input_error(format!(
                    "input {name}: BYTES binary data needs a binary_data_size parameter"
                )));
            }
            None
        }
    };
    Ok(Described {
        name,
        datatype,
        shape,
        parameters,
        data,
    })
}

/// `raw` as `Bytes` whose start is aligned for elements of `datatype`: the slice itself when it
/// is (OpenVINO may read a large input in place), else a copy aligned for any type.
fn aligned(raw: Bytes, datatype: &str) -> Bytes {
    let alignment = DataType::from_kserve_name(datatype)
        .and_then(DataType::element_size)
        .unwrap_or(std::mem::align_of::<u64>());
    if raw.as_ptr().align_offset(alignment) == 0 {
        return raw;
    }
    struct Words(Vec<u64>, usize);
    impl AsRef<[u8]> for Words {
        fn as_ref(&self) -> &[u8] {
            // SAFETY: the vector holds at least `self.1` initialized bytes (it was sized to
            // round `self.1` up to whole words and filled from the slice, rest zeroed); u8 has
            // no alignment or validity requirement.
            unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast::<u8>(), self.1) }
        }
    }
    let mut words = vec![0u64; raw.len().div_ceil(8)];
    // SAFETY: `words` has room for `raw.len()` bytes (rounded up to whole words); the two
    // buffers are distinct allocations.
    unsafe {
        std::ptr::copy_nonoverlapping(raw.as_ptr(), words.as_mut_ptr().cast::<u8>(), raw.len())
    };
    Bytes::from_owner(Words(words, raw.len()))
}

/// Splits a binary BYTES blob into its length-prefixed elements; `None` when the lengths do
/// not add up (the core then reports it).
fn split_strings(blob: &Bytes) -> Option<Vec<Bytes>> {
    let mut strings = Vec::new();
    let mut at = 0usize;
    while at < blob.len() {
        let prefix = blob.get(at..at.checked_add(4)?)?;
        let length = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
        let start = at + 4;
        let end = start.checked_add(length).filter(|&end| end <= blob.len())?;
        strings.push(blob.slice(start..end));
        at = end;
    }
    Some(strings)
}

/// The bytes a binary input without `binary_data_size` takes: shape x element size.
fn computed_size(described: &Described) -> Result<usize> {
    let element_size = DataType::from_kserve_name(&described.datatype)
        .and_then(DataType::element_size)
        .unwrap_or(0);
    described
        .shape
        .iter()
        .try_fold(element_size, |acc, &d| {
            acc.checked_mul(usize::try_from(d).ok()?)
        })
        .ok_or_else(|| {
            error(
                StatusCode::INVALID_CONTENT_SIZE,
                format!(
                    "input {}: binary input shape dimensions overflow",
                    described.name
                ),
            )
        })
}

/// Decodes a request whose first `json_length` bytes of `body` are its JSON part (the whole
/// body without the binary extension); the binary blobs follow.
pub fn decode(body: &Bytes, json_length: usize) -> Result<Decoded> {
    if json_length > body.len() {
        return Err(error(
            StatusCode::REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED,
            format!("{json_length} > {} bytes of body", body.len()),
        ));
    }
    let json = &body[..json_length];
    if json_depth_exceeds(json, MAX_JSON_DEPTH) {
        return Err(error(
            StatusCode::JSON_NESTING_DEPTH_EXCEEDED,
            format!("more than {MAX_JSON_DEPTH} levels"),
        ));
    }
    let document: Value = serde_json::from_slice(json)
        .map_err(|e| error(StatusCode::JSON_INVALID, format!("Error: {e}")))?;
    let Value::Object(document) = document else {
        return Err(Error::new(StatusCode::REST_BODY_IS_NOT_AN_OBJECT));
    };
    let mut decoded = Decoded::default();
    if let Some(id) = document.get("id") {
        let id = id
            .as_str()
            .ok_or_else(|| parse_input_error("the request id is not a string"))?;
        decoded.id = Some(id.to_string());
    }
    if let Some(node) = document.get("parameters") {
        let request_parameters = parameters(node, "request")?;
        if let Some(Parameter::Bool(binary)) = find(&request_parameters, "binary_data_output") {
            decoded.binary_by_default = *binary;
        }
    }
    if let Some(node) = document.get("outputs") {
        decoded.binary_outputs = requested_outputs(node)?;
    }
    let inputs = match document.get("inputs") {
        None => return Err(Error::new(StatusCode::REST_NO_INPUTS_FOUND)),
        Some(Value::Array(inputs)) if inputs.is_empty() => {
            return Err(Error::new(StatusCode::REST_NO_INPUTS_FOUND));
        }
        Some(Value::Array(inputs)) => inputs,
        Some(_) => return Err(parse_input_error("inputs is not an array")),
    };
    let described = inputs
        .iter()
        .map(|input| describe(input, inputs.len() == 1))
        .collect::<Result<Vec<_>>>()?;
    cut_binary(body.slice(json_length..), described, &mut decoded)?;
    Ok(decoded)
}

/// The `outputs` array: each entry's name and its `binary_data` choice, if it makes one.
fn requested_outputs(node: &Value) -> Result<Vec<(String, bool)>> {
    let bad = |why: &str| error(StatusCode::REST_COULD_NOT_PARSE_OUTPUT, why.to_string());
    let outputs = node
        .as_array()
        .ok_or_else(|| parse_input_error("outputs is not an array"))?;
    let mut chosen = Vec::new();
    for output in outputs {
        let object: &Map<String, Value> = output
            .as_object()
            .ok_or_else(|| bad("an output is not an object"))?;
        let name = object
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("an output has no string name"))?;
        if let Some(node) = object.get("parameters") {
            let output_parameters = parameters(node, &format!("output {name}"))?;
            if let Some(Parameter::Bool(binary)) = find(&output_parameters, "binary_data") {
                chosen.push((name.to_string(), *binary));
            }
        }
    }
    Ok(chosen)
}

/// Cuts each input without JSON data its blob from `binary`, in input order, and makes the
/// inputs.
fn cut_binary(binary: Bytes, described: Vec<Described>, decoded: &mut Decoded) -> Result<()> {
    let only_input = described.len() == 1;
    let mut offset = 0usize;
    for input in described {
        let size_parameter = find(&input.parameters, "binary_data_size").cloned();
        let size = match (&size_parameter, &input.data) {
            (Some(_), Some(_)) => {
                return Err(error(
                    StatusCode::REST_CONTENTS_FIELD_NOT_EMPTY,
                    format!("input {}", input.name),
                ));
            }
            (Some(Parameter::Int(size)), None) => usize::try_from(*size).map_err(|_| {
                error(
                    StatusCode::REST_BINARY_DATA_SIZE_PARAMETER_INVALID,
                    format!("input {}: binary_data_size {size} is negative", input.name),
                )
            })?,
            (Some(_), None) => {
                return Err(error(
                    StatusCode::REST_BINARY_DATA_SIZE_PARAMETER_INVALID,
                    format!("input {}: binary_data_size is not an integer", input.name),
                ));
            }
            (None, Some(_)) => 0,
            (None, None) if only_input && input.datatype == "BYTES" => binary.len(),
            (None, None) => computed_size(&input)?,
        };
        let Described {
            name,
            datatype,
            shape,
            data,
            ..
        } = input;
        let (data, count) = match data {
            Some(flat) if datatype == "BYTES" => {
                (InputData::Strings(flat.strings), Some(flat.count))
            }
            Some(flat) => (
                InputData::Raw(aligned(Bytes::from(flat.raw), &datatype)),
                Some(flat.count),
            ),
            None => {
                if size > binary.len() - offset {
                    return Err(error(
                        StatusCode::REST_BINARY_BUFFER_EXCEEDED,
                        format!(
                            "input {name}: {size} bytes wanted, {} left",
                            binary.len() - offset
                        ),
                    ));
                }
                let blob = binary.slice(offset..offset + size);
                offset += size;
                if datatype == "BYTES" {
                    match split_strings(&blob) {
                        Some(strings) => {
                            let count = strings.len();
                            (InputData::Strings(strings), Some(count))
                        }
                        None => (InputData::Raw(blob), None),
                    }
                } else {
                    (InputData::Raw(aligned(blob, &datatype)), None)
                }
            }
        };
        decoded.inputs.push(Input {
            name,
            datatype,
            shape,
            data,
        });
        decoded.element_counts.push(count);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(body: &str) -> StatusCode {
        decode(&Bytes::copy_from_slice(body.as_bytes()), body.len())
            .map_or_else(|e| e.code, |_| StatusCode::OK)
    }

    fn raw(input: &Input) -> &[u8] {
        match &input.data {
            InputData::Raw(raw) => raw,
            InputData::Strings(_) => panic!("strings"),
        }
    }

    #[test]
    fn nested_and_flat_data_give_the_same_elements() {
        let flat =
            r#"{"inputs":[{"name":"b","shape":[2,2],"datatype":"FP32","data":[1,2.5,3,4]}]}"#;
        let nested =
            r#"{"inputs":[{"name":"b","shape":[2,2],"datatype":"FP32","data":[[1,2.5],[3,[4]]]}]}"#;
        let a = decode(&Bytes::from(flat), flat.len()).unwrap();
        let b = decode(&Bytes::from(nested), nested.len()).unwrap();
        let expected: Vec<u8> = [1f32, 2.5, 3., 4.]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(raw(&a.inputs[0]), expected.as_slice());
        assert_eq!(raw(&b.inputs[0]), expected.as_slice());
        assert_eq!(a.element_counts, vec![Some(4)]);
        assert_eq!(a.inputs[0].shape, vec![2, 2]);
    }

    #[test]
    fn integer_types_are_packed_to_their_size() {
        let body = r#"{"inputs":[
            {"name":"a","shape":[2],"datatype":"INT8","data":[-1,300]},
            {"name":"b","shape":[1],"datatype":"UINT16","data":[65537]},
            {"name":"c","shape":[1],"datatype":"INT64","data":[-5000000000]},
            {"name":"d","shape":[2],"datatype":"BOOL","data":[true,false]}]}"#;
        let decoded = decode(&Bytes::from(body), body.len()).unwrap();
        assert_eq!(raw(&decoded.inputs[0]), &[0xff, 300u32 as u8]);
        assert_eq!(raw(&decoded.inputs[1]), &1u16.to_le_bytes());
        assert_eq!(raw(&decoded.inputs[2]), &(-5_000_000_000i64).to_le_bytes());
        assert_eq!(raw(&decoded.inputs[3]), &[1, 0]);
    }

    #[test]
    fn binary_blobs_follow_the_json_in_input_order() {
        let json = r#"{"inputs":[
            {"name":"x","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}},
            {"name":"y","shape":[3],"datatype":"UINT8"},
            {"name":"s","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":11}}],
            "parameters":{"binary_data_output":true},
            "outputs":[{"name":"o","parameters":{"binary_data":false}}]}"#;
        let mut body = json.as_bytes().to_vec();
        body.extend_from_slice(&1.5f32.to_le_bytes());
        body.extend_from_slice(&(-2f32).to_le_bytes());
        body.extend_from_slice(&[7, 8, 9]);
        body.extend_from_slice(&2u32.to_le_bytes());
        body.extend_from_slice(b"hi");
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(b"!");
        let decoded = decode(&Bytes::from(body), json.len()).unwrap();
        assert_eq!(raw(&decoded.inputs[0]).len(), 8);
        assert_eq!(&raw(&decoded.inputs[0])[..4], &1.5f32.to_le_bytes());
        assert_eq!(raw(&decoded.inputs[1]), &[7, 8, 9]);
        match &decoded.inputs[2].data {
            InputData::Strings(s) => assert_eq!(s, &vec![Bytes::from("hi"), Bytes::from("!")]),
            InputData::Raw(_) => panic!("BYTES should be split"),
        }
        assert_eq!(decoded.element_counts, vec![None, None, Some(2)]);
        assert!(decoded.binary_by_default);
        assert_eq!(decoded.binary_outputs, vec![("o".to_string(), false)]);
        // Every raw input starts aligned for its type, whatever the JSON's length.
        assert_eq!(raw(&decoded.inputs[0]).as_ptr().align_offset(4), 0);
    }

    #[test]
    fn misaligned_blobs_are_copied_aligned() {
        let body = Bytes::from((0u8..64).collect::<Vec<u8>>());
        let start = body.as_ptr().align_offset(8);
        let misaligned = body.slice(start + 1..start + 17);
        let fixed = aligned(misaligned.clone(), "FP32");
        assert_eq!(fixed.as_ptr().align_offset(8), 0);
        assert_eq!(fixed, misaligned);
        // Bytes need no alignment: the slice itself is kept.
        let kept = aligned(misaligned.clone(), "UINT8");
        assert_eq!(kept.as_ptr(), misaligned.as_ptr());
    }

    #[test]
    fn ovms_codes_for_malformed_requests() {
        use StatusCode::*;
        let cases = [
            ("{", JSON_INVALID),
            ("[1]", REST_BODY_IS_NOT_AN_OBJECT),
            (r#"{"id":1,"inputs":[]}"#, REST_COULD_NOT_PARSE_INPUT),
            (
                r#"{"parameters":[],"inputs":[]}"#,
                REST_COULD_NOT_PARSE_PARAMETERS,
            ),
            (
                r#"{"parameters":{"p":1.5},"inputs":[]}"#,
                REST_COULD_NOT_PARSE_PARAMETERS,
            ),
            (
                r#"{"outputs":[{"x":1}],"inputs":[]}"#,
                REST_COULD_NOT_PARSE_OUTPUT,
            ),
            (r#"{}"#, REST_NO_INPUTS_FOUND),
            (r#"{"inputs":[]}"#, REST_NO_INPUTS_FOUND),
            (r#"{"inputs":{}}"#, REST_COULD_NOT_PARSE_INPUT),
            (
                r#"{"inputs":[{"shape":[1],"datatype":"FP32","data":[1]}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[-1],"datatype":"FP32","data":[1]}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"data":[1]}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FP32","data":5}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FP32","data":["x"]}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"INT32","data":[1.5]}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FP16","data":[1]}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FOO","data":[1]}]}"#,
                REST_UNSUPPORTED_PRECISION,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[2],"datatype":"BYTES"}]}"#,
                REST_COULD_NOT_PARSE_INPUT,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FP32","data":[1],"parameters":{"binary_data_size":4}}]}"#,
                REST_CONTENTS_FIELD_NOT_EMPTY,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":-4}}]}"#,
                REST_BINARY_DATA_SIZE_PARAMETER_INVALID,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":"4"}}]}"#,
                REST_BINARY_DATA_SIZE_PARAMETER_INVALID,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[1],"datatype":"FP32"}]}"#,
                REST_BINARY_BUFFER_EXCEEDED,
            ),
            (
                r#"{"inputs":[{"name":"b","shape":[2147483647,2147483647,2147483647],"datatype":"FP32"}]}"#,
                INVALID_CONTENT_SIZE,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(code_of(body), expected, "{body}");
        }
        let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
        assert_eq!(code_of(&deep), JSON_NESTING_DEPTH_EXCEEDED);
        let body = Bytes::from_static(b"{}");
        assert_eq!(
            decode(&body, 3).err().map(|e| e.code),
            Some(REST_INFERENCE_HEADER_CONTENT_LENGTH_EXCEEDED)
        );
    }
}
