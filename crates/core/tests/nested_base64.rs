//! Base64 inside base64 (a JWT claim holding a base64'd `.env`, a Kubernetes Secret whose
//! JSON holds a base64'd credentials file) is decoded to depth 2, and the credential is
//! reported where the outer base64 string is.

use std::path::Path;

use keyhound_core::{Kind, Scanner};

#[test]
fn credentials_twice_encoded_are_found_at_the_outer_string() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan/positive/nested-base64");
    let scanner = Scanner::default();
    for (file, line) in [("s3-backup-config.yaml", 10), ("deploy.http", 4)] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let findings = scanner.scan(&bytes);
        assert_eq!(findings, scanner.scan_exhaustive(&bytes), "{file}");
        let found: Vec<_> = findings
            .iter()
            .map(|f| (f.kind, f.line, f.encoding))
            .collect();
        assert_eq!(found, [(Kind::Credential, line, "base64")], "{file}");
        let finding = &findings[0];
        // The span is the outer base64 string, in the input.
        let text = &bytes[finding.span.start..finding.span.end];
        assert!(text.len() > 100 && !text.contains(&b'\n'), "{file}");
    }
}

#[test]
fn json_holding_base64_is_decoded_to_depth_two_and_no_further() {
    fn b64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for k in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            }
            out.push_str(&"="[..usize::from(chunk.len() < 3)].repeat(3 - chunk.len()));
        }
        out
    }
    let config = "aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\naws_secret_access_key = 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\n";
    let scanner = Scanner::default();
    let once = b64(config.as_bytes());
    assert_eq!(scanner.scan(format!("data: {once}\n").as_bytes()).len(), 1);
    for json in [
        format!("{{\"sub\":\"ci\",\"env\":\"{once}\"}}"),
        format!("{{\n  \"env\": \"{once}\"\n}}\n"),
    ] {
        let twice = b64(json.as_bytes());
        let thrice = b64(twice.as_bytes());
        let found = scanner.scan(format!("data: {twice}\n").as_bytes());
        assert_eq!(found.len(), 1, "{json}");
        assert_eq!(found[0].kind, Kind::Credential);
        assert!(scanner
            .scan(format!("data: {thrice}\n").as_bytes())
            .is_empty());
    }
}

/// Decoding deeper finds nothing in the negative fixtures (Kubernetes Secrets of other
/// values, JWTs, data URIs, PEM).
#[test]
fn negative_fixtures_stay_clean() {
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan/negative"),
        &mut all,
    );
    assert!(all.len() > 20);
    let scanner = Scanner::default();
    for file in all {
        let findings = scanner.scan(&std::fs::read(&file).unwrap());
        assert!(findings.is_empty(), "{}: {findings:?}", file.display());
    }
}
