//! STRING tensors as OVMS's C API passes them: arrays of C++ `std::string` objects. Only the
//! layout of libstdc++'s C++11 ABI (GCC 5 and later, `_GLIBCXX_USE_CXX11_ABI=1`) is understood:
//!
//! ```text
//! struct { char* ptr; size_t len; union { char local[16]; size_t capacity; }; }   // 32 bytes
//! ```
//!
//! A string of at most 15 bytes lives in `local` (`ptr` points at it), a longer one on the heap
//! (`ptr` elsewhere, `capacity >= len`); either way `ptr[len]` is a NUL. Reading checks that each
//! object looks like that before following `ptr`; writing builds such objects for a response,
//! with memory the response owns.

use crate::status::{Error, Result, StatusCode};
use std::ffi::c_void;

/// `sizeof(std::string)` in libstdc++'s C++11 ABI on 64-bit targets.
pub(crate) const STD_STRING_SIZE: usize = 32;

/// The longest string libstdc++ keeps inside the object (small-string optimisation).
const LOCAL_CAPACITY: usize = 15;

/// The most string bytes one tensor may hold (as OVMS's 1 GiB bound on converted strings):
/// larger lengths are far more likely a foreign or garbage object than a real string.
pub(crate) const MAX_TOTAL_BYTES: usize = 1 << 30;

/// One libstdc++ C++11 `std::string`, field for field. `local` doubles as the capacity (its
/// first 8 bytes) of a heap string.
#[repr(C)]
#[derive(Clone, Copy)]
struct RawStdString {
    ptr: *const u8,
    len: usize,
    local: [u8; 16],
}

const _: () = assert!(std::mem::size_of::<RawStdString>() == STD_STRING_SIZE);
const _: () = assert!(std::mem::align_of::<RawStdString>() == std::mem::align_of::<usize>());

impl RawStdString {
    const EMPTY: RawStdString = RawStdString {
        ptr: std::ptr::null(),
        len: 0,
        local: [0; 16],
    };

    fn capacity(&self) -> usize {
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.local[..8]);
        usize::from_ne_bytes(word)
    }
}

fn layout_error(what: &str, name: &str, index: usize, why: String) -> Error {
    Error::with(
        StatusCode::INVALID_STRING_INPUT,
        format!(
            "{what} {name}, element {index}: {why}; only arrays of libstdc++'s C++11 std::string \
             (32 bytes: pointer, length, 16-byte local buffer) are supported"
        ),
    )
}

/// Reads `count` `std::string` objects at `data` into byte slices (without the NUL), after
/// checking each is plausibly a libstdc++ C++11 string; `what` and `name` ("input", "my_name")
/// go into the error, which is `INVALID_STRING_INPUT`.
///
/// # Safety
/// `data` points to `count * STD_STRING_SIZE` readable bytes (any alignment), and every object
/// there that passes the checks is a live string whose `ptr` holds `len` readable bytes, which
/// stay valid and unchanged for `'a`.
pub unsafe fn read_std_strings<'a>(
    data: *const c_void,
    count: usize,
    what: &str,
    name: &str,
) -> Result<Vec<&'a [u8]>> {
    let mut strings = Vec::with_capacity(count);
    let mut total = 0usize;
    for index in 0..count {
        let address = data.cast::<u8>().wrapping_add(index * STD_STRING_SIZE);
        // SAFETY: the object lies within the `count * STD_STRING_SIZE` readable bytes of the
        // contract; an unaligned read copes with any alignment, and every bit pattern is a valid
        // `RawStdString` (pointers and integers only).
        let object = unsafe { address.cast::<RawStdString>().read_unaligned() };
        let local = address.wrapping_add(16);
        let fail = |why: String| Err(layout_error(what, name, index, why));
        if object.ptr.is_null() {
            return fail("its data pointer is NULL".into());
        }
        if object.len > MAX_TOTAL_BYTES {
            return fail(format!(
                "its length {} is more than the {MAX_TOTAL_BYTES} bytes allowed",
                object.len
            ));
        }
        if object.len <= LOCAL_CAPACITY {
            if object.ptr != local {
                return fail(format!(
                    "a string of {} bytes must point at its own local buffer",
                    object.len
                ));
            }
        } else {
            if object.ptr == local {
                return fail(format!(
                    "a string of {} bytes cannot live in the 16-byte local buffer",
                    object.len
                ));
            }
            if object.capacity() < object.len {
                return fail(format!(
                    "its capacity {} is less than its length {}",
                    object.capacity(),
                    object.len
                ));
            }
        }
        total += object.len;
        if total > MAX_TOTAL_BYTES {
            return fail(format!(
                "the strings total more than the {MAX_TOTAL_BYTES} bytes allowed"
            ));
        }
        let bytes = if object.len == 0 {
            &[][..]
        } else {
            // SAFETY: `ptr` is non-NULL; a short string's points into the object itself (checked
            // above), which the contract makes readable; a long string's is, by the contract, a
            // live heap buffer of at least `len` bytes, unchanged for `'a`. u8 needs no
            // alignment.
            unsafe { std::slice::from_raw_parts(object.ptr, object.len) }
        };
        strings.push(bytes);
    }
    Ok(strings)
}

/// An owned array of libstdc++ C++11 `std::string` objects, as a response hands them out:
/// short strings inside their objects, long ones in heap buffers owned here, each followed by a
/// NUL. The objects point into themselves, so they sit in a boxed slice that never moves or
/// changes after it is built (moving the `StdStringArray` moves only the box's pointer).
pub struct StdStringArray {
    objects: Box<[RawStdString]>,
    /// The long strings' buffers (`len + 1` bytes, NUL-terminated); the objects point into them.
    _heap: Vec<Box<[u8]>>,
}

impl StdStringArray {
    pub fn new<S: AsRef<[u8]>>(strings: &[S]) -> StdStringArray {
        let mut objects = vec![RawStdString::EMPTY; strings.len()].into_boxed_slice();
        let mut heap = Vec::new();
        for (object, string) in objects.iter_mut().zip(strings) {
            let bytes = string.as_ref();
            object.len = bytes.len();
            if bytes.len() <= LOCAL_CAPACITY {
                object.local[..bytes.len()].copy_from_slice(bytes);
                object.local[bytes.len()] = 0;
                object.ptr = object.local.as_ptr();
            } else {
                let mut buffer = Vec::with_capacity(bytes.len() + 1);
                buffer.extend_from_slice(bytes);
                buffer.push(0);
                let buffer = buffer.into_boxed_slice();
                object.ptr = buffer.as_ptr();
                object.local[..8].copy_from_slice(&bytes.len().to_ne_bytes());
                heap.push(buffer);
            }
        }
        StdStringArray {
            objects,
            _heap: heap,
        }
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The strings, without their NULs.
    pub fn strings(&self) -> impl Iterator<Item = &[u8]> {
        self.objects.iter().map(|object| {
            // SAFETY: every object was built by `new`, which points it at `len` bytes it owns
            // (its local buffer or one in `_heap`), alive and unchanged as long as `self`.
            unsafe { std::slice::from_raw_parts(object.ptr, object.len) }
        })
    }

    /// The first object, valid as long as `self`.
    pub fn as_ptr(&self) -> *const c_void {
        self.objects.as_ptr().cast()
    }

    pub fn byte_size(&self) -> usize {
        self.objects.len() * STD_STRING_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Objects laid out as libstdc++ would, with heap buffers kept alive by the test.
    struct Host {
        objects: Box<[RawStdString]>,
        _heap: Vec<Vec<u8>>,
    }

    fn host(strings: &[&[u8]]) -> Host {
        let mut objects = vec![RawStdString::EMPTY; strings.len()].into_boxed_slice();
        let mut heap = Vec::new();
        for (object, s) in objects.iter_mut().zip(strings) {
            object.len = s.len();
            if s.len() <= LOCAL_CAPACITY {
                object.local[..s.len()].copy_from_slice(s);
                object.ptr = object.local.as_ptr();
            } else {
                // libstdc++ grows by at least doubling: a capacity above the length.
                let capacity = s.len() * 2;
                let mut buffer = vec![0u8; capacity + 1];
                buffer[..s.len()].copy_from_slice(s);
                object.ptr = buffer.as_ptr();
                object.local[..8].copy_from_slice(&capacity.to_ne_bytes());
                heap.push(buffer);
            }
        }
        Host {
            objects,
            _heap: heap,
        }
    }

    fn read(objects: &[RawStdString]) -> Result<Vec<Vec<u8>>> {
        // SAFETY: the objects are in a live slice and their heap buffers are alive.
        let strings =
            unsafe { read_std_strings(objects.as_ptr().cast(), objects.len(), "input", "x") }?;
        Ok(strings.into_iter().map(<[u8]>::to_vec).collect())
    }

    const LONG: &[u8] = b"a string longer than fifteen bytes";

    #[test]
    fn reads_short_long_empty_and_binary_strings() {
        let strings: [&[u8]; 5] = [b"Pan", LONG, b"", b"exactly15bytes!", b"a\0b\xff"];
        let h = host(&strings);
        assert_eq!(read(&h.objects).unwrap(), strings.map(<[u8]>::to_vec));
        assert!(read(&[]).unwrap().is_empty());
    }

    #[test]
    fn refuses_what_is_not_a_libstdcxx_string() {
        let h = host(&[b"Pan", LONG]);
        let (short, long) = (h.objects[0], h.objects[1]);
        let null = RawStdString {
            ptr: std::ptr::null(),
            len: 5,
            ..RawStdString::EMPTY
        };
        let short_elsewhere = RawStdString {
            ptr: LONG.as_ptr(),
            ..short
        };
        let mut long_inside = vec![long];
        long_inside[0].ptr = long_inside[0].local.as_ptr();
        let mut small_capacity = long;
        small_capacity.local[..8].copy_from_slice(&3usize.to_ne_bytes());
        let mut huge = long;
        huge.len = MAX_TOTAL_BYTES + 1;
        huge.local[..8].copy_from_slice(&usize::MAX.to_ne_bytes());
        for (objects, why) in [
            (vec![null], "NULL"),
            (vec![short_elsewhere], "local buffer"),
            (long_inside, "16-byte local buffer"),
            (vec![small_capacity], "capacity 3"),
            (vec![huge], "allowed"),
        ] {
            let error = read(&objects).unwrap_err();
            assert_eq!(error.code, StatusCode::INVALID_STRING_INPUT);
            let details = error.details();
            assert!(details.contains(why), "{details}");
            assert!(details.contains("input x, element 0"), "{details}");
            assert!(
                details.contains("libstdc++'s C++11 std::string"),
                "{details}"
            );
        }
        // A copied short object points at the original's buffer, not its own.
        let moved = [short];
        assert!(read(&moved).is_err());
    }

    #[test]
    fn built_arrays_have_libstdcxx_layout() {
        let strings: [&[u8]; 4] = [b"Kleks", LONG, b"", b"exactly15bytes!"];
        let array = StdStringArray::new(&strings);
        assert_eq!(array.len(), 4);
        assert_eq!(array.byte_size(), 4 * STD_STRING_SIZE);
        // Moving the array keeps its objects where they are.
        let moved = Box::new(array);
        let objects: &[RawStdString] =
            // SAFETY: `as_ptr` is the start of the boxed slice of `len` objects.
            unsafe { std::slice::from_raw_parts(moved.as_ptr().cast(), moved.len()) };
        for (object, s) in objects.iter().zip(strings) {
            assert_eq!(object.len, s.len());
            let local = (object as *const RawStdString)
                .cast::<u8>()
                .wrapping_add(16);
            if s.len() <= LOCAL_CAPACITY {
                assert_eq!(object.ptr, local);
            } else {
                assert_ne!(object.ptr, local);
                assert_eq!(object.capacity(), s.len());
            }
            // SAFETY: every built string has `len + 1` bytes at `ptr`.
            let with_nul = unsafe { std::slice::from_raw_parts(object.ptr, s.len() + 1) };
            assert_eq!(&with_nul[..s.len()], s);
            assert_eq!(with_nul[s.len()], 0);
        }
        // What was built reads back through the checks.
        assert_eq!(read(objects).unwrap(), strings.map(<[u8]>::to_vec));
    }
}
