//! `keyhound git history | range | staged` on real repositories made with the git CLI.

use crate::util::*;

const PNG_HEADER: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

fn staged(repo: &Repo, extra: &[&str]) -> (Run, serde_json::Value) {
    repo.keyhound_json(&[&["git", "staged"][..], extra].concat())
}

// --- staged ---------------------------------------------------------------------------

#[test]
fn staged_first_commit_blocks_in_sha1_and_sha256_repos() {
    for format in [&[][..], &["--object-format=sha256"][..]] {
        let repo = Repo::init_with(format);
        repo.write("config/.env", credentials_file());
        repo.git(&["add", "-A"]);
        let (run, json) = staged(&repo, &[]);
        assert_eq!(run.code, 1, "{format:?}: {}", run.stderr);
        assert_eq!(
            finding_keys(&json),
            vec!["config/.env:2:credential"],
            "{format:?}"
        );
        assert_eq!(
            json["findings"][0]["blob"].as_str().unwrap().len(),
            if format.is_empty() { 40 } else { 64 }
        );
    }
}

#[test]
fn staged_reads_the_index_not_the_work_tree() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    // Staged with the key on line 3, then removed from the work tree only.
    repo.write(
        "app.ini",
        format!("[app]\nname = x\n{}", credentials_file()),
    );
    repo.git(&["add", "app.ini"]);
    repo.write("app.ini", "[app]\nname = x\n");
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["app.ini:4:credential"]);

    // The inverse: the key only in an unstaged work-tree edit.
    let repo = Repo::init();
    repo.write("app.ini", "[app]\n");
    repo.commit_all("init");
    repo.write("app.ini", credentials_file());
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(finding_keys(&json), Vec::<String>::new());
}

#[test]
fn staged_honours_git_index_file() {
    let repo = Repo::init();
    repo.write("a.txt", "a\n");
    repo.commit_all("init");
    // Another index (as `git commit -a` uses index.lock) holding the key.
    repo.write("leak.env", credentials_file());
    let other_index = repo.path().join(".git/other-index");
    let mut add = repo.git_command(&["add", "leak.env"]);
    add.env("GIT_INDEX_FILE", &other_index);
    assert!(add.status().unwrap().success());
    let (run, _) = staged(&repo, &[]);
    assert_eq!(run.code, 0, "the default index has nothing new");
    let run = run_in(
        repo.path(),
        keyhound()
            .args(["git", "staged"])
            .env("GIT_INDEX_FILE", ".git/other-index"),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// Inside a commit the pre-commit framework passes the commit's files, split among
/// several runs of the hook when the list is long: each run reports its own files only.
#[test]
fn staged_in_a_commit_reports_only_the_files_it_is_given() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    repo.write("a.env", credentials_file());
    repo.write("sub/b.env", credentials_file());
    repo.git(&["add", "-A"]);
    let in_commit = |dir: &std::path::Path, files: &[&str]| {
        let run = run_in(
            dir,
            keyhound()
                .args(["git", "staged", "--format", "json"])
                .args(files)
                .env("GIT_INDEX_FILE", repo.path().join(".git/index")),
        );
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
        (run, finding_keys(&json))
    };
    let (run, found) = in_commit(repo.path(), &["a.env"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(found, vec!["a.env:2:credential"]);
    let (_, found) = in_commit(repo.path(), &["README.md", "./sub/../sub/b.env"]);
    assert_eq!(found, vec!["sub/b.env:2:credential"]);
    let (run, found) = in_commit(&repo.path().join("sub"), &["b.env", "../a.env"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(found, vec!["a.env:2:credential", "sub/b.env:2:credential"]);
    let (run, found) = in_commit(repo.path(), &["README.md"]);
    assert_eq!((run.code, found), (0, vec![]), "{}", run.stderr);
    // No files (a hook run by git itself): every staged change.
    let (_, found) = in_commit(repo.path(), &[]);
    assert_eq!(found.len(), 2);
}

#[test]
fn staged_pure_rename_is_not_new_unless_whole_files_are_asked_for() {
    let repo = Repo::init();
    repo.write("old/creds.ini", credentials_file());
    repo.commit_all("an old leak");
    repo.git(&["mv", "old/creds.ini", "new-creds.ini"]);
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["stats"]["git"]["blobs"], 0);
    let (run, json) = staged(&repo, &["--scan-whole-staged-files"]);
    assert_eq!(run.code, 1);
    assert_eq!(finding_keys(&json), vec!["new-creds.ini:2:credential"]);
}

#[test]
fn staged_deletions_and_moved_lines_add_nothing() {
    let repo = Repo::init();
    repo.write("creds.ini", credentials_file());
    repo.write("other.txt", "x\n");
    repo.commit_all("an old leak");
    // Moving the key's lines around is not adding a key.
    repo.write("creds.ini", format!("# moved\n\n{}", credentials_file()));
    repo.git(&["rm", "-q", "other.txt"]);
    repo.git(&["add", "-A"]);
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        json["stats"]["git"]["blobs"], 1,
        "only the changed blob is read"
    );
    assert_eq!(finding_keys(&json), Vec::<String>::new());
}

#[test]
fn staged_binary_utf16_symlink_submodule_and_lfs() {
    let repo = Repo::init();
    repo.write("README.md", "hi\n");
    repo.commit_all("init");
    let mut png = PNG_HEADER.to_vec();
    png.extend_from_slice(format!("\0tEXt\0{KEY_ID}\0{SECRET}\0").as_bytes());
    repo.write("logo.png", png);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(credentials_file().encode_utf16().flat_map(u16::to_le_bytes));
    repo.write("win/setup.ps1", utf16);
    // A symlink to a credentials file outside the repository: never followed.
    let outside = temp_dir();
    write(
        outside.path(),
        "credentials",
        format!("aws_access_key_id = {KEY_ID_2}\naws_secret_access_key = {SECRET_2}\n"),
    );
    std::os::unix::fs::symlink(
        outside.path().join("credentials"),
        repo.path().join("creds-link"),
    )
    .unwrap();
    // An LFS pointer and a submodule (gitlink) entry.
    repo.write("big.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n");
    repo.git(&["add", "-A"]);
    let gitlink = "160000,1111111111111111111111111111111111111111,vendor/lib";
    repo.git(&["update-index", "--add", "--cacheinfo", gitlink]);

    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The PNG header holds two newlines before the text chunk.
    assert_eq!(
        finding_keys(&json),
        vec!["logo.png:3:credential", "win/setup.ps1:2:credential"]
    );
    let png = &json["findings"][0];
    assert_eq!(png["binary"], true);
    assert_eq!(json["findings"][1]["encoding"], "utf-16le");
    assert!(
        !run.stdout.contains(&KEY_ID_2[..12]),
        "the symlink target is never read"
    );
    let mut not_scanned: Vec<String> = json["stats"]["git"]["not_scanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["path"].as_str().unwrap(),
                e["reason"].as_str().unwrap()
            )
        })
        .collect();
    not_scanned.sort();
    assert_eq!(
        not_scanned,
        vec!["big.bin:lfs-pointer", "vendor/lib:submodule"]
    );
    assert_eq!(json["stats"]["symlinks_skipped"], 1);
}

#[test]
fn staged_cost_follows_the_change() {
    let repo = Repo::init();
    for dir in 0..30 {
        for file in 0..100 {
            repo.write(
                &format!("src/d{dir}/f{file}.txt"),
                format!("file {dir} {file}\n"),
            );
        }
    }
    repo.commit_all("3000 files");
    repo.write("src/d7/f42.txt", credentials_file());
    repo.git(&["add", "-A"]);
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        json["stats"]["git"]["blobs"], 1,
        "one changed file, one blob read"
    );
    assert_eq!(finding_keys(&json), vec!["src/d7/f42.txt:2:credential"]);
}

#[test]
fn staged_conflict_resolution_that_adds_a_key_is_caught() {
    let repo = Repo::init();
    repo.write("settings.ini", "[aws]\nregion = us-east-1\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("settings.ini", "[aws]\nregion = eu-west-1\n");
    repo.commit_all("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("settings.ini", "[aws]\nregion = us-west-2\n");
    repo.commit_all("main");
    let merge = repo.git_command(&["merge", "-q", "side"]).output().unwrap();
    assert!(!merge.status.success(), "the merge conflicts");
    repo.write(
        "settings.ini",
        format!("[aws]\nregion = us-west-2\n{}", credentials_file()),
    );
    repo.git(&["add", "settings.ini"]);
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["settings.ini:4:credential"]);
}

// --- history ----------------------------------------------------------------------------

#[test]
fn history_finds_a_key_deleted_later_with_its_commit() {
    let repo = Repo::init();
    repo.write("README.md", "hi\n");
    repo.commit_all("init");
    repo.write("deploy/.env", credentials_file());
    let leak = repo.commit_all("add deploy env");
    repo.git(&["rm", "-q", "deploy/.env"]);
    repo.commit_all("remove it");
    let (run, json) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["deploy/.env:2:credential"]);
    let finding = &json["findings"][0];
    assert_eq!(finding["commit"]["id"], leak.as_str());
    assert_eq!(finding["commit"]["author"], "Dev");
    assert_eq!(finding["commit"]["email"], "dev@example.com");
    assert_eq!(finding["commit"]["date"], "2024-01-02T03:04:05Z");
    assert_eq!(json["stats"]["git"]["commits"], 3);
    // The human report names the commit too.
    let human = run_in(repo.path(), keyhound().args(["git", "history"]));
    assert!(
        human.stdout.contains(&format!(
            "commit  {leak} Dev <dev@example.com> 2024-01-02T03:04:05Z"
        )),
        "{}",
        human.stdout
    );
}

#[test]
fn history_covers_side_branches_tags_and_the_stash() {
    let repo = Repo::init();
    repo.write("README.md", "hi\n");
    repo.commit_all("init");
    // Only on a side branch.
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("side.env", credentials_file());
    repo.commit_all("side");
    repo.git(&["checkout", "-q", "main"]);
    // Only in a tag (a detached commit that only the tag keeps).
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write(
        "tagged.env",
        format!("aws_access_key_id = {KEY_ID_2}\naws_secret_access_key = {SECRET_2}\n"),
    );
    repo.commit_all("tagged");
    repo.git(&["tag", "-a", "v1", "-m", "v1"]);
    repo.git(&["checkout", "-q", "main"]);
    // Only in the stash.
    repo.write("README.md", "hi\nkey id: AKIAFJXNMR6TZAPCKW37\n");
    repo.git(&["stash", "-q"]);
    let (run, json) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec![
            "README.md:2:access-key-id",
            "side.env:2:credential",
            "tagged.env:1:credential"
        ]
    );
}

#[test]
fn history_all_objects_finds_unreachable_blobs() {
    let repo = Repo::init();
    repo.write("README.md", "hi\n");
    repo.commit_all("init");
    repo.write("dangling.env", credentials_file());
    repo.git(&["add", "dangling.env"]);
    repo.git(&["reset", "-q"]);
    std::fs::remove_file(repo.path().join("dangling.env")).unwrap();
    let (run, _) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 0, "no ref reaches the blob: {}", run.stderr);
    let (run, json) = repo.keyhound_json(&["git", "history", "--all-objects"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["(unreachable):2:credential"]);
}

#[test]
fn history_with_a_missing_object_is_incomplete_but_scans_the_rest() {
    let repo = Repo::init();
    repo.write("a/creds.ini", credentials_file());
    repo.write("b/notes.txt", "notes\n");
    repo.commit_all("init");
    let notes = repo.git(&["rev-parse", "HEAD:b/notes.txt"]);
    std::fs::remove_file(
        repo.path()
            .join(format!(".git/objects/{}/{}", &notes[..2], &notes[2..])),
    )
    .unwrap();
    let (run, json) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(&notes),
        "the missing object is named: {}",
        run.stderr
    );
    assert_eq!(finding_keys(&json), vec!["a/creds.ini:2:credential"]);

    // A truncated object: unreadable, named, the rest still scanned.
    let repo = Repo::init();
    repo.write("a/creds.ini", credentials_file());
    repo.write("b/notes.txt", "notes\n");
    repo.commit_all("init");
    let notes = repo.git(&["rev-parse", "HEAD:b/notes.txt"]);
    let path = repo
        .path()
        .join(format!(".git/objects/{}/{}", &notes[..2], &notes[2..]));
    let bytes = std::fs::read(&path).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let (run, json) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains(&notes), "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["a/creds.ini:2:credential"]);
}

// --- range --------------------------------------------------------------------------------

#[test]
fn range_reports_the_commit_that_added_a_key_even_if_removed_later() {
    let repo = Repo::init();
    repo.write("README.md", "hi\n");
    let base = repo.commit_all("base");
    repo.write("src/app.py", "print('one')\n");
    repo.commit_all("one");
    repo.write(
        "src/app.py",
        format!("print('two')\nKEY = '{KEY_ID}'\nSECRET_ACCESS_KEY = '{SECRET}'\n"),
    );
    let two = repo.commit_all("two");
    repo.write("src/app.py", "print('three')\n");
    repo.commit_all("three");
    let (run, json) = repo.keyhound_json(&["git", "range", &format!("{base}..HEAD")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["src/app.py:2:credential"]);
    assert_eq!(json["findings"][0]["commit"]["id"], two.as_str());
    assert_eq!(json["stats"]["git"]["commits"], 3);
    // Outside the range: nothing.
    let (run, _) = repo.keyhound_json(&["git", "range", "HEAD~1..HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn range_includes_second_parent_content() {
    let repo = Repo::init();
    repo.write("README.md", "hi\n");
    let base = repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.env", credentials_file());
    let side = repo.commit_all("feature adds a key");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "main\n");
    repo.commit_all("main moves on");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    let (run, json) = repo.keyhound_json(&["git", "range", &format!("{base}..main")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec!["feature.env:2:credential"],
        "reported once, by the side commit"
    );
    assert_eq!(json["findings"][0]["commit"]["id"], side.as_str());
}

#[test]
fn range_in_a_shallow_clone_without_the_base_exits_3() {
    let origin = Repo::init();
    origin.write("README.md", "hi\n");
    let base = origin.commit_all("base");
    origin.write("b.txt", "b\n");
    origin.commit_all("b");
    origin.write("c.env", credentials_file());
    origin.commit_all("c");
    let clone = temp_dir();
    let url = format!("file://{}", origin.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .current_dir(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let shallow = clone.path().join("shallow");
    let run = run_in(
        &shallow,
        keyhound().args(["git", "range", &format!("{base}..HEAD")]),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("range base not present in this shallow clone"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&base) && run.stderr.contains("fetch-depth: 0"),
        "{}",
        run.stderr
    );

    // The base present but the range crossing the shallow edge: also 3.
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "shallow2"])
        .current_dir(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let run = run_in(
        &clone.path().join("shallow2"),
        keyhound().args(["git", "range", "HEAD..HEAD"]),
    );
    assert_eq!(run.code, 0, "an empty range is clean: {}", run.stderr);
}

#[test]
fn range_syntax_errors_are_usage_errors() {
    let repo = Repo::init();
    repo.write("a", "a\n");
    repo.commit_all("a");
    let (run, _) = repo.keyhound_json(&["git", "range", "HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("BASE..HEAD"), "{}", run.stderr);
}

// --- security -------------------------------------------------------------------------------

#[test]
fn a_malicious_repository_config_never_runs_its_programs() {
    let repo = Repo::init();
    let marker = repo.path().join("../pwned-marker");
    let _ = std::fs::remove_file(&marker);
    let program = format!("touch {}", marker.display());
    repo.write(".gitattributes", "* diff=evil filter=evil\n");
    repo.write("README.md", "hi\n");
    repo.commit_all("init");
    repo.write("leak.env", credentials_file());
    repo.commit_all("leak");
    // Staged before the config turns hostile (its clean filter would empty the file).
    repo.write(
        "staged.env",
        format!("aws_access_key_id = {KEY_ID_2}\naws_secret_access_key = {SECRET_2}\n"),
    );
    repo.git(&["add", "staged.env"]);
    let hooks = repo.path().join("evil-hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    for hook in [
        "pre-commit",
        "post-checkout",
        "reference-transaction",
        "fsmonitor-watchman",
    ] {
        write(&hooks, hook, format!("#!/bin/sh\n{program}\n"));
        std::fs::set_permissions(
            hooks.join(hook),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
    }
    for (key, value) in [
        ("core.fsmonitor", program.as_str()),
        ("core.hooksPath", hooks.to_str().unwrap()),
        ("core.sshCommand", program.as_str()),
        ("diff.evil.textconv", program.as_str()),
        ("filter.evil.clean", program.as_str()),
        ("filter.evil.smudge", program.as_str()),
        ("filter.evil.process", program.as_str()),
        ("credential.helper", program.as_str()),
    ] {
        repo.git(&["config", key, value]);
    }
    let _ = std::fs::remove_file(&marker);

    for args in [
        vec!["git", "history", "--all-objects"],
        vec!["git", "range", "HEAD~1..HEAD"],
        vec!["git", "staged"],
        vec!["scan", "."],
    ] {
        let (run, json) = repo.keyhound_json(&args);
        assert_eq!(run.code, 1, "{args:?} still finds the keys: {}", run.stderr);
        assert!(!finding_keys(&json).is_empty(), "{args:?}");
        assert!(
            !marker.exists(),
            "{args:?} ran a program named by the repository's config"
        );
    }
    // The control: git itself does run them, so the checks above could fail.
    let _ = repo.git_command(&["status"]).output();
    let _ = repo.git_command(&["diff", "HEAD~1"]).output();
    assert!(marker.exists(), "the hostile config is live for git");
}

#[test]
fn staged_delete_only_and_amend_only_commits_scan_nothing() {
    let repo = Repo::init();
    for i in 0..200 {
        repo.write(&format!("src/f{i}.txt"), format!("{i}\n"));
    }
    repo.write("old/creds.ini", credentials_file());
    repo.commit_all("history holds a key");
    repo.git(&["rm", "-q", "src/f7.txt"]);
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        json["stats"]["git"]["blobs"], 0,
        "a deletion adds nothing to read"
    );
    repo.git(&["commit", "-q", "-m", "delete"]);
    // An amend that only rewords: the index equals HEAD.
    let (run, json) = staged(&repo, &[]);
    assert_eq!(run.code, 0);
    assert_eq!(json["stats"]["git"]["blobs"], 0);
}

#[test]
fn range_cost_follows_the_range_not_the_history() {
    // 2000 commits of history, then a 10-commit pull request.
    let repo = Repo::init();
    let mut import = String::new();
    for i in 0..2000 {
        let data = format!("version {i}\n");
        // Successive commits to one branch in one stream chain onto each other.
        import.push_str(&format!(
            "commit refs/heads/main\ncommitter Dev <dev@example.com> {} +0000\ndata 2\nc\nM 100644 inline src/f{}.txt\ndata {}\n{data}\n",
            1_700_000_000 + i,
            i % 50,
            data.len()
        ));
    }
    let mut child = repo
        .git_command(&["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(import.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    repo.git(&["checkout", "-q", "-f", "main"]);
    let base = repo.git(&["rev-parse", "HEAD"]);
    for i in 0..10 {
        repo.write(&format!("pr/change{i}.txt"), format!("change {i}\n"));
        repo.commit_all(&format!("pr {i}"));
    }
    let (run, json) = repo.keyhound_json(&["git", "range", &format!("{base}..HEAD")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["stats"]["git"]["commits"], 10);
    assert_eq!(
        json["stats"]["git"]["blobs"], 10,
        "only the range's blobs are read"
    );
}

#[test]
fn history_findings_and_stats_are_the_same_on_one_thread_and_many() {
    let repo = Repo::init_with(&[]);
    // Every fixture, committed in three batches over four commits, then one removed.
    let fixtures = repo_root().join("fixtures/scan");
    let files = positive_fixtures();
    assert!(files.len() > 30, "{}", files.len());
    for (batch, chunk) in files.chunks(files.len() / 3 + 1).enumerate() {
        for file in chunk {
            let relative = file.strip_prefix(&fixtures).unwrap().to_str().unwrap();
            repo.write(
                &format!("b{batch}/{relative}"),
                std::fs::read(file).unwrap(),
            );
        }
        repo.commit_all(&format!("batch {batch}"));
    }
    repo.git(&["rm", "-q", "-r", "b0"]);
    repo.commit_all("remove the first batch");
    let strip = |mut json: serde_json::Value| {
        json["stats"].as_object_mut().unwrap().remove("elapsed_ms");
        json
    };
    let (one_run, one) = repo.keyhound_json(&["git", "history", "-j1", "."]);
    let (many_run, many) = repo.keyhound_json(&["git", "history", "-j3", "."]);
    assert_eq!(one_run.code, 1, "{}", one_run.stderr);
    assert_eq!(many_run.code, 1, "{}", many_run.stderr);
    assert!(one["findings"].as_array().unwrap().len() > 30);
    assert_eq!(strip(one), strip(many));
}

/// Every file of every positive fixture case, in a stable order.
fn positive_fixtures() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("fixtures/scan/positive"))
        .unwrap()
        .flat_map(|case| std::fs::read_dir(case.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// A history with what a pack holds in every shape: versions of one file (deltas on
/// deltas), a key that comes and goes, every positive fixture, a symbolic link, an LFS
/// pointer, a large file, an allowed key, a side branch and an unreachable blob.
fn varied_history() -> Repo {
    let repo = Repo::init();
    let fixtures = repo_root().join("fixtures/scan/positive");
    for (i, file) in positive_fixtures().iter().enumerate() {
        let relative = file.strip_prefix(&fixtures).unwrap().to_str().unwrap();
        repo.write(
            &format!("fixtures/{relative}"),
            std::fs::read(file).unwrap(),
        );
        if i % 10 == 9 {
            repo.commit_all(&format!("fixtures up to {i}"));
        }
    }
    let mut lines: Vec<String> = (0..200)
        .map(|i| format!("let value_{i} = {i};\n"))
        .collect();
    for version in 0..30 {
        lines[version * 5] = format!("let value_{version} = {};\n", version * 7);
        if version == 12 {
            lines[100] = format!("[default]\n{}", credentials_file());
        }
        if version == 20 {
            lines[100] = "let value_100 = 100;\n".into();
        }
        repo.write("src/evolving.rs", lines.concat());
        repo.commit_all(&format!("version {version}"));
    }
    std::os::unix::fs::symlink("src/evolving.rs", repo.path().join("link")).unwrap();
    repo.write(
        "model.bin",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n",
    );
    repo.write(
        "big.txt",
        format!("{}{}", "x".repeat(300_000), credentials_file()),
    );
    repo.write(
        "allowed.ini",
        credentials_file().replace("\n", " # keyhound:allow test fixture\n"),
    );
    repo.commit_all("odds and ends");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("side.env", credentials_file());
    repo.commit_all("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "dangling.env",
        format!("# dangling\n{}", credentials_file()),
    );
    repo.git(&["add", "dangling.env"]);
    repo.git(&["reset", "-q"]);
    std::fs::remove_file(repo.path().join("dangling.env")).unwrap();
    repo
}

fn history_runs(repo: &Repo) -> Vec<serde_json::Value> {
    let runs: [&[&str]; 4] = [
        &["git", "history", "-j1", "--show-suppressed"],
        &["git", "history", "-j3", "--show-suppressed"],
        &["git", "history", "--all-objects"],
        &["git", "history", "--max-file-size", "100K"],
    ];
    runs.iter()
        .map(|args| {
            let (run, mut json) = repo.keyhound_json(args);
            assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
            json["stats"].as_object_mut().unwrap().remove("elapsed_ms");
            json
        })
        .collect()
}

#[test]
fn history_is_the_same_from_packs_as_from_loose_objects() {
    let repo = varied_history();
    let loose = history_runs(&repo);
    assert!(loose[0]["findings"].as_array().unwrap().len() > 30);
    let keys = finding_keys(&loose[0]);
    assert!(
        keys.contains(&"src/evolving.rs:103:credential".to_string()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"side.env:2:credential".to_string()),
        "{keys:?}"
    );
    assert!(finding_keys(&loose[2]).contains(&"(unreachable):3:credential".to_string()));
    assert!(!finding_keys(&loose[3])
        .iter()
        .any(|k| k.starts_with("big.txt")));

    // Everything packed, deltas recomputed; the unreachable blob in a cruft pack.
    repo.git(&["repack", "-q", "-a", "-d", "-f", "--cruft"]);
    let counts = repo.git(&["count-objects", "-v"]);
    assert!(
        counts.lines().any(|l| l == "count: 0"),
        "no loose objects left: {counts}"
    );
    let chains = pack_indexes(&repo)
        .iter()
        .map(|index| repo.git(&["verify-pack", "-v", index]))
        .collect::<String>();
    assert!(chains.contains("chain length = 2"), "{chains}");
    assert_eq!(history_runs(&repo), loose);

    // Some history packed, some loose, in two packs.
    repo.write("later.ini", credentials_file().replace("AKIA", "ASIA"));
    repo.commit_all("later");
    let later_loose = history_runs(&repo);
    repo.git(&["repack", "-q", "-d"]);
    repo.write("latest.txt", "nothing here\n");
    repo.commit_all("latest");
    let mut mixed = history_runs(&repo);
    for (run, before) in mixed.iter_mut().zip(&later_loose) {
        // One more commit and blob, nothing else.
        assert_eq!(
            run["stats"]["git"]["commits"],
            before["stats"]["git"]["commits"].as_u64().unwrap() + 1
        );
        assert_eq!(run["findings"], before["findings"]);
    }
}

/// The index files of the repository's packs.
fn pack_indexes(repo: &Repo) -> Vec<String> {
    let dir = repo.path().join(".git/objects/pack");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .map(|p| p.to_str().unwrap().to_owned())
        .collect()
}

/// The index file of the repository's only pack.
fn pack_index(repo: &Repo) -> String {
    let mut indexes = pack_indexes(repo);
    assert_eq!(indexes.len(), 1, "{indexes:?}");
    indexes.remove(0)
}

#[test]
fn history_with_a_corrupt_packed_blob_names_it_and_scans_the_rest() {
    let repo = Repo::init();
    repo.write("a/creds.ini", credentials_file());
    repo.write(
        "b/config.ini",
        format!("[prod]\n{}", credentials_file().replace("AKIA", "ASIA")),
    );
    repo.commit_all("init");
    repo.git(&["repack", "-q", "-a", "-d"]);
    let blob = repo.git(&["rev-parse", "HEAD:b/config.ini"]);
    // `git show-index` lists each object's offset in the pack.
    let mut show = repo.git_command(&["show-index"]);
    show.stdin(std::fs::File::open(pack_index(&repo)).unwrap());
    let listing = String::from_utf8(show.output().unwrap().stdout).unwrap();
    let offset: usize = listing
        .lines()
        .find(|line| line.contains(&blob))
        .and_then(|line| line.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    let pack = pack_index(&repo).replace(".idx", ".pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    // Past the entry's header and the zlib header: the compressed data itself.
    for byte in &mut bytes[offset + 6..offset + 14] {
        *byte ^= 0x5a;
    }
    std::fs::set_permissions(&pack, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    let (run, json) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(&blob),
        "the unreadable blob is named: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("b/config.ini"),
        "with its path: {}",
        run.stderr
    );
    assert_eq!(finding_keys(&json), vec!["a/creds.ini:2:credential"]);
}
