//! The crate's file modules depend on each other one way only: this test reads every
//! `src/**/*.rs` of the library, draws the graph of the modules each file names, and fails on
//! any cycle, spelling it out (`a → b → a`).
//!
//! Why a hand-written scanner and not `syn` or `cargo modules`: paths inside macro invocations
//! (`format!`, `tracing::info!`, `sqlx::query!`) are edges too, and `syn` leaves those as raw
//! tokens; a tokenizer that drops comments and literals and then reads paths sees them all, and
//! costs no dependency. What counts as an edge:
//! - every `use` (also `pub use`, a re-export) rooted in `crate`, `super`, `self`, a child module
//!   declared in the file, or a module the file imported by name (`use crate::staff;` makes a
//!   later `staff::directory::record` an edge to `staff::directory`);
//! - every inline path with such a root (`crate::staff::complete_break_glass(…)`);
//! - each path resolves to the deepest module that exists as a file (`mod.rs` is its folder's
//!   module), so `crate::web::page::redirect` is an edge to `web::page`.
//!
//! Declaring a child (`pub mod x;`) is not an edge. Inline modules belong to their file: `super`
//! there is the file's own module.
//!
//! Items under `#[cfg(test)]` (unit-test modules) are left out, as `cargo modules` leaves them
//! out unless asked: they are not part of the built crate, and a round-trip test of the FHIR
//! importer and exporter must name both. A test-only file (`mod test_support;` under
//! `#[cfg(test)]`) is still read, and what it names still counts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[path = "common/rust_tokens.rs"]
mod rust_tokens;
use rust_tokens::Token;

/// Tokens of Rust source with comments, literals, lifetimes and numbers dropped: the shared
/// tokenizer's, without its string literals (no module path is ever inside one).
fn tokenize(src: &str) -> Vec<Token> {
    rust_tokens::tokenize(src)
        .into_iter()
        .filter(|t| !matches!(t, Token::Str(..)))
        .collect()
}

/// Every path a file names, as absolute segment lists (`["crate", "staff", "directory", "record"]`).
/// `module` is the file's module path (`["crate", "auth", "routes"]`).
fn named_paths(src: &str, module: &[String]) -> Vec<Vec<String>> {
    let tokens = tokenize(src);
    // Children declared in this file, and the names `use` brought into scope from this crate.
    let mut roots: HashMap<String, Vec<String>> = HashMap::new();
    let mut k = 0;
    while k + 2 < tokens.len() {
        if let (Token::Ident(m), Token::Ident(name), Token::Punct(';')) =
            (&tokens[k], &tokens[k + 1], &tokens[k + 2])
        {
            if m == "mod" {
                let mut child = module.to_vec();
                child.push(name.clone());
                roots.insert(name.clone(), child);
            }
        }
        k += 1;
    }

    let mut paths = Vec::new();
    // Inline modules: (name, brace depth at which it closes).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let current: Vec<String> = module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(name, _)| name.clone()))
            .collect();
        match &tokens[i] {
            Token::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Token::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Token::Punct('#') if is_cfg_test(&tokens, i) => i = skip_item(&tokens, i),
            Token::Ident(word) if word == "mod" => {
                if let (Some(Token::Ident(name)), Some(Token::Punct('{'))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    depth += 1;
                    inline.push((name.clone(), depth));
                    i += 3;
                } else {
                    i += 1;
                }
            }
            Token::Ident(word) if word == "use" => {
                let mut found = Vec::new();
                i = use_tree(&tokens, i + 1, Vec::new(), &mut found);
                for path in found {
                    if let Some(abs) = absolute(&path, &current, &roots) {
                        // `use crate::staff;` lets later code say `staff::…`.
                        let local = path.last().cloned().unwrap_or_default();
                        if local != "*" && local != "self" && !abs.is_empty() {
                            roots.entry(local).or_insert_with(|| abs.clone());
                        }
                        paths.push(abs);
                    }
                }
            }
            Token::Ident(first) => {
                let after_sep = i > 0 && tokens[i - 1] == Token::PathSep;
                let mut path = vec![first.clone()];
                let mut j = i + 1;
                while let (Some(Token::PathSep), Some(Token::Ident(seg))) =
                    (tokens.get(j), tokens.get(j + 1))
                {
                    path.push(seg.clone());
                    j += 2;
                }
                if !after_sep && path.len() > 1 {
                    if let Some(abs) = absolute(&path, &current, &roots) {
                        paths.push(abs);
                    }
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    paths
}

/// Whether `#[cfg(test)]` starts at `i`.
fn is_cfg_test(tokens: &[Token], i: usize) -> bool {
    let want = [
        Token::Punct('#'),
        Token::Punct('['),
        Token::Ident("cfg".to_owned()),
        Token::Punct('('),
        Token::Ident("test".to_owned()),
        Token::Punct(')'),
        Token::Punct(']'),
    ];
    tokens.get(i..i + want.len()) == Some(&want[..])
}

/// Skips the attributes starting at `i` and the item they are on (up to its `;` or the end of
/// its braces); returns the index after it.
fn skip_item(tokens: &[Token], mut i: usize) -> usize {
    // The attributes: `#[…]`, brackets balanced.
    while tokens.get(i) == Some(&Token::Punct('#')) {
        i += 1;
        let mut depth = 0usize;
        while let Some(t) = tokens.get(i) {
            i += 1;
            match t {
                Token::Punct('[') => depth += 1,
                Token::Punct(']') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    // The item.
    let mut depth = 0usize;
    while let Some(t) = tokens.get(i) {
        i += 1;
        match t {
            Token::Punct(';') if depth == 0 => break,
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    i
}

/// Reads one use tree starting at `i`; pushes every leaf path (with `as` aliases dropped, a
/// `self` leaf meaning its prefix); returns the index after the tree.
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let mut path = prefix;
    loop {
        match tokens.get(i) {
            Some(Token::PathSep) => i += 1,
            Some(Token::Ident(seg)) if seg == "as" => {
                // `as name` / `as _`: the alias is not part of the path.
                i += 2;
                out.push(path);
                return i;
            }
            Some(Token::Ident(seg)) => {
                if seg == "self" && !path.is_empty() {
                    // `a::{self, B}`: `self` is `a` itself.
                } else {
                    path.push(seg.clone());
                }
                i += 1;
            }
            Some(Token::Punct('*')) => {
                path.push("*".to_owned());
                out.push(path);
                return i + 1;
            }
            Some(Token::Punct('{')) => {
                i += 1;
                loop {
                    match tokens.get(i) {
                        Some(Token::Punct('}')) => return i + 1,
                        Some(Token::Punct(',')) => i += 1,
                        None => return i,
                        _ => i = use_tree(tokens, i, path.clone(), out),
                    }
                }
            }
            _ => {
                if !path.is_empty() {
                    out.push(path);
                }
                return i;
            }
        }
    }
}

/// The absolute form of a path named in module `current`, or `None` for one outside the crate.
fn absolute(
    path: &[String],
    current: &[String],
    roots: &HashMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let first = path.first()?;
    let (mut abs, rest) = match first.as_str() {
        "crate" | "$crate" => (vec!["crate".to_owned()], &path[1..]),
        "self" => (current.to_vec(), &path[1..]),
        "super" => {
            let mut base = current.to_vec();
            let mut rest = path;
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
            if base.is_empty() {
                return None;
            }
            (base, rest)
        }
        name => (roots.get(name)?.clone(), &path[1..]),
    };
    abs.extend(rest.iter().filter(|s| *s != "*").cloned());
    Some(abs)
}

/// The module path of a source file: `src/lib.rs` is `crate`, `src/a/mod.rs` and `src/a.rs` are
/// `crate::a`, `src/a/b.rs` is `crate::a::b`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut module = vec!["crate".to_owned()];
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    for (k, part) in parts.iter().enumerate() {
        if k + 1 == parts.len() {
            let stem = part.trim_end_matches(".rs");
            if stem != "mod" && stem != "lib" {
                module.push(stem.to_owned());
            }
        } else {
            module.push(part.clone());
        }
    }
    module
}

/// The deepest module of `modules` that `path` lies in.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|len| path[..len].to_vec())
        .find(|prefix| modules.contains(prefix))
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Module graph from `(module path, source)` pairs; nodes are written `auth::routes` (`crate` for
/// the root).
fn graph(files: &[(Vec<String>, String)]) -> Graph {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    let name = |m: &[String]| {
        if m.len() == 1 {
            "crate".to_owned()
        } else {
            m[1..].join("::")
        }
    };
    let mut graph = Graph::new();
    for (module, src) in files {
        let from = name(module);
        let edges = graph.entry(from.clone()).or_default();
        for path in named_paths(src, module) {
            if let Some(target) = resolve(&path, &modules) {
                let to = name(&target);
                if to != from {
                    edges.insert(to);
                }
            }
        }
    }
    graph
}

/// Every cycle of the graph, one per strongly connected component, spelled `a → b → a`.
fn cycles(graph: &Graph) -> Vec<String> {
    // Tarjan's strongly connected components.
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: HashMap<&'g str, usize>,
        low: HashMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        components: Vec<Vec<&'g str>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.components.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for v in graph.keys() {
        if !tarjan.index.contains_key(v.as_str()) {
            tarjan.visit(v);
        }
    }
    // Spell one cycle through the smallest member of each component (shortest, by breadth first).
    let mut found = Vec::new();
    for component in &tarjan.components {
        let members: BTreeSet<&str> = component.iter().copied().collect();
        let start = *members.iter().next().expect("a component has members");
        let mut came_from: HashMap<&str, &str> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut last = None;
        'search: while let Some(v) = queue.pop_front() {
            for w in graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if w == start {
                    last = Some(v);
                    break 'search;
                }
                if members.contains(w) && !came_from.contains_key(w) {
                    came_from.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut middle = Vec::new();
        let mut v = last.expect("a strongly connected component has a cycle through each member");
        while v != start {
            middle.push(v);
            v = came_from[v];
        }
        middle.reverse();
        let cycle: Vec<&str> = [start].into_iter().chain(middle).chain([start]).collect();
        let mut line = cycle.join(" → ");
        line.push_str(&format!(
            "   (component of {}: {:?})",
            members.len(),
            members
        ));
        found.push(line);
    }
    found
}

fn library_files() -> Vec<(Vec<String>, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut pending = vec![src.clone()];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path: PathBuf = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&src).expect("under src").to_path_buf();
                // `main.rs` is the binary, a crate of its own that uses the library from outside.
                if relative == Path::new("main.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                files.push((module_of(&relative), text));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_crate_s_modules_depend_on_each_other_one_way() {
    let files = library_files();
    assert!(files.len() > 20, "found the crate's files");
    let graph = graph(&files);
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "module dependency cycles (state imports no handler; handlers import state; helpers live \
         in web/; nothing below a handler imports it):\n{}",
        found.join("\n")
    );
}

// The scanner itself, on small sources: each of these fails if it missed an edge or saw a false one.

fn m(path: &str) -> Vec<String> {
    path.split("::").map(str::to_owned).collect()
}

fn files(list: &[(&str, &str)]) -> Vec<(Vec<String>, String)> {
    list.iter().map(|(p, s)| (m(p), (*s).to_owned())).collect()
}

fn edges(graph: &Graph, from: &str) -> Vec<String> {
    graph.get(from).into_iter().flatten().cloned().collect()
}

#[test]
fn use_trees_expand_to_every_leaf() {
    let paths = named_paths(
        "use crate::{a::{self, X as Y}, b::*}; pub use super::c::D; use std::fmt;",
        &m("crate::m::n"),
    );
    assert_eq!(
        paths,
        vec![
            m("crate::a"),
            m("crate::a::X"),
            m("crate::b"),
            m("crate::m::c::D")
        ]
    );
}

#[test]
fn inline_paths_comments_and_strings() {
    let src = r##"
        // crate::in_comment::f();
        /* crate::in_block /* nested */ crate::still_comment */
        fn f<'a>(x: &'a str) -> char {
            let _ = "crate::in_string";
            let _ = r#"crate::in_raw "string" "#;
            crate::staff::complete_break_glass(x);
            tracing::info!("{}", crate::web::page::redirect("/"));
            '"'
        }
        fn g() { self::h(); }
    "##;
    let paths = named_paths(src, &m("crate::auth::routes"));
    assert_eq!(
        paths,
        vec![
            m("crate::staff::complete_break_glass"),
            m("crate::web::page::redirect"),
            m("crate::auth::routes::h"),
        ]
    );
}

#[test]
fn children_and_imported_modules_are_roots() {
    let src =
        "mod flows; pub use flows::Step; use crate::staff; fn f() { staff::directory::record(); }";
    let paths = named_paths(src, &m("crate::b2c_emulator"));
    assert_eq!(
        paths,
        vec![
            m("crate::b2c_emulator::flows::Step"),
            m("crate::staff"),
            m("crate::staff::directory::record"),
        ]
    );
}

#[test]
fn super_in_an_inline_module_is_the_file_itself() {
    let src = "fn a() {} mod inner { use super::*; fn t() { super::super::x::y(); } } fn b() { self::a(); }";
    let paths = named_paths(src, &m("crate::p::q"));
    assert_eq!(
        paths,
        vec![m("crate::p::q"), m("crate::p::x::y"), m("crate::p::q::a")]
    );
}

#[test]
fn unit_tests_are_left_out_but_the_code_around_them_is_not() {
    let src = "#[cfg(test)]\n#[allow(unused)]\nmod tests { use crate::a::X; fn f() { crate::b::g(); } }\n\
               #[cfg(test)] use crate::c;\n\
               fn after() { crate::d::h(); }";
    assert_eq!(named_paths(src, &m("crate::p")), vec![m("crate::d::h")]);
}

#[test]
fn declaring_a_child_is_not_an_edge_but_a_reexport_is() {
    let g = graph(&files(&[
        ("crate", "pub mod a; pub mod b;"),
        ("crate::a", "pub mod inner; pub use inner::Thing;"),
        ("crate::a::inner", "pub struct Thing;"),
        (
            "crate::b",
            "use crate::a::inner::Thing; use crate::a::Missing;",
        ),
    ]));
    assert_eq!(edges(&g, "crate"), Vec::<String>::new());
    assert_eq!(edges(&g, "a"), vec!["a::inner".to_owned()]);
    // The deepest module that exists as a file.
    assert_eq!(edges(&g, "b"), vec!["a".to_owned(), "a::inner".to_owned()]);
}

#[test]
fn a_cycle_is_spelled_out() {
    let g = graph(&files(&[
        ("crate", "pub mod a; pub mod b; pub mod c; pub mod d;"),
        ("crate::a", "use crate::b::X;"),
        ("crate::b", "fn f() { crate::c::g(); }"),
        ("crate::c", "use super::a;"),
        ("crate::d", "use crate::a;"),
    ]));
    let found = cycles(&g);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("a → b → c → a"), "{}", found[0]);
    // Edges to a parent from its own child count as well.
    let g = graph(&files(&[
        ("crate", "pub mod a; pub fn root() { a::f(); }"),
        ("crate::a", "pub fn f() { crate::root(); }"),
    ]));
    assert!(
        cycles(&g)[0].starts_with("a → crate → a"),
        "{:?}",
        cycles(&g)
    );
}

#[test]
fn an_acyclic_graph_passes() {
    let g = graph(&files(&[
        ("crate", "pub mod a; pub mod b;"),
        ("crate::a", "use crate::b::X;"),
        ("crate::b", "pub struct X;"),
    ]));
    assert!(cycles(&g).is_empty());
}

/// Prints the graph (`cargo test --test module_graph -- --ignored --nocapture print`).
#[test]
#[ignore = "a drawing aid, not a check"]
fn print_the_graph() {
    for (from, to) in graph(&library_files()) {
        println!(
            "{from} -> {}",
            to.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
}
