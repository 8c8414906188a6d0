//! Custom rules have a cost budget: a window of at most `MAX_WINDOW` bytes, no pattern that
//! can match the empty string or only at `$`, a rule's matches never overlapping, and at
//! most `max_findings` findings per input, after which the scan stops and says so.

use std::ops::ControlFlow;

use keyhound_core::{Ended, RuleSet, Scanner, Scratch, MAX_WINDOW};

/// A custom rule file with this anchor, window and pattern.
fn rule(anchor: &str, window: usize, pattern: &str, example: &str) -> String {
    format!(
        r#"[[rules]]
id = "hostile"
name = "Hostile"
kind = "access-key-id"
severity = "low"
description = "d"
remediation = "r"
anchors = ["{anchor}"]
window = {window}
pattern = '''{pattern}'''
examples = ['{example}']
"#
    )
}

fn build(text: &str) -> Result<RuleSet, keyhound_core::Error> {
    RuleSet::builder()
        .builtin(false)
        .add_toml("hostile.toml", text)
        .build()
}

fn refusal(text: &str) -> String {
    build(text).expect_err("the rule is refused").to_string()
}

#[test]
fn a_window_over_the_cap_is_refused() {
    let err = refusal(&rule("aaa", 1 << 16, "(?P<secret>aaa[a-z]+)", "aaab"));
    assert!(err.contains("window 65536 is outside 1..=4096"), "{err}");
    build(&rule("aaa", MAX_WINDOW, "(?P<secret>aaa[a-z]+)", "aaab")).expect("at the cap");
    // The built-in rules fit well under the cap.
    let builtin = RuleSet::builtin();
    assert!(builtin
        .rules()
        .iter()
        .all(|r| r.window() * 3 / 2 <= MAX_WINDOW));
}

#[test]
fn patterns_decided_by_the_window_end_or_matching_empty_are_refused() {
    for (pattern, why) in [
        ("aaa(?P<secret>a+)+$", "`$`"),
        (r"aaa(?P<secret>a+)\z", "`$`"),
        (
            "aaa(?P<secret>a+)+(?m:$)",
            "every match of the pattern ends at `$`",
        ),
        ("(?P<secret>(?:aaa)?)", "can match the empty string"),
        (
            "aaa(?P<secret>b*)",
            "the secret group can match the empty string",
        ),
        ("aaa(?P<secret>[a&&b])", "can never match"),
    ] {
        let err = refusal(&rule("aaa", 64, pattern, "aaab"));
        assert!(err.contains(why), "{pattern}: {err}");
        assert!(
            err.contains("hostile.toml:2: rule hostile:"),
            "{pattern}: {err}"
        );
    }
    // `(?m)$` that is not every match's end is allowed: it is one way out of a few.
    build(&rule(
        "aaa",
        64,
        "(?P<secret>aaa[a-z]+)(?:;|(?m:$))",
        "aaab;",
    ))
    .expect("allowed");
}

#[test]
fn a_pattern_matching_everywhere_gives_one_match_per_run_not_per_byte() {
    let rules = build(&rule("aaa", MAX_WINDOW, "aaa(?P<secret>a+)", "aaaa")).unwrap();
    let input = vec![b'a'; 1 << 20];
    let findings = Scanner::new(rules).scan(&input);
    // Each match runs to its window's end; the next starts after it.
    assert_eq!(findings.len(), input.len().div_ceil(MAX_WINDOW));
    let secret_bytes: usize = findings.iter().map(|f| f.span.len()).sum();
    assert!(secret_bytes <= input.len(), "{secret_bytes}");
}

/// `count` distinct key ids, one a line.
fn key_ids(count: usize) -> Vec<u8> {
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut text = Vec::new();
    for i in 0..count {
        let mut id = *b"AKIAQWZ7RNE3OSJHKV4D";
        // Four varying characters, offset per place so that no run repeats.
        for (place, byte) in id[16..].iter_mut().enumerate() {
            *byte = BASE32[((i >> (5 * place)) + 7 * place + 3) & 31];
        }
        text.extend_from_slice(b"key = ");
        text.extend_from_slice(&id);
        text.push(b'\n');
    }
    text
}

#[test]
fn findings_past_the_budget_stop_the_scan_and_say_so() {
    let scanner = Scanner::default().with_max_findings(10);
    let scan = |input: &[u8]| {
        let mut count = 0;
        let ended = scanner.scan_with(input, &mut Scratch::new(), |_| {
            count += 1;
            ControlFlow::Continue(())
        });
        (count, ended)
    };
    assert_eq!(scan(&key_ids(10)), (10, Ended::Complete));
    assert_eq!(scan(&key_ids(11)), (10, Ended::TooManyFindings));
    assert_eq!(scan(&key_ids(5000)), (10, Ended::TooManyFindings));
    assert!(!Ended::TooManyFindings.is_complete());

    // A stream counts the whole input's findings, across windows.
    let stream = |input: &[u8]| {
        let mut count = 0;
        let streamed = scanner
            .stream_in_windows(input, 64, &mut Scratch::new(), &mut Vec::new(), |_, _| {
                count += 1;
                ControlFlow::Continue(())
            })
            .unwrap();
        (count, streamed.ended)
    };
    assert_eq!(stream(&key_ids(10)), (10, Ended::Complete));
    assert_eq!(stream(&key_ids(11)), (10, Ended::TooManyFindings));
    let mut stopped = 0;
    let streamed = scanner
        .stream(
            &key_ids(3)[..],
            &mut Scratch::new(),
            &mut Vec::new(),
            |_, _| {
                stopped += 1;
                ControlFlow::Break(())
            },
        )
        .unwrap();
    assert_eq!((stopped, streamed.ended), (1, Ended::Stopped));
}

#[test]
fn candidate_matches_are_bounded_too() {
    // Every `aaa` is a match (they do not overlap), but none is reported on its own: the
    // name is no evidence, so the values only count in a pair. Matches past three times
    // the budget stop the scan all the same.
    let text = rule("aaa", 16, "(?P<secret>aaa)", "aaa")
        .replace("access-key-id", "secret-access-key")
        + "[rules.validate]\nstrong_names = [[\"zzz\"]]\n";
    let scanner = Scanner::new(build(&text).unwrap()).with_max_findings(100);
    let scan = |input: &[u8]| {
        let mut count = 0;
        let ended = scanner.scan_with(input, &mut Scratch::new(), |_| {
            count += 1;
            ControlFlow::Continue(())
        });
        (count, ended)
    };
    assert_eq!(scan(&[b'a'; 3000]), (0, Ended::TooManyFindings));
    assert_eq!(scan(&[b'a'; 600]), (0, Ended::Complete));
}
