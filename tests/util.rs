//! Helpers: run the built binary, make temp trees, parse its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Fake, well-formed credentials (random strings, never issued by AWS).
pub const KEY_ID: &str = "AKIATDL6PABMCTNRC77F";
pub const SECRET: &str = "8tMYf6HLmZHthHc09XiGZPYWl4rrR5nNwXSdzpGQ";
pub const KEY_ID_2: &str = "AKIAJW2PXZCQRJFHSEZT";
pub const SECRET_2: &str = "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";

/// A credentials-file snippet holding `KEY_ID` and `SECRET`.
pub fn credentials_file() -> String {
    format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
}

/// The repository root (where `fixtures/` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `keyhound` command with a clean environment for colour decisions.
pub fn keyhound() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyhound"));
    cmd.env_remove("NO_COLOR").stdin(Stdio::null());
    cmd
}

/// What a run produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to completion in `dir`.
pub fn run_in(dir: &Path, cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.current_dir(dir).output().expect("keyhound runs");
    Run {
        code: status
            .code()
            .expect("keyhound exits normally, not by a signal"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `keyhound scan <args…>` in `dir`.
pub fn scan(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, keyhound().arg("scan").args(args))
}

/// Runs `keyhound scan --format json <args…>` in `dir` and parses stdout.
pub fn scan_json(dir: &Path, args: &[&str]) -> (Run, serde_json::Value) {
    let run = run_in(
        dir,
        keyhound().args(["scan", "--format", "json"]).args(args),
    );
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is JSON ({err}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    });
    (run, json)
}

/// `path:line:kind` of every finding in a JSON report, sorted.
pub fn finding_keys(json: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = json["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["kind"].as_str().unwrap()
            )
        })
        .collect();
    keys.sort();
    keys
}

/// A fresh temp dir.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir can be made")
}

/// Writes `contents` to `dir/relative`, creating parent directories.
pub fn write(dir: &Path, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}
