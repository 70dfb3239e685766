//! `dl2pa prototypes`: closed forms exact, optimisers produce unit rows, files round-trip,
//! and every bad input is a one-line error with exit code 1.

use std::process::Command;

use burn::prelude::Device;
use dl2pa::prototypes::{self, EstimateConfig, Estimator, quality};
use proptest::prelude::*;

fn opts(
    classes: usize,
    dim: usize,
    method: Estimator,
    steps: Option<usize>,
    seed: u64,
) -> EstimateConfig {
    EstimateConfig {
        classes,
        dim,
        method,
        steps,
        batch: None,
        seed,
    }
}

fn dl2pa(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dl2pa"))
        .args(args)
        .output()
        .expect("run dl2pa")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rows_are_unit_and_finite(k in 2usize..24, d in 2usize..10, m in 0usize..3, seed in 0u64..1000) {
        let method = [Estimator::Best, Estimator::Gaussian, Estimator::Annealed][m];
        let est = prototypes::estimate(&opts(k, d, method, Some(15), seed), &Device::flex(), |_, _| {}).unwrap();
        prop_assert_eq!(est.data.len(), k * d);
        prop_assert!(est.data.iter().all(|x| x.is_finite()));
        prop_assert!(est.quality.max_norm_error < 1e-5, "norm error {}", est.quality.max_norm_error);
        prop_assert!(est.quality.max_cos <= 1.0 + 1e-9);
    }
}

#[test]
fn simplex_etf_is_exact() {
    for (k, d) in [(2, 2), (3, 2), (10, 9), (10, 16), (100, 99), (100, 128)] {
        let p = prototypes::simplex_etf(k, d);
        let q = quality(&p, k, d);
        let target = -1.0 / (k as f64 - 1.0);
        assert!(
            (q.max_cos - target).abs() < 1e-6 && (q.min_cos - target).abs() < 1e-6,
            "{k}x{d}: {q:?}"
        );
    }
}

#[test]
fn cross_polytope_max_cos_is_zero() {
    for (k, d) in [(5, 3), (7, 4), (100, 50), (100, 84), (1000, 512)] {
        let q = quality(&prototypes::cross_polytope(k, d), k, d);
        assert_eq!(q.max_cos, 0.0, "{k}x{d}");
    }
}

#[test]
fn best_picks_the_closed_form_and_says_so() {
    let dev = Device::flex();
    let e = prototypes::estimate(&opts(10, 9, Estimator::Best, None, 0), &dev, |_, _| {}).unwrap();
    assert_eq!(e.used, Estimator::Etf);
    let e =
        prototypes::estimate(&opts(100, 64, Estimator::Best, None, 0), &dev, |_, _| {}).unwrap();
    assert_eq!((e.used, e.quality.max_cos), (Estimator::CrossPolytope, 0.0));
    let e =
        prototypes::estimate(&opts(12, 3, Estimator::Best, Some(200), 0), &dev, |_, _| {}).unwrap();
    assert_eq!(e.used, Estimator::Annealed);
    assert!(e.reason.contains("K > 2d"));
}

#[test]
fn annealing_beats_the_paper_loss_at_equal_steps() {
    // The point of the annealed method: a lower worst-pair cosine than the paper's t = 2 loss.
    let dev = Device::flex();
    let paper = prototypes::estimate(
        &opts(30, 3, Estimator::Gaussian, Some(400), 1),
        &dev,
        |_, _| {},
    )
    .unwrap();
    let annealed = prototypes::estimate(
        &opts(30, 3, Estimator::Annealed, Some(400), 1),
        &dev,
        |_, _| {},
    )
    .unwrap();
    assert!(
        annealed.quality.max_cos < paper.quality.max_cos - 0.02,
        "annealed {} vs paper {}",
        annealed.quality.max_cos,
        paper.quality.max_cos
    );
}

#[test]
fn same_seed_same_file_and_it_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.npy"),
        dir.path().join("b.npy"),
        dir.path().join("c.npy"),
    );
    for (path, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let out = dl2pa(&[
            "prototypes",
            "-k",
            "20",
            "-d",
            "3",
            "--steps",
            "60",
            "--seed",
            seed,
            "--device",
            "cpu",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (ba, bb, bc) = (
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        std::fs::read(&c).unwrap(),
    );
    assert_eq!(ba, bb, "same seed must give the same bytes");
    assert_ne!(ba, bc, "another seed must give other prototypes");
    let (data, k, d) = prototypes::load(&a, Some((20, 3))).unwrap();
    assert_eq!((k, d, data.len()), (20, 3, 60));
    let err = prototypes::load(&a, Some((10, 3))).unwrap_err().to_string();
    assert!(
        err.contains("a.npy") && err.contains("expected (10, 3)"),
        "{err}"
    );
}

#[test]
fn json_report_names_the_method() {
    let out = dl2pa(&[
        "prototypes",
        "-k",
        "8",
        "-d",
        "7",
        "--json",
        "--device",
        "cpu",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["used"], "etf");
    assert!((v["quality"]["max_cos"].as_f64().unwrap() + 1.0 / 7.0).abs() < 1e-6);
}

#[test]
fn bad_input_exits_1_with_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["prototypes", "-k", "1", "-d", "3"], "--classes = 1"),
        (&["prototypes", "-k", "10", "-d", "1"], "--dim = 1"),
        (
            &["prototypes", "-k", "65536", "-d", "3"],
            "--classes = 65536",
        ),
        (
            &["prototypes", "-k", "10", "-d", "3", "--method", "etf"],
            "simplex ETF",
        ),
        (
            &[
                "prototypes",
                "-k",
                "10",
                "-d",
                "3",
                "-o",
                "/nonexistent-dir/p.npy",
            ],
            "/nonexistent-dir/p.npy",
        ),
        (
            &[
                "prototypes",
                "-k",
                "10",
                "-d",
                "3",
                "--method",
                "gaussian",
                "--batch",
                "1",
            ],
            "--batch = 1",
        ),
    ];
    for (args, needle) in cases {
        let out = dl2pa(&[args, &["--device", "cpu"][..]].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // Usage errors are clap's: exit 2.
    assert_eq!(
        dl2pa(&["prototypes", "-k", "ten", "-d", "3"]).status.code(),
        Some(2)
    );
    assert_eq!(dl2pa(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn malformed_npy_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.npy");
    std::fs::write(&bad, b"not numpy at all").unwrap();
    let e = prototypes::load(&bad, None).unwrap_err().to_string();
    assert!(e.contains("bad.npy") && e.contains("not a .npy"), "{e}");
    let three_d = dir.path().join("3d.npy");
    {
        use npyz::WriterBuilder;
        let mut buf = Vec::new();
        let mut w = npyz::WriteOptions::<f32>::new()
            .default_dtype()
            .shape(&[2, 2, 2])
            .writer(&mut buf)
            .begin_nd()
            .unwrap();
        w.extend([1.0f32; 8]).unwrap();
        w.finish().unwrap();
        std::fs::write(&three_d, buf).unwrap();
    }
    let e = prototypes::load(&three_d, None).unwrap_err().to_string();
    assert!(e.contains("expected 2 dimensions"), "{e}");
    let zero = dir.path().join("zero.npy");
    dl2pa::io::write_npy(&zero, &[1.0, 0.0, 0.0, 0.0], 2, 2).unwrap();
    let e = prototypes::load(&zero, None).unwrap_err().to_string();
    assert!(e.contains("prototype 1 is the zero vector"), "{e}");
    let truncated = dir.path().join("trunc.npy");
    let bytes = dl2pa::io::npy_bytes(&[1.0, 0.0, 0.0, 1.0], 2, 2);
    std::fs::write(&truncated, &bytes[..bytes.len() - 3]).unwrap();
    let e = prototypes::load(&truncated, None).unwrap_err().to_string();
    assert!(e.contains("trunc.npy"), "{e}");
    // A header that claims far more data than the file holds is refused before allocating:
    // widen the shape inside the header's padding so the header stays well-formed.
    let bytes = dl2pa::io::npy_bytes(&[1.0, 0.0], 1, 2);
    let text: String = bytes.iter().map(|&b| b as char).collect();
    let forged = text.replacen("(1, 2, ), }   ", "(9999, 2, ), }", 1);
    assert_ne!(forged, text, "the header layout changed");
    let big = dir.path().join("big.npy");
    std::fs::write(&big, forged.chars().map(|c| c as u8).collect::<Vec<u8>>()).unwrap();
    let e = prototypes::load(&big, None).unwrap_err().to_string();
    assert!(e.contains("big.npy") && e.contains("does not fit"), "{e}");
}
