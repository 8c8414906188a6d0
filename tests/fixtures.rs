//! The scan fixtures: every realistic context finds exactly what `expected.txt` lists, and
//! no output format leaks a planted secret.

use crate::util::{finding_keys, repo_root, scan, scan_json};

fn expected() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("fixtures/scan/expected.txt")).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[test]
fn fixtures_produce_exactly_the_expected_findings() {
    let dir = repo_root().join("fixtures/scan");
    let (run, json) = scan_json(&dir, &["."]);
    assert_eq!(run.code, 1, "findings exit 1; stderr: {}", run.stderr);
    let got = finding_keys(&json);
    let want = expected();
    let missing: Vec<_> = want.iter().filter(|k| !got.contains(k)).collect();
    let extra: Vec<_> = got.iter().filter(|k| !want.contains(k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    assert_eq!(json["stats"]["unreadable"].as_array().unwrap().len(), 0);
}

#[test]
fn negatives_alone_are_clean() {
    let dir = repo_root().join("fixtures/scan");
    let run = scan(&dir, &["negative"]);
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains("0 findings"), "{}", run.stderr);
}

/// Every secret and token value the fixtures hold, read back with `--show-secrets`.
fn planted_secrets() -> Vec<String> {
    let dir = repo_root().join("fixtures/scan");
    let (_, json) = scan_json(&dir, &["--show-secrets", "."]);
    let mut secrets: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["parts"].as_array().unwrap().iter())
        .filter(|p| p["kind"] != "access-key-id")
        .map(|p| p["value"].as_str().unwrap().to_string())
        .collect();
    secrets.sort();
    secrets.dedup();
    secrets
}

#[test]
fn no_format_prints_a_full_secret_without_show_secrets() {
    let secrets = planted_secrets();
    assert!(
        secrets.len() > 40,
        "the fixtures plant many secrets, found {}",
        secrets.len()
    );
    let dir = repo_root().join("fixtures/scan");
    for format in ["human", "json", "jsonl"] {
        let run = scan(&dir, &["--format", format, "--color", "always", "."]);
        assert_eq!(run.code, 1);
        for secret in &secrets {
            // JSON escapes `/` as itself, but be strict: look for the raw and the escaped form.
            let escaped = secret.replace('/', "\\/");
            for output in [&run.stdout, &run.stderr] {
                assert!(
                    !output.contains(secret.as_str()) && !output.contains(&escaped),
                    "{format} output leaks {}…",
                    &secret[..4]
                );
            }
        }
    }
    // The check above can fail: with --show-secrets the values are there.
    let run = scan(&dir, &["--format", "human", "--show-secrets", "."]);
    assert!(secrets.iter().all(|s| run.stdout.contains(s.as_str())));
}
