//! `GIT_DIR` and `GIT_INDEX_FILE` are read only when the caller asks. (A file of its own:
//! it sets environment variables, which the other tests must not see.)

use std::path::Path;
use std::process::Command;

use keyhound_core::Scanner;
use keyhound_git::{history, index_path, open, open_with, OpenOptions, ScanOptions};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
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
}

fn repo(file: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join(file), text).expect("written");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "one"]);
    dir
}

#[test]
fn the_environment_is_read_only_on_request() {
    let with_key = repo(
        "credentials",
        "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
         aws_secret_access_key = 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\n",
    );
    let clean = repo("README", "hello\n");
    // The only test in this process: nothing else reads the environment meanwhile.
    std::env::set_var("GIT_DIR", with_key.path().join(".git"));
    std::env::set_var("GIT_INDEX_FILE", ".git/other-index");

    let (scanner, options) = (Scanner::default(), ScanOptions::default());
    let findings =
        |repo: &keyhound_git::Repository| history(repo, &scanner, &options, false).findings.len();
    let isolated = open(clean.path()).expect("opens");
    assert_eq!(findings(&isolated), 0, "open() ignores GIT_DIR");
    assert_eq!(
        index_path(&isolated, OpenOptions::default()),
        isolated.index_path()
    );

    let asked = OpenOptions {
        from_environment: true,
    };
    let named = open_with(clean.path(), asked).expect("opens");
    assert_eq!(
        findings(&named),
        1,
        "GIT_DIR names the repository with the key"
    );
    // Relative to the current directory, as git means it; else to the work tree.
    assert_eq!(
        index_path(&named, asked),
        with_key.path().join(".git/other-index")
    );

    std::env::remove_var("GIT_DIR");
    std::env::remove_var("GIT_INDEX_FILE");
    let unset = open_with(clean.path(), asked).expect("opens");
    assert_eq!(findings(&unset), 0);
    assert_eq!(index_path(&unset, asked), unset.index_path());
}
