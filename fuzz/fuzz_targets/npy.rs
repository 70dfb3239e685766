//! `.npy` files: arbitrary bytes decode to a matrix whose size is its shape — never a panic, and
//! nothing allocated for a shape the file cannot hold — and what decodes re-encodes to the same
//! bits. The first byte picks whether the rest is the whole file or the body after a valid
//! header of a random shape and dtype, so the fuzzer reaches the data path.
#![no_main]

use std::path::Path;

use dl2pa_data::npy::{decode, to_bytes};
use libfuzzer_sys::fuzz_target;

/// A valid version-1 header for `shape` and `descr`, padded as numpy pads it.
fn header(descr: &str, fortran: bool, rows: u8, cols: u8) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({rows}, {cols}), }}",
        if fortran { "True" } else { "False" }
    );
    let mut h = dict.into_bytes();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(&h);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = if mode & 1 == 0 || rest.len() < 2 {
        rest.to_vec()
    } else {
        let descr = ["<f4", ">f4", "<f8", ">f8", "<i4"][usize::from(mode >> 1) % 5];
        let mut b = header(descr, mode & 0x80 != 0, rest[0] % 17, rest[1] % 17);
        b.extend_from_slice(&rest[2..]);
        b
    };
    let Ok((values, rows, cols)) = decode(Path::new("fuzz.npy"), &bytes) else { return };
    assert_eq!(values.len(), rows * cols);
    assert!(values.len() * 4 <= bytes.len(), "more values than the file holds");
    let (again, r2, c2) = decode(Path::new("again.npy"), &to_bytes(&values, rows, cols))
        .expect("what decodes re-encodes");
    assert_eq!((r2, c2), (rows, cols));
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&again), bits(&values));
});
