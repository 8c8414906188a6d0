//! End-to-end tests of hostile input: hostile configs, rules and baselines: budgets, and errors that never quote a secret.

use crate::util::{self, key_id_for_account, scan, temp_dir, write, Run};

/// A real-shaped key id and secret, planted in every malformed value below.
const ID: &str = "AKIAZ4RTQ7PLMWX3NB6E";
const SECRET: &str = "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";

/// The run is a usage error (exit 2) whose stderr names `field`, and neither output holds
/// the planted key id or secret, nor the last 8 characters of either.
fn assert_refused_without_secret(run: &Run, field: &str) {
    assert_eq!(
        run.code, 2,
        "{field}: stdout {} stderr {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains(field),
        "{field} is not named: {}",
        run.stderr
    );
    for planted in [ID, SECRET] {
        let tail = &planted[planted.len() - 8..];
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains(tail),
                "{field}: {name} quotes a planted value: {text}"
            );
        }
    }
}

/// `keyhound scan` of a directory holding `.keyhound.toml` with `config`.
fn scan_with_config(config: &str) -> Run {
    let dir = util::temp_dir();
    util::write(dir.path(), ".keyhound.toml", config);
    util::write(dir.path(), "app.txt", "nothing here\n");
    util::scan(dir.path(), &["."])
}

/// A custom rule with `field = value` in place of the default for that field.
fn custom_rule(field: &str, value: &str) -> String {
    let mut fields = vec![
        ("id", "\"mine\"".to_string()),
        ("name", "\"Mine\"".to_string()),
        ("kind", "\"access-key-id\"".to_string()),
        ("severity", "\"high\"".to_string()),
        ("description", "\"d\"".to_string()),
        ("remediation", "\"r\"".to_string()),
        ("anchors", "[\"MYK\"]".to_string()),
        ("window", "20".to_string()),
        ("pattern", "'(?P<secret>MYK[0-9]{8})'".to_string()),
        ("examples", "[\"MYK12345678\"]".to_string()),
    ];
    for (name, text) in &mut fields {
        if *name == field {
            *text = value.to_string();
        }
    }
    let lines: Vec<String> = fields.iter().map(|(n, v)| format!("{n} = {v}")).collect();
    format!("[[rules]]\n{}\n", lines.join("\n"))
}

#[test]
fn config_max_file_size_with_a_secret_is_refused_without_it() {
    let run = scan_with_config(&format!("max_file_size = \"{ID}{SECRET}\"\n"));
    assert_refused_without_secret(&run, "max_file_size");
    assert!(run.stderr.contains(".keyhound.toml:1:"), "{}", run.stderr);
}

#[test]
fn config_examples_with_a_secret_is_refused_without_it() {
    let run = scan_with_config(&format!("\nexamples = \"{SECRET}\"\n"));
    assert_refused_without_secret(&run, ".keyhound.toml:2:");
    assert!(run.stderr.contains("report"), "{}", run.stderr);
}

#[test]
fn config_allowlist_value_patterns_with_a_secret_is_refused_without_it() {
    let run = scan_with_config(&format!(
        "[allowlist]\nvalue_patterns = ['({ID}|{SECRET}']\n"
    ));
    assert_refused_without_secret(&run, "allowlist.value_patterns");
    assert!(run.stderr.contains(".keyhound.toml:2:"), "{}", run.stderr);
}

#[test]
fn config_allowlist_paths_with_a_secret_is_refused_without_it() {
    let run = scan_with_config(&format!("[allowlist]\npaths = ['[{ID}{SECRET}']\n"));
    assert_refused_without_secret(&run, "allowlist.paths");
}

#[test]
fn config_disable_with_a_secret_is_refused_without_it() {
    let run = scan_with_config(&format!("disable = [\"{ID}\", \"{SECRET}\"]\n"));
    assert_refused_without_secret(&run, "disable");
    // The wrong type, too.
    let run = scan_with_config(&format!("disable = \"{SECRET}\"\n"));
    assert_refused_without_secret(&run, ".keyhound.toml:1:");
}

#[test]
fn config_unknown_key_that_is_a_secret_is_refused_without_it() {
    let run = scan_with_config(&format!("{ID} = \"{SECRET}\"\n"));
    assert_refused_without_secret(&run, "unknown field");
}

#[test]
fn custom_rule_example_with_a_secret_is_refused_without_it() {
    let run = scan_with_config(&custom_rule("examples", &format!("[\"{ID} {SECRET}\"]")));
    assert_refused_without_secret(&run, "rule mine: positive example 1 of 1");
}

#[test]
fn custom_rule_pattern_with_a_secret_is_refused_without_it() {
    let run = scan_with_config(&custom_rule(
        "pattern",
        &format!("'(?P<secret>MYK{ID}{SECRET}'"),
    ));
    assert_refused_without_secret(&run, "rule mine: pattern does not compile");
}

#[test]
fn custom_rule_kind_and_id_with_a_secret_are_refused_without_it() {
    let run = scan_with_config(&custom_rule("kind", &format!("\"{SECRET}\"")));
    assert_refused_without_secret(&run, "rule mine: kind");
    let run = scan_with_config(&custom_rule("id", &format!("\"{ID}\"")));
    assert_refused_without_secret(&run, "id must be lower-case words");
    let run = scan_with_config(&custom_rule("window", &format!("\"{SECRET}\"")));
    assert_refused_without_secret(&run, ".keyhound.toml:");
}

/// `keyhound scan --baseline` with a baseline file holding `text`.
fn scan_with_baseline(text: &str) -> Run {
    let dir = util::temp_dir();
    let baseline = util::write(dir.path(), "baseline.json", text);
    util::write(dir.path(), "app.txt", "nothing here\n");
    let baseline = baseline.to_str().expect("a UTF-8 temp path");
    util::scan(
        dir.path(),
        &["--no-config", "--baseline", baseline, "app.txt"],
    )
}

fn baseline(version: &str, tool: &str, entry: &str) -> String {
    format!("{{\n  \"version\": {version},\n  \"tool\": {tool},\n  \"entries\": [\n    {entry}\n  ]\n}}\n")
}

const ENTRY: &str = r#"{"path": "app.txt", "rule": "aws-access-key-id", "fingerprint": "0000000000000000000000000000000000000000000000000000000000000000", "kind": "access-key-id"}"#;

#[test]
fn baseline_version_with_a_secret_is_refused_without_it() {
    let run = scan_with_baseline(&baseline(
        &format!("\"{ID}{SECRET}\""),
        "\"keyhound\"",
        ENTRY,
    ));
    assert_refused_without_secret(&run, "baseline.json:2:");
    let run = scan_with_baseline(&baseline("7", "\"keyhound\"", ENTRY));
    assert_refused_without_secret(&run, "baseline version 7");
}

#[test]
fn baseline_tool_with_a_secret_is_refused_without_it() {
    let run = scan_with_baseline(&baseline("1", &format!("\"{SECRET}\""), ENTRY));
    assert_refused_without_secret(&run, "tool");
    let run = scan_with_baseline(&baseline("1", &format!("[\"{SECRET}\"]"), ENTRY));
    assert_refused_without_secret(&run, "baseline.json:3:");
}

#[test]
fn baseline_unknown_field_that_is_a_secret_is_refused_without_it() {
    let entry = ENTRY.replace("\"kind\"", &format!("\"{ID}{SECRET}\""));
    let run = scan_with_baseline(&baseline("1", "\"keyhound\"", &entry));
    assert_refused_without_secret(&run, "unknown field");
    let text =
        baseline("1", "\"keyhound\"", ENTRY).replacen('{', &format!("{{\"{SECRET}\": 1,"), 1);
    let run = scan_with_baseline(&text);
    assert_refused_without_secret(&run, "unknown field");
}

#[test]
fn baseline_path_with_a_secret_is_refused_without_it() {
    for path in [
        format!("{{\"{SECRET}\": \"{ID}\"}}"),
        format!("\"{ID}\\q{SECRET}\""),
        format!("\"{ID}{SECRET}"),
    ] {
        let entry = ENTRY.replace("\"app.txt\"", &path);
        let run = scan_with_baseline(&baseline("1", "\"keyhound\"", &entry));
        assert_refused_without_secret(&run, "baseline.json:");
    }
}

#[cfg(feature = "verify")]
#[test]
fn sts_endpoint_with_a_secret_is_refused_without_it() {
    let dir = util::temp_dir();
    util::write(dir.path(), "app.txt", "nothing here\n");
    for (url, why) in [
        (
            format!("https://{ID}:{SECRET}@sts.amazonaws.com/"),
            "user info",
        ),
        (
            format!("https://sts.amazonaws.com/?X-Amz-Credential={ID}&s={SECRET}"),
            "no query",
        ),
        (format!("ftp://{ID}{SECRET}/"), "https://"),
        (format!("https://{ID} {SECRET}/"), "not a URL"),
    ] {
        let run = util::scan(
            dir.path(),
            &["--no-config", "--verify", "--sts-endpoint", &url, "app.txt"],
        );
        assert_refused_without_secret(&run, "--sts-endpoint");
        assert!(run.stderr.contains(why), "{url}: {}", run.stderr);
    }
}

/// A configuration's findings budget cannot be dodged with a hostile rule: the cap is
/// the scanner's, and the refused rules say why.
#[test]
fn hostile_custom_rules_are_refused_with_the_reason() {
    for (field, value, why) in [
        ("window", "65536", "window 65536 is outside 1..=4096"),
        ("pattern", "'MYK(?P<secret>a+)+$'", "`$`"),
        (
            "pattern",
            "'MYK(?P<secret>[0-9]*)'",
            "the secret group can match the empty string",
        ),
    ] {
        let run = scan_with_config(&custom_rule(field, value));
        assert_eq!(run.code, 2, "{field} = {value}: {}", run.stderr);
        assert!(
            run.stderr.contains(why),
            "{field} = {value}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_configured_findings_cap_makes_the_scan_incomplete_and_names_the_file() {
    let dir = temp_dir();
    write(dir.path(), ".keyhound.toml", "max_findings = 2\n");
    let ids: String = (0..5)
        .map(|salt| {
            format!(
                "key = {}\n",
                key_id_for_account("AKIA", 987_654_321_098, salt)
            )
        })
        .collect();
    write(dir.path(), "logs/keys.log", ids);
    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("keys.log") && run.stderr.contains("more than 2 findings"),
        "{}",
        run.stderr
    );

    // A configuration can lower the cap, not raise it past the default.
    write(dir.path(), ".keyhound.toml", "max_findings = 99999999999\n");
    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("max_findings: expected a whole number"),
        "{}",
        run.stderr
    );
}
