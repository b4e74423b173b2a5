//! Putting a validated request's buffers into a slot's infer request, and reading the results
//! back. Nothing is ever written past a tensor's own byte size, whatever the caller claimed.

use super::Dims;
use super::response::{OutputData, Response, ResponseOutput, aligned_copy};
use super::strings::{STD_STRING_SIZE, StdStringArray, read_std_strings};
use super::validate::Plan;
use crate::datatype::DataType;
use crate::fault::{self, Fault};
use crate::model::Loaded;
use crate::ov::{OvError, Tensor};
use crate::pool::{SlotGuard, SlotParts};
use crate::status::{Error, Result, StatusCode};
use smallvec::SmallVec;
use std::ffi::c_void;
use std::sync::Arc;

fn deserialization_error(e: OvError) -> Error {
    Error::with(StatusCode::OV_INTERNAL_DESERIALIZATION_ERROR, e.to_string())
}

/// Static inputs of at least this many bytes are bound by wrapping the caller's memory rather
/// than copied into the slot's tensor. Wrapping costs a few microseconds a call (a tensor object
/// and `set_tensor`), about what copying 64 KiB costs here; above it the copy costs more.
const WRAP_INPUT_BYTES: usize = 64 * 1024;

/// A slot in use by one request, with caller buffers bound as large inputs and as outputs.
/// Dropping it puts the slot's own tensors back (so the slot never keeps a pointer into a
/// caller's memory, and a later request never writes into a stale caller buffer) and then
/// returns the slot.
pub struct Occupied {
    /// Static input port indices currently bound to caller buffers.
    wrapped_inputs: Vec<usize>,
    /// Output port indices currently bound to caller buffers.
    replaced: Vec<usize>,
    guard: SlotGuard,
}

impl Occupied {
    pub fn new(guard: SlotGuard) -> Occupied {
        Occupied {
            wrapped_inputs: Vec::new(),
            replaced: Vec::new(),
            guard,
        }
    }

    pub fn parts(&mut self) -> &mut SlotParts {
        self.guard.parts()
    }

    /// See `SlotGuard::launcher`.
    pub fn launcher(&mut self) -> crate::pool::Launcher {
        self.guard.launcher()
    }
}

impl Drop for Occupied {
    fn drop(&mut self) {
        let wrapped = std::mem::take(&mut self.wrapped_inputs);
        let replaced = std::mem::take(&mut self.replaced);
        let parts = self.guard.parts();
        for index in wrapped {
            let Some(own) = &parts.inputs[index] else {
                continue;
            };
            if let Err(e) = parts.request.set_input_tensor(index, &own.tensor) {
                log::error!("restoring input tensor {index} failed: {e}");
            }
        }
        let Some(own) = &parts.outputs else {
            return;
        };
        for index in replaced {
            if let Err(e) = parts.request.set_output_tensor(index, &own[index].tensor) {
                log::error!("restoring output tensor {index} failed: {e}");
            }
        }
    }
}

/// Copies or wraps the inputs, and binds preallocated outputs where the slot can restore them.
/// What was bound is recorded in `occupied`, so dropping it restores the slot whether or not
/// this succeeded.
pub fn bind(occupied: &mut Occupied, plan: &Plan, loaded: &Loaded) -> Result<()> {
    if fault::injected(Fault::Bind) {
        return Err(Error::with(
            StatusCode::OV_INTERNAL_DESERIALIZATION_ERROR,
            "injected fault: binding a tensor",
        ));
    }
    let Occupied {
        wrapped_inputs,
        replaced,
        guard,
    } = occupied;
    let parts = guard.parts();
    for bound in &plan.inputs {
        let served = &loaded.inputs[bound.served];
        let port = served.index;
        let buffer = bound.buffer;
        if let Some(strings) = &bound.strings {
            // STRING: a new string tensor with copies of the strings (OpenVINO's string tensors
            // own std::string objects); a static port's own tensor is restored on drop.
            let tensor =
                Tensor::from_strings(strings, &bound.shape).map_err(deserialization_error)?;
            parts
                .request
                .set_input_tensor(port, &tensor)
                .map_err(deserialization_error)?;
            if parts.inputs[port].is_some() {
                wrapped_inputs.push(port);
            }
            continue;
        }
        match &parts.inputs[port] {
            // Small static input: the slot's own tensor has the right shape, and a copy is
            // cheaper than wrapping. Exactly the tensor's bytes are copied: for packed types
            // (U4, I4, U1) that is less than the one byte per element OVMS asks for.
            Some(own) if buffer.byte_size < WRAP_INPUT_BYTES => {
                if buffer.byte_size < own.byte_size {
                    return Err(Error::with(
                        StatusCode::INVALID_CONTENT_SIZE,
                        format!(
                            "input {}: {} bytes for a tensor of {} bytes",
                            served.info.name, buffer.byte_size, own.byte_size
                        ),
                    ));
                }
                if own.byte_size > 0 {
                    // SAFETY: validation checked the buffer holds `buffer.byte_size` bytes,
                    // at least `own.byte_size`; `own.data` is the slot's own tensor memory of
                    // `own.byte_size` bytes, which this guard uses exclusively.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            buffer.data.cast::<u8>(),
                            own.data,
                            own.byte_size,
                        )
                    };
                }
            }
            // Large static or dynamic input: wrap the caller's memory (no copy); a static one is
            // restored on drop.
            own => {
                let restore = own.is_some();
                let wrapped = wrap(served.info.ov_type, &bound.shape, buffer.data)
                    .map_err(deserialization_error)?;
                parts
                    .request
                    .set_input_tensor(port, &wrapped)
                    .map_err(deserialization_error)?;
                if restore {
                    wrapped_inputs.push(port);
                }
            }
        }
    }
    if parts.outputs.is_some() {
        for bound in &plan.outputs {
            let served = &loaded.outputs[bound.served];
            let wrapped = wrap(served.info.ov_type, &bound.shape, bound.buffer.data)
                .map_err(deserialization_error)?;
            parts
                .request
                .set_output_tensor(served.index, &wrapped)
                .map_err(deserialization_error)?;
            replaced.push(served.index);
        }
    }
    Ok(())
}

/// A tensor over the caller's memory, or an empty one when there is no memory (a zero-sized
/// dimension).
fn wrap(
    ov_type: openvino_sys::ov_element_type_e,
    shape: &[i64],
    data: *const c_void,
) -> std::result::Result<Tensor, OvError> {
    if data.is_null() {
        Tensor::new(ov_type, shape)
    } else {
        // SAFETY: validation checked the buffer holds at least the tensor's bytes (one byte
        // per element even for packed types, which need fewer); the caller keeps it alive until
        // the inference completes, and the slot drops the tensor before then.
        unsafe { Tensor::over_host_memory(ov_type, shape, data as *mut c_void) }
    }
}

fn serialization_error(e: OvError) -> Error {
    Error::with(StatusCode::OV_INTERNAL_SERIALIZATION_ERROR, e.to_string())
}

/// Builds the response from a finished slot, outputs in name order. Shapes and byte sizes are
/// the results' own, also for preallocated outputs (a dynamic output may be smaller than the
/// caller's buffer), as OVMS reports them.
pub fn collect(occupied: &mut Occupied, plan: &Plan, loaded: &Loaded) -> Result<Response> {
    let replaced = std::mem::take(&mut occupied.replaced);
    let result = collect_outputs(occupied.parts(), &replaced, plan, loaded);
    occupied.replaced = replaced;
    result
}

fn collect_outputs(
    parts: &SlotParts,
    replaced: &[usize],
    plan: &Plan,
    loaded: &Loaded,
) -> Result<Response> {
    let mut outputs = SmallVec::new();
    for (index, served) in loaded.outputs.iter().enumerate() {
        let info = &served.info;
        let name = Arc::clone(&served.c_name);
        let preallocated = plan.outputs.iter().find(|b| b.served == index);
        let bound_to_caller = preallocated.filter(|_| replaced.contains(&served.index));
        if !info.data_type.serializable() && bound_to_caller.is_none() {
            return Err(Error::with(
                StatusCode::OV_UNSUPPORTED_SERIALIZATION_PRECISION,
                format!("output {} has type {:?}", info.name, info.data_type),
            ));
        }
        // A static output not bound to the caller is still in the slot's own tensor: its shape
        // is the port's, and its memory was read at load, so nothing comes from OpenVINO.
        let fetched;
        let (shape, result, own) = match (&served.static_shape, &parts.outputs) {
            (Some(shape), Some(own)) if bound_to_caller.is_none() => {
                let own = &own[served.index];
                (shape.clone(), &own.tensor, Some(own))
            }
            _ => {
                fetched = parts
                    .request
                    .output_tensor(served.index)
                    .map_err(serialization_error)?;
                // OpenVINO's C API cannot describe a rank-0 shape, so a scalar's comes from
                // the port.
                let shape = if info.dims.is_empty() {
                    Dims::new()
                } else {
                    fetched.shape().map_err(serialization_error)?.into()
                };
                (shape, &fetched, None)
            }
        };
        if info.data_type == DataType::STRING {
            // Never preallocated (OVMS refuses STRING outputs in AddOutput): always a copy.
            outputs.push(ResponseOutput {
                name,
                datatype: info.data_type,
                data: OutputData::Strings(copy_strings(result, &shape, &info.name)?),
                shape,
            });
            continue;
        }
        if let Some(bound) = bound_to_caller {
            // OpenVINO wrote straight into the caller's buffer.
            let byte_size = result.byte_size().map_err(serialization_error)?;
            outputs.push(ResponseOutput {
                name,
                datatype: info.data_type,
                shape,
                data: OutputData::Caller {
                    buffer: bound.buffer,
                    byte_size: byte_size.min(bound.buffer.byte_size),
                },
            });
            continue;
        }
        let (src, byte_size) = match own {
            Some(own) => (own.data, own.byte_size),
            None => {
                let byte_size = result.byte_size().map_err(serialization_error)?;
                let src = if byte_size > 0 {
                    result.data().map_err(serialization_error)?.cast::<u8>()
                } else {
                    std::ptr::null_mut()
                };
                (src, byte_size)
            }
        };
        let data = match preallocated {
            // The slot cannot restore its outputs, so the caller's buffer gets a copy instead.
            Some(bound) => {
                if byte_size > bound.buffer.byte_size {
                    return Err(Error::with(
                        StatusCode::OV_INTERNAL_SERIALIZATION_ERROR,
                        format!(
                            "output {}: the result has {byte_size} bytes, the buffer only {}",
                            info.name, bound.buffer.byte_size
                        ),
                    ));
                }
                if byte_size > 0 {
                    // SAFETY: `src` holds `byte_size` bytes of the result; the caller's buffer
                    // holds at least as many (checked above) and is valid until completion.
                    unsafe {
                        std::ptr::copy_nonoverlapping(src, bound.buffer.data as *mut u8, byte_size)
                    };
                }
                OutputData::Caller {
                    buffer: bound.buffer,
                    byte_size,
                }
            }
            None => OutputData::Owned {
                // SAFETY: `src` holds `byte_size` bytes of the result (NULL only when empty).
                words: unsafe { aligned_copy(src, byte_size) },
                byte_size,
            },
        };
        outputs.push(ResponseOutput {
            name,
            datatype: info.data_type,
            shape,
            data,
        });
    }
    Ok(Response {
        outputs,
        parameters: Vec::new(),
    })
}

/// Copies a STRING result out of OpenVINO's tensor into the response's own std::string array.
fn copy_strings(result: &Tensor, shape: &[i64], name: &str) -> Result<StdStringArray> {
    let fail = |what: String| {
        Error::with(
            StatusCode::OV_INTERNAL_SERIALIZATION_ERROR,
            format!("output {name}: {what}"),
        )
    };
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?))
        .ok_or_else(|| fail(format!("shape {shape:?} has no element count")))?;
    let byte_size = result.byte_size().map_err(serialization_error)?;
    if Some(byte_size) != count.checked_mul(STD_STRING_SIZE) {
        return Err(fail(format!(
            "{byte_size} bytes for {count} strings: OpenVINO's std::string is not the \
             {STD_STRING_SIZE}-byte libstdc++ C++11 string this library reads"
        )));
    }
    if count == 0 {
        return Ok(StdStringArray::new::<&[u8]>(&[]));
    }
    let data = result.data().map_err(serialization_error)?;
    if data.is_null() {
        return Err(fail("OpenVINO gave no data for the strings".into()));
    }
    // SAFETY: `data` is the tensor's memory of `byte_size` = `count * STD_STRING_SIZE` bytes
    // (checked above): OpenVINO's array of `count` std::string objects, which the slot keeps
    // alive and nobody changes while this guard holds it; `read_std_strings` checks each object
    // before following its pointer, and the bytes are copied before this returns.
    let strings = unsafe { read_std_strings(data, count, "output", name) }.map_err(|e| {
        Error::with(
            StatusCode::OV_INTERNAL_SERIALIZATION_ERROR,
            e.context.unwrap_or_default(),
        )
    })?;
    Ok(StdStringArray::new(&strings))
}
