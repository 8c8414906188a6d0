//! Rules: the written form ([`spec`]), its compiled form ([`Rule`], [`Pairing`]) and the
//! lint that every rule passes before it is used.

pub(crate) mod spec;

use regex::bytes::{Regex, RegexBuilder};

use crate::error::Error;
use crate::finding::{Kind, RuleId, Severity};
use crate::validate::Validators;
use spec::{PairingSpec, RuleFile, RuleSpec};

/// The built-in rule files, compiled into the library.
pub(crate) const BUILTIN: &[(&str, &str)] =
    &[("builtin:aws.toml", include_str!("../../rules/aws.toml"))];

/// Regex compile limits: generous for real rules, and a wall against patterns built to
/// exhaust memory or time.
const REGEX_SIZE_LIMIT: usize = 4 << 20;
const REGEX_NEST_LIMIT: u32 = 64;

/// The most bytes a rule's pattern may read after an anchor hit. Each hit costs up to this
/// much regex work, so it bounds the cost of a rule that hits often; the built-in rules
/// need at most 2400 (a session token with its name).
pub const MAX_WINDOW: usize = 4096;

/// How strongly an assignment's name says "this is an AWS secret".
#[derive(Clone, Debug, Default)]
pub(crate) struct NameEvidence {
    /// A normalised name containing every word of one entry is strong evidence.
    pub(crate) strong: Vec<Vec<String>>,
    /// A normalised name equal to one of these is weak evidence.
    pub(crate) weak: Vec<String>,
    /// A value starting with one of these is strong evidence whatever the name.
    pub(crate) strong_prefixes: Vec<String>,
}

/// One compiled detection rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub(crate) id: RuleId,
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) severity: Severity,
    pub(crate) description: String,
    pub(crate) remediation: String,
    pub(crate) anchors: Vec<String>,
    pub(crate) window: usize,
    pub(crate) pattern: String,
    /// The pattern anchored at the start of the haystack (`\A(?:…)`).
    pub(crate) regex: Regex,
    pub(crate) secret_group: usize,
    pub(crate) name_group: Option<usize>,
    pub(crate) validators: Validators,
    pub(crate) evidence: NameEvidence,
    pub(crate) examples: Vec<String>,
    pub(crate) negative_examples: Vec<String>,
}

impl Rule {
    /// Stable identifier (`aws-access-key-id`).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Human name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The kind of value it captures.
    pub fn kind(&self) -> Kind {
        self.kind
    }
    /// Severity of a lone match.
    pub fn severity(&self) -> Severity {
        self.severity
    }
    /// What it finds and why it matters.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// What to do about a finding.
    pub fn remediation(&self) -> &str {
        &self.remediation
    }
    /// The prefilter literals.
    pub fn anchors(&self) -> &[String] {
        &self.anchors
    }
    /// The most bytes the pattern reads after an anchor hit (at most [`MAX_WINDOW`]).
    pub fn window(&self) -> usize {
        self.window
    }
    /// The confirmation regex as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
    /// Inputs that must produce a finding of this rule.
    pub fn examples(&self) -> &[String] {
        &self.examples
    }
    /// Inputs that must not.
    pub fn negative_examples(&self) -> &[String] {
        &self.negative_examples
    }
}

/// How key ids, secrets and tokens found close together become one credential finding.
#[derive(Clone, Debug)]
pub struct Pairing {
    pub(crate) max_lines: usize,
    pub(crate) max_bytes: usize,
    pub(crate) rule_id: RuleId,
    pub(crate) name: String,
    pub(crate) severity: Severity,
    pub(crate) description: String,
    pub(crate) remediation: String,
    pub(crate) examples: Vec<String>,
    pub(crate) negative_examples: Vec<String>,
}

impl Pairing {
    /// Rule id of combined findings (`aws-credential`).
    pub fn rule_id(&self) -> &str {
        &self.rule_id
    }
    /// Human name of combined findings.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Severity of combined findings.
    pub fn severity(&self) -> Severity {
        self.severity
    }
    /// What a combined finding is.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// What to do about one.
    pub fn remediation(&self) -> &str {
        &self.remediation
    }
    /// Inputs that must produce a combined finding.
    pub fn examples(&self) -> &[String] {
        &self.examples
    }
    /// Inputs that must not.
    pub fn negative_examples(&self) -> &[String] {
        &self.negative_examples
    }
    /// Parts further apart than this many lines do not pair.
    pub fn max_lines(&self) -> usize {
        self.max_lines
    }
    /// Parts further apart than this many bytes do not pair.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

/// The 1-based line of byte `offset` of `text` (counted in bytes: no slicing, so an
/// offset inside a character cannot panic).
fn line_of(text: &str, offset: usize) -> usize {
    let before = &text.as_bytes()[..offset.min(text.len())];
    1 + memchr::memchr_iter(b'\n', before).count()
}

/// Parses a rule file's text. Errors carry the 1-based line of the problem.
pub(crate) fn parse_file(source: &str, text: &str) -> Result<RuleFile, Error> {
    toml::from_str::<RuleFile>(text).map_err(|err| {
        let line = err.span().map(|span| line_of(text, span.start));
        Error::parse(source, line, err.message())
    })
}

/// Parses the `[[rules]]` of a configuration file, ignoring its other keys.
pub(crate) fn parse_config_rules(source: &str, text: &str) -> Result<RuleFile, Error> {
    #[derive(serde::Deserialize)]
    struct ConfigRules {
        #[serde(default)]
        rules: Vec<spec::RuleSpec>,
    }
    toml::from_str::<ConfigRules>(text)
        .map(|config| RuleFile {
            rules: config.rules,
            pairing: None,
        })
        .map_err(|err| {
            let line = err.span().map(|span| line_of(text, span.start));
            Error::parse(source, line, err.message())
        })
}

/// Rule ids are lower-case ASCII words joined by single dashes.
fn is_well_formed_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Compiles and lints one rule.
pub(crate) fn compile_rule(source: &str, spec: &RuleSpec) -> Result<Rule, Error> {
    let fail = |message: String| Error::rule(source, &spec.id, message);
    if !is_well_formed_id(&spec.id) {
        return Err(fail(
            "id must be lower-case words joined by '-' (e.g. aws-access-key-id)".into(),
        ));
    }
    let kind = Kind::parse_part(&spec.kind).ok_or_else(|| {
        fail(format!(
            "kind {:?} is not one of access-key-id, secret-access-key, session-token",
            spec.kind
        ))
    })?;
    let severity = Severity::parse(&spec.severity).ok_or_else(|| {
        fail(format!(
            "severity {:?} is not one of info, low, medium, high, critical",
            spec.severity
        ))
    })?;
    if spec.anchors.is_empty() || spec.anchors.iter().any(|a| a.len() < 3) {
        return Err(fail(
            "every rule needs anchors, each at least 3 bytes long".into(),
        ));
    }
    if spec.window == 0 || spec.window > MAX_WINDOW {
        return Err(fail(format!(
            "window {} is outside 1..={MAX_WINDOW} (the most a pattern may read after each \
             anchor hit)",
            spec.window
        )));
    }
    let regex = RegexBuilder::new(&format!(r"\A(?:{})", spec.pattern))
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .map_err(|err| fail(format!("pattern does not compile: {}", regex_problem(&err))))?;
    lint_pattern(&spec.pattern).map_err(|why| fail(why.to_string()))?;
    let group = |name: &str| regex.capture_names().position(|n| n == Some(name));
    let secret_group =
        group("secret").ok_or_else(|| fail("pattern has no (?P<secret>…) capture group".into()))?;
    let name_group = group("name");
    if spec.examples.is_empty() {
        return Err(fail("rule has no positive examples".into()));
    }
    if let Some(position) = spec.examples.iter().position(|example| {
        !spec
            .anchors
            .iter()
            .any(|anchor| example.contains(anchor.as_str()))
    }) {
        // Named by its place in the list: an example is a secret-shaped value.
        return Err(fail(format!(
            "positive example {} of {} contains none of the anchors",
            position + 1,
            spec.examples.len()
        )));
    }
    let validators = Validators::compile(&spec.validate).map_err(fail)?;
    Ok(Rule {
        id: RuleId::new(&spec.id),
        name: spec.name.clone(),
        kind,
        severity,
        description: spec.description.clone(),
        remediation: spec.remediation.clone(),
        anchors: spec.anchors.clone(),
        window: spec.window,
        pattern: spec.pattern.clone(),
        regex,
        secret_group,
        name_group,
        validators,
        evidence: NameEvidence {
            strong: spec.validate.strong_names.clone(),
            weak: spec.validate.weak_names.clone(),
            strong_prefixes: spec.validate.strong_prefixes.clone(),
        },
        examples: spec.examples.clone(),
        negative_examples: spec.negative_examples.clone(),
    })
}

/// What the regex crate says is wrong with a pattern, without the pattern: its message
/// quotes the pattern, and a pattern may hold a secret (`AKIA…` pasted by mistake).
pub fn regex_problem(err: &regex::Error) -> String {
    match err {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|line| line.trim().strip_prefix("error:"))
            .map_or_else(
                || "invalid syntax".to_string(),
                |why| why.trim().to_string(),
            ),
        regex::Error::CompiledTooBig(limit) => {
            format!("the compiled pattern is over the size limit of {limit} bytes")
        }
        _ => "invalid pattern".to_string(),
    }
}

/// Refuses patterns whose matches are decided by where the window is cut rather than by
/// the text: a pattern runs over at most `window` bytes after each anchor hit, and the
/// regex sees the window's last byte as the end of its haystack.
///
/// * A pattern (or its `secret` group) that can match the empty string matches at every
///   hit with nothing to report.
/// * `\z`, and `$` outside multi-line mode, match only at the end of the haystack: in a
///   window that is wherever the window ends, not the end of the text.
/// * A pattern whose every match must end at `(?m)$` ends at the window's end as surely
///   as at a line's end (`aaa(a+)+(?m)$` gives a finding at every byte of a long line).
fn lint_pattern(pattern: &str) -> Result<(), &'static str> {
    use regex_syntax::hir::{Hir, HirKind, Look};
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .parse(pattern)
        .map_err(|_| "pattern does not parse")?;
    let props = hir.properties();
    match props.minimum_len() {
        None => return Err("pattern can never match"),
        Some(0) => return Err("pattern can match the empty string"),
        Some(_) => {}
    }
    if props.look_set().contains(Look::End) {
        return Err(
            "pattern uses `$` or `\\z`, which match wherever the window after an \
             anchor hit ends, not where the text ends",
        );
    }
    let suffix = props.look_set_suffix();
    if suffix.contains(Look::EndLF) || suffix.contains(Look::EndCRLF) {
        return Err(
            "every match of the pattern ends at `$`, which also matches wherever the \
             window after an anchor hit ends",
        );
    }
    fn secret(hir: &Hir) -> Option<&Hir> {
        match hir.kind() {
            HirKind::Capture(capture) if capture.name.as_deref() == Some("secret") => {
                Some(&capture.sub)
            }
            HirKind::Capture(capture) => secret(&capture.sub),
            HirKind::Repetition(repetition) => secret(&repetition.sub),
            HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().find_map(secret),
            _ => None,
        }
    }
    if secret(&hir).is_some_and(|sub| sub.properties().minimum_len() == Some(0)) {
        return Err("the secret group can match the empty string");
    }
    Ok(())
}

/// Compiles the pairing table.
pub(crate) fn compile_pairing(source: &str, spec: &PairingSpec) -> Result<Pairing, Error> {
    let fail = |message: String| Error::rule(source, &spec.rule_id, message);
    if !is_well_formed_id(&spec.rule_id) {
        return Err(fail(
            "pairing.rule_id must be lower-case words joined by '-'".into(),
        ));
    }
    let severity = Severity::parse(&spec.severity).ok_or_else(|| {
        fail(format!(
            "pairing.severity {:?} is not a severity",
            spec.severity
        ))
    })?;
    if spec.max_bytes == 0 || spec.max_bytes > 1 << 16 {
        return Err(fail(format!(
            "pairing.max_bytes {} is outside 1..=65536",
            spec.max_bytes
        )));
    }
    Ok(Pairing {
        max_lines: spec.max_lines,
        max_bytes: spec.max_bytes,
        rule_id: RuleId::new(&spec.rule_id),
        name: spec.name.clone(),
        severity,
        description: spec.description.clone(),
        remediation: spec.remediation.clone(),
        examples: spec.examples.clone(),
        negative_examples: spec.negative_examples.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(is_well_formed_id("aws-access-key-id"));
        assert!(!is_well_formed_id("AWS-key"));
        assert!(!is_well_formed_id("aws--key"));
        assert!(!is_well_formed_id(""));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = parse_file("x.toml", "[[rules]]\nid = 3\n").unwrap_err();
        assert_eq!(err.to_string().split(':').nth(1), Some("2"), "{err}");
    }
}
