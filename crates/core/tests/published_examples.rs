//! AWS's published example values (fixtures/scan/positive/aws-doc-example/) are reported as
//! kind `example`, severity info, and nothing more; look-alikes of real keys are not
//! reported at all; real keys that merely look odd still are.

use std::path::Path;

use keyhound_core::{Kind, Scanner, Severity};

fn example_files() -> Vec<std::path::PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan/positive/aws-doc-example");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn published_examples_are_never_above_info() {
    let scanner = Scanner::default();
    let files = example_files();
    assert!(
        files.len() >= 5,
        "the example fixtures are there: {files:?}"
    );
    let mut total = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let findings = scanner.scan(&bytes);
        assert!(!findings.is_empty(), "{} holds examples", file.display());
        for finding in &findings {
            assert_eq!(
                (finding.kind, finding.severity, finding.example),
                (Kind::Example, Severity::Info, true),
                "{}:{}",
                file.display(),
                finding.line
            );
            assert_eq!(
                finding.account_id(),
                None,
                "an example's account means nothing"
            );
        }
        total += findings.len();
    }
    assert!(total >= 15, "{total} example findings");
}

#[test]
fn an_example_token_does_not_join_or_taint_a_real_pair() {
    let token = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/scan/positive/aws-doc-example/session-tokens.sh"),
    )
    .unwrap()
    .lines()
    .find_map(|line| line.strip_prefix("aws_session_token="))
    .unwrap()
    .to_string();
    let text = format!(
        "[default]\naws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n\
         aws_secret_access_key = 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\n\
         aws_session_token = {token}\n"
    );
    let findings = Scanner::default().scan(text.as_bytes());
    let kinds: Vec<_> = findings.iter().map(|f| (f.kind, f.line)).collect();
    assert_eq!(kinds, [(Kind::Credential, 2), (Kind::Example, 4)]);
    assert_eq!(
        findings[0].parts.len(),
        2,
        "the example token is not the pair's"
    );
}

#[test]
fn look_alikes_are_not_keys() {
    let scanner = Scanner::default();
    for text in [
        // DNA in a compiled Python file: an ACCA "key id".
        &b"\xe3\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00s\x14\x00\x00\x00ACCATCTCTACCGGTTCGCTz\x04seq1"[..],
        b"primer = 'ACCATCTCTACCGGTTCGCT'",
        b"aws_access_key_id = AKIAFAKEFAKEFAKEFAKE",
        b"aws_access_key_id = AKIAABCDEFGHIJKLMNOP",
        b"aws_access_key_id = AKIAZYXWVUTSRQPONMLK",
        b"aws_access_key_id = AKIAQWZ7RNNNNNNNE3OS",
        b"aws_access_key_id = AKIADEADBEEFCAFEBABE",
        b"aws_secret_access_key = abcdefR9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pC",
        b"aws_secret_access_key = R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYaaaaaaI/6T",
        b"aws_secret_access_key = R9oUz3yBJb2fM+Xq0sLtV7hnKe4W/PLACEHOLDER",
    ] {
        let findings = scanner.scan(text);
        assert!(
            findings.is_empty(),
            "{:?}: {findings:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn real_keys_with_short_runs_are_found() {
    let scanner = Scanner::default();
    // Four and six equal characters in a row (one real id in 2,500 has four), five in a
    // secret, an ascending run of five.
    for (text, kind) in [
        (
            &b"aws_access_key_id = AKIAQWZ7RNNNNE3OSJHK"[..],
            Kind::AccessKeyId,
        ),
        (
            b"aws_access_key_id = AKIAQWZ7RNNNNNNE3OSJ",
            Kind::AccessKeyId,
        ),
        (b"key = ACCA2JW7TQGHXYPRKLZM", Kind::AccessKeyId),
        (
            b"aws_secret_access_key = R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYaaaaaI/6Tw",
            Kind::SecretAccessKey,
        ),
        (
            b"aws_secret_access_key = R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pabcdeTw",
            Kind::SecretAccessKey,
        ),
    ] {
        let findings = scanner.scan(text);
        assert_eq!(
            findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
            [kind],
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
}
