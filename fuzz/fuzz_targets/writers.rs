//! The report writers: the findings of any bytes, scanned as a file and as a git blob at a
//! path taken from the input, are written in every format without a panic; JSON, JSON
//! Lines, SARIF and GitLab output parses back as JSON, human output is UTF-8, and no
//! secret access key or session token appears in full unless secrets are shown.
#![no_main]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use keyhound_core::{inline_allowance, Kind, Scanner};
use keyhound_report::{write, Commit, Format, GitOrigin, ReportBuilder, Source, WriteOptions};
use libfuzzer_sys::fuzz_target;

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(Scanner::default)
}

fuzz_target!(|input: &[u8]| {
    // A flags byte, a path (up to the first newline, at most 64 bytes), then the file.
    let Some((&flags, rest)) = input.split_first() else {
        return;
    };
    let end = rest.iter().take(64).position(|&b| b == b'\n').unwrap_or(0);
    let (path, data) = (&rest[..end], &rest[end..]);
    let (mut findings, mut suppressed) = (Vec::new(), Vec::new());
    for finding in scanner().scan(data) {
        match inline_allowance(data, &finding) {
            Some(allowance) => suppressed.push((finding, allowance)),
            None => findings.push(finding),
        }
    }
    let secrets: Vec<String> = findings
        .iter()
        .chain(suppressed.iter().map(|(finding, _)| finding))
        .flat_map(|finding| &finding.parts)
        .filter(|part| matches!(part.kind, Kind::SecretAccessKey | Kind::SessionToken))
        .map(|part| part.value.expose().to_string())
        .collect();

    let mut builder = ReportBuilder::new();
    let file = PathBuf::from(OsStr::from_bytes(path));
    builder.scanned(
        Source::Path(file),
        data.len() as u64,
        findings.clone(),
        suppressed,
    );
    let name = String::from_utf8_lossy(path).into_owned();
    let origin = GitOrigin {
        path: path.to_vec(),
        blob: "0123456789abcdef0123456789abcdef01234567".into(),
        commit: Some(Arc::new(Commit {
            id: "89abcdef0123456789abcdef0123456789abcdef".into(),
            author: name.clone(),
            email: name,
            time: i64::from(flags) << 28,
        })),
    };
    for finding in findings {
        builder.git_finding(origin.clone(), finding, None);
    }
    builder.sort();
    let report = builder.build();

    let options = WriteOptions {
        show_secrets: flags & 1 != 0,
        color: flags & 2 != 0,
    };
    for format in [
        Format::Human,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Gitlab,
    ] {
        let mut out = Vec::new();
        write(&mut out, &report, scanner().rules(), format, options).expect("writes to memory");
        match format {
            Format::Human => assert!(std::str::from_utf8(&out).is_ok(), "human output is UTF-8"),
            Format::Jsonl => {
                for line in out.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
                    serde_json::from_slice::<serde_json::Value>(line).expect("a JSON line");
                }
            }
            _ => {
                serde_json::from_slice::<serde_json::Value>(&out).expect("a JSON document");
            }
        }
        let shown = options.show_secrets && format != Format::Gitlab;
        let text = String::from_utf8_lossy(&out);
        for secret in secrets
            .iter()
            .filter(|secret| !shown && !path.windows(secret.len()).any(|w| w == secret.as_bytes()))
        {
            assert!(
                !text.contains(secret.as_str()),
                "{format:?} shows a secret in full"
            );
        }
    }
});
