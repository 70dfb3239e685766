//! `--precision`: reduced precision is for GPUs (host/tests/wgpu_smoke.rs trains with it on
//! lavapipe); on the CPU it is a one-line error, before anything is written.

mod common;
use common::fails;

#[test]
fn half_precision_on_the_cpu_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    for p in ["f16", "bf16"] {
        fails(
            &["train", "--precision", p, "-o", run.to_str().unwrap()],
            &format!("--precision {p} needs a GPU (--device wgpu)"),
        );
        assert!(!run.exists(), "nothing written for a refused run");
    }
}
