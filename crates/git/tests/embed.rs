//! keyhound-git as an embedder uses it: repositories built with the git CLI in temporary
//! directories, scanned through the public API only.

use std::path::Path;
use std::process::Command;

use keyhound_core::Scanner;
use keyhound_git::{
    history, open, range, staged, Context, NotScannedReason, ObjectId, ObjectProblem, OpenError,
    RangeEnd, RangeError, ScanOptions, StagedOptions,
};

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

/// A missing blob is a problem that names the blob and the path it cost; an oversized one
/// is not scanned, with its size; a path that is not UTF-8 is kept as git stores it.
#[cfg(unix)]
#[test]
fn problems_and_entries_not_scanned_carry_path_id_and_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    git(root, &["init", "-q"]);
    commit(
        root,
        &[("b/notes.txt", "notes\n"), ("big.txt", &"x".repeat(5000))],
        "init",
    );
    // A file whose name is Latin-1 (not UTF-8), holding a key.
    let latin1: &std::ffi::OsStr = std::os::unix::ffi::OsStrExt::from_bytes(b"caf\xe9.ini");
    std::fs::write(root.join(latin1), CREDENTIALS).expect("written");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "latin-1"]);
    let notes = git(root, &["rev-parse", "HEAD:b/notes.txt"]);
    let notes = ObjectId::from_hex(notes.trim().as_bytes()).expect("an id");
    let hex = notes.to_string();
    std::fs::remove_file(root.join(format!(".git/objects/{}/{}", &hex[..2], &hex[2..])))
        .expect("loose object removed");

    let repo = open(root).expect("opens");
    let options = ScanOptions {
        max_blob_size: 4096,
        ..ScanOptions::default()
    };
    let outcome = history(&repo, &Scanner::default(), &options, false);
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    let problem = &outcome.problems[0];
    assert_eq!(problem.id, Some(notes));
    assert_eq!(problem.path(), Some(&b"b/notes.txt"[..]));
    assert_eq!(problem.context, Context::Path(b"b/notes.txt".to_vec()));
    assert_eq!(problem.problem, ObjectProblem::Missing);
    assert_eq!(
        problem.to_string(),
        format!("{notes} (b/notes.txt): object missing")
    );
    assert_eq!(outcome.not_scanned.len(), 1);
    let big = &outcome.not_scanned[0];
    assert_eq!(big.path, b"big.txt");
    assert_eq!(big.reason, NotScannedReason::TooLarge { size: 5000 });
    assert_eq!(big.reason.to_string(), "too-large");
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(outcome.findings[0].path, b"caf\xe9.ini");
}

/// The messages anyhow's `{:#}` prints: each error of the chain, joined with `: `.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut said = vec![error.to_string()];
    let mut next = error.source();
    while let Some(error) = next {
        said.push(error.to_string());
        next = error.source();
    }
    said.join(": ")
}

/// Errors say their cause once, whether printed alone or with their chain, and never end
/// in gix's classification marker.
#[cfg(unix)]
#[test]
fn errors_say_each_cause_once() {
    let error = open(Path::new("/not/a/repo")).expect_err("no repository there");
    assert!(matches!(error, OpenError::NotFound { .. }), "{error:?}");
    assert_eq!(error.path(), Path::new("/not/a/repo"));
    let message = chain(&error);
    assert_eq!(message, error.to_string(), "no source() repeats it");
    assert!(
        message.starts_with("/not/a/repo: not a git repository (or not readable): "),
        "{message}"
    );
    assert_eq!(message.matches("os error 2").count(), 1, "{message}");
    assert!(!message.ends_with("NotFound"), "{message}");

    let outside = tempfile::tempdir().expect("temp dir");
    let error = open(outside.path()).expect_err("no repository there");
    let message = chain(&error);
    assert!(!message.contains("NotFound"), "{message}");
    assert_eq!(message.matches("Could not find").count(), 1, "{message}");

    let dir = repo_with_a_key();
    let repo = open(dir.path()).expect("opens");
    let scanner = Scanner::default();
    let options = ScanOptions::default();
    let error = range(&repo, "nosuchref..HEAD", &scanner, &options).expect_err("no such ref");
    assert!(
        matches!(&error, RangeError::Missing { end: RangeEnd::Base, spec, .. } if spec == "nosuchref"),
        "{error:?}"
    );
    let message = chain(&error);
    assert_eq!(message, error.to_string());
    assert_eq!(
        message.matches("could not be found").count(),
        1,
        "{message}"
    );
    assert!(!message.contains("NotFound"), "{message}");
    assert!(message.contains("fetch-depth: 0"), "{message}");
    let error = range(&repo, "HEAD..nosuchref", &scanner, &options).expect_err("no such ref");
    assert!(matches!(
        error,
        RangeError::Missing {
            end: RangeEnd::Head,
            ..
        }
    ));
    assert!(matches!(
        range(&repo, "HEAD", &scanner, &options),
        Err(RangeError::Syntax(_))
    ));

    let missing_index = dir.path().join(".git/no-index");
    let error = staged(
        &repo,
        &missing_index,
        &scanner,
        &options,
        StagedOptions::default(),
    )
    .expect_err("no index there");
    assert_eq!(error.path(), missing_index);
    let message = chain(&error);
    assert_eq!(message, error.to_string());
    assert_eq!(message.matches("os error 2").count(), 1, "{message}");
}
