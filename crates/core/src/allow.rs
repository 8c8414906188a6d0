//! Inline suppression: a comment on a finding's line (or the line before) that says the
//! value is known and allowed. Any comment syntax works, because only the marker text is
//! looked for: `# keyhound:allow`, `// keyhound:allow`, `<!-- keyhound:allow -->`.

use crate::finding::Finding;

/// Markers honoured on the same line as any part of a finding.
const SAME_LINE: &[&str] = &[
    "keyhound:allow",
    "gitleaks:allow",
    "pragma: allowlist secret",
];
/// Markers honoured on the line before.
const NEXT_LINE: &[&str] = &[
    "keyhound:allow-next-line",
    "pragma: allowlist nextline secret",
];

/// Why a finding was suppressed: the marker, and the 1-based line it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// The marker found (`keyhound:allow`, `gitleaks:allow`, …).
    pub marker: &'static str,
    /// The line the marker is on.
    pub line: usize,
}

/// The inline marker that suppresses `finding` in `input` (the bytes it was found in), if
/// any part of it sits on a line with a same-line marker or right below a next-line one.
pub fn inline_allowance(input: &[u8], finding: &Finding) -> Option<Allowance> {
    finding.parts.iter().find_map(|part| {
        let start = part.span.start.min(input.len());
        let line_start = memchr::memrchr(b'\n', &input[..start]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &input[start..]).map_or(input.len(), |i| start + i);
        let line = &input[line_start..line_end];
        // A next-line marker also contains `keyhound:allow`: it only allows the next line.
        let same = SAME_LINE.iter().find(|m| {
            contains(line, m)
                && !NEXT_LINE
                    .iter()
                    .any(|n| contains(line, n) && n.contains(**m))
        });
        if let Some(marker) = same {
            return Some(Allowance {
                marker,
                line: part.line,
            });
        }
        if line_start == 0 {
            return None;
        }
        let previous_start = memchr::memrchr(b'\n', &input[..line_start - 1]).map_or(0, |i| i + 1);
        let previous = &input[previous_start..line_start - 1];
        NEXT_LINE
            .iter()
            .find(|m| contains(previous, m))
            .map(|marker| Allowance {
                marker,
                line: part.line.saturating_sub(1),
            })
    })
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    memchr::memmem::find(haystack, needle.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scanner;

    const ID: &str = "AKIAQWZ7RNE3OSJHKV4D";
    const SECRET: &str = "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";

    fn allowance(text: &str) -> Vec<Option<&'static str>> {
        let findings = Scanner::default().scan(text.as_bytes());
        assert!(!findings.is_empty(), "{text}");
        findings
            .iter()
            .map(|f| inline_allowance(text.as_bytes(), f).map(|a| a.marker))
            .collect()
    }

    #[test]
    fn markers_in_any_comment_syntax() {
        for (text, want) in [
            (
                format!("key = '{ID}'  # keyhound:allow"),
                Some("keyhound:allow"),
            ),
            (
                format!("key = \"{ID}\"; // gitleaks:allow"),
                Some("gitleaks:allow"),
            ),
            (
                format!("<key>{ID}</key> <!-- keyhound:allow -->"),
                Some("keyhound:allow"),
            ),
            (
                format!("key: {ID} # pragma: allowlist secret"),
                Some("pragma: allowlist secret"),
            ),
            (
                format!("-- keyhound:allow-next-line\nkey = '{ID}'"),
                Some("keyhound:allow-next-line"),
            ),
            (
                format!("# pragma: allowlist nextline secret\nkey = '{ID}'"),
                Some("pragma: allowlist nextline secret"),
            ),
            (format!("key = '{ID}'"), None),
            // A next-line marker does not allow its own line.
            (format!("key = '{ID}' # keyhound:allow-next-line"), None),
            // Nor a line further down.
            (format!("# keyhound:allow-next-line\n\nkey = '{ID}'"), None),
        ] {
            assert_eq!(allowance(&text), vec![want], "{text}");
        }
    }

    #[test]
    fn a_pair_is_allowed_by_a_marker_on_any_of_its_lines() {
        let text = format!(
            "aws_access_key_id = {ID}\naws_secret_access_key = {SECRET} # keyhound:allow\n"
        );
        assert_eq!(allowance(&text), vec![Some("keyhound:allow")]);
    }
}
