//! Small things a user notices: counts in the right number, columns that line up, no
//! "0 commits" where no commit was read.

use crate::util::{credentials_file, keyhound, run_in, temp_dir, write, Repo};

#[test]
fn rules_list_has_a_header_aligned_columns_and_an_honest_count() {
    let dir = temp_dir();
    let list = run_in(
        dir.path(),
        keyhound().args(["rules", "list", "--no-config"]),
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert!(lines[0].starts_with("RULE "), "{}", list.stdout);
    // Every column starts where the header's does.
    let starts = |line: &str| -> Vec<usize> {
        let mut starts = vec![0];
        let bytes = line.as_bytes();
        for i in 2..bytes.len() {
            if bytes[i - 2] == b' ' && bytes[i - 1] == b' ' && bytes[i] != b' ' {
                starts.push(i);
            }
        }
        starts.truncate(4);
        starts
    };
    let header = starts(lines[0]);
    assert_eq!(header.len(), 4, "{}", lines[0]);
    for line in &lines[1..] {
        assert_eq!(starts(line), header, "{line}\n{}", list.stdout);
    }
    // The rules listed are the rules counted: detection rules, then the pairing rule.
    let detection = lines.len() - 2;
    assert!(
        list.stderr
            .contains(&format!("{detection} detection rules and the pairing rule")),
        "{}",
        list.stderr
    );
}

#[test]
fn a_baseline_of_one_finding_has_one_entry() {
    let dir = temp_dir();
    write(
        dir.path(),
        "deploy/id.txt",
        "aws_access_key_id = AKIATDL6PABMCTNRC77F\n",
    );
    let run = run_in(
        dir.path(),
        keyhound().args(["baseline", "--no-config", "."]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("with 1 entry\n"), "{}", run.stderr);
}

#[test]
fn a_staged_scan_counts_blobs_not_commits() {
    let repo = Repo::init();
    repo.write("config/aws.ini", credentials_file());
    repo.git(&["add", "-A"]);
    let run = run_in(repo.path(), keyhound().args(["git", "staged"]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("keyhound: 1 blob, "), "{}", run.stderr);
    assert!(!run.stderr.contains("0 commits"), "{}", run.stderr);
}

#[test]
fn baseline_refuses_the_flags_it_would_ignore() {
    let dir = temp_dir();
    write(dir.path(), "a.txt", "nothing\n");
    for flags in [
        &["--format", "json"][..],
        &["--report-path", "r.json"],
        &["--baseline", "b.json"],
        &["--write-baseline", "b.json"],
        &["--show-secrets"],
        &["--verify"],
    ] {
        let run = run_in(dir.path(), keyhound().arg("baseline").args(flags).arg("."));
        assert_eq!(run.code, 2, "{flags:?}: {}", run.stderr);
        assert!(run.stderr.contains(flags[0]), "{flags:?}: {}", run.stderr);
    }
    let run = run_in(
        dir.path(),
        keyhound().args([
            "baseline",
            "--no-config",
            "-j",
            "1",
            "--max-file-size",
            "1M",
            ".",
        ]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn keyhound_does_not_report_its_own_reports_again() {
    let dir = temp_dir();
    write(dir.path(), "deploy/aws.ini", credentials_file());
    // Reports of every format, and a baseline, left in the tree.
    for (format, file) in [
        ("json", "keyhound.json"),
        ("jsonl", "keyhound.jsonl"),
        ("sarif", "keyhound.sarif"),
        ("gitlab", "gl-secret-detection-report.json"),
    ] {
        let run = run_in(
            dir.path(),
            keyhound().args(["scan", "--no-config", "--format", format, "deploy"]),
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        write(dir.path(), &format!("reports/{file}"), &run.stdout);
    }
    let run = run_in(
        dir.path(),
        keyhound().args([
            "scan",
            "--no-config",
            "--write-baseline",
            "reports/base.json",
            "deploy",
        ]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);

    let (run, json) =
        crate::util::scan_json(dir.path(), &["--no-config", "--show-suppressed", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["deploy/aws.ini"], "{:#}", json["findings"]);
    // Set aside, counted and listed with why, not lost.
    let suppressed = json["suppressed"].as_array().expect("suppressed listed");
    assert!(
        suppressed.len() >= 5
            && suppressed
                .iter()
                .all(|s| s["suppressed_by"]["marker"] == "keyhound report"
                    && s["path"].as_str().unwrap().starts_with("reports/")),
        "{suppressed:#?}"
    );

    // The same reports committed: a history scan sets them aside too.
    let repo = Repo::init();
    repo.write("deploy/aws.ini", credentials_file());
    for entry in std::fs::read_dir(dir.path().join("reports")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        repo.write(
            &format!("reports/{name}"),
            std::fs::read(entry.path()).unwrap(),
        );
    }
    repo.commit_all("reports");
    let (run, json) = repo.keyhound_json(&["git", "history", "--no-config"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        json["findings"].as_array().unwrap().len(),
        1,
        "{:#}",
        json["findings"]
    );
}

#[test]
fn staged_keys_and_canary_tokens_get_advice_that_fits_them() {
    let repo = Repo::init();
    repo.write("config/aws.ini", credentials_file());
    repo.git(&["add", "-A"]);
    let run = run_in(repo.path(), keyhound().args(["git", "staged"]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("git restore --staged"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("purge it from history"),
        "{}",
        run.stdout
    );

    let (dir, _) = crate::canary::canary_tree();
    std::fs::remove_dir_all(dir.path().join("plain")).unwrap();
    let run = crate::util::scan(dir.path(), &["--no-config", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("Canary tokens:"), "{}", run.stdout);
    assert!(!run.stdout.contains("Deactivate"), "{}", run.stdout);
}
