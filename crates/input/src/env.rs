//! Environment variables: this process's, and every readable process's. A service
//! started with `AWS_SECRET_ACCESS_KEY` in its environment carries a long-lived key,
//! whatever its files say (CIS 1.18: "audit all scripts and environment variables").

use std::path::Path;

use keyhound_core::{InlineAllowances, Scanner, Scratch};
use keyhound_report::{ReportBuilder, Source};

/// This process's environment as [`environment_text`] writes it.
pub fn own_environment() -> Vec<u8> {
    environment_text(
        std::env::vars_os().map(|(k, v)| (k.into_encoded_bytes(), v.into_encoded_bytes())),
    )
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

/// Scans one environment (as [`environment_text`] writes it) into `builder`, as `source`.
pub fn scan_environment(
    scanner: &Scanner,
    scratch: &mut Scratch,
    builder: &mut ReportBuilder,
    source: Source,
    text: &[u8],
) {
    let (mut findings, mut suppressed) = (Vec::new(), Vec::new());
    let mut allowances = InlineAllowances::new(text);
    let ended = scanner.scan_with(text, scratch, |finding| {
        match allowances.of(&finding) {
            Some(allowance) => suppressed.push((finding, allowance)),
            None => findings.push(finding),
        }
        std::ops::ControlFlow::Continue(())
    });
    let shown = source.display();
    builder.scanned(source, text.len() as u64, findings, suppressed);
    // An environment over the findings budget is not completely scanned: say so.
    if let Some(reason) = crate::walk::stopped_by(ended, scanner) {
        builder.unreadable(shown, reason);
    }
}

/// Every process's environment, read from `/proc`.
#[derive(Debug, Default)]
pub struct ProcessEnvironments {
    /// Each readable process ([`Source::Process`]) with its environment, as
    /// [`environment_text`] writes it, by pid.
    pub environments: Vec<(Source, Vec<u8>)>,
    /// Processes whose environment could not be read (another user's, without root),
    /// named as [`Source::path`] shows them, with why. The normal state of an audit run
    /// without root: not an incomplete scan.
    pub unreadable: Vec<(String, String)>,
    /// `/proc` itself could not be listed: why. This one is an incomplete scan.
    pub not_listed: Option<String>,
    /// Processes with no environment to read: kernel threads (the kernel answers "no
    /// such process" for their `environ`) and processes that exited before they could be
    /// read. Counted, not named: there is nothing in them to find.
    pub without_environment: u64,
}

/// Reads every process's environment (`/proc/<pid>/environ`, NUL-separated). A process
/// that exits between listing and reading is passed over.
pub fn process_environments() -> ProcessEnvironments {
    process_environments_in(Path::new("/proc"))
}

/// Scans every environment `found` holds into `builder` ([`scan_environment`]), and
/// records what could not be read: `/proc` not listed as an unreadable input (the scan is
/// then incomplete), each process whose environment is unreadable as such (it is not).
pub fn scan_process_environments(
    scanner: &Scanner,
    scratch: &mut Scratch,
    builder: &mut ReportBuilder,
    found: ProcessEnvironments,
) {
    if let Some(error) = found.not_listed {
        builder.unreadable("/proc".into(), error);
    }
    for (name, error) in found.unreadable {
        builder.process_unreadable(name, error);
    }
    for (source, text) in found.environments {
        scan_environment(scanner, scratch, builder, source, &text);
    }
}

/// "No such process": what reading a kernel thread's `environ` gives.
const ESRCH: i32 = 3;

fn process_environments_in(proc: &Path) -> ProcessEnvironments {
    let mut found = ProcessEnvironments::default();
    let entries = match std::fs::read_dir(proc) {
        Ok(entries) => entries,
        Err(err) => {
            found.not_listed = Some(err.to_string());
            return found;
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
        let source = Source::Process { pid, command };
        match std::fs::read(dir.join("environ")) {
            Ok(raw) => {
                let vars = raw.split(|&b| b == 0).filter(|v| !v.is_empty()).map(|var| {
                    let eq = var.iter().position(|&b| b == b'=').unwrap_or(var.len());
                    (var[..eq].to_vec(), var[(eq + 1).min(var.len())..].to_vec())
                });
                found.environments.push((source, environment_text(vars)));
            }
            // A kernel thread has no environment (ESRCH), and a process that exited
            // between listing and reading has none left (ENOENT, or ESRCH).
            Err(err)
                if err.kind() == std::io::ErrorKind::NotFound
                    || err.raw_os_error() == Some(ESRCH) =>
            {
                found.without_environment += 1;
            }
            Err(err) => {
                let name = source.path().display().to_string();
                found.unreadable.push((name, err.to_string()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_threads_are_counted_as_without_environment_not_unreadable() {
        let found = process_environments();
        for (name, error) in &found.unreadable {
            assert!(!error.contains("No such process"), "{name}: {error}");
        }
        // Every kernel thread this machine shows (kthreadd, pid 2, on a Linux host that
        // is not a container) is counted.
        let kernel_threads = (1..=2u32)
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/environ"))
                    .is_err_and(|e| e.raw_os_error() == Some(ESRCH))
            })
            .count() as u64;
        assert!(found.without_environment >= kernel_threads);
    }

    #[test]
    fn a_process_environment_is_one_variable_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let process = dir.path().join("42");
        std::fs::create_dir(&process).unwrap();
        std::fs::write(process.join("comm"), "app\n").unwrap();
        std::fs::write(process.join("environ"), b"A=1\0B=x=y\0\0").unwrap();
        std::fs::create_dir(dir.path().join("self")).unwrap();
        let found = process_environments_in(dir.path());
        assert_eq!(found.environments.len(), 1);
        let (source, text) = &found.environments[0];
        assert_eq!(source.display(), "/proc/42/environ (app)");
        assert_eq!(text, b"A=1\nB=x=y\n");
        assert!(found.unreadable.is_empty() && found.not_listed.is_none());
    }

    #[test]
    fn process_environments_are_scanned_and_their_problems_recorded() {
        let key = b"AWS_ACCESS_KEY_ID=AKIATDL6PABMCTNRC77F\n\
            AWS_SECRET_ACCESS_KEY=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\n";
        let process = Source::Process {
            pid: 42,
            command: "app".into(),
        };
        let found = ProcessEnvironments {
            environments: vec![(process, key.to_vec())],
            unreadable: vec![("/proc/7/environ".into(), "Permission denied".into())],
            not_listed: None,
            without_environment: 3,
        };
        let mut builder = ReportBuilder::new();
        let scanner = Scanner::default();
        scan_process_environments(&scanner, &mut Scratch::new(), &mut builder, found);
        let report = builder.build();
        assert_eq!(report.sources.len(), 1);
        assert_eq!(report.stats.processes_unreadable.len(), 1);
        assert!(!report.is_incomplete());
        let unlisted = ProcessEnvironments {
            not_listed: Some("denied".into()),
            ..ProcessEnvironments::default()
        };
        let mut builder = ReportBuilder::new();
        scan_process_environments(&scanner, &mut Scratch::new(), &mut builder, unlisted);
        let report = builder.build();
        assert_eq!(
            report.stats.unreadable,
            [("/proc".to_string(), "denied".to_string())]
        );
        assert!(report.is_incomplete());
    }
}
