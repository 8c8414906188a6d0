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

/// The compiled validators of one rule.
#[derive(Clone, Debug)]
pub(crate) struct Validators {
    pub(crate) boundary: Boundary,
    max_repeat: Option<usize>,
    min_entropy: Option<f64>,
    require_mixed_case: bool,
    reject_hex: bool,
    reject_sequences: Option<usize>,
    placeholder_words: Vec<Vec<u8>>,
    example_suffix: Option<Vec<u8>>,
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
        Ok(Validators {
            boundary,
            max_repeat: spec.max_repeat,
            min_entropy: spec.min_entropy,
            require_mixed_case: spec.require_mixed_case,
            reject_hex: spec.reject_hex,
            reject_sequences: spec.reject_sequences,
            placeholder_words: spec
                .placeholder_words
                .iter()
                .map(|w| w.to_ascii_lowercase().into_bytes())
                .collect(),
            example_suffix: spec.example_suffix.as_ref().map(|s| s.as_bytes().to_vec()),
        })
    }

    /// Judges a decoded value.
    pub(crate) fn judge(&self, value: &[u8]) -> Verdict {
        if let Some(suffix) = &self.example_suffix {
            if value.ends_with(suffix) {
                return Verdict::Example;
            }
        }
        if let Some(max) = self.max_repeat {
            if longest_repeat(value) > max {
                return Verdict::Rejected;
            }
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
            if longest_ascending_run(value) >= run {
                return Verdict::Rejected;
            }
        }
        if let Some(min) = self.min_entropy {
            if shannon_entropy(value) < min {
                return Verdict::Rejected;
            }
        }
        if !self.placeholder_words.is_empty() {
            let lower = value.to_ascii_lowercase();
            if self
                .placeholder_words
                .iter()
                .any(|word| memchr::memmem::find(&lower, word).is_some())
            {
                return Verdict::Rejected;
            }
        }
        Verdict::Real
    }
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

/// Length of the longest run of consecutive ascending bytes (`abc`, `345`).
fn longest_ascending_run(value: &[u8]) -> usize {
    let mut longest = usize::from(!value.is_empty());
    let mut run = 1;
    for pair in value.windows(2) {
        run = if pair[1] == pair[0].wrapping_add(1) {
            run + 1
        } else {
            1
        };
        longest = longest.max(run);
    }
    longest
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
mod tests {
    use super::*;

    #[test]
    fn runs_and_sequences() {
        assert_eq!(longest_repeat(b"abbbc"), 3);
        assert_eq!(longest_repeat(b""), 0);
        assert_eq!(longest_ascending_run(b"xabcdez"), 5);
        assert_eq!(longest_ascending_run(b"a"), 1);
    }

    #[test]
    fn entropy_separates_random_from_words() {
        assert!(shannon_entropy(b"R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw") > 4.5);
        assert!(shannon_entropy(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") < 0.1);
    }
}
