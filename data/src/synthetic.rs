//! A clearly labelled synthetic dataset for the K = 100, d ≪ K regime, which no real data on
//! these machines covers (no CIFAR-100): classes drawn around group centres, so that classes of
//! one group are related, as CIFAR-100's 100 classes form 20 superclasses.
//!
//! `synthetic:classes=100,groups=20,features=64,train=100,test=50,group-spread=1.0,class-spread=0.5,noise=1.0`
//! (every key optional, these are the defaults): group centres `g ~ N(0, group-spread² I)`, class
//! centres `c = g + N(0, class-spread² I)`, examples `x = c + N(0, noise² I)`; class `c` belongs to
//! group `c mod groups`; `train`/`test` examples per class.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::{Dataset, Shape, Split};
use crate::error::{Error, Result};

/// Most values a generated set may hold (1 GiB of f32).
const MAX_VALUES: usize = 1 << 28;

/// Parameters of the generator.
#[derive(Clone, Debug, PartialEq)]
pub struct Synthetic {
    /// Classes.
    pub classes: usize,
    /// Groups (superclasses); class `c` is in group `c % groups`.
    pub groups: usize,
    /// Input features.
    pub features: usize,
    /// Training examples per class.
    pub train: usize,
    /// Test examples per class.
    pub test: usize,
    /// Std of the group centres.
    pub group_spread: f64,
    /// Std of class centres around their group centre.
    pub class_spread: f64,
    /// Std of examples around their class centre.
    pub noise: f64,
}

impl Default for Synthetic {
    fn default() -> Self {
        Synthetic {
            classes: 100,
            groups: 20,
            features: 64,
            train: 100,
            test: 50,
            group_spread: 1.0,
            class_spread: 0.5,
            noise: 1.0,
        }
    }
}

impl Synthetic {
    /// Parses `key=value,…` (after `synthetic:`).
    ///
    /// # Errors
    /// [`Error::Arg`] naming `--data` and the pair or spec that is wrong.
    pub fn parse(s: &str) -> Result<Self> {
        let mut g = Synthetic::default();
        for kv in s.split(',').filter(|p| !p.is_empty()) {
            g.set(s, kv)?;
        }
        g.check(s)?;
        Ok(g)
    }

    /// Sets one `key=value` pair of the spec `s`.
    fn set(&mut self, s: &str, kv: &str) -> Result<()> {
        let (k, v) = kv.split_once('=').ok_or_else(|| Error::arg("--data", s, "synthetic:key=value,... (classes, groups, features, train, test, group-spread, class-spread, noise)"))?;
        let int = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| Error::arg("--data", kv, "a positive integer"))
        };
        // Spreads beyond 10⁶ would overflow f32 inputs once squared by the standardisation.
        let real = |v: &str| {
            v.parse::<f64>()
                .ok()
                .filter(|x| (0.0..=1e6).contains(x))
                .ok_or_else(|| Error::arg("--data", kv, "a number in [0, 1e6]"))
        };
        match k {
            "classes" => self.classes = int(v)?,
            "groups" => self.groups = int(v)?,
            "features" => self.features = int(v)?,
            "train" => self.train = int(v)?,
            "test" => self.test = int(v)?,
            "group-spread" => self.group_spread = real(v)?,
            "class-spread" => self.class_spread = real(v)?,
            "noise" => self.noise = real(v)?,
            _ => {
                return Err(Error::arg(
                    "--data",
                    kv,
                    "one of classes, groups, features, train, test, group-spread, class-spread, noise",
                ));
            }
        }
        Ok(())
    }

    /// The sizes of the spec `s` make a data set this machine can hold.
    fn check(&self, s: &str) -> Result<()> {
        let values = [self.classes, self.train + self.test, self.features]
            .iter()
            .try_fold(1usize, |a, &b| a.checked_mul(b));
        if values.is_none_or(|v| v > MAX_VALUES) {
            return Err(Error::arg(
                "--data",
                s,
                format!(
                    "at most {MAX_VALUES} generated values (classes x (train + test) x features)"
                ),
            ));
        }
        if self.classes < 2
            || self.groups == 0
            || self.groups > self.classes
            || self.features == 0
            || self.train == 0
            || self.test == 0
        {
            return Err(Error::arg(
                "--data",
                s,
                "classes >= 2, 1 <= groups <= classes, and positive features, train and test",
            ));
        }
        Ok(())
    }

    /// The group of class `c`.
    pub fn group(&self, c: usize) -> usize {
        c % self.groups
    }

    /// Generates the dataset (seeded).
    pub fn generate(&self, seed: u64) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5F47_4E54);
        let f = self.features;
        let std = |s: f64| {
            Normal::new(0.0, s.max(0.0))
                .unwrap_or_else(|_| Normal::new(0.0, 0.0).expect("zero std is valid"))
        };
        let (gn, cn, xn) = (
            std(self.group_spread),
            std(self.class_spread),
            std(self.noise),
        );
        let groups: Vec<Vec<f64>> = (0..self.groups)
            .map(|_| (0..f).map(|_| gn.sample(&mut rng)).collect())
            .collect();
        let centres: Vec<Vec<f64>> = (0..self.classes)
            .map(|c| {
                groups[self.group(c)]
                    .iter()
                    .map(|g| g + cn.sample(&mut rng))
                    .collect()
            })
            .collect();
        let draw = |per: usize, rng: &mut ChaCha8Rng| {
            let mut s = Split::default();
            for _ in 0..per {
                for (c, centre) in centres.iter().enumerate() {
                    s.x.extend(centre.iter().map(|m| (m + xn.sample(rng)) as f32));
                    s.y.push(c as u32);
                }
            }
            s
        };
        let train = draw(self.train, &mut rng);
        let test = draw(self.test, &mut rng);
        let name = format!(
            "synthetic (classes={}, groups={})",
            self.classes, self.groups
        );
        let classes = (0..self.classes)
            .map(|c| format!("c{c}-g{}", self.group(c)))
            .collect();
        let shape = Shape {
            channels: f,
            height: 1,
            width: 1,
        };
        Dataset::new(&name, classes, shape, 1.0, train, test)
    }
}

#[cfg(test)]
mod tests {
    use super::Synthetic;

    fn refused(spec: &str) -> String {
        Synthetic::parse(spec).unwrap_err().to_string()
    }

    #[test]
    fn a_spec_sets_its_keys_and_keeps_the_defaults_of_the_others() {
        let g = Synthetic::parse("classes=40,noise=0.25,,test=7").unwrap();
        let d = Synthetic::default();
        assert_eq!((g.classes, g.noise, g.test), (40, 0.25, 7));
        assert_eq!(
            (g.groups, g.features, g.train),
            (d.groups, d.features, d.train)
        );
    }

    /// Each wrong spec names the pair (or the spec) and what was expected.
    #[test]
    fn a_bad_spec_names_the_pair_and_what_was_expected() {
        assert_eq!(
            refused("classes=x"),
            "--data = classes=x: expected a positive integer"
        );
        assert_eq!(
            refused("noise=-1"),
            "--data = noise=-1: expected a number in [0, 1e6]"
        );
        assert!(refused("colour=red").starts_with("--data = colour=red: expected one of classes,"));
        assert!(refused("classes").contains("synthetic:key=value"));
        assert!(refused("classes=10,groups=11").contains("1 <= groups <= classes"));
        assert!(refused("test=0").contains("positive features, train and test"));
        let huge = refused("classes=100000,train=100000");
        assert!(
            huge.contains("at most 268435456 generated values"),
            "{huge}"
        );
    }
}
