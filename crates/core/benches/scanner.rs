//! Micro-benchmarks of the scanner on three kinds of input, 1 MiB each:
//!
//! * `prefilter_only`: source code with no anchor at all, the common case: the cost is the
//!   Aho-Corasick pass alone;
//! * `confirm_heavy`: text dense with anchors that never confirm (words with `secret` and
//!   `aws` in them, `AKIA` inside longer runs), so every hit runs its regex and fails;
//! * `pairing_heavy`: a credentials file with a key id and a secret every few lines, so
//!   every hit confirms, validates and pairs;
//! * `lone_key_ids`: a CloudTrail-like log with a key id on every line and no secret, so
//!   every key id looks for a bare secret around it.
//!
//! Run with `cargo bench -p keyhound-core`; throughput is reported in bytes per second.

use std::ops::ControlFlow;

use divan::counter::BytesCount;
use divan::Bencher;
use keyhound_core::{Scanner, Scratch};

fn main() {
    divan::main();
}

const SIZE: usize = 1 << 20;

/// Repeats `unit(i)` until the text is `SIZE` bytes.
fn fill(unit: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = String::with_capacity(SIZE + 256);
    let mut i = 0;
    while text.len() < SIZE {
        text.push_str(&unit(i));
        i += 1;
    }
    text.truncate(SIZE);
    text.into_bytes()
}

/// A base32 string of 16 characters derived from `i`, different for every `i`.
fn body(i: usize) -> String {
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..16)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(B32[(x % 32) as usize])
        })
        .collect()
}

fn secret(i: usize) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = (i as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93) | 1;
    (0..40)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(B64[(x % 64) as usize])
        })
        .collect()
}

fn prefilter_only() -> Vec<u8> {
    fill(|i| {
        format!(
            "fn handle_{i}(request: &Request) -> Result<Response> {{\n    let body = \
             request.body().trim();\n    log::debug!(\"handling {{}} bytes\", body.len());\n    \
             Ok(Response::new(200, body.to_owned()))\n}}\n\n"
        )
    })
}

fn confirm_heavy() -> Vec<u8> {
    fill(|i| {
        format!(
            "# the secretary said the aws region is set; SecretKeyRef {i} is mounted\n\
             awsRegion = \"eu-west-1\"  # no secret here\n\
             id = XAKIA{}Z\n",
            body(i)
        )
    })
}

fn pairing_heavy() -> Vec<u8> {
    fill(|i| {
        format!(
            "[profile p{i}]\naws_access_key_id = AKIA{}\naws_secret_access_key = {}\n\n",
            body(i),
            secret(i)
        )
    })
}

fn lone_key_ids() -> Vec<u8> {
    fill(|i| {
        format!(
            "{{\"eventName\":\"GetObject\",\"userIdentity\":{{\"accessKeyId\":\"ASIA{}\"}},\"requestID\":\"{}\"}}\n",
            body(i),
            secret(i).replace(['+', '/'], "x")
        )
    })
}

fn run(bencher: Bencher, input: Vec<u8>) {
    let scanner = Scanner::default();
    let mut scratch = Scratch::new();
    bencher
        .counter(BytesCount::of_slice(&input))
        .bench_local(|| {
            let mut found = 0usize;
            scanner.scan_with(divan::black_box(&input), &mut scratch, |_| {
                found += 1;
                ControlFlow::Continue(())
            });
            found
        });
}

#[divan::bench]
fn prefilter_only_source(bencher: Bencher) {
    run(bencher, prefilter_only());
}

#[divan::bench]
fn confirm_heavy_near_misses(bencher: Bencher) {
    run(bencher, confirm_heavy());
}

#[divan::bench]
fn pairing_heavy_credentials(bencher: Bencher) {
    run(bencher, pairing_heavy());
}

#[divan::bench]
fn lone_key_ids_cloudtrail(bencher: Bencher) {
    run(bencher, lone_key_ids());
}

/// The inputs are what their names say: no findings, no findings, a pair per profile.
#[test]
fn inputs_are_what_they_claim() {
    let scanner = Scanner::default();
    assert!(scanner.scan(&prefilter_only()).is_empty());
    assert!(scanner.scan(&confirm_heavy()).is_empty());
    let pairs = scanner.scan(&pairing_heavy());
    assert!(pairs.len() > 10_000, "{}", pairs.len());
    let lone = scanner.scan(&lone_key_ids());
    assert!(lone.len() > 5_000, "{}", lone.len());
    assert!(lone
        .iter()
        .all(|f| f.kind == keyhound_core::Kind::AccessKeyId));
}
