//! The losses and baselines of the objective study: cross-entropy over the cosines to every
//! prototype (`--loss ce`, with margin, label smoothing, mixup, long-tail weights and more
//! prototypes than classes), `cosine-softmax` and the vector warm-up resume bit for bit, and
//! their settings are checked like every other.

mod common;

use common::{fails, metrics, ok};
use dl2pa::config::{Loss, Method, TrainConfig};

/// Trains `cfg` straight through and, in a second run, stopped after epoch 1 and resumed: the
/// two must give the same bits (losses of every epoch, test metrics, σ).
fn resumes_exactly(cfg: &TrainConfig, dir: &std::path::Path) -> dl2pa::train::Summary {
    let dev = burn::prelude::Device::flex();
    let (a, b) = (dir.join("a"), dir.join("b"));
    let sa = dl2pa::train::train(cfg, &dev, &a, false, None, &mut |_| {}).unwrap();
    dl2pa::train::train(cfg, &dev, &b, false, Some(1), &mut |_| {}).unwrap();
    let sb = dl2pa::train::train(cfg, &dev, &b, true, None, &mut |_| {}).unwrap();
    assert_eq!(
        (sa.test_top1, sa.test_top5, sa.ece, &sa.sigma),
        (sb.test_top1, sb.test_top5, sb.ece, &sb.sigma)
    );
    let (ma, mb) = (metrics(&a), metrics(&b));
    for e in 0..cfg.epochs {
        assert_eq!(
            ma["epochs"][e]["train_loss"], mb["epochs"][e]["train_loss"],
            "epoch {e}"
        );
    }
    sa
}

fn quick(method: Method, loss: Loss) -> TrainConfig {
    TrainConfig {
        method,
        loss,
        epochs: 3,
        widths: vec![32],
        ..TrainConfig::default()
    }
}

#[test]
fn ce_over_more_prototypes_than_classes_with_every_option_resumes_exactly() {
    dl2pa::cache::fix_dir(None);
    let dir = tempfile::tempdir().unwrap();
    let p = common::prototypes_npy(dir.path(), 12, 3);
    let cfg = TrainConfig {
        prototypes: p.display().to_string(),
        scale: 10.0,
        margin: 0.1,
        label_smoothing: 0.1,
        mixup: 1.0,
        imbalance: 0.5,
        ..quick(Method::Dl2pa, Loss::Ce)
    };
    let s = resumes_exactly(&cfg, dir.path());
    assert!(s.test_top1 > 30.0, "top-1 {}", s.test_top1);
    assert!(s.sigma.iter().all(|&j| j < 12) && s.sigma.len() == 10);
}

#[test]
fn ce_with_the_fixed_assignment_and_cosine_softmax_resume_exactly() {
    dl2pa::cache::fix_dir(None);
    let dir = tempfile::tempdir().unwrap();
    for (i, method) in [Method::Fixed, Method::CosineSoftmax]
        .into_iter()
        .enumerate()
    {
        let cfg = TrainConfig {
            margin: 0.2,
            ..quick(method, Loss::Ce)
        };
        let s = resumes_exactly(&cfg, &dir.path().join(i.to_string()));
        assert!(s.test_top1 > 30.0, "{method:?}: top-1 {}", s.test_top1);
    }
}

/// `--assign-init means`: σ starts from the untrained network's class means, and the run resumes
/// bit for bit (the checkpoint keeps σ and the means it started from).
#[test]
fn an_assignment_started_from_the_class_means_resumes_exactly() {
    dl2pa::cache::fix_dir(None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig {
        assign_init: dl2pa::config::AssignInit::Means,
        ..quick(Method::Dl2pa, Loss::Ce)
    };
    let s = resumes_exactly(&cfg, dir.path());
    assert!(s.test_top1 > 30.0, "top-1 {}", s.test_top1);
}

/// `--vector-warmup 1`: epoch 1 trains the cosine softmax and moves no label; epoch 2 starts by
/// solving σ on the learned class vectors (one update at the iteration the warm-up ended), and
/// `fixed` keeps that σ. Stopped after epoch 1, the resumed run crosses the switch bit for bit.
#[test]
fn the_vector_warmup_solves_sigma_once_on_the_class_vectors_and_resumes_exactly() {
    dl2pa::cache::fix_dir(None);
    let dir = tempfile::tempdir().unwrap();
    for method in [Method::Dl2pa, Method::Fixed] {
        let cfg = TrainConfig {
            vector_warmup: 1,
            ..quick(method, Loss::Cos)
        };
        let run = dir.path().join(method.name());
        let s = resumes_exactly(&cfg, &run);
        assert!(s.test_top1 > 30.0, "{method:?}: top-1 {}", s.test_top1);
        let m = metrics(&run.join("a"));
        let updates = |e: usize| m["epochs"][e]["updates"].as_array().unwrap().clone();
        assert!(updates(0).is_empty(), "{method:?}: the warm-up moved σ");
        let switch = &updates(1)[0];
        assert!(
            switch["moved"].as_u64().unwrap() > 0,
            "{method:?}: {switch}"
        );
        let n = m["dataset"]["train_examples"].as_u64().unwrap() as usize;
        assert_eq!(
            switch["iteration"].as_u64().unwrap() as usize,
            n.div_ceil(cfg.batch_size),
            "{method:?}: the switch is not at the end of epoch 1"
        );
        if method == Method::Fixed {
            assert_eq!(updates(1).len() + updates(2).len(), 1, "fixed re-solved σ");
        }
    }
}

/// The loss settings change how training goes on, not what the run is: `--resume` may change
/// them (the schedule's other settings too), and a finished run says what it used.
#[test]
fn a_resume_may_change_the_loss_and_its_scale() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    let common = ["--widths", "16", "--epochs", "2", "--dim", "3"];
    ok(&[&["train", "--stop-after", "1", "-o", r][..], &common[..]].concat());
    ok(&[
        "train",
        "--resume",
        r,
        "--loss",
        "ce",
        "--scale",
        "12",
        "--margin",
        "0.1",
        "--label-smoothing",
        "0.05",
    ]);
    let cfg = TrainConfig::from_file(&run.join("config.toml")).unwrap();
    assert_eq!(
        (cfg.loss, cfg.scale, cfg.margin, cfg.label_smoothing),
        (Loss::Ce, 12.0, 0.1, 0.05)
    );
    assert_eq!(metrics(&run)["epochs"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_loss_settings_are_one_line_errors() {
    for (flag, value, expected) in [
        ("--scale", "-1", ">= 0"),
        ("--scale", "nan", ">= 0"),
        ("--margin", "1", "[0, 1)"),
        ("--label-smoothing", "-0.1", "[0, 1)"),
        ("--vector-warmup", "1", "fewer than --epochs (1)"),
    ] {
        let arg = format!("{flag}={value}");
        fails(&["train", &arg, "--epochs", "1"], expected);
    }
}

#[test]
fn the_vector_warmup_is_refused_where_there_is_no_sigma_to_start() {
    for method in ["psc", "cosine-softmax", "etf"] {
        fails(
            &[
                "train",
                "--method",
                method,
                "--vector-warmup",
                "1",
                "--epochs",
                "2",
            ],
            &format!("0 with --method {method}"),
        );
    }
}
