//! Every rule's examples, positive and negative, run through the whole scanner
//! (prefilter, confirmation, validation, pairing) and through the exhaustive reference.

use keyhound_core::{check_examples, RuleSet, Scanner};

#[test]
fn every_rule_example_behaves() {
    let scanner = Scanner::new(RuleSet::builtin());
    let failures = check_examples(&scanner);
    let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "rule examples failed:\n{}",
        lines.join("\n")
    );
    // The check can fail: a rule whose examples lie is caught.
    let mut builder = RuleSet::builder();
    builder.builtin(false).add_toml(
        "lying.toml",
        &rule_file(
            "my-key",
            r#"["MYK"]"#,
            r"(?P<secret>MYK[0-9]{8})",
            r#"["MYK123"]"#,
        ),
    );
    let lying = Scanner::new(builder.build().unwrap());
    assert_eq!(check_examples(&lying).len(), 1);
}

/// A minimal valid rule file with one field replaced.
fn rule_file(id: &str, anchors: &str, pattern: &str, examples: &str) -> String {
    format!(
        r#"[[rules]]
id = "{id}"
name = "Test"
kind = "access-key-id"
severity = "high"
description = "d"
remediation = "r"
anchors = {anchors}
window = 40
pattern = '''{pattern}'''
examples = {examples}
"#
    )
}

fn build_error(files: &[String]) -> String {
    let mut builder = RuleSet::builder();
    builder.builtin(false);
    for (i, file) in files.iter().enumerate() {
        builder.add_toml(&format!("custom{i}.toml"), file);
    }
    builder
        .build()
        .expect_err("the rule set must be rejected")
        .to_string()
}

#[test]
fn the_lint_rejects_bad_rules_naming_file_and_rule() {
    let good = || {
        rule_file(
            "my-key",
            r#"["MYK"]"#,
            r"(?P<secret>MYK[0-9]{8})",
            r#"["MYK12345678"]"#,
        )
    };
    let mut builder = RuleSet::builder();
    builder.builtin(false).add_toml("custom.toml", &good());
    let rules = builder.build().expect("a good rule builds");
    assert_eq!(Scanner::new(rules).scan(b"x MYK12345678 y").len(), 1);

    let cases = [
        (
            vec![good(), good()],
            "custom1.toml:2: rule my-key: duplicate rule id",
        ),
        (
            vec![rule_file(
                "My_Key",
                r#"["MYK"]"#,
                r"(?P<secret>MYK)",
                r#"["MYK"]"#,
            )],
            "custom0.toml:2: rule My_Key: id must be lower-case words joined by '-'",
        ),
        (
            vec![rule_file(
                "my-key",
                r#"["MYK"]"#,
                r"MYK[0-9]{8}",
                r#"["MYK12345678"]"#,
            )],
            "custom0.toml:2: rule my-key: pattern has no (?P<secret>…) capture group",
        ),
        (
            vec![rule_file(
                "my-key",
                r#"["MYK"]"#,
                r"(?P<secret>MYK[0-9]{8})",
                r#"["12345678"]"#,
            )],
            "custom0.toml:2: rule my-key: positive example 1 of 1 contains none of the anchors",
        ),
        (
            vec![rule_file(
                "my-key",
                r#"["MYK"]"#,
                r"(?P<secret>MYK[0-9]{8}",
                r#"["MYK12345678"]"#,
            )],
            "custom0.toml:2: rule my-key: pattern does not compile",
        ),
        (
            vec![rule_file(
                "my-key",
                r#"["MY"]"#,
                r"(?P<secret>MY[0-9]{8})",
                r#"["MY12345678"]"#,
            )],
            "custom0.toml:2: rule my-key: every rule needs anchors, each at least 3 bytes long",
        ),
        (
            vec!["[[rules]]\nid = 3\n".to_string()],
            "custom0.toml:2: invalid type",
        ),
    ];
    for (files, want) in cases {
        let got = build_error(&files);
        assert!(got.starts_with(want), "want {want:?}\n got {got:?}");
    }
}

#[test]
fn pathological_patterns_compile_or_fail_on_the_size_limit() {
    // The CVE-2022-24713 shape: an empty group repeated 2^32 - 1 times compiles to nothing.
    // Over the size limit: rejected with a message naming the rule.
    for (pattern, rejected) in [
        (r"(?P<secret>MYK(?:){4294967295})", false),
        (r"(?P<secret>MYK(?:\w{1000}){1000})", true),
    ] {
        let mut builder = RuleSet::builder();
        builder.builtin(false).add_toml(
            "custom.toml",
            &rule_file("my-key", r#"["MYK"]"#, pattern, r#"["MYK1"]"#),
        );
        // Speed is not asserted here: a pattern over the limit is refused by the regex
        // compiler's size limit, which is what keeps compilation bounded.
        match builder.build() {
            Err(err) => {
                assert!(rejected, "{pattern}: {err}");
                let message = err.to_string();
                assert!(
                    message.starts_with("custom.toml:2: rule my-key: pattern does not compile"),
                    "{err}"
                );
                assert!(message.contains("size limit"), "{err}");
            }
            Ok(rules) => {
                assert!(!rejected, "{pattern} compiled");
                assert_eq!(Scanner::new(rules).scan(b"MYK1").len(), 1);
            }
        }
    }
}
