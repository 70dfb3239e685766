//! Decoding one PNG or JPEG image into the values a network reads: channel-major
//! (`C × H × W`), each pixel byte `p` as `p / 255`. The folder reader and `predict` both use it.

use std::path::Path;

use super::Shape;
use crate::error::{Error, Result};

/// Whether `path` names a PNG or JPEG file (by extension, any case).
pub fn is_image_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

/// Factor from a pixel byte to the value the networks read (before standardisation).
pub const PIXEL_SCALE: f64 = 1.0 / 255.0;

/// A pixel byte as the networks read it: `p / 255`.
pub fn pixel(p: u8) -> f32 {
    f32::from(p) / 255.0
}

/// A decoded image: its shape and `shape.features()` values in `[0, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// `1 × H × W` (grayscale) or `3 × H × W` (colour).
    pub shape: Shape,
    /// Channel-major values.
    pub values: Vec<f32>,
}

/// Decodes `path` as grayscale (`channels = Some(1)`), RGB (`Some(3)`), or as the file is stored
/// (`None`: grayscale files give 1 channel, everything else 3).
///
/// # Errors
/// [`Error::Format`] naming the file if it cannot be decoded.
pub fn decode(path: &Path, channels: Option<usize>) -> Result<Image> {
    let img =
        image::open(path).map_err(|e| Error::format(path, format!("cannot decode image: {e}")))?;
    let gray = matches!(
        img.color(),
        image::ColorType::L8
            | image::ColorType::La8
            | image::ColorType::L16
            | image::ColorType::La16
    );
    let channels = channels.unwrap_or(if gray { 1 } else { 3 });
    let shape = Shape {
        channels,
        height: img.height() as usize,
        width: img.width() as usize,
    };
    let values = if channels == 1 {
        img.to_luma8().as_raw().iter().map(|&p| pixel(p)).collect()
    } else {
        let rgb = img.to_rgb8();
        (0..3)
            .flat_map(|c| rgb.pixels().map(move |p| pixel(p.0[c])))
            .collect()
    };
    Ok(Image { shape, values })
}

/// The values of `img` with `channels` channels: a grayscale image (1 channel) as gray RGB
/// (each value three times, as the decoder's RGB conversion of a grayscale file gives), else
/// unchanged.
pub fn with_channels(img: Image, channels: usize) -> Vec<f32> {
    if img.shape.channels == 1 && channels == 3 {
        let mut v = Vec::with_capacity(3 * img.values.len());
        for _ in 0..3 {
            v.extend_from_slice(&img.values);
        }
        v
    } else {
        img.values
    }
}

/// Decodes `path` for a network that reads `shape`: same size, converted to its channels.
///
/// # Errors
/// [`Error::Format`] if it cannot be decoded or has another size.
pub fn decode_as(path: &Path, shape: Shape) -> Result<Vec<f32>> {
    let img = decode(path, Some(shape.channels))?;
    if (img.shape.height, img.shape.width) != (shape.height, shape.width) {
        return Err(Error::format(
            path,
            format!(
                "image is {}x{}: expected {}x{}",
                img.shape.width, img.shape.height, shape.width, shape.height
            ),
        ));
    }
    Ok(img.values)
}
