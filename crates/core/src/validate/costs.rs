//! What the built-in look-alike checks cost: the chance that a uniformly random real key
//! id, secret or session token is rejected (or taken for an example), computed from the
//! rules as written and measured on millions of random values; and proof that each family
//! of placeholders is still rejected.
//!
//! The measured runs take `KEYHOUND_COST_SAMPLES` values of each kind (default: 5,000,000
//! in an optimised build, 300,000 in a debug build, so `cargo test` stays quick). Run
//! `cargo test --release -p keyhound-core --lib costs -- --nocapture` for the table that
//! docs/RULES.md quotes.

use super::{Validators, Verdict};
use crate::finding::Kind;
use crate::ruleset::RuleSet;

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ID_PREFIXES: [&[u8]; 4] = [b"AKIA", b"ASIA", b"ABIA", b"ACCA"];
/// The budget: at most one real value in a million may be lost to all checks together.
const BUDGET: f64 = 1e-6;

/// xorshift64*: a fixed seed makes every run judge the same values.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        // The high bits of a multiply: unbiased enough for alphabets of 32 and 64.
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn fill(&mut self, out: &mut Vec<u8>, alphabet: &[u8], n: usize) {
        for _ in 0..n {
            out.push(*self.pick(alphabet));
        }
    }
}

fn validators(kind: Kind) -> Validators {
    RuleSet::builtin()
        .rules()
        .iter()
        .find(|rule| rule.kind == kind)
        .expect("a built-in rule of each kind")
        .validators
        .clone()
}

fn samples() -> usize {
    std::env::var("KEYHOUND_COST_SAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            100_000
        } else {
            5_000_000
        })
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Union bounds on the chance that each check turns down a value made of `prefix` and
/// `tail_len` characters drawn uniformly from `alphabet`.
fn analytic(v: &Validators, prefix: &[u8], tail_len: usize, alphabet: &[u8]) -> Vec<(String, f64)> {
    let k = alphabet.len() as f64;
    let n = tail_len;
    let len = prefix.len() + n;
    // Tail checks: the rules set `tail_from` to the prefix's length.
    assert_eq!(
        v.tail_from,
        prefix.len(),
        "tail checks start past the prefix"
    );
    let count = |pred: &dyn Fn(u8) -> bool| alphabet.iter().filter(|&&c| pred(c)).count() as f64;
    let mut costs = Vec::new();
    if let Some(max) = v.max_repeat {
        let run = max + 1;
        costs.push((
            format!("run of {run} equal characters"),
            n.saturating_sub(run - 1) as f64 * k.powi(-(run as i32 - 1)),
        ));
    }
    if let Some(run) = v.reject_sequences {
        costs.push((
            format!("sequence of {run} up or down"),
            2.0 * n.saturating_sub(run - 1) as f64 * k.powi(-(run as i32 - 1)),
        ));
    }
    if let Some(min) = v.reject_periodic {
        let p: f64 = (1..=n / 2)
            .map(|period| {
                let stretch = min.max(2 * period);
                n.saturating_sub(stretch - 1) as f64 * k.powi(-((stretch - period) as i32))
            })
            .sum();
        costs.push((
            format!("{min} characters with a period of at most {}", min / 2),
            p,
        ));
    }
    if !v.only_chars.is_empty() {
        let allowed = count(&|c| v.only_chars[usize::from(c)]);
        costs.push((
            "tail of one small alphabet (DNA)".into(),
            (allowed / k).powi(n as i32),
        ));
    }
    if v.reject_hex {
        let hex = count(&|c: u8| c.is_ascii_hexdigit());
        costs.push(("hex only".into(), (hex / k).powi(len as i32)));
    }
    if v.require_mixed_case {
        let upper = count(&|c: u8| c.is_ascii_uppercase());
        let lower = count(&|c: u8| c.is_ascii_lowercase());
        costs.push((
            "no upper or no lower case".into(),
            ((k - upper) / k).powi(len as i32) + ((k - lower) / k).powi(len as i32),
        ));
    }
    // A word at each start: a fixed prefix byte either matches (1) or not (0), a random
    // one with the share of the alphabet that matches it.
    let word_cost = |word: &[u8], ignore_case: bool| -> f64 {
        let same = |a: u8, b: u8| {
            if ignore_case {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        };
        (0..=len.saturating_sub(word.len()))
            .map(|start| {
                word.iter()
                    .enumerate()
                    .map(|(i, &w)| match prefix.get(start + i) {
                        Some(&p) => f64::from(u8::from(same(p, w))),
                        None => count(&|c| same(c, w)) / k,
                    })
                    .product::<f64>()
            })
            .sum()
    };
    if !v.placeholder_words.is_empty() {
        let words: f64 = v.placeholder_words.iter().map(|w| word_cost(w, true)).sum();
        costs.push((
            format!("{} placeholder words", v.placeholder_words.len()),
            words,
        ));
    }
    let examples: f64 = v
        .example_words
        .iter()
        .map(|w| word_cost(w.needle(), false))
        .sum();
    costs.push(("example words (EXAMPLE)".into(), examples));
    // Within d edits of a published value: at most C(n + d, d) · 3^d edit scripts, each
    // fixing at least n - d random characters (a loose bound).
    let published: f64 = v
        .published
        .iter()
        .map(|p| {
            let d = p.max_distance;
            if p.value.len() + d < len || len + d < p.value.len() {
                return 0.0;
            }
            binomial(n + d, d) * 3f64.powi(d as i32) * k.powi(-(n.saturating_sub(d) as i32))
        })
        .sum();
    costs.push((format!("{} published values", v.published.len()), published));
    costs
}

/// Judges `samples()` values from `make`; returns how many were not judged real.
fn measure(v: &Validators, mut make: impl FnMut(&mut Random, &mut Vec<u8>), seed: u64) -> usize {
    let mut random = Random(seed);
    let mut value = Vec::with_capacity(2048);
    let mut lost = 0;
    for _ in 0..samples() {
        value.clear();
        make(&mut random, &mut value);
        if v.judge(&value) != Verdict::Real {
            lost += 1;
        }
    }
    lost
}

/// Prints each check's cost and their total; with `measured` (lost, judged), the
/// measured losses too.
fn report(kind: &str, costs: &[(String, f64)], measured: Option<(usize, usize)>) -> f64 {
    let total: f64 = costs.iter().map(|(_, p)| p).sum();
    println!("{kind}:");
    for (check, p) in costs {
        println!("  {check:<45} {p:.1e}");
    }
    println!("  {:<45} {total:.1e}", "total (union bound)");
    if let Some((lost, judged)) = measured {
        println!("  measured: {lost} of {judged} random values not judged real");
    }
    total
}

/// The number of losses `samples()` values may show at the budget.
fn allowed() -> usize {
    (samples() as f64 * BUDGET).floor() as usize
}

#[test]
fn a_random_key_id_is_lost_less_than_once_in_a_million() {
    let v = validators(Kind::AccessKeyId);
    let mut worst: f64 = 0.0;
    for prefix in ID_PREFIXES {
        let costs = analytic(&v, prefix, 16, BASE32);
        worst = worst.max(report(&String::from_utf8_lossy(prefix), &costs, None));
    }
    assert!(worst < BUDGET, "key id checks cost {worst:.1e}");
    let lost = measure(
        &v,
        |random, value| {
            value.extend_from_slice(random.pick::<&[u8]>(&ID_PREFIXES));
            random.fill(value, BASE32, 16);
        },
        0x1d5e_ed01,
    );
    println!(
        "key ids, all prefixes: measured: {lost} of {} random values not judged real",
        samples()
    );
    assert!(lost <= allowed(), "{lost} of {} random ids lost", samples());
}

#[test]
fn a_random_secret_is_lost_less_than_once_in_a_million() {
    let v = validators(Kind::SecretAccessKey);
    let costs = analytic(&v, b"", 40, BASE64);
    let lost = measure(
        &v,
        |random, value| random.fill(value, BASE64, 40),
        0x5ec2_e701,
    );
    let total = report("secret access keys", &costs, Some((lost, samples())));
    assert!(total < BUDGET, "secret checks cost {total:.1e}");
    assert!(
        lost <= allowed(),
        "{lost} of {} random secrets lost",
        samples()
    );
    let entropy = entropy_cost(40, BASE64.len(), v.min_entropy.unwrap_or(0.0));
    let check = format!(
        "entropy under {} bits (exact)",
        v.min_entropy.unwrap_or(0.0)
    );
    println!("  {check:<45} {entropy:.1e}");
    assert!(
        total + entropy < BUDGET,
        "with entropy: {:.1e}",
        total + entropy
    );
}

/// The exact chance that `n` characters drawn uniformly from `k` have a Shannon entropy
/// under `bar` bits a character. The entropy depends only on the multiset of character
/// counts, a partition of `n`: sum, over the partitions whose entropy is under the bar,
/// the number of strings with those counts (which characters × the multinomial) over
/// `k^n`, in logarithms.
fn entropy_cost(n: usize, k: usize, bar: f64) -> f64 {
    fn ln_factorial(x: usize) -> f64 {
        (2..=x).map(|i| (i as f64).ln()).sum()
    }
    fn partitions(
        left: usize,
        largest: usize,
        parts: &mut Vec<usize>,
        out: &mut dyn FnMut(&[usize]),
    ) {
        if left == 0 {
            out(parts);
            return;
        }
        for part in (1..=largest.min(left)).rev() {
            parts.push(part);
            partitions(left - part, part, parts, out);
            parts.pop();
        }
    }
    let mut total = 0.0;
    let mut all = 0.0;
    partitions(n, n, &mut Vec::new(), &mut |parts| {
        if parts.len() > k {
            return;
        }
        let nf = n as f64;
        let entropy = nf.log2()
            - parts
                .iter()
                .map(|&c| c as f64 * (c as f64).log2())
                .sum::<f64>()
                / nf;
        // Characters: choose which of the k take each count (equal counts interchangeable).
        let mut same = 0.0;
        let mut run = 1;
        for pair in parts.windows(2) {
            if pair[0] == pair[1] {
                run += 1;
            } else {
                same += ln_factorial(run);
                run = 1;
            }
        }
        same += ln_factorial(run);
        let ln_p = ln_factorial(k) - ln_factorial(k - parts.len()) - same + ln_factorial(n)
            - parts.iter().map(|&c| ln_factorial(c)).sum::<f64>()
            - nf * (k as f64).ln();
        let p = ln_p.exp();
        all += p;
        if entropy < bar {
            total += p;
        }
    });
    assert!(
        (all - 1.0).abs() < 1e-9,
        "the partitions cover every string: {all}"
    );
    total
}

#[test]
fn a_random_session_token_is_lost_less_than_once_in_a_million() {
    let v = validators(Kind::SessionToken);
    // A token's length varies; the longest captured (2048) costs the most.
    let costs = analytic(&v, b"", 2048, BASE64);
    // STS tokens start with a fixed header and are base64 of random-looking bytes, some
    // with runs of `/`; half the samples carry a real header.
    let headers: [&[u8]; 3] = [b"IQoJb3JpZ2luX2VjE", b"FwoGZXIvYXdzE", b""];
    let samples = samples() / 10; // tokens are long: a tenth as many
    let mut random = Random(0x70ce);
    let mut value = Vec::new();
    let mut lost = 0;
    for _ in 0..samples {
        value.clear();
        value.extend_from_slice(random.pick::<&[u8]>(&headers));
        let len = 100 + random.below(1949);
        let missing = len.saturating_sub(value.len());
        random.fill(&mut value, BASE64, missing);
        if random.below(2) == 0 {
            value.extend_from_slice(b"//////////");
            random.fill(&mut value, BASE64, 20);
        }
        if v.judge(&value) != Verdict::Real {
            lost += 1;
        }
    }
    let total = report("session tokens", &costs, Some((lost, samples)));
    assert!(total < BUDGET, "token checks cost {total:.1e}");
    assert!(lost as f64 <= samples as f64 * BUDGET, "{lost} tokens lost");
}

/// A random id with `patch` written over part of its tail at a random place.
fn id_with(random: &mut Random, patch: &[u8]) -> Vec<u8> {
    let mut value = Vec::new();
    value.extend_from_slice(random.pick::<&[u8]>(&ID_PREFIXES));
    random.fill(&mut value, BASE32, 16);
    let at = 4 + random.below(16 - patch.len() + 1);
    value[at..at + patch.len()].copy_from_slice(patch);
    value
}

fn secret_with(random: &mut Random, patch: &[u8]) -> Vec<u8> {
    let mut value = Vec::new();
    random.fill(&mut value, BASE64, 40);
    let at = random.below(40 - patch.len() + 1);
    value[at..at + patch.len()].copy_from_slice(patch);
    value
}

/// Placeholder families: each generated instance must be rejected.
#[test]
fn every_placeholder_family_is_rejected() {
    let id = validators(Kind::AccessKeyId);
    let secret = validators(Kind::SecretAccessKey);
    let mut random = Random(0xfa11);
    for _ in 0..2000 {
        let c = *random.pick(BASE32);
        let run = vec![c; 7 + random.below(10)];
        // Letters only: `Z` and `2` are neighbours in base32, not in ASCII.
        let start = random.below(26 - 7 + 1);
        let sequence: Vec<u8> = if random.below(2) == 0 {
            BASE32[start..start + 7].to_vec()
        } else {
            BASE32[start..start + 7].iter().rev().copied().collect()
        };
        let period = 1 + random.below(6);
        let mut unit = Vec::new();
        random.fill(&mut unit, BASE32, period);
        let periodic: Vec<u8> = unit
            .iter()
            .cycle()
            .take(12.max(2 * period))
            .copied()
            .collect();
        let mut dna = b"ACCA".to_vec();
        random.fill(&mut dna, b"ACGT", 16);
        let word = random.pick(&id.placeholder_words).to_ascii_uppercase();
        for (family, value) in [
            ("run", id_with(&mut random, &run[..run.len().min(16)])),
            ("sequence", id_with(&mut random, &sequence)),
            ("periodic", id_with(&mut random, &periodic)),
            ("dna", dna),
            ("word", id_with(&mut random, &word)),
            ("deadbeef", id_with(&mut random, b"DEADBEEFDEADBEEF")),
        ] {
            let shown = String::from_utf8_lossy(&value);
            assert_eq!(id.judge(&value), Verdict::Rejected, "id {family}: {shown}");
        }

        let c = *random.pick(BASE64);
        let run = vec![c; 6 + random.below(20)];
        let start = random.below(26 - 6 + 1);
        let letters = if random.below(2) == 0 {
            b"abcdefghijklmnopqrstuvwxyz"
        } else {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        };
        let mut sequence = letters[start..start + 6].to_vec();
        if random.below(2) == 0 {
            sequence.reverse();
        }
        let period = 1 + random.below(6);
        let mut unit = Vec::new();
        random.fill(&mut unit, BASE64, period);
        let periodic: Vec<u8> = unit.iter().cycle().take(12).copied().collect();
        let mut word = random.pick(&secret.placeholder_words).clone();
        // Any case: the words are matched ignoring case.
        for b in &mut word {
            if random.below(2) == 0 {
                b.make_ascii_uppercase();
            }
        }
        let mut hex = Vec::new();
        random.fill(&mut hex, b"0123456789abcdef", 40);
        let mut upper = Vec::new();
        random.fill(&mut upper, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/", 40);
        for (family, value) in [
            ("run", secret_with(&mut random, &run)),
            ("sequence", secret_with(&mut random, &sequence)),
            ("periodic", secret_with(&mut random, &periodic)),
            ("word", secret_with(&mut random, &word)),
            ("hex", hex),
            ("one case", upper),
        ] {
            let shown = String::from_utf8_lossy(&value);
            assert_eq!(
                secret.judge(&value),
                Verdict::Rejected,
                "secret {family}: {shown}"
            );
        }
    }
}

/// AWS's examples are examples however they are varied: EXAMPLE anywhere, or a typo or
/// two away from the documented id or secret.
#[test]
fn published_examples_and_their_neighbours_are_examples() {
    let id = validators(Kind::AccessKeyId);
    let secret = validators(Kind::SecretAccessKey);
    let token = validators(Kind::SessionToken);
    let mut random = Random(0xe4a3);
    let edit = |random: &mut Random, value: &mut Vec<u8>, alphabet: &[u8]| {
        let at = random.below(value.len());
        match random.below(3) {
            0 => value[at] = *random.pick(alphabet),
            1 => {
                value.remove(at);
            }
            _ => value.insert(at, *random.pick(alphabet)),
        }
    };
    for _ in 0..2000 {
        assert_eq!(
            id.judge(&id_with(&mut random, b"EXAMPLE")),
            Verdict::Example
        );
        assert_eq!(
            secret.judge(&secret_with(&mut random, b"EXAMPLE")),
            Verdict::Example
        );
        for (v, published, alphabet) in [
            (&id, &b"AKIAIOSFODNN7EXAMPLE"[..], BASE32),
            (&secret, b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", BASE64),
        ] {
            let mut value = published.to_vec();
            for _ in 0..1 + random.below(2) {
                edit(&mut random, &mut value, alphabet);
            }
            let shown = String::from_utf8_lossy(&value);
            assert_eq!(v.judge(&value), Verdict::Example, "{shown}");
        }
    }
    for published in &token.published {
        assert_eq!(token.judge(&published.value), Verdict::Example);
    }
    for published in &id.published {
        assert_eq!(id.judge(&published.value), Verdict::Example);
    }
    for published in &secret.published {
        assert_eq!(secret.judge(&published.value), Verdict::Example);
    }
}
