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
