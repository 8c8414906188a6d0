//! The serde form of a finding: the finding object of keyhound's JSON report, so that a
//! finding an embedder serialises and the one the `keyhound` binary writes are the same
//! text, and either reads back into a [`Finding`].

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

use crate::finding::{Finding, Fingerprint, Kind, Part, RuleId, Secret, Severity, Span};

/// A finding serialised with its secrets shown in full or redacted: see
/// [`Finding::shown`].
#[derive(Clone, Copy, Debug)]
pub struct Shown<'a> {
    finding: &'a Finding,
    show_secrets: bool,
}

impl Finding {
    /// This finding for serde, secrets in full when `show_secrets`, else redacted to
    /// their first 4 characters (as `Serialize` of a `Finding` does). Key ids are always
    /// in full: they are identifiers an administrator needs. Fields: `line`, `column`,
    /// `rule`, `kind`, `severity`, `key_id`, `account_id`, `canary`, `secret` (absent for
    /// a lone key id), `example`, `binary`, `encoding`, `fingerprint`, `span` and
    /// `parts` (each `kind`, `rule`, `line`, `column`, `span`, `value`).
    pub fn shown(&self, show_secrets: bool) -> Shown<'_> {
        Shown {
            finding: self,
            show_secrets,
        }
    }
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.shown(false).serialize(serializer)
    }
}

/// One part, as [`Shown`] writes it.
struct ShownPart<'a> {
    part: &'a Part,
    show_secrets: bool,
}

impl Serialize for ShownPart<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let part = self.part;
        let mut out = serializer.serialize_struct("Part", 6)?;
        out.serialize_field("kind", &part.kind)?;
        out.serialize_field("rule", &part.rule_id)?;
        out.serialize_field("line", &part.line)?;
        out.serialize_field("column", &part.column)?;
        out.serialize_field("span", &part.span)?;
        out.serialize_field("value", &part.shown_value(self.show_secrets))?;
        out.end()
    }
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.finding;
        let mut out = serializer.serialize_struct("Finding", 15)?;
        out.serialize_field("line", &f.line)?;
        out.serialize_field("column", &f.column)?;
        out.serialize_field("rule", &f.rule_id)?;
        out.serialize_field("kind", &f.kind)?;
        out.serialize_field("severity", &f.severity)?;
        out.serialize_field("key_id", &f.key_id())?;
        out.serialize_field("account_id", &f.account_id())?;
        out.serialize_field("canary", &f.canary())?;
        if f.parts.iter().any(|p| p.kind != Kind::AccessKeyId) {
            out.serialize_field("secret", &f.secret().shown(self.show_secrets))?;
        } else {
            out.skip_field("secret")?;
        }
        out.serialize_field("example", &f.example)?;
        out.serialize_field("binary", &f.binary)?;
        out.serialize_field("encoding", f.encoding)?;
        out.serialize_field("fingerprint", &f.fingerprint)?;
        out.serialize_field("span", &f.span)?;
        let parts: Vec<ShownPart<'_>> = f
            .parts
            .iter()
            .map(|part| ShownPart {
                part,
                show_secrets: self.show_secrets,
            })
            .collect();
        out.serialize_field("parts", &parts)?;
        out.end()
    }
}

#[derive(Deserialize)]
struct PartData {
    kind: Kind,
    rule: RuleId,
    line: usize,
    column: usize,
    span: Span,
    value: Secret,
}

#[derive(Deserialize)]
struct FindingData {
    line: usize,
    column: usize,
    rule: RuleId,
    kind: Kind,
    severity: Severity,
    example: bool,
    binary: bool,
    encoding: String,
    fingerprint: Fingerprint,
    span: Span,
    parts: Vec<PartData>,
}

/// The encodings the scanner names.
const ENCODINGS: [&str; 5] = ["utf-8", "utf-16le", "utf-16be", "base64", "joined"];

impl<'de> Deserialize<'de> for Finding {
    /// Reads a finding object of keyhound's JSON report (other fields, such as `path`,
    /// are passed over). The canary service is looked up again from the account.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Finding, D::Error> {
        let data = FindingData::deserialize(deserializer)?;
        let encoding = ENCODINGS
            .into_iter()
            .find(|known| *known == data.encoding)
            .ok_or_else(|| serde::de::Error::custom("unknown encoding"))?;
        if data.parts.is_empty() {
            return Err(serde::de::Error::custom("a finding has at least one part"));
        }
        Ok(Finding {
            rule_id: data.rule,
            kind: data.kind,
            severity: data.severity,
            span: data.span,
            line: data.line,
            column: data.column,
            example: data.example,
            binary: data.binary,
            encoding,
            fingerprint: data.fingerprint,
            parts: data
                .parts
                .into_iter()
                .map(|part| Part {
                    kind: part.kind,
                    rule_id: part.rule,
                    span: part.span,
                    line: part.line,
                    column: part.column,
                    value: part.value,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::Scanner;

    #[test]
    fn a_finding_round_trips_through_json_with_secrets_shown() {
        let findings = Scanner::default().scan(
            b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n\
              aws_secret_access_key = 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\n",
        );
        let text = serde_json::to_string(&findings[0].shown(true)).unwrap();
        let back: crate::Finding = serde_json::from_str(&text).unwrap();
        assert_eq!(back, findings[0]);
    }

    #[test]
    fn every_encoding_the_scanner_names_reads_back() {
        let inputs: [&[u8]; 3] = [
            b"key = \"AKIAQWZ\" + \"7RNE3OSJHKV4D\"\n",
            b"k: QUtJQVFXWjdSTkUzT1NKSEtWNEQ=\n",
            b"A\0K\0I\0A\0Q\0W\0Z\x007\0R\0N\0E\x003\0O\0S\0J\0H\0K\0V\x004\0D\0\n\0",
        ];
        let mut seen = Vec::new();
        for input in inputs {
            for finding in Scanner::default().scan(input) {
                let text = serde_json::to_string(&finding.shown(true)).unwrap();
                let back: crate::Finding = serde_json::from_str(&text).unwrap();
                assert_eq!(back, finding);
                seen.push(finding.encoding);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, ["base64", "joined", "utf-16le"]);
    }

    #[test]
    fn serialising_redacts_the_secret_but_not_the_key_id() {
        let findings = Scanner::default().scan(
            b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n\
              aws_secret_access_key = R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw\n",
        );
        let value = serde_json::to_value(&findings[0]).unwrap();
        assert_eq!(value["secret"], "R9oU…(36 more)");
        assert_eq!(value["parts"][0]["value"], "AKIAQWZ7RNE3OSJHKV4D");
        assert!(!value.to_string().contains("R9oUz3yBJb2fM"));
        let back: crate::Finding = serde_json::from_value(value).unwrap();
        assert_eq!(back.secret().expose(), "R9oU…(36 more)");
    }
}
