//! A KServe v2 REST inference response: JSON with each output's `data`, or, for outputs asked
//! binary, `parameters.binary_data_size` in the JSON and the raw bytes after it (the length of
//! the JSON part goes in the `Inference-Header-Content-Length` header).

use crate::frontend::infer::{Answer, Output, split_length_prefixed};
use crate::status::{Error, Result, StatusCode};
use serde_json::Value;
use std::fmt::Write as _;

/// The encoded response: its body, and the length of the JSON part when binary data follows.
pub struct Encoded {
    pub body: Vec<u8>,
    pub json_length: Option<usize>,
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

/// IEEE half precision to f32 (exact: every half value is a float).
fn f16_to_f32(bits: u16) -> f32 {
    let exponent = u32::from((bits >> 10) & 0x1f);
    let mantissa = u32::from(bits & 0x3ff);
    let magnitude = match exponent {
        // Zero and subnormals: mantissa x 2^-24.
        0 => mantissa as f32 * 2f32.powi(-24),
        0x1f => f32::from_bits(0x7f80_0000 | (mantissa << 13)),
        e => f32::from_bits(((e + 127 - 15) << 23) | (mantissa << 13)),
    };
    if bits & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// A float as JSON: the shortest text that reads back as the same value; NaN and infinities,
/// which JSON cannot carry, as null.
fn push_float(out: &mut String, value: f64, single: bool) {
    if !value.is_finite() {
        out.push_str("null");
    } else if single {
        out.push_str(&Value::from(value as f32).to_string());
    } else {
        out.push_str(&Value::from(value).to_string());
    }
}

/// Appends an output's elements as a JSON array.
fn push_data(out: &mut String, output: &Output) -> Result<()> {
    let data = &output.data[..];
    out.push('[');
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
    };
    macro_rules! each {
        ($ty:ty, |$v:ident| $write:expr) => {
            for chunk in data.chunks_exact(std::mem::size_of::<$ty>()) {
                let $v = <$ty>::from_le_bytes(chunk.try_into().unwrap_or_default());
                sep(out);
                $write;
            }
        };
    }
    match output.datatype {
        "FP32" => each!(f32, |v| push_float(out, f64::from(v), true)),
        "FP64" => each!(f64, |v| push_float(out, v, false)),
        "FP16" => each!(u16, |v| push_float(out, f64::from(f16_to_f32(v)), true)),
        "BF16" => each!(u16, |v| push_float(
            out,
            f64::from(f32::from_bits(u32::from(v) << 16)),
            true
        )),
        "INT8" => each!(i8, |v| write!(out, "{v}").unwrap_or(())),
        "INT16" => each!(i16, |v| write!(out, "{v}").unwrap_or(())),
        "INT32" => each!(i32, |v| write!(out, "{v}").unwrap_or(())),
        "INT64" => each!(i64, |v| write!(out, "{v}").unwrap_or(())),
        "UINT8" => each!(u8, |v| write!(out, "{v}").unwrap_or(())),
        "UINT16" => each!(u16, |v| write!(out, "{v}").unwrap_or(())),
        "UINT32" => each!(u32, |v| write!(out, "{v}").unwrap_or(())),
        "UINT64" => each!(u64, |v| write!(out, "{v}").unwrap_or(())),
        "BOOL" => each!(u8, |v| out.push_str(if v != 0 { "true" } else { "false" })),
        "BYTES" => {
            for string in split_length_prefixed(&output.name, &output.data)? {
                sep(out);
                out.push_str(&quoted(&String::from_utf8_lossy(&string)));
            }
        }
        other => {
            return Err(Error::with(
                StatusCode::REST_UNSUPPORTED_PRECISION,
                format!("output {}: datatype {other}", output.name),
            ));
        }
    }
    out.push(']');
    Ok(())
}

/// Encodes `answer`; `binary(name)` says whether an output goes binary.
pub fn encode(answer: &Answer, id: Option<&str>, binary: impl Fn(&str) -> bool) -> Result<Encoded> {
    if answer.outputs.is_empty() {
        return Err(Error::with(
            StatusCode::REST_PROTO_TO_STRING_ERROR,
            "the model gave no outputs",
        ));
    }
    let mut json = String::new();
    json.push_str("{\"model_name\":");
    json.push_str(&quoted(&answer.model_name));
    if let Some(id) = id.filter(|id| !id.is_empty()) {
        json.push_str(",\"id\":");
        json.push_str(&quoted(id));
    }
    write!(json, ",\"model_version\":\"{}\"", answer.model_version).unwrap_or(());
    json.push_str(",\"outputs\":[");
    let mut blobs: Vec<&[u8]> = Vec::new();
    for (i, output) in answer.outputs.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str("{\"name\":");
        json.push_str(&quoted(&output.name));
        json.push_str(",\"shape\":[");
        for (j, dim) in output.shape.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            write!(json, "{dim}").unwrap_or(());
        }
        write!(json, "],\"datatype\":\"{}\"", output.datatype).unwrap_or(());
        if binary(&output.name) {
            write!(
                json,
                ",\"parameters\":{{\"binary_data_size\":{}}}",
                output.data.len()
            )
            .unwrap_or(());
            blobs.push(&output.data);
        } else {
            json.push_str(",\"data\":");
            push_data(&mut json, output)?;
        }
        json.push('}');
    }
    json.push_str("]}");
    let binary_length: usize = blobs.iter().map(|b| b.len()).sum();
    let json_length = (binary_length > 0).then_some(json.len());
    let mut body = json.into_bytes();
    body.reserve_exact(binary_length);
    for blob in blobs {
        body.extend_from_slice(blob);
    }
    Ok(Encoded { body, json_length })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn output(name: &str, datatype: &'static str, shape: Vec<i64>, data: Vec<u8>) -> Output {
        Output {
            name: name.to_string(),
            datatype,
            shape,
            data: Bytes::from(data),
        }
    }

    fn answer() -> Answer {
        let floats: Vec<u8> = [1.1f32, -2.0, f32::NAN]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let mut strings = Vec::new();
        for s in ["a\"b", "ü"] {
            strings.extend_from_slice(&(s.len() as u32).to_le_bytes());
            strings.extend_from_slice(s.as_bytes());
        }
        Answer {
            model_name: "m".into(),
            model_version: 3,
            outputs: vec![
                output("f", "FP32", vec![1, 3], floats),
                output("s", "BYTES", vec![2], strings),
                output("i", "INT8", vec![2], vec![0xff, 5]),
                output(
                    "h",
                    "FP16",
                    vec![2],
                    [0x3c00u16, 0xc000]
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect(),
                ),
                output("b", "BOOL", vec![2], vec![1, 0]),
            ],
        }
    }

    #[test]
    fn json_outputs_read_back() {
        let encoded = encode(&answer(), Some("req-1"), |_| false).unwrap();
        assert_eq!(encoded.json_length, None);
        let value: Value = serde_json::from_slice(&encoded.body).unwrap();
        assert_eq!(value["model_name"], "m");
        assert_eq!(value["id"], "req-1");
        assert_eq!(value["model_version"], "3");
        let outputs = value["outputs"].as_array().unwrap();
        assert_eq!(outputs[0]["shape"], serde_json::json!([1, 3]));
        assert_eq!(outputs[0]["data"][0].as_f64().unwrap() as f32, 1.1f32);
        assert_eq!(outputs[0]["data"][2], Value::Null);
        assert_eq!(outputs[1]["data"], serde_json::json!(["a\"b", "ü"]));
        assert_eq!(outputs[2]["data"], serde_json::json!([-1, 5]));
        assert_eq!(outputs[3]["data"], serde_json::json!([1.0, -2.0]));
        assert_eq!(outputs[4]["data"], serde_json::json!([true, false]));
    }

    #[test]
    fn binary_outputs_follow_the_json() {
        let answer = answer();
        let encoded = encode(&answer, None, |name| name == "f" || name == "s").unwrap();
        let json_length = encoded.json_length.unwrap();
        let value: Value = serde_json::from_slice(&encoded.body[..json_length]).unwrap();
        assert!(value.get("id").is_none());
        let outputs = value["outputs"].as_array().unwrap();
        assert_eq!(outputs[0]["parameters"]["binary_data_size"], 12);
        assert!(outputs[0].get("data").is_none());
        let strings_size = answer.outputs[1].data.len();
        assert_eq!(outputs[1]["parameters"]["binary_data_size"], strings_size);
        assert!(outputs[2].get("parameters").is_none());
        let tail = &encoded.body[json_length..];
        assert_eq!(&tail[..12], &answer.outputs[0].data[..]);
        assert_eq!(&tail[12..], &answer.outputs[1].data[..]);
    }

    #[test]
    fn half_precision_converts_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
    }
}
