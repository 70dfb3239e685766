//! Glyphs to grayscale images (`ab_glyph`'s rasteriser).
//!
//! The box is the face's em box, not each glyph's ink box, so case and size survive (`o` is
//! smaller than `O`, `,` sits low): the face's ascent − descent spans the `size` pixels,
//! reduced for the whole face if its widest glyph of the set would not fit; every glyph stands
//! on the same baseline, its advance centred. Coverage in `[0, 1]` is stored as `round(255·c)`:
//! the bytes a PNG of the same image holds, so `predict` on saved glyph images sees the same
//! inputs. Ink is 255, paper 0.
//!
//! A face with a glyph whose ink spans more than [`MAX_SPAN`] boxes on a side is refused:
//! its metrics contradict its outlines (an ascent − descent of one unit, advances of zero),
//! and the rasteriser would allocate the glyph's whole pixel box — gigabytes from a few bytes
//! of a broken file — to keep the few pixels inside ours.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

/// Glyph ink may reach this many boxes across (swashes, accents below the descent); more is
/// a broken face.
pub const MAX_SPAN: f32 = 4.0;

/// Renders `chars` of face `index` of `bytes` into `size × size` images, concatenated in order;
/// `None` if the face does not parse, has no height, has a glyph wider or taller than
/// [`MAX_SPAN`] boxes, or has a glyph that draws no ink in the box (no outline, or one of zero
/// area): such a face does not cover the set.
pub fn render(bytes: &[u8], index: u32, chars: &[char], size: usize) -> Option<Vec<u8>> {
    let font = FontRef::try_from_slice_and_index(bytes, index).ok()?;
    let px = size as f32;
    let unit = font.as_scaled(PxScale::from(px));
    let widest = chars
        .iter()
        .map(|&c| unit.h_advance(font.glyph_id(c)))
        .fold(0.0f32, f32::max);
    let height = unit.ascent() - unit.descent();
    if height.is_nan() || height <= 0.0 || widest.is_nan() {
        return None;
    }
    let scale = PxScale::from(px * (px / widest.max(px)));
    let font = font.as_scaled(scale);
    // The em box is centred vertically when the face was shrunk to fit its widest glyph.
    let baseline = font.ascent() + (px - (font.ascent() - font.descent())) / 2.0;
    let mut out = vec![0u8; chars.len() * size * size];
    for (&c, img) in chars.iter().zip(out.chunks_exact_mut(size * size)) {
        let id = font.glyph_id(c);
        let x = (px - font.h_advance(id)) / 2.0;
        let glyph = id.with_scale_and_position(scale, point(x, baseline));
        // A glyph without an outline, or whose outline draws no ink (a contour of zero area),
        // would be a blank image labelled with `c`: the face does not cover `c`.
        let outline = font.outline_glyph(glyph)?;
        let b = outline.px_bounds();
        if !(b.width() <= MAX_SPAN * px && b.height() <= MAX_SPAN * px) {
            return None;
        }
        outline.draw(|gx, gy, cover| {
            let (x, y) = (
                b.min.x as i64 + i64::from(gx),
                b.min.y as i64 + i64::from(gy),
            );
            if (0..size as i64).contains(&x) && (0..size as i64).contains(&y) {
                let v = &mut img[y as usize * size + x as usize];
                *v = (*v).max((cover.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        });
        if img.iter().all(|&v| v == 0) {
            return None;
        }
    }
    Some(out)
}
