//! `dl2pa_status`: the one error enum of the C API — the core's error kinds, one code per
//! [`FormatError`] check, and the argument checks only a C caller can fail — with a static
//! message for each.

use core::ffi::CStr;

use dl2pa_core::{Error, FormatError};

/// What every fallible function of the C API returns: `DL2PA_STATUS_OK` (0) or an error code.
///
/// Codes 1–19 are argument checks of the C API, 20–39 the core's error kinds, 100 and up the
/// model file's checks in the order `core/FORMAT.md` lists them. The values are stable: new
/// codes are only ever added.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// A pointer argument is NULL.
    NullPointer = 1,
    /// A pointer argument is not aligned for its element type.
    Alignment = 2,
    /// An output buffer overlaps another argument (or, for a model handle, the model's bytes).
    Overlap = 3,
    /// The model handle was not filled by a successful `dl2pa_model_parse` at this address.
    BadHandle = 4,
    /// An output buffer is shorter than the function writes.
    BufferTooSmall = 5,
    /// The arena is shorter than `dl2pa_model_info.arena_bytes`.
    ArenaTooSmall = 6,
    /// The call needs int8 prototypes and the model stores f32 ones.
    NotInt8 = 7,
    /// A length argument does not match the model (or the byte count overflows).
    Length = 20,
    /// A size is outside what the core supports.
    Size = 21,
    /// An assignment problem has more rows than columns.
    RowsExceedCols = 22,
    /// An input value is NaN or infinite.
    NotFinite = 23,
    /// A cost is too large in magnitude for the solver's dual variables.
    CostTooLarge = 24,
    /// A prototype is not a unit vector.
    NotUnit = 25,
    /// The input (or the backbone's embedding of it) is all zeros: it has no direction.
    ZeroVector = 26,
    /// A quantisation scale is not finite and positive.
    BadScale = 27,
    /// The solver lost numerical precision (cannot happen for validated inputs).
    Numerical = 28,
    /// The model has no backbone: classify embeddings instead.
    NoBackbone = 29,
    /// An error of a newer core that this C API does not name yet.
    Unknown = 39,
    /// Fewer bytes than the header and the checksum.
    FormatTruncatedHeader = 100,
    /// The first four bytes are not the model magic `DL2P`.
    FormatWrongMagic = 101,
    /// A format version this build does not read.
    FormatUnsupportedVersion = 102,
    /// A feature flag this build does not know.
    FormatUnknownFlag = 103,
    /// The body length overflows the address space.
    FormatLengthOverflow = 104,
    /// The file is longer or shorter than its header says.
    FormatLengthMismatch = 105,
    /// The CRC-32 does not match the bytes.
    FormatChecksumMismatch = 106,
    /// The body does not decode.
    FormatBodyDoesNotDecode = 107,
    /// Bytes left over after the body.
    FormatTrailingBytes = 108,
    /// Classes or dimension out of range.
    FormatSizeOutOfRange = 109,
    /// A field's length does not match the sizes.
    FormatFieldLength = 110,
    /// The int8 step is not finite and positive.
    FormatBadStep = 111,
    /// An int8 value of -128.
    FormatInt8Minimum = 112,
    /// An f32 prototype value is NaN or infinite.
    FormatPrototypeNotFinite = 113,
    /// An f32 prototype is not a unit vector.
    FormatPrototypeNotUnit = 114,
    /// The number of prototypes is below the classes or above 65 535.
    FormatPrototypeCount = 115,
    /// σ does not hold one entry per class.
    FormatSigmaLength = 116,
    /// A σ entry is not a prototype index.
    FormatSigmaOutOfRange = 117,
    /// σ maps two classes to one prototype.
    FormatSigmaNotInjective = 118,
    /// The class names are not one per class.
    FormatClassNameCount = 119,
    /// Class names present without their flag, or flagged but absent.
    FormatClassNameFlag = 120,
    /// Backbone layer count out of range.
    FormatLayerCount = 121,
    /// A backbone layer does not decode.
    FormatLayerDoesNotDecode = 122,
    /// A layer's sizes are out of range or its arrays do not match them.
    FormatLayerShape = 123,
    /// A layer's inputs differ from the previous layer's outputs.
    FormatLayerChain = 124,
    /// A layer weight of -128.
    FormatLayerWeight = 125,
    /// A layer bias beyond 2^30 in magnitude.
    FormatLayerBias = 126,
    /// A negative requantisation multiplier.
    FormatLayerMultiplier = 127,
    /// A requantisation shift outside -31..=30.
    FormatLayerShift = 128,
    /// The backbone's input step is not finite and positive.
    FormatBackboneInputStep = 129,
    /// Bytes left over after the backbone.
    FormatBackboneTrailingBytes = 130,
    /// The backbone's outputs differ from the embedding dimension.
    FormatBackboneOutputs = 131,
    /// A backbone with f32 prototypes.
    FormatBackboneNeedsInt8 = 132,
    /// Both backbone flags are set.
    FormatBackboneConflict = 133,
    /// The layer list's input shape is empty or too large.
    FormatNetInputShape = 134,
    /// The layer list's input offset or scale is invalid.
    FormatNetInputQuant = 135,
    /// The layer list does not end with a dense layer.
    FormatNetLastLayer = 136,
    /// The flagged input identity is cut short.
    FormatInputIdTruncated = 137,
    /// A format check of a newer core that this C API does not name yet.
    FormatOther = 199,
}

impl From<FormatError> for Status {
    fn from(e: FormatError) -> Self {
        use FormatError as F;
        match e {
            F::TruncatedHeader => Status::FormatTruncatedHeader,
            F::WrongMagic => Status::FormatWrongMagic,
            F::UnsupportedVersion { .. } => Status::FormatUnsupportedVersion,
            F::UnknownFlag { .. } => Status::FormatUnknownFlag,
            F::LengthOverflow => Status::FormatLengthOverflow,
            F::LengthMismatch => Status::FormatLengthMismatch,
            F::ChecksumMismatch => Status::FormatChecksumMismatch,
            F::BodyDoesNotDecode => Status::FormatBodyDoesNotDecode,
            F::TrailingBytes => Status::FormatTrailingBytes,
            F::SizeOutOfRange => Status::FormatSizeOutOfRange,
            F::FieldLength => Status::FormatFieldLength,
            F::BadStep => Status::FormatBadStep,
            F::Int8Minimum => Status::FormatInt8Minimum,
            F::PrototypeNotFinite => Status::FormatPrototypeNotFinite,
            F::PrototypeNotUnit => Status::FormatPrototypeNotUnit,
            F::PrototypeCount => Status::FormatPrototypeCount,
            F::SigmaLength => Status::FormatSigmaLength,
            F::SigmaOutOfRange => Status::FormatSigmaOutOfRange,
            F::SigmaNotInjective => Status::FormatSigmaNotInjective,
            F::ClassNameCount => Status::FormatClassNameCount,
            F::ClassNameFlag => Status::FormatClassNameFlag,
            F::LayerCount => Status::FormatLayerCount,
            F::LayerDoesNotDecode { .. } => Status::FormatLayerDoesNotDecode,
            F::LayerShape { .. } => Status::FormatLayerShape,
            F::LayerChain { .. } => Status::FormatLayerChain,
            F::LayerWeight { .. } => Status::FormatLayerWeight,
            F::LayerBias { .. } => Status::FormatLayerBias,
            F::LayerMultiplier { .. } => Status::FormatLayerMultiplier,
            F::LayerShift { .. } => Status::FormatLayerShift,
            F::BackboneInputStep => Status::FormatBackboneInputStep,
            F::BackboneTrailingBytes => Status::FormatBackboneTrailingBytes,
            F::BackboneOutputs => Status::FormatBackboneOutputs,
            F::BackboneNeedsInt8 => Status::FormatBackboneNeedsInt8,
            F::BackboneConflict => Status::FormatBackboneConflict,
            F::NetInputShape => Status::FormatNetInputShape,
            F::NetInputQuant => Status::FormatNetInputQuant,
            F::NetLastLayer => Status::FormatNetLastLayer,
            F::InputIdTruncated => Status::FormatInputIdTruncated,
            // Feature-file checks (`.dl2f`), which no function of the C API reads.
            _ => Status::FormatOther,
        }
    }
}

impl From<Error> for Status {
    fn from(e: Error) -> Self {
        match e {
            Error::Length { .. } => Status::Length,
            Error::Size { .. } => Status::Size,
            Error::RowsExceedCols { .. } => Status::RowsExceedCols,
            Error::NotFinite { .. } => Status::NotFinite,
            Error::CostTooLarge { .. } => Status::CostTooLarge,
            Error::NotUnit { .. } => Status::NotUnit,
            Error::ZeroVector => Status::ZeroVector,
            Error::BadScale => Status::BadScale,
            Error::Numerical => Status::Numerical,
            Error::Format(f) => f.into(),
            Error::NoBackbone => Status::NoBackbone,
            _ => Status::Unknown,
        }
    }
}

impl Status {
    /// Every code, in order.
    pub(crate) const ALL: [Status; 58] = {
        use Status::*;
        [
            Ok,
            NullPointer,
            Alignment,
            Overlap,
            BadHandle,
            BufferTooSmall,
            ArenaTooSmall,
            NotInt8,
            Length,
            Size,
            RowsExceedCols,
            NotFinite,
            CostTooLarge,
            NotUnit,
            ZeroVector,
            BadScale,
            Numerical,
            NoBackbone,
            Unknown,
            FormatTruncatedHeader,
            FormatWrongMagic,
            FormatUnsupportedVersion,
            FormatUnknownFlag,
            FormatLengthOverflow,
            FormatLengthMismatch,
            FormatChecksumMismatch,
            FormatBodyDoesNotDecode,
            FormatTrailingBytes,
            FormatSizeOutOfRange,
            FormatFieldLength,
            FormatBadStep,
            FormatInt8Minimum,
            FormatPrototypeNotFinite,
            FormatPrototypeNotUnit,
            FormatPrototypeCount,
            FormatSigmaLength,
            FormatSigmaOutOfRange,
            FormatSigmaNotInjective,
            FormatClassNameCount,
            FormatClassNameFlag,
            FormatLayerCount,
            FormatLayerDoesNotDecode,
            FormatLayerShape,
            FormatLayerChain,
            FormatLayerWeight,
            FormatLayerBias,
            FormatLayerMultiplier,
            FormatLayerShift,
            FormatBackboneInputStep,
            FormatBackboneTrailingBytes,
            FormatBackboneOutputs,
            FormatBackboneNeedsInt8,
            FormatBackboneConflict,
            FormatNetInputShape,
            FormatNetInputQuant,
            FormatNetLastLayer,
            FormatInputIdTruncated,
            FormatOther,
        ]
    };

    /// The status with code `code`, if there is one.
    pub fn from_code(code: i32) -> Option<Status> {
        Status::ALL.into_iter().find(|s| *s as i32 == code)
    }

    /// A one-line description (static, NUL-terminated, no values: the core's messages name the
    /// value too, which a C string without allocation cannot).
    pub fn message(self) -> &'static CStr {
        use Status as S;
        match self {
            S::Ok => c"ok",
            S::NullPointer => c"a pointer argument is NULL",
            S::Alignment => c"a pointer argument is not aligned for its element type",
            S::Overlap => c"an output buffer overlaps another argument",
            S::BadHandle => c"the model handle was not filled by dl2pa_model_parse at this address",
            S::BufferTooSmall => c"an output buffer is too short",
            S::ArenaTooSmall => c"the arena is shorter than the model's arena_bytes",
            S::NotInt8 => c"the call needs a model with int8 prototypes",
            S::Length => c"a length does not match the model or the problem",
            S::Size => c"a size is out of the supported range",
            S::RowsExceedCols => c"the assignment problem has more rows than columns",
            S::NotFinite => c"an input value is NaN or infinite",
            S::CostTooLarge => c"a cost is too large in magnitude for the solver",
            S::NotUnit => c"a prototype is not a unit vector",
            S::ZeroVector => c"the input (or its embedding) has zero norm: no direction",
            S::BadScale => c"a quantisation scale is not finite and positive",
            S::Numerical => c"the assignment solver lost numerical precision",
            S::NoBackbone => c"the model has no backbone: classify embeddings instead",
            S::Unknown => c"an error this version of the C API does not name",
            S::FormatTruncatedHeader => c"malformed model: truncated header",
            S::FormatWrongMagic => c"malformed model: wrong magic",
            S::FormatUnsupportedVersion => c"malformed model: format version not supported",
            S::FormatUnknownFlag => c"malformed model: unknown feature flag (newer writer?)",
            S::FormatLengthOverflow => c"malformed model: body length overflows",
            S::FormatLengthMismatch => c"malformed model: length does not match the header",
            S::FormatChecksumMismatch => c"malformed model: checksum mismatch",
            S::FormatBodyDoesNotDecode => c"malformed model: body does not decode",
            S::FormatTrailingBytes => c"malformed model: trailing bytes in the body",
            S::FormatSizeOutOfRange => c"malformed model: classes or dim out of range",
            S::FormatFieldLength => c"malformed model: a field's length does not match the sizes",
            S::FormatBadStep => c"malformed model: int8 step is not finite and positive",
            S::FormatInt8Minimum => c"malformed model: int8 value -128",
            S::FormatPrototypeNotFinite => c"malformed model: f32 prototype value not finite",
            S::FormatPrototypeNotUnit => c"malformed model: f32 prototype is not a unit vector",
            S::FormatPrototypeCount => c"malformed model: prototype count below classes",
            S::FormatSigmaLength => c"malformed model: sigma is not one entry per class",
            S::FormatSigmaOutOfRange => c"malformed model: sigma entry is not a prototype index",
            S::FormatSigmaNotInjective => {
                c"malformed model: sigma maps two classes to one prototype"
            }
            S::FormatClassNameCount => c"malformed model: class names are not one per class",
            S::FormatClassNameFlag => c"malformed model: class names and their flag disagree",
            S::FormatLayerCount => c"malformed model: backbone layer count out of range",
            S::FormatLayerDoesNotDecode => c"malformed model: a backbone layer does not decode",
            S::FormatLayerShape => c"malformed model: a backbone layer's sizes are inconsistent",
            S::FormatLayerChain => {
                c"malformed model: a layer's inputs differ from the previous outputs"
            }
            S::FormatLayerWeight => c"malformed model: a layer weight of -128",
            S::FormatLayerBias => c"malformed model: a layer bias beyond 2^30",
            S::FormatLayerMultiplier => c"malformed model: a negative requantisation multiplier",
            S::FormatLayerShift => c"malformed model: a requantisation shift outside -31..=30",
            S::FormatBackboneInputStep => {
                c"malformed model: backbone input step not finite and positive"
            }
            S::FormatBackboneTrailingBytes => c"malformed model: trailing bytes after the backbone",
            S::FormatBackboneOutputs => c"malformed model: backbone outputs differ from dim",
            S::FormatBackboneNeedsInt8 => c"malformed model: a backbone needs int8 prototypes",
            S::FormatBackboneConflict => c"malformed model: both backbone kinds are flagged",
            S::FormatNetInputShape => c"malformed model: backbone input shape empty or too large",
            S::FormatNetInputQuant => c"malformed model: backbone input offset or scale invalid",
            S::FormatNetLastLayer => c"malformed model: the backbone's last layer is not dense",
            S::FormatInputIdTruncated => c"malformed model: the input identity is cut short",
            S::FormatOther => c"malformed model: a check this version of the C API does not name",
        }
    }
}

/// `Ok(())` as [`Status::Ok`], an error as its code: the body of every entry point.
pub(crate) fn status(r: Result<(), Status>) -> Status {
    r.err().unwrap_or(Status::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_round_trip() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(Status::from_code(*s as i32), Some(*s));
            assert!(Status::ALL[..i].iter().all(|t| *t as i32 != *s as i32));
        }
        assert_eq!(Status::from_code(-1), None);
        assert_eq!(Status::from_code(40), None);
    }

    #[test]
    fn every_core_error_has_its_own_code() {
        let e = [
            Error::Length {
                what: "x",
                expected: 1,
                got: 2,
            },
            Error::Size {
                what: "x",
                value: 0,
                max: 1,
            },
            Error::RowsExceedCols { rows: 2, cols: 1 },
            Error::NotFinite {
                what: "x",
                index: 0,
            },
            Error::CostTooLarge { index: 0 },
            Error::NotUnit { row: 0 },
            Error::ZeroVector,
            Error::BadScale,
            Error::Numerical,
            Error::NoBackbone,
            Error::Format(FormatError::ChecksumMismatch),
            Error::Format(FormatError::LayerShift { layer: 3 }),
        ];
        let codes: std::vec::Vec<Status> = e.iter().map(|&e| e.into()).collect();
        for (i, c) in codes.iter().enumerate() {
            assert!(!matches!(
                c,
                Status::Unknown | Status::FormatOther | Status::Ok
            ));
            assert!(!codes[..i].contains(c), "{c:?} twice");
        }
    }
}
