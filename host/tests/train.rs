//! `dl2pa train/eval/predict` end to end on small data: outputs, determinism, exact resume,
//! every data reader, and each kind of bad input as a one-line error with exit code 1.

mod common;

use std::path::Path;

use common::{fails, metrics, ok};
use dl2pa::config::{Method, TrainConfig};

fn quick(cfg: &mut TrainConfig) {
    cfg.epochs = 2;
    cfg.widths = vec![32];
}

#[test]
fn digits_run_writes_a_complete_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = ok(&[
        "train",
        "--epochs",
        "3",
        "--widths",
        "64",
        "--dim",
        "3",
        "--assign-every",
        "0",
        "-o",
        run.to_str().unwrap(),
    ]);
    assert!(out.contains("test top-1"), "{out}");
    for f in [
        "config.toml",
        "metrics.json",
        "state.json",
        "prototypes.npy",
        "dataset.json",
    ] {
        assert!(run.join(f).exists(), "{f} missing");
    }
    let m = metrics(&run);
    let fin = &m["final"];
    let top1 = fin["test_top1"].as_f64().unwrap();
    assert!(
        top1 > 30.0,
        "digits after 3 epochs should beat chance (10 %), got {top1}"
    );
    assert!(fin["test_top5"].as_f64().unwrap() >= top1);
    assert_eq!(fin["per_class_accuracy"].as_array().unwrap().len(), 10);
    assert_eq!(fin["sigma"].as_array().unwrap().len(), 10);
    assert!(fin["ece"].as_f64().unwrap() >= 0.0 && fin["img_per_s"].as_f64().unwrap() > 0.0);
    let epochs = m["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 3);
    // Two epoch-end updates (none after the last epoch), each with the labels it moved and its solver time.
    let updates: Vec<&serde_json::Value> = epochs
        .iter()
        .flat_map(|e| e["updates"].as_array().unwrap())
        .collect();
    assert_eq!(updates.len(), 2);
    assert!(updates.iter().all(|u| u["micros"].as_f64().unwrap() > 0.0));
    // config.toml re-runs the same training.
    let cfg = TrainConfig::from_file(&run.join("config.toml")).unwrap();
    assert_eq!(
        (cfg.epochs, cfg.dim, cfg.widths.clone(), cfg.assign_every),
        (3, 3, vec![64], 0)
    );
    // eval reproduces the final accuracy; predict labels the shipped CSV.
    let ev: serde_json::Value =
        serde_json::from_str(&ok(&["eval", run.to_str().unwrap(), "--json"])).unwrap();
    assert!((ev["top1"].as_f64().unwrap() - top1).abs() < 1e-9);
    let digits_csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv.gz");
    let pred = ok(&[
        "predict",
        run.to_str().unwrap(),
        digits_csv.to_str().unwrap(),
    ]);
    assert_eq!(pred.lines().count(), 1797);
}

#[test]
fn same_seed_same_run_and_resume_is_exact() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = TrainConfig::default();
    quick(&mut cfg);
    cfg.epochs = 3;
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let sa = dl2pa::train::train(&cfg, &dev, &a, false, None, &mut |_| {}).unwrap();
    let sb = dl2pa::train::train(&cfg, &dev, &b, false, None, &mut |_| {}).unwrap();
    let test_metrics = |s: &dl2pa::train::Summary| {
        (
            s.test_top1,
            s.test_top5,
            s.ece,
            s.per_class_accuracy.clone(),
        )
    };
    assert_eq!(test_metrics(&sa), test_metrics(&sb));
    assert_eq!(sa.sigma, sb.sigma);
    // Stop after epoch 1 (as a killed run would), then resume: the same numbers as without a stop.
    dl2pa::train::train(&cfg, &dev, &c, false, Some(1), &mut |_| {}).unwrap();
    let sc = dl2pa::train::train(&cfg, &dev, &c, true, None, &mut |_| {}).unwrap();
    // Same batches, σ, class means, prototypes, schedule, weights and optimiser state: the same
    // bits. (0.1 re-normalised the run's prototypes when resuming, which moved their last bits.)
    assert_eq!(test_metrics(&sa), test_metrics(&sc));
    assert_eq!(sa.sigma, sc.sigma);
    let (ma, mc) = (metrics(&a), metrics(&c));
    for e in 0..3 {
        assert_eq!(
            ma["epochs"][e]["train_loss"], mc["epochs"][e]["train_loss"],
            "epoch {e}"
        );
    }
}

/// flex runs its kernels on rayon's global pool: a training gives the same bits whether it runs
/// alone or beside others sharing that pool (the tests, `experiment` runs), and whether it runs
/// outside the pool or on one of its threads (the `dl2pa` binary), with the CNN's convolutions,
/// pooling and BatchNorm reductions all split across threads.
#[test]
fn trainings_sharing_the_thread_pool_give_the_same_bits_as_one_alone() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    // 28 × 28 inputs, so the convolutions' matrix products are big enough to be split.
    let fm = dir.path().join("fm");
    tiny_fmnist(&fm, 384);
    let mut cfg = TrainConfig {
        data: format!("fashion-mnist:{}", fm.display()),
        backbone: dl2pa::model::BackboneKind::Cnn,
        batch_size: 64,
        ..Default::default()
    };
    quick(&mut cfg);
    let alone = dl2pa::train::train(
        &cfg,
        &dev,
        &dir.path().join("alone"),
        false,
        None,
        &mut |_| {},
    )
    .unwrap();
    let mut other = cfg.clone();
    other.seed = 1;
    let (shared, _) = std::thread::scope(|s| {
        let run = |c: &TrainConfig, name: &str| {
            let (c, run, dev) = (c.clone(), dir.path().join(name), dev.clone());
            s.spawn(move || dl2pa::train::train(&c, &dev, &run, false, None, &mut |_| {}).unwrap())
        };
        let (a, b) = (run(&cfg, "shared"), run(&other, "other"));
        (a.join().unwrap(), b.join().unwrap())
    });
    let on_pool = dl2pa::threads::on_global_pool(|| {
        let run = dir.path().join("on-pool");
        dl2pa::train::train(&cfg, &dev, &run, false, None, &mut |_| {}).unwrap()
    });
    let ma = metrics(&dir.path().join("alone"));
    for (name, s) in [("shared", &shared), ("on-pool", &on_pool)] {
        assert_eq!(alone.sigma, s.sigma, "{name}");
        assert_eq!(
            (alone.test_top1, alone.ece, &alone.per_class_accuracy),
            (s.test_top1, s.ece, &s.per_class_accuracy),
            "{name}"
        );
        let ms = metrics(&dir.path().join(name));
        for e in 0..cfg.epochs {
            let (a, s) = (&ma["epochs"][e], &ms["epochs"][e]);
            assert_eq!(
                (&a["train_loss"], &a["eval"]),
                (&s["train_loss"], &s["eval"]),
                "{name}, epoch {e}"
            );
        }
    }
}

#[test]
fn baselines_run_through_the_same_loop() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    for (method, dim) in [
        (Method::Fixed, 3),
        (Method::Psc, 3),
        (Method::Etf, 9),
        (Method::CosineSoftmax, 3),
    ] {
        let mut cfg = TrainConfig {
            method,
            dim,
            ..TrainConfig::default()
        };
        quick(&mut cfg);
        let run = dir.path().join(format!("{method:?}"));
        let s = dl2pa::train::train(&cfg, &dev, &run, false, None, &mut |_| {}).unwrap();
        assert!(s.test_top1 > 15.0, "{method:?}: {}", s.test_top1);
        let m = metrics(&run);
        let updates: usize = m["epochs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["updates"].as_array().unwrap().len())
            .sum();
        assert_eq!(updates, 0, "{method:?} never re-assigns");
    }
    // The fixed baseline keeps its seeded random σ, the one DL2PA starts from at that seed.
    let m = metrics(&dir.path().join("Fixed"));
    let sigma: Vec<u64> = m["final"]["sigma"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let mut sorted = sigma.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..10).collect::<Vec<_>>());
}

#[test]
fn assignment_every_n_iterations_is_logged() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = TrainConfig {
        assign_every: 5,
        ..TrainConfig::default()
    };
    quick(&mut cfg);
    dl2pa::train::train(&cfg, &dev, dir.path(), false, None, &mut |_| {}).unwrap();
    let m = metrics(dir.path());
    let iters: Vec<u64> = m["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["updates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["iteration"].as_u64().unwrap())
        })
        .collect();
    assert!(
        iters.len() >= 4 && iters.iter().all(|i| i % 5 == 0),
        "{iters:?}"
    );
}

/// Writes an IDX file of unsigned bytes.
fn idx(path: &Path, dims: &[u32], data: &[u8]) {
    let mut b = vec![0u8, 0, 8, dims.len() as u8];
    for d in dims {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(data);
    std::fs::write(path, b).unwrap();
}

/// A tiny Fashion-MNIST-format directory: `n` 28×28 images per split, label = i % 10 (so each
/// class is a bright stripe at its own row).
fn tiny_fmnist(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for (split, count) in [("train", n), ("t10k", n / 2)] {
        let mut px = vec![0u8; count * 784];
        let labels: Vec<u8> = (0..count).map(|i| (i % 10) as u8).collect();
        for (i, &l) in labels.iter().enumerate() {
            for c in 0..28 {
                px[i * 784 + usize::from(l) * 2 * 28 + c] = 255;
            }
        }
        idx(
            &dir.join(format!("{split}-images-idx3-ubyte")),
            &[count as u32, 28, 28],
            &px,
        );
        idx(
            &dir.join(format!("{split}-labels-idx1-ubyte")),
            &[count as u32],
            &labels,
        );
    }
}

#[test]
fn idx_and_cifar_readers_train() {
    let dir = tempfile::tempdir().unwrap();
    let fm = dir.path().join("fm");
    tiny_fmnist(&fm, 200);
    let spec = format!("fashion-mnist:{}", fm.display());
    let run = dir.path().join("fm-run");
    ok(&[
        "train",
        "--data",
        &spec,
        "--epochs",
        "2",
        "--widths",
        "32",
        "-o",
        run.to_str().unwrap(),
    ]);
    assert!(metrics(&run)["final"]["test_top1"].as_f64().unwrap() > 30.0);

    // CIFAR-10 binary format: <label><3072 bytes>, five train batches and a test batch.
    let c10 = dir.path().join("c10");
    std::fs::create_dir_all(&c10).unwrap();
    let rec = |label: u8| {
        let mut r = vec![label];
        r.extend((0..3072).map(|p| {
            if p / 1024 == usize::from(label % 3) {
                200
            } else {
                10
            }
        }));
        r
    };
    for b in 1..=5 {
        let recs: Vec<u8> = (0..20u8).flat_map(|i| rec(i % 10)).collect();
        std::fs::write(c10.join(format!("data_batch_{b}.bin")), recs).unwrap();
    }
    std::fs::write(
        c10.join("test_batch.bin"),
        (0..20u8).flat_map(|i| rec(i % 10)).collect::<Vec<u8>>(),
    )
    .unwrap();
    let run = dir.path().join("c10-run");
    ok(&[
        "train",
        "--data",
        &format!("cifar10:{}", c10.display()),
        "--backbone",
        "cnn",
        "--epochs",
        "1",
        "--batch-size",
        "50",
        "-o",
        run.to_str().unwrap(),
    ]);
    // CIFAR-100: <coarse><fine><3072>.
    let c100 = dir.path().join("c100");
    std::fs::create_dir_all(&c100).unwrap();
    let rec100 = |i: u8| {
        let mut r = vec![i % 20, i % 100];
        r.extend(std::iter::repeat_n(i, 3072));
        r
    };
    std::fs::write(
        c100.join("train.bin"),
        (0..200u8).flat_map(rec100).collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(
        c100.join("test.bin"),
        (0..100u8).flat_map(rec100).collect::<Vec<u8>>(),
    )
    .unwrap();
    for (spec, k) in [("cifar100", 100usize), ("cifar100-coarse", 20)] {
        let run = dir.path().join(spec);
        ok(&[
            "train",
            "--data",
            &format!("{spec}:{}", c100.display()),
            "--epochs",
            "1",
            "--widths",
            "16",
            "--dim",
            "8",
            "-o",
            run.to_str().unwrap(),
        ]);
        assert_eq!(
            metrics(&run)["dataset"]["classes"]
                .as_array()
                .unwrap()
                .len(),
            k
        );
    }
}

#[test]
fn csv_and_folder_readers_train() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    let mut text = String::from("a,b,species\n");
    for i in 0..60 {
        let (name, x) = [("setosa", 0.0), ("versicolor", 5.0), ("virginica", 10.0)][i % 3];
        text.push_str(&format!("{},{},{name}\n", x + (i as f64) * 0.01, -x));
    }
    std::fs::write(&csv, text).unwrap();
    let run = dir.path().join("csv-run");
    ok(&[
        "train",
        "--data",
        &format!("csv:{}", csv.display()),
        "--label-column",
        "species",
        "--epochs",
        "3",
        "--widths",
        "8",
        "-o",
        run.to_str().unwrap(),
    ]);
    let m = metrics(&run);
    assert_eq!(
        m["dataset"]["classes"],
        serde_json::json!(["setosa", "versicolor", "virginica"])
    );
    // Prediction reads feature rows of the same CSV (the label column is ignored).
    assert_eq!(
        ok(&["predict", run.to_str().unwrap(), csv.to_str().unwrap()])
            .lines()
            .count(),
        60
    );

    let folder = dir.path().join("imgs");
    for (c, shade) in [("dark", 20u8), ("light", 230u8)] {
        std::fs::create_dir_all(folder.join(c)).unwrap();
        for i in 0..6u8 {
            let img = image::GrayImage::from_fn(8, 8, |x, _| {
                image::Luma([shade.saturating_add(i).saturating_sub(x as u8)])
            });
            img.save(folder.join(c).join(format!("{i}.png"))).unwrap();
        }
    }
    let run = dir.path().join("folder-run");
    ok(&[
        "train",
        "--data",
        &format!("folder:{}", folder.display()),
        "--epochs",
        "2",
        "--widths",
        "8",
        "--dim",
        "2",
        "-o",
        run.to_str().unwrap(),
    ]);
    let out = ok(&[
        "predict",
        run.to_str().unwrap(),
        folder.join("light").to_str().unwrap(),
    ]);
    assert_eq!(out.lines().count(), 6);
}

#[test]
fn bad_input_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = d.join("r");
    let r = run.to_str().unwrap();
    fails(
        &["train", "--data", "fashion-mnist:/nonexistent", "-o", r],
        "/nonexistent/train-images-idx3-ubyte",
    );
    fails(&["train", "--data", "mnist", "-o", r], "--data = mnist");
    fails(&["train", "--dim", "1", "-o", r], "--dim = 1");
    fails(
        &["train", "--method", "etf", "--dim", "3", "-o", r],
        "--dim = 3",
    );

    // Wrong IDX magic, truncated images, labels out of range, a class without training data.
    let fm = d.join("fm");
    tiny_fmnist(&fm, 40);
    let spec = format!("fashion-mnist:{}", fm.display());
    let imgs = fm.join("train-images-idx3-ubyte");
    let good = std::fs::read(&imgs).unwrap();
    let mut bad = good.clone();
    bad[2] = 0x0d;
    std::fs::write(&imgs, &bad).unwrap();
    fails(&["train", "--data", &spec, "-o", r], "IDX type 0x0d");
    std::fs::write(&imgs, &good[..good.len() - 100]).unwrap();
    fails(&["train", "--data", &spec, "-o", r], "truncated");
    std::fs::write(&imgs, &good).unwrap();
    let labels = fm.join("train-labels-idx1-ubyte");
    let good_l = std::fs::read(&labels).unwrap();
    let mut l = good_l.clone();
    l[8] = 12;
    std::fs::write(&labels, &l).unwrap();
    fails(
        &["train", "--data", &spec, "-o", r],
        "label 12 out of range",
    );
    let l: Vec<u8> = good_l
        .iter()
        .enumerate()
        .map(|(i, &v)| if i >= 8 && v == 3 { 4 } else { v })
        .collect();
    std::fs::write(&labels, &l).unwrap();
    fails(
        &["train", "--data", &spec, "-o", r],
        "class 3 (Dress) has no training example",
    );

    // Prototypes of the wrong shape.
    let p = d.join("p.npy");
    ok(&[
        "prototypes",
        "-k",
        "5",
        "-d",
        "3",
        "-o",
        p.to_str().unwrap(),
    ]);
    fails(
        &[
            "train",
            "--prototypes",
            p.to_str().unwrap(),
            "--dim",
            "3",
            "-o",
            r,
        ],
        "expected (10, 3)",
    );

    // CSV: a non-numeric feature names its line and column; a missing label column.
    let csv = d.join("bad.csv");
    std::fs::write(&csv, "x,y\n1,a\n2,b\nfoo,a\n").unwrap();
    fails(
        &[
            "train",
            "--data",
            &format!("csv:{}", csv.display()),
            "--label-column",
            "y",
            "-o",
            r,
        ],
        "line 4, column 1",
    );
    fails(
        &[
            "train",
            "--data",
            &format!("csv:{}", csv.display()),
            "--label-column",
            "z",
            "-o",
            r,
        ],
        "no column named \"z\"",
    );

    // A diverging loss stops training with the last good checkpoint named.
    fails(
        &[
            "train", "--method", "psc", "--lr", "1e30", "--epochs", "2", "-o", r,
        ],
        "training loss became",
    );
}

#[test]
fn long_tailed_runs_report_head_medium_tail() {
    let dir = tempfile::tempdir().unwrap();
    for (method, extra) in [("dl2pa", vec!["--mixup", "1"]), ("psc", vec![])] {
        let run = dir.path().join(method);
        let mut args = vec![
            "train",
            "--method",
            method,
            "--imbalance",
            "0.1",
            "--epochs",
            "3",
            "--widths",
            "32",
            "--dim",
            "3",
            "-o",
            run.to_str().unwrap(),
        ];
        args.extend(extra);
        let out = ok(&args);
        assert!(out.contains("head/medium/tail"), "{out}");
        let m = metrics(&run);
        let counts: Vec<u64> = m["final"]["train_counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        // digits' smallest training class has 139 examples: 139 → 14 from class 0 to class 9.
        assert_eq!((counts[0], counts[9]), (139, 14), "{counts:?}");
        assert!(counts.windows(2).all(|w| w[0] >= w[1]));
        assert_eq!(m["final"]["group_classes"], serde_json::json!([2, 6, 2]));
        assert!(m["final"]["tail"].as_f64().is_some());
    }
}

#[test]
fn long_tail_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r");
    let r = r.to_str().unwrap();
    fails(&["train", "--imbalance", "0", "-o", r], "--imbalance = 0");
    fails(
        &["train", "--imbalance", "1.5", "-o", r],
        "--imbalance = 1.5",
    );
    fails(
        &["train", "--imbalance", "0.001", "-o", r],
        "leaves class 8 at least one example",
    );
    fails(&["train", "--mixup=-1", "-o", r], "--mixup = -1");
    fails(
        &[
            "train",
            "--imbalance",
            "0.5",
            "--class-order",
            "0,1",
            "-o",
            r,
        ],
        "--class-order = 0,1",
    );
}

#[test]
fn more_prototypes_than_classes_use_the_rectangular_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::prototypes_npy(dir.path(), 12, 3);
    let run = dir.path().join("run");
    ok(&[
        "train",
        "--prototypes",
        p.to_str().unwrap(),
        "--dim",
        "3",
        "--epochs",
        "2",
        "--widths",
        "32",
        "-o",
        run.to_str().unwrap(),
    ]);
    let m = metrics(&run);
    let sigma: Vec<u64> = m["final"]["sigma"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let mut seen = [false; 12];
    for &s in &sigma {
        assert!(
            s < 12 && !std::mem::replace(&mut seen[s as usize], true),
            "σ must be injective into 12 prototypes: {sigma:?}"
        );
    }
    assert_eq!(sigma.len(), 10);
}

/// CIFAR: a file that is not whole records, a label out of range and a missing batch each stop
/// with one line naming the file (and the record).
#[test]
fn cifar_bad_input_names_file_and_record() {
    let dir = tempfile::tempdir().unwrap();
    let c10 = dir.path().join("c10");
    std::fs::create_dir_all(&c10).unwrap();
    let r = dir.path().join("r");
    let r = r.to_str().unwrap();
    let spec = format!("cifar10:{}", c10.display());
    let record = |label: u8| [vec![label], vec![7u8; 3072]].concat();
    for b in 1..=5 {
        std::fs::write(c10.join(format!("data_batch_{b}.bin")), record(b)).unwrap();
    }
    fails(
        &["train", "--data", &spec, "-o", r],
        "test_batch.bin: No such file",
    );
    std::fs::write(c10.join("test_batch.bin"), &record(1)[..3072]).unwrap();
    fails(
        &["train", "--data", &spec, "-o", r],
        "test_batch.bin: 3072 bytes: expected a multiple of 3073",
    );
    std::fs::write(c10.join("test_batch.bin"), [record(1), record(12)].concat()).unwrap();
    fails(
        &["train", "--data", &spec, "-o", r],
        "test_batch.bin: record 1: label 12 out of range: expected 0..10",
    );
}
