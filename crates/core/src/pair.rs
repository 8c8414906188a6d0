//! Pairing: key ids, secrets and session tokens that sit close together become one
//! credential. Nearest first, each part used at most once; a key id with no keyword-named
//! secret nearby looks for a bare 40-character secret next to it (`new
//! BasicAWSCredentials("AKIA…", "…")`, the IAM console's CSV export).

use crate::confirm::{bare_tokens, decode_value, Evidence, RawMatch};
use crate::finding::{Kind, Span};
use std::collections::BTreeMap;

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
    let ids = of_kind(raws, Kind::AccessKeyId);
    if ids.is_empty() {
        return Vec::new();
    }
    let reach = pairing.max_bytes;

    // Key id ↔ named secret, nearest first. Only secrets within reach are looked at: a
    // file of thousands of profiles must not cost ids × secrets.
    let secrets = Sorted::new(raws, of_kind(raws, Kind::SecretAccessKey));
    let mut candidates = Vec::new();
    for &id in &ids {
        for &secret in secrets.near(raws, raws[id].span, reach) {
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
    let matched = Sorted::new(raws, (0..raws.len()).collect());
    if let Some((secret_rule_index, secret_rule)) = rules
        .rules()
        .iter()
        .enumerate()
        .find(|(_, rule)| rule.kind == Kind::SecretAccessKey)
    {
        // The bare 40-unit tokens around every lone key id, found in one pass over the
        // merged windows: a log with a key id on every line must not rescan each window.
        let mut lone: Vec<usize> = ids.iter().copied().filter(|&id| !used[id]).collect();
        lone.sort_unstable_by_key(|&id| raws[id].span.start);
        let window = |span: Span| {
            (
                span.start.saturating_sub(pairing.max_bytes),
                text.len().min(span.end + pairing.max_bytes),
            )
        };
        let mut tokens: Vec<Span> = Vec::new();
        let mut merged: Option<(usize, usize)> = None;
        for &id in &lone {
            let (from, to) = window(raws[id].span);
            match merged {
                Some((start, end)) if from <= end => merged = Some((start, end.max(to))),
                _ => {
                    if let Some((start, end)) = merged {
                        bare_tokens(text, start, end, 40, scratch_spans);
                        tokens.append(scratch_spans);
                    }
                    merged = Some((from, to));
                }
            }
        }
        if let Some((start, end)) = merged {
            bare_tokens(text, start, end, 40, scratch_spans);
            tokens.append(scratch_spans);
        }
        // A bare token's verdict as a secret, if it could be one at all.
        let judge_bare = |span: Span| {
            let value = decode_value(&text[span.start..span.end]);
            let plausible = value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
                && value
                    .bytes()
                    .any(|b| b.is_ascii_digit() || b == b'+' || b == b'/');
            let verdict = secret_rule.validators.judge(value.as_bytes());
            (plausible && verdict != Verdict::Rejected).then_some(verdict)
        };
        let mut judged: Vec<Option<Option<Verdict>>> = vec![None; tokens.len()];
        // Bare secrets taken by earlier ids in this loop, by start (they are not in
        // `matched`).
        let mut added: BTreeMap<usize, usize> = BTreeMap::new();
        let mut added_longest = 0;
        for id in lone {
            let id_span = raws[id].span;
            let (from, to) = window(id_span);
            let first = tokens.partition_point(|t| t.start < from);
            let last = tokens.partition_point(|t| t.start <= to);
            let packed = (binary && text.len() >= id_span.end + 40)
                // Literals packed back to back: the secret may follow the id directly.
                .then(|| (None, Span::new(id_span.end, id_span.end + 40)));
            let taken = |span: Span| {
                matched
                    .near(raws, span, 0)
                    .iter()
                    .any(|&i| overlaps(raws[i].span, span))
                    || added
                        .range(span.start.saturating_sub(added_longest)..span.end)
                        .any(|(&start, &end)| overlaps(Span::new(start, end), span))
            };
            let mut best: Option<((usize, usize, bool), Span, Verdict)> = None;
            let candidates = (first..last)
                .filter(|&i| tokens[i].end <= to)
                .map(|i| (Some(i), tokens[i]))
                .chain(packed);
            for (index, span) in candidates {
                if taken(span) {
                    continue;
                }
                // Tokens are shared by neighbouring ids: each is judged once.
                let verdict = match index {
                    Some(i) => *judged[i].get_or_insert_with(|| judge_bare(span)),
                    None => judge_bare(span),
                };
                let Some(verdict) = verdict.filter(|v| *v == raws[id].verdict) else {
                    continue;
                };
                let Some((lines, bytes)) = distance(text, pairing, id_span, span) else {
                    continue;
                };
                let key = (lines, bytes, span.start < id_span.start);
                if best.is_none_or(|(best_key, ..)| key < best_key) {
                    best = Some((key, span, verdict));
                }
            }
            let best = best.map(|(key, span, verdict)| {
                (
                    key,
                    span,
                    decode_value(&text[span.start..span.end]),
                    verdict,
                )
            });
            if let Some((_, span, value, verdict)) = best {
                raws.push(RawMatch {
                    rule: secret_rule_index,
                    kind: Kind::SecretAccessKey,
                    span,
                    value,
                    verdict,
                    evidence: Evidence::PairOnly,
                    joined: false,
                });
                added.insert(span.start, span.end);
                added_longest = added_longest.max(span.end - span.start);
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
    let tokens = Sorted::new(raws, of_kind(raws, Kind::SessionToken));
    let mut joins = Vec::new();
    let mut nearby = Vec::new();
    for (p, pair) in pairs.iter().enumerate() {
        nearby.clear();
        nearby.extend_from_slice(tokens.near(raws, raws[pair.id].span, reach));
        nearby.extend_from_slice(tokens.near(raws, raws[pair.secret].span, reach));
        nearby.sort_unstable();
        nearby.dedup();
        for &token in &nearby {
            // AWS's example token next to a real pair is not that pair's token (nor a real
            // token an example pair's).
            if raws[token].verdict != raws[pair.id].verdict {
                continue;
            }
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

/// Indices of the matches of `kind`.
fn of_kind(raws: &[RawMatch], kind: Kind) -> Vec<usize> {
    (0..raws.len()).filter(|&i| raws[i].kind == kind).collect()
}

/// Match indices sorted by where they start, to find those near a span by binary search.
struct Sorted {
    indices: Vec<usize>,
    /// The longest span among them: how far before a span one may start and still reach it.
    longest: usize,
}

impl Sorted {
    fn new(raws: &[RawMatch], mut indices: Vec<usize>) -> Sorted {
        indices.sort_unstable_by_key(|&i| raws[i].span.start);
        let longest = indices
            .iter()
            .map(|&i| raws[i].span.end - raws[i].span.start)
            .max()
            .unwrap_or(0);
        Sorted { indices, longest }
    }

    /// Every index whose span could be `reach` bytes from `span` or closer (a superset:
    /// callers still measure the distance).
    fn near(&self, raws: &[RawMatch], span: Span, reach: usize) -> &[usize] {
        let low = span
            .start
            .saturating_sub(reach.saturating_add(self.longest));
        let high = span.end.saturating_add(reach);
        let from = self.indices.partition_point(|&i| raws[i].span.start < low);
        let to = self
            .indices
            .partition_point(|&i| raws[i].span.start <= high);
        &self.indices[from..to.max(from)]
    }
}

fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end && b.start < a.end
}
