//! The rule file format as written: what `rules/*.toml` and user configs deserialize into.
//!
//! These types mirror the TOML one to one and check nothing; [`super::compile`] turns a
//! [`RuleFile`] into compiled [`Rule`](super::Rule)s and reports what is wrong with it.

use serde::Deserialize;

/// A whole rule file: a list of rules and, optionally, how their matches pair up.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The detection rules.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// How key ids, secrets and tokens combine into one credential finding.
    pub pairing: Option<PairingSpec>,
}

/// One rule, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable identifier, lower-case words joined by `-` (e.g. `aws-access-key-id`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the captured secret is: `access-key-id`, `secret-access-key` or `session-token`.
    pub kind: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// What the rule finds and why it matters.
    pub description: String,
    /// What to do about a finding.
    pub remediation: String,
    /// Literals found by the single Aho-Corasick pass; the pattern runs only where one hits.
    pub anchors: Vec<String>,
    /// Bytes after an anchor hit that the pattern may look at.
    pub window: usize,
    /// Regex (`regex` crate syntax, bytes mode) with a `secret` capture group; it must
    /// start with text matched by one of the anchors.
    pub pattern: String,
    /// Checks on the captured secret.
    #[serde(default)]
    pub validate: ValidateSpec,
    /// Inputs that must produce a finding of this rule.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Inputs that must not produce a finding of this rule.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// Checks on a captured secret, as written. Every field is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateSpec {
    /// `alphanumeric` (no letter or digit may touch the secret) or `base64` (no base64
    /// character, `=` or encoded slash may touch it).
    pub boundary: Option<String>,
    /// Reject a secret with more than this many identical characters in a row.
    pub max_repeat: Option<usize>,
    /// Reject a secret whose Shannon entropy (bits per character) is below this.
    pub min_entropy: Option<f64>,
    /// Require both upper- and lower-case letters.
    #[serde(default)]
    pub require_mixed_case: bool,
    /// Reject a secret made only of hex digits.
    #[serde(default)]
    pub reject_hex: bool,
    /// Reject a secret holding an ascending run (`abcde`, `12345`) of this length.
    pub reject_sequences: Option<usize>,
    /// Reject a secret containing any of these words (case-insensitive).
    #[serde(default)]
    pub placeholder_words: Vec<String>,
    /// A secret ending with this is AWS documentation's example: kind `example`.
    pub example_suffix: Option<String>,
    /// A secret containing any of these (case-sensitive) is a published example.
    #[serde(default)]
    pub example_words: Vec<String>,
    /// Values the vendor published as examples, each with where it was published.
    #[serde(default)]
    pub published: Vec<PublishedSpec>,
    /// Runs, sequences, periods and `reject_only_chars` look at the value from this
    /// character on (4 for key ids: past the fixed `AKIA`).
    #[serde(default)]
    pub tail_from: usize,
    /// Reject a value whose tail holds a stretch of at least this many characters that
    /// repeats with a period of at most half its length (`FAKEFAKEFAKE`).
    pub reject_periodic: Option<usize>,
    /// Reject a value whose tail is made only of these characters (`ACGT`: DNA).
    pub reject_only_chars: Option<String>,
    /// Name words that make the assignment strong evidence (see the rule file).
    #[serde(default)]
    pub strong_names: Vec<Vec<String>>,
    /// Names that are weak evidence: they need AWS context nearby or a pair.
    #[serde(default)]
    pub weak_names: Vec<String>,
    /// Secret prefixes that are strong evidence by themselves.
    #[serde(default)]
    pub strong_prefixes: Vec<String>,
}

/// One published example value, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedSpec {
    /// The value as published (decoded: `/`, not `\/` or `%2F`).
    pub value: String,
    /// Where it was published (a document, a package and file).
    pub source: String,
    /// Values within this many single-character edits also count (at most 4).
    #[serde(default)]
    pub max_distance: usize,
}

/// How parts pair into one credential, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingSpec {
    /// Parts further apart than this many lines do not pair.
    pub max_lines: usize,
    /// Parts further apart than this many bytes do not pair.
    pub max_bytes: usize,
    /// Rule id of the combined finding.
    pub rule_id: String,
    /// Human name of the combined finding.
    pub name: String,
    /// Severity of the combined finding.
    pub severity: String,
    /// What a combined finding is.
    pub description: String,
    /// What to do about it.
    pub remediation: String,
    /// Inputs that must produce a combined finding.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Inputs that must not produce a combined finding.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}
