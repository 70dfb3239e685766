//! The character sets of `fonts:DIR,chars=…`: one class per character.
//!
//! - `alnum` (default): `0–9 A–Z a–z`, 62 classes.
//! - `lgc`: the Latin letters `A–Z a–z`, then the Greek and Cyrillic letters that do not look
//!   like a letter already in the set. Homoglyphs are **dropped**, not merged, so a class is one
//!   shape with one image per face: Greek `Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ ο ν υ` (Latin look-alikes)
//!   and Cyrillic `А В Е К М Н О Р С Т Х а е о р с у х` (Latin), `Г П Ф к ф` (Greek) are not
//!   classes. 127 classes.
//! - `cjk`: the 3 755 ideographs of GB 2312 level 1 (its rows 16–55, the common simplified
//!   Chinese characters), in GB 2312 order.
//! - `@FILE`: the characters of a UTF-8 file in order, whitespace ignored; a character listed
//!   twice is an error.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// GB 2312 level 1, written by Python's `gb2312` codec over bytes `B0A1`–`D7F9`.
const GB2312_LEVEL1: &str = include_str!("gb2312-level1.txt");

/// Greek letters kept by `lgc` (capitals, then small letters).
const GREEK: &str = "ΓΔΘΛΞΠΣΦΨΩαβγδεζηθικλμξπρσςτφχψω";

/// Cyrillic letters kept by `lgc` (capitals, then small letters).
const CYRILLIC: &str = "БДЖЗИЙЛУЦЧШЩЪЫЬЭЮЯЁбвгджзийлмнптцчшщъыьэюяё";

/// A character set.
#[derive(Clone, Debug, PartialEq)]
pub enum Charset {
    /// Digits and Latin letters.
    Alnum,
    /// Latin, Greek and Cyrillic letters without homoglyphs.
    Lgc,
    /// GB 2312 level 1.
    Cjk,
    /// The characters of a file.
    File(PathBuf),
}

impl Charset {
    /// Parses the value of `chars=`.
    ///
    /// # Errors
    /// [`Error::Arg`] for anything but `alnum`, `lgc`, `cjk` or `@FILE`.
    pub fn parse(v: &str) -> Result<Self> {
        Ok(match v {
            "alnum" => Charset::Alnum,
            "lgc" => Charset::Lgc,
            "cjk" => Charset::Cjk,
            _ => match v.strip_prefix('@').filter(|f| !f.is_empty()) {
                Some(f) => Charset::File(PathBuf::from(f)),
                None => return Err(Error::arg("--data", v, "chars=alnum, lgc, cjk or @FILE")),
            },
        })
    }

    /// The characters, in class order.
    ///
    /// # Errors
    /// For `@FILE`: the file cannot be read, is not UTF-8, holds fewer than two characters or a
    /// character twice (naming it).
    pub fn chars(&self) -> Result<Vec<char>> {
        match self {
            Charset::Alnum => Ok(('0'..='9').chain('A'..='Z').chain('a'..='z').collect()),
            Charset::Lgc => Ok(('A'..='Z')
                .chain('a'..='z')
                .chain(GREEK.chars())
                .chain(CYRILLIC.chars())
                .collect()),
            Charset::Cjk => Ok(GB2312_LEVEL1.trim().chars().collect()),
            Charset::File(path) => from_file(path),
        }
    }
}

impl std::fmt::Display for Charset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Charset::Alnum => write!(f, "alnum"),
            Charset::Lgc => write!(f, "lgc"),
            Charset::Cjk => write!(f, "cjk"),
            Charset::File(p) => write!(f, "@{}", p.display()),
        }
    }
}

fn from_file(path: &Path) -> Result<Vec<char>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::format(
            path,
            format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        )
    })?;
    let mut seen = std::collections::HashSet::new();
    let mut chars = Vec::new();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if !seen.insert(c) {
            return Err(Error::format(
                path,
                format!("character {c:?} (U+{:04X}) listed twice", u32::from(c)),
            ));
        }
        chars.push(c);
    }
    if chars.len() < 2 {
        return Err(Error::format(
            path,
            format!(
                "{} character(s): expected at least 2 (one class each)",
                chars.len()
            ),
        ));
    }
    Ok(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct(chars: &[char]) -> bool {
        let set: std::collections::HashSet<_> = chars.iter().collect();
        set.len() == chars.len()
    }

    #[test]
    fn the_built_in_sets_have_their_documented_sizes_and_no_repeats() {
        for (set, n) in [
            (Charset::Alnum, 62),
            (Charset::Lgc, 127),
            (Charset::Cjk, 3755),
        ] {
            let c = set.chars().unwrap();
            assert_eq!(c.len(), n, "{set}");
            assert!(distinct(&c), "{set}");
        }
        let cjk = Charset::Cjk.chars().unwrap();
        assert_eq!((cjk[0], cjk[3754]), ('啊', '座'));
    }

    #[test]
    fn lgc_has_no_latin_look_alike() {
        let lgc = Charset::Lgc.chars().unwrap();
        for c in "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧονυАВЕКМНОРСТХаеорсухГПФкф".chars()
        {
            assert!(!lgc.contains(&c), "{c}");
        }
    }

    #[test]
    fn a_file_set_refuses_repeats_and_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("set.txt");
        std::fs::write(&f, "a b\nc\n").unwrap();
        assert_eq!(Charset::File(f.clone()).chars().unwrap(), ['a', 'b', 'c']);
        std::fs::write(&f, "abca").unwrap();
        let e = Charset::File(f.clone()).chars().unwrap_err().to_string();
        assert!(
            e.contains("'a'") && e.contains("twice") && e.contains("set.txt"),
            "{e}"
        );
        std::fs::write(&f, [0xff, 0xfe]).unwrap();
        assert!(
            Charset::File(f)
                .chars()
                .unwrap_err()
                .to_string()
                .contains("not UTF-8")
        );
        assert!(Charset::parse("latin").is_err());
        assert!(Charset::parse("@").is_err());
    }
}
