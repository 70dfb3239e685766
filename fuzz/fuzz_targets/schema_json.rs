//! The input schema of a run (`dataset.json`), as a corrupted file would hold it: a schema that
//! deserialises either fails `check` with a message or reads a CSV input and standardises it
//! without panicking, giving `features` finite-or-not values per row — never an index out of
//! bounds or an overflow.
#![no_main]

use dl2pa_data::InputSchema;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(schema) = serde_json::from_slice::<InputSchema>(data) else { return };
    if schema.check().is_err() {
        return;
    }
    let f = schema.features();
    let dir = std::env::temp_dir().join(format!("dl2pa-fuzz-schema-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("in.csv");
    let layout = schema.table_layout();
    // A schema may declare up to MAX_FEATURES (64 M) values; building a row that wide would
    // exhaust the fuzzer's memory in this harness, not in the reader. Wider layouts get a short
    // row, which the reader must refuse with an error.
    let written = layout.width.min(1 << 12);
    let row: Vec<String> = (0..written).map(|j| (j % 7).to_string()).collect();
    let _ = std::fs::write(&file, format!("{}\n", row.join(",")));
    let read = schema.read(&file);
    // libFuzzer ends the process without running destructors: remove the file each time, so a
    // campaign leaves nothing in the temp directory.
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(mut inputs) = read {
        assert_eq!(inputs.x.len(), inputs.names.len() * f);
        schema.standardise(&mut inputs.x);
    }
});
