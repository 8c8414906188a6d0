//! Canary tokens: key ids whose decoded account belongs to a canary-token service are
//! marked as such in every format.

use serde_json::Value;

use crate::util::*;

/// Thinkst Canarytokens' first published account.
pub const CANARY_ACCOUNT: u64 = 52_310_077_262;

/// A tree with a canary credential (`canary/.env`) and an ordinary one (`plain/.env`).
pub fn canary_tree() -> (tempfile::TempDir, String) {
    let dir = temp_dir();
    let canary = key_id_for_account("AKIA", CANARY_ACCOUNT, 7);
    write(
        dir.path(),
        "canary/.env",
        format!("AWS_ACCESS_KEY_ID={canary}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"),
    );
    write(
        dir.path(),
        "plain/.env",
        format!("AWS_ACCESS_KEY_ID={KEY_ID_2}\nAWS_SECRET_ACCESS_KEY={SECRET_2}\n"),
    );
    (dir, canary)
}

fn finding<'a>(json: &'a Value, path: &str) -> &'a Value {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding at {path}: {json}"))
}

#[test]
fn the_test_encoder_agrees_with_the_scanner() {
    for (account, salt) in [
        (CANARY_ACCOUNT, 1),
        (111_882_330_358, 2),
        (999_999_999_999, 3),
    ] {
        let dir = temp_dir();
        let key_id = key_id_for_account("AKIA", account, salt);
        write(dir.path(), "a.txt", format!("id = {key_id}\n"));
        let (_, json) = scan_json(dir.path(), &["."]);
        assert_eq!(
            json["findings"][0]["account_id"],
            format!("{account:012}"),
            "{key_id}: {json}"
        );
    }
}

#[test]
fn a_canary_is_marked_in_every_format() {
    let (dir, canary) = canary_tree();
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "a canary is still a finding: {}", run.stderr);
    let marked = finding(&json, "canary/.env");
    assert_eq!(marked["kind"], "credential");
    assert_eq!(marked["key_id"], canary.as_str());
    assert_eq!(marked["account_id"], "052310077262");
    assert_eq!(marked["canary"], "Thinkst Canarytokens");
    assert_eq!(finding(&json, "plain/.env")["canary"], Value::Null);

    let jsonl = scan(dir.path(), &["--format", "jsonl", "."]);
    let line: Value = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["key_id"] == canary.as_str())
        .unwrap();
    assert_eq!(line["canary"], "Thinkst Canarytokens");

    let human = scan(dir.path(), &["."]);
    let block = human
        .stdout
        .split("\n\n")
        .find(|b| b.contains(&canary))
        .unwrap();
    assert!(
        block.contains("canary token (Thinkst Canarytokens)"),
        "{block}"
    );
    assert!(!human
        .stdout
        .split("\n\n")
        .any(|b| b.contains(KEY_ID_2) && b.contains("canary")));

    let sarif = scan(dir.path(), &["--format", "sarif", "."]);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let result = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains(&canary))
        .unwrap();
    assert_eq!(result["properties"]["canary"], "Thinkst Canarytokens");
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("canary token of Thinkst Canarytokens"));
    crate::sarif::validate(&[&log]);

    let gitlab = scan(dir.path(), &["--format", "gitlab", "."]);
    let report: Value = serde_json::from_str(&gitlab.stdout).unwrap();
    let vulnerability = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["location"]["file"] == "canary/.env")
        .unwrap();
    assert!(vulnerability["description"]
        .as_str()
        .unwrap()
        .contains("canary token of Thinkst Canarytokens"));
    crate::gitlab::validate(&[&report]);
}
