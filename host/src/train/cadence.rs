//! When the assignment is re-solved during an epoch: every `--assign-every` iterations, or —
//! with `--assign-backoff` — at a doubling interval while solves move no label.
//!
//! Labels move early (on the paper's CIFAR-100 setting and on ours, the moves end within one or
//! two epochs) while a solve keeps costing the same: at K = 3 755 it is a K × K problem every 20
//! iterations. The back-off doubles the interval after each solve that moved nothing, up to
//! [`MAX_FACTOR`] times `--assign-every`, and returns to `--assign-every` after any solve that
//! moved a label, so the moves that matter early are kept. The schedule is a function of the
//! updates so far, which the run directory stores: a resumed run continues it exactly.

use crate::run::Update;

/// Longest interval, in units of `--assign-every`.
pub const MAX_FACTOR: usize = 32;

/// The re-solve schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Cadence {
    every: usize,
    backoff: bool,
    interval: usize,
    next: usize,
}

impl Cadence {
    /// The schedule of `--assign-every every` (0: none within epochs), continued after
    /// `history` (the run's updates so far, in order).
    pub fn new<'a>(
        every: usize,
        backoff: bool,
        history: impl IntoIterator<Item = &'a Update>,
    ) -> Self {
        let mut c = Cadence {
            every,
            backoff,
            interval: every,
            next: every,
        };
        for u in history {
            c.after(u.iteration, u.moved);
        }
        c
    }

    /// Whether σ is re-solved after iteration `iteration` (1-based count of steps done).
    pub fn due(&self, iteration: usize) -> bool {
        match (self.every, self.backoff) {
            (0, _) => false,
            (every, false) => iteration.is_multiple_of(every),
            (_, true) => iteration >= self.next,
        }
    }

    /// Records a solve after `iteration` that moved `moved` labels.
    pub fn after(&mut self, iteration: usize, moved: usize) {
        if self.every == 0 {
            return;
        }
        self.interval = if moved > 0 {
            self.every
        } else {
            (2 * self.interval).min(MAX_FACTOR * self.every)
        };
        self.next = iteration + self.interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(iteration: usize, moved: usize) -> Update {
        Update {
            iteration,
            moved,
            micros: 0.0,
            warm: true,
            free_after_init: 0,
            augmentations: 0,
            scans: 0,
        }
    }

    /// The iterations in `1..=n` at which a schedule solves, given how many labels each solve
    /// moves (`moves(iteration)`).
    fn solves(mut c: Cadence, n: usize, moves: impl Fn(usize) -> usize) -> Vec<usize> {
        let mut at = Vec::new();
        for it in 1..=n {
            if c.due(it) {
                at.push(it);
                c.after(it, moves(it));
            }
        }
        at
    }

    #[test]
    fn without_backoff_every_multiple_is_due() {
        let c = Cadence::new(20, false, &[]);
        assert_eq!(solves(c, 100, |_| 0), [20, 40, 60, 80, 100]);
        assert!(!Cadence::new(0, true, &[]).due(20));
    }

    #[test]
    fn the_interval_doubles_while_nothing_moves_and_resets_on_a_move() {
        let c = Cadence::new(10, true, &[]);
        // Moves until iteration 30, then none but one at 340.
        let at = solves(c, 1000, |it| usize::from(it <= 30 || it == 340));
        assert_eq!(
            at,
            [
                10, 20, 30, 40, 60, 100, 180, 340, 350, 370, 410, 490, 650, 970
            ]
        );
        // Nothing moves after 30: the interval stops at 32 · 10.
        let at = solves(Cadence::new(10, true, &[]), 2000, |it| {
            usize::from(it <= 30)
        });
        assert_eq!(&at[7..], [340, 660, 980, 1300, 1620, 1940]);
    }

    #[test]
    fn a_resumed_schedule_continues_where_the_history_left_it() {
        let moves = |it: usize| usize::from(it <= 30);
        let full = solves(Cadence::new(10, true, &[]), 1000, moves);
        let done: Vec<Update> = full
            .iter()
            .filter(|&&it| it <= 200)
            .map(|&it| update(it, moves(it)))
            .collect();
        let mut c = Cadence::new(10, true, &done);
        let rest: Vec<usize> = (201..=1000)
            .filter(|&it| {
                let due = c.due(it);
                if due {
                    c.after(it, moves(it));
                }
                due
            })
            .collect();
        assert_eq!(
            rest,
            full.iter()
                .copied()
                .filter(|&it| it > 200)
                .collect::<Vec<_>>()
        );
    }
}
