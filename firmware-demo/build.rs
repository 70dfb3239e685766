//! Puts exactly this crate's `memory.x` on the linker path (a stray one elsewhere would win
//! silently) and links with cortex-m-rt's `link.x`.
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    for f in [
        "model.dl2p",
        "test.dl2f",
        "assign.bin",
        "mlp.dl2p",
        "raw.bin",
    ] {
        println!("cargo:rerun-if-changed=../tests/golden/{f}");
    }
    for f in ["fm-cnn.dl2p", "fm-vectors.bin"] {
        println!("cargo:rerun-if-changed=data/{f}");
    }
}
