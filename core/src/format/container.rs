//! The framing shared by model (`DL2P`) and feature (`DL2F`) files:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic |
//! | 4 | 2 | format version, u16 LE |
//! | 6 | 2 | feature flags, u16 LE (a reader refuses bits it does not know) |
//! | 8 | 4 | body length `n`, u32 LE |
//! | 12 | n | body (postcard) |
//! | 12 + n | 4 | CRC-32/ISO-HDLC of bytes `0 .. 12 + n`, u32 LE |
//!
//! Nothing may follow. Every check happens before the body is decoded.

use crc::{CRC_32_ISO_HDLC, Crc};

use crate::error::FormatError;

/// Result of a framing check.
type Result<T> = core::result::Result<T, FormatError>;

/// Bytes before the body.
pub const HEADER: usize = 12;
/// Bytes after the body.
pub const TRAILER: usize = 4;

const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// CRC-32 (ISO-HDLC, as zlib and PNG) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Checks the framing and returns `(flags, body)`.
pub fn open<'a>(
    bytes: &'a [u8],
    magic: &[u8; 4],
    version: u16,
    known_flags: u16,
) -> Result<(u16, &'a [u8])> {
    if bytes.len() < HEADER + TRAILER {
        return Err(FormatError::TruncatedHeader);
    }
    if &bytes[..4] != magic {
        return Err(FormatError::WrongMagic);
    }
    if u16_at(bytes, 4) != version {
        return Err(FormatError::UnsupportedVersion {
            found: u16_at(bytes, 4),
        });
    }
    let flags = u16_at(bytes, 6);
    if flags & !known_flags != 0 {
        return Err(FormatError::UnknownFlag {
            bits: flags & !known_flags,
        });
    }
    let len = u32_at(bytes, 8) as usize;
    let end = HEADER.checked_add(len).ok_or(FormatError::LengthOverflow)?;
    if bytes.len() != end + TRAILER {
        return Err(FormatError::LengthMismatch);
    }
    if crc32(&bytes[..end]) != u32_at(bytes, end) {
        return Err(FormatError::ChecksumMismatch);
    }
    Ok((flags, &bytes[HEADER..end]))
}

/// Decodes a postcard body that must be consumed exactly, borrowing from it.
pub fn decode<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T> {
    let (value, rest) =
        postcard::take_from_bytes(body).map_err(|_| FormatError::BodyDoesNotDecode)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(FormatError::TrailingBytes)
    }
}

/// Frames `body` (host side).
#[cfg(feature = "alloc")]
pub fn seal(magic: &[u8; 4], version: u16, flags: u16, body: &[u8]) -> alloc::vec::Vec<u8> {
    let mut out = alloc::vec::Vec::with_capacity(HEADER + body.len() + TRAILER);
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}
