//! CIFAR binary records: arbitrary bytes decode to whole records — one label below the class
//! count and 3 072 pixels in [0, 1] each — or to an error that leaves the split untouched;
//! never a panic. The first byte picks the variant (CIFAR-10, CIFAR-100 fine or coarse).
#![no_main]

use std::path::Path;

use dl2pa_data::Split;
use dl2pa_data::cifar::{Variant, decode_records};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (variant, label_bytes, classes) = match mode % 3 {
        0 => (Variant::Ten, 1, 10),
        1 => (Variant::Hundred, 2, 100),
        _ => (Variant::HundredCoarse, 2, 20),
    };
    // Records are 3 073 or 3 074 bytes: repeat the input so whole records are common.
    let rec = label_bytes + 3072;
    let n = usize::from(mode >> 2) % 3;
    let bytes: Vec<u8> = rest.iter().copied().cycle().take(n * rec + rest.len() % 2).collect();
    let mut split = Split::default();
    match decode_records(Path::new("fuzz.bin"), &bytes, variant, &mut split) {
        Ok(()) => {
            assert_eq!(bytes.len(), split.len() * rec);
            assert_eq!(split.x.len(), split.len() * 3072);
            assert!(split.y.iter().all(|&y| (y as usize) < classes));
            assert!(split.x.iter().all(|v| (0.0..=1.0).contains(v)));
        }
        Err(_) => assert!(split.is_empty() && split.x.is_empty(), "nothing appended on error"),
    }
});
