//! The one error type of the core: small, `Copy`, no allocation.

use core::fmt;

/// Everything that can go wrong in `dl2pa-core`.
///
/// Each variant names the value at fault and what was expected, so a caller can print it as a
/// one-line message. Nothing in the core panics on bad input; it returns one of these instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A slice had the wrong length: `what` has `got` elements, `expected` were needed.
    Length {
        /// Which argument.
        what: &'static str,
        /// Elements required.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// A size is outside what the core supports (`0 < value <= max` is required).
    Size {
        /// Which size (for example `"classes"` or `"dim"`).
        what: &'static str,
        /// The value given.
        value: usize,
        /// The largest value supported.
        max: usize,
    },
    /// An assignment problem has more rows than columns, so no row-complete assignment exists.
    RowsExceedCols {
        /// Rows (classes).
        rows: usize,
        /// Columns (prototypes).
        cols: usize,
    },
    /// A value is NaN or infinite at flat index `index` of `what`.
    NotFinite {
        /// Which argument.
        what: &'static str,
        /// Flat (row-major) index of the first offending value.
        index: usize,
    },
    /// A cost is so large in magnitude that the solver's dual variables could overflow.
    CostTooLarge {
        /// Flat (row-major) index of the first offending cost.
        index: usize,
    },
    /// A prototype row is not of unit length within the stated tolerance.
    NotUnit {
        /// Prototype (row) index.
        row: usize,
    },
    /// The input vector is all zeros (or its norm underflows), so it has no direction.
    ZeroVector,
    /// A quantisation scale is not finite and positive.
    BadScale,
    /// The solver's numerical safety net tripped (no reachable free column). Cannot happen for
    /// inputs that passed validation; reported rather than looping or panicking.
    Numerical,
    /// Model or feature bytes are malformed: one [`FormatError`] per check, so callers match the
    /// kind instead of the message.
    Format(FormatError),
    /// [`ModelRef::classify_raw`](crate::format::ModelRef::classify_raw) on a model without a
    /// backbone: classify embeddings instead.
    NoBackbone,
}

/// Which check of a model (`.dl2p`) or feature (`.dl2f`) file failed, in the order
/// `core/FORMAT.md` lists them. Layer checks carry the 0-based layer index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// Fewer bytes than the 12-byte header and the 4-byte checksum.
    TruncatedHeader,
    /// The first four bytes are not the file's magic.
    WrongMagic,
    /// A format version this build does not read.
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
    },
    /// A feature flag this build does not know (an old reader refuses a newer file).
    UnknownFlag {
        /// The unknown bits.
        bits: u16,
    },
    /// The body length overflows the address space.
    LengthOverflow,
    /// The file is longer or shorter than its header says (truncated or trailing bytes).
    LengthMismatch,
    /// The CRC-32 does not match the bytes.
    ChecksumMismatch,
    /// The postcard body does not decode.
    BodyDoesNotDecode,
    /// Bytes left over after the body.
    TrailingBytes,
    /// Classes or dimension outside `1..=65 535` / `1..=4 096`.
    SizeOutOfRange,
    /// A field's length does not match the sizes (prototypes, features, labels).
    FieldLength,
    /// The int8 step is not finite and positive.
    BadStep,
    /// An int8 value of −128, outside the symmetric range.
    Int8Minimum,
    /// An f32 prototype value is NaN or infinite.
    PrototypeNotFinite,
    /// An f32 prototype is not a unit vector.
    PrototypeNotUnit,
    /// The number of prototypes is below the number of classes or above 65 535.
    PrototypeCount,
    /// σ does not hold one entry per class.
    SigmaLength,
    /// A σ entry is not a prototype index (`≥ M`).
    SigmaOutOfRange,
    /// σ maps two classes to one prototype.
    SigmaNotInjective,
    /// The class names are not exactly one per class.
    ClassNameCount,
    /// Class names present without their flag, or flagged but absent.
    ClassNameFlag,
    /// Backbone layer count outside `1..=8` (MLP) or `1..=16` (layer list).
    LayerCount,
    /// A backbone layer does not decode.
    LayerDoesNotDecode {
        /// Layer index.
        layer: usize,
    },
    /// A layer's sizes are out of range or its arrays do not match them.
    LayerShape {
        /// Layer index.
        layer: usize,
    },
    /// A layer's inputs differ from the previous layer's outputs (a layer list: the layer does
    /// not take its input's shape, or its output has more than 2²⁰ values).
    LayerChain {
        /// Layer index.
        layer: usize,
    },
    /// A layer weight of −128.
    LayerWeight {
        /// Layer index.
        layer: usize,
    },
    /// A layer bias beyond ±2³⁰.
    LayerBias {
        /// Layer index.
        layer: usize,
    },
    /// A negative requantisation multiplier.
    LayerMultiplier {
        /// Layer index.
        layer: usize,
    },
    /// A requantisation shift outside `−31..=30`.
    LayerShift {
        /// Layer index.
        layer: usize,
    },
    /// The backbone's input step is not finite and positive.
    BackboneInputStep,
    /// Bytes left over after the backbone.
    BackboneTrailingBytes,
    /// The backbone's last layer does not give `dim` outputs.
    BackboneOutputs,
    /// A backbone with f32 prototypes (it needs int8 ones).
    BackboneNeedsInt8,
    /// Both backbone flags are set (an MLP and a layer list).
    BackboneConflict,
    /// The layer list's input shape has a zero dimension or more than 2²⁰ values.
    NetInputShape,
    /// An input offset that is not finite or an input scale that is not finite and positive.
    NetInputQuant,
    /// The layer list does not end with a dense layer.
    NetLastLayer,
    /// A feature file's `count × dim` overflows.
    CountOverflow,
    /// A label or expected class of a feature file is not below `classes`.
    LabelOutOfRange,
    /// Flag bit 3 is set but fewer than the 4 bytes of the input identity follow the body.
    InputIdTruncated,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FormatError as E;
        match *self {
            E::TruncatedHeader => f.write_str("truncated header"),
            E::WrongMagic => f.write_str("wrong magic"),
            E::UnsupportedVersion { found } => {
                write!(f, "format version {found} is not supported by this build")
            }
            E::UnknownFlag { bits } => write!(
                f,
                "unknown feature flag 0x{bits:04x} (written by a newer version?)"
            ),
            E::LengthOverflow => f.write_str("body length overflows"),
            E::LengthMismatch => {
                f.write_str("length does not match the header (truncated or trailing bytes)")
            }
            E::ChecksumMismatch => f.write_str("checksum mismatch"),
            E::BodyDoesNotDecode => f.write_str("body does not decode"),
            E::TrailingBytes => f.write_str("trailing bytes in the body"),
            E::SizeOutOfRange => f.write_str("classes or dim out of range"),
            E::FieldLength => f.write_str("a field's length does not match the sizes"),
            E::BadStep => f.write_str("int8 step is not finite and positive"),
            E::Int8Minimum => f.write_str("int8 value -128 outside the symmetric range"),
            E::PrototypeNotFinite => f.write_str("f32 prototype value is not finite"),
            E::PrototypeNotUnit => f.write_str("f32 prototype is not a unit vector"),
            E::PrototypeCount => {
                f.write_str("number of prototypes is below classes or above 65 535")
            }
            E::SigmaLength => f.write_str("sigma: length is not 4 x classes"),
            E::SigmaOutOfRange => f.write_str("sigma entry is not a prototype index"),
            E::SigmaNotInjective => f.write_str("sigma maps two classes to one prototype"),
            E::ClassNameCount => f.write_str("class names: count is not classes"),
            E::ClassNameFlag => {
                f.write_str("class names present without their flag, or flagged but absent")
            }
            E::LayerCount => {
                f.write_str("backbone layer count outside 1..=8 (MLP) or 1..=16 (layer list)")
            }
            E::LayerDoesNotDecode { layer } => write!(f, "backbone layer {layer} does not decode"),
            E::LayerShape { layer } => write!(
                f,
                "backbone layer {layer}: sizes out of range or lengths inconsistent"
            ),
            E::LayerChain { layer } => write!(
                f,
                "backbone layer {layer}: inputs differ from the previous layer's outputs"
            ),
            E::LayerWeight { layer } => write!(
                f,
                "backbone layer {layer}: weight -128 outside the symmetric range"
            ),
            E::LayerBias { layer } => {
                write!(f, "backbone layer {layer}: bias beyond 2^30 in magnitude")
            }
            E::LayerMultiplier { layer } => {
                write!(f, "backbone layer {layer}: multiplier is negative")
            }
            E::LayerShift { layer } => {
                write!(f, "backbone layer {layer}: shift outside -31..=30")
            }
            E::BackboneInputStep => f.write_str("backbone input step is not finite and positive"),
            E::BackboneTrailingBytes => f.write_str("trailing bytes after the backbone"),
            E::BackboneOutputs => f.write_str("backbone outputs differ from dim"),
            E::BackboneNeedsInt8 => f.write_str("a backbone needs int8 prototypes"),
            E::BackboneConflict => f.write_str("both an MLP and a layer-list backbone are flagged"),
            E::NetInputShape => {
                f.write_str("backbone input shape has a zero side or over 2^20 values")
            }
            E::NetInputQuant => {
                f.write_str("backbone input offset not finite or scale not finite and positive")
            }
            E::NetLastLayer => f.write_str("the backbone's last layer is not dense"),
            E::CountOverflow => f.write_str("count x dim overflows"),
            E::LabelOutOfRange => f.write_str("label or expected class out of range"),
            E::InputIdTruncated => f.write_str("the flagged input identity is cut short"),
        }
    }
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Error::Format(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Length {
                what,
                expected,
                got,
            } => {
                write!(f, "{what}: expected {expected} elements, got {got}")
            }
            Error::Size { what, value, max } => {
                write!(f, "{what} = {value} is out of range: expected 1..={max}")
            }
            Error::RowsExceedCols { rows, cols } => write!(
                f,
                "assignment problem has {rows} rows but only {cols} columns: expected rows <= columns"
            ),
            Error::NotFinite { what, index } => {
                write!(
                    f,
                    "{what}[{index}] is NaN or infinite: expected a finite number"
                )
            }
            Error::CostTooLarge { index } => write!(
                f,
                "cost[{index}] is too large in magnitude for the solver's dual variables"
            ),
            Error::NotUnit { row } => {
                write!(f, "prototype {row} is not a unit vector: expected |p| = 1")
            }
            Error::ZeroVector => write!(f, "input vector has zero norm: expected a direction"),
            Error::BadScale => write!(f, "quantisation scale must be finite and positive"),
            Error::Numerical => write!(f, "assignment solver lost numerical precision"),
            Error::Format(e) => write!(f, "malformed model: {e}"),
            Error::NoBackbone => {
                f.write_str("the model has no backbone: classify embeddings instead")
            }
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Checks a slice length, naming the argument on failure.
pub(crate) fn check_len(what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::Length {
            what,
            expected,
            got,
        })
    }
}
