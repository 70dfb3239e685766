//! Files of the run that carry the CRC-32 of their own contents — `state.json` and
//! `calibration.json` — so that a corrupted file is an error instead of a different model.

use serde::Serialize;

/// A file type with a `crc32` field over its compact JSON without that field.
pub trait SelfChecked: Serialize + Clone {
    /// The checksum field.
    fn checksum(&mut self) -> &mut Option<u32>;

    /// The CRC-32 of the contents without the checksum.
    fn contents_crc(&self) -> u32 {
        let mut unsealed = self.clone();
        *unsealed.checksum() = None;
        dl2pa_core::format::crc32(&serde_json::to_vec(&unsealed).unwrap_or_default())
    }

    /// The value with its checksum set, ready to write.
    fn sealed(mut self) -> Self {
        let crc = self.contents_crc();
        *self.checksum() = Some(crc);
        self
    }

    /// Whether the contents match the stored checksum (a file without one, from run format 1,
    /// is taken as it is).
    fn intact(&self) -> bool {
        let mut copy = self.clone();
        copy.checksum()
            .take()
            .is_none_or(|crc| crc == copy.contents_crc())
    }
}
