//! A folder with one sub-folder of PNG/JPEG images per class (`DIR/<class>/<image>`).
//!
//! Classes are the sub-folder names in sorted order. Hidden entries (`.*`: `.DS_Store`,
//! `.ipynb_checkpoints/`) are never classes or images; any other entry that is not a class
//! folder (at the top) or an image (in a class folder) is an error rather than skipped. Every
//! image must have the size of the first one; images are read as grayscale when the first image
//! is grayscale, else as RGB.

use std::path::{Path, PathBuf};

use super::{Shape, Split, entries, image};
use crate::error::{Error, Result};

/// Loads every image; returns the examples, the class names and the shape.
///
/// # Errors
/// [`Error::Format`] naming the entry for a file among the class folders, a file in a class
/// folder that is not a PNG/JPEG image, an image that does not decode or differs in size; no
/// class folder or no image at all.
pub fn load(dir: &Path) -> Result<(Split, Vec<String>, Shape)> {
    let mut class_dirs: Vec<PathBuf> = Vec::new();
    for p in entries::visible(dir)? {
        if !p.is_dir() {
            return Err(Error::format(
                &p,
                "not a class folder: expected DIR/<class>/<images> (hidden entries are skipped)",
            ));
        }
        class_dirs.push(p);
    }
    if class_dirs.is_empty() {
        return Err(Error::format(
            dir,
            "no class sub-folders: expected DIR/<class>/<images>",
        ));
    }
    let mut split = Split::default();
    let mut shape: Option<Shape> = None;
    let mut classes = Vec::new();
    for (c, cdir) in class_dirs.iter().enumerate() {
        classes.push(
            cdir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        for file in entries::visible(cdir)? {
            if !image::is_image_file(&file) {
                return Err(Error::format(
                    &file,
                    "not a PNG or JPEG image (hidden entries are skipped)",
                ));
            }
            let values = match shape {
                None => {
                    let img = image::decode(&file, None)?;
                    shape = Some(img.shape);
                    img.values
                }
                Some(s) => image::decode_as(&file, s).map_err(|e| match e {
                    Error::Format { path, msg } => Error::Format {
                        path,
                        msg: format!("{msg} like the first image"),
                    },
                    other => other,
                })?,
            };
            split.x.extend(values);
            split.y.push(c as u32);
        }
    }
    let shape = shape.ok_or_else(|| Error::format(dir, "no PNG or JPEG images found"))?;
    Ok((split, classes, shape))
}
