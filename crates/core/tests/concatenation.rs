//! A key id or secret split across string literals joined by concatenation, or across
//! shell variables expanded side by side, is found at the first piece, marked as joined,
//! and pairs with the parts around it.

use std::path::Path;

use keyhound_core::{Kind, Scanner};
use proptest::prelude::*;

#[test]
fn split_key_ids_are_joined() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scan/positive/concatenated");
    let scanner = Scanner::default();
    // The joined key id pairs with the secret two lines down, as an unsplit one would.
    let java = [(Kind::Credential, 7, "joined")];
    let python = [(Kind::AccessKeyId, 4, "joined")];
    // Key id and secret each split with PHP's `.`: one credential.
    let php = [(Kind::Credential, 7, "joined")];
    // A secret alone, split across lines after its AWS keyword.
    let kotlin = [(Kind::SecretAccessKey, 7, "joined")];
    // Shell variables expanded side by side, at the first variable's assignment.
    let shell = [(Kind::Credential, 5, "joined")];
    for (file, want) in [
        ("ReportUploader.java", &java[..]),
        ("split_id.py", &python[..]),
        ("settings.php", &php[..]),
        ("Uploader.kt", &kotlin[..]),
        ("deploy.sh", &shell[..]),
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

/// A key id and a secret, each split in two, in each language's way of joining literals.
#[test]
fn split_secrets_are_joined_and_pair() {
    let scanner = Scanner::default();
    let id = "AKIA3GBWZM5FB4AXZKZE";
    let secret = "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";
    let cases = [
        // Python: adjacent literals in parentheses.
        "AWS_ACCESS_KEY_ID = (\"AKIA3GBWZ\" \"M5FB4AXZKZE\")\naws_secret_access_key = (\"Ka4RSRyaSUtpg+wZ+gTB\"\n                         \"sVdRS8WUxsUfQ2Gf7qHO\")\n",
        // JavaScript and TypeScript.
        "const accessKeyId = 'AKIA3GBWZM5' + 'FB4AXZKZE';\nconst secretAccessKey = 'Ka4RSRyaSUtpg+wZ+gTB' + 'sVdRS8WUxsUfQ2Gf7qHO';\n",
        "const creds: Credentials = {\n  accessKeyId: `AKIA3GBWZM5` + `FB4AXZKZE`,\n  secretAccessKey: `Ka4RSRyaSUtpg+wZ` + `+gTBsVdRS8WUxsUfQ2Gf7qHO`,\n};\n",
        // Java: `+` at the start of the next line.
        "String awsAccessKey = \"AKIA3GBWZM5\"\n    + \"FB4AXZKZE\";\nString awsSecretKey = \"Ka4RSRyaSUtpg+wZ+gTB\"\n    + \"sVdRS8WUxsUfQ2Gf7qHO\";\n",
        // Kotlin: `+` at the end of the line.
        "val awsAccessKeyId = \"AKIA3GBWZM5\" +\n    \"FB4AXZKZE\"\nval awsSecretAccessKey = \"Ka4RSRyaSUtpg+wZ+gTB\" +\n    \"sVdRS8WUxsUfQ2Gf7qHO\"\n",
        // C#.
        "var awsAccessKeyId = \"AKIA3GBWZM5\" + \"FB4AXZKZE\";\nvar awsSecretAccessKey = \"Ka4RSRyaSUtpg+wZ+gTB\" + \"sVdRS8WUxsUfQ2Gf7qHO\";\n",
        // Go.
        "awsAccessKeyID := \"AKIA3GBWZM5\" +\n\t\"FB4AXZKZE\"\nawsSecretAccessKey := \"Ka4RSRyaSUtpg+wZ+gTB\" +\n\t\"sVdRS8WUxsUfQ2Gf7qHO\"\n",
        // Ruby: `\\` line continuation and `+`.
        "aws_access_key_id = 'AKIA3GBWZM5' \\\n  'FB4AXZKZE'\naws_secret_access_key = 'Ka4RSRyaSUtpg+wZ+gTB' +\n  'sVdRS8WUxsUfQ2Gf7qHO'\n",
        // PHP: `.`.
        "$aws_access_key_id = 'AKIA3GBWZM5' . 'FB4AXZKZE';\n$aws_secret_access_key = 'Ka4RSRyaSUtpg+wZ+gTB' . 'sVdRS8WUxsUfQ2Gf7qHO';\n",
        // Lua: `..`.
        "local aws_access_key_id = \"AKIA3GBWZM5\" .. \"FB4AXZKZE\"\nlocal aws_secret_access_key = \"Ka4RSRyaSUtpg+wZ+gTB\" .. \"sVdRS8WUxsUfQ2Gf7qHO\"\n",
        // SQL: `||`.
        "insert into settings values ('aws_access_key_id', 'AKIA3GBWZM5' || 'FB4AXZKZE');\ninsert into settings values ('aws_secret_access_key', 'Ka4RSRyaSUtpg+wZ+gTB' || 'sVdRS8WUxsUfQ2Gf7qHO');\n",
    ];
    for text in cases {
        let findings = scanner.scan(text.as_bytes());
        assert_eq!(findings, scanner.scan_exhaustive(text.as_bytes()), "{text}");
        assert_eq!(findings.len(), 1, "{text}: {findings:?}");
        let finding = &findings[0];
        assert_eq!(finding.kind, Kind::Credential, "{text}");
        assert_eq!(finding.key_id(), Some(id), "{text}");
        assert_eq!(finding.secret().expose(), secret, "{text}");
        // The finding points at the first piece of the key id.
        let first = text.find("AKIA").unwrap();
        let line = text[..first].matches('\n').count() + 1;
        assert_eq!((finding.line, finding.encoding), (line, "joined"), "{text}");
        assert_eq!(finding.span.start, first, "{text}");
    }
}

#[test]
fn a_split_secret_alone_needs_an_aws_keyword() {
    let scanner = Scanner::default();
    // With an AWS keyword: a secret on its own, at its first piece.
    for text in [
        "aws_secret_access_key = \"t6EBKma9VnoSVvv676Y2A3\" + \"UKtX/okBZrduKUAFuc\"\n",
        "# config\nsettings = {\"AWS_SECRET_ACCESS_KEY\": 't6EBKma9VnoSVvv676Y2A3'\n    'UKtX/okBZrduKUAFuc'}\n",
    ] {
        let findings = scanner.scan(text.as_bytes());
        assert_eq!(findings, scanner.scan_exhaustive(text.as_bytes()), "{text}");
        let found: Vec<_> = findings.iter().map(|f| (f.kind, f.encoding)).collect();
        assert_eq!(found, [(Kind::SecretAccessKey, "joined")], "{text}");
        assert_eq!(
            findings[0].secret().expose(),
            "t6EBKma9VnoSVvv676Y2A3UKtX/okBZrduKUAFuc"
        );
        assert_eq!(findings[0].span.start, text.find("t6EB").unwrap(), "{text}");
    }
    // Without one (another service's secret, a password), or with a whole secret in the
    // first literal and something else joined to it, nothing joined is reported.
    for text in [
        "client_secret = \"t6EBKma9VnoSVvv676Y2A3\" + \"UKtX/okBZrduKUAFuc\"\n",
        "password = \"t6EBKma9VnoSVvv676Y2A3\" + \"UKtX/okBZrduKUAFuc\"\n",
        "aws_secret_access_key = \"t6EBKma9VnoSVvv676Y2A3UKtX/okBZrduKUAFuc\" + \"\\n\"\n",
    ] {
        let findings = scanner.scan(text.as_bytes());
        assert_eq!(findings, scanner.scan_exhaustive(text.as_bytes()), "{text}");
        assert!(
            findings.iter().all(|f| f.encoding != "joined"),
            "{text}: {findings:?}"
        );
    }
}

#[test]
fn shell_variables_expanded_side_by_side_are_joined() {
    let scanner = Scanner::default();
    let script = "#!/bin/sh\n\
        A=AKIABFGRTP7U\n\
        B='IM5QJZ6C'\n\
        C=\"t6EBKma9VnoSVvv676Y2A3\"\n\
        D=UKtX/okBZrduKUAFuc\n\
        export AWS_ACCESS_KEY_ID=\"$A\"\"$B\"\n\
        export AWS_SECRET_ACCESS_KEY=\"${C}${D}\"\n\
        aws s3 ls\n";
    let findings = scanner.scan(script.as_bytes());
    assert_eq!(findings, scanner.scan_exhaustive(script.as_bytes()));
    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = &findings[0];
    assert_eq!(finding.kind, Kind::Credential);
    assert_eq!(finding.key_id(), Some("AKIABFGRTP7UIM5QJZ6C"));
    assert_eq!(
        finding.secret().expose(),
        "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"
    );
    // At the first piece: the first variable's assignment.
    assert_eq!((finding.line, finding.encoding), (2, "joined"));

    // Variables that are not assigned literals in the file are not resolved.
    for script in [
        "A=AKIABFGRTP7U\nexport AWS_ACCESS_KEY_ID=\"$A$SUFFIX\"\n",
        "A=AKIABFGRTP7U\nB=$(vault read -field=b kv/aws)\nexport AWS_ACCESS_KEY_ID=\"$A$B\"\n",
        "export AWS_SECRET_ACCESS_KEY=\"${C}${D}\"\n",
    ] {
        let findings = scanner.scan(script.as_bytes());
        assert_eq!(
            findings,
            scanner.scan_exhaustive(script.as_bytes()),
            "{script}"
        );
        assert!(findings.is_empty(), "{script}: {findings:?}");
    }
}

/// Splits `value` at the sorted, distinct `cuts` into quoted pieces joined by `operator`.
fn split(value: &str, cuts: &[usize], quote: char, operator: &str) -> String {
    let mut bounds: Vec<usize> = cuts
        .iter()
        .map(|c| c % value.len())
        .filter(|&c| c > 0)
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut pieces = Vec::new();
    let mut from = 0;
    for to in bounds.into_iter().chain([value.len()]) {
        pieces.push(format!("{quote}{}{quote}", &value[from..to]));
        from = to;
    }
    pieces.join(operator)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A key id and a secret cut anywhere into up to four pieces each, joined by any of
    /// the operators (across lines too), are one joined credential at the id's first
    /// piece, as the exhaustive reference finds.
    #[test]
    fn ids_and_secrets_cut_anywhere_are_joined(
        id_cuts in prop::collection::vec(4usize..20, 1..4),
        secret_cuts in prop::collection::vec(1usize..40, 1..4),
        quote in prop::sample::select(vec!['"', '\'', '`']),
        operator in prop::sample::select(vec![" + ", "+", " . ", " .. ", " || ", " ", "", "\n    + ", " +\n  ", " \\\n  "]),
    ) {
        let id = "AKIA4TXPIDNDPTTIJDXA";
        let secret = "t7uWJBp6pNjnv+rMUWS6ix4bz5/HxsPSdanovXvE";
        let text = format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            split(id, &id_cuts, quote, operator),
            split(secret, &secret_cuts, quote, operator),
        );
        let scanner = Scanner::default();
        let findings = scanner.scan(text.as_bytes());
        prop_assert_eq!(&findings, &scanner.scan_exhaustive(text.as_bytes()));
        prop_assert_eq!(findings.len(), 1, "{}: {:?}", text, findings);
        prop_assert_eq!(findings[0].kind, Kind::Credential);
        prop_assert_eq!(findings[0].key_id(), Some(id));
        prop_assert_eq!(findings[0].secret().expose(), secret);
        prop_assert_eq!(findings[0].encoding, "joined");
        prop_assert_eq!(findings[0].span.start, text.find("AKIA").unwrap());
    }
}
