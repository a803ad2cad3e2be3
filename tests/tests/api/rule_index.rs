/// Regenerate with `cargo run -q -p tests --bin rules-index > docs/rules.md`.
#[test]
fn committed_rule_index_equals_generated() {
    let root = tests::rules_index::workspace_root();
    let committed = std::fs::read_to_string(root.join("docs/rules.md")).unwrap_or_default();
    assert!(
        committed == tests::rules_index::render(&root),
        "docs/rules.md is stale: run `cargo run -q -p tests --bin rules-index > docs/rules.md`"
    );
}

#[test]
fn the_rule_index_names_every_rule_its_home_and_its_tests() {
    let index = tests::rules_index::render(&tests::rules_index::workspace_root());
    for id in domain::rules::RuleId::ALL {
        assert!(
            index.contains(&format!("## {}\n\n{}\n", id.as_str(), id.statement())),
            "{id}"
        );
    }
    // A rule with a home shows it and its tests, from both the domain and the HTTP suite.
    let dia3 = index
        .split("## DIA-3\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_default();
    assert!(
        dia3.contains("`domain::diary::deadlines::classify_submission`"),
        "{dia3}"
    );
    assert!(dia3.contains("(domain/src/"), "{dia3}");
    assert!(dia3.contains("(tests/tests/api/"), "{dia3}");
}
