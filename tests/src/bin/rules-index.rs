//! Prints the rule index: `cargo run -q -p tests --bin rules-index > docs/rules.md`.

fn main() {
    print!("{}", tests::rules_index::render(&tests::rules_index::workspace_root()));
}
