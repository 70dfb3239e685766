//! IDX files (Fashion-MNIST), raw or gzipped (single or multi-member): arbitrary bytes parse to
//! dimensions whose product is exactly the number of values after the header, or to an error —
//! never a panic. The first byte picks the rank and whether the rest is gzipped as one or two
//! members (so the decompressor is on the path).
#![no_main]

use std::io::Write;
use std::path::Path;

use dl2pa_data::{gz, idx};
use libfuzzer_sys::fuzz_target;

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let ndim = [1usize, 3][usize::from(mode & 1)];
    let file = match (mode >> 1) % 3 {
        0 => rest.to_vec(),
        1 => gzip(rest),
        _ => {
            let half = rest.len() / 2;
            [gzip(&rest[..half]), gzip(&rest[half..])].concat()
        }
    };
    let path = Path::new("fuzz-idx");
    let Ok(bytes) = gz::decompress(path, file) else { return };
    if (mode >> 1) % 3 != 0 {
        assert_eq!(bytes, rest, "every gzip member is read, in order");
    }
    if let Ok((dims, values)) = idx::parse(path, &bytes, ndim) {
        assert_eq!(dims.len(), ndim);
        assert_eq!(dims.iter().product::<usize>(), values.len());
        assert_eq!(4 + 4 * ndim + values.len(), bytes.len());
    }
});
