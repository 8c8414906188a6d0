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

/// A git repository in a temp dir, driven with the git CLI, with frozen identities and
/// dates so commits are reproducible.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    /// `git init` with `args` (e.g. `--object-format=sha256`).
    pub fn init_with(args: &[&str]) -> Repo {
        let repo = Repo { dir: temp_dir() };
        repo.git(&[&["init", "-q", "-b", "main"][..], args].concat());
        repo.git(&["config", "user.email", "dev@example.com"]);
        repo.git(&["config", "user.name", "Dev"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// `git init`.
    pub fn init() -> Repo {
        Repo::init_with(&[])
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The git command, in the repository, isolated from the user's configuration.
    pub fn git_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z")
            .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE");
        cmd
    }

    /// Runs git; panics with its stderr when it fails. Returns stdout, trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.git_command(args).output().expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Writes a file in the work tree.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        write(self.path(), relative, contents);
    }

    /// A repository whose second commit adds `credentials_file()` at `path` and whose
    /// third removes it; returns it with the adding commit's id.
    pub fn with_removed_leak(path: &str) -> (Repo, String) {
        let repo = Repo::init();
        repo.write("readme.md", "hello\n");
        repo.commit_all("start");
        repo.write(path, credentials_file());
        let added = repo.commit_all("add config");
        std::fs::remove_file(repo.path().join(path)).unwrap();
        repo.commit_all("remove config");
        (repo, added)
    }

    /// Stages everything and commits; returns the new commit id.
    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs `keyhound <args…> --format json` in the repository and parses stdout.
    pub fn keyhound_json(&self, args: &[&str]) -> (Run, serde_json::Value) {
        let run = run_in(
            self.path(),
            keyhound().args(args).args(["--format", "json"]),
        );
        let json = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
        (run, json)
    }
}

/// Whether `CI` is `true` (or `1`), as CI systems set it: then every prerequisite of the
/// tests must be there (`.ci/run` installs them), and a missing one fails the test.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A test cannot run `what` because a prerequisite is missing (`why`). Under CI ([`in_ci`])
/// this panics: a check that silently does not run is no check, and `.ci/run` installs
/// every prerequisite. Elsewhere it prints `SKIPPED <what>: <why>` on stderr and returns,
/// and the caller skips that check.
pub fn missing_prerequisite(what: &str, why: &str) {
    if in_ci() {
        panic!(
            "{what} cannot run: {why}. Under CI=true no test may be skipped: \
             .ci/run installs every prerequisite before `cargo test`"
        );
    }
    eprintln!("SKIPPED {what}: {why}");
}

/// Whether `python3` imports `module` (from PyPI's `package`). When it does not, this
/// says so through [`missing_prerequisite`] for `what`, and returns false. Nothing is
/// installed here: tests reach no network; `.ci/run` installs the packages.
pub fn python_has(module: &str, package: &str, what: &str) -> bool {
    let output = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdin(Stdio::null())
        .output();
    match output {
        Ok(output) if output.status.success() => true,
        Ok(output) => {
            let error = String::from_utf8_lossy(&output.stderr);
            let error = error.trim().lines().last().unwrap_or("").to_string();
            missing_prerequisite(
                what,
                &format!("python3 cannot import {module} ({error}): `pip install {package}`"),
            );
            false
        }
        Err(err) => {
            missing_prerequisite(what, &format!("python3 cannot be run: {err}"));
            false
        }
    }
}

const VALIDATE_PY: &str = r#"
import json, sys
from jsonschema import validators, FormatChecker
schema = json.load(open(sys.argv[1], encoding="utf-8"))
cls = validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=FormatChecker())
errors = 0
for path in sys.argv[2:]:
    document = json.load(open(path, encoding="utf-8"))
    for error in validator.iter_errors(document):
        errors += 1
        where = "/".join(map(str, error.absolute_path))
        print(f"{path}: /{where}: {error.message[:300]}")
sys.exit(1 if errors else 0)
"#;

/// Errors of each document against the JSON schema at `schema` (relative to the
/// repository), one line each (empty when all are valid); `None` when Python's
/// `jsonschema` is missing (said through [`missing_prerequisite`]: a failure under CI).
pub fn schema_errors(schema: &str, documents: &[&serde_json::Value]) -> Option<String> {
    let what = format!("the {schema} schema check");
    if !python_has("jsonschema", "jsonschema", &what) {
        return None;
    }
    let dir = temp_dir();
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(VALIDATE_PY).arg(repo_root().join(schema));
    for (i, document) in documents.iter().enumerate() {
        let path = dir.path().join(format!("document-{i}.json"));
        std::fs::write(&path, serde_json::to_vec(document).unwrap()).unwrap();
        cmd.arg(path);
    }
    let output = cmd.output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() || !stdout.is_empty(),
        "the validator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(stdout)
}

/// A well-formed key id (`prefix` + 16 base32 characters) whose offline-decoded account
/// is `account`: the first 48 of its 80 bits hold the account shifted left by 7 bits, as
/// AWS encodes it; the other bits come from `salt`. Written from the published scheme,
/// not from keyhound's decoder, so a test can check one against the other.
pub fn key_id_for_account(prefix: &str, account: u64, salt: u64) -> String {
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    // splitmix64: the filler bits look random, so the id passes the scanner's checks.
    let mut z = salt.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let high = (u128::from(account) << 7) | u128::from(z & 0x7f);
    let bits = (high << 32) | u128::from(z >> 32);
    let body: String = (0..16)
        .rev()
        .map(|i| BASE32[((bits >> (5 * i)) & 31) as usize] as char)
        .collect();
    format!("{prefix}{body}")
}

/// Whether `strace` can trace a program here (it needs ptrace, which containers may deny).
/// Used by the verify and aws tests (`aws` brings `verify`).
#[cfg(feature = "verify")]
pub fn strace_works() -> bool {
    Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=connect",
            "-o",
            "/dev/null",
            "true",
        ])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success())
}
