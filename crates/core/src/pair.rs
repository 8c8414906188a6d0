//! Pairing: key ids, secrets and session tokens that sit close together become one
//! credential. Nearest first, each part used at most once; a key id with no keyword-named
//! secret nearby looks for a bare 40-character secret next to it (`new
//! BasicAWSCredentials("AKIA…", "…")`, the IAM console's CSV export).

use crate::confirm::{bare_tokens, decode_value, Evidence, RawMatch};
use crate::finding::{Kind, Span};
use crate::location::newlines_between;
use crate::rule::Pairing;
use crate::ruleset::RuleSet;
use crate::validate::Verdict;

/// A credential assembled from raw matches (indices into the raw list).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pair {
    pub(crate) id: usize,
    pub(crate) secret: usize,
    pub(crate) token: Option<usize>,
}

/// Bytes between two spans (0 when they overlap).
fn gap(a: Span, b: Span) -> usize {
    if b.start >= a.end {
        b.start - a.end
    } else {
        a.start.saturating_sub(b.end)
    }
}

/// `(lines apart, bytes apart)` when `a` and `b` are close enough to pair.
fn distance(text: &[u8], pairing: &Pairing, a: Span, b: Span) -> Option<(usize, usize)> {
    let bytes = gap(a, b);
    if bytes > pairing.max_bytes {
        return None;
    }
    let (from, to) = if a.start <= b.start {
        (a.end.min(b.start), b.start)
    } else {
        (b.end.min(a.start), a.start)
    };
    let lines = newlines_between(text, from, to);
    (lines <= pairing.max_lines).then_some((lines, bytes))
}

/// Pairs the raw matches in `raws` (appending bare secrets found next to key ids) and
/// returns the pairs. `scratch_spans` is reused scratch space.
pub(crate) fn pair_up(
    rules: &RuleSet,
    text: &[u8],
    binary: bool,
    raws: &mut Vec<RawMatch>,
    scratch_spans: &mut Vec<Span>,
) -> Vec<Pair> {
    let Some(pairing) = rules.pairing() else {
        return Vec::new();
    };
    let of_kind = |raws: &[RawMatch], kind: Kind| -> Vec<usize> {
        (0..raws.len()).filter(|&i| raws[i].kind == kind).collect()
    };
    let ids = of_kind(raws, Kind::AccessKeyId);
    if ids.is_empty() {
        return Vec::new();
    }

    // Key id ↔ named secret, nearest first.
    let secrets = of_kind(raws, Kind::SecretAccessKey);
    let mut candidates = Vec::new();
    for &id in &ids {
        for &secret in &secrets {
            // AWS's example secret next to a real key id is not that key's secret.
            if raws[id].verdict != raws[secret].verdict {
                continue;
            }
            if let Some((lines, bytes)) = distance(text, pairing, raws[id].span, raws[secret].span)
            {
                let before = raws[secret].span.start < raws[id].span.start;
                candidates.push((lines, bytes, before, id, secret));
            }
        }
    }
    candidates.sort_unstable();
    let mut used = vec![false; raws.len()];
    let mut pairs = Vec::new();
    for (_, _, _, id, secret) in candidates {
        if !used[id] && !used[secret] {
            used[id] = true;
            used[secret] = true;
            pairs.push(Pair {
                id,
                secret,
                token: None,
            });
        }
    }

    // Key ids still alone: a bare secret next to them.
    if let Some((secret_rule_index, secret_rule)) = rules
        .rules()
        .iter()
        .enumerate()
        .find(|(_, rule)| rule.kind == Kind::SecretAccessKey)
    {
        for &id in &ids {
            if used[id] {
                continue;
            }
            let id_span = raws[id].span;
            let from = id_span.start.saturating_sub(pairing.max_bytes);
            let to = text.len().min(id_span.end + pairing.max_bytes);
            bare_tokens(text, from, to, 40, scratch_spans);
            if binary && text.len() >= id_span.end + 40 {
                // Literals packed back to back: the secret may follow the id directly.
                scratch_spans.push(Span::new(id_span.end, id_span.end + 40));
            }
            let best = scratch_spans
                .iter()
                .filter(|span| !raws.iter().any(|raw| overlaps(raw.span, **span)))
                .filter_map(|&span| {
                    let value = decode_value(&text[span.start..span.end]);
                    let plausible = value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
                        && value
                            .bytes()
                            .any(|b| b.is_ascii_digit() || b == b'+' || b == b'/');
                    if !plausible {
                        return None;
                    }
                    let verdict = secret_rule.validators.judge(value.as_bytes());
                    if verdict == Verdict::Rejected || verdict != raws[id].verdict {
                        return None;
                    }
                    let (lines, bytes) = distance(text, pairing, id_span, span)?;
                    Some((
                        (lines, bytes, span.start < id_span.start),
                        span,
                        value,
                        verdict,
                    ))
                })
                .min_by_key(|(key, ..)| *key);
            if let Some((_, span, value, verdict)) = best {
                raws.push(RawMatch {
                    rule: secret_rule_index,
                    kind: Kind::SecretAccessKey,
                    span,
                    value,
                    verdict,
                    evidence: Evidence::PairOnly,
                });
                used[id] = true;
                used.push(true);
                pairs.push(Pair {
                    id,
                    secret: raws.len() - 1,
                    token: None,
                });
            }
        }
    }

    // Session tokens join the nearest pair.
    let tokens = of_kind(raws, Kind::SessionToken);
    let mut joins = Vec::new();
    for (p, pair) in pairs.iter().enumerate() {
        for &token in &tokens {
            let near = [pair.id, pair.secret]
                .iter()
                .filter_map(|&part| distance(text, pairing, raws[part].span, raws[token].span))
                .min();
            if let Some((lines, bytes)) = near {
                joins.push((lines, bytes, p, token));
            }
        }
    }
    joins.sort_unstable();
    let mut token_used = vec![false; raws.len()];
    for (_, _, p, token) in joins {
        if pairs[p].token.is_none() && !token_used[token] {
            token_used[token] = true;
            pairs[p].token = Some(token);
        }
    }
    pairs.sort_unstable_by_key(|pair| raws[pair.id].span.start);
    pairs
}

fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end && b.start < a.end
}
