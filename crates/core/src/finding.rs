//! What the scanner reports: [`Finding`], its [`Kind`], [`Severity`], [`Part`]s, the
//! self-redacting [`Secret`] and the stable [`Fingerprint`].

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// What a finding (or a part of one) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Kind {
    /// An access key id (`AKIA…`, `ASIA…`) with no secret nearby.
    AccessKeyId,
    /// A secret access key with evidence (keyword, context) but no key id nearby.
    SecretAccessKey,
    /// A session token with context and no key pair nearby.
    SessionToken,
    /// A key id and its secret (and maybe a session token) together: a usable credential.
    Credential,
    /// AWS documentation's example keys (`AKIAIOSFODNN7EXAMPLE`): reported, lowest severity.
    Example,
}

impl Kind {
    /// The name used in rule files and reports (`access-key-id`, `credential`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AccessKeyId => "access-key-id",
            Kind::SecretAccessKey => "secret-access-key",
            Kind::SessionToken => "session-token",
            Kind::Credential => "credential",
            Kind::Example => "example",
        }
    }

    /// Parses a rule file's kind name; only the three part kinds can be matched by a rule.
    pub(crate) fn parse_part(name: &str) -> Option<Kind> {
        match name {
            "access-key-id" => Some(Kind::AccessKeyId),
            "secret-access-key" => Some(Kind::SecretAccessKey),
            "session-token" => Some(Kind::SessionToken),
            _ => None,
        }
    }
}

impl FromStr for Kind {
    type Err = String;

    /// Parses a kind's name (`access-key-id`, `credential`, …).
    fn from_str(name: &str) -> Result<Kind, String> {
        match name {
            "credential" => Ok(Kind::Credential),
            "example" => Ok(Kind::Example),
            _ => Kind::parse_part(name).ok_or_else(|| format!("{name:?} is not a kind")),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Documentation examples: no action needed, does not fail a scan by default.
    Info,
    /// Worth a look.
    Low,
    /// A partial or temporary credential.
    Medium,
    /// A key id or a secret on its own.
    High,
    /// A complete, usable credential.
    Critical,
}

impl Severity {
    /// The lower-case name (`critical`, `high`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lower-case severity name.
    pub fn parse(name: &str) -> Option<Severity> {
        Some(match name {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

impl FromStr for Severity {
    type Err = String;

    /// Parses a lower-case severity name.
    fn from_str(name: &str) -> Result<Severity, String> {
        Severity::parse(name).ok_or_else(|| format!("{name:?} is not a severity"))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A half-open byte range `start..end` into the scanned input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Bytes covered.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True when the span covers nothing.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// Short text a finding holds (a key id, an account id, a part's value): up to
/// [`Text::INLINE`] bytes are kept in the value itself, longer text on the heap. A scan
/// can hold a million findings: a key id in a `String` costs a 32-byte allocation on top
/// of the 24 bytes of the `String`, a `Text` the 24 bytes alone. It is a `str` for every
/// other purpose (`Deref`, `Display`, comparisons, serde).
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; Text::INLINE] },
    Heap(Box<str>),
}

impl Text {
    /// The longest text kept inline, in bytes.
    pub const INLINE: usize = 22;

    /// The text `text`.
    pub fn new(text: &str) -> Text {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= Text::INLINE => {
                let mut bytes = [0; Text::INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Text(Repr::Inline { len, bytes })
            }
            _ => Text(Repr::Heap(Box::from(text))),
        }
    }

    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                // Copied from a `str` whole, so always UTF-8.
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(text) => text,
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::new(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        if text.len() <= Text::INLINE {
            Text::new(&text)
        } else {
            Text(Repr::Heap(text.into_boxed_str()))
        }
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.as_str().to_string()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        String::deserialize(deserializer).map(Text::from)
    }
}

/// A secret value. It is kept so that callers can verify or fingerprint it, but `Display`,
/// `Debug` and `Serialize` only ever show its first four characters; [`Secret::expose`]
/// is the one way to the whole value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(Text);

impl Secret {
    /// A secret holding `value` (in tests, or a value read back from a report).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Text::from(value.into()))
    }

    /// The whole secret. Print it only when the user asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value for display: in full when `show` (the user asked), else
    /// [`redacted`](Secret::redacted).
    pub fn shown(&self, show: bool) -> String {
        if show {
            self.0.to_string()
        } else {
            self.redacted()
        }
    }

    /// The first four characters followed by `…` and how many were hidden.
    pub fn redacted(&self) -> String {
        let shown: String = self.0.chars().take(4).collect();
        let hidden = self.0.chars().count().saturating_sub(4);
        format!("{shown}…({hidden} more)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// Whatever text the report held: the whole value when it was written with secrets
    /// shown, else the redacted text.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(|value| Secret(Text::from(value)))
    }
}

/// A rule's id (`aws-access-key-id`): shared, cheap to clone, compared as text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(Arc<str>);

impl RuleId {
    /// The id `id`.
    pub fn new(id: &str) -> RuleId {
        RuleId(Arc::from(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for RuleId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for RuleId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RuleId, D::Error> {
        String::deserialize(deserializer).map(|id| RuleId(Arc::from(id)))
    }
}

/// `sha256(rule id + secret)`: identifies a finding across runs, machines and line moves
/// without revealing the secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Fingerprint of `secret` found by rule `rule_id`.
    pub fn of(rule_id: &str, secret: &str) -> Fingerprint {
        let mut hasher = Sha256::new();
        hasher.update(rule_id.as_bytes());
        hasher.update(secret.as_bytes());
        Fingerprint(hasher.finalize().into())
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
        out
    }
}

impl FromStr for Fingerprint {
    type Err = String;

    /// Parses 64 hex digits, as [`Fingerprint::to_hex`] writes them.
    fn from_str(hex: &str) -> Result<Fingerprint, String> {
        let digit = |b: u8| match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        };
        let bytes = hex.as_bytes();
        let mut out = [0u8; 32];
        if bytes.len() != 64 {
            return Err("a fingerprint is 64 hex digits".into());
        }
        for (i, pair) in bytes.chunks(2).enumerate() {
            match (digit(pair[0]), digit(pair[1])) {
                (Some(high), Some(low)) => out[i] = high << 4 | low,
                _ => return Err("a fingerprint is 64 hex digits".into()),
            }
        }
        Ok(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Fingerprint, D::Error> {
        let hex = String::deserialize(deserializer)?;
        hex.parse().map_err(serde::de::Error::custom)
    }
}

/// One matched piece of a finding: a key id, a secret or a session token.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// `access-key-id`, `secret-access-key` or `session-token`.
    pub kind: Kind,
    /// The rule that matched it.
    pub rule_id: RuleId,
    /// Where it is, in bytes of the input as given (before any transcoding).
    pub span: Span,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters (Unicode scalar values) of the decoded line.
    pub column: usize,
    /// The value, decoded (`\/` → `/`, `%2F` → `/`), redacted when shown.
    pub value: Secret,
}

impl Part {
    /// The value as every report shows it: a key id in full (an identifier an
    /// administrator needs to deactivate the key), a secret or token redacted unless
    /// `show_secrets`.
    pub fn shown_value(&self, show_secrets: bool) -> String {
        self.value
            .shown(show_secrets || self.kind == Kind::AccessKeyId)
    }
}

/// One reported credential (or part of one).
///
/// Its serde form is the finding object of keyhound's JSON report (see
/// [`Finding::shown`]); it reads back from one, secrets as the report held them.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule that produced it (`aws-credential` for a pair).
    pub rule_id: RuleId,
    /// What was found.
    pub kind: Kind,
    /// How urgent it is.
    pub severity: Severity,
    /// The primary part's location (the key id of a pair), in bytes of the input.
    pub span: Span,
    /// 1-based line of the primary part.
    pub line: usize,
    /// 1-based column (characters) of the primary part.
    pub column: usize,
    /// True for AWS documentation's example keys.
    pub example: bool,
    /// True when the input looked binary (a compiled program, an archive): strings were
    /// matched inside it.
    pub binary: bool,
    /// What the matched text was decoded from: `utf-8` (or bytes as they are), `utf-16le`,
    /// `utf-16be`, or `base64` (a base64 string in the input).
    pub encoding: &'static str,
    /// `sha256(rule id + secret)`: the secret access key for a pair, else the matched value.
    pub fingerprint: Fingerprint,
    /// The matched pieces: one for a lone key id, secret or token; two or three for a pair.
    pub parts: Vec<Part>,
}

impl Finding {
    /// The most sensitive value of the finding: the secret access key if there is one,
    /// else the session token, else the key id.
    pub fn secret(&self) -> &Secret {
        let rank = |kind: Kind| match kind {
            Kind::SecretAccessKey => 0,
            Kind::SessionToken => 1,
            _ => 2,
        };
        &self
            .parts
            .iter()
            .min_by_key(|part| rank(part.kind))
            .expect("a finding always has at least one part")
            .value
    }

    /// The part of the given kind, if the finding has one.
    pub fn part(&self, kind: Kind) -> Option<&Part> {
        self.parts.iter().find(|part| part.kind == kind)
    }

    /// The access key id, when one is part of the finding. Key ids are not secret: they
    /// are what an administrator looks up and deactivates.
    pub fn key_id(&self) -> Option<&str> {
        self.part(Kind::AccessKeyId).map(|part| part.value.expose())
    }

    /// The 12-digit AWS account id decoded offline from the key id, when there is one.
    /// AWS's documentation keys predate the encoding: for them it is `None`.
    ///
    /// It is worked out when asked rather than kept: a scan may hold a million findings.
    pub fn account_id(&self) -> Option<Text> {
        self.key_id()
            .filter(|_| !self.example)
            .and_then(crate::account::account_id)
            .map(Text::from)
    }

    /// The canary-token service that owns the key's account (`Thinkst Canarytokens`, …),
    /// when the key is a canary: planted on purpose so that whoever uses it sets off an
    /// alert. Still a finding, but never to be tried against AWS (see [`canary_service`]).
    ///
    /// [`canary_service`]: crate::canary_service
    pub fn canary(&self) -> Option<&'static str> {
        self.account_id()
            .as_deref()
            .and_then(crate::canary::canary_service)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} {} [{}] {}",
            self.line, self.column, self.rule_id, self.severity, self.kind
        )?;
        if let Some(key_id) = self.key_id() {
            write!(f, " key id {key_id}")?;
        }
        if let Some(part) = self.parts.iter().find(|p| p.kind != Kind::AccessKeyId) {
            write!(f, " {} {}", part.kind, part.value)?;
        }
        if let Some(account) = self.account_id() {
            write!(f, " account {account}")?;
        }
        if let Some(service) = self.canary() {
            write!(f, " canary ({service})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_inline_and_long_text_is_not_cut() {
        for text in [
            "",
            "AKIAQWZ7RNE3OSJHKV4D",
            "123456789012",
            "é".repeat(11).as_str(),
        ] {
            let short = Text::new(text);
            assert!(matches!(short.0, Repr::Inline { .. }), "{text}");
            assert_eq!(short, text);
        }
        let long = "R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw";
        let text = Text::from(long.to_string());
        assert!(matches!(text.0, Repr::Heap(_)));
        assert_eq!(&*text, long);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 24);
    }

    /// What a million findings cost: a lone key id (the most common finding, and what a
    /// file of key ids is made of) holds its struct and one heap block for its part;
    /// its value is inline, and its key id, account id and canary service are worked out
    /// from it when asked, not kept. benches/memory.sh measures the
    /// whole process.
    #[test]
    fn a_lone_key_id_finding_is_small() {
        let findings = crate::Scanner::default().scan(b"id = AKIAQWZ7RNE3OSJHKV4D\n");
        let finding = &findings[0];
        assert!(finding.account_id().is_some());
        let heap: usize = finding.parts.capacity() * std::mem::size_of::<Part>();
        let inline = |text: &Text| matches!(text.0, Repr::Inline { .. });
        assert!(finding.account_id().as_ref().is_some_and(inline));
        assert!(inline(&finding.parts[0].value.0));
        let total = std::mem::size_of::<Finding>() + heap;
        assert!(total <= 208, "{total} bytes a finding");
    }
}
