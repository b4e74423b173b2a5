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

/// Takes a string OpenVINO allocated for the caller (`ov_port_get_any_name`,
/// `ov_compiled_model_get_property`): copies it out, then frees it with `ov_free`. NULL reads as
/// an empty string.
///
/// # Safety
/// `text` is NULL or a NUL-terminated string that OpenVINO handed to the caller to free with
/// `ov_free`, and nothing else uses or frees it afterwards.
unsafe fn take_ov_string(text: *mut c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: `text` is non-NULL and, by this function's contract, a NUL-terminated string that
    // stays allocated until the `ov_free` below; the copy is made before that.
    let copy = unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: by this function's contract the string is ours to free, with `ov_free` (ov_common.h:
    // "free char"), and it is freed once: `text` is not used after this.
    unsafe { sys::ov_free(text) };
    copy
}

/// Reads name, type and partial shape of a port, then frees the port.
///
/// # Safety
/// `port` is a port handle that an OpenVINO `*_by_index` call just handed out (non-NULL after an
/// OK status) and that nothing else owns: this function frees it.
unsafe fn port_info(port: *mut sys::ov_output_const_port_t) -> OvResult<PortInfo> {
    struct PortGuard(*mut sys::ov_output_const_port_t);
    impl Drop for PortGuard {
        fn drop(&mut self) {
            // SAFETY: the guard owns the port (given to `port_info`, whose contract makes it the
            // only owner) and frees it once, here; ov_node.h: `ov_output_const_port_free` frees
            // an ov_output_const_port_t.
            unsafe { sys::ov_output_const_port_free(self.0) }
        }
    }
    let port = PortGuard(port);
    let mut name_ptr: *mut c_char = std::ptr::null_mut();
    check(
        // SAFETY: `port.0` is a live port (freed only when the guard drops, after this) and
        // `name_ptr` is a local that outlives the call, which writes the name's address into it.
        unsafe { sys::ov_port_get_any_name(port.0, &mut name_ptr) },
        "ov_port_get_any_name",
    )?;
    // SAFETY: after an OK status `name_ptr` holds a copy of the name that OpenVINO's C API
    // allocates for the caller (the bindings fill it with a new[] copy, which `ov_free`
    // deletes), and nothing else holds it.
    let name = unsafe { take_ov_string(name_ptr) };
    let mut ov_type = sys::ov_element_type_e::DYNAMIC;
    check(
        // SAFETY: `port.0` is a live port (see above); `ov_type` is a local the call writes the
        // element type into.
        unsafe { sys::ov_port_get_element_type(port.0, &mut ov_type) },
        "ov_port_get_element_type",
    )?;
    // SAFETY: `ov_partial_shape_t` is a plain C struct (a rank of two i64 and a dims pointer);
    // all zeros is a valid value (rank {0, 0}, dims NULL), which `ov_partial_shape_free` leaves
    // alone.
    let mut shape: sys::ov_partial_shape_t = unsafe { std::mem::zeroed() };
    check(
        // SAFETY: `port.0` is a live port (see above); `shape` is a local the call fills with the
        // rank and, for a static rank, a dims array it allocates for the caller.
        unsafe { sys::ov_port_get_partial_shape(port.0, &mut shape) },
        "ov_port_get_partial_shape",
    )?;
    let rank = shape.rank;
    let dims = if rank.min != rank.max || rank.max < 0 {
        None
    } else if rank.max == 0 || shape.dims.is_null() {
        Some(Vec::new())
    } else {
        // SAFETY: the rank is static (min == max >= 1 here) and `dims` is non-NULL, so OpenVINO
        // filled `dims` with one ov_dimension_t per axis, `rank.max` of them (ov_partial_shape.h:
        // a static-rank shape carries its dimensions); the array is OpenVINO-allocated and so
        // aligned, and it stays allocated until `ov_partial_shape_free` below, after the copy.
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
    // SAFETY: `shape` was filled by `ov_port_get_partial_shape` (or is still zeroed); its dims
    // array, if any, is ours and freed once here (ov_partial_shape.h: "Release internal memory
    // allocated in partial shape"); `raw` was copied into `dims` before and is not used after.
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

/// `ov_core_t`, owned: created in `new`, freed only in `Drop`.
pub struct Core {
    ptr: *mut sys::ov_core_t,
}

// SAFETY: an ov_core_t is a heap object that only holds a shared pointer to an ov::Core (the C
// bindings' common.h); nothing in ov_core.h ties it to the thread that created it, so it may be
// used and freed from another thread.
unsafe impl Send for Core {}
// SAFETY: the only `&self` methods, `read_model` and `compile`, pass the core as `const
// ov_core_t*` (ov_core.h) and leave this handle unchanged. ov_core.h states no thread-safety
// guarantee for concurrent calls; this library makes them only from the server's start-up path,
// one after another (`Server::start` -> `load_model`).
unsafe impl Sync for Core {}

impl Core {
    /// Loads the runtime first if needed: every OpenVINO call panics without one.
    pub fn new() -> OvResult<Core> {
        super::ensure_loaded().map_err(|message| OvError {
            status: sys::ov_status_e::NOT_FOUND,
            message,
        })?;
        let mut ptr = std::ptr::null_mut();
        // SAFETY: the runtime is loaded (just checked); `ptr` is a local the call writes the new
        // core's address into; on OK the core is ours to free (ov_core.h: `ov_core_free`).
        check(unsafe { sys::ov_core_create(&mut ptr) }, "ov_core_create")?;
        Ok(Core { ptr })
    }

    /// Reads an IR (`.xml` with its `.bin` beside it) or an ONNX file.
    pub fn read_model(&self, path: &Path) -> OvResult<Model> {
        let model_path = c_string(&path.to_string_lossy(), "model path")?;
        let mut ptr = std::ptr::null_mut();
        check(
            // SAFETY: `self.ptr` is a live ov_core_t owned by this Core (freed only in Drop);
            // `model_path` is a NUL-terminated CString that outlives the call; a NULL `bin_path`
            // means "none" (the C bindings read it as an empty path, which ov_core.h says makes
            // OpenVINO look for the .bin beside the .xml); `ptr` is a local the call writes the new
            // model into, ours on OK.
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
            // SAFETY: `self.ptr` and `model.ptr` are live handles owned by this Core and `model`
            // (freed only in their Drop), both only read (`const` in ov_core.h); `device` is a
            // CString, and `props` holds `props.len()` ov_property_t whose key and value point into
            // the CStrings in `keys` and `values` (the string values ov_property.h allows), all of
            // which outlive the call; `ptr` is a local the call writes the new compiled model into,
            // ours on OK.
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
        // SAFETY: `self.ptr` came from `ov_core_create` and is owned by this Core alone (no Clone,
        // no accessor); this is its only free, and nothing uses it afterwards.
        unsafe { sys::ov_core_free(self.ptr) }
    }
}

/// `ov_model_t`: a model read from disk, before compilation. Not `Sync`: `reshape` changes the
/// model through `&self`.
pub struct Model {
    ptr: *mut sys::ov_model_t,
}

// SAFETY: an ov_model_t is a heap object that only holds a shared pointer to an ov::Model (the C
// bindings' common.h); nothing in ov_model.h ties it to the thread that created it, so the owner
// may move it to, use it on and free it from another thread.
unsafe impl Send for Model {}

impl Model {
    pub fn inputs(&self) -> OvResult<Vec<PortInfo>> {
        let mut count = 0usize;
        check(
            // SAFETY: `self.ptr` is a live ov_model_t owned by this Model (freed only in Drop);
            // `count` is a local the call writes the input count into.
            unsafe { sys::ov_model_inputs_size(self.ptr, &mut count) },
            "ov_model_inputs_size",
        )?;
        (0..count)
            .map(|i| {
                let mut port = std::ptr::null_mut();
                check(
                    // SAFETY: `self.ptr` is live (see above) and `i` < the input count it
                    // reported; `port` is a local the call writes a new port into, ours on OK.
                    unsafe { sys::ov_model_const_input_by_index(self.ptr, i, &mut port) },
                    "ov_model_const_input_by_index",
                )?;
                // SAFETY: after an OK status `port` is a new port handle that only we hold.
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
            // SAFETY: `ov_partial_shape_t` is a plain C struct; all zeros (rank {0, 0}, dims NULL)
            // is a valid value.
            let mut partial: sys::ov_partial_shape_t = unsafe { std::mem::zeroed() };
            result = check(
                // SAFETY: `raw` holds `raw.len()` dimensions and outlives the call, which copies
                // them into a dims array it allocates in `partial` (a local), ours on OK.
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
                // SAFETY: `self.ptr` is a live ov_model_t owned by this Model, and `&self` is not
                // shared across threads (Model is not Sync); `name_ptrs` holds one NUL-terminated
                // name per entry of `partials` (one per shape; the loop above did not break), each
                // pointing into a CString of `names`; `partials` are shapes OpenVINO created; the
                // call only reads them (`const` in ov_model.h) and all outlive it.
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
            // SAFETY: each `partial` was filled by an OK `ov_partial_shape_create`, so its dims
            // array is ours; it is freed once here and not used afterwards.
            unsafe { sys::ov_partial_shape_free(partial) };
        }
        result
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` came from `ov_core_read_model` and is owned by this Model alone; the
        // compiled model made from it does not use our handle. This is its only free.
        unsafe { sys::ov_model_free(self.ptr) }
    }
}

/// `ov_compiled_model_t`, owned: created by `Core::compile`, freed only in `Drop`.
pub struct CompiledModel {
    ptr: *mut sys::ov_compiled_model_t,
}

// SAFETY: an ov_compiled_model_t is a heap object that only holds a shared pointer to an
// ov::CompiledModel (the C bindings' common.h); nothing in ov_compiled_model.h ties it to the
// thread that created it, so it may be used and freed from another thread.
unsafe impl Send for CompiledModel {}
// SAFETY: every `&self` method (port queries, `property`, `create_infer_request`) passes the
// handle as `const ov_compiled_model_t*` (ov_compiled_model.h), i.e. only reads the compiled
// model; nothing changes it after `Core::compile`. In this library they run while a version is
// loaded, on the loading thread.
unsafe impl Sync for CompiledModel {}

impl CompiledModel {
    /// Reads every port that `size` counts and `by_index` hands out.
    ///
    /// # Safety
    /// `size` and `by_index` are OpenVINO's matching pair of port functions for compiled models
    /// (`ov_compiled_model_{inputs,outputs}_size` and `ov_compiled_model_{input,output}_by_index`):
    /// `size` only writes the count, and `by_index` hands out a new port that the caller owns.
    unsafe fn ports(
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
            // SAFETY: `size` is an OpenVINO count function (this function's contract);
            // `self.ptr` is a live ov_compiled_model_t owned by this CompiledModel (freed only in
            // Drop) and `count` is a local it writes into.
            unsafe { size(self.ptr, &mut count) },
            "reading the compiled model's port count",
        )?;
        (0..count)
            .map(|i| {
                let mut port = std::ptr::null_mut();
                check(
                    // SAFETY: `by_index` is the matching OpenVINO port function (this function's
                    // contract); `self.ptr` is live, `i` < the count it reported, and `port` is a
                    // local it writes a new port into, ours on OK.
                    unsafe { by_index(self.ptr, i, &mut port) },
                    "reading a compiled model's port",
                )?;
                // SAFETY: after an OK status `port` is a new port handle that only we hold.
                unsafe { port_info(port) }
            })
            .collect()
    }

    pub fn inputs(&self) -> OvResult<Vec<PortInfo>> {
        // SAFETY: OpenVINO's input count and input-port functions, a matching pair
        // (ov_compiled_model.h); `*_by_index` hands out a new ov_output_const_port_t.
        unsafe {
            self.ports(
                sys::ov_compiled_model_inputs_size,
                sys::ov_compiled_model_input_by_index,
            )
        }
    }

    pub fn outputs(&self) -> OvResult<Vec<PortInfo>> {
        // SAFETY: OpenVINO's output count and output-port functions, a matching pair
        // (ov_compiled_model.h); `*_by_index` hands out a new ov_output_const_port_t.
        unsafe {
            self.ports(
                sys::ov_compiled_model_outputs_size,
                sys::ov_compiled_model_output_by_index,
            )
        }
    }

    pub fn property(&self, key: &str) -> OvResult<String> {
        let key = c_string(key, "property name")?;
        let mut value: *mut c_char = std::ptr::null_mut();
        check(
            // SAFETY: `self.ptr` is a live ov_compiled_model_t owned by this CompiledModel (freed
            // only in Drop); `key` is a CString that outlives the call; `value` is a local the
            // call writes the value's address into.
            unsafe { sys::ov_compiled_model_get_property(self.ptr, key.as_ptr(), &mut value) },
            "ov_compiled_model_get_property",
        )?;
        // SAFETY: after an OK status `value` holds a string that the C API allocated for the
        // caller to free with `ov_free`, and nothing else holds it.
        Ok(unsafe { take_ov_string(value) })
    }

    pub fn create_infer_request(&self) -> OvResult<InferRequest> {
        let mut ptr = std::ptr::null_mut();
        check(
            // SAFETY: `self.ptr` is a live ov_compiled_model_t owned by this CompiledModel (freed
            // only in Drop), only read (`const` in ov_compiled_model.h); `ptr` is a local the call
            // writes the new request into, ours on OK.
            unsafe { sys::ov_compiled_model_create_infer_request(self.ptr, &mut ptr) },
            "creating an infer request",
        )?;
        Ok(InferRequest { ptr })
    }
}

impl Drop for CompiledModel {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` came from `ov_core_compile_model_props` and is owned by this
        // CompiledModel alone; this is its only free. (Requests made from it are separate handles;
        // the served version frees them first.)
        unsafe { sys::ov_compiled_model_free(self.ptr) }
    }
}

/// An `ov_callback_t`: a C function and its argument. Kept boxed, since OpenVINO keeps its address.
pub struct Callback {
    raw: sys::ov_callback_t,
}

// SAFETY: a Callback is a function pointer and an opaque `args` pointer that this type never
// dereferences and gives no access to; only OpenVINO reads them, through `set_callback`, whose
// caller vouches that calling `func(args)` from any thread is sound. Moving the struct to another
// thread therefore gives that thread nothing to misuse.
unsafe impl Send for Callback {}
// SAFETY: `raw` is never written after `new`; a `&Callback` only lets `set_callback` hand its
// address to OpenVINO, which reads it. Concurrent reads of unchanging data cannot race.
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

// SAFETY: an ov_infer_request_t is a heap object that only holds a shared pointer to an
// ov::InferRequest (the C bindings' common.h); nothing in ov_infer_request.h ties it to the
// thread that created it, and OpenVINO itself runs the request's work and its callback on its
// own threads. So it may be used and freed from any thread.
unsafe impl Send for InferRequest {}
// SAFETY: not a type-level guarantee. The `&self` methods change the request (set tensors, run
// inference), and ov_infer_request.h promises nothing about concurrent calls. What makes sharing
// sound is the pool: a request belongs to one slot, and only the one `SlotGuard` holding that
// slot calls these methods, so no two threads call into one request at once.
unsafe impl Sync for InferRequest {}

impl InferRequest {
    pub fn input_tensor(&self, index: usize) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            // SAFETY: `self.ptr` is a live ov_infer_request_t owned by this InferRequest (freed
            // only in Drop); `ptr` is a local the call writes a new tensor handle into; an index
            // out of range is an error status, not UB (ov_infer_request.h: "an error will return").
            unsafe { sys::ov_infer_request_get_input_tensor_by_index(self.ptr, index, &mut ptr) },
            "getting an input tensor",
        )?;
        // SAFETY: after an OK status `ptr` is a new ov_tensor_t that the call handed to us (the C
        // bindings allocate a fresh handle that shares the request's tensor), owned by nobody else.
        Ok(unsafe { Tensor::from_raw(ptr) })
    }

    pub fn set_input_tensor(&mut self, index: usize, tensor: &Tensor) -> OvResult<()> {
        check(
            // SAFETY: `self.ptr` and `tensor.as_ptr()` are live handles owned by this request and
            // `tensor` (freed only in their Drop); OpenVINO reference-counts the tensor's memory, so
            // the request keeps it after our handle is freed; a bad index is an error status.
            unsafe {
                sys::ov_infer_request_set_input_tensor_by_index(self.ptr, index, tensor.as_ptr())
            },
            "setting an input tensor",
        )
    }

    pub fn output_tensor(&self, index: usize) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            // SAFETY: `self.ptr` is a live ov_infer_request_t owned by this InferRequest (freed
            // only in Drop); `ptr` is a local the call writes a new tensor handle into; an index
            // out of range is an error status, not UB (ov_infer_request.h: "an error will return").
            unsafe { sys::ov_infer_request_get_output_tensor_by_index(self.ptr, index, &mut ptr) },
            "getting an output tensor",
        )?;
        // SAFETY: after an OK status `ptr` is a new ov_tensor_t that the call handed to us (the C
        // bindings allocate a fresh handle that shares the request's tensor), owned by nobody else.
        Ok(unsafe { Tensor::from_raw(ptr) })
    }

    pub fn set_output_tensor(&mut self, index: usize, tensor: &Tensor) -> OvResult<()> {
        check(
            // SAFETY: `self.ptr` and `tensor.as_ptr()` are live handles owned by this request and
            // `tensor` (freed only in their Drop); OpenVINO reference-counts the tensor's memory, so
            // the request keeps it after our handle is freed; a bad index is an error status.
            unsafe {
                sys::ov_infer_request_set_output_tensor_by_index(self.ptr, index, tensor.as_ptr())
            },
            "setting an output tensor",
        )
    }

    /// Runs inference on the calling thread.
    pub fn infer(&mut self) -> OvResult<()> {
        check(
            // SAFETY: `self.ptr` is a live ov_infer_request_t owned by this InferRequest (freed
            // only in Drop). The memory of tensors made with `Tensor::over_host_memory` is the
            // callers' to keep alive (that function's contract). The direct function is the
            // loaded runtime's own, and its library stays mapped for the process.
            unsafe {
                match super::runtime::direct_infer() {
                    Some(infer) => infer(self.ptr),
                    None => sys::ov_infer_request_infer(self.ptr),
                }
            },
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
        // SAFETY: `self.ptr` is a live ov_infer_request_t owned by this InferRequest (freed only
        // in Drop).
        check(unsafe { sys::ov_infer_request_wait(self.ptr) }, "inference")
    }

    /// Registers `callback` for every completion of this request.
    ///
    /// # Safety
    /// OpenVINO keeps the pointer: `callback` must stay at its address until the request is freed.
    /// OpenVINO calls `func(args)` on its own threads, once per completed inference: that call
    /// must be sound from any thread for as long as the request lives.
    pub unsafe fn set_callback(&self, callback: &Callback) -> OvResult<()> {
        check(
            // SAFETY: `self.ptr` is a live ov_infer_request_t owned by this InferRequest (freed
            // only in Drop); `&callback.raw` is a valid ov_callback_t, and the caller guarantees
            // it stays at that address and that `func(args)` may run on OpenVINO's threads until
            // the request is freed (this function's contract): the C bindings keep the pointer,
            // not a copy, and call through it at every completion.
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
        // SAFETY: `self.ptr` came from `ov_compiled_model_create_infer_request` and is owned by
        // this InferRequest alone; this is its only free, and nothing uses it afterwards.
        unsafe { sys::ov_infer_request_free(self.ptr) }
    }
}
