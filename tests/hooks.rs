//! The hooks as git runs them: `keyhound install-hook`, then real `git commit`, `git merge`
//! and `git push` in temp repos (the hook finds the binary on PATH or through KEYHOUND),
//! and the pre-commit framework's `try-repo` on this repository.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::*;

/// How the hook finds the binary.
#[derive(Clone, Copy, Debug)]
enum Find {
    /// Its directory first on PATH.
    Path,
    /// `KEYHOUND=<path>`, with no `keyhound` anywhere on PATH.
    Env,
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_keyhound"))
}

/// PATH with the binary's directory first.
fn path_with_bin() -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs =
        std::iter::once(bin().parent().unwrap().to_path_buf()).chain(std::env::split_paths(&path));
    std::env::join_paths(dirs).unwrap()
}

/// PATH without any directory holding a `keyhound`, so only KEYHOUND can name it.
fn path_without_keyhound() -> OsString {
    let dirs = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|dir| !dir.join("keyhound").exists() && dir != bin().parent().unwrap())
        .collect::<Vec<_>>();
    std::env::join_paths(dirs).unwrap()
}

/// git in the repository as a user with keyhound installed runs it (hooks included).
fn git_run(repo: &Repo, find: Find, args: &[&str]) -> Run {
    let mut cmd = repo.git_command(args);
    cmd.stdin(Stdio::null())
        .env("GIT_EDITOR", "true")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("KEYHOUND");
    match find {
        Find::Path => cmd.env("PATH", path_with_bin()),
        Find::Env => cmd
            .env("PATH", path_without_keyhound())
            .env("KEYHOUND", bin()),
    };
    run_in(repo.path(), &mut cmd)
}

/// `keyhound install-hook <args…>` in `dir`.
fn install_hook(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, keyhound().arg("install-hook").args(args))
}

fn install(repo: &Repo, args: &[&str]) {
    let run = install_hook(repo.path(), args);
    assert_eq!(run.code, 0, "install-hook {args:?}: {}", run.stderr);
}

fn head(repo: &Repo) -> String {
    repo.git(&["rev-parse", "HEAD"])
}

fn shipped_hook(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("hooks").join(name)).unwrap()
}

/// The shipped hook as `install-hook` writes it: with the installing binary's path.
fn installed_hook(name: &str) -> String {
    let binary = std::fs::canonicalize(bin()).unwrap();
    let line = format!("installed='{}'", binary.display());
    let hook = shipped_hook(name);
    assert!(
        hook.contains("\ninstalled=''\n"),
        "{name} has the placeholder"
    );
    hook.replacen("installed=''", &line, 1)
}

fn assert_no_secret(run: &Run) {
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "the secret is printed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

/// The commit (or merge) was refused by the keyhound hook, with a redacted report.
fn assert_commit_refused(run: &Run, what: &str) {
    assert_ne!(
        run.code, 0,
        "{what} is refused:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("keyhound: commit refused") && run.stderr.contains("--no-verify"),
        "{what}: the hook says why and how to override:\n{}",
        run.stderr
    );
    assert_no_secret(run);
}

fn assert_ok(run: &Run, what: &str) {
    assert_eq!(
        run.code, 0,
        "{what} succeeds:\n{}\n{}",
        run.stdout, run.stderr
    );
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o111 == 0o111)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.exists()
}

/// A repository with one clean commit and the pre-commit hook installed.
fn repo_with_hook() -> Repo {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    install(&repo, &[]);
    repo
}

// --- pre-commit --------------------------------------------------------------------------

#[test]
fn install_hook_then_a_real_commit_of_a_key_is_refused() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");

    let run = install_hook(repo.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hook = repo.path().join(".git/hooks/pre-commit");
    assert!(
        run.stdout.contains("installed") && run.stdout.contains("pre-commit"),
        "{}",
        run.stdout
    );
    assert!(is_executable(&hook), "{} is executable", hook.display());
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        installed_hook("pre-commit")
    );
    // Installing again over our own hook is fine.
    assert_eq!(install_hook(repo.path(), &[]).code, 0);

    for find in [Find::Path, Find::Env] {
        let before = head(&repo);
        repo.write("config/credentials", credentials_file());
        repo.git(&["add", "config/credentials"]);
        let run = git_run(&repo, find, &["commit", "-m", "add credentials"]);
        assert_commit_refused(&run, &format!("{find:?}: a staged key"));
        assert!(
            run.stderr.contains("config/credentials:2"),
            "{find:?}: the finding is listed:\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(KEY_ID),
            "{find:?}: the key id is shown:\n{}",
            run.stderr
        );
        assert_eq!(head(&repo), before, "{find:?}: nothing was committed");

        // Take it out again; a clean change commits.
        repo.git(&["rm", "-q", "--cached", "config/credentials"]);
        std::fs::remove_file(repo.path().join("config/credentials")).unwrap();
        repo.write("src/main.py", format!("print('hello from {find:?}')\n"));
        repo.git(&["add", "src/main.py"]);
        let run = git_run(&repo, find, &["commit", "-m", "clean change"]);
        assert_ok(&run, &format!("{find:?}: a clean commit"));
        assert_ne!(head(&repo), before);
    }
}

#[test]
fn the_hook_fails_closed_when_keyhound_cannot_be_found() {
    let repo = repo_with_hook();
    repo.write("notes.txt", "nothing secret\n");
    repo.git(&["add", "notes.txt"]);
    let before = head(&repo);
    let mut cmd = repo.git_command(&["commit", "-m", "clean"]);
    cmd.stdin(Stdio::null())
        .env("PATH", path_without_keyhound())
        .env("KEYHOUND", repo.path().join("no-such-keyhound"));
    let run = run_in(repo.path(), &mut cmd);
    assert_ne!(
        run.code, 0,
        "a commit without the check is refused: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("not found") && run.stderr.contains("--no-verify"),
        "{}",
        run.stderr
    );
    assert_eq!(head(&repo), before);
    // --no-verify is the documented way around it.
    assert_ok(
        &git_run(&repo, Find::Env, &["commit", "--no-verify", "-m", "clean"]),
        "--no-verify",
    );
}

#[test]
fn commit_all_scans_git_s_temporary_index() {
    let repo = Repo::init();
    repo.write("app.ini", "[app]\nname = x\n");
    repo.commit_all("init");
    install(&repo, &[]);
    let before = head(&repo);

    // Only the work tree has the key: .git/index is clean, index.lock is not.
    repo.write(
        "app.ini",
        format!("[app]\nname = x\n{}", credentials_file()),
    );
    let run = git_run(&repo, Find::Path, &["commit", "-am", "update"]);
    assert_commit_refused(&run, "git commit -am with a key in a tracked file");
    assert!(run.stderr.contains("app.ini:4"), "{}", run.stderr);
    assert_eq!(head(&repo), before);

    // A clean modification commits the same way.
    repo.write("app.ini", "[app]\nname = y\n");
    assert_ok(
        &git_run(&repo, Find::Path, &["commit", "-am", "update"]),
        "a clean commit -am",
    );
}

#[test]
fn commit_of_paths_scans_git_s_next_index() {
    let repo = Repo::init();
    repo.write("app.ini", "[app]\n");
    repo.write("other.txt", "other\n");
    repo.commit_all("init");
    install(&repo, &[]);
    let before = head(&repo);

    // `git commit <path>` takes the path from the work tree, through next-index-*.lock.
    repo.write("app.ini", credentials_file());
    let run = git_run(&repo, Find::Env, &["commit", "-m", "update", "app.ini"]);
    assert_commit_refused(&run, "git commit app.ini");
    assert!(run.stderr.contains("app.ini:2"), "{}", run.stderr);
    assert_eq!(head(&repo), before);

    // The key left in app.ini's work tree copy is not part of `git commit other.txt`.
    repo.write("other.txt", "changed\n");
    assert_ok(
        &git_run(&repo, Find::Env, &["commit", "-m", "other", "other.txt"]),
        "git commit other.txt",
    );
    assert_eq!(repo.git(&["show", "HEAD:app.ini"]), "[app]");

    // Nor is a key staged in another file: `git commit <path>` leaves it out of the commit,
    // so the hook must read next-index-*.lock, not .git/index.
    repo.write("staged.env", credentials_file());
    repo.git(&["add", "staged.env"]);
    repo.write("other.txt", "changed again\n");
    let run = git_run(&repo, Find::Env, &["commit", "-m", "other", "other.txt"]);
    assert_ok(&run, "git commit other.txt with a key staged elsewhere");
    assert!(repo
        .git(&["ls-tree", "-r", "--name-only", "HEAD"])
        .lines()
        .all(|p| p != "staged.env"));
}

#[test]
fn partially_staged_files_are_judged_by_the_index() {
    // The key is staged, then removed from the work tree only: the commit would record it.
    let repo = repo_with_hook();
    let before = head(&repo);
    repo.write(
        "app.ini",
        format!("[app]\nname = x\n{}", credentials_file()),
    );
    repo.git(&["add", "app.ini"]);
    repo.write("app.ini", "[app]\nname = x\n");
    let run = git_run(&repo, Find::Path, &["commit", "-m", "app"]);
    assert_commit_refused(&run, "a key staged but gone from the work tree");
    assert!(
        run.stderr.contains("app.ini:4"),
        "the line is the index version's: {}",
        run.stderr
    );
    assert_eq!(head(&repo), before);

    // The inverse: the key only in an unstaged edit; the commit records the clean version.
    let repo = repo_with_hook();
    repo.write("app.ini", "[app]\nname = x\n");
    repo.git(&["add", "app.ini"]);
    repo.write(
        "app.ini",
        format!("[app]\nname = x\n{}", credentials_file()),
    );
    let run = git_run(&repo, Find::Path, &["commit", "-m", "app"]);
    assert_ok(&run, "a key only in the work tree");
    assert!(!repo.git(&["show", "HEAD:app.ini"]).contains(KEY_ID));
}

#[test]
fn a_commit_in_a_linked_worktree_is_checked() {
    let repo = repo_with_hook();
    let worktree = temp_dir();
    let wt_path = worktree.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "wt",
        wt_path.to_str().unwrap(),
    ]);
    write(&wt_path, "config/.env", credentials_file());
    let in_wt = |args: &[&str]| {
        let mut cmd = repo.git_command(args);
        cmd.current_dir(&wt_path)
            .stdin(Stdio::null())
            .env("PATH", path_with_bin())
            .env_remove("KEYHOUND");
        run_in(&wt_path, &mut cmd)
    };
    assert_ok(&in_wt(&["add", "config/.env"]), "git add");
    let run = in_wt(&["commit", "-m", "env"]);
    assert_commit_refused(&run, "a key committed in a linked worktree");
    assert!(run.stderr.contains("config/.env:2"), "{}", run.stderr);
}

// --- install-hook ------------------------------------------------------------------------

#[test]
fn install_hook_never_clobbers_a_different_hook_without_force() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    let theirs = "#!/bin/sh\necho their hook >&2\nexit 0\n";
    let hook = repo.path().join(".git/hooks/pre-commit");
    write(repo.path(), ".git/hooks/pre-commit", theirs);

    let run = install_hook(repo.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(".git/hooks/pre-commit"),
        "the file is named: {}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        theirs,
        "their hook is kept"
    );

    // Nor is a pre-commit hook written when the pre-push one is in the way.
    let repo2 = Repo::init();
    write(repo2.path(), ".git/hooks/pre-push", theirs);
    let run = install_hook(repo2.path(), &["--pre-push"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".git/hooks/pre-push"), "{}", run.stderr);
    assert!(
        !repo2.path().join(".git/hooks/pre-commit").exists(),
        "all or nothing"
    );
    assert_eq!(
        std::fs::read_to_string(repo2.path().join(".git/hooks/pre-push")).unwrap(),
        theirs
    );

    // --force replaces it, and the replacement works.
    let run = install_hook(repo.path(), &["--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        installed_hook("pre-commit")
    );
    assert!(is_executable(&hook));
    repo.write("creds", credentials_file());
    repo.git(&["add", "creds"]);
    assert_commit_refused(
        &git_run(&repo, Find::Path, &["commit", "-m", "creds"]),
        "after --force",
    );
}

#[test]
fn install_hook_honours_core_hooks_path_relative_to_the_work_tree() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.write("src/lib/mod.py", "pass\n");
    repo.commit_all("init");
    repo.git(&["config", "core.hooksPath", ".githooks"]);

    // Run from a subdirectory: the path is still relative to the top of the work tree.
    let run = install_hook(&repo.path().join("src/lib"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hook = repo.path().join(".githooks/pre-commit");
    assert!(
        is_executable(&hook),
        "{} is installed: {}",
        hook.display(),
        run.stdout
    );
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    assert!(!repo.path().join("src/lib/.githooks").exists());

    // git runs it from there.
    let before = head(&repo);
    repo.write(
        "src/settings.py",
        format!("AWS_ACCESS_KEY_ID = '{KEY_ID}'\nAWS_SECRET_ACCESS_KEY = '{SECRET}'\n"),
    );
    repo.git(&["add", "src/settings.py"]);
    let run = git_run(&repo, Find::Path, &["commit", "-m", "settings"]);
    assert_commit_refused(&run, "a commit with core.hooksPath");
    assert_eq!(head(&repo), before);

    // And through --repo, from elsewhere, with an absolute core.hooksPath.
    let repo = Repo::init();
    let hooks = temp_dir();
    repo.git(&["config", "core.hooksPath", hooks.path().to_str().unwrap()]);
    let elsewhere = temp_dir();
    let run = install_hook(
        elsewhere.path(),
        &["--repo", repo.path().to_str().unwrap(), "--pre-push"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(is_executable(&hooks.path().join("pre-commit")));
    assert!(is_executable(&hooks.path().join("pre-push")));
    assert_eq!(
        std::fs::read_to_string(hooks.path().join("pre-push")).unwrap(),
        installed_hook("pre-push")
    );
}

// --- merges ------------------------------------------------------------------------------

/// main and side edit the same line of a.txt; main is checked out.
fn conflicting_branches() -> Repo {
    let repo = Repo::init();
    repo.write("a.txt", "base\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("a.txt", "side\n");
    repo.commit_all("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", "main\n");
    repo.commit_all("main");
    repo
}

#[test]
fn a_key_added_while_resolving_a_merge_conflict_is_refused() {
    let repo = conflicting_branches();
    install(&repo, &[]);
    let before = head(&repo);
    let merge = git_run(&repo, Find::Path, &["merge", "side"]);
    assert_ne!(merge.code, 0, "the merge conflicts: {}", merge.stdout);
    assert!(repo.path().join(".git/MERGE_HEAD").exists());

    repo.write("a.txt", format!("main and side\n{}", credentials_file()));
    repo.git(&["add", "a.txt"]);
    let run = git_run(&repo, Find::Path, &["commit", "--no-edit"]);
    assert_commit_refused(&run, "a merge resolution that adds a key");
    assert!(run.stderr.contains("a.txt:3"), "{}", run.stderr);
    assert_eq!(head(&repo), before);
    assert!(
        repo.path().join(".git/MERGE_HEAD").exists(),
        "the merge is still in progress"
    );

    // A clean resolution concludes the merge.
    repo.write("a.txt", "main and side\n");
    repo.git(&["add", "a.txt"]);
    assert_ok(
        &git_run(&repo, Find::Path, &["commit", "--no-edit"]),
        "a clean resolution",
    );
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3,
        "a merge commit"
    );
}

#[test]
fn a_clean_merge_bringing_a_key_is_refused_by_pre_merge_commit() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    install(&repo, &[]);
    // install-hook writes pre-merge-commit too: git runs it for merges that do not conflict.
    assert_eq!(
        std::fs::read(repo.path().join(".git/hooks/pre-merge-commit")).unwrap(),
        std::fs::read(repo.path().join(".git/hooks/pre-commit")).unwrap(),
    );

    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("deploy/creds.ini", credentials_file());
    repo.git(&["add", "-A"]);
    // Committed deliberately past the hook, as a fetched branch would arrive.
    assert_ok(
        &git_run(&repo, Find::Path, &["commit", "--no-verify", "-m", "creds"]),
        "--no-verify",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "main work\n");
    repo.git(&["add", "main.txt"]);
    assert_ok(
        &git_run(&repo, Find::Path, &["commit", "-m", "main work"]),
        "a clean commit",
    );
    let before = head(&repo);

    let run = git_run(
        &repo,
        Find::Path,
        &["merge", "--no-ff", "--no-edit", "side"],
    );
    assert_commit_refused(&run, "git merge --no-ff of a branch with a key");
    assert!(run.stderr.contains("deploy/creds.ini:2"), "{}", run.stderr);
    assert_eq!(head(&repo), before, "no merge commit");

    // Without pre-merge-commit git concludes such a merge without running pre-commit at all:
    // the reason the same script is installed under both names.
    repo.git(&["merge", "--abort"]);
    std::fs::remove_file(repo.path().join(".git/hooks/pre-merge-commit")).unwrap();
    let run = git_run(
        &repo,
        Find::Path,
        &["merge", "--no-ff", "--no-edit", "side"],
    );
    assert_ok(&run, "the merge without pre-merge-commit");
    assert_ne!(head(&repo), before);
}

// --- pre-push ----------------------------------------------------------------------------

/// A repository with a bare `origin`, both hooks installed, and main pushed.
fn repo_with_remote() -> (Repo, tempfile::TempDir) {
    let remote = temp_dir();
    let status = Command::new("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(remote.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(status.success());
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    install(&repo, &["--pre-push"]);
    let hook = repo.path().join(".git/hooks/pre-push");
    assert!(is_executable(&hook));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        installed_hook("pre-push")
    );
    (repo, remote)
}

fn remote_ref(remote: &Path, name: &str) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--verify", "-q", name])
        .env("GIT_DIR", remote)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn assert_push_refused(run: &Run, what: &str) {
    assert_ne!(run.code, 0, "{what} is refused:\n{}", run.stderr);
    assert!(
        run.stderr.contains("keyhound: push refused") && run.stderr.contains("--no-verify"),
        "{what}: the hook says why:\n{}",
        run.stderr
    );
    // git passes a pre-push hook's stdout through as its own, which `--porcelain` readers parse.
    assert!(
        !run.stdout.contains("aws-credential"),
        "the report is on stderr, not stdout:\n{}",
        run.stdout
    );
    assert_no_secret(run);
}

/// Commits `contents` at `path` past the pre-commit hook.
fn commit_unchecked(repo: &Repo, path: &str, contents: &str, message: &str) -> String {
    repo.write(path, contents);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", message]);
    head(repo)
}

#[test]
fn pre_push_refuses_new_commits_that_add_a_key() {
    let (repo, remote) = repo_with_remote();
    // The first push of a branch, with no remote-tracking branch yet.
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "main"]),
        "a clean first push",
    );
    let pushed = head(&repo);
    assert_eq!(
        remote_ref(remote.path(), "main").as_deref(),
        Some(pushed.as_str())
    );

    // A key added, then removed again: the pushed commits still publish it.
    commit_unchecked(&repo, "config/credentials", &credentials_file(), "add key");
    commit_unchecked(
        &repo,
        "config/credentials",
        "[default]\nregion = eu-west-1\n",
        "remove key",
    );
    let run = git_run(&repo, Find::Path, &["push", "-q", "origin", "main"]);
    assert_push_refused(&run, "a push of a commit that adds a key");
    assert!(
        run.stderr.contains("config/credentials:2"),
        "{}",
        run.stderr
    );
    assert_eq!(
        remote_ref(remote.path(), "main").as_deref(),
        Some(pushed.as_str()),
        "nothing was pushed"
    );

    // Through KEYHOUND as well.
    let run = git_run(&repo, Find::Env, &["push", "-q", "origin", "main"]);
    assert_push_refused(&run, "KEYHOUND: a push of a commit that adds a key");

    // Rewritten out of the branch, the push passes.
    repo.git(&["reset", "-q", "--hard", &pushed]);
    commit_unchecked(
        &repo,
        "config/credentials",
        "[default]\nregion = eu-west-1\n",
        "config",
    );
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "main"]),
        "a clean push",
    );
    assert_eq!(remote_ref(remote.path(), "main"), Some(head(&repo)));
}

#[test]
fn pre_push_checks_new_branches_and_every_pushed_ref() {
    let (repo, remote) = repo_with_remote();
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "main"]),
        "a clean first push",
    );

    // A new branch whose own commit adds a key.
    repo.git(&["checkout", "-q", "-b", "z-feature"]);
    commit_unchecked(&repo, "app/.env", &credentials_file(), "env");
    let run = git_run(&repo, Find::Path, &["push", "-q", "origin", "z-feature"]);
    assert_push_refused(&run, "a new branch with a key");
    assert!(run.stderr.contains("app/.env:2"), "{}", run.stderr);
    assert_eq!(remote_ref(remote.path(), "z-feature"), None);

    // Two refs in one push: the clean one first, the key in the second.
    repo.git(&["checkout", "-q", "-b", "a-clean", "main"]);
    commit_unchecked(&repo, "docs/a.md", "docs\n", "docs");
    let run = git_run(
        &repo,
        Find::Path,
        &["push", "-q", "origin", "a-clean", "z-feature"],
    );
    assert_push_refused(&run, "a push of a clean ref and a ref with a key");
    assert!(
        run.stderr.contains("z-feature"),
        "the ref is named: {}",
        run.stderr
    );
    assert_eq!(remote_ref(remote.path(), "z-feature"), None);

    // A tag on the key's commit is refused as well.
    repo.git(&["tag", "-a", "-m", "v1", "v1", "z-feature"]);
    let run = git_run(&repo, Find::Path, &["push", "-q", "origin", "v1"]);
    assert_push_refused(&run, "an annotated tag on a commit with a key");

    // Deleting a remote branch publishes nothing.
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "a-clean"]),
        "a clean new branch",
    );
    assert_ok(
        &git_run(
            &repo,
            Find::Path,
            &["push", "-q", "origin", "--delete", "a-clean"],
        ),
        "a deletion",
    );
    assert_eq!(remote_ref(remote.path(), "a-clean"), None);
}

#[test]
fn pre_push_lets_through_commits_a_remote_already_has() {
    let (repo, remote) = repo_with_remote();
    // The key reached the remote deliberately, past the hook.
    commit_unchecked(&repo, "config/credentials", &credentials_file(), "add key");
    assert_ok(
        &git_run(
            &repo,
            Find::Path,
            &["push", "-q", "--no-verify", "origin", "main"],
        ),
        "--no-verify",
    );

    // A new branch at a commit origin/main has: nothing new is published.
    repo.git(&["branch", "copy", "main"]);
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "copy"]),
        "a new branch of pushed commits",
    );
    assert_eq!(remote_ref(remote.path(), "copy"), Some(head(&repo)));

    // A clean commit on top is all an update sends.
    commit_unchecked(&repo, "docs/a.md", "docs\n", "docs");
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "main"]),
        "a clean update",
    );

    // A new branch based on it, with a new clean commit: only that commit is scanned.
    repo.git(&["checkout", "-q", "-b", "topic"]);
    commit_unchecked(&repo, "docs/b.md", "more docs\n", "docs");
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "topic"]),
        "a new branch on pushed commits",
    );
}

#[test]
fn pre_push_of_a_forced_update_over_an_unknown_remote_commit_is_still_checked() {
    let (repo, remote) = repo_with_remote();
    assert_ok(
        &git_run(&repo, Find::Path, &["push", "-q", "origin", "main"]),
        "a clean first push",
    );
    let base = head(&repo);

    // Someone else moves origin/main to a commit this clone has never seen.
    let other = temp_dir();
    let clone = Command::new("git")
        .args(["clone", "-q"])
        .arg(remote.path())
        .arg(other.path().join("c"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(clone.success());
    let git_other = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=O", "-c", "user.email=o@example.com"])
            .args(args)
            .current_dir(other.path().join("c"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    write(&other.path().join("c"), "theirs.txt", "theirs\n");
    git_other(&["add", "theirs.txt"]);
    git_other(&["commit", "-q", "-m", "theirs"]);
    git_other(&["push", "-q", "origin", "main"]);
    let theirs = remote_ref(remote.path(), "main").unwrap();
    assert_ne!(theirs, base);

    // Our forced push names their commit as the remote's: the hook cannot use it as a base.
    commit_unchecked(&repo, "config/credentials", &credentials_file(), "add key");
    let run = git_run(
        &repo,
        Find::Path,
        &["push", "-q", "--force", "origin", "main"],
    );
    assert_push_refused(&run, "a forced push over an unknown commit");
    assert!(
        run.stderr.contains("refused (exit 1)"),
        "for the key, not for the unknown base: {}",
        run.stderr
    );
    assert_eq!(remote_ref(remote.path(), "main"), Some(theirs.clone()));

    // The same forced push without the key goes through.
    repo.git(&["reset", "-q", "--hard", &base]);
    commit_unchecked(&repo, "ours.txt", "ours\n", "ours");
    let run = git_run(
        &repo,
        Find::Path,
        &["push", "-q", "--force", "origin", "main"],
    );
    assert_ok(&run, "a clean forced push over an unknown commit");
    assert_eq!(remote_ref(remote.path(), "main"), Some(head(&repo)));
}

// --- the pre-commit framework ----------------------------------------------------------------

/// The pre-commit framework's command (`.ci/run` installs it from PyPI): `pre-commit` on
/// PATH, else `python3 -m pre_commit`; `None` when neither runs (said through
/// [`missing_prerequisite`]: a failure under CI). Nothing is installed here: tests reach
/// no network.
fn pre_commit_command() -> Option<Vec<OsString>> {
    let candidates: [&[&str]; 2] = [&["pre-commit"], &["python3", "-m", "pre_commit"]];
    let mut tried = Vec::new();
    for candidate in candidates {
        let output = Command::new(candidate[0])
            .args(&candidate[1..])
            .arg("--version")
            .stdin(Stdio::null())
            .output();
        match output {
            Ok(output) if output.status.success() => {
                return Some(candidate.iter().map(OsString::from).collect());
            }
            Ok(output) => tried.push(format!(
                "`{} --version`: {}",
                candidate.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            )),
            Err(err) => tried.push(format!("`{}`: {err}", candidate.join(" "))),
        }
    }
    missing_prerequisite(
        "the pre-commit framework test",
        &format!(
            "pre-commit is not installed (`pip install pre-commit`): {}",
            tried.join("; ")
        ),
    );
    None
}

/// A directory holding a `cargo` that stands in for the real one when pre-commit builds
/// the hook. pre-commit's `language: rust` runs `cargo install --bins --root ENV --path .`
/// with `CARGO_HOME=ENV`, an empty directory, where cargo would download the registry
/// index and every crate: network. This `cargo` runs the real one with the arguments
/// pre-commit gave, but with the machine's CARGO_HOME (whose registry cache the
/// workspace's own build filled) and offline. Each call's arguments are appended to
/// `calls` in the same directory, for the test to check that the build went through it.
fn offline_cargo(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    // The cargo running these tests; else the first on PATH (not this stand-in itself).
    let real = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .map(|dir| dir.join("cargo"))
                .find(|cargo| cargo.is_file())
                .expect("cargo is on PATH")
        });
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cargo"),
        PathBuf::from,
    );
    let quote = |path: &Path| format!("'{}'", path.display().to_string().replace('\'', "'\\''"));
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\n\
         echo \"$*\" >>{calls}\n\
         CARGO_HOME={home} CARGO_NET_OFFLINE=true exec {real} \"$@\"\n",
        calls = quote(&dir.join("calls")),
        home = quote(&home),
        real = quote(&real),
    );
    let cargo = bin.join("cargo");
    std::fs::write(&cargo, script).unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// A committed copy of this repository's work tree (tracked and untracked, not ignored
/// files), so that `try-repo` sees exactly what is checked out, uncommitted changes included.
fn snapshot_of_this_repository() -> Repo {
    let root = repo_root();
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(&root)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "{} is a git checkout: {}",
        root.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let snapshot = Repo::init();
    let mut copied = 0;
    for name in output.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).expect("UTF-8 paths in this repository");
        let from = root.join(name);
        let Ok(meta) = std::fs::symlink_metadata(&from) else {
            continue;
        }; // deleted, not yet staged
        if !meta.is_file() {
            continue;
        }
        let to = snapshot.path().join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
        copied += 1;
    }
    assert!(copied > 10 && snapshot.path().join(".pre-commit-hooks.yaml").exists());
    snapshot.commit_all("snapshot");
    snapshot
}

#[test]
fn pre_commit_framework_try_repo_blocks_a_staged_key() {
    let Some(pre_commit) = pre_commit_command() else {
        return;
    };
    let started = Instant::now();
    let tmp = temp_dir();
    let shim = offline_cargo(&tmp.path().join("cargo-shim"));
    let hook_repo = snapshot_of_this_repository();
    // Kept between runs, beside the tests' other temp files, so cargo install is quick
    // after the first time.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path =
        std::env::join_paths(std::iter::once(shim.clone()).chain(std::env::split_paths(&path)))
            .unwrap();

    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    let try_repo = |repo: &Repo| {
        // cargo install takes minutes on a cold target dir: at the lowest priority, so that
        // the tests running beside it keep their pace.
        let mut cmd = Command::new("nice");
        cmd.args(["-n", "19"])
            .args(&pre_commit)
            .arg("try-repo")
            .arg(hook_repo.path())
            .args(["keyhound", "--verbose", "--color", "never"])
            .stdin(Stdio::null())
            .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
            .env("PATH", &path)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("KEYHOUND")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE");
        // Cargo's variables for this test process are not the install's.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if (name.starts_with("CARGO_") && name != "CARGO_HOME") || name == "CARGO" {
                cmd.env_remove(&*name);
            }
        }
        cmd.env("CARGO_TARGET_DIR", &target);
        // A quick, unoptimised build: the hook only has to run on a tiny repository.
        cmd.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "64")
            .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true");
        run_in(repo.path(), &mut cmd)
    };

    repo.write("config/credentials", credentials_file());
    repo.git(&["add", "config/credentials"]);
    let run = try_repo(&repo);
    let first = started.elapsed();
    let calls = std::fs::read_to_string(shim.parent().unwrap().join("calls")).unwrap_or_default();
    assert!(
        calls.lines().any(|call| call.starts_with("install ")),
        "pre-commit built the hook with the offline cargo (calls: {calls:?}):\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(
        run.code, 1,
        "a staged key fails the hook:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains("keyhound") && run.stdout.contains("Failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("config/credentials:2"),
        "the finding is listed:\n{}",
        run.stdout
    );
    assert_no_secret(&run);

    // A clean staged change passes.
    repo.git(&["rm", "-q", "--cached", "config/credentials"]);
    std::fs::remove_file(repo.path().join("config/credentials")).unwrap();
    repo.write("src/app.py", "print('hello')\n");
    repo.git(&["add", "src/app.py"]);
    let run = try_repo(&repo);
    assert_eq!(
        run.code, 0,
        "a clean change passes:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.contains("Passed"), "{}", run.stdout);
    eprintln!(
        "pre-commit try-repo: first run (cargo install) {first:?}, total {:?}",
        started.elapsed()
    );
}

// --- a hook where git runs without the user's PATH ------------------------------------------

/// git in `repo` as a GUI client runs it: `env -i PATH=/usr/bin:/bin`, nothing else.
fn git_bare_env(repo: &Repo, args: &[&str]) -> Run {
    let mut cmd = Command::new("/usr/bin/env");
    cmd.args(["-i", "PATH=/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM=1", "git"])
        .args(args)
        .stdin(Stdio::null());
    run_in(repo.path(), &mut cmd)
}

#[test]
fn an_installed_hook_runs_the_installing_binary_without_path_or_keyhound() {
    assert!(
        !Path::new("/usr/bin/keyhound").exists() && !Path::new("/bin/keyhound").exists(),
        "this test needs no keyhound in /usr/bin or /bin"
    );
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    let run = install_hook(repo.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let binary = std::fs::canonicalize(bin()).unwrap();
    assert!(
        run.stdout.contains(&*binary.to_string_lossy()) && run.stdout.contains("KEYHOUND"),
        "install-hook says which binary the hook runs, and what overrides it:\n{}",
        run.stdout
    );

    // A clean commit passes, a key is refused: the hook ran the binary it names.
    repo.write("src/app.py", "print('hello')\n");
    repo.git(&["add", "src/app.py"]);
    let before = head(&repo);
    let run = git_bare_env(&repo, &["commit", "-q", "-m", "clean"]);
    assert_ok(&run, "a clean commit under env -i");
    assert_ne!(head(&repo), before);

    repo.write("config/credentials", credentials_file());
    repo.git(&["add", "config/credentials"]);
    let before = head(&repo);
    let run = git_bare_env(&repo, &["commit", "-q", "-m", "key"]);
    assert_commit_refused(&run, "a key under env -i");
    assert!(
        run.stderr.contains("config/credentials:2"),
        "{}",
        run.stderr
    );
    assert_eq!(head(&repo), before);

    // KEYHOUND still wins over the written path: a wrong one fails closed.
    let mut cmd = Command::new("/usr/bin/env");
    cmd.args([
        "-i",
        "PATH=/usr/bin:/bin",
        "KEYHOUND=/nonexistent/keyhound",
        "git",
        "commit",
        "-q",
        "-m",
        "key",
    ])
    .stdin(Stdio::null());
    let run = run_in(repo.path(), &mut cmd);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("not found"), "{}", run.stderr);
    assert_eq!(head(&repo), before);
}

#[test]
fn install_hook_help_explains_keyhound_and_path() {
    let run = run_in(Path::new("."), keyhound().args(["install-hook", "--help"]));
    assert_eq!(run.code, 0);
    for needle in ["KEYHOUND", "PATH", "absolute path", "--force"] {
        assert!(run.stdout.contains(needle), "{needle}:\n{}", run.stdout);
    }
}

// --- the pre-commit framework in every stage -----------------------------------------------

/// The environment pre-commit and git run in for these tests: their own pre-commit home
/// under `tmp`, this build's `keyhound` on PATH, no system or global git configuration,
/// and nothing git sets for a hook inherited from the test's own environment.
fn framework_env(cmd: &mut Command, tmp: &Path) {
    cmd.stdin(Stdio::null())
        .env("PRE_COMMIT_HOME", tmp.join("pre-commit-home"))
        .env("PATH", path_with_bin())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("KEYHOUND")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE");
}

/// A hook repository holding only this checkout's `.pre-commit-hooks.yaml`, committed:
/// its `keyhound-system` hook runs the `keyhound` on PATH, so nothing is built.
fn hook_manifest_repo() -> (Repo, String) {
    let hooks = Repo::init();
    let manifest = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    hooks.write(".pre-commit-hooks.yaml", manifest);
    let rev = hooks.commit_all("hooks");
    (hooks, rev)
}

/// pre-commit splits a long list of files among several runs of the hook (as xargs
/// does): a commit of thousands of files reports its one key once, not once a run.
#[test]
fn pre_commit_splitting_a_long_commit_reports_each_key_once() {
    let Some(pre_commit) = pre_commit_command() else {
        return;
    };
    let tmp = temp_dir();
    let (hooks, rev) = hook_manifest_repo();
    let repo = Repo::init();
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n- repo: {}\n  rev: {rev}\n  hooks:\n  - id: keyhound-system\n",
            hooks.path().display()
        ),
    );
    repo.commit_all("hooks");
    // 3,000 names of about 80 bytes: 240 kB of arguments, past pre-commit's 128 KiB.
    for i in 0..3000 {
        repo.write(
            &format!("generated/module-{i:04}/a-file-with-a-long-enough-name-to-fill-lines.txt"),
            "nothing to see\n",
        );
    }
    repo.write("generated/module-1500/settings.env", credentials_file());
    repo.git(&["add", "-A"]);
    let env = |cmd: &mut Command| framework_env(cmd, tmp.path());
    let mut install = Command::new(&pre_commit[0]);
    install.args(&pre_commit[1..]).arg("install");
    env(&mut install);
    assert_eq!(run_in(repo.path(), &mut install).code, 0);
    let before = head(&repo);
    let mut commit = repo.git_command(&["commit", "-q", "-m", "many files and a key"]);
    env(&mut commit);
    let run = run_in(repo.path(), &mut commit);
    assert_ne!(run.code, 0, "the key is refused:\n{}", run.stdout);
    assert_eq!(head(&repo), before);
    let said = format!("{}{}", run.stdout, run.stderr);
    let runs = said.matches(" scanned in ").count();
    assert!(
        runs >= 2,
        "pre-commit split the files among runs ({runs}):\n{said}"
    );
    assert_eq!(
        said.matches("generated/module-1500/settings.env:2").count(),
        1,
        "the key is reported once:\n{said}"
    );
    assert_no_secret(&run);
}

#[test]
fn pre_commit_framework_checks_what_each_stage_asks_for() {
    let Some(pre_commit) = pre_commit_command() else {
        return;
    };
    let tmp = temp_dir();
    let (hooks, rev) = hook_manifest_repo();
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.write("config/credentials", credentials_file());
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "default_install_hook_types: [pre-commit, pre-push]\n\
             repos:\n\
             - repo: {}\n  rev: {rev}\n  hooks:\n  - id: keyhound-system\n",
            hooks.path().display()
        ),
    );
    repo.commit_all("a key, committed before any hook");
    let env = |cmd: &mut Command| framework_env(cmd, tmp.path());
    let pre_commit_run = |args: &[&str]| {
        let mut cmd = Command::new(&pre_commit[0]);
        cmd.args(&pre_commit[1..])
            .arg("run")
            .args(args)
            .args(["--color", "never"]);
        env(&mut cmd);
        run_in(repo.path(), &mut cmd)
    };

    // What CI and pre-commit.ci run: the committed key fails, whichever stage.
    for args in [
        &["--all-files"][..],
        &["--all-files", "--hook-stage", "manual"],
        &["--files", "config/credentials"],
    ] {
        let run = pre_commit_run(args);
        assert_eq!(run.code, 1, "{args:?}:\n{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("config/credentials:2") && run.stdout.contains("Failed"),
            "{args:?}: the finding is listed:\n{}",
            run.stdout
        );
        assert_no_secret(&run);
    }
    let run = pre_commit_run(&["--files", "README.md"]);
    assert_eq!(run.code, 0, "a clean file passes:\n{}", run.stdout);

    // Installed as git hooks: a commit is judged by what it adds.
    let mut cmd = Command::new(&pre_commit[0]);
    cmd.args(&pre_commit[1..]).arg("install");
    env(&mut cmd);
    let run = run_in(repo.path(), &mut cmd);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let git = |args: &[&str]| {
        let mut cmd = repo.git_command(args);
        env(&mut cmd);
        run_in(repo.path(), &mut cmd)
    };
    repo.write("src/app.py", "print('hello')\n");
    repo.git(&["add", "src/app.py"]);
    let before = head(&repo);
    let run = git(&["commit", "-q", "-m", "clean"]);
    assert_eq!(
        run.code, 0,
        "a clean commit passes beside a committed key:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert_ne!(head(&repo), before);

    repo.write(
        "deploy/.env",
        format!("AWS_ACCESS_KEY_ID={KEY_ID_2}\nAWS_SECRET_ACCESS_KEY={SECRET_2}\n"),
    );
    repo.git(&["add", "deploy/.env"]);
    let before = head(&repo);
    let run = git(&["commit", "-q", "-m", "key"]);
    assert_ne!(run.code, 0, "a commit adding a key fails:\n{}", run.stdout);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("deploy/.env:1"), "{said}");
    assert!(
        !said.contains("config/credentials"),
        "only what the commit adds:\n{said}"
    );
    assert_eq!(head(&repo), before);
    assert!(!said.contains(SECRET_2));

    // The pre-push stage: a key committed past the hook is caught when pushed.
    let remote = temp_dir();
    let status = Command::new("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(remote.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(status.success());
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    // The history so far (its key included) is already published, past the hook.
    let run = git(&["push", "-q", "--no-verify", "origin", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let published = head(&repo);
    repo.git(&["commit", "-q", "--no-verify", "-m", "key, unchecked"]);
    let run = git(&["push", "-q", "origin", "main"]);
    assert_ne!(run.code, 0, "the pushed key is refused:\n{}", run.stderr);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("deploy/.env:1"), "{said}");
    assert!(
        !said.contains("config/credentials"),
        "only the pushed commits:\n{said}"
    );
    assert!(!said.contains(SECRET_2));
    assert_eq!(
        remote_ref(remote.path(), "main").as_deref(),
        Some(published.as_str())
    );

    // A clean commit on top of what the remote has pushes.
    repo.git(&["rm", "-q", "deploy/.env"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "take it out"]);
    repo.git(&["reset", "-q", "--hard", &published]);
    repo.write("docs.md", "clean\n");
    repo.git(&["add", "docs.md"]);
    let run = git(&["commit", "-q", "-m", "docs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = git(&["push", "-q", "origin", "main"]);
    assert_eq!(
        run.code, 0,
        "a clean push passes:\n{}\n{}",
        run.stdout, run.stderr
    );
}
