//! Building a rule set takes time linear in its size: ten times the rules take about ten
//! times as long, not a hundred (duplicate-id checks, prefix relations between anchors and
//! wrapped spellings were once all-pairs comparisons: 10k rules took 4.4 s).

use std::time::{Duration, Instant};

use keyhound_core::RuleSet;

/// A rule file of `count` key-id rules, each with its own anchor (key-id rules also get
/// their base64 and UTF-16 spellings in the automaton).
fn rule_file(count: usize) -> String {
    let mut text = String::new();
    for i in 0..count {
        text.push_str(&format!(
            r#"[[rules]]
id = "scale-{i}"
name = "Scale {i}"
kind = "access-key-id"
severity = "low"
description = "d"
remediation = "r"
anchors = ["QK{i:06}X"]
window = 24
pattern = '(?P<secret>QK{i:06}X[0-9]{{8}})'
examples = ["id QK{i:06}X12345678 here"]

"#
        ));
    }
    text
}

/// The fastest of a few builds of `count` rules (the minimum is the least disturbed by
/// whatever else the machine is doing).
fn build_time(count: usize) -> Duration {
    let text = rule_file(count);
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let rules = RuleSet::builder()
                .builtin(false)
                .add_toml("scale.toml", &text)
                .build()
                .expect("the generated rules are valid");
            let took = start.elapsed();
            assert_eq!(rules.rules().len(), count);
            took
        })
        .min()
        .expect("three builds")
}

#[test]
fn ten_times_the_rules_take_about_ten_times_as_long() {
    let small = build_time(1_000);
    let large = build_time(10_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    eprintln!("1k rules: {small:?}, 10k rules: {large:?}, ratio {ratio:.1}");
    // Linear is 10; quadratic would be 100. The margin absorbs a busy machine.
    assert!(
        ratio < 30.0,
        "1k rules: {small:?}, 10k rules: {large:?}, ratio {ratio:.1}"
    );
}
