//! The inference response: outputs in name order, owned by the caller.

use super::Dims;
use super::request::Buffer;
use super::strings::StdStringArray;
use crate::datatype::DataType;
use smallvec::SmallVec;
use std::ffi::{CStr, c_void};
use std::sync::Arc;

/// An output's own storage: `u64` words keep the data 8-byte aligned for any element type, and
/// up to 64 bytes (scores, a scalar) sit inline, with no allocation of their own.
pub type OutputWords = SmallVec<[u64; 8]>;

pub enum OutputData {
    /// Copied out of OpenVINO.
    Owned {
        words: OutputWords,
        byte_size: usize,
    },
    /// A caller's preallocated buffer that OpenVINO wrote `byte_size` bytes into (a dynamic
    /// output may fill less than the whole buffer).
    Caller { buffer: Buffer, byte_size: usize },
    /// A STRING output: the response's own array of C++ std::string objects (libstdc++'s C++11
    /// layout), which later inferences or changes to the request's inputs leave alone.
    Strings(StdStringArray),
    /// Memory another part owns (a custom node's output buffer), released when this drops.
    External(Box<dyn ExternalData>),
}

/// A buffer owned elsewhere that a response hands out without copying it.
pub trait ExternalData: Send + Sync {
    fn bytes(&self) -> &[u8];
}

pub struct ResponseOutput {
    pub name: Arc<CStr>,
    pub datatype: DataType,
    pub shape: Dims,
    pub data: OutputData,
}

impl ResponseOutput {
    /// (data, byte size, buffer type, device id).
    pub fn data(&self) -> (*const c_void, usize, u32, u32) {
        match &self.data {
            OutputData::Owned { words, byte_size } => (words.as_ptr().cast(), *byte_size, 0, 0),
            OutputData::Caller { buffer, byte_size } => (
                buffer.data,
                *byte_size,
                buffer.buffer_type,
                buffer.device_id,
            ),
            OutputData::Strings(strings) => (strings.as_ptr(), strings.byte_size(), 0, 0),
            OutputData::External(external) => {
                let bytes = external.bytes();
                (bytes.as_ptr().cast(), bytes.len(), 0, 0)
            }
        }
    }
}

#[derive(Default)]
pub struct Response {
    /// Inline for the usual one, so a response is one allocation besides its data.
    pub outputs: SmallVec<[ResponseOutput; 1]>,
    /// (datatype, bytes); model inference adds none, as in OVMS.
    pub parameters: Vec<(u32, Vec<u8>)>,
}

// SAFETY: a caller's buffer in a response is only handed back to that caller; the response
// itself holds no thread-bound state.
unsafe impl Send for Response {}

/// Copies `byte_size` bytes at `src` into 8-byte aligned storage.
///
/// # Safety
/// `src` points to `byte_size` readable bytes (it may be NULL when `byte_size` is 0).
pub unsafe fn aligned_copy(src: *const u8, byte_size: usize) -> OutputWords {
    let count = byte_size.div_ceil(8);
    let mut words = OutputWords::with_capacity(count);
    if count > 0 {
        // SAFETY: `words` has room for `count` words, which cover `byte_size` bytes; the last
        // word is zeroed first, so the bytes past `byte_size` are initialized too; `src` holds
        // `byte_size` bytes (the contract). Only then are the words marked as set.
        unsafe {
            words.as_mut_ptr().add(count - 1).write(0);
            std::ptr::copy_nonoverlapping(src, words.as_mut_ptr().cast::<u8>(), byte_size);
            words.set_len(count);
        }
    }
    words
}
