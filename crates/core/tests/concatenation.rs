//! A key id split across string literals joined by concatenation is found, at the first
//! piece, marked as joined.

use std::path::Path;

use keyhound_core::{Kind, Scanner};

#[test]
fn split_key_ids_are_joined() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan/positive/concatenated");
    let scanner = Scanner::default();
    // The joined view holds the literals only: a secret outside them is its own finding
    // (it does not pair with the joined key id).
    let java = [
        (Kind::AccessKeyId, 7, "joined"),
        (Kind::SecretAccessKey, 9, "utf-8"),
    ];
    let python = [(Kind::AccessKeyId, 4, "joined")];
    for (file, want) in [
        ("ReportUploader.java", &java[..]),
        ("split_id.py", &python[..]),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let findings = scanner.scan(&bytes);
        assert_eq!(findings, scanner.scan_exhaustive(&bytes), "{file}");
        let found: Vec<_> = findings
            .iter()
            .map(|f| (f.kind, f.line, f.encoding))
            .collect();
        assert_eq!(found, want, "{file}");
    }
}

#[test]
fn every_language_s_joining_is_understood() {
    let scanner = Scanner::default();
    for text in [
        "k = \"AKIAQWZ7\" + \"RNE3OSJHKV4D\";",
        "k = 'AKIAQWZ7RN' 'E3OSJHKV4D'",
        "$k = 'AKIA' . 'QWZ7RNE3OSJHKV4D';",
        "local k = \"AKIA\" .. \"QWZ7RNE3\" .. \"OSJHKV4D\"",
        "select 'AKIA' || 'QWZ7RNE3OSJHKV4D';",
        "K=\"AKIA\"\"QWZ7RNE3OSJHKV4D\"",
        "val k = \"AKIAQWZ7\" +\n    \"RNE3OSJHKV4D\"",
        "k = \"AKIAQWZ7\" \\\n  \"RNE3OSJHKV4D\"",
        "const k = `AKIAQWZ7` + `RNE3OSJHKV4D`;",
    ] {
        let findings = scanner.scan(text.as_bytes());
        assert_eq!(findings, scanner.scan_exhaustive(text.as_bytes()), "{text}");
        assert_eq!(findings.len(), 1, "{text}");
        assert_eq!(findings[0].key_id(), Some("AKIAQWZ7RNE3OSJHKV4D"));
        assert_eq!((findings[0].line, findings[0].encoding), (1, "joined"));
    }
    for text in [
        "k = \"AKIA\" + suffix",
        "prefix = \"AKIA\" + \"QWZ7\"",
        "k = \"AKIAQWZ7RNE3OSJHKV4D\" + \"X\"",
    ] {
        let findings = scanner.scan(text.as_bytes());
        assert_eq!(findings, scanner.scan_exhaustive(text.as_bytes()), "{text}");
        let joined = findings.iter().filter(|f| f.encoding == "joined").count();
        assert_eq!(joined, 0, "{text}");
    }
}
