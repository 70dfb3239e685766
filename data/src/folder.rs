//! A folder with one sub-folder of PNG/JPEG images per class (`DIR/<class>/<image>`).
//!
//! Classes are the sub-folder names in sorted order. Hidden entries (`.*`: `.DS_Store`,
//! `.ipynb_checkpoints/`) are never classes or images; any other entry that is not a class
//! folder (at the top) or an image (in a class folder) is an error rather than skipped. Every
//! image must have the size of the first one. The folder is read as RGB when any of its images is
//! stored in colour (RGB, RGBA, palette, CMYK), its grayscale images then as gray RGB; as
//! grayscale only when every image is — whatever the order of the files.

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
    let mut images = Vec::new();
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
            let img = image::decode(&file, None)?;
            if let Some((first, _, _)) = images.first() {
                same_size(&file, &img, first)?;
            }
            images.push((img, file, c as u32));
        }
    }
    let Some((first, _, _)) = images.first() else {
        return Err(Error::format(dir, "no PNG or JPEG images found"));
    };
    let channels = images.iter().map(|(i, _, _)| i.shape.channels).max();
    let shape = Shape {
        channels: channels.unwrap_or(1),
        ..first.shape
    };
    let mut split = Split::default();
    for (img, _, c) in images {
        split.x.extend(image::with_channels(img, shape.channels));
        split.y.push(c);
    }
    Ok((split, classes, shape))
}

/// An error naming `file` when `img` has another size than the folder's first image.
fn same_size(file: &Path, img: &image::Image, first: &image::Image) -> Result<()> {
    let (a, b) = (img.shape, first.shape);
    if (a.height, a.width) == (b.height, b.width) {
        return Ok(());
    }
    Err(Error::format(
        file,
        format!(
            "image is {}x{}: expected {}x{} like the first image",
            a.width, a.height, b.width, b.height
        ),
    ))
}
