//! End-to-end tests of hostile input: output that streams and memory that stays small per finding; files that grow while read.
//!
//! Memory itself is measured by `benches/memory.sh` (1M findings, peak RSS per format,
//! in BENCHMARKS.md): a peak-RSS assertion would be as fragile as a wall-clock one.
//! keyhound-core tests the size of a finding.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use crate::util::{self, key_id_for_account, keyhound, run_in, temp_dir, write, SECRET};

/// Key ids in three files, `per_file` each, one per line (each a finding of its own but
/// for the rare one the scanner's checks turn down), and one credential pair. Returns
/// how many lines hold a key.
fn many_findings(dir: &Path, per_file: usize) -> usize {
    for file in 0..3 {
        let text: String = (0..per_file)
            .map(|i| {
                let salt = (file * per_file + i) as u64;
                format!(
                    "{}\n",
                    key_id_for_account("AKIA", 100_000_000_000 + salt, salt)
                )
            })
            .collect();
        write(dir, &format!("ids/{file}.txt"), text);
    }
    // One credential pair: two parts, the most a finding has in these formats.
    write(
        dir,
        "app/.env",
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {SECRET}\n",
            key_id_for_account("AKIA", 123_456_789_012, 7)
        ),
    );
    3 * per_file + 1
}

fn scan(dir: &Path, format: &str) -> util::Run {
    let run = util::scan(dir, &["--format", format, "."]);
    assert_eq!(run.code, 1, "{format}: {}", run.stderr);
    run
}

#[test]
fn every_format_of_many_findings_parses_back() {
    let dir = temp_dir();
    let planted = many_findings(dir.path(), 1000);

    let json: Value = serde_json::from_str(&scan(dir.path(), "json").stdout).unwrap();
    let listed = json["findings"].as_array().unwrap();
    let findings = listed.len();
    assert!(findings > planted * 99 / 100, "{findings} of {planted}");
    assert_eq!(json["stats"]["findings"], findings);
    // Sorted by path, then by position.
    let order: Vec<(String, u64)> = listed
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let fingerprints: HashSet<&str> = listed
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        fingerprints.len(),
        findings,
        "every key id is its own finding"
    );
    assert!(!json.to_string().contains(SECRET));

    let jsonl = scan(dir.path(), "jsonl").stdout;
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), findings + 1);
    assert!(lines[..findings].iter().all(|l| l["type"] == "finding"));
    let summary = &lines[findings];
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        summary["stats"],
        json["stats"].clone().with_elapsed(&summary["stats"])
    );
    // The same findings as the document, whatever order the files were finished in.
    let streamed: HashSet<&str> = lines[..findings]
        .iter()
        .map(|l| l["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(streamed, fingerprints);
    // Each file's findings together, in the order of its text.
    let mut seen_paths: Vec<&str> = Vec::new();
    let mut last_line = 0;
    for line in &lines[..findings] {
        let path = line["path"].as_str().unwrap();
        let at = line["line"].as_u64().unwrap();
        if seen_paths.last() != Some(&path) {
            assert!(!seen_paths.contains(&path), "{path} comes in two runs");
            seen_paths.push(path);
        } else {
            assert!(at > last_line, "{path}: line {at} after {last_line}");
        }
        last_line = at;
    }

    let human = scan(dir.path(), "human").stdout;
    let blocks = human.lines().filter(|l| l.contains(" [aws-")).count();
    assert_eq!(blocks, findings, "one block per finding");
    assert!(human.contains("What to do:"));

    let sarif: Value = serde_json::from_str(&scan(dir.path(), "sarif").stdout).unwrap();
    crate::sarif::validate(&[&sarif]);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings);
    assert_eq!(
        results[0]["ruleId"], "aws-credential",
        "the critical one first"
    );

    let gitlab: Value = serde_json::from_str(&scan(dir.path(), "gitlab").stdout).unwrap();
    crate::gitlab::validate(&[&gitlab]);
    let vulnerabilities = gitlab["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulnerabilities.len(), findings);
    let ids: HashSet<&str> = vulnerabilities
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), findings, "ids are distinct");
}

/// `stats` with `elapsed_ms` taken from `other`: the one field two runs never share.
trait WithElapsed {
    fn with_elapsed(self, other: &Value) -> Value;
}

impl WithElapsed for Value {
    fn with_elapsed(mut self, other: &Value) -> Value {
        self["elapsed_ms"] = other["elapsed_ms"].clone();
        self
    }
}

/// The same secret twice in one file is two vulnerabilities with distinct, stable ids.
#[test]
fn gitlab_ids_tell_a_repeated_secret_apart_and_do_not_change() {
    let dir = temp_dir();
    let id = key_id_for_account("AKIA", 123_456_789_012, 3);
    write(dir.path(), "a.txt", format!("{id}\nx\n{id}\n"));
    write(dir.path(), "b.txt", format!("{id}\n"));
    let ids = |run: util::Run| -> Vec<String> {
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        report["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    };
    let first = ids(scan(dir.path(), "gitlab"));
    assert_eq!(first.len(), 3);
    assert_eq!(first.iter().collect::<HashSet<_>>().len(), 3, "{first:?}");
    assert_eq!(first, ids(scan(dir.path(), "gitlab")));
}

/// The findings of the files are written while standard input, scanned in the same run,
/// is still open: nothing waits for the end of the scan. The test holds the pipe open
/// until it has read a finding line, so no timing is involved: a keyhound that wrote at
/// the end would never write that line, and the test would hang rather than pass.
#[test]
fn jsonl_and_human_are_written_before_the_scan_ends() {
    let dir = temp_dir();
    let id = key_id_for_account("AKIA", 123_456_789_012, 11);
    write(
        dir.path(),
        "early/app.env",
        format!("AWS_ACCESS_KEY_ID={id}\n"),
    );
    let late = key_id_for_account("AKIA", 210_987_654_321, 12);
    for (format, wanted) in [("jsonl", "\"type\":\"finding\""), ("human", " [aws-")] {
        let mut child = keyhound()
            .args(["scan", "--format", format, "early", "-"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        while !first.contains(wanted) {
            first.clear();
            let read = stdout.read_line(&mut first).unwrap();
            assert!(read > 0, "{format}: output ended before a finding");
        }
        assert!(first.contains("early/app.env"), "{format}: {first}");
        // Only now does standard input get its key, and end.
        writeln!(stdin, "key = {late}").unwrap();
        drop(stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert!(
            rest.contains(&late),
            "{format}: the late finding follows: {rest}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("2 files") && stderr.contains("2 findings"),
            "{stderr}"
        );
    }
}

/// Filters apply to each source before it is written: the allowlist, inline comments
/// and the baseline, with the counts and stale entries of the whole scan at the end.
#[test]
fn streamed_output_is_filtered_as_the_whole_report_is() {
    let dir = temp_dir();
    let ids: Vec<String> = (0..4)
        .map(|i| key_id_for_account("AKIA", 123_456_789_012 + i, i))
        .collect();
    write(dir.path(), "known.txt", format!("{}\n", ids[0]));
    write(dir.path(), "vendor/lib.txt", format!("{}\n", ids[1]));
    write(
        dir.path(),
        "src/app.txt",
        format!("{} # keyhound:allow\n{}\n", ids[2], ids[3]),
    );
    write(
        dir.path(),
        ".keyhound.toml",
        "[allowlist]\npaths = [\"vendor/**\"]\n",
    );
    let baseline = dir.path().join("base.json");
    let made = run_in(
        dir.path(),
        keyhound()
            .args(["scan", "--write-baseline"])
            .arg(&baseline)
            .arg("known.txt"),
    );
    assert_eq!(made.code, 1, "{}", made.stderr);
    let mut outputs = Vec::new();
    for format in ["json", "jsonl"] {
        let run = run_in(
            dir.path(),
            keyhound().args(["scan", "--format", format, "--baseline", "base.json", "."]),
        );
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        outputs.push(run.stdout);
    }
    let document: Value = serde_json::from_str(&outputs[0]).unwrap();
    let lines: Vec<Value> = outputs[1]
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", outputs[1]);
    assert_eq!(lines[0]["key_id"], ids[3].as_str());
    assert_eq!(document["findings"][0]["key_id"], ids[3].as_str());
    let summary = &lines[1]["stats"];
    for field in ["files", "findings", "suppressed", "baselined"] {
        assert_eq!(summary[field], document["stats"][field], "{field}");
    }
    assert_eq!(summary["baselined"], 1);
    assert_eq!(summary["suppressed"], 1);
    assert_eq!(summary["config"]["allowlisted_paths"], 1);
    assert_eq!(summary["config"], document["stats"]["config"]);
}
