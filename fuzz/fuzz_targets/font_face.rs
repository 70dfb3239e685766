//! Font files: arbitrary bytes go through everything `fonts:DIR` does with a file — list its
//! faces, check coverage and glyph names, render — without a panic, and a face that renders
//! gives exactly one `size × size` image per character. Seeds: a DejaVu face cut and mutated
//! (`fuzz/seeds/font_face/`).
#![no_main]

use std::path::Path;

use dl2pa_data::fonts::{faces, render};
use libfuzzer_sys::fuzz_target;

const CHARS: [char; 6] = ['0', 'A', 'a', 'g', 'Ω', 'Ж'];

fuzz_target!(|data: &[u8]| {
    let Ok(list) = faces::faces(Path::new("fuzz.ttf"), data) else { return };
    for (index, _record) in list.into_iter().take(4) {
        let _ = faces::covers(data, index, &CHARS);
        let _ = faces::names_agree(data, index, &CHARS);
        if let Some(px) = render::render(data, index, &CHARS, 12) {
            assert_eq!(px.len(), CHARS.len() * 12 * 12);
        }
    }
});
