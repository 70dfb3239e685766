//! `dl2pa experiment NAME`: the paper's evidence rebuilt on the data these machines have, with
//! tables (Markdown + JSON) and plots (PNG + SVG) in one directory. Every training run keeps its
//! own run directory under `OUT/runs/`; a run that already finished is read back, not redone,
//! so a killed experiment continues where it stopped.

pub mod plots;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::Device;
use dl2pa_core::assign::{Problem, Solver};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::prototypes::{self, Method as ProtoMethod};
use crate::train::{self, config::Method, config::TrainConfig};
use plots::Series;

/// Which experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Experiment {
    /// Table 1 analogue: accuracy of dl2pa / fixed / psc / etf across embedding dimensions.
    Dims,
    /// Fig. 4 analogue: how much the assignment matters as d grows (churn, dl2pa − fixed).
    Assign,
    /// Table 7 analogue: prototype quality for K = 100 against ETF and published numbers.
    Protos,
    /// Fig. 3c analogue: solver time against K, cold and warm.
    Solver,
    /// The paper's K = 100, d ≪ K regime on labelled synthetic data with 20 groups of related classes.
    K100,
}

/// Settings of an experiment.
#[derive(Clone, Debug)]
pub struct Options {
    /// Which one.
    pub experiment: Experiment,
    /// Dataset spec (default: digits; k100: synthetic).
    pub data: Option<String>,
    /// Output directory.
    pub out: PathBuf,
    /// Seeds per configuration.
    pub seeds: u64,
    /// Epochs per run (default: the trainer's).
    pub epochs: Option<usize>,
    /// Embedding dimensions (default per experiment).
    pub dims: Option<Vec<usize>>,
    /// Extra training settings (a config file) applied to every run.
    pub base: TrainConfig,
    /// `anchors.json` of the shared prototype benchmark, for the published numbers.
    pub anchors: Option<PathBuf>,
    /// Largest K of the solver sweep.
    pub max_k: usize,
}

/// Runs `opts.experiment`; `log` gets one line per step.
pub fn run(opts: &Options, device: &Device, log: &mut dyn FnMut(&str)) -> Result<()> {
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    match opts.experiment {
        Experiment::Dims => dims(
            opts,
            device,
            log,
            &[Method::Dl2pa, Method::Fixed, Method::Psc, Method::Etf],
            &[2, 3, 5, 10, 32],
        ),
        Experiment::Assign => dims(
            opts,
            device,
            log,
            &[Method::Dl2pa, Method::Fixed],
            &[2, 3, 5, 10, 32],
        ),
        Experiment::Protos => protos(opts, device, log),
        Experiment::Solver => solver(opts, log),
        Experiment::K100 => k100(opts, device, log),
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    crate::io::write_atomic(path, text.as_bytes())
}

/// Trains `data` at dimension `d` with `method` and `seed` (plus the experiment's base settings)
/// in `OUT/runs/<method>-d<d>-s<seed>`; returns that directory and its `metrics.json`.
fn run_one(
    opts: &Options,
    data: &str,
    d: usize,
    m: Method,
    seed: u64,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<(PathBuf, Value)> {
    let mut cfg = TrainConfig {
        data: data.to_string(),
        dim: d,
        method: m,
        seed,
        ..opts.base.clone()
    };
    if let Some(e) = opts.epochs {
        cfg.epochs = e;
    }
    let dir = opts
        .out
        .join("runs")
        .join(format!("{}-d{d}-s{seed}", method_name(m)));
    let v = train_run(&cfg, &dir, device, log)?;
    Ok((dir, v))
}

/// Trains one configuration (or reads it back if it already finished); returns `metrics.json`.
fn train_run(
    cfg: &TrainConfig,
    dir: &Path,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<Value> {
    let metrics = dir.join("metrics.json");
    if let Ok(bytes) = std::fs::read(&metrics)
        && let Ok(v) = serde_json::from_slice::<Value>(&bytes)
        && !v["final"].is_null()
    {
        return Ok(v);
    }
    let resume = dir.join("state.json").exists();
    let t = Instant::now();
    let s = train::train(cfg, device, dir, resume, None, &mut |_| {})?;
    log(&format!(
        "{}: top-1 {:.2} % ({:.0} s)",
        dir.display(),
        s.eval.top1,
        t.elapsed().as_secs_f64()
    ));
    let bytes = std::fs::read(&metrics).map_err(|e| Error::io(&metrics, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::format(&metrics, e.to_string()))
}

fn mean_spread(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    (mean, if v.len() > 1 { (hi - lo) / 2.0 } else { 0.0 })
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Dl2pa => "dl2pa",
        Method::Fixed => "fixed",
        Method::Psc => "psc",
        Method::Etf => "etf",
    }
}

fn dims(
    opts: &Options,
    device: &Device,
    log: &mut dyn FnMut(&str),
    methods: &[Method],
    default_dims: &[usize],
) -> Result<()> {
    let data = opts.data.clone().unwrap_or_else(|| "digits".into());
    let ds: Vec<usize> = opts.dims.clone().unwrap_or_else(|| default_dims.to_vec());
    let k = train::prepare(
        &TrainConfig {
            data: data.clone(),
            method: Method::Psc,
            ..opts.base.clone()
        },
        device,
        None,
    )?
    .classes();
    let mut results: BTreeMap<(&str, usize), Vec<Value>> = BTreeMap::new();
    for &d in &ds {
        for &m in methods {
            if m == Method::Etf && d + 1 < k {
                continue;
            }
            for seed in 0..opts.seeds {
                let (_, v) = run_one(opts, &data, d, m, seed, device, log)?;
                results.entry((method_name(m), d)).or_default().push(v);
            }
        }
    }
    let top1 = |v: &Value| v["final"]["test_top1"].as_f64().unwrap_or(f64::NAN);
    // Table: methods × d.
    let mut md = format!(
        "Test top-1 (%), mean ± half-range over {} seed(s); data `{data}`, K = {k}.\n\n| method |",
        opts.seeds
    );
    for d in &ds {
        let _ = write!(md, " d = {d} |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(ds.len()));
    md.push('\n');
    let mut series = Vec::new();
    for &m in methods {
        let name = method_name(m);
        let _ = write!(md, "| {name} |");
        let mut pts = Vec::new();
        for &d in &ds {
            match results.get(&(name, d)) {
                Some(runs) => {
                    let accs: Vec<f64> = runs.iter().map(top1).collect();
                    let (mu, sp) = mean_spread(&accs);
                    let _ = write!(md, " {mu:.2} ± {sp:.2} |");
                    pts.push((d as f64, mu, sp));
                }
                None => md.push_str(" — |"),
            }
        }
        md.push('\n');
        series.push(Series {
            label: name.into(),
            points: pts,
        });
    }
    // The assignment's own effect: dl2pa − fixed at the same seeds (paired), and its churn.
    if methods.contains(&Method::Fixed) {
        md.push_str("\n| d | dl2pa − fixed (paired by seed) | labels moved, all updates (mean over seeds) | updates per run |\n|---|---|---|---|\n");
        for &d in &ds {
            let (Some(a), Some(b)) = (results.get(&("dl2pa", d)), results.get(&("fixed", d)))
            else {
                continue;
            };
            let gaps: Vec<f64> = a.iter().zip(b).map(|(x, y)| top1(x) - top1(y)).collect();
            let (g, gs) = mean_spread(&gaps);
            let churn: Vec<f64> = a
                .iter()
                .map(|v| v["final"]["churn"].as_f64().unwrap_or(0.0))
                .collect();
            let updates = a[0]["epochs"].as_array().map_or(0, |e| {
                e.iter()
                    .map(|r| r["updates"].as_array().map_or(0, Vec::len))
                    .sum::<usize>()
            });
            let _ = writeln!(
                md,
                "| {d} | {g:+.2} ± {gs:.2} | {:.1} | {updates} |",
                mean_spread(&churn).0
            );
        }
    }
    let stem = opts
        .out
        .join(if methods.len() == 2 { "assign" } else { "dims" });
    write(&stem.with_extension("md"), &md)?;
    let json: Vec<Value> = results.iter().map(|((m, d), runs)| json!({"method": m, "dim": d, "top1": runs.iter().map(top1).collect::<Vec<_>>()})).collect();
    write(
        &stem.with_extension("json"),
        &serde_json::to_string_pretty(&json).unwrap_or_default(),
    )?;
    plots::lines(
        &opts.out.join("accuracy_vs_d"),
        &format!("Test top-1 vs d ({data})"),
        "embedding dimension d",
        "test top-1 (%)",
        &series,
        false,
        false,
    )?;

    // Churn per update (dl2pa, seed 0) for each d.
    let churn: Vec<Series> = ds
        .iter()
        .filter_map(|&d| results.get(&("dl2pa", d)).map(|r| (d, &r[0])))
        .map(|(d, v)| Series {
            label: format!("d = {d}"),
            points: v["epochs"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|e| e["updates"].as_array().cloned().unwrap_or_default())
                .map(|u| {
                    (
                        u["iteration"].as_f64().unwrap_or(0.0),
                        u["moved"].as_f64().unwrap_or(0.0),
                        0.0,
                    )
                })
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    if !churn.is_empty() {
        plots::lines(
            &opts.out.join("churn"),
            "Labels moved per assignment update (dl2pa, seed 0; log iteration axis)",
            "iteration",
            "labels moved",
            &churn,
            true,
            false,
        )?;
    }
    // Training curves at the smallest d, seed 0.
    let d0 = ds[0];
    let curves: Vec<Series> = methods
        .iter()
        .filter_map(|&m| results.get(&(method_name(m), d0)).map(|r| (m, &r[0])))
        .map(|(m, v)| Series {
            label: method_name(m).into(),
            points: v["epochs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    e["eval"]["top1"]
                        .as_f64()
                        .map(|a| (e["epoch"].as_f64().unwrap_or(0.0), a, 0.0))
                })
                .collect(),
        })
        .collect();
    plots::lines(
        &opts.out.join(format!("curves_d{d0}")),
        &format!("Test top-1 per epoch at d = {d0}"),
        "epoch",
        "test top-1 (%)",
        &curves,
        false,
        false,
    )?;
    // The d = 2 picture: where the assignment put each class on the circle.
    if ds.contains(&2) {
        for m in ["dl2pa", "fixed"] {
            let dir = opts.out.join("runs").join(format!("{m}-d2-s0"));
            if dir.join("state.json").exists() {
                circle_plot(
                    &dir,
                    &opts.out.join(format!("circle_d2_{m}")),
                    &format!("d = 2, {m}: test embeddings and the prototype of each class"),
                    device,
                )?;
            }
        }
    }
    log(&format!("wrote {}", stem.with_extension("md").display()));
    Ok(())
}

/// Plots a d = 2 run's test embeddings and its class prototypes.
fn circle_plot(run: &Path, stem: &Path, title: &str, device: &Device) -> Result<()> {
    let r = train::load_run(run, device, None)?;
    let z = train::embeddings(&r.model, &r.setup.data.test, r.info.shape, device)?;
    let cp = r
        .class_protos
        .ok_or_else(|| Error::format(run, "no prototypes"))?;
    let n = r.setup.data.test.len().min(3000);
    plots::circle(
        stem,
        title,
        &z[..2 * n],
        &r.setup.data.test.y[..n],
        &cp,
        &r.info.classes,
    )
}

fn protos(opts: &Options, device: &Device, log: &mut dyn FnMut(&str)) -> Result<()> {
    let k = 100;
    let ds = opts
        .dims
        .clone()
        .unwrap_or_else(|| vec![3, 5, 10, 16, 32, 64, 128]);
    let anchors: Option<Value> = opts
        .anchors
        .as_ref()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut md = String::from(
        "Prototype quality for K = 100 (cosines; lower max is better). `best` = this project's default, `gaussian` = the paper's procedure (t = 2, 1 000 SGD steps), `published` = the authors' released file, `bound` = the proven lower bound on the max cosine.\n\n| d | best: max | best: min | best: mean-max | method | gaussian: max | published: max | bound | -1/(K-1) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let (mut s_best, mut s_gauss, mut s_pub) = (Vec::new(), Vec::new(), Vec::new());
    for &d in &ds {
        let est = |m: ProtoMethod| {
            prototypes::estimate(
                &prototypes::Options {
                    classes: k,
                    dim: d,
                    method: m,
                    steps: None,
                    batch: None,
                    seed: 0,
                },
                device,
                |_, _| {},
            )
        };
        let b = est(ProtoMethod::Best)?;
        let g = est(ProtoMethod::Gaussian)?;
        let a = anchors.as_ref().map(|a| &a[format!("{k}x{d}")]);
        let published = a.and_then(|a| a["official"]["max_cos"].as_f64());
        let bound = a.and_then(|a| a["lower_bounds"]["best"].as_f64());
        let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.4}"));
        let q = &b.quality;
        let _ = writeln!(
            md,
            "| {d} | {:.4} | {:.4} | {:.4} | {:?} | {:.4} | {} | {} | {:.4} |",
            q.max_cos,
            q.min_cos,
            q.mean_max_cos,
            b.used,
            g.quality.max_cos,
            f(published),
            f(bound),
            q.simplex_bound
        );
        s_best.push((d as f64, q.max_cos, 0.0));
        s_gauss.push((d as f64, g.quality.max_cos, 0.0));
        if let Some(p) = published {
            s_pub.push((d as f64, p, 0.0));
        }
        log(&format!(
            "K = {k}, d = {d}: best {:.4} ({:?}), gaussian {:.4}",
            q.max_cos, b.used, g.quality.max_cos
        ));
    }
    write(&opts.out.join("protos.md"), &md)?;
    let mut series = vec![
        Series {
            label: "best (this project)".into(),
            points: s_best,
        },
        Series {
            label: "gaussian (paper procedure)".into(),
            points: s_gauss,
        },
    ];
    if !s_pub.is_empty() {
        series.push(Series {
            label: "published files".into(),
            points: s_pub,
        });
    }
    plots::lines(
        &opts.out.join("protos"),
        "Largest pairwise cosine, K = 100",
        "d",
        "max cosine",
        &series,
        true,
        false,
    )
}

fn solver(opts: &Options, log: &mut dyn FnMut(&str)) -> Result<()> {
    let sizes: Vec<usize> = [100, 200, 500, 1000, 2000, 5000, 10_000]
        .into_iter()
        .filter(|&n| n <= opts.max_k)
        .collect();
    let mut md = String::from(
        "Assignment solve time (f32, one core) on K × K similarity matrices of random unit vectors in R^16; warm = the same solves started from the previous solve's duals, alternating between the matrix and a copy with every entry moved by up to 1e-4 (as successive DL2PA updates).\n\n| K | cold (ms) | warm (ms) | cold / warm | warm start used |\n|---|---|---|---|---|\n",
    );
    let (mut cold_s, mut warm_s) = (Vec::new(), Vec::new());
    for &n in &sizes {
        let (a, b) = (unit_rows(n, 16, 1), unit_rows(n, 16, 2));
        let sim: Vec<f32> = a
            .chunks_exact(16)
            .flat_map(|x| {
                b.chunks_exact(16)
                    .map(move |y| dl2pa_core::sphere::dot(x, y))
            })
            .collect();
        let mut jitter = 0x1234_5678u64;
        let moved: Vec<f32> = sim
            .iter()
            .map(|&s| {
                jitter = jitter.wrapping_mul(6364136223846793005).wrapping_add(1);
                s + 1e-4 * (((jitter >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0)
            })
            .collect();
        let p1 = Problem::maximize(&sim, n, n)?;
        let p2 = Problem::maximize(&moved, n, n)?;
        // As in training: every solve starts from the previous one's duals, alternating between
        // the two matrices; cold solves alternate the same way.
        let reps = if n <= 1000 { 10 } else { 4 };
        let mut s = Solver::new();
        let mut cold = 0.0;
        for r in 0..reps {
            let p = if r % 2 == 0 { &p2 } else { &p1 };
            let t = Instant::now();
            s.solve(p)?;
            cold += t.elapsed().as_secs_f64() / reps as f64;
        }
        s.solve(&p1)?;
        let (mut warm, mut used) = (0.0, true);
        for r in 0..reps {
            let p = if r % 2 == 0 { &p2 } else { &p1 };
            let t = Instant::now();
            used &= s.solve_warm(p)?.warm_started();
            warm += t.elapsed().as_secs_f64() / reps as f64;
        }
        let _ = writeln!(
            md,
            "| {n} | {:.3} | {:.3} | {:.1} | {used} |",
            cold * 1e3,
            warm * 1e3,
            cold / warm
        );
        cold_s.push((n as f64, cold * 1e3, 0.0));
        warm_s.push((n as f64, warm * 1e3, 0.0));
        log(&format!(
            "K = {n}: cold {:.3} ms, warm {:.3} ms",
            cold * 1e3,
            warm * 1e3
        ));
    }
    write(&opts.out.join("solver.md"), &md)?;
    plots::lines(
        &opts.out.join("solver"),
        "Assignment solve time vs K (dl2pa-core, f32, one core)",
        "K",
        "milliseconds",
        &[
            Series {
                label: "cold".into(),
                points: cold_s,
            },
            Series {
                label: "warm (after a 1e-4 perturbation)".into(),
                points: warm_s,
            },
        ],
        true,
        true,
    )
}

fn unit_rows(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f32> = (0..n * d)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    for r in v.chunks_exact_mut(d) {
        let _ = dl2pa_core::sphere::try_normalize(r);
    }
    v
}

fn k100(opts: &Options, device: &Device, log: &mut dyn FnMut(&str)) -> Result<()> {
    let data = opts
        .data
        .clone()
        .unwrap_or_else(|| "synthetic:classes=100,groups=20".into());
    let ds = opts.dims.clone().unwrap_or_else(|| vec![5, 10, 25, 50]);
    let mut md = format!(
        "**Synthetic data** (`{data}`: classes drawn around 20 group centres, so classes of a group are related, like CIFAR-100's superclasses). Test top-1 (%), mean ± half-range over {} seed(s); *group cos* = mean cosine between the prototypes of two classes of the same group, minus the mean over all pairs (0 for an assignment blind to the groups).\n\n| d | dl2pa top-1 | fixed top-1 | dl2pa − fixed | dl2pa group cos | fixed group cos |\n|---|---|---|---|---|---|\n",
        opts.seeds
    );
    for &d in &ds {
        let mut acc: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut grp: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for m in [Method::Dl2pa, Method::Fixed] {
            for seed in 0..opts.seeds {
                let (dir, v) = run_one(opts, &data, d, m, seed, device, log)?;
                acc.entry(method_name(m))
                    .or_default()
                    .push(v["final"]["test_top1"].as_f64().unwrap_or(f64::NAN));
                grp.entry(method_name(m))
                    .or_default()
                    .push(group_locality(&dir, d)?);
            }
        }
        let f = |v: &[f64]| {
            let (m, s) = mean_spread(v);
            format!("{m:.2} ± {s:.2}")
        };
        let gaps: Vec<f64> = acc["dl2pa"]
            .iter()
            .zip(&acc["fixed"])
            .map(|(a, b)| a - b)
            .collect();
        let _ = writeln!(
            md,
            "| {d} | {} | {} | {:+.2} | {:.3} | {:.3} |",
            f(&acc["dl2pa"]),
            f(&acc["fixed"]),
            mean_spread(&gaps).0,
            mean_spread(&grp["dl2pa"]).0,
            mean_spread(&grp["fixed"]).0
        );
    }
    write(&opts.out.join("k100.md"), &md)?;
    log(&format!("wrote {}", opts.out.join("k100.md").display()));
    Ok(())
}

/// Mean cosine between prototypes of classes in the same group minus the mean over all class
/// pairs, for a run on synthetic data (class names `c{c}-g{group}`).
fn group_locality(run: &Path, d: usize) -> Result<f64> {
    let state: Value = serde_json::from_slice(
        &std::fs::read(run.join("state.json")).map_err(|e| Error::io(run, e))?,
    )
    .map_err(|e| Error::format(run, e.to_string()))?;
    let info = train::read_info(run)?;
    let (p, _, _) = prototypes::load(&run.join("prototypes.npy"), None)?;
    let sigma: Vec<usize> = state["sigma"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .map(|v| v as usize)
        .collect();
    let group = |c: usize| {
        info.classes[c]
            .rsplit('g')
            .next()
            .and_then(|g| g.parse::<usize>().ok())
    };
    let cos = |a: usize, b: usize| {
        dl2pa_core::sphere::dot(
            &p[sigma[a] * d..(sigma[a] + 1) * d],
            &p[sigma[b] * d..(sigma[b] + 1) * d],
        ) as f64
    };
    let (mut same, mut ns, mut all, mut na) = (0.0, 0usize, 0.0, 0usize);
    for a in 0..sigma.len() {
        for b in a + 1..sigma.len() {
            let c = cos(a, b);
            all += c;
            na += 1;
            if group(a).is_some() && group(a) == group(b) {
                same += c;
                ns += 1;
            }
        }
    }
    Ok(same / ns.max(1) as f64 - all / na.max(1) as f64)
}
