//! `ov_tensor_t`: an owned handle. OpenVINO reference-counts the memory behind it, so freeing our
//! handle after `set_tensor` is safe.

use super::{OvResult, check};
use openvino_sys as sys;
use std::ffi::c_void;

pub struct Tensor {
    ptr: *mut sys::ov_tensor_t,
}

// SAFETY: an ov::Tensor handle may be used and freed from any thread; the library never uses one
// tensor from two threads at once.
unsafe impl Send for Tensor {}
unsafe impl Sync for Tensor {}

/// An `ov_shape_t` view of our dims. OpenVINO only reads it during the call, so no copy is made.
fn shape_view(dims: &[i64]) -> sys::ov_shape_t {
    sys::ov_shape_t {
        rank: dims.len() as i64,
        dims: dims.as_ptr() as *mut i64,
    }
}

impl Tensor {
    pub(super) fn from_raw(ptr: *mut sys::ov_tensor_t) -> Tensor {
        Tensor { ptr }
    }

    pub(super) fn as_ptr(&self) -> *mut sys::ov_tensor_t {
        self.ptr
    }

    /// A tensor that allocates its own memory.
    pub fn new(element: sys::ov_element_type_e, dims: &[i64]) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            unsafe { sys::ov_tensor_create(element, shape_view(dims), &mut ptr) },
            "ov_tensor_create",
        )?;
        Ok(Tensor { ptr })
    }

    /// A tensor over the caller's memory (no copy). The memory must outlive every use of the
    /// tensor by OpenVINO.
    /// # Safety
    /// `data` must point to memory of the tensor's byte size that outlives OpenVINO's use.
    pub unsafe fn over_host_memory(
        element: sys::ov_element_type_e,
        dims: &[i64],
        data: *mut c_void,
    ) -> OvResult<Tensor> {
        let mut ptr = std::ptr::null_mut();
        check(
            unsafe {
                sys::ov_tensor_create_from_host_ptr(element, shape_view(dims), data, &mut ptr)
            },
            "ov_tensor_create_from_host_ptr",
        )?;
        Ok(Tensor { ptr })
    }

    pub fn shape(&self) -> OvResult<Vec<i64>> {
        let mut shape = sys::ov_shape_t {
            rank: 0,
            dims: std::ptr::null_mut(),
        };
        check(
            unsafe { sys::ov_tensor_get_shape(self.ptr, &mut shape) },
            "ov_tensor_get_shape",
        )?;
        let dims = if shape.rank == 0 || shape.dims.is_null() {
            Vec::new()
        } else {
            unsafe { std::slice::from_raw_parts(shape.dims, shape.rank as usize) }.to_vec()
        };
        unsafe { sys::ov_shape_free(&mut shape) };
        Ok(dims)
    }

    pub fn set_shape(&self, dims: &[i64]) -> OvResult<()> {
        check(
            unsafe { sys::ov_tensor_set_shape(self.ptr, shape_view(dims)) },
            "ov_tensor_set_shape",
        )
    }

    pub fn byte_size(&self) -> OvResult<usize> {
        let mut size = 0usize;
        check(
            unsafe { sys::ov_tensor_get_byte_size(self.ptr, &mut size) },
            "ov_tensor_get_byte_size",
        )?;
        Ok(size)
    }

    /// The tensor's memory; may be NULL for an empty tensor.
    pub fn data(&self) -> OvResult<*mut c_void> {
        let mut data = std::ptr::null_mut();
        check(
            unsafe { sys::ov_tensor_data(self.ptr, &mut data) },
            "ov_tensor_data",
        )?;
        Ok(data)
    }
}

impl Drop for Tensor {
    fn drop(&mut self) {
        unsafe { sys::ov_tensor_free(self.ptr) }
    }
}
