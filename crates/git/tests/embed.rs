//! keyhound-git as an embedder uses it: repositories built with the git CLI in temporary
//! directories, scanned through the public API only.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use keyhound_core::Scanner;
use keyhound_git::{
    history, open, range, staged, Cancel, Context, GitFinding, NotScannedReason, ObjectId,
    ObjectProblem, OpenError, Outcome, Progress, RangeEnd, RangeError, ScanOptions, StagedOptions,
    CANCELLED,
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
    // Not a shallow clone: a name that resolves to nothing is a usage error, not advice
    // to fetch more.
    assert!(
        matches!(&error, RangeError::Revision { spec, .. } if spec == "nosuchref"),
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
    assert!(!message.contains("fetch-depth"), "{message}");
    let error = range(&repo, "HEAD..nosuchref", &scanner, &options).expect_err("no such ref");
    assert!(matches!(error, RangeError::Revision { .. }), "{error:?}");
    // A full object id that is not here: history was rewritten (or not fetched).
    let gone = "0123456789abcdef0123456789abcdef01234567";
    let error = range(&repo, &format!("{gone}..HEAD"), &scanner, &options).expect_err("absent");
    assert!(
        matches!(&error, RangeError::Absent { end: RangeEnd::Base, spec, .. } if spec == gone),
        "{error:?}"
    );
    assert!(error.to_string().contains("force-push"), "{error}");
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
        &StagedOptions::default(),
    )
    .expect_err("no index there");
    assert_eq!(error.path(), missing_index);
    let message = chain(&error);
    assert_eq!(message, error.to_string());
    assert_eq!(message.matches("os error 2").count(), 1, "{message}");
}

/// What a scan told its progress.
#[derive(Default)]
struct Recorder {
    /// The last total `discovered` said.
    discovered: AtomicU64,
    /// `blob_done` calls, and the bytes they said.
    done: AtomicU64,
    bytes: AtomicU64,
    finished: AtomicU64,
    /// The findings told: path, blob, line, commit.
    found: Mutex<Vec<Told>>,
}

type Told = (Vec<u8>, ObjectId, usize, Option<ObjectId>);

fn told(found: &GitFinding) -> Told {
    (
        found.path.clone(),
        found.blob,
        found.finding.line,
        found.commit.as_ref().map(|c| c.id),
    )
}

impl Progress for Recorder {
    fn discovered(&self, blobs: u64) {
        self.discovered.store(blobs, Ordering::SeqCst);
    }
    fn blob_done(&self, bytes: u64) {
        self.done.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(bytes, Ordering::SeqCst);
    }
    fn found(&self, finding: &GitFinding) {
        assert_eq!(
            self.finished.load(Ordering::SeqCst),
            0,
            "told before the end"
        );
        self.found.lock().unwrap().push(told(finding));
    }
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

impl Recorder {
    /// Checks what `outcome` says against what progress was told: every blob discovered
    /// was done, once; the scan finished once; every finding was told, once.
    fn check(&self, outcome: &Outcome, what: &str) {
        let (discovered, done) = (
            self.discovered.load(Ordering::SeqCst),
            self.done.load(Ordering::SeqCst),
        );
        assert_eq!(discovered, done, "{what}: totals add up");
        assert!(done >= outcome.blobs, "{what}");
        assert_eq!(self.finished.load(Ordering::SeqCst), 1, "{what}");
        let mut found = self.found.lock().unwrap().clone();
        found.sort();
        let mut expected: Vec<Told> = outcome.findings.iter().map(told).collect();
        expected.sort();
        assert!(!expected.is_empty(), "{what}");
        assert_eq!(found, expected, "{what}: every finding told, once");
    }

    /// For a scan of entries only (a range, the index, loose history): each entry is a
    /// blob scanned, an entry not scanned or a symbolic link, and the bytes are those.
    fn check_entries(&self, outcome: &Outcome, what: &str) {
        self.check(outcome, what);
        let entries = outcome.blobs + outcome.not_scanned.len() as u64 + outcome.symlinks;
        assert_eq!(self.done.load(Ordering::SeqCst), entries, "{what}");
        assert_eq!(self.bytes.load(Ordering::SeqCst), outcome.bytes, "{what}");
    }
}

/// Progress totals add up, and every finding reaches `Progress::found`, in history
/// (loose and packed), a range and the index, with entries of every kind.
#[cfg(unix)]
#[test]
fn progress_totals_add_up_and_findings_are_told() {
    let dir = repo_with_a_key();
    let root = dir.path();
    let head = git(root, &["rev-parse", "HEAD"]);
    // A submodule, a symbolic link, an LFS pointer, an oversized blob, more keys.
    git(
        root,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{},vendor/lib", head.trim()),
        ],
    );
    // An empty directory is a submodule not checked out: `git add -A` keeps it.
    std::fs::create_dir_all(root.join("vendor/lib")).expect("directory");
    std::os::unix::fs::symlink("README", root.join("link")).expect("symlink");
    let lfs = "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 3\n";
    let many: Vec<(String, String)> = (0..40)
        .map(|i| (format!("src/{i}.txt"), format!("line {i}\n")))
        .collect();
    let mut files: Vec<(&str, &str)> = many.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let big = "y".repeat(3000);
    // Each key in a blob of its own (the same content is one blob, scanned once).
    let env = format!("# app\n{CREDENTIALS}");
    let third = format!("# three\n{CREDENTIALS}");
    files.extend([
        ("big.bin", big.as_str()),
        ("model.bin", lfs),
        ("app/.env", env.as_str()),
    ]);
    commit(root, &files, "varied");
    commit(root, &[("src/3.txt", third.as_str())], "another key");

    let scanner = Scanner::default();
    let run = |what: &str, scan: &dyn Fn(&ScanOptions) -> Outcome| {
        let recorder = Arc::new(Recorder::default());
        let options = ScanOptions {
            max_blob_size: 2000,
            threads: 3,
            progress: Some(recorder.clone()),
            ..ScanOptions::default()
        };
        let outcome = scan(&options);
        assert!(
            outcome.problems.is_empty(),
            "{what}: {:?}",
            outcome.problems
        );
        (recorder, outcome)
    };
    let repo = open(root).expect("opens");
    let (recorder, outcome) = run("loose history", &|o| history(&repo, &scanner, o, false));
    recorder.check_entries(&outcome, "loose history");
    assert_eq!(outcome.findings.len(), 3);
    assert_eq!(outcome.not_scanned.len(), 3, "{:?}", outcome.not_scanned);
    assert_eq!(outcome.symlinks, 1);

    let (recorder, outcome) = run("range", &|o| {
        range(&repo, "HEAD~2..HEAD", &scanner, o).expect("a range")
    });
    recorder.check_entries(&outcome, "range");
    assert_eq!(outcome.findings.len(), 2);

    let whole = StagedOptions {
        whole_files: true,
        ..StagedOptions::default()
    };
    let (recorder, outcome) = run("index", &|o| {
        staged(&repo, &repo.index_path(), &scanner, o, &whole).expect("an index")
    });
    recorder.check_entries(&outcome, "index");

    git(root, &["repack", "-q", "-a", "-d"]);
    let repo = open(root).expect("opens");
    let (recorder, outcome) = run("packed history", &|o| history(&repo, &scanner, o, false));
    recorder.check(&outcome, "packed history");
    assert_eq!(outcome.findings.len(), 3);
    let (recorder, outcome) = run("all objects", &|o| history(&repo, &scanner, o, true));
    recorder.check(&outcome, "all objects");
}

/// A repository of `files` blobs in one commit, every `key_every`th holding a key of its
/// own, and a first commit holding a key too.
fn many_blobs(files: usize, key_every: usize) -> tempfile::TempDir {
    let dir = repo_with_a_key();
    let contents: Vec<(String, String)> = (0..files)
        .map(|i| {
            let text = if i % key_every == 0 {
                format!("# {i}\n{CREDENTIALS}")
            } else {
                format!("line {i}\n{}\n", "filler ".repeat(200))
            };
            (format!("many/{i:05}.txt"), text)
        })
        .collect();
    let files: Vec<(&str, &str)> = contents
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    commit(dir.path(), &files, "many");
    dir
}

/// Cancels its scan when told of its first blob done, or of its first finding.
struct Canceller {
    cancel: Cancel,
    on_found: bool,
    done: AtomicU64,
    /// How many blobs were done when the first finding was told.
    done_at_first_finding: Mutex<Option<u64>>,
}

impl Progress for Canceller {
    fn discovered(&self, _: u64) {}
    fn blob_done(&self, _: u64) {
        self.done.fetch_add(1, Ordering::SeqCst);
        if !self.on_found {
            self.cancel.cancel();
        }
    }
    fn found(&self, _: &GitFinding) {
        let done = self.done.load(Ordering::SeqCst);
        self.done_at_first_finding
            .lock()
            .unwrap()
            .get_or_insert(done);
        if self.on_found {
            self.cancel.cancel();
        }
    }
}

/// A cancelled scan returns soon, `cancelled`, incomplete, having scanned little: cancelled
/// before it starts, or from its first blob, in history (loose and packed), a range and
/// the index.
#[test]
fn a_cancelled_scan_stops_soon_and_says_so() {
    const FILES: usize = 2000;
    let dir = many_blobs(FILES, 100);
    let root = dir.path();
    let scanner = Scanner::default();
    let cancelled_before = ScanOptions {
        threads: 2,
        ..ScanOptions::default()
    };
    cancelled_before.cancel.cancel();
    let from_first_blob = || {
        let canceller = Arc::new(Canceller {
            cancel: Cancel::new(),
            on_found: false,
            done: AtomicU64::new(0),
            done_at_first_finding: Mutex::new(None),
        });
        let options = ScanOptions {
            threads: 2,
            progress: Some(canceller.clone()),
            cancel: canceller.cancel.clone(),
            ..ScanOptions::default()
        };
        (canceller, options)
    };
    let check = |what: &str, outcome: Outcome| {
        assert!(outcome.cancelled, "{what}");
        assert!(!outcome.is_complete(), "{what}");
        assert!(
            outcome.problems.is_empty(),
            "{what}: {:?}",
            outcome.problems
        );
        // Each of the two threads finishes the blob in hand.
        assert!(outcome.blobs <= 10, "{what}: {} blobs", outcome.blobs);
        let report = outcome.into_report();
        assert!(report.is_incomplete(), "{what}");
        let cancelled = (CANCELLED.0.to_string(), CANCELLED.1.to_string());
        assert_eq!(report.stats.unreadable, vec![cancelled], "{what}");
    };
    for packed in [false, true] {
        if packed {
            git(root, &["repack", "-q", "-a", "-d"]);
        }
        let repo = open(root).expect("opens");
        check("history", history(&repo, &scanner, &cancelled_before, true));
        let (canceller, options) = from_first_blob();
        check("history", history(&repo, &scanner, &options, true));
        assert!(canceller.done.load(Ordering::SeqCst) <= 10);
    }
    let repo = open(root).expect("opens");
    let range = |options: &ScanOptions| range(&repo, "HEAD~2..HEAD", &scanner, options);
    check("range", range(&cancelled_before).expect("a range"));
    check("range", range(&from_first_blob().1).expect("a range"));
    let staged = |options: &ScanOptions| {
        let whole = StagedOptions {
            whole_files: true,
            ..StagedOptions::default()
        };
        staged(&repo, &repo.index_path(), &scanner, options, &whole).expect("an index")
    };
    check("index", staged(&cancelled_before));
    check("index", staged(&from_first_blob().1));

    // Not cancelled: complete, every file scanned.
    let outcome = history(&repo, &scanner, &ScanOptions::default(), false);
    assert!(outcome.is_complete() && !outcome.cancelled);
    assert_eq!(outcome.blobs as usize, FILES + 2);
}

/// Findings reach `Progress::found` while the scan goes on, not at its end: a scan
/// cancelled from its first finding stops there.
#[test]
fn findings_are_told_as_they_are_found() {
    const FILES: usize = 3000;
    let dir = many_blobs(FILES, 100);
    let root = dir.path();
    let scanner = Scanner::default();
    let scan = |what: &str, scan: &dyn Fn(&ScanOptions) -> Outcome| {
        let canceller = Arc::new(Canceller {
            cancel: Cancel::new(),
            on_found: true,
            done: AtomicU64::new(0),
            done_at_first_finding: Mutex::new(None),
        });
        let options = ScanOptions {
            threads: 2,
            progress: Some(canceller.clone()),
            cancel: canceller.cancel.clone(),
            ..ScanOptions::default()
        };
        let outcome = scan(&options);
        assert!(outcome.cancelled, "{what}");
        let first = canceller
            .done_at_first_finding
            .lock()
            .unwrap()
            .expect("told");
        assert!(
            first < FILES as u64 / 2,
            "{what}: first told after {first} blobs"
        );
        assert!(
            outcome.blobs < FILES as u64 / 2,
            "{what}: {}",
            outcome.blobs
        );
    };
    let repo = open(root).expect("opens");
    scan("loose history", &|o| history(&repo, &scanner, o, false));
    scan("range", &|o| {
        range(&repo, "HEAD~1..HEAD", &scanner, o).expect("a range")
    });
    git(root, &["repack", "-q", "-a", "-d"]);
    let repo = open(root).expect("opens");
    scan("packed history", &|o| history(&repo, &scanner, o, false));
}

#[test]
fn an_outcome_serialises_its_findings_as_the_json_report_does() {
    let dir = repo_with_a_key();
    let repo = open(dir.path()).expect("opens");
    let outcome = history(&repo, &Scanner::default(), &ScanOptions::default(), false);
    assert_eq!(outcome.findings.len(), 1);
    let serialised = serde_json::to_value(&outcome).expect("serialises");
    let mut document = Vec::new();
    let report = outcome.into_report();
    keyhound_report::json::write_json(&mut document, &report, false).expect("writes");
    let document: serde_json::Value = serde_json::from_slice(&document).expect("JSON");
    assert_eq!(serialised["findings"], document["findings"]);
    assert_eq!(serialised["cancelled"], false);
    assert!(!serialised
        .to_string()
        .contains("8tMYf6HLmZHthHc09XiGZPYWl4rrR5nNwXSdzpGQ"));
    // And a finding reads back.
    let finding: keyhound_core::Finding =
        serde_json::from_value(serialised["findings"][0].clone()).expect("reads back");
    assert_eq!(finding.key_id(), Some("AKIATDL6PABMCTNRC77F"));
}
