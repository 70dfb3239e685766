//! Image augmentation: random crop with zero padding and horizontal flip (for CIFAR-like data;
//! digit-like data turns the flip off).

use rand::Rng;

use super::Shape;

/// Augmentation settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Augment {
    /// Pixels of zero padding before the random crop (0: no crop).
    pub pad: usize,
    /// Flip horizontally with probability 1/2.
    pub flip: bool,
}

impl Augment {
    /// Whether it changes anything.
    pub fn is_identity(&self) -> bool {
        self.pad == 0 && !self.flip
    }

    /// Writes an augmented copy of `src` (one example, `C × H × W`) into `dst`. The values
    /// are already standardised, so padding with 0 pads with the mean.
    pub fn apply(&self, src: &[f32], dst: &mut [f32], s: Shape, rng: &mut impl Rng) {
        let (h, w) = (s.height as i32, s.width as i32);
        let p = self.pad as i32;
        let (dy, dx) = if p > 0 {
            (rng.random_range(-p..=p), rng.random_range(-p..=p))
        } else {
            (0, 0)
        };
        let flip = self.flip && rng.random_bool(0.5);
        for c in 0..s.channels {
            let plane = c * s.height * s.width;
            for y in 0..h {
                for x in 0..w {
                    let sy = y + dy;
                    let sx0 = x + dx;
                    let sx = if flip { w - 1 - sx0 } else { sx0 };
                    let v = if (0..h).contains(&sy) && (0..w).contains(&sx) {
                        src[plane + (sy * w + sx) as usize]
                    } else {
                        0.0
                    };
                    dst[plane + (y * w + x) as usize] = v;
                }
            }
        }
    }
}
