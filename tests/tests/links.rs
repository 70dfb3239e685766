//! Every relative link in the project's Markdown (README, CHANGELOG, docs/, bench/, the crates'
//! READMEs and FORMAT.md) names a file or folder of the repository, and every `#anchor` into a
//! Markdown file names one of its headings (GitHub's rule: lower case, punctuation dropped,
//! spaces to hyphens). A user's clone is all there is: no link may leave it.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Markdown files checked: everything the project ships to readers, not the copies of
/// field cases or the build output.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.')
                || ["target", "cases", "corpus", "node_modules"].contains(&name.as_str())
            {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else if name.ends_with(".md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), &mut out);
    out.sort();
    out
}

/// GitHub's anchor for a heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// `(line, target)` of every inline link `[text](target)` outside code.
fn links(markdown: &str) -> Vec<(usize, String)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (n, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_and_anchor_resolves_inside_the_repository() {
    let files = markdown_files();
    assert!(
        files.len() > 20,
        "found only {} Markdown files",
        files.len()
    );
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, target) in links(&text) {
            // Web links, and rustdoc's intra-doc links (a Rust path, in READMEs the crates
            // include as their docs), are not files.
            let rust_path = !target.contains(['/', '.', '#']);
            if target.contains("://")
                || target.starts_with("mailto:")
                || target.contains(' ')
                || rust_path
            {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            let shown = format!(
                "{}:{line}: {target}",
                file.strip_prefix(root()).unwrap_or(file).display()
            );
            let Ok(dest) = dest.canonicalize() else {
                broken.push(format!("{shown} (no such file)"));
                continue;
            };
            if !dest.starts_with(root().canonicalize().unwrap()) {
                broken.push(format!("{shown} (outside the repository)"));
                continue;
            }
            if let Some(a) = anchor.filter(|_| dest.extension().is_some_and(|e| e == "md")) {
                let heads = anchors(&std::fs::read_to_string(&dest).unwrap());
                if !heads.iter().any(|h| h == a) {
                    broken.push(format!("{shown} (no heading with that anchor)"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn no_shipped_file_names_a_path_outside_the_repository() {
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("../shared"),
            "{} cites ../shared",
            file.display()
        );
    }
}

#[test]
fn headings_become_githubs_anchors() {
    assert_eq!(
        slug(" Results: the paper's experiments on local data"),
        "results-the-papers-experiments-on-local-data"
    );
    assert_eq!(
        slug("The assignment solver (`dl2pa-core::assign`)"),
        "the-assignment-solver-dl2pa-coreassign"
    );
}
