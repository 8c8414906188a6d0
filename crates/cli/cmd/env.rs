//! `keyhound env`: environment variables, the second step of the CIS 1.18 audit ("audit
//! all scripts and environment variables"). A service started with AWS_SECRET_ACCESS_KEY
//! in its environment carries a long-lived key, whatever its files say.

use std::path::{Path, PathBuf};
use std::time::Instant;

use keyhound_core::{inline_allowance, Scanner, Scratch};

use crate::args::EnvArgs;
use crate::cmd::finish;
use crate::config::Config;
use crate::exit::ExitCode;
use crate::report::{FileFindings, Report};

/// Scans this process's environment, or every readable process's.
pub fn run(args: &EnvArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let config = Config::for_scan(&args.output, Path::new("."))?;
    let scanner = Scanner::new(config.rules.clone());
    let mut scratch = Scratch::new();
    let mut report = Report::default();
    if args.all_processes {
        for (name, text) in process_environments(&mut report) {
            scan_environment(&scanner, &mut scratch, &mut report, name, &text);
        }
    } else {
        let text = environment_text(
            std::env::vars_os().map(|(k, v)| (k.into_encoded_bytes(), v.into_encoded_bytes())),
        );
        scan_environment(
            &scanner,
            &mut scratch,
            &mut report,
            PathBuf::from("<env>"),
            &text,
        );
    }
    report.stats.elapsed = started.elapsed();
    finish(report, &config, &args.output)
}

/// One `NAME=value` per line, so a finding's line says which variable holds it and a key
/// id pairs with its secret in the next variable.
pub fn environment_text(vars: impl Iterator<Item = (Vec<u8>, Vec<u8>)>) -> Vec<u8> {
    let mut text = Vec::new();
    for (name, value) in vars {
        text.extend_from_slice(&name);
        text.push(b'=');
        text.extend_from_slice(&value);
        text.push(b'\n');
    }
    text
}

/// Scans one environment (as [`environment_text`] writes it) into `report`, under `name`.
pub fn scan_environment(
    scanner: &Scanner,
    scratch: &mut Scratch,
    report: &mut Report,
    name: PathBuf,
    text: &[u8],
) {
    let stats = &mut report.stats;
    stats.files += 1;
    stats.bytes += text.len() as u64;
    let (mut findings, mut suppressed) = (Vec::new(), Vec::new());
    scanner.scan_with(text, scratch, |finding| {
        match inline_allowance(text, &finding) {
            Some(allowance) => suppressed.push((finding, allowance)),
            None => findings.push(finding),
        }
        std::ops::ControlFlow::Continue(())
    });
    stats.findings += findings.len() as u64;
    stats.examples += findings.iter().filter(|f| f.example).count() as u64;
    stats.suppressed += suppressed.len() as u64;
    if !findings.is_empty() || !suppressed.is_empty() {
        report.files.push(FileFindings {
            path: name,
            findings,
            suppressed,
            git: None,
        });
    }
}

/// Every process's environment (`/proc/<pid>/environ`, NUL-separated), named
/// `/proc/<pid>/environ (<command>)`. Processes that cannot be read are counted and named
/// on stderr, and the scan goes on: that is the normal state of a non-root audit.
pub fn process_environments(report: &mut Report) -> Vec<(PathBuf, Vec<u8>)> {
    let mut environments = Vec::new();
    let proc = Path::new("/proc");
    let entries = match std::fs::read_dir(proc) {
        Ok(entries) => entries,
        Err(err) => {
            eprintln!("keyhound: /proc: cannot list processes: {err}");
            report
                .stats
                .unreadable
                .push(("/proc".into(), err.to_string()));
            return environments;
        }
    };
    let mut pids: Vec<u32> = entries
        .flatten()
        .filter_map(|entry| {
            entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse().ok())
        })
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let dir = proc.join(pid.to_string());
        let command = std::fs::read_to_string(dir.join("comm"))
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        let name = PathBuf::from(format!("/proc/{pid}/environ ({command})"));
        match std::fs::read(dir.join("environ")) {
            Ok(raw) => {
                let vars = raw.split(|&b| b == 0).filter(|v| !v.is_empty()).map(|var| {
                    let eq = var.iter().position(|&b| b == b'=').unwrap_or(var.len());
                    (var[..eq].to_vec(), var[(eq + 1).min(var.len())..].to_vec())
                });
                environments.push((name, environment_text(vars)));
            }
            // A process that exited between listing and reading is not a failure.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                eprintln!("keyhound: {}: cannot read: {err}", name.display());
                report
                    .stats
                    .processes_unreadable
                    .push((name.display().to_string(), err.to_string()));
            }
        }
    }
    environments
}
