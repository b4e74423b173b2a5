//! Core, Model, CompiledModel and InferRequest handles, and the port information read from them.

use super::{Dim, OvError, OvResult, Tensor, check};
use crate::datatype::DataType;
use openvino_sys as sys;
use std::ffi::{CStr, CString, c_char};
use std::path::Path;

/// What the library needs to know about one input or output of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct PortInfo {
    pub name: String,
    pub ov_type: sys::ov_element_type_e,
    pub data_type: DataType,
    pub dims: Vec<Dim>,
}

impl PortInfo {
    pub fn is_static(&self) -> bool {
        self.dims.iter().all(Dim::is_static)
    }
}

fn c_string(text: &str, what: &str) -> OvResult<CString> {
    CString::new(text).map_err(|_| OvError {
        status: sys::ov_status_e::INVALID_C_PARAM,
        message: format!("{what} contains a NUL byte: {text:?}"),
    })
}

/// Reads name, type and partial shape of a port, then frees the port.
unsafe fn port_info(port: *mut sys::ov_output_const_port_t) -> OvResult<PortInfo> {
    struct PortGuard(*mut sys::ov_output_const_port_t);
    impl Drop for PortGuard {
        fn drop(&mut self) {
            unsafe { sys::ov_output_const_port_free(self.0) }
        }
    }
    let port = PortGuard(port);
    let mut name_ptr: *mut c_char = std::ptr::null_mut();
    check(
        unsafe { sys::ov_port_get_any_name(port.0, &mut name_ptr) },
        "ov_port_get_any_name",
    )?;
    let name = unsafe { CStr::from_ptr(name_ptr) }
        .to_string_lossy()
        .into_owned();
    unsafe { sys::ov_free(name_ptr) };
    let mut ov_type = sys::ov_element_type_e::DYNAMIC;
    check(
        unsafe { sys::ov_port_get_element_type(port.0, &mut ov_type) },
        "ov_port_get_element_type",
    )?;
    let mut shape: sys::ov_partial_shape_t = unsafe { std::mem::zeroed() };
    check(
        unsafe { sys::ov_port_get_partial_shape(port.0, &mut shape) },
        "ov_port_get_partial_shape",
    )?;
    let rank = shape.rank;
    let dims = if rank.min != rank.max || rank.max < 0 {
        None
    } else if rank.max == 0 || shape.dims.is_null() {
        Some(Vec::new())
    } else {
        let raw = unsafe { std::slice::from_raw_parts(shape.dims, rank.max as usize) };
        Some(
            raw.iter()
                .map(|d| Dim {
                    min: d.min,
                    max: d.max,
                })
                .collect(),
        )
    };
    unsafe { sys::ov_partial_shape_free(&mut shape) };
    let dims = dims.ok_or_else(|| OvError {
        status: sys::ov_status_e::NOT_IMPLEMENTED,
        message: format!("tensor {name} has a dynamic rank, which is not supported"),
    })?;
    Ok(PortInfo {
        name,
        ov_type,
        data_type: DataType::from_ov(ov_type),
        dims,
    })
}

/// `ov_core_t`. OpenVINO's Core is safe to use from several threads.
pub struct Core {
    ptr: *mut sys::ov_core_t,
}

unsafe impl Send for Core {}
unsafe impl Sync for Core {}

impl Core {
    /// Loads the runtime first if needed: every OpenVINO call panics without one.
    pub fn new() -> OvResult<Core> {
        super::ensure_loaded().map_err(|message| OvError {
            status: sys::ov_status_e::NOT_FOUND,
            message,
        })?;
        let mut ptr = std::ptr::null_mut();
        check(unsafe { sys::ov_core_create(&mut ptr) }, "ov_core_create")?;
        Ok(Core { ptr })
    }

    /// Reads an IR (`.xml` with its `.bin` beside it) or an ONNX file.
    pub fn read_model(&self, path: &Path) -> OvResult<Model> {
        let model_path = c_string(&path.to_string_lossy(), "model path")?;
        let mut ptr = std::ptr::null_mut();
        check(
            unsafe {
                sys::ov_core_read_model(self.ptr, model_path.as_ptr(), std::ptr::null(), &mut ptr)
            },
            &format!("reading model {}", path.display()),
        )?;
        Ok(Model { ptr })
    }

    /// Compiles `model` for `device` with OpenVINO properties given as strings.
    pub fn compile(
        &self,
        model: &Model,
        device: &str,
        properties: &[(String, String)],
    ) -> OvResult<CompiledModel> {
        let device = c_string(device, "target device")?;
        let keys = properties
            .iter()
            .map(|(k, _)| c_string(k, "property name"))
            .collect::<OvResult<Vec<_>>>()?;
        let values = properties
            .iter()
            .map(|(_, v)| c_string(v, "property value"))
            .collect::<OvResult<Vec<_>>>()?;
        let props: Vec<sys::ov_property_t> = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| sys::ov_property_t {
                key: k.as_ptr(),
                value: v.as_ptr().cast(),
            })
            .collect();
        let mut ptr = std::ptr::null_mut();
        check(
            unsafe {
                sys::ov_core_compile_model_props(
                    self.ptr,
                    model.ptr,
                    device.as_ptr(),
                    props.len(),
                    props.as_ptr(),
                    &mut ptr,
                )
            },
            "compiling the model",
        )?;
        Ok(CompiledModel { ptr })
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        unsafe { sys::ov_core_free(self.ptr) }
    }
}

/// `ov_model_t`: a model read from disk, before compilation.
pub struct Model {
    ptr: *mut sys::ov_model_t,
}

unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    pub fn inputs(&self) -> OvResult<Vec<PortInfo>> {
        let mut count = 0usize;
        check(
            unsafe { sys::ov_model_inputs_size(self.ptr, &mut count) },
            "ov_model_inputs_size",
        )?;
        (0..count)
            .map(|i| {
                let mut port = std::ptr::null_mut();
                check(
                    unsafe { sys::ov_model_const_input_by_index(self.ptr, i, &mut port) },
                    "ov_model_const_input_by_index",
                )?;
                unsafe { port_info(port) }
            })
            .collect()
    }

    /// Gives the named inputs new (partial) shapes.
    pub fn reshape(&self, shapes: &[(String, Vec<Dim>)]) -> OvResult<()> {
        let names = shapes
            .iter()
            .map(|(n, _)| c_string(n, "input name"))
            .collect::<OvResult<Vec<_>>>()?;
        let mut name_ptrs: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
        let mut partials = Vec::with_capacity(shapes.len());
        let mut result = Ok(());
        for (_, dims) in shapes {
            let raw: Vec<sys::ov_dimension_t> = dims
                .iter()
                // OpenVINO's C API writes a fully dynamic dimension as {-1, -1}.
                .map(|d| match d.is_fully_dynamic() {
                    true => sys::ov_dimension_t { min: -1, max: -1 },
                    false => sys::ov_dimension_t {
                        min: d.min,
                        max: d.max,
                    },
                })
                .collect();
            let mut partial: sys::ov_partial_shape_t = unsafe { std::mem::zeroed() };
            result = check(
                unsafe {
                    sys::ov_partial_shape_create(raw.len() as i64, raw.as_ptr(), &mut partial)
                },
                "ov_partial_shape_create",
            );
            if result.is_err() {
                break;
            }
            partials.push(partial);
        }
        if result.is_ok() {
            result = check(
                unsafe {
                    sys::ov_model_reshape(
                        self.ptr,
                        name_ptrs.as_mut_ptr(),
                        partials.as_ptr(),
                        partials.len(),
                    )
                },
                "reshaping the model",
            );
        }
        for partial in &mut partials {
            unsafe { sys::ov_partial_shape_free(partial) };
        }
        result
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { sys::ov_model_free(self.ptr) }
    }
}

/// `ov_compiled_model_t`.
pub struct CompiledModel {
    ptr: *mut sys::ov_compiled_model_t,
}

unsafe impl Send for CompiledModel {}
unsafe impl Sync for CompiledModel {}

impl CompiledModel {
    fn ports(
        &self,
        size: unsafe fn(*const sys::ov_compiled_model_t, *mut usize) -> sys::ov_status_e,
        by_index: unsafe fn(
            *const sys::ov_compiled_model_t,
            usize,
            *mut *mut sys::ov_output_const_port_t,
        ) -> sys::ov_status_e,
    ) -> OvResult<Vec<PortInfo>> {
        let mut count = 0usize;
        check(
            unsafe { size(self.ptr, &mut count) },
            "reading the compiled model's port count",
        )?;
        (0..count)
            .map(|i| {
                let mut port = std::ptr::null_mut();
                check(
                    unsafe { by_index(self.ptr, i, &mut port) },
                    "reading a compiled model's port",
                )?;
                unsafe { port_info(port) }
            })
            .collect()
    }

    pub fn inputs(&self) -> OvResult<Vec<PortInfo>> {
        self.ports(
            sys::ov_compiled_model_inputs_size,
            sys::ov_compiled_model_input_by_index,
        )
    }

    pub fn outputs(&self) -> OvResult<Vec<PortInfo>> {
        self.ports(
            sys::ov_compiled_model_outputs_size,
            sys::ov_compiled_model_output_by_index,
        )
    }

    pub fn property(&self, key: &str) -> OvResult<String> {
        let key = c_string(key, "property name")?;
        let mut value: *mut c_char = std::ptr::null_mut();
        check(
            unsafe { sys::ov_compiled_model_get_property(self.ptr, key.as_ptr(), &mut value) },
            "ov_compiled_model_get_property",
        )?;
        let text = unsafe { CStr::from_ptr(value) }
            .to_string_lossy()
            .into_owned();
        unsafe { sys::ov_free(value) };
        Ok(text)
    }

    pub fn create_infer_request(&self) -> OvResult<InferRequest> {
        let mut ptr = std::ptr::null_mut();
        check(
            unsafe { sys::ov_compiled_model_create_infer_request(self.ptr, &mut ptr) },
            "creating an infer request",
        )?;
        Ok(InferRequest { ptr })
    }
}

impl Drop for CompiledModel {
    fn drop(&mut self) {
        unsafe { sys::ov_compiled_model_free(self.ptr) }
    }
}

/// An `ov_callback_t`: a C function and its argument. Kept boxed, since OpenVINO keeps its address.
pub struct Callback {
    raw: sys::ov_callback_t,
}

unsafe impl Send for Callback {}
unsafe impl Sync for Callback {}

impl Callback {
    pub fn new(
        func: unsafe extern "C" fn(*mut std::ffi::c_void),
        args: *mut std::ffi::c_void,
    ) -> Box<Callback> {
        Box::new(Callback {
            raw: sys::ov_callback_t {
                callback_func: Some(func),
                args,
            },
        })
    }
}

/// `ov_infer_request_t`. The pool guarantees one user at a time.
pub struct InferRequest {
    ptr: *mut sys::ov_infer_request_t,
}

unsafe impl Send for InferRequest {}
unsafe impl Sync for InferRequest {}

impl InferRequest {
    pub fn input_tensor(&self, index: usize) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            unsafe { sys::ov_infer_request_get_input_tensor_by_index(self.ptr, index, &mut ptr) },
            "getting an input tensor",
        )?;
        Ok(Tensor::from_raw(ptr))
    }

    pub fn set_input_tensor(&mut self, index: usize, tensor: &Tensor) -> OvResult<()> {
        check(
            unsafe {
                sys::ov_infer_request_set_input_tensor_by_index(self.ptr, index, tensor.as_ptr())
            },
            "setting an input tensor",
        )
    }

    pub fn output_tensor(&self, index: usize) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            unsafe { sys::ov_infer_request_get_output_tensor_by_index(self.ptr, index, &mut ptr) },
            "getting an output tensor",
        )?;
        Ok(Tensor::from_raw(ptr))
    }

    pub fn set_output_tensor(&mut self, index: usize, tensor: &Tensor) -> OvResult<()> {
        check(
            unsafe {
                sys::ov_infer_request_set_output_tensor_by_index(self.ptr, index, tensor.as_ptr())
            },
            "setting an output tensor",
        )
    }

    /// Runs inference on the calling thread.
    pub fn infer(&mut self) -> OvResult<()> {
        check(
            unsafe { sys::ov_infer_request_infer(self.ptr) },
            "inference",
        )
    }

    /// The means to start inference later, taken while the request is used exclusively.
    pub fn async_start(&mut self) -> AsyncStart {
        AsyncStart(self.ptr)
    }

    /// Waits for the request to end and returns how inference went. Never call it from inside
    /// the request's own callback: OpenVINO holds the request there and this would not return.
    pub fn wait(&mut self) -> OvResult<()> {
        check(unsafe { sys::ov_infer_request_wait(self.ptr) }, "inference")
    }

    /// Registers `callback` for every completion of this request.
    ///
    /// # Safety
    /// OpenVINO keeps the pointer: `callback` must stay at its address until the request is freed.
    pub unsafe fn set_callback(&self, callback: &Callback) -> OvResult<()> {
        check(
            unsafe { sys::ov_infer_request_set_callback(self.ptr, &callback.raw) },
            "ov_infer_request_set_callback",
        )
    }
}

/// Starts one inference on an infer request; OpenVINO calls the request's callback when it ends.
/// Holds no reference, so the request's owner can hand its exclusive use to the callback first.
#[derive(Clone, Copy)]
pub struct AsyncStart(*mut sys::ov_infer_request_t);

impl AsyncStart {
    /// # Safety
    /// The request is alive, and its owner does not use it again until its callback ran.
    pub unsafe fn start(self) -> OvResult<()> {
        check(
            // SAFETY: the request is alive (the caller's contract) and nothing else uses it.
            unsafe { sys::ov_infer_request_start_async(self.0) },
            "starting inference",
        )
    }
}

impl Drop for InferRequest {
    fn drop(&mut self) {
        unsafe { sys::ov_infer_request_free(self.ptr) }
    }
}
