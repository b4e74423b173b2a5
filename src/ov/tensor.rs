//! `ov_tensor_t`: an owned handle. OpenVINO reference-counts the memory behind it, so freeing our
//! handle after `set_tensor` is safe.

use super::{OvResult, check};
use openvino_sys as sys;
use std::ffi::{CString, c_char, c_void};

pub struct Tensor {
    ptr: *mut sys::ov_tensor_t,
}

// SAFETY: an ov_tensor_t is a heap object that only holds a shared pointer to an ov::Tensor (the
// C bindings' common.h), whose memory OpenVINO reference-counts; nothing in ov_tensor.h ties it to
// a thread, so it may be used and freed from any thread.
unsafe impl Send for Tensor {}
// SAFETY: not a type-level guarantee: `set_shape` changes the tensor through `&self`, and
// ov_tensor.h promises nothing about concurrent calls. Sharing is sound because of how the library
// uses tensors: a request's tensors belong to its pool slot and are only touched by the one
// `SlotGuard` holding that slot, and a caller's tensors by the one request being bound.
unsafe impl Sync for Tensor {}

/// An `ov_shape_t` view of our dims. OpenVINO only reads it during the call, so no copy is made.
fn shape_view(dims: &[i64]) -> sys::ov_shape_t {
    sys::ov_shape_t {
        rank: dims.len() as i64,
        dims: dims.as_ptr() as *mut i64,
    }
}

impl Tensor {
    /// Takes ownership of a tensor handle; `Drop` frees it.
    ///
    /// # Safety
    /// `ptr` is a live ov_tensor_t that OpenVINO handed to the caller (e.g. after an OK
    /// `ov_infer_request_get_*_tensor_by_index`) and that nothing else frees or uses afterwards.
    pub(super) unsafe fn from_raw(ptr: *mut sys::ov_tensor_t) -> Tensor {
        Tensor { ptr }
    }

    pub(super) fn as_ptr(&self) -> *mut sys::ov_tensor_t {
        self.ptr
    }

    /// A tensor that allocates its own memory.
    pub fn new(element: sys::ov_element_type_e, dims: &[i64]) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            // SAFETY: the shape view points into `dims`, which holds `dims.len()` i64 and outlives
            // the call; OpenVINO copies the dims into the new tensor and never writes through the
            // view. `ptr` is a local the call writes the new tensor into, ours on OK. An element
            // type OpenVINO does not know is an error status.
            unsafe { sys::ov_tensor_create(element, shape_view(dims), &mut ptr) },
            "ov_tensor_create",
        )?;
        Ok(Tensor { ptr })
    }

    /// A tensor over the caller's memory (no copy). The memory must outlive every use of the
    /// tensor by OpenVINO.
    ///
    /// # Safety
    /// `data` must point to memory of the tensor's byte size (element size times the product of
    /// `dims`), valid for reads and, if the tensor is bound as an output, writes, and not used
    /// through Rust references while OpenVINO may access it, until OpenVINO's last use (the end of
    /// the last inference that uses the tensor).
    pub unsafe fn over_host_memory(
        element: sys::ov_element_type_e,
        dims: &[i64],
        data: *mut c_void,
    ) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            // SAFETY: the shape view points into `dims`, which outlives the call and is only read;
            // `data` meets this function's contract, which is all OpenVINO needs of it (ov_tensor.h:
            // "Pointer to pre-allocated host memory"; NULL is an error status); `ptr` is a local
            // the call writes the new tensor into, ours on OK.
            unsafe {
                sys::ov_tensor_create_from_host_ptr(element, shape_view(dims), data, &mut ptr)
            },
            "ov_tensor_create_from_host_ptr",
        )?;
        Ok(Tensor { ptr })
    }

    /// A STRING tensor of shape `dims` holding copies of `strings` (one per element, row-major).
    /// OpenVINO's string tensors own `std::string` objects, so nothing here outlives the call.
    pub fn from_strings(strings: &[CString], dims: &[i64]) -> OvResult<Tensor> {
        if strings.is_empty() {
            // OpenVINO refuses an empty array; an empty tensor needs no strings.
            return Tensor::new(sys::ov_element_type_e::STRING, dims);
        }
        let mut pointers: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        let mut ptr = std::ptr::null_mut();
        check(
            // SAFETY: `pointers` holds `pointers.len()` NUL-terminated strings (borrowed from
            // `strings`, which outlives the call); ov_tensor.h takes them as `const char**`, and
            // OpenVINO copies each into the new tensor's own std::string elements before
            // returning, so no pointer is kept. The shape view points into `dims`, only read;
            // a count that does not match the shape is an error status. `ptr` is a local the call
            // writes the new tensor into, ours on OK.
            unsafe {
                sys::ov_tensor_create_from_string_array(
                    pointers.as_mut_ptr(),
                    pointers.len(),
                    shape_view(dims),
                    &mut ptr,
                )
            },
            "ov_tensor_create_from_string_array",
        )?;
        Ok(Tensor { ptr })
    }

    pub fn shape(&self) -> OvResult<Vec<i64>> {
        let mut shape = sys::ov_shape_t {
            rank: 0,
            dims: std::ptr::null_mut(),
        };
        check(
            // SAFETY: `self.ptr` is a live ov_tensor_t owned by this Tensor (freed only in Drop);
            // `shape` is a local the call fills with the rank and a dims array it allocates for
            // the caller.
            unsafe { sys::ov_tensor_get_shape(self.ptr, &mut shape) },
            "ov_tensor_get_shape",
        )?;
        let dims = if shape.rank <= 0 || shape.dims.is_null() {
            Vec::new()
        } else {
            // SAFETY: after an OK status `dims` is a non-NULL array of `rank` (> 0) i64 that
            // OpenVINO allocated (ov_shape.h: a shape's dims, "it's size should be equal to
            // rank"), aligned and live until `ov_shape_free` below; it is copied before that.
            unsafe { std::slice::from_raw_parts(shape.dims, shape.rank as usize) }.to_vec()
        };
        // SAFETY: `shape` was filled by `ov_tensor_get_shape`, so its dims array is ours; it is
        // freed once here ("Free a shape object's internal memory", ov_shape.h) and the slice
        // above is no longer used.
        unsafe { sys::ov_shape_free(&mut shape) };
        Ok(dims)
    }

    pub fn set_shape(&self, dims: &[i64]) -> OvResult<()> {
        check(
            // SAFETY: `self.ptr` is a live ov_tensor_t owned by this Tensor (freed only in Drop),
            // not changed by another thread meanwhile (see `Sync` above); the shape view points
            // into `dims`, which outlives the call and is only read.
            unsafe { sys::ov_tensor_set_shape(self.ptr, shape_view(dims)) },
            "ov_tensor_set_shape",
        )
    }

    pub fn byte_size(&self) -> OvResult<usize> {
        let mut size = 0usize;
        check(
            // SAFETY: `self.ptr` is a live ov_tensor_t owned by this Tensor (freed only in Drop);
            // `size` is a local the call writes into.
            unsafe { sys::ov_tensor_get_byte_size(self.ptr, &mut size) },
            "ov_tensor_get_byte_size",
        )?;
        Ok(size)
    }

    /// The tensor's memory; may be NULL for an empty tensor.
    pub fn data(&self) -> OvResult<*mut c_void> {
        let mut data = std::ptr::null_mut();
        check(
            // SAFETY: `self.ptr` is a live ov_tensor_t owned by this Tensor (freed only in Drop);
            // `data` is a local the call writes the memory's address into. Using that address is
            // the caller's business (it is a raw pointer; dereferencing it needs `unsafe`).
            unsafe { sys::ov_tensor_data(self.ptr, &mut data) },
            "ov_tensor_data",
        )?;
        Ok(data)
    }
}

impl Drop for Tensor {
    fn drop(&mut self) {
        // SAFETY: `self.ptr` came from `ov_tensor_create*` or, through `from_raw`, from an
        // OpenVINO call that handed it to us; this Tensor owns it alone and frees it once, here.
        // OpenVINO reference-counts the memory behind it, so a request it was bound to keeps it.
        unsafe { sys::ov_tensor_free(self.ptr) }
    }
}
