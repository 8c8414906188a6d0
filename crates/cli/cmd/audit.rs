//! `keyhound audit`: CIS AWS 1.18 on this host or on a file system mounted at `--root`.
//! Lists the places (see `audit::places`), resolves each inside the root, walks what exists
//! once with the parallel scanner, adds process environments on the live host, asks IMDS
//! for the role where that makes sense, and reports PASS or FAIL with the evidence.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Context;
use keyhound_core::{Scanner, Scratch};

use crate::args::{AuditArgs, AuditFormat, ColorChoice};
use crate::audit::imds::{self, RoleCheck};
use crate::audit::report::{self, Audit, Located, Status};
use crate::audit::rootfs::{Resolved, Root};
use crate::audit::{places, systemd, Place};
use crate::config::{Config, ExamplePolicy};
use crate::exit::ExitCode;
use crate::report::{display_path, human, Report};
use crate::walk::{self, WalkOptions};

/// Runs the audit and returns the exit code.
pub fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let root =
        Root::new(&args.root).with_context(|| format!("--root {}", display_path(&args.root)))?;
    // The audited system's own .keyhound.toml is never read: only --config.
    let config = Config::resolve(args.config.as_deref(), true, root.path())?;
    let max = args
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(64 << 20);
    let endpoint = imds::endpoint(
        args.imds_endpoint.as_deref(),
        std::env::var(imds::ENDPOINT_VARIABLE).ok().as_deref(),
    )
    .map_err(|err| anyhow::anyhow!("--imds-endpoint: {err}"))?;
    let scanner = Scanner::new(config.rules.clone());
    let mut notes = Vec::new();
    let mut unreadable: Vec<(String, String)> = Vec::new();

    // Process environments first: they also name credentials files.
    let mut processes = Report::default();
    let environments = if root.is_live() {
        crate::cmd::env::process_environments(&mut processes)
    } else {
        Vec::new()
    };
    let mut wanted = places::fixed();
    let (homes, passwd_problem) = places::homes(&root);
    if let Some((path, error)) = passwd_problem {
        unreadable.push((display_path(&path), error));
    }
    let mut user_unit_dirs = Vec::new();
    for home in &homes {
        wanted.extend(places::in_home(home));
        user_unit_dirs.push(home.path.join(".config/systemd/user"));
    }
    for (name, text) in &environments {
        let (found, said) = places::from_environment(&display_path(name), text);
        wanted.extend(found);
        notes.extend(said);
    }
    let units = systemd::unit_files(&root, &user_unit_dirs);
    let (environment_files, said) = systemd::environment_file_places(&root, &units, max);
    wanted.extend(environment_files);
    notes.extend(said);

    let located = locate(&root, dedup(wanted), &mut unreadable);
    let mut report = walk_places(&root, &located, max, args.threads, &scanner);
    report.stats.unreadable.extend(unreadable);
    report.stats.unreadable.extend(processes.stats.unreadable);
    report.stats.processes_unreadable = processes.stats.processes_unreadable;
    report.stats.unreadable.sort();
    report.stats.unreadable.dedup();

    let mut scratch = Scratch::new();
    let mut process_names = Vec::new();
    for (name, text) in &environments {
        crate::cmd::env::scan_environment(&scanner, &mut scratch, &mut report, name.clone(), text);
        process_names.push(name.clone());
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    config.apply(&mut report);
    report.forget_suppressed();
    if let Some(options) = args.verification.options() {
        report.verification = Some(crate::verify::run(&report, &options));
    }

    let role = role_check(args, &root, &endpoint);
    report.stats.elapsed = started.elapsed();
    let audit = Audit {
        root: root.path().to_path_buf(),
        live: root.is_live(),
        role,
        report,
        places: located,
        processes: process_names,
        notes,
        fail_on_examples: args.fail_on_examples || config.examples == ExamplePolicy::Fail,
    };
    write(&audit, args)?;
    eprintln!(
        "{}",
        human::summary_line(&audit.report.stats, &audit.report)
    );
    Ok(if !audit.incomplete().is_empty() {
        ExitCode::Incomplete
    } else if audit.failing() > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
}

/// Places named twice (two processes pointing at one file) are looked at once, under the
/// first name.
fn dedup(places: Vec<Place>) -> Vec<Place> {
    let mut seen = HashSet::new();
    places
        .into_iter()
        .filter(|place| seen.insert(place.path.clone()))
        .collect()
}

/// Resolves every place inside the root. Those that cannot be resolved are counted.
fn locate(root: &Root, places: Vec<Place>, unreadable: &mut Vec<(String, String)>) -> Vec<Located> {
    places
        .into_iter()
        .map(|place| {
            let status = match root.resolve(&place.path) {
                Ok(Resolved::Found {
                    inside, via_link, ..
                }) => Status::Scanned { inside, via_link },
                Ok(Resolved::Absent { via_link }) => Status::Absent { via_link },
                Ok(Resolved::Pseudo { inside }) => Status::Pseudo(inside),
                Err(err) => {
                    let shown = display_path(&place.path);
                    eprintln!("keyhound: {shown}: cannot read: {err}");
                    unreadable.push((shown, err.to_string()));
                    Status::Unreadable(err.to_string())
                }
            };
            Located { place, status }
        })
        .collect()
}

/// Walks every place that exists, each file once: a place inside another place's tree
/// is covered by that walk (and is credited with its files by the report, being the more
/// specific). Paths in the result are as the audited system names them.
fn walk_places(
    root: &Root,
    located: &[Located],
    max: u64,
    threads: Option<usize>,
    scanner: &Scanner,
) -> Report {
    let mut inside: Vec<&Path> = located
        .iter()
        .filter_map(|l| match &l.status {
            Status::Scanned { inside, .. } => Some(inside.as_path()),
            _ => None,
        })
        .collect();
    inside.sort_by_key(|p| p.components().count());
    let mut roots: Vec<&Path> = Vec::new();
    for path in inside {
        if !roots.iter().any(|r| path.starts_with(r)) {
            roots.push(path);
        }
    }
    let real: Vec<PathBuf> = roots
        .iter()
        .map(|p| root.path().join(p.strip_prefix("/").unwrap_or(p)))
        .collect();
    let options = WalkOptions {
        gitignore: false,
        keyhoundignore: false,
        follow_symlinks: false,
        max_file_size: max,
        threads: threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
    };
    let (sender, receiver) = mpsc::channel();
    let collector = std::thread::spawn(move || crate::cmd::scan::collect(receiver));
    walk::walk(&real, &options, scanner, &sender);
    drop(sender);
    let mut report = collector
        .join()
        .expect("the collector thread does not panic");
    if !root.is_live() {
        for file in &mut report.files {
            if let Some(inside) = root.inside(&file.path) {
                file.path = inside;
            }
        }
        let prefix = display_path(root.path());
        let strip = |shown: &mut String| {
            if let Some(rest) = shown.strip_prefix(&prefix).filter(|r| r.starts_with('/')) {
                *shown = rest.to_string();
            }
        };
        for (path, _) in &mut report.stats.unreadable {
            strip(path);
        }
        for (path, _) in &mut report.stats.too_large {
            strip(path);
        }
    }
    report
}

/// The role step: IMDS is asked on the live host when it looks like EC2, or anywhere with
/// --imds. An image's /sys says nothing about the machine auditing it, and IMDS would
/// answer for this machine, not for the image: so this machine's /sys is what counts, and
/// only when auditing this machine.
fn role_check(args: &AuditArgs, root: &Root, endpoint: &crate::audit::http::Endpoint) -> RoleCheck {
    let reason = if args.imds {
        "--imds was given".to_string()
    } else if !root.is_live() {
        return RoleCheck::NotChecked(
            "auditing a mounted file system: the role belongs to a running instance, not to \
             a disk (pass --imds to ask this machine's instance metadata service)"
                .into(),
        );
    } else {
        match imds::ec2_marker(Path::new("/sys")) {
            Some(marker) => format!("this machine is EC2: {marker}"),
            None => {
                return RoleCheck::NotChecked(
                    "this machine is not EC2: no DMI or hypervisor marker in /sys (pass \
                     --imds to ask the instance metadata service anyway)"
                        .into(),
                )
            }
        }
    };
    imds::check(endpoint, args.imds_timeout, reason)
}

fn write(audit: &Audit, args: &AuditArgs) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    let (mut out, to_file): (Box<dyn Write>, bool) = match &args.report_path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to {}", display_path(path)))?;
            (Box::new(std::io::BufWriter::new(file)), true)
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            false,
        ),
    };
    match args.format {
        AuditFormat::Human => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    !to_file
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stdout().is_terminal()
                }
            };
            report::write_human(&mut out, audit, human::Style { color }, args.show_secrets)?
        }
        AuditFormat::Json => report::write_json(&mut out, audit, args.show_secrets)?,
        AuditFormat::Markdown => report::write_markdown(&mut out, audit, args.show_secrets)?,
    }
    out.flush()?;
    Ok(())
}
