//! What identifies the data a run was trained on: the examples as the reader loaded them, before
//! any limit or standardisation. A run records it (`dataset.json`), and whoever reads the run's
//! data again (`eval`, `export`, `train --resume`) checks it, so a run always means the same
//! data — not whatever its path names today.

use serde::{Deserialize, Serialize};

use crate::{Dataset, Split};

/// The data's identity: its split sizes and a CRC-32 (ISO-HDLC, as zlib's) of every value and
/// label of both splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataDigest {
    /// Training examples as read.
    pub train_examples: usize,
    /// Test examples as read.
    pub test_examples: usize,
    /// CRC-32 of the training values (f32, little-endian), its labels (u32), then the test
    /// split's.
    pub crc32: u32,
}

impl std::fmt::Display for DataDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} train / {} test examples, checksum {:08x}",
            self.train_examples, self.test_examples, self.crc32
        )
    }
}

impl Dataset {
    /// The digest of the data as loaded (call it before [`Dataset::standardise`]).
    pub fn digest(&self) -> DataDigest {
        const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        let mut d = CRC.digest();
        let mut add = |s: &Split| {
            for v in &s.x {
                d.update(&v.to_le_bytes());
            }
            for y in &s.y {
                d.update(&y.to_le_bytes());
            }
        };
        add(&self.train);
        add(&self.test);
        DataDigest {
            train_examples: self.train.len(),
            test_examples: self.test.len(),
            crc32: d.finalize(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{DataSpec, LoadOptions, load};

    #[test]
    fn the_same_data_gives_the_same_digest_and_one_changed_value_another() {
        let spec: DataSpec = "digits".parse().unwrap();
        let a = load(&spec, &LoadOptions::default()).unwrap();
        let mut b = load(&spec, &LoadOptions::default()).unwrap();
        assert_eq!(a.digest(), b.digest());
        b.test.x[7] += 1.0 / 16.0;
        assert_ne!(a.digest().crc32, b.digest().crc32);
        let other = LoadOptions {
            split_seed: 1,
            ..LoadOptions::default()
        };
        assert_ne!(a.digest(), load(&spec, &other).unwrap().digest());
    }
}
