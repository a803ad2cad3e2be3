//! Every rule id has exactly one home: one domain function whose doc comment starts with the
//! id (`/// COM-5: …`), and a unit test whose name starts with the id in snake case
//! (`fn com_5_…`). This reads the domain's own sources, so a second implementation of a rule,
//! or a rule without its test, fails the build's tests.

use domain::rules::RuleId;
use std::collections::BTreeMap;
use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.push((p.display().to_string(), text));
            }
        }
    }
}

/// `COM-3.5` → `com_3_5`, `DIA-PEN-LATEFILL` → `dia_pen_latefill`.
fn snake(id: &str) -> String {
    id.to_lowercase().replace(['-', '.'], "_")
}

/// The ids whose rule must be implemented in the domain today.
const REQUIRED: &[&str] = &[
    "TIME-1",
    "TIME-2",
    "TIME-3",
    "POL-1",
    "ACT-2",
    "ACT-3",
    "ACT-5",
    "QUO-FACE-D",
    "QUO-FACE-M",
    "QUO-CALL-D",
    "QUO-CALL-M",
    "QUO-RENEW",
    "QUO-OUTLET",
    "QUO-MEET",
    "QUO-3",
    "DIA-1",
    "DIA-2",
    "DIA-3",
    "DIA-4",
    "DIA-5",
    "ACT-PEN-MISS",
    "DIA-PEN-MISSING",
    "DIA-PEN-LATEFILL",
    "DIA-PEN-UNREVIEWED",
    "PEN-3",
    "LEAD-1",
    "LEAD-2",
    "QLT-1",
    "QLT-3",
    "QLT-4",
    "QLT-5",
    "COM-2",
    "COM-3.1",
    "COM-5",
    "COM-7",
    "COM-8",
    "LEDGER-2",
    "LIC-1",
    "LIC-2",
    "LIC-3",
];

#[test]
fn every_rule_id_lives_in_one_domain_function_with_a_test_named_after_it() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut homes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut tests: BTreeMap<&str, usize> = BTreeMap::new();
    for (path, text) in &files {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            for id in RuleId::ALL {
                let id = id.as_str();
                if let Some(rest) = t.strip_prefix("/// ").and_then(|r| r.strip_prefix(id)) {
                    if !rest.starts_with(':') {
                        continue;
                    }
                    // The item the doc comment belongs to must be a function.
                    let item = lines[i + 1..]
                        .iter()
                        .map(|l| l.trim_start())
                        .find(|l| !l.starts_with("///") && !l.starts_with("#["));
                    if item.is_some_and(|l| {
                        l.starts_with("pub fn ") || l.starts_with("fn ") || l.starts_with("pub(crate) fn ")
                    }) {
                        homes.entry(id).or_default().push(format!("{path}:{}", i + 1));
                    }
                }
                let prefix = format!("fn {}_", snake(id));
                if t.starts_with(&prefix) {
                    *tests.entry(id).or_default() += 1;
                }
            }
        }
    }
    let mut problems = Vec::new();
    for (id, places) in &homes {
        if places.len() > 1 {
            problems.push(format!("{id} has {} homes: {}", places.len(), places.join(", ")));
        }
        if !tests.contains_key(id) {
            problems.push(format!("{id} has no test named `{}_…`", snake(id)));
        }
    }
    for id in REQUIRED {
        if !homes.contains_key(id) {
            problems.push(format!("{id} has no domain function (`/// {id}: …` on a fn)"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
