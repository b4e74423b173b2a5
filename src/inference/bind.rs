//! Putting a request's buffers into a slot's infer request, and reading the results back.

use super::request::{Buffer, Request};
use super::response::{OutputData, Response, ResponseOutput, aligned_copy};
use crate::fault::{self, Fault};
use crate::model::Loaded;
use crate::ov::{OvError, Tensor};
use crate::pool::{Slot, SlotGuard, SlotHandle};
use crate::status::{Error, Result, StatusCode};
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
    pub fn slot(&self) -> &Slot {
        self.guard.slot()
    }

    pub fn handle(&self) -> SlotHandle {
        self.guard.handle()
    }
}

impl Drop for Occupied {
    fn drop(&mut self) {
        let slot = self.guard.slot();
        for &index in &self.wrapped_inputs {
            let own = slot.inputs[index]
                .as_ref()
                .expect("only static inputs are wrapped");
            if let Err(e) = slot.request.set_input_tensor(index, own) {
                log::error!("restoring input tensor {index} failed: {e}");
            }
        }
        let Some(own) = &slot.outputs else {
            return;
        };
        for &index in &self.replaced {
            if let Err(e) = slot.request.set_output_tensor(index, &own[index]) {
                log::error!("restoring output tensor {index} failed: {e}");
            }
        }
    }
}

impl Occupied {
    pub fn new(guard: SlotGuard) -> Occupied {
        Occupied {
            wrapped_inputs: Vec::new(),
            replaced: Vec::new(),
            guard,
        }
    }
}

/// Copies or wraps the inputs, and binds preallocated outputs where the slot can restore them.
/// Validation has already checked names, types, shapes and sizes. What was bound is recorded in
/// `occupied`, so dropping it restores the slot whether or not this succeeded.
pub fn bind(occupied: &mut Occupied, request: &Request, loaded: &Loaded) -> Result<()> {
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
    bind_into(guard.slot(), wrapped_inputs, replaced, request, loaded)
}

/// `bind`'s work; `wrapped_inputs` and `replaced` record each tensor bound, so a failure
/// half-way still restores.
fn bind_into(
    slot: &Slot,
    wrapped_inputs: &mut Vec<usize>,
    replaced: &mut Vec<usize>,
    request: &Request,
    loaded: &Loaded,
) -> Result<()> {
    for served in &loaded.inputs {
        let tensor = &request.inputs[&served.info.name];
        let buffer = tensor.buffer.expect("validated");
        match &slot.inputs[served.index] {
            // Large static input: wrap the caller's memory (no copy); restored on drop.
            Some(_) if buffer.byte_size >= WRAP_INPUT_BYTES => {
                let wrapped = wrap(served.info.ov_type, &tensor.shape, buffer)
                    .map_err(deserialization_error)?;
                slot.request
                    .set_input_tensor(served.index, &wrapped)
                    .map_err(deserialization_error)?;
                wrapped_inputs.push(served.index);
            }
            // Small static input: the slot's own tensor has the right size, and a copy is
            // cheaper than wrapping.
            Some(own) => {
                if buffer.byte_size > 0 {
                    let dst = own.data().map_err(deserialization_error)?;
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            buffer.data.cast::<u8>(),
                            dst.cast::<u8>(),
                            buffer.byte_size,
                        )
                    };
                }
            }
            // Dynamic input: wrap the caller's memory with the request's shape (no copy).
            None => {
                let wrapped = wrap(served.info.ov_type, &tensor.shape, buffer)
                    .map_err(deserialization_error)?;
                slot.request
                    .set_input_tensor(served.index, &wrapped)
                    .map_err(deserialization_error)?;
            }
        }
    }
    if slot.outputs.is_some() {
        for served in &loaded.outputs {
            let Some(tensor) = request.outputs.get(&served.info.name) else {
                continue;
            };
            let buffer = tensor.buffer.expect("validated");
            let wrapped =
                wrap(served.info.ov_type, &tensor.shape, buffer).map_err(deserialization_error)?;
            slot.request
                .set_output_tensor(served.index, &wrapped)
                .map_err(deserialization_error)?;
            replaced.push(served.index);
        }
    }
    Ok(())
}

fn wrap(
    ov_type: openvino_sys::ov_element_type_e,
    shape: &[i64],
    buffer: Buffer,
) -> std::result::Result<Tensor, OvError> {
    if buffer.data.is_null() {
        // An empty tensor (a zero-sized dimension) has no memory to wrap.
        Tensor::new(ov_type, shape)
    } else {
        // SAFETY: validation checked the size; the caller keeps the buffer alive until completion.
        unsafe { Tensor::over_host_memory(ov_type, shape, buffer.data as *mut c_void) }
    }
}

fn serialization_error(e: OvError) -> Error {
    Error::with(StatusCode::OV_INTERNAL_SERIALIZATION_ERROR, e.to_string())
}

/// Builds the response from a finished slot, outputs in name order.
pub fn collect(occupied: &Occupied, request: &Request, loaded: &Loaded) -> Result<Response> {
    let slot = occupied.slot();
    let mut outputs = Vec::with_capacity(loaded.outputs.len());
    for served in &loaded.outputs {
        let info = &served.info;
        let name = Arc::clone(&served.c_name);
        let preallocated = request.outputs.get(&info.name);
        if let Some(tensor) = preallocated.filter(|_| occupied.replaced.contains(&served.index)) {
            let buffer = tensor.buffer.expect("validated");
            outputs.push(ResponseOutput {
                name,
                datatype: info.data_type,
                shape: tensor.shape.clone(),
                data: OutputData::Caller(buffer),
            });
            continue;
        }
        if !info.data_type.serializable() {
            return Err(Error::with(
                StatusCode::OV_UNSUPPORTED_SERIALIZATION_PRECISION,
                format!("output {} has type {:?}", info.name, info.data_type),
            ));
        }
        // A static output is still in the slot's own tensor: its shape is the port's, and no
        // new tensor handle (and shape) needs to come from OpenVINO.
        let fetched;
        let (shape, result) = match (&served.static_shape, &slot.outputs) {
            (Some(shape), Some(own)) => (shape.clone(), &own[served.index]),
            _ => {
                fetched = slot
                    .request
                    .output_tensor(served.index)
                    .map_err(serialization_error)?;
                // OpenVINO's C API cannot describe a rank-0 shape, so a scalar's comes from
                // the port.
                let shape = if info.dims.is_empty() {
                    Vec::new()
                } else {
                    fetched.shape().map_err(serialization_error)?
                };
                (shape, &fetched)
            }
        };
        let byte_size = result.byte_size().map_err(serialization_error)?;
        let src = if byte_size > 0 {
            result.data().map_err(serialization_error)?
        } else {
            std::ptr::null_mut()
        };
        let data = match preallocated.and_then(|t| t.buffer) {
            // The slot cannot restore its outputs, so the caller's buffer gets a copy instead.
            Some(buffer) => {
                if buffer.byte_size != byte_size {
                    return Err(Error::with(
                        StatusCode::INTERNAL_ERROR,
                        format!(
                            "output {}: result has {byte_size} bytes, the buffer {}",
                            info.name, buffer.byte_size
                        ),
                    ));
                }
                if byte_size > 0 {
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            src.cast::<u8>(),
                            buffer.data as *mut u8,
                            byte_size,
                        )
                    };
                }
                OutputData::Caller(buffer)
            }
            None => OutputData::Owned {
                words: aligned_copy(src.cast::<u8>(), byte_size),
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
