//! Faults that must lose nothing: a run killed at any moment resumes to the result of an
//! uninterrupted one; a checkpoint that cannot be written names the path and keeps the previous
//! one; a second trainer on the same run is refused.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{fails, metrics, ok};

/// Digits, 12 epochs of the default MLP, σ re-solved every 7 iterations: long enough to be
/// killed in every phase.
const ARGS: [&str; 4] = ["--epochs", "12", "--assign-every", "7"];

fn train(run: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_dl2pa"))
        .env("DL2PA_CACHE_DIR", "")
        .args(["train", "--device", "cpu", "-o", run.to_str().unwrap()])
        .args(ARGS)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dl2pa")
}

/// Final σ, per-class accuracy and per-epoch losses of a finished run.
fn result(run: &Path) -> (serde_json::Value, serde_json::Value, Vec<f64>) {
    let m = metrics(run);
    let losses = m["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["train_loss"].as_f64().unwrap())
        .collect();
    (
        m["final"]["sigma"].clone(),
        m["final"]["per_class_accuracy"].clone(),
        losses,
    )
}

/// The same σ, per-class accuracy and per-epoch losses, bit for bit.
fn assert_same(a: &Path, b: &Path) {
    assert_eq!(result(a), result(b), "{}", b.display());
}

#[test]
fn a_run_killed_at_any_moment_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let mut args = vec!["train", "-o", whole.to_str().unwrap()];
    args.extend(ARGS);
    let t = std::time::Instant::now();
    ok(&args);
    let took = t.elapsed();
    // SIGKILL at 16 moments spread over the whole run: start-up, training, evaluation and
    // checkpointing.
    let mut partial = 0;
    for i in 0..16u32 {
        let run = dir.path().join(format!("killed-{i}"));
        let mut child = train(&run);
        std::thread::sleep(took * i / 16);
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let done = std::fs::read(run.join("state.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["epochs_done"].as_u64());
        partial += usize::from(done.is_some_and(|d| d < 12));
        if run.join("config.toml").exists() {
            ok(&["train", "--resume", run.to_str().unwrap()]);
        } else {
            // Killed before the run directory had its config: nothing to resume, train again.
            let mut a = vec!["train", "-o", run.to_str().unwrap()];
            a.extend(ARGS);
            ok(&a);
        }
        assert_same(&whole, &run);
        let leftovers: Vec<_> = std::fs::read_dir(&run)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    assert!(
        partial >= 4,
        "only {partial} of 16 kills left a run between checkpoints: the test did not test resuming"
    );
}

/// A checkpoint that cannot be written (here: a directory stands where the file goes) stops
/// training with one line naming the path; the previous checkpoint is intact and `--resume`
/// finishes the run as if nothing had happened.
#[test]
fn a_failed_checkpoint_write_names_the_path_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let mut args = vec!["train", "-o", whole.to_str().unwrap()];
    args.extend(ARGS);
    ok(&args);

    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    let mut args = vec!["train", "-o", r, "--stop-after", "2"];
    args.extend(ARGS);
    ok(&args);
    let blocker = run.join("ckpt/epoch-0003.model.bpk");
    std::fs::create_dir_all(blocker.join("in-the-way")).unwrap();
    let state = std::fs::read(run.join("state.json")).unwrap();
    fails(&["train", "--resume", r], "ckpt/epoch-0003.model.bpk: ");
    assert_eq!(std::fs::read(run.join("state.json")).unwrap(), state);
    assert!(run.join("ckpt/epoch-0002.model.bpk").is_file());
    std::fs::remove_dir_all(&blocker).unwrap();
    ok(&["train", "--resume", r]);
    assert_same(&whole, &run);
}

/// The same on a full disk, where the platform lets the test mount a small tmpfs.
#[test]
fn a_full_disk_while_checkpointing_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "skipped: cannot mount a tmpfs here (needs root); the injected failure above covers the code path"
        );
        return;
    }
    let outcome = std::panic::catch_unwind(|| {
        let whole = dir.path().join("whole");
        let mut args = vec!["train", "-o", whole.to_str().unwrap()];
        args.extend(ARGS);
        ok(&args);
        let run = mnt.join("run");
        let r = run.to_str().unwrap();
        let mut args = vec!["train", "-o", r, "--stop-after", "2"];
        args.extend(ARGS);
        ok(&args);
        let state = std::fs::read(run.join("state.json")).unwrap();
        // Fill the rest of the file system.
        let filler = mnt.join("filler");
        let _ = std::fs::write(&filler, vec![0u8; 4 << 20]);
        fails(&["train", "--resume", r], "No space left on device");
        assert_eq!(std::fs::read(run.join("state.json")).unwrap(), state);
        std::fs::remove_file(&filler).unwrap();
        ok(&["train", "--resume", r]);
        assert_same(&whole, &run);
    });
    let _ = Command::new("umount").arg(&mnt).status();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn a_second_trainer_on_the_same_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(run.join(".lock"))
        .unwrap();
    lock.try_lock().unwrap();
    std::fs::write(run.join(".lock"), b"4242").unwrap();
    fails(
        &["train", "--epochs", "1", "-o", run.to_str().unwrap()],
        "another dl2pa process (pid 4242) is training this run: wait for it to finish, or train into another directory with -o",
    );
    assert!(
        !run.join("config.toml").exists(),
        "the refused trainer wrote nothing"
    );
    drop(lock);
    ok(&[
        "train",
        "--epochs",
        "1",
        "--widths",
        "8",
        "-o",
        run.to_str().unwrap(),
    ]);
}
