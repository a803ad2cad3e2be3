//! The rule index (`docs/rules.md`), generated from the code: every rule id of
//! `domain::rules::RuleId` with its one-line statement, the domain function whose doc comment
//! starts with the id (the convention `domain/tests/rule_homes.rs` enforces), and every test
//! whose name cites the id. A drift test compares the committed file with this output.
//!
//!   cargo run -q -p tests --bin rules-index > docs/rules.md

use domain::rules::RuleId;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `COM-3.5` → `com_3_5`, `DIA-PEN-LATEFILL` → `dia_pen_latefill`.
pub fn snake(id: &str) -> String {
    id.to_lowercase().replace(['-', '.'], "_")
}

/// Rust sources under `dir`, as (path relative to `root`, text), in path order.
fn sources(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            sources(root, &p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            if let Ok(text) = std::fs::read_to_string(&p) {
                let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                out.push((rel.replace('\\', "/"), text));
            }
        }
    }
}

/// `domain/src/quality/score.rs` → `domain::quality::score`; `…/mod.rs` and `lib.rs` name
/// their folder.
fn module_path(file: &str) -> String {
    let inner = file.trim_start_matches("domain/src/").trim_end_matches(".rs");
    let mut parts: Vec<&str> = inner.split('/').collect();
    if matches!(parts.last(), Some(&"mod") | Some(&"lib")) {
        parts.pop();
    }
    std::iter::once("domain").chain(parts).collect::<Vec<_>>().join("::")
}

/// The name of the fn declared on `line`, if it declares one. Rule homes are plain fns, as
/// `rule_homes.rs` counts them (a port's `async fn` is storage, not the rule); tests may be async.
fn fn_name(line: &str, async_too: bool) -> Option<&str> {
    let mut t = line.trim_start();
    for p in ["pub(crate) ", "pub "] {
        t = t.strip_prefix(p).unwrap_or(t);
    }
    if async_too {
        t = t.strip_prefix("async ").unwrap_or(t);
    }
    let rest = t.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end])
}

/// The type of the `impl` block enclosing line `i` (an indented fn), if any.
fn enclosing_impl(lines: &[&str], i: usize) -> Option<String> {
    if !lines[i].starts_with(' ') {
        return None;
    }
    let header = lines[..i]
        .iter()
        .rev()
        .find(|l| !l.starts_with([' ', '}', '/', '#']) && !l.is_empty())?;
    let header = header.strip_prefix("impl")?.trim_end_matches('{').trim();
    let ty = header.rsplit(" for ").next().unwrap_or(header).trim();
    let ty = ty.split('<').next().unwrap_or(ty).trim();
    Some(ty.to_owned())
}

/// Where each rule id has its domain function: `domain::…::name`.
fn homes(domain: &[(String, String)]) -> BTreeMap<RuleId, Vec<String>> {
    let mut out: BTreeMap<RuleId, Vec<String>> = BTreeMap::new();
    for (path, text) in domain {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(rest) = line.trim_start().strip_prefix("/// ") else {
                continue;
            };
            let Some((id, _)) = rest.split_once(':') else {
                continue;
            };
            let Some(id) = RuleId::parse(id) else {
                continue;
            };
            let item = lines[i + 1..]
                .iter()
                .enumerate()
                .find(|(_, l)| {
                    let t = l.trim_start();
                    !t.starts_with("///") && !t.starts_with("#[")
                })
                .map(|(k, l)| (i + 1 + k, *l));
            if let Some((at, name)) = item.and_then(|(at, l)| fn_name(l, false).map(|n| (at, n))) {
                let owner = enclosing_impl(&lines, at).map(|t| format!("{t}::")).unwrap_or_default();
                out.entry(id)
                    .or_default()
                    .push(format!("{}::{owner}{name}", module_path(path)));
            }
        }
    }
    out
}

/// The ids a test name cites: at each word boundary of the name, the longest snake-case id
/// that starts there and ends at a word boundary (`dia_pen_falsified_sup_…` cites
/// DIA-PEN-FALSIFIED-SUP, not DIA-PEN-FALSIFIED; `com_3_1_…` cites COM-3.1, not COM-3).
pub fn cited_ids(name: &str) -> Vec<RuleId> {
    let ids: Vec<(String, RuleId)> = RuleId::ALL.iter().map(|r| (snake(r.as_str()), *r)).collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < name.len() {
        let rest = &name[at..];
        let best = ids
            .iter()
            .filter(|(s, _)| rest.starts_with(s.as_str()) && matches!(rest.as_bytes().get(s.len()), None | Some(b'_')))
            .max_by_key(|(s, _)| s.len());
        match best {
            Some((s, id)) => {
                if !found.contains(id) {
                    found.push(*id);
                }
                at += s.len() + 1;
            }
            None => match rest.find('_') {
                Some(k) => at += k + 1,
                None => break,
            },
        }
    }
    found
}

/// Test names in a file: `fn` items under `#[test]`/`#[tokio::test]`/`proptest!`-style
/// attributes and the scenarios of `engine_test!` (each runs on both engines).
fn test_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[test]") || t.starts_with("#[tokio::test") {
            let name = lines[i + 1..]
                .iter()
                .find(|l| !l.trim_start().starts_with("#["))
                .and_then(|l| fn_name(l, true));
            if let Some(n) = name {
                names.push(n.to_owned());
            }
        }
    }
    let mut rest = text;
    while let Some(k) = rest.find("engine_test!(") {
        rest = &rest[k + "engine_test!(".len()..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with('$') {
            names.push(name);
        }
    }
    names
}

/// The index as Markdown.
pub fn render(root: &Path) -> String {
    let mut domain = Vec::new();
    sources(root, &root.join("domain/src"), &mut domain);
    let homes = homes(&domain);
    let mut tested = Vec::new();
    for dir in ["domain", "infra/src", "api/src", "tests/tests"] {
        sources(root, &root.join(dir), &mut tested);
    }
    let mut tests: BTreeMap<RuleId, Vec<String>> = BTreeMap::new();
    for (path, text) in &tested {
        for name in test_names(text) {
            for id in cited_ids(&name) {
                tests.entry(id).or_default().push(format!("`{name}` ({path})"));
            }
        }
    }
    let mut out = String::new();
    out.push_str(
        "# Rule index\n\n\
         Every rule id of the rulebook, its statement in one line, the domain function that \
         implements it and the tests named after it. Generated from the code; do not edit by \
         hand:\n\n    cargo run -q -p tests --bin rules-index > docs/rules.md\n\n\
         The statements come from `domain::rules::RuleId::statement`; every number in them is the \
         default of a policy parameter (POL-1). A rule's home is the one domain function whose doc \
         comment starts with its id (`domain/tests/rule_homes.rs` enforces one home and a test). \
         Tests are unit tests of the domain and black-box HTTP scenarios (`tests/tests/api`, each \
         on SQLite and PostgreSQL) whose names cite the id. A rule with no domain function is \
         enforced elsewhere (storage, use cases) or not built yet.\n\n",
    );
    for id in RuleId::ALL {
        let _ = writeln!(out, "## {}\n\n{}\n", id.as_str(), id.statement());
        match homes.get(id) {
            Some(h) => {
                let fns: Vec<String> = h.iter().map(|f| format!("`{f}`")).collect();
                let _ = writeln!(out, "- domain function: {}", fns.join(", "));
            }
            None => {
                let _ = writeln!(out, "- domain function: none");
            }
        }
        match tests.get(id) {
            Some(t) => {
                let _ = writeln!(out, "- tests:");
                for line in t {
                    let _ = writeln!(out, "  - {line}");
                }
            }
            None => {
                let _ = writeln!(out, "- tests: none");
            }
        }
        out.push('\n');
    }
    let implemented = RuleId::ALL.iter().filter(|r| homes.contains_key(r)).count();
    let _ = writeln!(
        out,
        "{} rule ids; {implemented} with a domain function; {} cited by at least one test.",
        RuleId::ALL.len(),
        RuleId::ALL.iter().filter(|r| tests.contains_key(r)).count()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_cite_the_longest_id_at_word_boundaries() {
        assert_eq!(
            cited_ids("dia_pen_falsified_sup_is_fined"),
            vec![RuleId::DiaPenFalsifiedSup]
        );
        assert_eq!(cited_ids("com_3_1_rounds"), vec![RuleId::Com3_1]);
        assert_eq!(cited_ids("com_3_rounds"), vec![RuleId::Com3]);
        assert_eq!(
            cited_ids("quo_face_d_quo_call_d_sql_counts"),
            vec![RuleId::QuoFaceD, RuleId::QuoCallD]
        );
        assert_eq!(cited_ids("time_1_to_3_defaults"), vec![RuleId::Time1]);
        assert_eq!(cited_ids("a_dia_5_spot_check"), vec![RuleId::Dia5]);
        assert!(cited_ids("deadlines_are_kept").is_empty());
        assert!(cited_ids("act_10_is_not_act_1x").is_empty());
    }

    #[test]
    fn module_paths_and_impl_owners() {
        assert_eq!(module_path("domain/src/quality/score.rs"), "domain::quality::score");
        assert_eq!(module_path("domain/src/quota/mod.rs"), "domain::quota");
        let lines = ["impl Diary {", "    /// DIA-2: x", "    pub fn submit(self) {}", "}"];
        assert_eq!(enclosing_impl(&lines, 2).as_deref(), Some("Diary"));
        let lines = ["impl<T> From<T> for Wrap<T> {", "    fn from(t: T) {}"];
        assert_eq!(enclosing_impl(&lines, 1).as_deref(), Some("Wrap"));
    }
}
