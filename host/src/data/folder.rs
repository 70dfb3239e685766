//! A folder with one sub-folder of PNG/JPEG images per class (`DIR/<class>/<image>`).
//!
//! Classes are the sub-folder names in sorted order. Every image must have the size of the first
//! one; images are read as grayscale when the first image is grayscale, else as RGB.

use std::path::{Path, PathBuf};

use super::{Shape, Split};
use crate::error::{Error, Result};

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|err| Error::io(dir, err)))
        .collect::<Result<_>>()?;
    v.sort();
    Ok(v)
}

/// Loads every image; returns the examples, the class names and the shape.
pub fn load(dir: &Path) -> Result<(Split, Vec<String>, Shape)> {
    let class_dirs: Vec<PathBuf> = sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
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
        for file in sorted_entries(cdir)?.into_iter().filter(|p| is_image(p)) {
            let img = image::open(&file)
                .map_err(|e| Error::format(&file, format!("cannot decode image: {e}")))?;
            let s = *shape.get_or_insert_with(|| {
                let gray = matches!(
                    img.color(),
                    image::ColorType::L8
                        | image::ColorType::La8
                        | image::ColorType::L16
                        | image::ColorType::La16
                );
                Shape {
                    channels: if gray { 1 } else { 3 },
                    height: img.height() as usize,
                    width: img.width() as usize,
                }
            });
            if (img.height() as usize, img.width() as usize) != (s.height, s.width) {
                return Err(Error::format(
                    &file,
                    format!(
                        "image is {}x{}: expected {}x{} like the first image",
                        img.width(),
                        img.height(),
                        s.width,
                        s.height
                    ),
                ));
            }
            if s.channels == 1 {
                split.x.extend(
                    img.to_luma8()
                        .as_raw()
                        .iter()
                        .map(|&p| f32::from(p) / 255.0),
                );
            } else {
                // Channel-major (C, H, W), as the convolutions expect.
                let rgb = img.to_rgb8();
                for ch in 0..3 {
                    split
                        .x
                        .extend(rgb.pixels().map(|p| f32::from(p.0[ch]) / 255.0));
                }
            }
            split.y.push(c as u32);
        }
    }
    let shape = shape.ok_or_else(|| Error::format(dir, "no PNG or JPEG images found"))?;
    Ok((split, classes, shape))
}
