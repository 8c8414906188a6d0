//! `--format sarif` and `--report-path`: SARIF 2.1.0 that validates against the official
//! OASIS schema (`fixtures/sarif/`) and that GitHub code scanning accepts, with no secret
//! anywhere in it.
//!
//! The schema is checked with Python's `jsonschema` module, which `.ci/run` installs.
//! Without it the schema check is skipped with a message on stderr, or fails under CI
//! ([`missing_prerequisite`]); the structural checks of [`check_log`] always run.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// The documented severities, as GitHub's `security-severity`.
const SECURITY_SEVERITIES: [&str; 5] = ["9.5", "8.0", "5.5", "3.0", "1.0"];

/// Runs `keyhound scan --format sarif <args…>` in `dir` and parses stdout.
fn scan_sarif(dir: &Path, args: &[&str]) -> (Run, Value) {
    let run = run_in(
        dir,
        keyhound().args(["scan", "--format", "sarif"]).args(args),
    );
    let log = parse(&run);
    (run, log)
}

fn parse(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is SARIF ({err}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    })
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results is an array")
}

/// The checks that need no schema: what GitHub code scanning reads, and what keyhound
/// promises (no snippet, consistent rule indices, encoded relative URIs).
fn check_log(log: &Value) {
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "keyhound");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    let rules = driver["rules"].as_array().expect("rules is an array");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
        "aws-credential",
    ] {
        assert!(ids.contains(&id), "rule {id} is described: {ids:?}");
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique: {ids:?}");
    for rule in rules {
        for text in [
            &rule["shortDescription"]["text"],
            &rule["fullDescription"]["text"],
            &rule["help"]["text"],
            &rule["help"]["markdown"],
        ] {
            assert!(
                text.as_str().is_some_and(|t| !t.trim().is_empty()),
                "{rule}"
            );
        }
        assert!(rule["name"]
            .as_str()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_alphanumeric())));
        assert!(["error", "warning", "note"]
            .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()));
        let properties = &rule["properties"];
        assert_eq!(
            properties["tags"],
            serde_json::json!(["security", "secret", "aws"])
        );
        assert_eq!(properties["precision"], "high");
        assert!(
            SECURITY_SEVERITIES.contains(&properties["security-severity"].as_str().unwrap()),
            "{rule}"
        );
    }
    for result in results(log) {
        let rule_id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[index], rule_id, "ruleIndex points at ruleId");
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .expect("primaryLocationLineHash");
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(result["partialFingerprints"]["keyhound/v1"], hash);
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1);
        let related = result["relatedLocations"].as_array().cloned();
        for location in locations.iter().chain(related.iter().flatten()) {
            let physical = &location["physicalLocation"];
            let artifact = &physical["artifactLocation"];
            let uri = artifact["uri"].as_str().unwrap();
            check_uri(uri);
            if uri.starts_with("file:///") {
                assert!(artifact.get("uriBaseId").is_none(), "{artifact}");
            } else {
                assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{artifact}");
                assert!(!uri.starts_with('/'), "relative: {uri}");
            }
            let region = &physical["region"];
            let start_line = region["startLine"].as_u64().unwrap();
            let start_column = region["startColumn"].as_u64().unwrap();
            assert!(start_line >= 1 && start_column >= 1, "{region}");
            assert_eq!(region["endLine"].as_u64().unwrap(), start_line);
            assert!(
                region["endColumn"].as_u64().unwrap() > start_column,
                "{region}"
            );
        }
    }
    assert_no_key(log, "snippet");
}

/// A URI reference with only unreserved characters, `/`, `:` after `file`, and `%XX`.
fn check_uri(uri: &str) {
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            assert!(
                bytes.len() > i + 2
                    && bytes[i + 1..i + 3]
                        .iter()
                        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)),
                "bad escape in {uri}"
            );
            i += 3;
            continue;
        }
        assert!(
            b.is_ascii_alphanumeric() || b"-._~/".contains(&b),
            "{:?} is not encoded in {uri}",
            b as char
        );
        i += 1;
    }
}

/// Decodes `%XX` escapes.
fn percent_decode(uri: &str) -> Vec<u8> {
    let bytes = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn assert_no_key(value: &Value, key: &str) {
    match value {
        Value::Object(map) => {
            assert!(!map.contains_key(key), "no {key:?} anywhere: {value}");
            map.values().for_each(|v| assert_no_key(v, key));
        }
        Value::Array(items) => items.iter().for_each(|v| assert_no_key(v, key)),
        _ => {}
    }
}

/// Asserts that no 8 consecutive characters of `secret` appear in `text`.
fn assert_no_secret(text: &str, secret: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(8) {
        let piece: String = window.iter().collect();
        assert!(
            !text.contains(&piece),
            "{piece:?}, part of a secret, is in the output"
        );
    }
}

/// Schema errors of each log against the SARIF 2.1.0 schema, one line each (empty when
/// valid); `None` when Python's `jsonschema` is missing (said on stderr; a failure under
/// CI).
fn schema_errors(logs: &[&Value]) -> Option<String> {
    crate::util::schema_errors("fixtures/sarif/sarif-schema-2.1.0.json", logs)
}

/// Asserts that every log passes the official SARIF 2.1.0 schema and [`check_log`].
pub fn validate(logs: &[&Value]) {
    for log in logs {
        check_log(log);
    }
    if let Some(errors) = schema_errors(logs) {
        assert!(errors.is_empty(), "schema errors:\n{errors}");
    }
}

#[test]
fn sarif_with_findings_validates_and_describes_every_rule() {
    let dir = temp_dir();
    write(dir.path(), "app/.env", credentials_file());
    write(
        dir.path(),
        "app/settings.py",
        format!("# old key\nAWS_ACCESS_KEY_ID = \"{KEY_ID_2}\"\n"),
    );
    write(
        dir.path(),
        "docs/tutorial.md",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    );
    let (run, log) = scan_sarif(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    validate(&[&log]);

    let results = results(&log);
    assert_eq!(results.len(), 3, "{log:#}");
    // Highest severity first.
    let credential = &results[0];
    assert_eq!(credential["ruleId"], "aws-credential");
    assert_eq!(credential["level"], "error");
    let message = credential["message"]["text"].as_str().unwrap();
    assert!(
        message.starts_with("AWS credential") && message.contains(KEY_ID),
        "{message}"
    );
    assert!(message.contains("secret 8tMY…(36 more)"), "{message}");
    assert!(message.contains("Deactivate"), "{message}");
    let location = &credential["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "app/.env");
    assert_eq!(
        location["region"],
        serde_json::json!({"startLine": 2, "startColumn": 21, "endLine": 2, "endColumn": 41})
    );
    // The secret is a related location.
    assert_eq!(
        credential["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    assert_eq!(credential["properties"]["kind"], "credential");

    assert_eq!(results[1]["ruleId"], "aws-access-key-id");
    assert_eq!(results[1]["level"], "error");
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/settings.py"
    );
    assert_eq!(results[2]["level"], "note", "the example key is a note");
    assert_eq!(results[2]["properties"]["example"], true);

    // The same fingerprints as the JSON report.
    let (_, json) = scan_json(dir.path(), &["."]);
    let mut json_prints: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    let mut sarif_prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    json_prints.sort();
    sarif_prints.sort();
    assert_eq!(json_prints, sarif_prints);

    assert_eq!(log["runs"][0]["properties"]["totalFindings"], 3);
    assert_eq!(log["runs"][0]["properties"]["droppedFindings"], 0);

    // The schema check is not vacuous: a broken log fails it.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    broken["runs"][0]["columnKind"] = "bytes".into();
    if let Some(errors) = schema_errors(&[&broken]) {
        assert!(
            errors.contains("level") && errors.contains("columnKind"),
            "{errors}"
        );
    }
}

#[test]
fn sarif_without_findings_is_a_valid_empty_run() {
    let dir = temp_dir();
    write(dir.path(), "readme.md", "nothing to see here\n");
    let (run, log) = scan_sarif(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"results\": []"),
        "results is an empty array: {}",
        run.stdout
    );
    assert!(log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .is_some_and(|rules| !rules.is_empty()));
    validate(&[&log]);
}

#[test]
fn sarif_uris_are_relative_and_percent_encoded() {
    let dir = temp_dir();
    write(dir.path(), "a b/#1/100%/café.env", credentials_file());
    write(dir.path(), "plain/x.py", format!("key = '{KEY_ID_2}'\n"));
    #[cfg(unix)]
    let odd = {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9 #2.env");
        std::fs::write(dir.path().join(name), credentials_file()).unwrap();
        name.as_bytes().to_vec()
    };
    let (run, log) = scan_sarif(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let uris: Vec<&str> = results(&log)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"a%20b/%231/100%25/caf%C3%A9.env"),
        "{uris:?}"
    );
    assert!(uris.contains(&"plain/x.py"), "{uris:?}");
    assert_eq!(
        percent_decode("a%20b/%231/100%25/caf%C3%A9.env"),
        "a b/#1/100%/café.env".as_bytes()
    );
    #[cfg(unix)]
    {
        assert!(uris.contains(&"caf%E9%20%232.env"), "{uris:?}");
        assert_eq!(percent_decode("caf%E9%20%232.env"), odd);
    }

    // An absolute path to scan gives absolute `file://` URIs.
    let absolute = dir.path().join("plain");
    let (_, absolute_log) = scan_sarif(dir.path(), &[absolute.to_str().unwrap()]);
    let uri = results(&absolute_log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.ends_with("/plain/x.py"), "{uri}");
    validate(&[&log, &absolute_log]);
}

#[test]
fn sarif_columns_count_characters() {
    let dir = temp_dir();
    // `é` is two bytes and one character: the key id starts at character 5.
    write(
        dir.path(),
        "notes.txt",
        format!("é = {KEY_ID}\nééé: {KEY_ID_2}\n"),
    );
    let (_, log) = scan_sarif(dir.path(), &["notes.txt"]);
    validate(&[&log]);
    let regions: Vec<&Value> = results(&log)
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["region"])
        .collect();
    assert_eq!(
        regions,
        [
            &serde_json::json!({"startLine": 1, "startColumn": 5, "endLine": 1, "endColumn": 25}),
            &serde_json::json!({"startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 26}),
        ]
    );
    // The JSON report agrees.
    let (_, json) = scan_json(dir.path(), &["notes.txt"]);
    assert_eq!(json["findings"][0]["column"], 5);
    assert_eq!(json["findings"][1]["column"], 6);
}

#[test]
fn sarif_never_contains_a_secret() {
    let dir = temp_dir();
    write(dir.path(), "pair/.env", credentials_file());
    write(
        dir.path(),
        "lone/config.ini",
        format!("[aws]\naws_secret_access_key = {SECRET_2}\n"),
    );
    let token = session_token();
    let token = token.as_str();
    write(
        dir.path(),
        "session/env.sh",
        format!(
            "export AWS_ACCESS_KEY_ID={KEY_ID_2}\nexport AWS_SECRET_ACCESS_KEY={SECRET_2}\nexport AWS_SESSION_TOKEN={token}\n"
        ),
    );
    let (run, log) = scan_sarif(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    validate(&[&log]);
    let kinds: Vec<&str> = results(&log)
        .iter()
        .map(|r| r["properties"]["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"secret-access-key"), "{kinds:?}");
    assert!(kinds.contains(&"credential"), "{kinds:?}");
    for secret in [SECRET, SECRET_2, token] {
        assert_no_secret(&run.stdout, secret);
        assert_no_secret(&run.stderr, secret);
    }
    assert!(!run.stdout.contains("snippet"));

    // Asked for, the secrets are shown: the check above would see them.
    let (_, shown) = scan_sarif(dir.path(), &["--show-secrets", "."]);
    let text = shown.to_string();
    assert!(text.contains(SECRET) && text.contains(SECRET_2), "{text}");
}

#[test]
fn sarif_git_history_results_carry_the_commit() {
    let (repo, added) = Repo::with_removed_leak("config/app env.ini");

    let run = run_in(
        repo.path(),
        keyhound().args(["git", "history", "--format", "sarif"]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = parse(&run);
    validate(&[&log]);
    let results = results(&log);
    assert_eq!(results.len(), 1, "{log:#}");
    let result = &results[0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": "config/app%20env.ini", "uriBaseId": "%SRCROOT%"})
    );
    let properties = &result["properties"];
    assert_eq!(properties["commit"], added.as_str());
    assert_eq!(properties["author"], "Dev");
    assert_eq!(properties["email"], "dev@example.com");
    assert_eq!(properties["date"], "2024-01-02T03:04:05Z");
    let blob = repo.git(&["rev-parse", &format!("{added}:config/app env.ini")]);
    assert_eq!(properties["blob"], blob.as_str());
    assert!(
        result["message"]["text"].as_str().unwrap().contains(&added),
        "the message names the commit: {result}"
    );
    assert_no_secret(&run.stdout, SECRET);
}

/// A small deterministic generator (xorshift64) of random-looking text.
struct Random(u64);

impl Random {
    fn text(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                alphabet[(self.0 % alphabet.len() as u64) as usize] as char
            })
            .collect()
    }
}

/// A session-token-shaped value: the STS prefix and 200 random base64 characters.
fn session_token() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    "IQoJb3JpZ2luX2Vj".to_string() + &Random(0x2545_F491_4F6C_DD1D).text(alphabet, 200)
}

/// `n` distinct well-formed key ids (random, never ending in `EXAMPLE`, no placeholder
/// word, no character four times in a row).
fn key_ids(n: usize) -> Vec<String> {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let id = "AKIA".to_string() + &random.text(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
        let bytes = id.as_bytes();
        let repeats = bytes.windows(4).any(|w| w.iter().all(|&b| b == w[0]));
        let placeholder = [
            "XXXX",
            "FAKE",
            "DUMMY",
            "TEST",
            "YOUR",
            "SAMPLE",
            "ACCESSKEY",
            "KEYID",
            "EXAMPLE",
        ]
        .iter()
        .any(|word| id.contains(word));
        if !repeats && !placeholder && seen.insert(id.clone()) {
            ids.push(id);
        }
    }
    ids
}

#[test]
fn sarif_is_capped_at_25000_results_highest_severity_first() {
    let dir = temp_dir();
    let ids = key_ids(30_000);
    for (i, chunk) in ids.chunks(1000).enumerate() {
        write(
            dir.path(),
            &format!("keys/{i:02}.txt"),
            chunk.join("\n") + "\n",
        );
    }
    write(dir.path(), "z/.env", credentials_file());
    write(
        dir.path(),
        "z/docs.md",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    );
    let (run, log) = scan_sarif(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("SARIF output capped at 25000 results")
            && run.stderr.contains("5002 of 30002 findings left out"),
        "{}",
        run.stderr
    );
    let properties = &log["runs"][0]["properties"];
    assert_eq!(properties["totalFindings"], 30_002);
    assert_eq!(properties["droppedFindings"], 5_002);
    let results = results(&log);
    assert_eq!(results.len(), 25_000);
    // The credential (critical) first; the example (info) is among those left out.
    assert_eq!(results[0]["ruleId"], "aws-credential");
    assert!(results[1..]
        .iter()
        .all(|r| r["ruleId"] == "aws-access-key-id"));
    assert!(results.iter().all(|r| r["level"] == "error"));
    check_log(&log);

    // GitHub takes at most 10 MB of gzip-compressed SARIF.
    let mut gzip = match Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            missing_prerequisite("the gzip size check", &format!("gzip cannot be run: {err}"));
            return;
        }
    };
    let mut stdin = gzip.stdin.take().unwrap();
    let sarif = run.stdout.clone();
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(sarif.as_bytes()).unwrap();
    });
    let compressed = gzip.wait_with_output().unwrap().stdout;
    feeder.join().unwrap();
    assert!(
        compressed.len() < 10 << 20,
        "{} bytes of gzip ({} bytes of SARIF)",
        compressed.len(),
        run.stdout.len()
    );
}

#[test]
fn report_path_writes_the_report_and_leaves_stdout_empty() {
    let dir = temp_dir();
    write(dir.path(), "src/.env", credentials_file());
    for (format, file) in [
        ("sarif", "out.sarif"),
        ("json", "out.json"),
        ("human", "out.txt"),
    ] {
        let run = scan(
            dir.path(),
            &["--format", format, "--report-path", file, "src"],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(run.stdout, "", "{format}: stdout stays empty");
        assert!(
            run.stderr.contains("1 finding"),
            "the summary goes to stderr: {}",
            run.stderr
        );
        let report = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(report.contains(KEY_ID), "{format}: {report}");
        assert_no_secret(&report, SECRET);
        if format == "sarif" {
            validate(&[&serde_json::from_str(&report).unwrap()]);
        }
        if format == "human" {
            assert!(!report.contains('\x1b'), "no colour in a file");
        }
    }

    // A report that cannot be written is an error, not a silent pass.
    let run = scan(
        dir.path(),
        &[
            "--format",
            "sarif",
            "--report-path",
            "missing/dir/out.sarif",
            "src",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run
        .stderr
        .contains("cannot write the report to missing/dir/out.sarif"));
}

#[test]
fn report_inside_the_scanned_tree_is_not_scanned_again() {
    let dir = temp_dir();
    write(dir.path(), "app/.env", credentials_file());
    for (format, file) in [("json", "out.json"), ("sarif", "app/out.sarif")] {
        let args = ["--format", format, "--report-path", file, "."];
        let first = scan(dir.path(), &args);
        assert_eq!(first.code, 1, "{}", first.stderr);
        let first_report = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert_no_secret(&first_report, SECRET);

        // The second run finds the first report in the tree, and leaves it out.
        let second = scan(dir.path(), &args);
        assert_eq!(second.code, 1, "{}", second.stderr);
        assert!(
            second
                .stderr
                .contains("not reported: it is the report being written"),
            "{}",
            second.stderr
        );
        let second_report = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let strip = |text: &str| -> Value {
            let mut value: Value = serde_json::from_str(text).unwrap();
            value["stats"]["elapsed_ms"] = Value::Null;
            value["stats"]["files"] = Value::Null;
            value["stats"]["bytes"] = Value::Null;
            value
        };
        assert_eq!(
            strip(&first_report),
            strip(&second_report),
            "{format}: the second report is the first one"
        );
    }

    // Another tool scanning the tree (no --report-path) finds the key ids the reports
    // name, but never a secret: they hold none.
    let (_, json) = scan_json(dir.path(), &["."]);
    for finding in json["findings"].as_array().unwrap() {
        let path = finding["path"].as_str().unwrap();
        if path != "app/.env" {
            assert_eq!(finding["kind"], "access-key-id", "{finding}");
            assert_eq!(finding["key_id"], KEY_ID);
        }
    }
}
