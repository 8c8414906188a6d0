//! Checking rules against their own examples: every positive example must produce a
//! finding with a part from the rule, every negative one must not, and the prefilter must
//! find exactly what trying every position finds. `cargo test` runs this on the built-in
//! rules; `keyhound rules check` on a configuration's rules.

use crate::finding::{Finding, Kind};
use crate::scanner::Scanner;

/// One example that does not behave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule (or pairing) id.
    pub rule_id: String,
    /// The example text.
    pub example: String,
    /// What went wrong.
    pub problem: &'static str,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "rule {}: {}: {:?}",
            self.rule_id, self.problem, self.example
        )
    }
}

fn has_part_of(findings: &[Finding], rule_id: &str) -> bool {
    findings
        .iter()
        .any(|f| f.parts.iter().any(|p| p.rule_id == rule_id))
}

/// Runs every example of every rule of `scanner` (and of its pairing) through the whole
/// scanner and through the exhaustive reference; returns what misbehaved.
pub fn check_examples(scanner: &Scanner) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let mut fail = |rule_id: &str, example: &str, problem| {
        failures.push(ExampleFailure {
            rule_id: rule_id.to_string(),
            example: example.to_string(),
            problem,
        })
    };
    let mut check =
        |rule_id: &str, example: &str, wanted: bool, found: &dyn Fn(&[Finding]) -> bool| {
            let findings = scanner.scan(example.as_bytes());
            if findings != scanner.scan_exhaustive(example.as_bytes()) {
                fail(
                    rule_id,
                    example,
                    "the prefilter and the exhaustive reference disagree",
                );
            }
            match (wanted, found(&findings)) {
                (true, false) => fail(rule_id, example, "positive example not found"),
                (false, true) => fail(rule_id, example, "negative example matched"),
                _ => {}
            }
        };
    for rule in scanner.rules().rules() {
        let found = |findings: &[Finding]| has_part_of(findings, rule.id());
        for example in rule.examples() {
            check(rule.id(), example, true, &found);
        }
        for example in rule.negative_examples() {
            check(rule.id(), example, false, &found);
        }
    }
    if let Some(pairing) = scanner.rules().pairing() {
        let paired = |findings: &[Finding]| {
            findings
                .iter()
                .any(|f| f.kind == Kind::Credential && f.rule_id == pairing.rule_id())
        };
        let any_pair = |findings: &[Finding]| findings.iter().any(|f| f.kind == Kind::Credential);
        for example in pairing.examples() {
            check(pairing.rule_id(), example, true, &paired);
        }
        for example in pairing.negative_examples() {
            check(pairing.rule_id(), example, false, &any_pair);
        }
    }
    failures
}
