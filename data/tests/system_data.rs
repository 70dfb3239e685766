//! The system's copy of Fashion-MNIST (`apt-get install dataset-fashion-mnist`), read where
//! the package puts it. Opt-in: runs only with `DL2PA_SYSTEM_DATA=1` (CI sets it after
//! installing the package); every other test generates its IDX files.

use dl2pa_data::{DataSpec, LoadOptions, load};

#[test]
fn system_fashion_mnist_reads_the_debian_package() {
    if std::env::var_os("DL2PA_SYSTEM_DATA").is_none_or(|v| v != "1") {
        eprintln!(
            "skipped: reads {}; set DL2PA_SYSTEM_DATA=1 to run it",
            dl2pa_data::FASHION_MNIST_DIR
        );
        return;
    }
    let spec: DataSpec = "fashion-mnist".parse().unwrap();
    let ds = load(&spec, &LoadOptions::default()).unwrap();
    assert_eq!(
        (ds.train.len(), ds.test.len(), ds.classes()),
        (60_000, 10_000, 10)
    );
    assert_eq!(ds.train.counts(10), vec![6_000; 10]);
    let s = ds.shape();
    assert_eq!((s.channels, s.height, s.width), (1, 28, 28));
}
