//! One mechanism ties every C handle type to the Rust value behind it (after rustls-ffi's
//! `Castable`): the handle types are opaque zero-sized structs, a handle pointer is a boxed
//! value cast to the handle type, and only this file boxes, casts and unboxes. Getters borrow
//! the value shared, setters exclusive, and NULL becomes `NONEXISTENT_PTR` naming the argument.

use crate::status::{Error, Result};

/// Ties an opaque C handle type to the Rust value a handle of it points to.
///
/// # Safety
/// Implementors are zero-sized markers that Rust never constructs, so every non-NULL handle
/// pointer a caller passes is one that `into_raw` made (or a caller's lie, which the C API
/// contract rules out).
pub(crate) unsafe trait Handle: Sized {
    type Value;

    /// A new handle owning `value`; the caller owns the handle.
    fn into_raw(value: Self::Value) -> *mut Self {
        Box::into_raw(Box::new(value)).cast()
    }

    /// Frees a handle made by `into_raw`; NULL is a no-op.
    ///
    /// # Safety
    /// `ptr` is NULL or a live handle of this type, not used again.
    unsafe fn free(ptr: *mut Self) {
        if !ptr.is_null() {
            // SAFETY: a live handle is a `Box<Value>` made by `into_raw` (the contract).
            drop(unsafe { Box::from_raw(ptr.cast::<Self::Value>()) });
        }
    }

    /// The value behind a handle, shared: for getters.
    ///
    /// # Safety
    /// `ptr` is NULL or a live handle of this type that nobody changes meanwhile.
    unsafe fn borrow<'a>(ptr: *const Self, name: &str) -> Result<&'a Self::Value> {
        // SAFETY: a non-NULL handle points to a live `Value` (the contract).
        unsafe { ptr.cast::<Self::Value>().as_ref() }.ok_or_else(|| Error::null_arg(name))
    }

    /// The value behind a handle, exclusive: for setters.
    ///
    /// # Safety
    /// `ptr` is NULL or a live handle of this type that nobody else uses meanwhile.
    unsafe fn borrow_mut<'a>(ptr: *mut Self, name: &str) -> Result<&'a mut Self::Value> {
        // SAFETY: a non-NULL handle points to a live `Value` (the contract).
        unsafe { ptr.cast::<Self::Value>().as_mut() }.ok_or_else(|| Error::null_arg(name))
    }
}

// SAFETY: each handle type below is a zero-sized marker declared in `types.rs` that Rust never
// constructs.
unsafe impl Handle for super::OVMS_Status {
    type Value = super::StatusValue;
}
// SAFETY: as above.
unsafe impl Handle for super::OVMS_ServerSettings {
    type Value = crate::config::ServerSettings;
}
// SAFETY: as above.
unsafe impl Handle for super::OVMS_ModelsSettings {
    type Value = crate::config::ModelsSettings;
}
// SAFETY: as above.
unsafe impl Handle for super::OVMS_Metadata {
    type Value = serde_json::Value;
}
// SAFETY: as above.
unsafe impl Handle for super::OVMS_ServableMetadata {
    type Value = crate::model::ServableMetadata;
}
// SAFETY: as above.
unsafe impl Handle for super::OVMS_InferenceRequest {
    type Value = super::CRequest;
}
// SAFETY: as above.
unsafe impl Handle for super::OVMS_InferenceResponse {
    type Value = crate::inference::Response;
}

/// The address handed out for the server singleton: any non-NULL server pointer means it.
static SERVER_HANDLE: super::OVMS_Server = super::OVMS_Server { _private: [] };

/// The singleton's handle; it is never freed.
pub(crate) fn server_handle() -> *mut super::OVMS_Server {
    (&raw const SERVER_HANDLE).cast_mut()
}
