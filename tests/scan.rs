//! `keyhound scan` behaviour on temp trees: exit codes, inputs, ignore files, limits, odd
//! paths, formats.

use std::io::Write;
use std::process::Stdio;

use crate::util::*;

#[test]
fn exit_codes_clean_findings_usage_incomplete() {
    let dir = temp_dir();
    write(dir.path(), "clean/readme.md", "nothing to see here\n");
    write(dir.path(), "dirty/.env", credentials_file());

    assert_eq!(scan(dir.path(), &["clean"]).code, 0);
    assert_eq!(scan(dir.path(), &["dirty"]).code, 1);
    let bad_flag = scan(dir.path(), &["--no-such-flag"]);
    assert_eq!(bad_flag.code, 2, "{}", bad_flag.stderr);

    // A missing input makes the scan incomplete, and 3 wins over 1; findings are still listed.
    let (run, json) = scan_json(dir.path(), &["dirty", "missing-dir"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("missing-dir"),
        "the unreadable input is named: {}",
        run.stderr
    );
    assert_eq!(finding_keys(&json), vec!["dirty/.env:2:credential"]);
    assert_eq!(json["stats"]["unreadable"][0]["path"], "missing-dir");
}

#[test]
fn example_keys_do_not_fail_unless_asked() {
    let dir = temp_dir();
    write(
        dir.path(),
        "docs/tutorial.md",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 0);
    assert_eq!(finding_keys(&json), vec!["docs/tutorial.md:1:example"]);
    assert_eq!(json["findings"][0]["severity"], "info");
    assert_eq!(json["findings"][0]["example"], true);
    assert_eq!(scan(dir.path(), &["--fail-on-examples", "."]).code, 1);
}

#[test]
fn stdin_is_scanned() {
    let dir = temp_dir();
    let mut child = keyhound()
        .args(["scan", "--format", "json", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(credentials_file().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(finding_keys(&json), vec!["<stdin>:2:credential"]);
}

#[test]
fn git_ignored_files_count_unless_gitignore_is_given() {
    let dir = temp_dir();
    write(dir.path(), ".gitignore", ".env\n");
    write(dir.path(), ".env", credentials_file());
    write(dir.path(), "app.py", format!("KEY = '{KEY_ID_2}'\n"));
    let (_, json) = scan_json(dir.path(), &["."]);
    assert_eq!(
        finding_keys(&json),
        vec![".env:2:credential", "app.py:1:access-key-id"]
    );
    let (_, json) = scan_json(dir.path(), &["--gitignore", "."]);
    assert_eq!(finding_keys(&json), vec!["app.py:1:access-key-id"]);
}

#[test]
fn keyhoundignore_is_always_honoured_and_git_dir_skipped() {
    let dir = temp_dir();
    write(dir.path(), ".keyhoundignore", "vendor/\n*.log\n");
    write(dir.path(), "vendor/lib.py", credentials_file());
    write(dir.path(), "build.log", credentials_file());
    write(dir.path(), ".git/config", credentials_file());
    write(dir.path(), "src/main.py", credentials_file());
    let (_, json) = scan_json(dir.path(), &["."]);
    assert_eq!(finding_keys(&json), vec!["src/main.py:2:credential"]);
}

#[test]
fn files_over_the_size_limit_are_named_and_counted_even_as_arguments() {
    let dir = temp_dir();
    let mut big = credentials_file();
    big.push_str(&"x".repeat(4096));
    write(dir.path(), "big.env", &big);
    write(dir.path(), "small.env", credentials_file());
    let (run, json) = scan_json(
        dir.path(),
        &["--max-file-size", "1K", "big.env", "small.env"],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("big.env: skipped"), "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["small.env:2:credential"]);
    assert_eq!(json["stats"]["too_large"][0]["path"], "big.env");
    assert!(run.stderr.contains("1 too large"), "{}", run.stderr);
}

#[test]
fn a_long_single_line_finds_the_key_at_its_end() {
    let dir = temp_dir();
    let mut line = "var a=1;".repeat(2_000_000);
    line.push_str(&format!(
        "var c={{accessKeyId:\"{KEY_ID}\",secretAccessKey:\"{SECRET}\"}};"
    ));
    write(dir.path(), "bundle.min.js", &line);
    let (_, json) = scan_json(dir.path(), &["."]);
    assert_eq!(finding_keys(&json), vec!["bundle.min.js:1:credential"]);
    assert_eq!(json["findings"][0]["column"], 16_000_000 + 21);
}

/// A file far larger than the scanner's window, with pairs straddling window edges
/// (8 MiB apart), a suppressed one, and one on the last line.
fn write_large_file(path: &std::path::Path, megabytes: usize) -> Vec<String> {
    let filler = "the quick brown fox jumps over the lazy dog, nothing to see here é\n";
    let pair = format!("aws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n");
    let allowed = format!("id = {KEY_ID_2} # keyhound:allow\n");
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let (mut written, mut line, mut expected) = (0usize, 1usize, Vec::new());
    let mut edge = 8 << 20;
    while written < megabytes << 20 {
        // The key id line ends just before the edge: the secret is in the next window.
        let chunk: &str = if written + filler.len() + 45 > edge && written < edge {
            edge += 8 << 20;
            expected.push(format!("big.log:{line}:credential"));
            &pair
        } else if line % 1_000_000 == 0 {
            &allowed
        } else {
            filler
        };
        file.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
        line += chunk.matches('\n').count();
    }
    // Far enough from the last pair not to pair with its secret.
    file.write_all(filler.repeat(10).as_bytes()).unwrap();
    file.write_all(format!("last = \"{KEY_ID_2}\"").as_bytes())
        .unwrap();
    expected.push(format!("big.log:{}:access-key-id", line + 10));
    file.flush().unwrap();
    expected.sort();
    expected
}

/// The highest resident set size, in KiB, `child` reached before it exited (Linux's
/// VmHWM, polled: it only grows, so the last reading is the peak).
#[cfg(target_os = "linux")]
fn peak_rss_kib(child: &mut std::process::Child) -> u64 {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak = kib;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    peak
}

#[test]
#[cfg(target_os = "linux")]
fn a_file_larger_than_memory_is_streamed_with_bounded_memory() {
    let dir = temp_dir();
    let expected = write_large_file(&dir.path().join("big.log"), 200);
    assert!(expected.len() >= 24, "{expected:?}");
    let mut child = keyhound()
        .args([
            "scan",
            "--format",
            "json",
            "-j1",
            "--show-suppressed",
            "big.log",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stdout on another thread so a full pipe cannot stall the child.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let peak = peak_rss_kib(&mut child);
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert_eq!(finding_keys(&json), expected);
    assert_eq!(json["stats"]["suppressed"], 3, "{}", json["stats"]);
    assert!(json["stats"]["too_large"].as_array().unwrap().is_empty());
    // 200 MiB scanned; one window (8.5 MiB) plus the program is what stays resident.
    assert!(peak > 0 && peak < 64 << 10, "peak RSS {peak} KiB");
}

#[test]
fn standard_input_is_streamed_too() {
    let dir = temp_dir();
    let expected = write_large_file(&dir.path().join("big.log"), 20);
    let child = keyhound()
        .args(["scan", "--format", "json", "-"])
        .stdin(std::fs::File::open(dir.path().join("big.log")).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut expected: Vec<String> = expected
        .iter()
        .map(|k| k.replace("big.log", "<stdin>"))
        .collect();
    expected.sort();
    assert_eq!(finding_keys(&json), expected);
}

#[test]
#[cfg(unix)]
fn invalid_utf8_content_and_file_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp_dir();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.env");
    let mut contents = b"\xff\xfe\xfd garbage \xc3\x28\n".to_vec();
    contents.extend_from_slice(credentials_file().as_bytes());
    std::fs::write(dir.path().join(name), contents).unwrap();
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1);
    assert_eq!(finding_keys(&json), vec!["caf\\xe9.env:3:credential"]);
    let human = scan(dir.path(), &["."]);
    assert!(human.stdout.contains("caf\\xe9.env:3:"), "{}", human.stdout);
}

#[test]
#[cfg(unix)]
fn symlinks_are_not_followed_by_default_and_loops_end() {
    let dir = temp_dir();
    let outside = temp_dir();
    write(outside.path(), "credentials", credentials_file());
    write(dir.path(), "README", "hello\n");
    std::os::unix::fs::symlink(outside.path().join("credentials"), dir.path().join("link"))
        .unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("loop")).unwrap();

    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["stats"]["symlinks_skipped"], 2);
    assert!(!run.stdout.contains(&SECRET[..10]));

    let (run, json) = scan_json(dir.path(), &["--follow-symlinks", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("symlink loop"), "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["link:2:credential"]);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = temp_dir();
    write(dir.path(), "a.env", credentials_file());
    let piped = scan(dir.path(), &["."]);
    assert!(!piped.stdout.contains('\x1b'), "no colour when piped");
    let forced = scan(dir.path(), &["--color", "always", "."]);
    assert!(forced.stdout.contains("\x1b["), "colour when forced");
    let no_color = run_in(
        dir.path(),
        keyhound().args(["scan", "."]).env("NO_COLOR", "1"),
    );
    assert!(!no_color.stdout.contains('\x1b'));
}

#[test]
fn human_report_says_where_what_and_what_to_do() {
    let dir = temp_dir();
    write(dir.path(), "deploy/.aws/credentials", credentials_file());
    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 1);
    let out = &run.stdout;
    assert!(
        out.contains("deploy/.aws/credentials:2:21 CRITICAL credential [aws-credential]"),
        "{out}"
    );
    assert!(out.contains(&format!("key id  {KEY_ID}")), "{out}");
    assert!(
        out.contains(&format!("secret  {}…(36 more)", &SECRET[..4])),
        "{out}"
    );
    assert!(out.contains("account "), "{out}");
    assert!(
        out.contains("Deactivate the key") && out.contains("IAM role"),
        "{out}"
    );
    assert!(
        run.stderr.contains("1 file,") && run.stderr.contains("1 finding (1 critical)"),
        "{}",
        run.stderr
    );
}

#[test]
fn json_and_jsonl_carry_the_same_findings_and_stats() {
    let dir = temp_dir();
    write(dir.path(), "a/.env", credentials_file());
    write(
        dir.path(),
        "b/app.py",
        format!("KEY = '{KEY_ID_2}'\nSECRET_ACCESS = '{SECRET_2}'\n"),
    );
    let (_, json) = scan_json(dir.path(), &["."]);
    assert_eq!(json["version"], 1);
    assert_eq!(json["tool"]["name"], "keyhound");
    assert_eq!(json["stats"]["files"], 2);
    assert_eq!(json["stats"]["findings"], 2);
    let first = &json["findings"][0];
    assert_eq!(first["key_id"], KEY_ID);
    assert_eq!(first["fingerprint"].as_str().unwrap().len(), 64);
    assert_eq!(first["account_id"].as_str().unwrap().len(), 12);
    assert_eq!(first["parts"].as_array().unwrap().len(), 2);
    assert_eq!(first["secret"], format!("{}…(36 more)", &SECRET[..4]));

    let run = scan(dir.path(), &["--format", "jsonl", "."]);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[..2].iter().all(|l| l["type"] == "finding"));
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["stats"]["findings"], 2);
    // JSON Lines come as the files are finished (streamed); the document is sorted.
    let key = |f: &serde_json::Value| (f["path"].to_string(), f["fingerprint"].to_string());
    let mut streamed: Vec<_> = lines[..2].iter().map(key).collect();
    streamed.sort();
    let sorted: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    assert_eq!(streamed, sorted);
}

#[test]
fn one_thread_and_many_threads_agree() {
    let dir = repo_root().join("fixtures/scan");
    let (_, one) = scan_json(&dir, &["-j", "1", "."]);
    let (_, many) = scan_json(&dir, &["-j", "4", "."]);
    assert_eq!(one["findings"], many["findings"]);
}

#[test]
#[cfg(target_os = "linux")]
fn unreadable_inputs_make_the_scan_incomplete_but_it_goes_on() {
    // /proc/self/mem is a regular file that fails to read at offset 0, even for root.
    let dir = temp_dir();
    write(dir.path(), "app/.env", credentials_file());
    let (run, json) = scan_json(dir.path(), &["app", "/proc/self/mem"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("/proc/self/mem: cannot read"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 unreadable"), "{}", run.stderr);
    assert_eq!(finding_keys(&json), vec!["app/.env:2:credential"]);
}

#[test]
#[cfg(unix)]
fn fifos_are_skipped_not_opened() {
    let dir = temp_dir();
    write(dir.path(), "a.env", credentials_file());
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("pipe: skipped, not a regular file"),
        "{}",
        run.stderr
    );
    assert_eq!(json["stats"]["special_skipped"], 1);
}

#[test]
fn keyhoundignore_above_the_scanned_path_is_honoured() {
    let dir = temp_dir();
    write(dir.path(), ".keyhoundignore", "sub/vendored/\n");
    write(dir.path(), "sub/vendored/lib.py", credentials_file());
    write(dir.path(), "sub/app.py", format!("KEY = '{KEY_ID_2}'\n"));
    let (_, json) = scan_json(&dir.path().join("sub"), &["."]);
    assert_eq!(finding_keys(&json), vec!["app.py:1:access-key-id"]);
    assert!(
        json["findings"][0].get("secret").is_none(),
        "a lone key id has no secret"
    );
}

#[test]
fn a_real_key_id_next_to_the_example_secret_is_still_reported() {
    let dir = temp_dir();
    write(
        dir.path(),
        "config.ini",
        format!("aws_access_key_id = {KEY_ID}\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
    );
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1);
    assert_eq!(
        finding_keys(&json),
        vec!["config.ini:1:access-key-id", "config.ini:2:example"]
    );
}

#[test]
fn inline_comments_suppress_and_are_counted_and_listed_on_request() {
    let dir = temp_dir();
    write(
        dir.path(),
        "tests/fixture.py",
        format!(
            "ID = '{KEY_ID}'  # keyhound:allow\n# keyhound:allow-next-line\nOTHER = '{KEY_ID_2}'\nLEGACY = 'AKIAFJXNMR6TZAPCKW37'  # gitleaks:allow\n"
        ),
    );
    write(
        dir.path(),
        "conf/app.yml",
        "key: AKIAJW2PXZCQRJFHSEZU # pragma: allowlist secret\n",
    );
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 0, "everything is allowed: {}", run.stderr);
    assert_eq!(json["stats"]["suppressed"], 4);
    assert!(
        json.get("suppressed").is_none(),
        "not listed without --show-suppressed"
    );
    assert!(run.stderr.contains("4 suppressed inline"), "{}", run.stderr);

    let (_, json) = scan_json(dir.path(), &["--show-suppressed", "."]);
    let mut listed: Vec<String> = json["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} line {}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["suppressed_by"]["marker"].as_str().unwrap(),
                f["suppressed_by"]["line"]
            )
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            "conf/app.yml:1 pragma: allowlist secret line 1",
            "tests/fixture.py:1 keyhound:allow line 1",
            "tests/fixture.py:3 keyhound:allow-next-line line 2",
            "tests/fixture.py:4 gitleaks:allow line 4",
        ]
    );
    let human = scan(dir.path(), &["--show-suppressed", "."]);
    assert!(
        human.stdout.contains("tests/fixture.py:3:10 HIGH access-key-id [aws-access-key-id]: keyhound:allow-next-line on line 2"),
        "{}",
        human.stdout
    );
}

#[test]
fn inline_comments_work_in_git_scans_too() {
    let repo = Repo::init();
    repo.write("a.txt", "a\n");
    repo.commit_all("init");
    repo.write(
        "test_data.py",
        format!("KEY = '{KEY_ID}'  # keyhound:allow\nREAL = '{KEY_ID_2}'\n"),
    );
    repo.git(&["add", "-A"]);
    let (run, json) = repo.keyhound_json(&["git", "staged"]);
    assert_eq!(run.code, 1);
    assert_eq!(finding_keys(&json), vec!["test_data.py:2:access-key-id"]);
    assert_eq!(json["stats"]["suppressed"], 1);
}
