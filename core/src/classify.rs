//! Nearest-prototype classification: the class whose prototype has the largest score.

use heapless::Vec;

use crate::error::{Error, Result};

/// A class and its score (cosine for `f32` prototypes, integer dot product for `int8`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction<S> {
    /// Class index (row of the prototype matrix, in class order).
    pub class: usize,
    /// The class's score.
    pub score: S,
}

/// What every prototype store answers: fixed-size or borrowed, `f32` or `int8`.
///
/// Ties go to the lowest class index, on every target.
pub trait Classify {
    /// Element type of an input vector (`f32`, or `i8` for quantised inputs).
    type Input: Copy;
    /// Score type (`f32` cosine or `i32` dot product).
    type Score: Copy + PartialOrd;

    /// Number of classes `K`.
    fn classes(&self) -> usize;

    /// Embedding dimension `d`.
    fn dim(&self) -> usize;

    /// Calls `f(class, score)` for every class in index order. The shared kernel behind
    /// [`Classify::classify`] and [`Classify::top_k`].
    ///
    /// # Errors
    /// [`Error::Length`] if `x.len() != dim()`; [`Error::ZeroVector`] / [`Error::NotFinite`] for
    /// an input without a direction.
    fn for_each_score(&self, x: &[Self::Input], f: impl FnMut(usize, Self::Score)) -> Result<()>;

    /// The best class and its score.
    ///
    /// # Errors
    /// As [`Classify::for_each_score`].
    fn classify(&self, x: &[Self::Input]) -> Result<Prediction<Self::Score>> {
        let mut best: Option<Prediction<Self::Score>> = None;
        self.for_each_score(x, |class, score| {
            if best.is_none_or(|b| score > b.score) {
                best = Some(Prediction { class, score });
            }
        })?;
        best.ok_or(Error::Size {
            what: "classes",
            value: 0,
            max: crate::MAX_CLASSES,
        })
    }

    /// The `N` best classes, best first (ties: lower class first), without allocation.
    /// Returns fewer than `N` when there are fewer classes.
    ///
    /// # Errors
    /// As [`Classify::for_each_score`].
    fn top_k<const N: usize>(&self, x: &[Self::Input]) -> Result<Vec<Prediction<Self::Score>, N>> {
        let mut top: Vec<Prediction<Self::Score>, N> = Vec::new();
        self.for_each_score(x, |class, score| {
            insert_sorted(&mut top, Prediction { class, score })
        })?;
        Ok(top)
    }
}

/// Inserts `p` into `top` (sorted by descending score, stable for equal scores), dropping the
/// last entry when full. Classes arrive in increasing order, so "stable" means "lower class first".
fn insert_sorted<S: Copy + PartialOrd, const N: usize>(
    top: &mut Vec<Prediction<S>, N>,
    p: Prediction<S>,
) {
    if N == 0 {
        return;
    }
    let pos = top
        .iter()
        .position(|q| p.score > q.score)
        .unwrap_or(top.len());
    if pos == N {
        return;
    }
    if top.is_full() {
        top.pop();
    }
    // Cannot fail: there is room after the pop, and pos <= len.
    let _ = top.insert(pos, p);
}
