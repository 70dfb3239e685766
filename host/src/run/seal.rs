//! Files of the run that carry the CRC-32 of their own contents — `state.json` and
//! `calibration.json` — so that a corrupted file is an error instead of a different model.
//!
//! The checksum is over the file's compact JSON without its final `crc32` member. It is checked
//! on the text as written, not on a re-serialisation of the type that reads it: a type that
//! gains a field (with a default) since the file was written would serialise differently and
//! fail the check, so a run checkpointed by an older build could not resume.

use serde::Serialize;

/// The JSON member a sealed file ends with, in compact form.
const MEMBER: &[u8] = b",\"crc32\":";

/// A file type with a `crc32` field, serialised last, over its compact JSON without that field.
pub trait SelfChecked: Serialize + Clone {
    /// The checksum field.
    fn checksum(&mut self) -> &mut Option<u32>;

    /// Whether a file with these contents must carry a checksum: one written since the type
    /// was sealed (a file without, from before, is taken as it is).
    fn must_be_sealed(&self) -> bool;

    /// The value with its checksum set, ready to write.
    fn sealed(mut self) -> Self {
        *self.checksum() = None;
        let crc = dl2pa_core::format::crc32(&serde_json::to_vec(&self).unwrap_or_default());
        *self.checksum() = Some(crc);
        self
    }
}

/// Whether the JSON text `bytes` of a sealed file matches the checksum it ends with; `None` if
/// it has none (run format 1, taken as it is). A `crc32` member that is not the last one counts
/// as a mismatch: [`SelfChecked::sealed`] never writes one.
pub fn verify(bytes: &[u8]) -> Option<bool> {
    let mut compact = compact(bytes);
    let at = compact.windows(MEMBER.len()).rposition(|w| w == MEMBER)?;
    let tail = &compact[at + MEMBER.len()..];
    let stored = tail
        .strip_suffix(b"}")
        .and_then(|digits| std::str::from_utf8(digits).ok())
        .and_then(|digits| digits.parse::<u32>().ok());
    compact.truncate(at);
    compact.push(b'}');
    Some(stored == Some(dl2pa_core::format::crc32(&compact)))
}

/// `bytes` without the whitespace outside strings: what `serde_json::to_vec` writes for a value
/// that `serde_json::to_vec_pretty` wrote as `bytes` (pretty printing only adds whitespace).
fn compact(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            (in_string, escaped) = (escaped || b != b'"', !escaped && b == b'\\');
        } else if b == b'"' {
            in_string = true;
        } else if b.is_ascii_whitespace() {
            continue;
        }
        out.push(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Serialize, Deserialize)]
    struct Old {
        name: String,
        x: f32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        crc32: Option<u32>,
    }

    /// `Old` after a release that added a field.
    #[derive(Clone, Serialize, Deserialize)]
    struct New {
        name: String,
        x: f32,
        #[serde(default)]
        added: Vec<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        crc32: Option<u32>,
    }

    impl SelfChecked for Old {
        fn checksum(&mut self) -> &mut Option<u32> {
            &mut self.crc32
        }

        fn must_be_sealed(&self) -> bool {
            true
        }
    }

    fn old_file() -> Vec<u8> {
        let old = Old {
            name: "a \"quoted\" name, with \\ and  spaces,\"crc32\":1}".into(),
            x: 0.1,
            crc32: None,
        };
        serde_json::to_vec_pretty(&old.sealed()).unwrap()
    }

    #[test]
    fn a_file_verifies_after_its_type_gained_a_field() {
        let bytes = old_file();
        assert_eq!(verify(&bytes), Some(true));
        let new: New = serde_json::from_slice(&bytes).unwrap();
        assert!(new.added.is_empty());
    }

    #[test]
    fn any_changed_byte_but_whitespace_is_a_mismatch() {
        let bytes = old_file();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let changed = text.replace("0.1", "0.2");
        assert_eq!(verify(changed.as_bytes()), Some(false));
        let renamed = text.replace("quoted", "quotes");
        assert_eq!(verify(renamed.as_bytes()), Some(false));
        let reindented = text.replace("\n  ", "\n\t");
        assert_eq!(verify(reindented.as_bytes()), Some(true));
        // Whitespace inside a string is contents.
        let respaced = text.replace("and  spaces", "and spaces");
        assert_eq!(verify(respaced.as_bytes()), Some(false));
    }

    #[test]
    fn a_file_without_checksum_or_with_a_broken_one() {
        assert_eq!(verify(br#"{"name": "x", "x": 1.0}"#), None);
        assert_eq!(verify(br#"{"x": 1.0, "crc32": "12"}"#), Some(false));
        assert_eq!(verify(br#"{"x": 1.0, "crc32": 12, "y": 2}"#), Some(false));
        assert_eq!(verify(br#"{"x": 1.0, "crc32": 99999999999}"#), Some(false));
        assert_eq!(verify(b""), None);
    }
}
