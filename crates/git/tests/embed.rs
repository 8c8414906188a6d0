//! keyhound-git as an embedder uses it: repositories built with the git CLI in temporary
//! directories, scanned through the public API only.

use std::path::Path;
use std::process::Command;

use keyhound_core::Scanner;
use keyhound_git::{history, open, range, ScanOptions};

/// A key id and its secret, as a credentials file holds them (a fake pair).
const CREDENTIALS: &str = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
    aws_secret_access_key = 8tMYf6HLmZHthHc09XiGZPYWl4rrR5nNwXSdzpGQ\n";

/// Runs git in `dir`, isolated from the user's and the system's configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git prints UTF-8")
}

/// Writes `files` and commits them.
fn commit(dir: &Path, files: &[(&str, &str)], message: &str) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a directory"))
            .expect("directory created");
        std::fs::write(path, text).expect("file written");
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// A repository with one clean commit and one that adds a credentials file.
fn repo_with_a_key() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    commit(dir.path(), &[("README", "hello\n")], "first");
    commit(dir.path(), &[("config/credentials", CREDENTIALS)], "key");
    dir
}

#[test]
fn default_options_scan_and_find() {
    let options = ScanOptions::default();
    assert_eq!(options.max_blob_size, 64 << 20);
    assert_eq!(options.threads, 0, "0: one thread per CPU");
    assert!(options.thread_count() >= 1);
    let dir = repo_with_a_key();
    let repo = open(dir.path()).expect("opens");
    let scanner = Scanner::default();
    let outcome = history(&repo, &scanner, &options, false);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert!(outcome.not_scanned.is_empty(), "{:?}", outcome.not_scanned);
    assert_eq!(outcome.blobs, 2);
    assert_eq!(outcome.findings.len(), 1);
    let outcome = range(&repo, "HEAD~1..HEAD", &scanner, &options).expect("a range");
    assert_eq!(outcome.findings.len(), 1);
}
