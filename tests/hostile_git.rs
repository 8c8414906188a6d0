//! End-to-end tests of hostile input: replace refs, grafts and root commits in ranges.
//!
//! A replace ref that grafted the root commit onto the tip used to make `git history`
//! grow memory (about 1 GB/s) until the kernel killed it. Each run here is capped at
//! 4 GiB of address space: a runaway dies of it, and then fails the test (killed by a
//! signal) instead of taking the machine down.

use std::process::Command;

use crate::util::{self, credentials_file, finding_keys, Repo, Run, KEY_ID};

/// The address space a run may use, in KiB: far above what these tiny repositories need.
const ADDRESS_SPACE_KIB: u64 = 4 << 20;

/// Runs `keyhound <args…> --format json` in `dir` with its address space capped, and
/// parses stdout.
fn keyhound_capped(dir: &std::path::Path, args: &[&str]) -> (Run, serde_json::Value) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\" --format json"
        ))
        .arg(env!("CARGO_BIN_EXE_keyhound"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null());
    let run = util::run_in(dir, &mut cmd);
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is JSON ({err}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    });
    (run, json)
}

/// A repository whose root commit adds the credentials, kept until the tip, with the
/// root grafted onto the tip by a replace ref: (repo, root).
fn root_grafted_onto_tip() -> (Repo, String) {
    let repo = Repo::init();
    repo.write("credentials", credentials_file());
    let root = repo.commit_all("root");
    repo.write("README.md", "hello\n");
    repo.commit_all("readme");
    repo.write("notes", "more\n");
    let tip = repo.commit_all("tip");
    repo.git(&["replace", "--graft", &root, &tip]);
    (repo, root)
}

#[test]
fn history_of_a_replace_ref_loop_ends_and_finds_the_roots_secret() {
    let (repo, root) = root_grafted_onto_tip();
    let (run, json) = keyhound_capped(repo.path(), &["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), ["credentials:2:credential"]);
    assert_eq!(json["findings"][0]["commit"]["id"], root.as_str());
    assert!(
        run.stderr.contains("replace ref") && run.stderr.contains("loop"),
        "the run says a loop was broken: {}",
        run.stderr
    );
    assert!(run.stderr.contains(&root), "{}", run.stderr);
}

#[test]
fn history_of_a_mirror_clone_with_the_loop_ends_too() {
    let (repo, root) = root_grafted_onto_tip();
    let mirror = util::temp_dir();
    let source = repo.path().to_str().expect("UTF-8 temp path");
    let status = Command::new("git")
        .args(["clone", "-q", "--mirror", source, "mirror.git"])
        .current_dir(mirror.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("git runs");
    assert!(status.success());
    let bare = mirror.path().join("mirror.git");
    let (run, json) = keyhound_capped(&bare, &["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), ["credentials:2:credential"]);
    assert_eq!(json["findings"][0]["commit"]["id"], root.as_str());
    assert!(run.stderr.contains("loop"), "{}", run.stderr);
}

#[test]
fn history_of_two_commits_replacing_each_other_ends() {
    let repo = Repo::init();
    repo.write("credentials", credentials_file());
    let a = repo.commit_all("a");
    repo.write("README.md", "hello\n");
    let b = repo.commit_all("b");
    // Packed (git refuses to repack once the replace refs loop): the commits are read by
    // keyhound's own pack reader, not through gix.
    repo.git(&["repack", "-adq"]);
    repo.git(&["replace", &a, &b]);
    repo.git(&["replace", &b, &a]);
    let (run, json) = keyhound_capped(repo.path(), &["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), ["credentials:2:credential"]);
    assert_eq!(json["findings"][0]["commit"]["id"], a.as_str());
    assert!(run.stderr.contains("loop"), "{}", run.stderr);
}

#[test]
fn history_with_a_looping_grafts_file_ends() {
    let repo = Repo::init();
    repo.write("credentials", credentials_file());
    let root = repo.commit_all("root");
    repo.write("README.md", "hello\n");
    let tip = repo.commit_all("tip");
    util::write(repo.path(), ".git/info/grafts", format!("{root} {tip}\n"));
    let (run, json) = keyhound_capped(repo.path(), &["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), ["credentials:2:credential"]);
    assert_eq!(json["findings"][0]["commit"]["id"], root.as_str());
    assert!(
        run.stderr.contains("info/grafts") && run.stderr.contains("loop"),
        "{}",
        run.stderr
    );
}

#[test]
fn range_not_remotes_treats_the_root_commits_files_as_added() {
    let (repo, root) = root_grafted_onto_tip();
    let (run, json) = keyhound_capped(repo.path(), &["git", "range", "--not-remotes", "HEAD"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), ["credentials:2:credential"]);
    assert_eq!(json["findings"][0]["commit"]["id"], root.as_str());
    assert_eq!(json["findings"][0]["key_id"], KEY_ID, "{json}");
}

#[test]
fn a_blob_only_a_replace_ref_reaches_is_found() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("start");
    let readme = repo.git(&["rev-parse", "HEAD:README.md"]);
    repo.write("hidden", credentials_file());
    let hidden = repo.git(&["hash-object", "-w", "hidden"]);
    std::fs::remove_file(repo.path().join("hidden")).expect("removed");
    repo.git(&["replace", &readme, &hidden]);
    let (run, json) = keyhound_capped(repo.path(), &["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        [format!("refs/replace/{readme}:2:credential")]
    );
}
