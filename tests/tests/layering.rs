//! The import graph runs one way (ARCHITECTURE.md draws it): no file of dl2pa-core and no
//! top-level folder (or file) of the host uses one that uses it back, directly or round a longer
//! loop.
//!
//! An edge is every `crate::`, `super::` or `self::` path in a file's code (`use` groups
//! expanded), cut to the longest prefix that names a module. A module's paths into its own
//! children — declaring and re-exporting them — are the module tree, not a dependency, and are
//! left out. Run alone: `cargo test -p dl2pa-tests --test layering`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `src` with its module path (`net/conv.rs` → `[net, conv]`,
/// `net/mod.rs` → `[net]`, `lib.rs` → `[]`).
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    fn walk(dir: &Path, at: &Module, out: &mut BTreeMap<Module, PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let (p, name) = (e.path(), e.file_name().to_string_lossy().into_owned());
            let mut m = at.clone();
            if p.is_dir() {
                m.push(name);
                walk(&p, &m, out);
            } else if let Some(stem) = name.strip_suffix(".rs") {
                if !["mod", "lib", "main"].contains(&stem) {
                    m.push(stem.to_string());
                }
                out.insert(m, p);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, &Vec::new(), &mut out);
    out
}

/// The code of a file without its comments (line comments and doc comments).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses a path tree at `s[*i..]` (identifiers, `::`, `{ a, b::c }` groups) into full paths.
fn tree(s: &[u8], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let skip = |i: &mut usize| {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    skip(i);
    if s.get(*i) == Some(&b'{') {
        *i += 1;
        loop {
            skip(i);
            match s.get(*i) {
                Some(b'}') | None => break,
                Some(b',') => *i += 1,
                _ => tree(s, i, prefix, out),
            }
        }
        *i += 1;
        return;
    }
    let start = *i;
    while *i < s.len() && (s[*i].is_ascii_alphanumeric() || s[*i] == b'_') {
        *i += 1;
    }
    if *i == start {
        *i += 1; // `*` or a stray character: nothing to follow
        out.push(prefix.to_vec());
        return;
    }
    let mut path = prefix.to_vec();
    path.push(String::from_utf8_lossy(&s[start..*i]).into_owned());
    if s[*i..].starts_with(b"::") {
        *i += 2;
        tree(s, i, &path, out);
    } else {
        out.push(path);
    }
}

/// The modules that module `m` refers to in its source `text`.
fn references(m: &Module, text: &str, known: &BTreeSet<Module>) -> BTreeSet<Module> {
    let code = code(text);
    let s = code.as_bytes();
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("::") {
        // The first `::` of a path that starts at `crate`, `super` or `self`.
        let head = code[..at].rfind(|c: char| !(c.is_alphanumeric() || c == '_'));
        let start = head.map_or(0, |h| h + 1);
        let first = &code[start..at];
        if !["crate", "super", "self"].contains(&first) || code[..start].ends_with("::") {
            continue;
        }
        let mut paths = Vec::new();
        tree(s, &mut (at + 2), &[first.to_string()], &mut paths);
        for p in paths {
            let Some(abs) = absolute(m, &p) else {
                continue;
            };
            let hit = (0..=abs.len())
                .rev()
                .map(|n| abs[..n].to_vec())
                .find(|c| known.contains(c));
            if let Some(t) = hit.filter(|t| !t.starts_with(m)) {
                out.insert(t);
            }
        }
    }
    out
}

/// `p` (starting at `crate`, `super` or `self`) as a path from the crate root: in module
/// `a::b` (`a/b.rs` or `a/b/mod.rs`) `self` is `a::b` and `super` is `a`.
fn absolute(m: &Module, p: &[String]) -> Option<Module> {
    let mut base: Module = match p[0].as_str() {
        "crate" => Vec::new(),
        _ => m.clone(),
    };
    let mut rest = &p[1..];
    if p[0] == "super" {
        base.pop()?;
    }
    while rest.first().is_some_and(|s| s == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// A circle of `graph`, if it has one, as the modules round it.
fn circle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        n: &Module,
        g: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for t in g.get(n).into_iter().flatten() {
            match state.get(t).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|x| x == t).unwrap();
                    return Some(stack[from..].to_vec());
                }
                0 => {
                    if let Some(c) = visit(t, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    graph.keys().find_map(|n| {
        (state.get(n).copied().unwrap_or(0) == 0)
            .then(|| visit(n, graph, &mut state, &mut Vec::new()))
            .flatten()
    })
}

/// The file-level import graph of the crate whose sources are in `src`.
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let files = modules(src);
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(m, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            (m.clone(), references(m, &text, &known))
        })
        .collect()
}

fn shown(c: &[Module]) -> String {
    let name = |m: &Module| {
        if m.is_empty() {
            "lib".into()
        } else {
            m.join("::")
        }
    };
    let mut names: Vec<String> = c.iter().map(name).collect();
    names.push(name(&c[0]));
    names.join(" → ")
}

#[test]
fn the_files_of_the_core_import_each_other_one_way() {
    let g = graph(&root().join("core/src"));
    assert!(g.len() > 20, "read {} files", g.len());
    if let Some(c) = circle(&g) {
        panic!("dl2pa-core has an import circle: {}", shown(&c));
    }
}

#[test]
fn the_files_of_the_c_api_import_each_other_one_way() {
    let g = graph(&root().join("capi/src"));
    assert!(g.len() >= 6, "read {} files", g.len());
    if let Some(c) = circle(&g) {
        panic!("dl2pa-capi has an import circle: {}", shown(&c));
    }
}

/// The host's rooms: its top-level modules (`train/`, `run/`, `inference.rs`, …), each file
/// counted in the room it lies in.
#[test]
fn the_rooms_of_the_host_import_each_other_one_way() {
    let files = graph(&root().join("host/src"));
    let room = |m: &Module| m.first().cloned().into_iter().collect::<Module>();
    let mut rooms: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, targets) in &files {
        let edges = rooms.entry(room(m)).or_default();
        edges.extend(
            targets
                .iter()
                .map(room)
                .filter(|t| *t != room(m) && !t.is_empty()),
        );
    }
    assert!(rooms.len() > 10, "read {} rooms", rooms.len());
    if let Some(c) = circle(&rooms) {
        panic!("the host has an import circle between rooms: {}", shown(&c));
    }
}

/// The checker itself: it finds a planted circle through a `use` group and a `super::` path,
/// and leaves a parent's declaration of its children alone.
#[test]
fn the_checker_finds_a_circle_through_groups_and_super() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("net")).unwrap();
    let write = |f: &str, t: &str| std::fs::write(src.join(f), t).unwrap();
    write(
        "lib.rs",
        "pub mod mlp;\npub mod net;\npub use net::conv::X;\n",
    );
    write(
        "net/mod.rs",
        "mod conv;\npub use conv::X;\nuse crate::{mlp::{Dense}, lib_item};\n",
    );
    write(
        "net/conv.rs",
        "// use crate::mlp::Dense; (a comment)\nuse super::Shape;\n",
    );
    write("mlp.rs", "pub struct Dense;\n");
    let g = graph(src);
    assert_eq!(circle(&g), None, "{g:?}");
    let net: Module = vec!["net".into()];
    assert!(g[&net].contains(&vec!["mlp".to_string()]), "{g:?}");
    write("mlp.rs", "fn f() -> crate::net::conv::X { todo!() }\n");
    let c = circle(&graph(src)).expect("mlp → net::conv → net → mlp");
    assert_eq!(shown(&c).matches('→').count(), 3, "{}", shown(&c));
}
