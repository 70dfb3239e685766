//! `lap_bench`: dl2pa-core's solver behind the plug-in protocol of `bench/lap`.
//!
//! ```text
//! lap_bench [--f64] <matrix.bin>              # driver protocol: stdout σ, stderr last line = seconds
//! lap_bench --warm EPS [--f64] <matrix.bin>   # cold vs warm start after perturbing costs by EPS·U(-1,1)
//! lap_bench --random N KIND [--f64]            # a generated N×N matrix (KIND uniform|cos16|cos64)
//! ```
//! `--random` needs no file (for machines without the benchmark's data); its generator is
//! xorshift-based, so its matrices are not the driver's.
//! The matrix is LAPMAT01 (f64, row-major), minimised. By default it is solved in f32 (rounded
//! once, outside the timer), the kernel DL2PA uses; `--f64` solves it in f64. The timer covers
//! validation and solve, not file reading or printing; `LAPBENCH_WARMUP=1` does one untimed
//! solve first.
use std::time::Instant;

use dl2pa_core::assign::{Cost, Problem, Workspace};

trait FromF64: Cost {
    fn from_f64(x: f64) -> Self;
}
impl FromF64 for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
}
impl FromF64 for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
}

fn read_matrix(path: &str) -> Result<(usize, usize, Vec<f64>), String> {
    let buf = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if buf.len() < 24 || &buf[..8] != b"LAPMAT01" {
        return Err(format!("{path}: expected a LAPMAT01 header"));
    }
    let word = |k: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&buf[k..k + 8]);
        u64::from_le_bytes(w) as usize
    };
    let (rows, cols) = (word(8), word(16));
    let expected = rows
        .checked_mul(cols)
        .and_then(|x| x.checked_mul(8))
        .and_then(|x| x.checked_add(24));
    if expected != Some(buf.len()) {
        return Err(format!(
            "{path}: size does not match {rows} x {cols} f64 values"
        ));
    }
    let data = buf[24..]
        .chunks_exact(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            f64::from_le_bytes(w)
        })
        .collect();
    Ok((rows, cols, data))
}

fn buffers<T: Cost>(n: usize, m: usize) -> (Vec<T>, Vec<u32>) {
    (
        vec![T::ZERO; Workspace::<T>::floats_needed(n, m)],
        vec![0; Workspace::<T>::indices_needed(n, m)],
    )
}

/// Driver protocol: σ on stdout, solve seconds as the last stderr line.
fn protocol<T: FromF64>(n: usize, m: usize, data: &[f64]) -> Result<(), String> {
    let c: Vec<T> = data.iter().map(|&x| T::from_f64(x)).collect();
    let (mut f, mut i) = buffers::<T>(n, m);
    let mut ws = Workspace::new(&mut f, &mut i);
    if std::env::var("LAPBENCH_WARMUP").as_deref() == Ok("1") {
        let p = Problem::minimize(&c, n, m).map_err(|e| e.to_string())?;
        ws.solve(&p).map_err(|e| e.to_string())?;
    }
    let t = Instant::now();
    let p = Problem::minimize(&c, n, m).map_err(|e| e.to_string())?;
    let sol = ws.solve(&p).map_err(|e| e.to_string())?;
    let secs = t.elapsed().as_secs_f64();
    let out: Vec<String> = sol.assignment().iter().map(|j| j.to_string()).collect();
    println!("{}", out.join(" "));
    eprintln!("{secs:.6}");
    Ok(())
}

/// Cold solve of a perturbed matrix vs warm start from the original's duals.
fn warm<T: FromF64>(n: usize, m: usize, data: &[f64], eps: f64) -> Result<(), String> {
    let c: Vec<T> = data.iter().map(|&x| T::from_f64(x)).collect();
    // Deterministic perturbation (xorshift64*), so runs are comparable.
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let c2: Vec<T> = data
        .iter()
        .map(|&x| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let u = (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
            T::from_f64(x + eps * (2.0 * u - 1.0))
        })
        .collect();
    let err = |e: dl2pa_core::Error| e.to_string();
    let p1 = Problem::minimize(&c, n, m).map_err(err)?;
    let p2 = Problem::minimize(&c2, n, m).map_err(err)?;

    let (mut f, mut i) = buffers::<T>(n, m);
    let mut ws = Workspace::new(&mut f, &mut i);
    let cold_sol = ws.solve(&p2).map_err(err)?;
    eprintln!("cold stats: {:?}", cold_sol.stats());
    let cold = cold_sol.assignment().to_vec();
    // Cold and warm are timed alike: the mean of `reps` solves on a workspace already touched,
    // alternating between the two matrices.
    let reps = 10;
    let mut cold_s = 0.0;
    for r in 0..reps {
        let p = if r % 2 == 0 { &p2 } else { &p1 };
        let t = Instant::now();
        ws.solve(p).map_err(err)?;
        cold_s += t.elapsed().as_secs_f64() / reps as f64;
    }
    // Warm solves alternate between the two matrices, each from the other's duals, as DL2PA
    // moves from one update to the next.
    ws.solve(&p1).map_err(err)?;
    let mut warm_s = 0.0;
    for r in 0..reps {
        let p = if r % 2 == 0 { &p2 } else { &p1 };
        let t = Instant::now();
        let st = ws.solve_warm(p).map_err(err)?.stats();
        let dt = t.elapsed().as_secs_f64();
        warm_s += dt / reps as f64;
        if std::env::var_os("LAPBENCH_VERBOSE").is_some() {
            eprintln!("warm rep {r}: {dt:.6} s {st:?}");
        }
    }
    ws.solve(&p1).map_err(err)?;
    let sol = ws.solve_warm(&p2).map_err(err)?;
    let st = sol.stats();
    eprintln!("warm stats: {st:?}");
    let moved = sol
        .assignment()
        .iter()
        .zip(&cold)
        .filter(|(a, b)| a != b)
        .count();
    let total = |a: &[u32]| {
        a.iter()
            .enumerate()
            .map(|(r, &j)| data[r * m + j as usize])
            .sum::<f64>()
    };
    println!(
        "n={n} eps={eps:e} cold_s={cold_s:.6} warm_s={warm_s:.6} speedup={:.1} warm_used={} same_total={} rows_differing={moved}",
        cold_s / warm_s,
        sol.warm_started(),
        (total(sol.assignment()) - total(&cold)).abs() <= 1e-6 * total(&cold).abs().max(1.0),
    );
    Ok(())
}

/// A deterministic N×N matrix like the driver's kinds: U[0,1), or −cos of unit vectors in R^16/R^64.
fn random_matrix(n: usize, kind: &str) -> Result<Vec<f64>, String> {
    let mut s = 0x2545_F491_4F6C_DD1Du64 ^ n as u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let d = match kind {
        "uniform" => return Ok((0..n * n).map(|_| next()).collect()),
        "cos16" => 16,
        "cos64" => 64,
        other => return Err(format!("unknown kind {other}: uniform, cos16 or cos64")),
    };
    let mut unit = |count: usize| {
        let mut v: Vec<f64> = (0..count * d).map(|_| 2.0 * next() - 1.0).collect();
        for r in v.chunks_exact_mut(d) {
            let norm = r.iter().map(|x| x * x).sum::<f64>().sqrt();
            r.iter_mut().for_each(|x| *x /= norm);
        }
        v
    };
    let (a, b) = (unit(n), unit(n));
    Ok(a.chunks_exact(d)
        .flat_map(|x| {
            b.chunks_exact(d)
                .map(move |y| -x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        })
        .collect())
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(k) = args.iter().position(|a| a == "--random") {
        let n: usize = args
            .get(k + 1)
            .and_then(|s| s.parse().ok())
            .ok_or("--random needs N")?;
        let kind = args.get(k + 2).map_or("cos16", String::as_str);
        let data = random_matrix(n, kind)?;
        let t = Instant::now();
        let r = if args.iter().any(|a| a == "--f64") {
            protocol::<f64>(n, n, &data)
        } else {
            protocol::<f32>(n, n, &data)
        };
        eprintln!(
            "random {kind} n={n}: total wall {:.3} s including printing",
            t.elapsed().as_secs_f64()
        );
        return r;
    }
    let use_f64 = args.iter().any(|a| a == "--f64");
    let eps = match args.iter().position(|a| a == "--warm") {
        Some(k) => Some(
            args.get(k + 1)
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or("--warm needs EPS")?,
        ),
        None => None,
    };
    let path = args
        .last()
        .filter(|a| !a.starts_with("--"))
        .ok_or("usage: lap_bench [--f64] [--warm EPS] <matrix.bin>")?;
    let (n, m, data) = read_matrix(path)?;
    match (eps, use_f64) {
        (None, false) => protocol::<f32>(n, m, &data),
        (None, true) => protocol::<f64>(n, m, &data),
        (Some(e), false) => warm::<f32>(n, m, &data, e),
        (Some(e), true) => warm::<f64>(n, m, &data, e),
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("lap_bench: {e}");
        std::process::exit(1);
    }
}
