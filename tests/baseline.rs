//! Baselines: write the leaks a repository has, then report only new ones.

use crate::util::*;

fn key_file(id: &str, secret: &str) -> String {
    format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}\n")
}

#[test]
fn baseline_round_trip_reports_only_the_new_key() {
    let repo = Repo::init();
    repo.write("deploy/old.env", credentials_file());
    repo.write("src/app.py", format!("# legacy\nKEY = '{KEY_ID_2}'\n"));
    repo.commit_all("old leaks");

    let run = run_in(repo.path(), keyhound().args(["baseline", "."]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let baseline = repo.path().join(".keyhound-baseline.json");
    let first = std::fs::read(&baseline).unwrap();
    // Two runs are byte-identical.
    run_in(repo.path(), keyhound().args(["baseline", "."]));
    assert_eq!(std::fs::read(&baseline).unwrap(), first);
    let text = String::from_utf8(first).unwrap();
    assert!(
        !text.contains(SECRET) && !text.contains(KEY_ID),
        "no secret, not even key ids:\n{text}"
    );

    // Move lines, then add one new key.
    repo.write(
        "deploy/old.env",
        format!("# moved down\n\n{}", credentials_file()),
    );
    repo.write(
        "src/app.py",
        format!("import os\n\n# legacy\nKEY = '{KEY_ID_2}'\n"),
    );
    repo.write("src/new.py", "NEW = 'AKIAFJXNMR6TZAPCKW37'\n");
    let (run, json) = scan_json(repo.path(), &["--baseline", ".keyhound-baseline.json", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["src/new.py:1:access-key-id"]);
    assert_eq!(json["stats"]["baselined"], 2);
    assert!(run.stderr.contains("2 baselined"), "{}", run.stderr);

    // A fixed leak leaves a stale entry, listed so the baseline can be pruned.
    std::fs::remove_file(repo.path().join("deploy/old.env")).unwrap();
    std::fs::remove_file(repo.path().join("src/new.py")).unwrap();
    let (run, json) = scan_json(repo.path(), &["--baseline", ".keyhound-baseline.json", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["stats"]["baseline_stale"][0]["path"], "deploy/old.env");
    assert!(
        run.stderr
            .contains("baseline entry no longer found (prune it): deploy/old.env"),
        "{}",
        run.stderr
    );
}

#[test]
fn baselines_work_for_git_history_too() {
    let repo = Repo::init();
    repo.write("a.env", credentials_file());
    repo.commit_all("leak");
    repo.git(&["rm", "-q", "a.env"]);
    repo.commit_all("removed");
    let (run, _) = repo.keyhound_json(&[
        "git",
        "history",
        "--write-baseline",
        "history-baseline.json",
    ]);
    assert_eq!(run.code, 1, "the writing run still reports");
    let (run, json) =
        repo.keyhound_json(&["git", "history", "--baseline", "history-baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["stats"]["baselined"], 1);
    repo.write("b.env", key_file(KEY_ID_2, SECRET_2));
    repo.commit_all("new leak");
    let (run, json) =
        repo.keyhound_json(&["git", "history", "--baseline", "history-baseline.json"]);
    assert_eq!(run.code, 1);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["path"], "b.env");
}

#[test]
fn two_branches_baselines_merge_cleanly() {
    let repo = Repo::init();
    let keys = [
        (
            "AKIATDL6PABMCTNRC77F",
            "8tMYf6HLmZHthHc09XiGZPYWl4rrR5nNwXSdzpGQ",
        ),
        (
            "AKIAJW2PXZCQRJFHSEZT",
            "DW/mYTVXSg5apyQ/M5wj2idlafDUhIRJKS9coNIC",
        ),
        (
            "AKIAFJXNMR6TZAPCKW37",
            "D448U2QZp9nEDQ3Q14KcytyNdfIylcRKrOQdSwud",
        ),
        (
            "AKIARUDFU4D3BNGQHEV3",
            "Rp7Vxq2Lm9KdZt4WbYh/Nc1sGf8Ue+Ja3oXiQkT6",
        ),
        (
            "AKIAW2KJ5QDXHTNRV6LZ",
            "Hs5TgYp3Lq8ZxWc2Nm/Vb7Kd1Rf+Ej4Uo9Ia6GtQ",
        ),
    ];
    for (name, (id, secret)) in ["b.env", "d.env", "f.env"].iter().zip(&keys[..3]) {
        repo.write(name, key_file(id, secret));
    }
    run_in(repo.path(), keyhound().args(["baseline", "."]));
    repo.commit_all("baseline");
    repo.git(&["checkout", "-q", "-b", "one"]);
    repo.write("c.env", key_file(keys[3].0, keys[3].1));
    run_in(repo.path(), keyhound().args(["baseline", "."]));
    repo.commit_all("one");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("e.env", key_file(keys[4].0, keys[4].1));
    run_in(repo.path(), keyhound().args(["baseline", "."]));
    repo.commit_all("two");
    repo.git(&["merge", "-q", "-m", "merge", "one"]);
    let merged = std::fs::read_to_string(repo.path().join(".keyhound-baseline.json")).unwrap();
    run_in(repo.path(), keyhound().args(["baseline", "."]));
    let regenerated = std::fs::read_to_string(repo.path().join(".keyhound-baseline.json")).unwrap();
    assert_eq!(
        merged, regenerated,
        "the merge is exactly the baseline of the merged tree"
    );
}

#[test]
fn a_malformed_baseline_is_a_usage_error_naming_file_and_line() {
    let dir = temp_dir();
    write(dir.path(), "a.txt", "nothing\n");
    write(
        dir.path(),
        "bad.json",
        "{\n  \"version\": 1,\n  \"tool\": \"keyhound\",\n  \"entries\": [ {\"path\": 3} ]\n}\n",
    );
    let run = scan(dir.path(), &["--baseline", "bad.json", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("bad.json:4: not a keyhound baseline"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_baseline_fingerprint_that_is_not_hex_is_refused_not_a_panic() {
    let dir = temp_dir();
    write(dir.path(), "a.env", credentials_file());
    // Multi-byte characters across byte 12, where a stale entry's fingerprint used to be
    // cut for display.
    let entry = "{\"path\": \"gone.env\", \"rule\": \"aws-credential\", \
                 \"fingerprint\": \"abcdefghijké\u{00e9}\u{00e9}\", \"kind\": \"credential\"}";
    write(
        dir.path(),
        "bad.json",
        format!("{{\"version\": 1, \"tool\": \"keyhound\", \"entries\": [{entry}]}}\n"),
    );
    let run = scan(dir.path(), &["--baseline", "bad.json", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("bad.json: entry 1: the fingerprint is not 64 lower-case hex digits"),
        "{}",
        run.stderr
    );
}
