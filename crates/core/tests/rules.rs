//! Every rule's examples, positive and negative, run through the whole scanner
//! (prefilter, confirmation, validation, pairing) and through the exhaustive reference.

use keyhound_core::{Finding, Kind, RuleSet, Scanner};

fn has_part_of(findings: &[Finding], rule_id: &str) -> bool {
    findings
        .iter()
        .any(|f| f.parts.iter().any(|p| p.rule_id == rule_id))
}

#[test]
fn every_rule_example_behaves() {
    let scanner = Scanner::new(RuleSet::builtin());
    let mut failures = Vec::new();
    for rule in scanner.rules().rules() {
        for example in rule.examples() {
            let findings = scanner.scan(example.as_bytes());
            if !has_part_of(&findings, rule.id()) {
                failures.push(format!(
                    "{}: positive example not found: {example:?}",
                    rule.id()
                ));
            }
            assert_eq!(
                findings,
                scanner.scan_exhaustive(example.as_bytes()),
                "{example:?}"
            );
        }
        for example in rule.negative_examples() {
            let findings = scanner.scan(example.as_bytes());
            if has_part_of(&findings, rule.id()) {
                failures.push(format!(
                    "{}: negative example matched: {example:?} → {findings:?}",
                    rule.id()
                ));
            }
            assert_eq!(
                findings,
                scanner.scan_exhaustive(example.as_bytes()),
                "{example:?}"
            );
        }
    }
    let pairing = scanner.rules().pairing().expect("built-in rules pair");
    for example in pairing.examples() {
        let findings = scanner.scan(example.as_bytes());
        if !findings
            .iter()
            .any(|f| f.kind == Kind::Credential && f.rule_id == pairing.rule_id())
        {
            failures.push(format!(
                "{}: positive example not paired: {example:?} → {findings:?}",
                pairing.rule_id()
            ));
        }
    }
    for example in pairing.negative_examples() {
        let findings = scanner.scan(example.as_bytes());
        if findings.iter().any(|f| f.kind == Kind::Credential) {
            failures.push(format!(
                "{}: negative example paired: {example:?}",
                pairing.rule_id()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "rule examples failed:\n{}",
        failures.join("\n")
    );
}
