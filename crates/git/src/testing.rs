//! Repositories for unit tests, built with the git CLI in temporary directories.

use std::path::Path;
use std::process::Command;

/// A key id and its secret, as a credentials file holds them (a fake pair).
pub(crate) const CREDENTIALS: &str = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
    aws_secret_access_key = 8tMYf6HLmZHthHc09XiGZPYWl4rrR5nNwXSdzpGQ\n";

/// Runs git in `dir`, isolated from the user's and the system's configuration.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
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
    String::from_utf8(out.stdout).expect("git prints UTF-8")
}

/// Writes `files` (path, content) under `dir`.
pub(crate) fn write(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a directory"))
            .expect("directory created");
        std::fs::write(path, content).expect("file written");
    }
}

/// Writes `files` and commits everything.
pub(crate) fn commit(dir: &Path, files: &[(String, Vec<u8>)], message: &str) {
    write(dir, files);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// A new repository with one commit of a README.
pub(crate) fn init() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    commit(dir.path(), &[file("README", "hello\n")], "first");
    dir
}

/// A file to write.
pub(crate) fn file(path: &str, content: impl AsRef<[u8]>) -> (String, Vec<u8>) {
    (path.to_string(), content.as_ref().to_vec())
}
