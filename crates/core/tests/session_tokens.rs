//! Session tokens that are JWTs (STS-compatible services such as MinIO issue them) are found
//! under an AWS session-token name, and only there.

use std::path::Path;

use keyhound_core::{Kind, Scanner};

fn fixture(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan");
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn a_jwt_under_an_aws_session_token_name_is_a_session_token() {
    let scanner = Scanner::default();
    for (file, line) in [
        ("positive/session-token-jwt/minio-sts.env", 7),
        ("positive/session-token-jwt/upload.py", 12),
    ] {
        let bytes = fixture(file);
        let findings = scanner.scan(&bytes);
        assert_eq!(findings, scanner.scan_exhaustive(&bytes), "{file}");
        let found: Vec<_> = findings.iter().map(|f| (f.kind, f.line)).collect();
        assert_eq!(found, [(Kind::SessionToken, line)], "{file}");
        let token = findings[0].secret().expose().to_string();
        assert!(token.starts_with("eyJ") && token.matches('.').count() == 2);
        // The whole JWT, up to its last character.
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains(&format!("{token}\n")) || text.contains(&format!("{token}\"")));
    }
}

#[test]
fn a_jwt_elsewhere_is_not_an_aws_token() {
    let scanner = Scanner::default();
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUiLCJpYXQiOjE1MTYyMzkwMjJ9.kT2Zq0b9xV4m8Yw3nLc7RrPp1sHdJfEaGuKi6oB5MtQ";
    for text in [
        format!("Authorization: Bearer {jwt}"),
        format!("session_token = \"{jwt}\""),
        format!("id_token: {jwt}"),
        fixture_text("negative/jwt/uploads.http"),
    ] {
        let findings = scanner.scan(text.as_bytes());
        assert!(findings.is_empty(), "{text}: {findings:?}");
    }
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}
