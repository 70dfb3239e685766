//! `experiment k100`: the paper's K = 100, d ≪ K regime on labelled synthetic data whose 100
//! classes form 20 groups of related classes, as CIFAR-100's superclasses.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use burn::prelude::Device;

use super::jobs::{self, Job};
use super::{ExperimentConfig, Trained, mean_spread, write_table};
use crate::config::Method;
use crate::error::{Error, Result};
use crate::prototypes::class_rows;

pub(super) fn run(
    cfg: &ExperimentConfig,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<()> {
    let data = cfg
        .data
        .clone()
        .unwrap_or_else(|| "synthetic:classes=100,groups=20".into());
    let ds = cfg.dims.clone().unwrap_or_else(|| vec![5, 10, 25, 50]);
    let mut md = format!(
        "**Synthetic data** (`{data}`: classes drawn around 20 group centres, so classes of a group are related, like CIFAR-100's superclasses). Test top-1 (%), mean ± half-range over {} seed(s); *group cos* = mean cosine between the prototypes of two classes of the same group, minus the mean over all pairs (0 for an assignment blind to the groups).\n\n| d | dl2pa top-1 | fixed top-1 | dl2pa − fixed | dl2pa group cos | fixed group cos |\n|---|---|---|---|---|---|\n",
        cfg.seeds
    );
    let methods = [Method::Dl2pa, Method::Fixed];
    let list: Vec<Job> = ds
        .iter()
        .flat_map(|&d| methods.map(|method| (d, method)))
        .flat_map(|(d, method)| (0..cfg.seeds).map(move |seed| Job { d, method, seed }))
        .collect();
    let trained = jobs::run_all(cfg, &data, &list, device, log)?;
    for &d in &ds {
        let mut acc: BTreeMap<Method, Vec<f64>> = BTreeMap::new();
        let mut grp: BTreeMap<Method, Vec<f64>> = BTreeMap::new();
        for (j, t) in list.iter().zip(&trained).filter(|(j, _)| j.d == d) {
            acc.entry(j.method).or_default().push(t.top1());
            grp.entry(j.method).or_default().push(group_locality(t, d)?);
        }
        let f = |v: &[f64]| {
            let (m, s) = mean_spread(v);
            format!("{m:.2} ± {s:.2}")
        };
        let (a, b) = (&acc[&Method::Dl2pa], &acc[&Method::Fixed]);
        let gaps: Vec<f64> = a.iter().zip(b).map(|(a, b)| a - b).collect();
        let _ = writeln!(
            md,
            "| {d} | {} | {} | {:+.2} | {:.3} | {:.3} |",
            f(a),
            f(b),
            mean_spread(&gaps).0,
            mean_spread(&grp[&Method::Dl2pa]).0,
            mean_spread(&grp[&Method::Fixed]).0
        );
    }
    write_table(&cfg.out.join("k100.md"), &md)?;
    log(&format!("wrote {}", cfg.out.join("k100.md").display()));
    Ok(())
}

/// Mean cosine between the prototypes of two classes of the same group minus the mean over all
/// class pairs, for a run on synthetic data (class names `c{c}-g{group}`).
fn group_locality(t: &Trained, d: usize) -> Result<f64> {
    let classes = t.dir.info()?.schema.classes;
    let (p, _) = t
        .dir
        .prototypes(d)?
        .ok_or_else(|| Error::format(t.dir.path(), "no prototypes.npy"))?;
    let cp = class_rows(&p, &t.summary.sigma, d);
    let group = |c: usize| {
        classes
            .get(c)?
            .rsplit('g')
            .next()
            .and_then(|g| g.parse::<usize>().ok())
    };
    let cos = |a: usize, b: usize| {
        f64::from(dl2pa_core::sphere::dot(
            &cp[a * d..(a + 1) * d],
            &cp[b * d..(b + 1) * d],
        ))
    };
    let k = t.summary.sigma.len();
    let (mut same, mut ns, mut all, mut na) = (0.0, 0usize, 0.0, 0usize);
    for a in 0..k {
        for b in a + 1..k {
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
