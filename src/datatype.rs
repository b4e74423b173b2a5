//! Tensor element types as OVMS numbers them (`OVMS_DataType`), with their sizes and their
//! OpenVINO counterparts.

use openvino_sys::ov_element_type_e as Ov;

/// `OVMS_DataType`, with OVMS's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]

pub enum DataType {
    BF16 = 0,
    FP64 = 1,
    FP32 = 2,
    FP16 = 3,
    I64 = 4,
    I32 = 5,
    I16 = 6,
    I8 = 7,
    I4 = 8,
    U64 = 9,
    U32 = 10,
    U16 = 11,
    U8 = 12,
    U4 = 13,
    U1 = 14,
    BOOL = 15,
    CUSTOM = 16,
    UNDEFINED = 17,
    DYNAMIC = 18,
    MIXED = 19,
    Q78 = 20,
    BIN = 21,
    STRING = 22,
}

impl DataType {
    const ALL: [DataType; 23] = [
        DataType::BF16,
        DataType::FP64,
        DataType::FP32,
        DataType::FP16,
        DataType::I64,
        DataType::I32,
        DataType::I16,
        DataType::I8,
        DataType::I4,
        DataType::U64,
        DataType::U32,
        DataType::U16,
        DataType::U8,
        DataType::U4,
        DataType::U1,
        DataType::BOOL,
        DataType::CUSTOM,
        DataType::UNDEFINED,
        DataType::DYNAMIC,
        DataType::MIXED,
        DataType::Q78,
        DataType::BIN,
        DataType::STRING,
    ];

    /// The value a C caller passed, if it names a data type (`OVMS_DATATYPE_END` does not).
    pub fn from_raw(raw: u32) -> Option<DataType> {
        DataType::ALL.get(raw as usize).copied()
    }

    /// Bytes per element as OVMS counts them; `None` where a byte size is not defined.
    pub fn element_size(self) -> Option<usize> {
        use DataType::*;
        match self {
            BOOL | U1 | U4 | U8 | I4 | I8 => Some(1),
            U16 | I16 | FP16 | BF16 => Some(2),
            U32 | I32 | FP32 => Some(4),
            U64 | I64 | FP64 => Some(8),
            _ => None,
        }
    }

    /// Whether OVMS can copy an output of this type into a response (STRING as an array of
    /// C++ std::string objects).
    pub fn serializable(self) -> bool {
        use DataType::*;
        matches!(
            self,
            FP64 | FP32 | FP16 | I64 | I32 | I16 | I8 | U64 | U32 | U16 | U8 | STRING
        )
    }

    pub fn from_ov(ty: Ov) -> DataType {
        use DataType::*;
        match ty {
            Ov::BF16 => BF16,
            Ov::F64 => FP64,
            Ov::F32 => FP32,
            Ov::F16 => FP16,
            Ov::I64 => I64,
            Ov::I32 => I32,
            Ov::I16 => I16,
            Ov::I8 => I8,
            Ov::I4 => I4,
            Ov::U64 => U64,
            Ov::U32 => U32,
            Ov::U16 => U16,
            Ov::U8 => U8,
            Ov::U4 => U4,
            Ov::U1 => U1,
            Ov::OV_BOOLEAN => BOOL,
            Ov::STRING => STRING,
            Ov::DYNAMIC => DYNAMIC,
            _ => UNDEFINED,
        }
    }

    /// The OpenVINO element type for tensors of this type, where one exists.
    pub fn to_ov(self) -> Option<Ov> {
        use DataType::*;
        Some(match self {
            BF16 => Ov::BF16,
            FP64 => Ov::F64,
            FP32 => Ov::F32,
            FP16 => Ov::F16,
            I64 => Ov::I64,
            I32 => Ov::I32,
            I16 => Ov::I16,
            I8 => Ov::I8,
            I4 => Ov::I4,
            U64 => Ov::U64,
            U32 => Ov::U32,
            U16 => Ov::U16,
            U8 => Ov::U8,
            U4 => Ov::U4,
            U1 => Ov::U1,
            BOOL => Ov::OV_BOOLEAN,
            STRING => Ov::STRING,
            _ => return None,
        })
    }
}

impl DataType {
    /// The type's name in the KServe v2 protocol (`FP32`, `UINT8`, `BYTES`, ...), where it has
    /// one.
    pub fn kserve_name(self) -> Option<&'static str> {
        use DataType::*;
        Some(match self {
            BOOL => "BOOL",
            U8 => "UINT8",
            U16 => "UINT16",
            U32 => "UINT32",
            U64 => "UINT64",
            I8 => "INT8",
            I16 => "INT16",
            I32 => "INT32",
            I64 => "INT64",
            FP16 => "FP16",
            BF16 => "BF16",
            FP32 => "FP32",
            FP64 => "FP64",
            STRING => "BYTES",
            _ => return None,
        })
    }

    /// The type a KServe v2 datatype name stands for.
    pub fn from_kserve_name(name: &str) -> Option<DataType> {
        DataType::ALL
            .into_iter()
            .find(|dt| dt.kserve_name() == Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_round_trip() {
        for raw in 0..23u32 {
            assert_eq!(DataType::from_raw(raw).unwrap() as u32, raw);
        }
        assert_eq!(DataType::from_raw(23), None);
        assert_eq!(DataType::from_raw(u32::MAX), None);
    }

    #[test]
    fn kserve_names_round_trip() {
        assert_eq!(DataType::from_kserve_name("BYTES"), Some(DataType::STRING));
        assert_eq!(DataType::from_kserve_name("UINT8"), Some(DataType::U8));
        assert_eq!(DataType::from_kserve_name("U8"), None);
        for dt in DataType::ALL {
            if let Some(name) = dt.kserve_name() {
                assert_eq!(DataType::from_kserve_name(name), Some(dt));
            }
        }
    }

    #[test]
    fn ov_mapping_round_trips_where_defined() {
        for dt in DataType::ALL {
            if let Some(ov) = dt.to_ov() {
                assert_eq!(DataType::from_ov(ov), dt);
            }
        }
    }
}
