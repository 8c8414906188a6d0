//! `--format gitlab`: GitLab's secret-detection report, checked field by field against what
//! GitLab's schema 15.0.7 requires (no package registry reachable here ships the schema
//! file, so it is not vendored), with stable ids, the commit of git findings, and no secret
//! anywhere.

use std::path::Path;

use serde_json::Value;

use crate::util::*;

/// The schema version the report declares.
const SCHEMA_VERSION: &str = "15.0.7";

/// Runs `keyhound scan --format gitlab <args…>` in `dir` and parses stdout.
fn scan_gitlab(dir: &Path, args: &[&str]) -> (Run, Value) {
    let run = run_in(
        dir,
        keyhound().args(["scan", "--format", "gitlab"]).args(args),
    );
    let report = parse(&run.stdout, &run.stderr);
    (run, report)
}

fn parse(text: &str, stderr: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|err| panic!("the report is JSON ({err}):\n{text}\nstderr:\n{stderr}"))
}

fn vulnerabilities(report: &Value) -> &Vec<Value> {
    report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities is an array")
}

/// `YYYY-MM-DDTHH:MM:SS`, nothing more.
fn is_zoneless_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 19
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        })
}

/// 8-4-4-4-12 lower-case hex.
fn is_uuid_shaped(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| {
            g.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// What keyhound promises beyond the schema: the scan's identity, zoneless times, ids,
/// identifiers, a commit sha everywhere, and no `raw_source_code_extract` or
/// `confidence`.
pub fn check_report(report: &Value) {
    assert_eq!(report["version"], SCHEMA_VERSION);
    assert!(report["schema"]
        .as_str()
        .is_some_and(|uri| uri.ends_with("/v15.0.7/dist/secret-detection-report-format.json")));
    let scan = &report["scan"];
    assert_eq!(scan["type"], "secret_detection");
    for tool in [&scan["scanner"], &scan["analyzer"]] {
        assert_eq!(tool["id"], "keyhound");
        assert_eq!(tool["name"], "keyhound");
        assert_eq!(tool["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(tool["vendor"]["name"], "keyhound");
    }
    for time in ["start_time", "end_time"] {
        let value = scan[time].as_str().expect("a time");
        assert!(is_zoneless_time(value), "{time} {value:?} has no zone");
    }
    assert!(scan["start_time"].as_str() <= scan["end_time"].as_str());
    assert!(["success", "failure"].contains(&scan["status"].as_str().unwrap()));
    let primary: Vec<&str> = scan["primary_identifiers"]
        .as_array()
        .expect("primary_identifiers")
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert!(primary.contains(&"aws-credential"), "{primary:?}");

    let mut ids = std::collections::HashSet::new();
    for vulnerability in vulnerabilities(report) {
        let id = vulnerability["id"].as_str().expect("id");
        assert!(is_uuid_shaped(id), "{id}");
        assert!(ids.insert(id), "ids are unique: {id}");
        assert_eq!(vulnerability["category"], "secret_detection");
        assert!(["Critical", "High", "Medium", "Low", "Info"]
            .contains(&vulnerability["severity"].as_str().unwrap()));
        for field in ["name", "description", "solution"] {
            assert!(
                vulnerability[field]
                    .as_str()
                    .is_some_and(|t| !t.trim().is_empty()),
                "{field}: {vulnerability}"
            );
        }
        assert_eq!(vulnerability["scanner"]["id"], "keyhound");
        let identifiers = vulnerability["identifiers"].as_array().unwrap();
        assert!(!identifiers.is_empty(), "at least one identifier");
        assert_eq!(identifiers[0]["type"], "keyhound_rule_id");
        assert!(primary.contains(&identifiers[0]["value"].as_str().unwrap()));
        let location = &vulnerability["location"];
        assert!(!location["file"].as_str().unwrap().is_empty());
        let start = location["start_line"].as_u64().unwrap();
        assert!(start >= 1 && location["end_line"].as_u64().unwrap() >= start);
        assert!(
            location["commit"]["sha"]
                .as_str()
                .is_some_and(|sha| !sha.is_empty()),
            "{location}"
        );
        assert!(
            vulnerability.get("confidence").is_none(),
            "not in schema 15"
        );
    }
    assert_no_key(report, "raw_source_code_extract");
}

fn assert_no_key(value: &Value, key: &str) {
    match value {
        Value::Object(map) => {
            assert!(!map.contains_key(key), "no {key:?} anywhere: {value}");
            map.values().for_each(|v| assert_no_key(v, key));
        }
        Value::Array(items) => items.iter().for_each(|v| assert_no_key(v, key)),
        _ => {}
    }
}

/// Asserts that no 8 consecutive characters of `secret` appear in `text`.
pub fn assert_no_secret(text: &str, secret: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(8) {
        let piece: String = window.iter().collect();
        assert!(
            !text.contains(&piece),
            "{piece:?}, part of a secret, is in the output"
        );
    }
}

/// Asserts that every report has what GitLab's schema 15.0.7 requires ([`check_report`]).
pub fn validate(reports: &[&Value]) {
    for report in reports {
        check_report(report);
    }
}

#[test]
fn gitlab_report_with_findings_validates() {
    let dir = temp_dir();
    write(dir.path(), "app/.env", credentials_file());
    write(
        dir.path(),
        "app/settings.py",
        format!("# old key\nAWS_ACCESS_KEY_ID = \"{KEY_ID_2}\"\n"),
    );
    write(
        dir.path(),
        "lone/config.ini",
        format!("[aws]\naws_secret_access_key = {SECRET_2}\n"),
    );
    write(
        dir.path(),
        "docs/tutorial.md",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    );
    let (run, report) = scan_gitlab(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    validate(&[&report]);
    assert_eq!(report["scan"]["status"], "success");

    let vulnerabilities = vulnerabilities(&report);
    assert_eq!(vulnerabilities.len(), 4, "{report:#}");
    let by_file = |file: &str| -> &Value {
        vulnerabilities
            .iter()
            .find(|v| v["location"]["file"] == file)
            .unwrap_or_else(|| panic!("{file} is reported: {report:#}"))
    };

    let credential = by_file("app/.env");
    assert_eq!(credential["severity"], "Critical");
    assert_eq!(credential["name"], "AWS credential (key ID + secret)");
    assert_eq!(credential["identifiers"][0]["value"], "aws-credential");
    assert_eq!(
        credential["location"],
        serde_json::json!({
            "file": "app/.env", "start_line": 2, "end_line": 3, "commit": {"sha": "0000000"}
        })
    );
    let description = credential["description"].as_str().unwrap();
    assert!(description.contains(KEY_ID), "{description}");
    assert!(description.contains("`8tMY…(36 more)`"), "{description}");
    assert!(credential["solution"]
        .as_str()
        .unwrap()
        .starts_with("Deactivate the key now"));

    let key_id = by_file("app/settings.py");
    assert_eq!(key_id["severity"], "High");
    assert_eq!(key_id["identifiers"][0]["value"], "aws-access-key-id");
    let secret = by_file("lone/config.ini");
    assert_eq!(secret["identifiers"][0]["value"], "aws-secret-access-key");
    let example = by_file("docs/tutorial.md");
    assert_eq!(example["severity"], "Info");
    assert_eq!(example["name"], "AWS documentation example key");

    // No secret, even when asked for: the report is uploaded and kept as an artifact.
    for secret in [SECRET, SECRET_2] {
        assert_no_secret(&run.stdout, secret);
        assert_no_secret(&run.stderr, secret);
    }
    let (_, shown) = scan_gitlab(dir.path(), &["--show-secrets", "."]);
    let text = shown.to_string();
    assert!(text.contains(KEY_ID), "key ids are shown");
    for secret in [SECRET, SECRET_2] {
        assert_no_secret(&text, secret);
    }
}

#[test]
fn gitlab_ids_are_stable_across_runs_and_line_moves() {
    let dir = temp_dir();
    write(dir.path(), "a/.env", credentials_file());
    write(dir.path(), "b/.env", credentials_file());
    // The same key id twice in one file: two vulnerabilities, two ids.
    write(
        dir.path(),
        "c/keys.txt",
        format!("first {KEY_ID_2}\nsecond {KEY_ID_2}\n"),
    );
    let ids = |report: &Value| -> Vec<(String, String)> {
        vulnerabilities(report)
            .iter()
            .map(|v| {
                (
                    v["location"]["file"].as_str().unwrap().to_string(),
                    v["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (_, first) = scan_gitlab(dir.path(), &["."]);
    let (_, second) = scan_gitlab(dir.path(), &["-j", "1", "."]);
    validate(&[&first, &second]);
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 4, "{first:#}");
    assert_eq!(first_ids, ids(&second), "two identical runs, the same ids");
    let mut unique: Vec<&String> = first_ids.iter().map(|(_, id)| id).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        4,
        "the same key in two files or twice in one: {first_ids:?}"
    );

    // Lines move (a comment on top): the ids stay, the lines change.
    write(
        dir.path(),
        "a/.env",
        format!("# moved down\n\n{}", credentials_file()),
    );
    let (_, moved) = scan_gitlab(dir.path(), &["."]);
    assert_eq!(ids(&moved), first_ids);
    assert_eq!(vulnerabilities(&moved)[0]["location"]["start_line"], 4);
}

#[test]
fn gitlab_report_without_findings_is_valid() {
    let dir = temp_dir();
    write(dir.path(), "readme.md", "nothing to see here\n");
    let (run, report) = scan_gitlab(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["vulnerabilities"], serde_json::json!([]));
    assert_eq!(report["scan"]["status"], "success");
    validate(&[&report]);
}

#[test]
fn an_incomplete_scan_is_a_failure_with_a_message() {
    let dir = temp_dir();
    write(dir.path(), "app/.env", credentials_file());
    let (run, report) = scan_gitlab(dir.path(), &["app", "missing-dir"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    validate(&[&report]);
    assert_eq!(report["scan"]["status"], "failure");
    let messages = report["scan"]["messages"].as_array().expect("messages");
    assert!(
        messages
            .iter()
            .any(|m| m["level"] == "warn" && m["value"].as_str().unwrap().contains("missing-dir")),
        "{messages:?}"
    );
    // What could be read is still reported.
    assert_eq!(vulnerabilities(&report).len(), 1);
}

#[test]
fn gitlab_git_findings_carry_the_commit() {
    let (repo, added) = Repo::with_removed_leak("config/app env.ini");

    let run = run_in(
        repo.path(),
        keyhound().args(["git", "history", "--format", "gitlab"]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = parse(&run.stdout, &run.stderr);
    validate(&[&report]);
    let vulnerabilities = vulnerabilities(&report);
    assert_eq!(vulnerabilities.len(), 1, "{report:#}");
    let location = &vulnerabilities[0]["location"];
    assert_eq!(location["file"], "config/app env.ini");
    assert_eq!(
        location["commit"],
        serde_json::json!({"sha": added, "author": "Dev", "date": "2024-01-02T03:04:05Z"})
    );
    assert!(vulnerabilities[0]["description"]
        .as_str()
        .unwrap()
        .contains(&added));
    assert_no_secret(&run.stdout, SECRET);

    // `--report-path` writes the same report to a file.
    let run = run_in(
        repo.path(),
        keyhound().args([
            "git",
            "history",
            "--format",
            "gitlab",
            "--report-path",
            "gl-secret-detection-report.json",
        ]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let text =
        std::fs::read_to_string(repo.path().join("gl-secret-detection-report.json")).unwrap();
    let from_file = parse(&text, &run.stderr);
    validate(&[&from_file]);
    assert_eq!(
        from_file["vulnerabilities"][0]["id"],
        vulnerabilities[0]["id"]
    );
}

#[test]
fn suppressed_findings_are_flagged_with_show_suppressed() {
    let dir = temp_dir();
    write(
        dir.path(),
        "test/vectors.py",
        format!("KEY = \"{KEY_ID_2}\"  # keyhound:allow\n"),
    );
    let (run, report) = scan_gitlab(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["vulnerabilities"], serde_json::json!([]));

    let (run, report) = scan_gitlab(dir.path(), &["--show-suppressed", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    validate(&[&report]);
    let flags = &vulnerabilities(&report)[0]["flags"];
    assert_eq!(flags[0]["type"], "flagged-as-likely-false-positive");
    assert_eq!(flags[0]["origin"], "keyhound");
    assert!(
        flags[0]["description"]
            .as_str()
            .unwrap()
            .contains("`keyhound:allow` comment on line 1"),
        "{flags}"
    );
}
