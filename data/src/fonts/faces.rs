//! Font files and their faces: found under a folder, named, and checked for coverage of a
//! character set (`ttf-parser`, the parser under `ab_glyph`).

use std::path::{Path, PathBuf};

use ttf_parser::{Face, name_id};

use crate::entries;
use crate::error::{Error, Result};

/// File name extensions read as fonts (any case); a `.ttc`/`.otc` collection gives each face.
const EXTENSIONS: [&str; 4] = ["ttf", "otf", "ttc", "otc"];

/// One face of a font file, as `dataset.json` records it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FaceRecord {
    /// The font file.
    pub file: String,
    /// Face index in the file (0 unless a collection).
    pub index: u32,
    /// Family — the typographic family (name 16) if the face has one, else name 1: a design
    /// with all its weights and styles, the unit of the train/test split.
    pub family: String,
    /// Style (name 17, else name 2), e.g. `Bold Italic`.
    pub style: String,
    /// The licence URL (name 14), else the first line of the licence description (name 13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
}

/// Every font file under `dir`, recursively, in sorted order (hidden entries skipped;
/// directories reached through symbolic links are not followed, so a link cannot loop).
///
/// # Errors
/// [`Error::Io`] naming a folder that cannot be listed.
pub fn font_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in entries::visible(dir)? {
        let link = std::fs::symlink_metadata(&p).map_err(|e| Error::io(&p, e))?;
        if link.is_dir() {
            files.extend(font_files(&p)?);
        } else if is_font_file(&p) {
            files.push(p);
        }
    }
    Ok(files)
}

fn is_font_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The faces in a font file's bytes: `(index, record)` each.
///
/// # Errors
/// [`Error::Format`] naming `path` for bytes that are not a font or a face that does not parse.
pub fn faces(path: &Path, bytes: &[u8]) -> Result<Vec<(u32, FaceRecord)>> {
    let n = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
    (0..n)
        .map(|index| {
            let face = Face::parse(bytes, index).map_err(|e| {
                Error::format(path, format!("not a readable font (face {index}: {e})"))
            })?;
            Ok((index, record(path, index, &face)))
        })
        .collect()
}

fn record(path: &Path, index: u32, face: &Face) -> FaceRecord {
    let name = |id: u16| {
        face.names()
            .into_iter()
            .filter(|n| n.name_id == id)
            .find_map(|n| n.to_string())
            .map(|s| s.lines().next().unwrap_or("").trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    FaceRecord {
        file: path.display().to_string(),
        index,
        family: name(name_id::TYPOGRAPHIC_FAMILY)
            .or_else(|| name(name_id::FAMILY))
            .or(stem)
            .unwrap_or_default(),
        style: name(name_id::TYPOGRAPHIC_SUBFAMILY)
            .or_else(|| name(name_id::SUBFAMILY))
            .unwrap_or_default(),
        licence: name(name_id::LICENSE_URL)
            .or_else(|| name(name_id::LICENSE))
            .map(|s| s.chars().take(200).collect()),
    }
}

/// Whether face `index` of `bytes` maps every character of `chars` to a glyph with ink.
pub fn covers(bytes: &[u8], index: u32, chars: &[char]) -> bool {
    let Ok(face) = Face::parse(bytes, index) else {
        return false;
    };
    chars.iter().all(|&c| {
        face.glyph_index(c)
            .is_some_and(|g| g.0 != 0 && face.glyph_bounding_box(g).is_some())
    })
}

/// Whether face `index` of `bytes` names the glyphs of the set's ASCII letters and digits as
/// those characters (`A`, `a`, `zero`, or `uni0041`, `A.ss01`, …) where it names glyphs at all.
/// Symbol and dingbat fonts put other shapes on those codes (`Alpha` on `A`, a pictogram named
/// `a10`): their images would be labelled with the wrong class.
pub fn names_agree(bytes: &[u8], index: u32, chars: &[char]) -> bool {
    const DIGITS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let Ok(face) = Face::parse(bytes, index) else {
        return false;
    };
    chars
        .iter()
        .filter(|c| c.is_ascii_alphanumeric())
        .all(|&c| {
            let Some(name) = face.glyph_index(c).and_then(|g| face.glyph_name(g)) else {
                return true;
            };
            let base = name.split('.').next().unwrap_or(name);
            let expected = match c.to_digit(10) {
                Some(d) => DIGITS[d as usize].to_string(),
                None => c.to_string(),
            };
            base == expected
                || base == format!("uni{:04X}", u32::from(c))
                || base == format!("u{:04X}", u32::from(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_fonts_are_refused_naming_the_file() {
        let p = Path::new("broken.ttf");
        for bytes in [&b""[..], b"not a font at all", &[0, 1, 0, 0, 0, 9, 0, 0]] {
            let e = faces(p, bytes).unwrap_err().to_string();
            assert!(
                e.contains("broken.ttf") && e.contains("not a readable font"),
                "{e}"
            );
        }
    }

    /// Found by the `font_face` fuzz target: a collection header claiming 42 million faces. In a
    /// debug build ttf-parser's `debug_assert!` panicked here until the workspace turned its
    /// debug assertions off (Cargo.toml); release builds always refused it.
    #[test]
    fn a_collection_header_with_an_impossible_face_count_is_refused() {
        let bytes = [
            116, 116, 99, 102, 0, 2, 138, 0, 98, 2, 232, 0, 98, 2, 0, 98, 2, 88,
        ];
        let e = faces(Path::new("x.ttc"), &bytes).unwrap_err().to_string();
        assert!(
            e.contains("x.ttc") && e.contains("not a readable font"),
            "{e}"
        );
        assert!(!covers(&bytes, 0, &['A']) && !names_agree(&bytes, 0, &['A']));
    }

    #[test]
    fn only_font_extensions_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.TTF", "b.otf", "c.ttc", "d.afm", "e.pfb", ".hidden.ttf"] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/f.otc"), b"").unwrap();
        let names: Vec<String> = font_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.TTF", "b.otf", "c.ttc", "sub/f.otc"]);
    }
}
