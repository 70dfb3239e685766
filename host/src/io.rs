//! Files: atomic writes, and `.npy` arrays written atomically (the format is `data::npy`).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over `path`. A reader (or a killed run) sees the old file or the new one, never
/// half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_set(&[(path, bytes)])
}

/// Writes several files as one: every file is first written in full to a temporary beside it
/// (flushed to disk), and only when all are written are they renamed into place. An error while
/// writing any of them (a full disk, a missing directory) leaves every target as it was.
///
/// The renames are the only step that could still fail part-way; each stays within its target's
/// directory, where it needs nothing that creating the temporary did not, so in practice the set
/// lands whole.
pub fn write_atomic_set(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut staged: Vec<(PathBuf, &Path)> = Vec::with_capacity(files.len());
    for (i, &(path, bytes)) in files.iter().enumerate() {
        match stage(path, bytes, i) {
            Ok(tmp) => staged.push((tmp, path)),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(e);
            }
        }
    }
    let mut renames = staged.iter();
    for (tmp, path) in renames.by_ref() {
        if let Err(e) = std::fs::rename(tmp, path) {
            let _ = std::fs::remove_file(tmp);
            for (rest, _) in renames {
                let _ = std::fs::remove_file(rest);
            }
            return Err(Error::io(path, e));
        }
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path` and flushes it; returns the temporary's path
/// (named by the process and `slot`, so the files of one set never share a temporary).
fn stage(path: &Path, bytes: &[u8], slot: usize) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::format(path, "not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}.{slot}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(tmp)
}

/// Writes a row-major `f32` matrix to `path` as `.npy`, atomically.
pub fn write_npy(path: &Path, data: &[f32], rows: usize, cols: usize) -> Result<()> {
    write_atomic(path, &npy_bytes(data, rows, cols))
}

pub use crate::data::npy::{read as read_npy, to_bytes as npy_bytes};

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dl2pa-io-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_set_lands_whole() {
        let dir = scratch("whole");
        let (a, b) = (dir.join("a.bin"), dir.join("b.bin"));
        write_atomic_set(&[(&a, b"one"), (&b, b"two")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        assert_eq!(std::fs::read(&b).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            2,
            "no temporary is left"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failing_member_leaves_every_target_as_it_was() {
        let dir = scratch("fail");
        let a = dir.join("model.bin");
        std::fs::write(&a, b"old").unwrap();
        let missing = dir.join("no-such-dir").join("features.bin");
        let err = write_atomic_set(&[(&a, b"new"), (&missing, b"x")]).unwrap_err();
        assert!(err.to_string().contains("features.bin"), "{err}");
        assert_eq!(
            std::fs::read(&a).unwrap(),
            b"old",
            "the first file was not replaced"
        );
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "the staged temporary was removed: {left:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
