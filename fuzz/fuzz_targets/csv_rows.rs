//! CSV tables against a schema. A file that trains (`read_labelled`) must be read by
//! prediction (`read_inputs`, with the layout training recorded) to exactly the same feature
//! values, row for row — training and prediction read rows one way. Any file read as inputs
//! gives `features` finite values per row or an error; never a panic. The first byte picks the
//! label column (by index or by the name in the first row's field).
#![no_main]

use std::path::Path;

use dl2pa_data::csv::{TableLayout, read_inputs, read_labelled};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let path = Path::new("fuzz.csv");
    let label = if mode & 1 == 0 {
        (usize::from(mode >> 1) % 4).to_string()
    } else {
        // A name: the first row's field at that index, if the bytes have one.
        let first = rest.split(|&b| b == b'\n').next().unwrap_or_default();
        let field = first.split(|&b| b == b',').nth(usize::from(mode >> 1) % 4);
        String::from_utf8_lossy(field.unwrap_or(b"label")).trim().to_string()
    };
    if let Ok(t) = read_labelled(path, rest, &label) {
        let f = t.layout.features();
        assert_eq!(t.split.x.len(), t.split.len() * f);
        assert!(t.split.y.iter().all(|&y| (y as usize) < t.classes.len()));
        assert!(t.split.x.iter().all(|v| v.is_finite()));
        let (names, x) = read_inputs(path, rest, &t.layout)
            .expect("prediction reads every file training read");
        assert_eq!(names.len(), t.split.len());
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&x), bits(&t.split.x), "the same features");
    }
    let layout = TableLayout::unnamed(usize::from(mode >> 4) + 1);
    if let Ok((names, x)) = read_inputs(path, rest, &layout) {
        assert_eq!(x.len(), names.len() * layout.features());
        assert!(x.iter().all(|v| v.is_finite()));
    }
});
