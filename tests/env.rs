//! `keyhound env`: this process's environment, and every process's with --all-processes.

use std::process::{Command, Stdio};

use crate::util::*;

#[test]
fn env_finds_a_key_pair_in_its_own_environment() {
    let dir = temp_dir();
    let run = run_in(
        dir.path(),
        keyhound()
            .args(["env", "--format", "json"])
            .env("AWS_ACCESS_KEY_ID", KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["path"], "<env>");
    assert_eq!(findings[0]["kind"], "credential");
    assert_eq!(findings[0]["key_id"], KEY_ID);
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));

    let clean = run_in(
        dir.path(),
        keyhound()
            .args(["env"])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY"),
    );
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);
}

#[test]
#[cfg(target_os = "linux")]
fn all_processes_names_the_process_holding_a_key() {
    // A long-running child started with a key in its environment, as a service would be.
    let mut child = Command::new("sleep")
        .arg("30")
        .env("AWS_ACCESS_KEY_ID", KEY_ID_2)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_2)
        .stdin(Stdio::null())
        .spawn()
        .expect("sleep runs");
    let dir = temp_dir();
    let run = run_in(
        dir.path(),
        keyhound()
            .args(["env", "--all-processes", "--format", "json"])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY"),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let path = format!("/proc/{}/environ (sleep)", child.id());
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path.as_str())
        .unwrap_or_else(|| panic!("no finding for {path} in {}", run.stdout));
    assert_eq!(finding["kind"], "credential");
    assert_eq!(finding["key_id"], KEY_ID_2);
    assert!(
        json["stats"]["files"].as_u64().unwrap() >= 2,
        "every process counted"
    );
    assert!(!run.stdout.contains(SECRET_2) && !run.stderr.contains(SECRET_2));
}
