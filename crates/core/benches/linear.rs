//! Costs that once grew faster than the input, each measured at sizes ten times apart so
//! a return to superlinear time shows as a falling throughput:
//!
//! * `line`: 16 MiB of minified code with a key id every 16 KiB, as one line and as the
//!   same bytes in lines, scanned the way files are (`scan_reader`, inline markers judged
//!   per finding). Columns and markers were once recounted from the line's start for every
//!   finding;
//! * `rule_set_build`: building 100 to 10,000 custom rules. Duplicate ids and anchor
//!   prefixes were once compared all pairs against all pairs.
//!
//! Run with `cargo bench -p keyhound-core --bench linear`.

use std::ops::ControlFlow;

use divan::counter::{BytesCount, ItemsCount};
use divan::Bencher;
use keyhound_core::{RuleSet, Scanner, Scratch};

fn main() {
    divan::main();
}

/// 16 MiB of minified code with a distinct key id every 16 KiB: one line, or in lines.
fn minified(one_line: bool) -> Vec<u8> {
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let filler = "var f=function(a,b){return a+b};".repeat(512);
    let mut text = String::with_capacity(17 << 20);
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    while text.len() < 16 << 20 {
        text.push_str(&filler);
        text.push(if one_line { ';' } else { '\n' });
        let id: String = (0..16)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                B32[(x & 31) as usize] as char
            })
            .collect();
        text.push_str(&format!("k=\"AKIA{id}\";"));
    }
    text.into_bytes()
}

#[divan::bench(args = [true, false], sample_count = 10)]
fn line(bencher: Bencher, one_line: bool) {
    let input = minified(one_line);
    let scanner = Scanner::default();
    let mut scratch = Scratch::new();
    let mut buffer = Vec::new();
    bencher
        .counter(BytesCount::of_slice(&input))
        .bench_local(|| {
            let mut kept = 0usize;
            scanner
                .scan_reader(&input[..], &mut scratch, &mut buffer, |finding, window| {
                    kept += usize::from(window.inline_allowance(&finding).is_none());
                    ControlFlow::Continue(())
                })
                .expect("reading memory does not fail");
            kept
        });
}

/// A rule file of `count` key-id rules, each with its own anchor.
fn rule_file(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!(
                "[[rules]]\nid = \"bench-{i}\"\nname = \"Bench {i}\"\nkind = \"access-key-id\"\n\
                 severity = \"low\"\ndescription = \"d\"\nremediation = \"r\"\n\
                 anchors = [\"QK{i:06}X\"]\nwindow = 24\n\
                 pattern = '(?P<secret>QK{i:06}X[0-9]{{8}})'\n\
                 examples = [\"id QK{i:06}X12345678 here\"]\n\n"
            )
        })
        .collect()
}

#[divan::bench(args = [100, 1_000, 10_000], sample_count = 5)]
fn rule_set_build(bencher: Bencher, count: usize) {
    let text = rule_file(count);
    bencher.counter(ItemsCount::new(count)).bench_local(|| {
        RuleSet::builder()
            .builtin(false)
            .add_toml("bench.toml", &text)
            .build()
            .expect("the generated rules are valid")
    });
}
