//! Records the commit this build comes from (`DL2PA_COMMIT`: short hash, or `unknown` outside a
//! git checkout) for `dl2pa --version`, `metrics.json` and the line every results table starts
//! with, so a figure can be matched with the code that made it even when an older binary made it.
//! Uncommitted changes are not detected: a results script runs on committed code. Nor is a
//! switch between two checkouts (a worktree) that share one target dir: cargo takes them for the
//! same package and watches the files of the one built last, so `docs/results/common.sh` checks
//! the stamp of the build it makes against HEAD.
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short=7", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DL2PA_COMMIT={commit}");
    // Run again when HEAD moves: a checkout changes HEAD, a commit the branch's ref (loose or
    // packed). `--git-path` finds each file in a linked worktree too. Only files that exist:
    // cargo reruns a script whose watched file is missing on every build.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
