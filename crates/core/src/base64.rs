//! Credentials wrapped in another encoding inside an input: base64 (a Kubernetes Secret's
//! `data:`, a base64'd `.env` in user data) and UTF-16LE strings inside a binary (.NET
//! assemblies and Windows resources keep their strings that way). The prefilter also looks
//! for the key-id prefixes spelled in those encodings; where one hits, the region around
//! it is decoded into a small synthetic text that is scanned like any other.

use crate::finding::Span;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 strings shorter than this are left alone (they hold no key id).
const MIN_RUN: usize = 24;

/// How base64'd JSON objects begin: `{"` (a JWT's header and claims, compact JSON) and
/// `{` + newline + two spaces (pretty-printed JSON, as in a Kubernetes Secret). A key id
/// base64'd twice has no fixed spelling the prefilter could look for in few literals (its
/// 36 spellings made a plain source scan 5 to 18 times slower, measured: the prefilter's
/// SIMD search slows with every literal), so the prefilter finds the JSON around it.
const JSON_OPENINGS: [&[u8]; 2] = [b"eyJ", b"ewog"];

/// How a credential is wrapped inside the scanned text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Wrapping {
    /// Inside base64 strings.
    Base64,
    /// Inside UTF-16LE strings (in a file that is not UTF-16 as a whole).
    Utf16Le,
}

impl Wrapping {
    /// What findings from inside it say they were decoded from.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Wrapping::Base64 => "base64",
            Wrapping::Utf16Le => "utf-16le",
        }
    }

    /// The spellings of `literal` in this wrapping that the prefilter looks for. For
    /// base64 they include the openings of base64'd JSON ([`JSON_OPENINGS`]), whatever
    /// the literal: a JWT's claims or a Kubernetes Secret's JSON may hold a second level
    /// of base64, and the region around such an opening is decoded to depth 2.
    pub(crate) fn spellings(self, literal: &[u8]) -> Vec<Vec<u8>> {
        match self {
            Wrapping::Base64 => {
                let mut spellings = encoded_forms(literal);
                spellings.extend(JSON_OPENINGS.iter().map(|opening| opening.to_vec()));
                spellings
            }
            Wrapping::Utf16Le => vec![literal.iter().flat_map(|&b| [b, 0]).collect()],
        }
    }

    /// Whether a byte continues the wrapped region (so a region is never cut inside it).
    pub(crate) fn continues(self, b: u8) -> bool {
        match self {
            Wrapping::Base64 => is_run_byte(b),
            Wrapping::Utf16Le => false,
        }
    }
}

/// The base64 characters that `literal` determines on its own, at each of the three byte
/// alignments it can have inside encoded data. `AKIA` → `QUtJQ`, `FLSU`, `BS0lB`.
pub(crate) fn encoded_forms(literal: &[u8]) -> Vec<Vec<u8>> {
    (0..3)
        .map(|align| {
            let mut bytes = vec![0u8; align];
            bytes.extend_from_slice(literal);
            bytes.extend_from_slice(&[0, 0]);
            let encoded = encode(&bytes);
            // Character k carries bits 6k..6k+6; keep those inside the literal's bits.
            let (first_bit, last_bit) = (8 * align, 8 * (align + literal.len()));
            (0..encoded.len())
                .filter(|k| 6 * k >= first_bit && 6 * k + 6 <= last_bit)
                .map(|k| encoded[k])
                .collect()
        })
        .collect()
}

fn encode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]);
        }
    }
    out
}

fn value_of(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Decodes standard or URL-safe base64 (padding optional) into `out`; false if `run` is
/// not valid base64.
fn decode_into(run: &[u8], out: &mut Vec<u8>) -> bool {
    let body = run
        .strip_suffix(b"==")
        .or_else(|| run.strip_suffix(b"="))
        .unwrap_or(run);
    if body.len() % 4 == 1 {
        return false;
    }
    for chunk in body.chunks(4) {
        let mut n = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            let Some(v) = value_of(c) else { return false };
            n |= v << (18 - 6 * k);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    true
}

/// Text worth scanning: printable ASCII and UTF-8, tabs and newlines; no control bytes.
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes).is_ok_and(|s| {
            s.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        })
}

fn is_run_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
}

/// A text in which base64 strings that decode to text are replaced by what they decode
/// to, with a map from each of its bytes to the span of the parent text it came from.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub(crate) text: Vec<u8>,
    /// For each byte of `text`: the parent span it stands for (one byte, or the whole
    /// base64 string for decoded bytes).
    pub(crate) map: Vec<Span>,
    /// Ranges of `text` that came out of base64.
    pub(crate) decoded: Vec<Span>,
}

impl Decoded {
    /// Rebuilds from `parent[region]`, unwrapping `wrapping`; returns false when nothing in
    /// it decoded.
    pub(crate) fn build(&mut self, wrapping: Wrapping, parent: &[u8], region: Span) -> bool {
        self.text.clear();
        self.map.clear();
        self.decoded.clear();
        match wrapping {
            Wrapping::Base64 => self.build_base64(parent, region),
            Wrapping::Utf16Le => self.build_utf16le(parent, region),
        }
        !self.decoded.is_empty()
    }

    /// Keeps the ASCII characters of UTF-16LE code units (`x\0`) and turns every run of
    /// other units into one NUL, so strings stay apart but close together.
    fn build_utf16le(&mut self, parent: &[u8], region: Span) {
        let mut gap = false;
        for unit in (region.start..region.end.saturating_sub(1)).step_by(2) {
            let (low, high) = (parent[unit], parent[unit + 1]);
            let text = high == 0
                && (low.is_ascii_graphic() || matches!(low, b' ' | b'\t' | b'\n' | b'\r'));
            if text {
                self.text.push(low);
                self.map.push(Span::new(unit, unit + 2));
                gap = false;
            } else if gap {
                if let Some(last) = self.map.last_mut() {
                    last.end = unit + 2;
                }
            } else {
                self.text.push(0);
                self.map.push(Span::new(unit, unit + 2));
                gap = true;
            }
        }
        if !self.text.is_empty() {
            self.decoded.push(Span::new(0, self.text.len()));
        }
    }

    fn build_base64(&mut self, parent: &[u8], region: Span) {
        let mut i = region.start;
        while i < region.end {
            let start = i;
            while i < region.end && is_run_byte(parent[i]) {
                i += 1;
            }
            if i > start {
                let run = &parent[start..i];
                let before = self.text.len();
                if run.len() >= MIN_RUN
                    && decode_into(run, &mut self.text)
                    && looks_like_text(&self.text[before..])
                {
                    self.unwrap_nested(before);
                    self.map.resize(self.text.len(), Span::new(start, i));
                    self.decoded.push(Span::new(before, self.text.len()));
                } else {
                    self.text.truncate(before);
                    self.text.extend_from_slice(run);
                    self.map.extend((start..i).map(|p| Span::new(p, p + 1)));
                }
            }
            if i < region.end {
                self.text.push(parent[i]);
                self.map.push(Span::new(i, i + 1));
                i += 1;
            }
        }
    }

    /// Replaces the base64 strings inside the text just decoded (`text[from..]`) with what
    /// they decode to, when that is text: the second level of depth 2, and the last (the
    /// cost of a region stays linear: each level is one pass over fewer bytes).
    fn unwrap_nested(&mut self, from: usize) {
        let inner = self.text.split_off(from);
        let mut i = 0;
        while i < inner.len() {
            let start = i;
            while i < inner.len() && is_run_byte(inner[i]) {
                i += 1;
            }
            let run = &inner[start..i];
            let before = self.text.len();
            if !(run.len() >= MIN_RUN
                && decode_into(run, &mut self.text)
                && looks_like_text(&self.text[before..]))
            {
                self.text.truncate(before);
                self.text.extend_from_slice(run);
            }
            if i < inner.len() {
                self.text.push(inner[i]);
                i += 1;
            }
        }
    }

    /// True when `span` (of `text`) overlaps decoded bytes.
    pub(crate) fn touches_decoded(&self, span: Span) -> bool {
        self.decoded
            .iter()
            .any(|d| d.start < span.end && span.start < d.end)
    }

    /// The parent span a span of `text` stands for.
    pub(crate) fn parent_span(&self, span: Span) -> Span {
        let last = span.end.max(span.start + 1) - 1;
        Span::new(self.map[span.start].start, self.map[last].end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16le_strings_are_kept_apart() {
        let mut bytes = b"\x01\x02".to_vec();
        for s in ["key", "id"] {
            bytes.extend(s.bytes().flat_map(|b| [b, 0]));
            bytes.extend([0x00, 0x00, 0xff, 0x7f]);
        }
        let mut decoded = Decoded::default();
        assert!(decoded.build(Wrapping::Utf16Le, &bytes, Span::new(0, bytes.len())));
        assert_eq!(decoded.text, b"\0key\0id\0");
        assert_eq!(decoded.parent_span(Span::new(1, 4)), Span::new(2, 8));
    }

    #[test]
    fn encoded_forms_of_akia() {
        let forms = encoded_forms(b"AKIA");
        assert_eq!(
            forms,
            vec![b"QUtJQ".to_vec(), b"FLSU".to_vec(), b"BS0lB".to_vec()]
        );
        // Each form really occurs in an encoding of text holding the literal.
        for pad in ["", "x", "xy"] {
            let encoded = encode(format!("{pad}AKIAQWZ7RNE3OSJHKV4D").as_bytes());
            assert!(
                forms
                    .iter()
                    .any(|f| encoded.windows(f.len()).any(|w| w == &f[..])),
                "{pad:?}"
            );
        }
    }

    /// Standard base64 with `=` padding (`encode` fills the last group with zero bits).
    fn padded(bytes: &[u8]) -> Vec<u8> {
        let mut out = encode(bytes);
        let pad = (3 - bytes.len() % 3) % 3;
        let len = out.len();
        out[len - pad..].fill(b'=');
        out
    }

    #[test]
    fn base64_inside_base64_is_decoded_to_depth_two() {
        let config = b"[default]\naws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n";
        let once = padded(config);
        let claims = format!(
            "{{\"sub\":\"deploy\",\"aws\":\"{}\"}}",
            String::from_utf8_lossy(&once)
        );
        let twice = padded(claims.as_bytes());
        let parent = format!("token: {}.sig", String::from_utf8_lossy(&twice));
        let mut decoded = Decoded::default();
        assert!(decoded.build(
            Wrapping::Base64,
            parent.as_bytes(),
            Span::new(0, parent.len())
        ));
        let text = String::from_utf8_lossy(&decoded.text);
        assert!(
            text.contains("aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D"),
            "{text}"
        );
        // Depth 2 and no further: thrice encoded stays encoded once.
        let thrice = padded(&twice);
        let mut decoded = Decoded::default();
        assert!(decoded.build(Wrapping::Base64, &thrice, Span::new(0, thrice.len())));
        assert!(!String::from_utf8_lossy(&decoded.text).contains("AKIA"));
        // The prefilter finds the outer string by its JSON opening.
        let spellings = Wrapping::Base64.spellings(b"AKIA");
        assert!(spellings.iter().any(|s| twice.starts_with(s)));
    }

    #[test]
    fn decodes_text_runs_only() {
        let plain = b"id: QUtJQVFXWjdSTkUzT1NKSEtWNEQ= and c2hvcnQ= and R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw";
        let mut decoded = Decoded::default();
        assert!(decoded.build(Wrapping::Base64, plain, Span::new(0, plain.len())));
        let text = String::from_utf8_lossy(&decoded.text).into_owned();
        assert!(
            text.starts_with("id: AKIAQWZ7RNE3OSJHKV4D and c2hvcnQ= and R9oU"),
            "{text}"
        );
        assert_eq!(decoded.decoded, vec![Span::new(4, 24)]);
        assert_eq!(decoded.parent_span(Span::new(4, 24)), Span::new(4, 32));
        assert_eq!(decoded.parent_span(Span::new(25, 28)), Span::new(33, 36));
    }
}
