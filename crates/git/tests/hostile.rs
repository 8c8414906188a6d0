//! Hostile commit graphs: replace refs and grafts that make history a loop or hide
//! content, root commits in ranges. Repositories are built with the git CLI in temporary
//! directories and scanned through the public API.

use std::path::Path;
use std::process::Command;

use keyhound_core::Scanner;
use keyhound_git::{
    history, open, range, range_not_remotes, Notice, ObjectId, Outcome, ScanOptions,
};

/// A key id and its secret, as a credentials file holds them (a fake pair).
const CREDENTIALS: &str = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
    aws_secret_access_key = 8tMYf6HLmZHthHc09XiGZPYWl4rrR5nNwXSdzpGQ\n";

/// The key id the credentials hold.
const KEY_ID: &str = "AKIATDL6PABMCTNRC77F";

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
    String::from_utf8(out.stdout)
        .expect("git prints UTF-8")
        .trim()
        .to_string()
}

/// Writes `files` and commits everything; returns the commit's id.
fn commit(dir: &Path, files: &[(&str, &str)], message: &str) -> String {
    for (path, text) in files {
        std::fs::write(dir.join(path), text).expect("file written");
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository whose root commit adds the credentials, which stay until the tip:
/// (root, tip). Only the root adds the secret.
fn root_adds_the_secret() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    let root = commit(dir.path(), &[("credentials", CREDENTIALS)], "root");
    commit(dir.path(), &[("README", "hello\n")], "readme");
    let tip = commit(dir.path(), &[("notes", "more\n")], "tip");
    (dir, root, tip)
}

fn scan_history(dir: &Path) -> Outcome {
    let repo = open(dir).expect("opens");
    history(&repo, &Scanner::default(), &ScanOptions::default(), false)
}

/// The (path, commit) of every finding of `KEY_ID`.
fn found(outcome: &Outcome) -> Vec<(String, Option<String>)> {
    let mut found: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.finding.key_id() == Some(KEY_ID))
        .map(|f| {
            (
                String::from_utf8_lossy(&f.path).into_owned(),
                f.commit.as_ref().map(|c| c.id.to_string()),
            )
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The commits a replace-refs notice names as looping.
fn replace_loops(outcome: &Outcome) -> Vec<String> {
    outcome
        .notices
        .iter()
        .find_map(|notice| match notice {
            Notice::ReplaceRefs { loops, .. } => {
                Some(loops.iter().map(ObjectId::to_string).collect())
            }
            _ => None,
        })
        .expect("a notice tells of the replace refs")
}

#[test]
fn grafting_the_root_onto_the_tip_is_never_followed() {
    let (dir, root, tip) = root_adds_the_secret();
    git(dir.path(), &["replace", "--graft", &root, &tip]);
    // Loose objects (read through gix), then packed (read by keyhound's pack reader).
    for packed in [false, true] {
        if packed {
            git(dir.path(), &["repack", "-adq"]);
        }
        let outcome = scan_history(dir.path());
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        assert!(outcome.is_complete());
        // root, readme, tip, and the replacement (the root with the tip as parent).
        assert_eq!(outcome.commits, 4);
        assert_eq!(
            found(&outcome),
            [("credentials".to_string(), Some(root.clone()))],
            "the root commit, as stored, adds the secret (packed: {packed})"
        );
        assert_eq!(replace_loops(&outcome), std::slice::from_ref(&root));
        let said = outcome.notices[0].to_string();
        assert!(said.contains("loop"), "{said}");
    }
}

#[test]
fn two_commits_replacing_each_other_are_read_as_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    let a = commit(dir.path(), &[("credentials", CREDENTIALS)], "a");
    let b = commit(dir.path(), &[("README", "hello\n")], "b");
    git(dir.path(), &["replace", &a, &b]);
    git(dir.path(), &["replace", &b, &a]);
    let outcome = scan_history(dir.path());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(outcome.commits, 2);
    assert_eq!(
        found(&outcome),
        [("credentials".to_string(), Some(a.clone()))]
    );
    // Applied, `a` would be `b` (whose parent is `a`): its own parent.
    assert_eq!(replace_loops(&outcome), [a]);
}

#[test]
fn a_grafts_file_that_loops_is_not_applied() {
    let (dir, root, tip) = root_adds_the_secret();
    std::fs::write(
        dir.path().join(".git/info/grafts"),
        format!("# a loop\n{root} {tip}\n"),
    )
    .expect("grafts written");
    let outcome = scan_history(dir.path());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(outcome.commits, 3);
    assert_eq!(
        found(&outcome),
        [("credentials".to_string(), Some(root.clone()))]
    );
    let root_id = ObjectId::from_hex(root.as_bytes()).expect("hex");
    assert_eq!(
        outcome.notices,
        [Notice::Grafts {
            count: 1,
            loops: vec![root_id]
        }]
    );
}

#[test]
fn a_mirror_clone_keeps_the_replace_refs_and_scans_all_the_same() {
    let (dir, root, tip) = root_adds_the_secret();
    git(dir.path(), &["replace", "--graft", &root, &tip]);
    let mirror = tempfile::tempdir().expect("temp dir");
    let source = dir.path().to_str().expect("UTF-8 temp path");
    git(
        mirror.path(),
        &["clone", "-q", "--mirror", source, "mirror.git"],
    );
    let bare = mirror.path().join("mirror.git");
    assert!(!git(&bare, &["for-each-ref", "refs/replace"]).is_empty());
    let outcome = scan_history(&bare);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(
        found(&outcome),
        [("credentials".to_string(), Some(root.clone()))]
    );
    assert_eq!(replace_loops(&outcome), [root]);
}

#[test]
fn a_root_commit_in_a_range_adds_every_file_it_holds() {
    let (dir, root, tip) = root_adds_the_secret();
    let repo = open(dir.path()).expect("opens");
    let (scanner, options) = (Scanner::default(), ScanOptions::default());
    // No remote-tracking branch: every commit of HEAD is new, the root included.
    let outcome = range_not_remotes(&repo, "HEAD", &scanner, &options).expect("scans");
    assert_eq!(
        found(&outcome),
        [("credentials".to_string(), Some(root.clone()))]
    );
    assert!(outcome.notices.is_empty());

    // The same with the root grafted onto the tip: a replace ref changes nothing.
    git(dir.path(), &["replace", "--graft", &root, &tip]);
    let repo = open(dir.path()).expect("opens");
    let outcome = range_not_remotes(&repo, "HEAD", &scanner, &options).expect("scans");
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(outcome.commits, 3);
    assert_eq!(
        found(&outcome),
        [("credentials".to_string(), Some(root.clone()))]
    );
    assert!(matches!(
        outcome.notices.as_slice(),
        [Notice::ReplaceRefs { count: 1, .. }]
    ));
}

#[test]
fn a_root_commit_of_an_unrelated_branch_is_added_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    let published = commit(dir.path(), &[("README", "hello\n")], "published");
    // What the remote has; then a branch with no history in common, whose root adds the key.
    git(
        dir.path(),
        &["update-ref", "refs/remotes/origin/main", &published],
    );
    git(dir.path(), &["checkout", "-q", "--orphan", "fresh"]);
    git(dir.path(), &["rm", "-rfq", "."]);
    let fresh_root = commit(dir.path(), &[("credentials", CREDENTIALS)], "fresh root");
    commit(dir.path(), &[("notes", "more\n")], "fresh tip");
    let repo = open(dir.path()).expect("opens");
    let (scanner, options) = (Scanner::default(), ScanOptions::default());
    let expected = [("credentials".to_string(), Some(fresh_root))];
    let outcome = range_not_remotes(&repo, "fresh", &scanner, &options).expect("scans");
    assert_eq!(outcome.commits, 2);
    assert_eq!(found(&outcome), expected);
    let outcome = range(&repo, "main..fresh", &scanner, &options).expect("scans");
    assert_eq!(found(&outcome), expected);
}

#[test]
fn a_replacement_commit_no_branch_reaches_is_scanned() {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    let first = commit(dir.path(), &[("README", "hello\n")], "first");
    // A commit only the replace ref reaches, whose tree holds the credentials.
    std::fs::write(dir.path().join("credentials"), CREDENTIALS).expect("written");
    git(dir.path(), &["add", "credentials"]);
    let tree = git(dir.path(), &["write-tree"]);
    git(dir.path(), &["rm", "-q", "--cached", "credentials"]);
    let hidden = git(dir.path(), &["commit-tree", &tree, "-m", "hidden"]);
    git(dir.path(), &["replace", &first, &hidden]);
    let outcome = scan_history(dir.path());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(found(&outcome), [("credentials".to_string(), Some(hidden))]);
}

#[test]
fn a_replacement_blob_or_tree_is_scanned_at_the_refs_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    commit(
        dir.path(),
        &[("README", "hello\n"), ("notes", "nothing\n")],
        "first",
    );
    std::fs::write(dir.path().join("credentials"), CREDENTIALS).expect("written");
    // The README's blob replaced by the credentials' blob.
    let readme = git(dir.path(), &["rev-parse", "HEAD:README"]);
    let secret = git(dir.path(), &["hash-object", "-w", "credentials"]);
    git(dir.path(), &["replace", &readme, &secret]);
    let outcome = scan_history(dir.path());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let blob_ref = format!("refs/replace/{readme}");
    assert_eq!(found(&outcome), [(blob_ref.clone(), None)]);

    // The root tree replaced by a tree holding the credentials (and the same README).
    git(dir.path(), &["replace", "-d", &readme]);
    git(dir.path(), &["add", "credentials"]);
    let tree = git(dir.path(), &["write-tree"]);
    let root_tree = git(dir.path(), &["rev-parse", "HEAD^{tree}"]);
    git(dir.path(), &["replace", &root_tree, &tree]);
    let outcome = scan_history(dir.path());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(
        found(&outcome),
        [(format!("refs/replace/{root_tree}:credentials"), None)]
    );
    // Content the commits hold stays theirs: the README is not the replacement's.
    assert_eq!(outcome.blobs, 3);
}

#[test]
fn a_blob_over_the_findings_cap_is_reported_as_not_completely_scanned() {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q"]);
    let ids: String = [
        "AKIATDL6PABMCTNRC77F",
        "AKIAJW2PXZCQRJFHSEZT",
        "AKIAQWZ7RNE3OSJHKV4D",
        "AKIAZ3MNPQ7RSTUV2WXY",
        "AKIAR2D4F6H7J3K5M6P2",
    ]
    .iter()
    .map(|id| format!("key = {id}\n"))
    .collect();
    commit(dir.path(), &[("keys.txt", &ids)], "five keys");
    let repo = open(dir.path()).expect("opens");

    let all = history(&repo, &Scanner::default(), &ScanOptions::default(), false);
    assert_eq!(all.findings.len(), 5);
    assert!(all.is_complete(), "{:?}", all.problems);

    let capped = Scanner::default().with_max_findings(2);
    let outcome = history(&repo, &capped, &ScanOptions::default(), false);
    assert!(
        !outcome.is_complete(),
        "a capped blob makes the scan incomplete"
    );
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    let problem = outcome.problems[0].to_string();
    assert!(
        problem.contains("keys.txt") && problem.contains("more than 2 findings"),
        "{problem}"
    );
    assert!(
        !outcome.findings.is_empty() && outcome.findings.len() <= 2,
        "the findings before the cap are kept: {}",
        outcome.findings.len()
    );
}
