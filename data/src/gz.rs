//! Files that may be gzip-compressed: one rule for every reader (IDX, CSV, inputs to `predict`).
//!
//! A file is gunzipped when it starts with the gzip magic, whatever its name. Every member of a
//! multi-member file is read (what `cat a.gz b.gz`, pigz and bgzip write is valid gzip).

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The bytes of `path`, decompressed if they are gzip.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] for corrupt or truncated gzip.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decompress(path, raw)
}

/// `raw` as it is, or decompressed if it is gzip; `path` names it in errors.
///
/// # Errors
/// [`Error::Format`] for corrupt or truncated gzip.
pub fn decompress(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>> {
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .map_err(|e| Error::format(path, format!("corrupt or truncated gzip: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn every_member_of_a_multi_member_file_is_read() {
        let two = [gz(b"first,"), gz(b"second")].concat();
        let out = decompress(Path::new("x.gz"), two).unwrap();
        assert_eq!(out, b"first,second");
        assert_eq!(
            decompress(Path::new("x"), b"plain".to_vec()).unwrap(),
            b"plain"
        );
    }

    #[test]
    fn truncated_gzip_names_the_file() {
        let mut bytes = gz(b"some text that compresses");
        bytes.truncate(bytes.len() - 6);
        let err = decompress(Path::new("t.csv.gz"), bytes).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.csv.gz: corrupt or truncated gzip"),
            "{err}"
        );
    }
}
