//! The prefilter is only an optimisation: on every fixture file and on random inputs, the
//! scanner finds exactly what the exhaustive reference finds by trying every position.
//! And planted keys are found on the right line whatever surrounds them.

use std::path::{Path, PathBuf};

use keyhound_core::{Kind, Scanner};
use proptest::prelude::*;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn prefilter_equals_reference_on_every_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan");
    let mut files = Vec::new();
    files_under(&root, &mut files);
    assert!(files.len() > 70, "fixtures are there: {}", files.len());
    let scanner = Scanner::default();
    let mut total = 0;
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let fast = scanner.scan(&bytes);
        total += fast.len();
        assert_eq!(fast, scanner.scan_exhaustive(&bytes), "{}", file.display());
    }
    assert!(total > 40, "the comparison covered real findings: {total}");
}

/// Streaming in windows finds exactly what one whole-input scan finds, wherever the
/// window edges fall: every text fixture, concatenated and repeated past several windows.
#[test]
fn streamed_windows_equal_one_whole_scan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan");
    let mut files = Vec::new();
    files_under(&root, &mut files);
    files.sort();
    let mut text = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        // UTF-16 and binary files are judged by their first bytes: concatenated, they
        // would be judged differently at each window start, which a real file is not.
        if !bytes.contains(&0) && !bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            text.extend_from_slice(&bytes);
            text.extend_from_slice(b"\n\n");
        }
    }
    let once = text.clone();
    while text.len() < 3 * (256 << 10) {
        text.extend_from_slice(&once);
    }
    let scanner = Scanner::default();
    let whole = scanner.scan(&text);
    assert!(whole.len() > 100, "{}", whole.len());
    // First window edges inside findings' values and between the parts of pairs.
    let mut windows: Vec<usize> = whole
        .iter()
        .filter(|f| f.span.start > 50_000)
        .step_by(whole.len() / 10)
        .flat_map(|f| f.parts.iter().map(|p| p.span.start + 3))
        .collect();
    windows.dedup();
    assert!(windows.len() >= 8, "{windows:?}");
    for window in windows {
        let mut streamed = Vec::new();
        let read = scanner
            .scan_reader_in_windows(
                &text[..],
                window,
                &mut keyhound_core::Scratch::new(),
                &mut Vec::new(),
                |finding, _| {
                    streamed.push(finding);
                    std::ops::ControlFlow::Continue(())
                },
            )
            .unwrap();
        assert_eq!(read, text.len() as u64);
        assert_eq!(streamed.len(), whole.len(), "window {window}");
        assert!(streamed == whole, "window {window}");
    }
}

const BASE32: &str = "[A-Z2-7]{16}";
const BASE64: &str = "[A-Za-z0-9+/]{40}";

/// Values the contract says are real-looking: no long runs, no placeholder words, mixed
/// case and a digit or symbol for secrets. A key id is judged whole: its prefix can
/// start a run (`AKIA` + `AAA…`) or a word (`AKIA` + `CCESSKEY…`).
fn plausible_id(key_id: &str) -> bool {
    let runs = key_id
        .as_bytes()
        .windows(4)
        .any(|w| w.iter().all(|&b| b == w[0]));
    let words = [
        "XXXX",
        "FAKE",
        "DUMMY",
        "TEST",
        "YOUR",
        "SAMPLE",
        "ACCESSKEY",
        "KEYID",
        "EXAMPLE",
    ];
    !runs && !words.iter().any(|w| key_id.contains(w))
}

fn plausible_secret(secret: &str) -> bool {
    let b = secret.as_bytes();
    let lower = secret.to_ascii_lowercase();
    let words = [
        "xxxx",
        "your",
        "fake",
        "dummy",
        "sample",
        "placeholder",
        "changeme",
        "redacted",
        "secret",
        "access",
        "insert",
        "replace",
        "example",
    ];
    let ascending = b
        .windows(5)
        .any(|w| w.windows(2).all(|p| p[1] == p[0].wrapping_add(1)));
    b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter()
            .any(|c| c.is_ascii_digit() || *c == b'+' || *c == b'/')
        && !b.windows(4).any(|w| w.iter().all(|&c| c == w[0]))
        && !ascending
        && !words.iter().any(|w| lower.contains(w))
        && keyhound_core_entropy(b) >= 4.0
}

fn keyhound_core_entropy(value: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in value {
        counts[usize::from(b)] += 1;
    }
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| f64::from(c) / len)
        .map(|p| -p * p.log2())
        .sum()
}

/// Lines of harmless text (no anchors, no 40-character runs).
fn filler() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-z ,.;(){}=:#\"'-]{0,60}", 0..20)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn planted_pair_is_found_on_its_line(
        before in filler(),
        after in filler(),
        body in BASE32,
        secret in BASE64,
        crlf in any::<bool>(),
    ) {
        let key_id = format!("AKIA{body}");
        prop_assume!(plausible_id(&key_id) && plausible_secret(&secret));
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut lines = before.clone();
        lines.push(format!("aws_access_key_id = {key_id}"));
        lines.push(format!("aws_secret_access_key = \"{secret}\""));
        lines.extend(after);
        let text = lines.join(newline);
        let findings = Scanner::default().scan(text.as_bytes());
        prop_assert_eq!(findings.len(), 1, "{:?}", findings);
        prop_assert_eq!(findings[0].kind, Kind::Credential);
        prop_assert_eq!(findings[0].line, before.len() + 1);
        prop_assert_eq!(findings[0].column, 21);
        prop_assert_eq!(findings[0].key_id(), Some(key_id.as_str()));
        prop_assert_eq!(findings[0].secret().expose(), secret.as_str());
    }

    #[test]
    fn planted_pair_is_found_in_random_bytes(
        before in prop::collection::vec(any::<u8>(), 0..2000),
        after in prop::collection::vec(any::<u8>(), 0..2000),
        body in BASE32,
        secret in BASE64,
    ) {
        let key_id = format!("AKIA{body}");
        prop_assume!(plausible_id(&key_id) && plausible_secret(&secret));
        let mut input = before.clone();
        input.extend_from_slice(format!("\n{key_id}\0{secret}\n").as_bytes());
        input.extend_from_slice(&after);
        let findings = Scanner::default().scan(&input);
        let line = 2 + before.iter().filter(|&&b| b == b'\n').count();
        // A UTF-16 reading of random bytes may add findings; the planted pair is in one.
        prop_assert!(
            findings.iter().any(|f| f.key_id() == Some(key_id.as_str()) && f.line == line),
            "{:?}", findings
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_match_the_reference(input in prop::collection::vec(any::<u8>(), 0..600)) {
        let scanner = Scanner::default();
        prop_assert_eq!(scanner.scan(&input), scanner.scan_exhaustive(&input));
    }

    #[test]
    fn anchor_soup_matches_the_reference(pieces in prop::collection::vec(prop::sample::select(vec![
        "AKIA", "ASIA", "A3TX", "QUtJQ", "FLSU", "secret", "Secret", "SECRET", "_access_key", "aws", "AWS_",
        "session_token", "SessionToken", "IQoJb3JpZ2lu", " = ", ": ", "\"", "'", "\n", "\r\n", "\\/", "%2F", "%2B",
        "=", "\0", "\u{fffd}", "value: ", "R9oUz3yBJb2fM+Xq0sLtV7hn", "Ke4WdYa1pCgI/6Tw", "QWZ7RNE3OSJHKV4D",
        "EXAMPLE", "AAAA", "7", "x", "QUtJQVFXWjdSTkUzT1NKSEtWNEQ=", "A\0K\0I\0A\0", "Q\0W\0", "\0\0",
        // Joins: operators between literals, shell assignments and expansions.
        " + ", " . ", " .. ", " || ", " \\\n", "A=", "B=", "$A", "${B}", "\"$A\"\"$B\"", "export ",
    ]), 0..60)) {
        let input = pieces.concat();
        let scanner = Scanner::default();
        prop_assert_eq!(scanner.scan(input.as_bytes()), scanner.scan_exhaustive(input.as_bytes()));
    }
}

#[test]
fn utf16_input_is_found_with_input_offsets() {
    let text = "rem keys\r\nset AWS_ACCESS_KEY_ID=AKIAQWZ7RNE3OSJHKV4D\r\nset AWS_SECRET_ACCESS_KEY=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\r\n";
    for big_endian in [false, true] {
        let mut input = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            input.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        let findings = Scanner::default().scan(&input);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let finding = &findings[0];
        assert_eq!((finding.line, finding.column), (2, 23));
        assert_eq!(
            finding.encoding,
            if big_endian { "utf-16be" } else { "utf-16le" }
        );
        let id_start = 2 + 2 * text.find("AKIA").unwrap();
        assert_eq!(finding.span.start, id_start);
        assert_eq!(finding.span.len(), 40);
    }
}

#[test]
fn binary_strings_are_found_and_marked() {
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend_from_slice(
        b"\0\0connect\0AKIAQWZ7RNE3OSJHKV4DR9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw\0\0\x01\x02",
    );
    let findings = Scanner::default().scan(&elf);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].binary);
    assert_eq!(
        findings[0].kind,
        Kind::Credential,
        "literals packed back to back still pair"
    );
}

#[test]
fn utf16le_strings_inside_a_binary_are_found() {
    // A .NET assembly keeps its string literals as UTF-16LE in the #US heap.
    let utf16 = |s: &str| {
        s.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>()
    };
    let mut assembly = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    assembly.extend_from_slice(b"\nheader\n\0\0\x01#US\0");
    for literal in [
        "https://s3.amazonaws.com",
        "AKIAQWZ7RNE3OSJHKV4D",
        "R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw",
    ] {
        assembly.push((literal.len() * 2 + 1) as u8);
        assembly.extend(utf16(literal));
        assembly.push(0);
    }
    assembly.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let scanner = Scanner::default();
    let findings = scanner.scan(&assembly);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = &findings[0];
    assert_eq!(finding.kind, Kind::Credential);
    assert_eq!(finding.encoding, "utf-16le");
    assert!(finding.binary);
    assert_eq!(finding.line, 3, "lines count the binary's newline bytes");
    let id_at = assembly
        .windows(8)
        .position(|w| w == b"A\0K\0I\0A\0")
        .unwrap();
    assert_eq!(finding.span, keyhound_core::Span::new(id_at, id_at + 40));
    assert_eq!(findings, scanner.scan_exhaustive(&assembly));
}
