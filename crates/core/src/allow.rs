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
///
/// Each call reads the lines the finding is on; to judge many findings of one input, use
/// [`InlineAllowances`], which reads each line once.
pub fn inline_allowance(input: &[u8], finding: &Finding) -> Option<Allowance> {
    finding.parts.iter().find_map(|part| {
        let markers = LineMarkers::around(input, part.span.start);
        markers.allowance(part.line)
    })
}

/// The inline markers of one input, read line by line as findings ask for them. Findings
/// come in input order, so the last few lines read are kept: judging every finding of a
/// long line (a minified file holding thousands of keys) costs one pass over it, not one
/// per finding, and a file of a million findings does not keep a million lines' markers.
pub struct InlineAllowances<'a> {
    input: &'a [u8],
    /// The lines read most recently, by the 1-based line of the finding's part; the
    /// oldest is replaced first.
    recent: [Option<(usize, LineMarkers)>; RECENT_LINES],
    next: usize,
}

/// Lines remembered: a pair's parts sit on a few neighbouring lines.
const RECENT_LINES: usize = 4;

impl<'a> InlineAllowances<'a> {
    /// Markers of `input`, the bytes findings were found in (nothing is read yet).
    pub fn new(input: &'a [u8]) -> InlineAllowances<'a> {
        InlineAllowances {
            input,
            recent: [None; RECENT_LINES],
            next: 0,
        }
    }

    /// The inline marker that suppresses `finding`, as [`inline_allowance`] says. The
    /// finding's lines must be those of this input (as the scanner reported them).
    pub fn of(&mut self, finding: &Finding) -> Option<Allowance> {
        self.of_shifted(finding, 0)
    }

    /// [`InlineAllowances::of`] for a finding whose spans are `offset` bytes further on
    /// than this input's (a window of a stream, with whole-input offsets).
    pub(crate) fn of_shifted(&mut self, finding: &Finding, offset: usize) -> Option<Allowance> {
        finding.parts.iter().find_map(|part| {
            let at = part.span.start.saturating_sub(offset);
            self.markers(part.line, at).allowance(part.line)
        })
    }

    /// The markers bearing on `line`, which holds byte `at`: remembered, or read.
    fn markers(&mut self, line: usize, at: usize) -> LineMarkers {
        let known = self
            .recent
            .iter()
            .flatten()
            .find(|(known, _)| *known == line);
        if let Some(&(_, markers)) = known {
            return markers;
        }
        let markers = LineMarkers::around(self.input, at);
        self.recent[self.next] = Some((line, markers));
        self.next = (self.next + 1) % RECENT_LINES;
        markers
    }
}

/// The markers that bear on one line: a same-line marker on it, a next-line marker on the
/// line before.
#[derive(Clone, Copy)]
struct LineMarkers {
    same: Option<&'static str>,
    above: Option<&'static str>,
}

impl LineMarkers {
    /// The markers bearing on the line holding byte `at` of `input`.
    fn around(input: &[u8], at: usize) -> LineMarkers {
        let start = at.min(input.len());
        let line_start = memchr::memrchr(b'\n', &input[..start]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &input[start..]).map_or(input.len(), |i| start + i);
        let line = &input[line_start..line_end];
        // A next-line marker also contains `keyhound:allow`: it only allows the next line.
        let same = SAME_LINE
            .iter()
            .find(|m| {
                contains(line, m)
                    && !NEXT_LINE
                        .iter()
                        .any(|n| contains(line, n) && n.contains(**m))
            })
            .copied();
        let above = if line_start == 0 {
            None
        } else {
            let previous_start =
                memchr::memrchr(b'\n', &input[..line_start - 1]).map_or(0, |i| i + 1);
            let previous = &input[previous_start..line_start - 1];
            NEXT_LINE.iter().find(|m| contains(previous, m)).copied()
        };
        LineMarkers { same, above }
    }

    /// The allowance for a part on `line` (1-based).
    fn allowance(self, line: usize) -> Option<Allowance> {
        if let Some(marker) = self.same {
            return Some(Allowance { marker, line });
        }
        self.above.map(|marker| Allowance {
            marker,
            line: line.saturating_sub(1),
        })
    }
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
        let one_by_one: Vec<_> = findings
            .iter()
            .map(|f| inline_allowance(text.as_bytes(), f))
            .collect();
        let mut allowances = InlineAllowances::new(text.as_bytes());
        let cached: Vec<_> = findings.iter().map(|f| allowances.of(f)).collect();
        assert_eq!(one_by_one, cached, "{text}");
        one_by_one.iter().map(|a| a.map(|a| a.marker)).collect()
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

    #[test]
    fn every_finding_of_a_long_line_is_judged_by_its_markers() {
        let ids = [ID, "AKIAZ3MNPQ7RSTUV2WXY", "AKIAR2D4F6H7J3K5M6P2"];
        let line = |marker: &str| {
            let mut line = String::new();
            for id in ids {
                line.push_str(&format!("aws_access_key_id='{id}'; "));
            }
            line + marker
        };
        let text = format!("{}\n{}\n", line("// keyhound:allow"), line(""));
        let findings = Scanner::default().scan(text.as_bytes());
        let mut allowances = InlineAllowances::new(text.as_bytes());
        let judged: Vec<_> = findings
            .iter()
            .map(|f| (f.line, allowances.of(f).map(|a| a.marker)))
            .collect();
        assert_eq!(judged.len(), 6, "{judged:?}");
        for (line, marker) in judged {
            let want = (line == 1).then_some("keyhound:allow");
            assert_eq!(marker, want, "line {line}");
        }
    }
}
