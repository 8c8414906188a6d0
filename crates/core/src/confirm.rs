//! Confirmation: running a rule's anchored regex at a candidate position, checking the
//! captured value's boundaries, decoding it, judging it and weighing the evidence around it.

use regex::bytes::CaptureLocations;

use crate::finding::{Kind, Span};
use crate::rule::Rule;
use crate::validate::{Boundary, Verdict};

/// How much the surroundings say the value is what the rule claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Evidence {
    /// Only counts if it pairs with a key id (a bare 40-character string, `client_secret`).
    PairOnly,
    /// Enough to report on its own.
    Strong,
}

/// A confirmed match, before pairing.
#[derive(Clone, Debug)]
pub(crate) struct RawMatch {
    pub(crate) rule: usize,
    pub(crate) kind: Kind,
    /// Span of the value in the scanned text.
    pub(crate) span: Span,
    /// The value decoded (`\/`, `%2F`, `%2B`, `%3D` undone).
    pub(crate) value: String,
    pub(crate) verdict: Verdict,
    pub(crate) evidence: Evidence,
    /// Found in a joined text ([`crate::join`]): its span covers the pieces it was
    /// joined from.
    pub(crate) joined: bool,
}

/// How far back from an anchor a name may start (`aws_` before `secret`).
const NAME_PREFIX_MAX: usize = 32;
/// How far around a value AWS context words are looked for.
const CONTEXT_BEFORE: usize = 512;
const CONTEXT_AFTER: usize = 256;

/// Runs `rule` anchored at `pos` in `text`; returns the confirmed match, if any.
pub(crate) fn confirm(
    rule_index: usize,
    rule: &Rule,
    text: &[u8],
    pos: usize,
    binary: bool,
    locs: &mut CaptureLocations,
) -> Option<RawMatch> {
    let end = text.len().min(pos.saturating_add(rule.window));
    rule.regex.captures_read(locs, &text[pos..end])?;
    let (start, stop) = locs.get(rule.secret_group)?;
    let span = Span::new(pos + start, pos + stop);
    // Compilers pack string literals back to back, so in binaries a key id may touch
    // other characters; everywhere else it must stand alone.
    let boundary = if binary && rule.kind == Kind::AccessKeyId {
        Boundary::None
    } else {
        rule.validators.boundary
    };
    if !boundary_ok(text, span, boundary) {
        return None;
    }
    let value = decode_value(&text[span.start..span.end]);
    let verdict = rule.validators.judge(value.as_bytes());
    if verdict == Verdict::Rejected {
        return None;
    }
    let name_end = rule
        .name_group
        .and_then(|g| locs.get(g))
        .map(|(_, e)| pos + e);
    let evidence = weigh_evidence(rule, text, pos, name_end, &value, span);
    Some(RawMatch {
        rule: rule_index,
        kind: rule.kind,
        span,
        value,
        verdict,
        evidence,
        joined: false,
    })
}

/// Decides whether the name the value is assigned to (and its surroundings) is enough to
/// report the value on its own.
fn weigh_evidence(
    rule: &Rule,
    text: &[u8],
    anchor: usize,
    name_end: Option<usize>,
    value: &str,
    span: Span,
) -> Evidence {
    let evidence = &rule.evidence;
    if evidence.strong.is_empty() && evidence.weak.is_empty() {
        return Evidence::Strong;
    }
    if evidence
        .strong_prefixes
        .iter()
        .any(|prefix| value.starts_with(prefix.as_str()))
    {
        return Evidence::Strong;
    }
    let name_end = name_end.unwrap_or(anchor);
    let mut name_start = anchor;
    while name_start > 0
        && anchor - name_start < NAME_PREFIX_MAX
        && is_name_byte(text[name_start - 1])
    {
        name_start -= 1;
    }
    let name: String = text[name_start..name_end]
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect();
    if evidence
        .strong
        .iter()
        .any(|words| words.iter().all(|word| name.contains(word.as_str())))
    {
        return Evidence::Strong;
    }
    if evidence.weak.contains(&name) && has_aws_context(text, name_start, span.end) {
        return Evidence::Strong;
    }
    Evidence::PairOnly
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// True when a word near `start..end` names AWS: one that starts with `aws`, `amazon` or
/// `s3` (`aws_region`, `AwsConfig`, `S3Client`, `provider "aws"`) or holds `amazonaws`.
/// Words are runs of letters and digits, so `laws` or `jaws` do not count.
fn has_aws_context(text: &[u8], start: usize, end: usize) -> bool {
    let from = start.saturating_sub(CONTEXT_BEFORE);
    let to = text.len().min(end + CONTEXT_AFTER);
    text[from..to]
        .split(|b| !b.is_ascii_alphanumeric())
        .any(|word| {
            let starts = |prefix: &[u8]| {
                word.len() >= prefix.len() && word[..prefix.len()].eq_ignore_ascii_case(prefix)
            };
            starts(b"aws")
                || starts(b"amazon")
                || starts(b"s3")
                || word
                    .windows(9)
                    .any(|w| w.eq_ignore_ascii_case(b"amazonaws"))
        })
}

/// True when the bytes touching `span` are allowed by `boundary`.
pub(crate) fn boundary_ok(text: &[u8], span: Span, boundary: Boundary) -> bool {
    let before = span.start.checked_sub(1).map(|i| text[i]);
    let after = &text[span.end..];
    match boundary {
        Boundary::None => true,
        Boundary::Alphanumeric => {
            !before.is_some_and(|b| b.is_ascii_alphanumeric())
                && !after.first().is_some_and(|b| b.is_ascii_alphanumeric())
        }
        Boundary::Base64 => {
            let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
            let encoded_after = after.len() >= 3
                && after[0] == b'%'
                && matches!(&after[1..3], b"2F" | b"2f" | b"2B" | b"2b" | b"3D" | b"3d");
            !before.is_some_and(base64)
                && !after.first().is_some_and(|&b| base64(b) || b == b'=')
                && !after.starts_with(b"\\/")
                && !encoded_after
        }
    }
}

/// Undoes JSON slash escapes and URL encoding of `/`, `+` and `=` in a matched value.
pub(crate) fn decode_value(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\\' if raw.get(i + 1) == Some(&b'/') => {
                out.push('/');
                i += 2;
            }
            b'%' if i + 2 < raw.len() => {
                let decoded = match &raw[i + 1..i + 3] {
                    b"2F" | b"2f" => Some('/'),
                    b"2B" | b"2b" => Some('+'),
                    b"3D" | b"3d" => Some('='),
                    _ => None,
                };
                match decoded {
                    Some(c) => {
                        out.push(c);
                        i += 3;
                    }
                    None => {
                        out.push('%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(if b.is_ascii() { b as char } else { '\u{FFFD}' });
                i += 1;
            }
        }
    }
    out
}

/// Bare 40-unit base64 tokens in `text[from..to]` with base64 boundaries: the candidates
/// for a key id's secret when no keyword names one.
pub(crate) fn bare_tokens(text: &[u8], from: usize, to: usize, units: usize, out: &mut Vec<Span>) {
    out.clear();
    let mut i = from;
    while i < to {
        let (run_end, run_units) = unit_run(text, i, to);
        if run_units == 0 {
            i += 1;
            continue;
        }
        let span = Span::new(i, run_end);
        if run_units == units && boundary_ok(text, span, Boundary::Base64) {
            out.push(span);
        }
        i = run_end;
    }
}

/// The end and unit count of the run of secret units starting at `start` (stopping at `to`).
fn unit_run(text: &[u8], start: usize, to: usize) -> (usize, usize) {
    let mut i = start;
    let mut units = 0;
    while i < to {
        let b = text[i];
        let step = if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
            1
        } else if b == b'\\' && text.get(i + 1) == Some(&b'/') {
            2
        } else if b == b'%'
            && text.len() > i + 2
            && matches!(&text[i + 1..i + 3], b"2F" | b"2f" | b"2B" | b"2b")
        {
            3
        } else {
            break;
        };
        i += step;
        units += 1;
    }
    (i, units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes() {
        assert_eq!(decode_value(br"ab\/cd%2Fef%2bgh%3D"), "ab/cd/ef+gh=");
        assert_eq!(decode_value(b"a%zz"), "a%zz");
    }

    #[test]
    fn base64_boundaries() {
        let text = b"x=abcd;";
        assert!(boundary_ok(text, Span::new(2, 6), Boundary::Base64));
        assert!(!boundary_ok(b"xabcd;", Span::new(1, 5), Boundary::Base64));
        assert!(!boundary_ok(b"=abcd==", Span::new(1, 5), Boundary::Base64));
        assert!(!boundary_ok(
            b"=abcd%2Fx",
            Span::new(1, 5),
            Boundary::Base64
        ));
    }

    #[test]
    fn bare_tokens_are_whole_runs() {
        let forty = "R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw";
        let text = format!("a,{forty},b {forty}x, c{forty}");
        let mut out = Vec::new();
        bare_tokens(text.as_bytes(), 0, text.len(), 40, &mut out);
        assert_eq!(out, vec![Span::new(2, 42)]);
    }
}
