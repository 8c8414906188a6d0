//! Checks that tell a real secret from a placeholder, a hash or a word: the compiled form
//! of a rule's `[validate]` table.

use crate::rule::spec::ValidateSpec;

/// Which characters may not touch a match on either side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Boundary {
    /// No boundary check.
    None,
    /// No ASCII letter or digit on either side.
    Alphanumeric,
    /// No base64 character (`A–Z a–z 0–9 + /`), no `=` after, no `\/` or `%2F` either side.
    Base64,
}

/// What the validators concluded about a captured value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Looks like a real secret.
    Real,
    /// AWS documentation's example value.
    Example,
    /// A placeholder, hash, word or otherwise not a secret.
    Rejected,
}

/// The most single-character edits a published example may be matched within: each
/// compared value costs `(2 · max_distance + 1) · length` steps.
pub(crate) const MAX_PUBLISHED_DISTANCE: usize = 4;

/// The widest band [`within_distance`] fills: `2 · MAX_PUBLISHED_DISTANCE + 1`.
const BAND: usize = 2 * MAX_PUBLISHED_DISTANCE + 1;

/// A value the vendor published as an example, matched within `max_distance` edits.
#[derive(Clone, Debug)]
struct Published {
    value: Vec<u8>,
    max_distance: usize,
}

/// The compiled validators of one rule.
#[derive(Clone, Debug)]
pub(crate) struct Validators {
    pub(crate) boundary: Boundary,
    max_repeat: Option<usize>,
    min_entropy: Option<f64>,
    require_mixed_case: bool,
    reject_hex: bool,
    reject_sequences: Option<usize>,
    reject_periodic: Option<usize>,
    /// Which bytes `reject_only_chars` names (empty: the check is off).
    only_chars: Vec<bool>,
    tail_from: usize,
    /// The placeholder words, lower case (what the cost tests read).
    #[cfg(test)]
    placeholder_words: Vec<Vec<u8>>,
    /// The placeholder words in one case-insensitive automaton: judging a value costs one
    /// pass, however many words there are.
    placeholders: Option<aho_corasick::AhoCorasick>,
    example_suffix: Option<Vec<u8>>,
    example_words: Vec<memchr::memmem::Finder<'static>>,
    published: Vec<Published>,
}

impl Validators {
    pub(crate) fn compile(spec: &ValidateSpec) -> Result<Validators, String> {
        let boundary = match spec.boundary.as_deref() {
            None => Boundary::None,
            Some("alphanumeric") => Boundary::Alphanumeric,
            Some("base64") => Boundary::Base64,
            Some(other) => {
                return Err(format!(
                    "validate.boundary: unknown value {other:?} (expected \"alphanumeric\" or \"base64\")"
                ))
            }
        };
        if let Some(entropy) = spec.min_entropy {
            if !(0.0..=8.0).contains(&entropy) {
                return Err(format!("validate.min_entropy: {entropy} is outside 0..=8"));
            }
        }
        if spec.example_words.iter().any(String::is_empty) {
            return Err(
                "validate.example_words: a word is empty (it would match every value)".into(),
            );
        }
        if spec.reject_only_chars.as_deref() == Some("") {
            return Err("validate.reject_only_chars: empty".into());
        }
        if spec.reject_periodic.is_some_and(|n| n < 2) {
            return Err("validate.reject_periodic: must be at least 2".into());
        }
        let mut published = Vec::with_capacity(spec.published.len());
        for (index, example) in spec.published.iter().enumerate() {
            // Named by position: the value itself is secret-shaped.
            let which = format!("validate.published[{index}]");
            if example.value.is_empty() {
                return Err(format!("{which}: value is empty"));
            }
            if example.source.trim().is_empty() {
                return Err(format!(
                    "{which}: source is empty (say where it was published)"
                ));
            }
            if example.max_distance > MAX_PUBLISHED_DISTANCE {
                return Err(format!(
                    "{which}: max_distance {} is over {MAX_PUBLISHED_DISTANCE}",
                    example.max_distance
                ));
            }
            if example.max_distance >= example.value.len() {
                return Err(format!(
                    "{which}: max_distance {} is not less than the value's length",
                    example.max_distance
                ));
            }
            published.push(Published {
                value: example.value.as_bytes().to_vec(),
                max_distance: example.max_distance,
            });
        }
        let placeholder_words: Vec<Vec<u8>> = spec
            .placeholder_words
            .iter()
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect();
        let placeholders = if placeholder_words.is_empty() {
            None
        } else {
            let automaton = aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&placeholder_words)
                .map_err(|err| format!("validate.placeholder_words: {err}"))?;
            Some(automaton)
        };
        let mut only_chars = Vec::new();
        if let Some(chars) = &spec.reject_only_chars {
            only_chars = vec![false; 256];
            for b in chars.bytes() {
                only_chars[usize::from(b)] = true;
            }
        }
        Ok(Validators {
            boundary,
            max_repeat: spec.max_repeat,
            min_entropy: spec.min_entropy,
            require_mixed_case: spec.require_mixed_case,
            reject_hex: spec.reject_hex,
            reject_sequences: spec.reject_sequences,
            reject_periodic: spec.reject_periodic,
            only_chars,
            tail_from: spec.tail_from,
            #[cfg(test)]
            placeholder_words,
            placeholders,
            example_suffix: spec.example_suffix.as_ref().map(|s| s.as_bytes().to_vec()),
            example_words: spec
                .example_words
                .iter()
                .map(|w| memchr::memmem::Finder::new(w.as_bytes()).into_owned())
                .collect(),
            published,
        })
    }

    /// True when `value` is one of the vendor's published examples: it ends with the
    /// example suffix, holds an example word, or is within reach of a published value.
    fn is_example(&self, value: &[u8]) -> bool {
        self.example_suffix
            .as_ref()
            .is_some_and(|suffix| value.ends_with(suffix))
            || self
                .example_words
                .iter()
                .any(|word| word.find(value).is_some())
            || self
                .published
                .iter()
                .any(|p| within_distance(value, &p.value, p.max_distance))
    }

    /// Judges a decoded value.
    pub(crate) fn judge(&self, value: &[u8]) -> Verdict {
        if self.is_example(value) {
            return Verdict::Example;
        }
        let tail = value.get(self.tail_from..).unwrap_or_default();
        if let Some(max) = self.max_repeat {
            if longest_repeat(tail) > max {
                return Verdict::Rejected;
            }
        }
        if !self.only_chars.is_empty() && tail.iter().all(|&b| self.only_chars[usize::from(b)]) {
            return Verdict::Rejected;
        }
        if self.reject_hex && value.iter().all(u8::is_ascii_hexdigit) {
            return Verdict::Rejected;
        }
        if self.require_mixed_case
            && !(value.iter().any(u8::is_ascii_uppercase)
                && value.iter().any(u8::is_ascii_lowercase))
        {
            return Verdict::Rejected;
        }
        if let Some(run) = self.reject_sequences {
            if longest_sequence(tail) >= run {
                return Verdict::Rejected;
            }
        }
        if let Some(length) = self.reject_periodic {
            if has_periodic_stretch(tail, length) {
                return Verdict::Rejected;
            }
        }
        if let Some(min) = self.min_entropy {
            if shannon_entropy(value) < min {
                return Verdict::Rejected;
            }
        }
        if self
            .placeholders
            .as_ref()
            .is_some_and(|words| words.is_match(value))
        {
            return Verdict::Rejected;
        }
        Verdict::Real
    }
}

/// True when `a` can be turned into `b` with at most `k` single-byte insertions,
/// deletions or substitutions (Levenshtein distance), in `O(len · k)` steps: only the
/// diagonal band of width `2k + 1` of the distance table is filled.
pub(crate) fn within_distance(a: &[u8], b: &[u8], k: usize) -> bool {
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    if k == 0 {
        return a == b;
    }
    let big = k + 1;
    let width = 2 * k + 1;
    if width > BAND {
        return false;
    }
    // row[d] holds the distance between a[..i] and b[..i + d - k], capped at k + 1; on
    // the stack: this runs for every key id judged.
    let mut row = [big; BAND];
    let mut next = [big; BAND];
    for (d, cell) in row.iter_mut().enumerate().take(width) {
        // Row 0: the empty prefix of `a` against b[..j] is j insertions.
        *cell = d
            .checked_sub(k)
            .filter(|&j| j <= b.len())
            .map_or(big, |j| j.min(big));
    }
    for i in 1..=a.len() {
        let mut best = big;
        for d in 0..width {
            let Some(j) = (i + d).checked_sub(k) else {
                next[d] = big;
                continue;
            };
            if j > b.len() {
                next[d] = big;
                continue;
            }
            let value = if j == 0 {
                i
            } else {
                let substitute = row[d] + usize::from(a[i - 1] != b[j - 1]);
                // Deleting a[i - 1]: a[..i - 1] against b[..j], one column further right
                // in the previous row.
                let delete = row.get(d + 1).map_or(big, |&v| v + 1);
                // Inserting b[j - 1]: a[..i] against b[..j - 1], this row, one left.
                let insert = d.checked_sub(1).map_or(big, |left| next[left] + 1);
                substitute.min(delete).min(insert)
            };
            next[d] = value.min(big);
            best = best.min(next[d]);
        }
        if best > k {
            return false;
        }
        std::mem::swap(&mut row, &mut next);
    }
    // b[..b.len()] sits at d = b.len() + k - a.len().
    row.get(b.len() + k - a.len()).is_some_and(|&v| v <= k)
}

/// Length of the longest run of one repeated byte.
fn longest_repeat(value: &[u8]) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut previous = None;
    for &b in value {
        run = if previous == Some(b) { run + 1 } else { 1 };
        previous = Some(b);
        longest = longest.max(run);
    }
    longest
}

/// Length of the longest run of consecutive bytes, ascending (`abc`, `345`) or
/// descending (`zyx`).
fn longest_sequence(value: &[u8]) -> usize {
    let mut longest = usize::from(!value.is_empty());
    let (mut up, mut down) = (1, 1);
    for pair in value.windows(2) {
        up = if pair[1] == pair[0].wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if pair[1] == pair[0].wrapping_sub(1) {
            down + 1
        } else {
            1
        };
        longest = longest.max(up).max(down);
    }
    longest
}

/// True when `value` holds a stretch of at least `min_len` bytes that repeats with a
/// period of at most half the stretch (`FAKEFAKEFAKE`, `abcabcabcabc`, `DEADBEEFDEADBEEF`):
/// for each period `p`, a stretch is `p` bytes plus a run of positions where
/// `value[i] == value[i + p]`.
fn has_periodic_stretch(value: &[u8], min_len: usize) -> bool {
    (1..=value.len() / 2).any(|period| {
        let need = min_len.max(2 * period);
        let mut matched = 0;
        for i in period..value.len() {
            matched = if value[i] == value[i - period] {
                matched + 1
            } else {
                0
            };
            if matched + period >= need {
                return true;
            }
        }
        false
    })
}

/// Shannon entropy of the byte distribution, in bits per byte.
pub(crate) fn shannon_entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[usize::from(b)] += 1;
    }
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod costs;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_sequences() {
        assert_eq!(longest_repeat(b"abbbc"), 3);
        assert_eq!(longest_repeat(b""), 0);
        assert_eq!(longest_sequence(b"xabcdez"), 5);
        assert_eq!(longest_sequence(b"a"), 1);
        assert_eq!(longest_sequence(b"q7654r"), 4);
        assert!(has_periodic_stretch(b"xFAKEFAKEFAKEy", 12));
        assert!(!has_periodic_stretch(b"xFAKEFAKEFAKy", 12));
        assert!(has_periodic_stretch(b"DEADBEEFDEADBEEF", 12));
        assert!(!has_periodic_stretch(b"DEADBEEFDEADBEE", 12));
    }

    #[test]
    fn edit_distance_within_a_band() {
        let id = b"AKIAIOSFODNN7EXAMPLE";
        assert!(within_distance(id, id, 0));
        assert!(within_distance(b"AKIAIOSFODNN7EXAMPLF", id, 1));
        assert!(!within_distance(b"AKIAIOSFODNN7EXAMPLF", id, 0));
        assert!(within_distance(b"AKIAIOSFODN7EXAMPLEX", id, 2));
        assert!(!within_distance(b"AKIAIOSFODN7EXAMPLXX", id, 2));
        assert!(within_distance(b"AKIAIOSFODNN7EXAMPL", id, 1));
        assert!(within_distance(b"XAKIAIOSFODNN7EXAMPLE", id, 1));
        assert!(!within_distance(b"AKIAQWZ7RNE3OSJHKV4D", id, 2));
        assert!(within_distance(b"", b"ab", 2));
        assert!(!within_distance(b"", b"abc", 2));
        // Against the full table on small random strings.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let mut word = |n: u64| -> Vec<u8> {
                (0..next() % n)
                    .map(|_| b"abc"[(next() % 3) as usize])
                    .collect()
            };
            let (a, b) = (word(8), word(8));
            let k = (next() % 4) as usize;
            assert_eq!(
                within_distance(&a, &b, k),
                full_distance(&a, &b) <= k,
                "{a:?} {b:?} {k}"
            );
        }
    }

    fn full_distance(a: &[u8], b: &[u8]) -> usize {
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut next = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                next[j] = (row[j - 1] + usize::from(a[i - 1] != b[j - 1]))
                    .min(row[j] + 1)
                    .min(next[j - 1] + 1);
            }
            row = next;
        }
        row[b.len()]
    }

    #[test]
    fn entropy_separates_random_from_words() {
        assert!(shannon_entropy(b"R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw") > 4.5);
        assert!(shannon_entropy(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") < 0.1);
    }
}
