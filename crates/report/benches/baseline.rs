//! Applying a baseline: a report of N findings against a baseline of the same N entries,
//! for N from one thousand to one hundred thousand. Each finding is looked up, not
//! searched for, so the time per finding stays flat as N grows (a search of the whole
//! baseline per finding made 100k findings take over a minute).
//!
//! Run with `cargo bench -p keyhound-report`.

use std::path::PathBuf;

use divan::counter::ItemsCount;
use divan::Bencher;
use keyhound_core::Scanner;
use keyhound_report::{Baseline, Report, ReportBuilder, Source};

fn main() {
    divan::main();
}

/// A report of `n` key-id findings spread over files of 100 lines each.
fn report(n: usize) -> Report {
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let scanner = Scanner::default();
    let mut builder = ReportBuilder::new();
    let mut made = 0;
    for file in 0.. {
        if made >= n {
            break;
        }
        let mut text = String::new();
        for line in 0..100.min(n - made) {
            // A different id on every line: base32 digits of a mixed counter.
            let mut x = ((file * 100 + line) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let body: String = (0..16)
                .map(|_| {
                    x = x.rotate_left(5) ^ 0x2545_F491_4F6C_DD1D;
                    B32[(x & 31) as usize] as char
                })
                .collect();
            text.push_str(&format!("AKIA{body}\n"));
        }
        let findings = scanner.scan(text.as_bytes());
        made += findings.len().max(1);
        let path = PathBuf::from(format!("logs/{file}.log"));
        builder.scanned(Source::Path(path), text.len() as u64, findings, Vec::new());
    }
    builder.build()
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn apply(bencher: Bencher, n: usize) {
    let report = report(n);
    let baseline = Baseline::of(&report);
    let findings = report.findings().count();
    bencher
        .counter(ItemsCount::new(findings))
        .with_inputs(|| report.clone())
        .bench_local_values(|mut report| {
            baseline.apply(&mut report);
            report
        });
}
