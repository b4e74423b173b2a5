//! OVMS's custom node library ABI (`custom_node_interface.h`): the structs a library reads and
//! fills, its precision numbering, and the signatures of its six functions.

use crate::datatype::DataType;
use std::os::raw::{c_char, c_int, c_void};

/// `CustomNodeTensorPrecision`, kept as the raw C enum value: a library may write any number
/// there, and holding an unknown value in a Rust enum would be undefined behaviour.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precision(pub u32);

impl Precision {
    pub const UNSPECIFIED: Precision = Precision(0);
    pub const FP32: Precision = Precision(1);
    pub const FP16: Precision = Precision(2);
    pub const U8: Precision = Precision(3);
    pub const I8: Precision = Precision(4);
    pub const I16: Precision = Precision(5);
    pub const U16: Precision = Precision(6);
    pub const I32: Precision = Precision(7);
    pub const FP64: Precision = Precision(8);
    pub const I64: Precision = Precision(9);

    /// Our type for a precision a library reported; `None` for UNSPECIFIED and unknown values.
    pub fn to_datatype(self) -> Option<DataType> {
        Some(match self {
            Precision::FP32 => DataType::FP32,
            Precision::FP16 => DataType::FP16,
            Precision::U8 => DataType::U8,
            Precision::I8 => DataType::I8,
            Precision::I16 => DataType::I16,
            Precision::U16 => DataType::U16,
            Precision::I32 => DataType::I32,
            Precision::FP64 => DataType::FP64,
            Precision::I64 => DataType::I64,
            _ => return None,
        })
    }

    /// The precision a library sees for an input of this type: UNSPECIFIED for the types the
    /// interface has no number for (OVMS passes them the same way).
    pub fn from_datatype(datatype: DataType) -> Precision {
        match datatype {
            DataType::FP32 => Precision::FP32,
            DataType::FP16 => Precision::FP16,
            DataType::U8 => Precision::U8,
            DataType::I8 => Precision::I8,
            DataType::I16 => Precision::I16,
            DataType::U16 => Precision::U16,
            DataType::I32 => Precision::I32,
            DataType::FP64 => Precision::FP64,
            DataType::I64 => Precision::I64,
            _ => Precision::UNSPECIFIED,
        }
    }
}

/// `struct CustomNodeTensor`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CustomNodeTensor {
    pub name: *const c_char,
    pub data: *mut u8,
    pub data_bytes: u64,
    pub dims: *mut u64,
    pub dims_count: u64,
    pub precision: Precision,
}

/// `struct CustomNodeTensorInfo`; a dimension of 0 means any size.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CustomNodeTensorInfo {
    pub name: *const c_char,
    pub dims: *mut u64,
    pub dims_count: u64,
    pub precision: Precision,
}

/// `struct CustomNodeParam`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CustomNodeParam {
    pub key: *const c_char,
    pub value: *const c_char,
}

pub type InitializeFn = unsafe extern "C" fn(
    manager: *mut *mut c_void,
    params: *const CustomNodeParam,
    params_count: c_int,
) -> c_int;
pub type DeinitializeFn = unsafe extern "C" fn(manager: *mut c_void) -> c_int;
pub type ExecuteFn = unsafe extern "C" fn(
    inputs: *const CustomNodeTensor,
    inputs_count: c_int,
    outputs: *mut *mut CustomNodeTensor,
    outputs_count: *mut c_int,
    params: *const CustomNodeParam,
    params_count: c_int,
    manager: *mut c_void,
) -> c_int;
pub type MetadataFn = unsafe extern "C" fn(
    info: *mut *mut CustomNodeTensorInfo,
    info_count: *mut c_int,
    params: *const CustomNodeParam,
    params_count: c_int,
    manager: *mut c_void,
) -> c_int;
pub type ReleaseFn = unsafe extern "C" fn(ptr: *mut c_void, manager: *mut c_void) -> c_int;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    /// The layouts a C compiler gives OVMS's structs on a 64-bit target.
    #[test]
    fn layouts_match_the_c_header() {
        assert_eq!(size_of::<CustomNodeTensor>(), 48);
        assert_eq!(offset_of!(CustomNodeTensor, data_bytes), 16);
        assert_eq!(offset_of!(CustomNodeTensor, dims_count), 32);
        assert_eq!(offset_of!(CustomNodeTensor, precision), 40);
        assert_eq!(size_of::<CustomNodeTensorInfo>(), 32);
        assert_eq!(offset_of!(CustomNodeTensorInfo, precision), 24);
        assert_eq!(size_of::<CustomNodeParam>(), 16);
        assert_eq!(align_of::<CustomNodeTensor>(), 8);
    }

    #[test]
    fn precision_numbering_is_ovms() {
        assert_eq!(Precision(1).to_datatype(), Some(DataType::FP32));
        assert_eq!(Precision(9).to_datatype(), Some(DataType::I64));
        assert_eq!(Precision(0).to_datatype(), None);
        assert_eq!(Precision(10).to_datatype(), None);
        for raw in 1..=9 {
            let datatype = Precision(raw).to_datatype().unwrap();
            assert_eq!(Precision::from_datatype(datatype), Precision(raw));
        }
        assert_eq!(
            Precision::from_datatype(DataType::BF16),
            Precision::UNSPECIFIED
        );
    }
}
