//! The top-level module graph of `src/`, computed from the source and checked for
//! circles.
//!
//! Each file or directory directly under `src/` is a module (`lib.rs` and `main.rs` are
//! the root, not modules). Module A depends on module B when a file of A mentions
//! `crate::B` — in a path, a `use`, a doc link — or names B inside a
//! `use crate::{…}` group. The test prints the graph (`cargo test --test module_graph
//! -- --nocapture`) and fails when modules depend on each other in a circle that
//! [`KNOWN_CIRCLES`] does not allow.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules allowed to stay in a circle, each circle as the sorted list of its modules:
/// none. The last two (diagnose ↔ path, probe ↔ send) went with issue 11; a new circle
/// fails the test, and an entry here that no longer names a circle fails it too.
const KNOWN_CIRCLES: &[&[&str]] = &[];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The top-level modules: every `*.rs` file and directory under `src/`.
fn modules() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(root().join("src")).expect("src/") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        if path.is_dir() {
            out.insert(name);
        } else if let Some(stem) = name.strip_suffix(".rs")
            && stem != "lib"
            && stem != "main"
        {
            out.insert(stem.to_string());
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    for e in std::fs::read_dir(dir).expect("readable dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The modules `text` names after `crate::`: plain paths, and the first segment of
/// every path inside a `crate::{…}` group (nested groups included).
fn mentions(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        // `ppdiag_crate::x` or `my_crate::x` are not this crate.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_heads(group));
        } else {
            out.insert(ident(rest).to_string());
        }
    }
    out.remove("");
    out
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segments of the paths in a `{a, b::c, d::{e, f}}` group (given without
/// its opening brace).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_start = true;
    let mut i = 0;
    let bytes = group.as_bytes();
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' if depth == 0 => break,
            b'}' => depth -= 1,
            b',' if depth == 0 => at_start = true,
            c if at_start && depth == 0 && (c.is_ascii_alphabetic() || c == b'_') => {
                let id = ident(&group[i..]);
                heads.push(id.to_string());
                i += id.len();
                at_start = false;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

fn graph() -> Graph {
    let mods = modules();
    let mut g = Graph::new();
    for m in &mods {
        let mut files = Vec::new();
        let dir = root().join("src").join(m);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            rust_files(&root().join("src").join(format!("{m}.rs")), &mut files);
        }
        let deps = g.entry(m.clone()).or_default();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable source");
            for other in mentions(&text) {
                if &other != m && mods.contains(&other) {
                    deps.insert(other);
                }
            }
        }
    }
    g
}

/// The strongly connected components with more than one module (Tarjan), each sorted.
fn circles(g: &Graph) -> BTreeSet<Vec<String>> {
    struct State<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: BTreeSet<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.g[v] {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.insert(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: BTreeSet::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_module_circle_beyond_the_known_ones() {
    let g = graph();
    println!("top-level modules of src/ and what each uses:");
    for (m, deps) in &g {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        println!("  {m} -> {}", deps.join(", "));
    }
    let found = circles(&g);
    println!("circles: {found:?}");
    let known: BTreeSet<Vec<String>> = KNOWN_CIRCLES
        .iter()
        .map(|c| {
            let mut c: Vec<String> = c.iter().map(|s| s.to_string()).collect();
            c.sort();
            c
        })
        .collect();
    let new: Vec<&Vec<String>> = found.difference(&known).collect();
    assert!(
        new.is_empty(),
        "modules in a circle (not in KNOWN_CIRCLES): {new:?}; the graph is printed above"
    );
    let gone: Vec<&Vec<String>> = known.difference(&found).collect();
    assert!(
        gone.is_empty(),
        "circles in KNOWN_CIRCLES that no longer exist, delete them there: {gone:?}"
    );
}

#[test]
fn mentions_read_paths_and_groups() {
    let m = mentions(
        "use crate::a::b;\nuse crate::{c, d::{e, f}, g::h};\n/// [`crate::i`]\nmy_crate::j",
    );
    let m: Vec<&str> = m.iter().map(String::as_str).collect();
    assert_eq!(m, ["a", "c", "d", "g", "i"]);
    let mut g = Graph::new();
    for (a, b) in [("x", "y"), ("y", "z"), ("z", "x"), ("z", "w")] {
        g.entry(a.into()).or_default().insert(b.into());
        g.entry(b.into()).or_default();
    }
    let c = circles(&g);
    assert_eq!(c.len(), 1);
    assert_eq!(c.first().unwrap(), &["x", "y", "z"]);
}
