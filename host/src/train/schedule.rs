//! The learning rate at each iteration: linear warm-up, then cosine, step or constant.

use crate::config::{Schedule, TrainConfig};

/// Learning rate at `iteration` (0-based) of a run with `per_epoch` iterations per epoch.
pub fn lr_at(cfg: &TrainConfig, iteration: usize, per_epoch: usize) -> f64 {
    let total = (cfg.epochs * per_epoch).max(1);
    let warm = cfg.warmup_epochs * per_epoch;
    if iteration < warm {
        return cfg.lr * (iteration + 1) as f64 / warm as f64;
    }
    match cfg.schedule {
        Schedule::Constant => cfg.lr,
        Schedule::Cosine => {
            let span = (total - warm).max(1) as f64;
            let t = (iteration - warm) as f64 / span;
            cfg.lr * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
        }
        Schedule::Step => {
            let epoch = iteration / per_epoch.max(1);
            let passed = milestones(cfg).iter().filter(|&&m| epoch >= m).count();
            cfg.lr * cfg.gamma.powi(passed as i32)
        }
    }
}

/// The step schedule's milestones: as configured, or at 50 % and 75 % of the epochs.
pub fn milestones(cfg: &TrainConfig) -> Vec<usize> {
    if cfg.milestones.is_empty() {
        vec![cfg.epochs / 2, cfg.epochs * 3 / 4]
    } else {
        cfg.milestones.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_then_cosine_to_zero() {
        let cfg = TrainConfig {
            epochs: 10,
            warmup_epochs: 2,
            lr: 1.0,
            ..TrainConfig::default()
        };
        assert!((lr_at(&cfg, 0, 10) - 0.05).abs() < 1e-12);
        assert!((lr_at(&cfg, 19, 10) - 1.0).abs() < 1e-12);
        assert!((lr_at(&cfg, 20, 10) - 1.0).abs() < 1e-12);
        assert!(lr_at(&cfg, 99, 10) < 1e-3);
    }

    #[test]
    fn step_schedule_uses_milestones() {
        let cfg = TrainConfig {
            epochs: 200,
            schedule: Schedule::Step,
            milestones: vec![160, 180],
            lr: 0.1,
            ..TrainConfig::default()
        };
        assert_eq!(lr_at(&cfg, 159, 1), 0.1);
        assert!((lr_at(&cfg, 160, 1) - 0.01).abs() < 1e-12);
        assert!((lr_at(&cfg, 199, 1) - 0.001).abs() < 1e-12);
    }
}
