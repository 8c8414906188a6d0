//! Running the audit: list the places, resolve each inside the root, walk what exists
//! once with the parallel scanner, add process environments on the live host, and ask
//! IMDS for the role where that makes sense.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use keyhound_core::{Cancel, Scanner, Scratch};
use keyhound_input::env::{process_environments, scan_environment};
use keyhound_input::{scan_paths_with, Control, Event, Progress, WalkOptions};
use keyhound_report::{display_path, ReportBuilder, Source};

use crate::http::Endpoint;
use crate::imds::{self, RoleCheck};
use crate::rootfs::{Resolved, Root};
use crate::verdict::{Audit, Located, Status};
use crate::{packages, places, systemd, Place};

/// How to audit.
#[derive(Clone)]
pub struct AuditOptions {
    /// The file system to audit as if it were `/`: this host's `/`, or an image, a
    /// snapshot's volume, a container's root file system mounted somewhere. Process
    /// environments are read, and the instance role asked for, only for this host.
    pub root: PathBuf,
    /// Ask the instance metadata service even when this machine does not look like EC2,
    /// or when auditing a mounted file system.
    pub imds: bool,
    /// Where the instance metadata service is.
    pub imds_endpoint: Endpoint,
    /// How long each request to it may take.
    pub imds_timeout: Duration,
    /// Files larger than this are not scanned (named in the report).
    pub max_file_size: u64,
    /// Scanning threads; 0 means one per CPU.
    pub threads: usize,
    /// AWS documentation example keys fail the audit too.
    pub fail_on_examples: bool,
    /// Keys in files of installed third-party packages ([`crate::packages`]) fail the
    /// audit too; without it they are listed apart and do not.
    pub strict: bool,
    /// Stops the audit soon when set: what was not read makes it incomplete.
    pub cancel: Cancel,
    /// Told of every file found and scanned in the places walked (a progress bar).
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for AuditOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditOptions")
            .field("root", &self.root)
            .field("imds", &self.imds)
            .field("imds_endpoint", &self.imds_endpoint)
            .field("imds_timeout", &self.imds_timeout)
            .field("max_file_size", &self.max_file_size)
            .field("threads", &self.threads)
            .field("fail_on_examples", &self.fail_on_examples)
            .field("strict", &self.strict)
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Default for AuditOptions {
    /// This host, IMDS at its usual address asked only on EC2 with a 1 s timeout, files up
    /// to 64 MiB, one thread per CPU.
    fn default() -> AuditOptions {
        AuditOptions {
            root: PathBuf::from("/"),
            imds: false,
            imds_endpoint: Endpoint::parse(imds::DEFAULT_ENDPOINT)
                .expect("the default endpoint parses"),
            imds_timeout: Duration::from_secs(1),
            max_file_size: 64 << 20,
            threads: 0,
            fail_on_examples: false,
            strict: false,
            cancel: Cancel::new(),
            progress: None,
        }
    }
}

/// Why an audit could not start.
#[derive(Debug)]
pub struct AuditError {
    /// The root asked for.
    pub root: PathBuf,
    /// Why it cannot be audited.
    pub error: std::io::Error,
}

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", display_path(&self.root), self.error)
    }
}

impl std::error::Error for AuditError {}

/// What the audit tells as it goes: every place or input it could not read, as it
/// happens (each is also in the report).
#[derive(Debug)]
pub enum Notice<'a> {
    /// From the file walk.
    Walk(&'a Event),
    /// A place could not be resolved inside the root.
    PlaceUnreadable {
        /// The place, as the audited system names it.
        path: String,
        /// Why.
        error: String,
    },
    /// `/proc` could not be listed: no process environment was read.
    ProcessesNotListed(String),
    /// One process's environment could not be read (normal without root).
    ProcessUnreadable {
        /// The process, as reports name it.
        name: String,
        /// Why.
        error: String,
    },
}

/// Audits `options.root` with `scanner`, telling `on_notice` what it cannot read. The
/// report holds every finding, suppressed ones included: apply a configuration's
/// allowlists and [`keyhound_report::Report::forget_suppressed`] as the caller wants.
pub fn audit(
    options: &AuditOptions,
    scanner: &Scanner,
    mut on_notice: impl FnMut(Notice<'_>),
) -> Result<Audit, AuditError> {
    let root = Root::new(&options.root).map_err(|error| AuditError {
        root: options.root.clone(),
        error,
    })?;
    let max = options.max_file_size;
    let mut notes = Vec::new();
    let mut unreadable: Vec<(String, String)> = Vec::new();

    // Process environments first: they also name credentials files.
    let mut environments = Vec::new();
    let mut processes_unreadable = Vec::new();
    if root.is_live() {
        let found = process_environments();
        if let Some(error) = &found.not_listed {
            on_notice(Notice::ProcessesNotListed(error.clone()));
            unreadable.push(("/proc".into(), error.clone()));
        }
        for (name, error) in &found.unreadable {
            on_notice(Notice::ProcessUnreadable {
                name: name.clone(),
                error: error.clone(),
            });
        }
        processes_unreadable = found.unreadable;
        environments = found.environments;
    }
    let mut wanted = places::fixed();
    let homes = places::homes(&root);
    if let Some((path, error)) = homes.problem {
        unreadable.push((display_path(&path), error));
    }
    notes.extend(places::system_homes_note(&homes.system));
    let mut user_unit_dirs = Vec::new();
    for home in &homes.homes {
        wanted.extend(places::in_home(home));
        user_unit_dirs.push(home.path.join(".config/systemd/user"));
    }
    for (source, text) in &environments {
        let (found, said) = places::from_environment(&source.display(), text);
        wanted.extend(found);
        notes.extend(said);
    }
    let units = systemd::unit_files(&root, &user_unit_dirs);
    let (environment_files, said) = systemd::environment_file_places(&root, &units, max);
    wanted.extend(environment_files);
    notes.extend(said);

    let located = locate(&root, dedup(wanted), &mut unreadable, &mut on_notice);
    let mut builder = walk_places(&root, &located, options, scanner, &mut on_notice);
    let stats = builder.stats_mut();
    stats.unreadable.extend(unreadable);
    stats.processes_unreadable = processes_unreadable;
    stats.unreadable.sort();
    stats.unreadable.dedup();

    let mut scratch = Scratch::new();
    let mut processes = Vec::new();
    for (source, text) in environments {
        if options.cancel.is_cancelled() {
            // The walk said so already: the report is incomplete.
            break;
        }
        scan_environment(scanner, &mut scratch, &mut builder, source.clone(), &text);
        processes.push(source);
    }
    let mut report = builder.build();
    report
        .sources
        .sort_by(|a, b| a.source.path().cmp(&b.source.path()));

    // Only files with findings are attributed: a clean host reads no package database.
    let found_in: Vec<PathBuf> = report
        .sources
        .iter()
        .filter(|group| !group.findings.is_empty())
        .filter_map(|group| match &group.source {
            Source::Path(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let attribution = if found_in.is_empty() {
        packages::Attribution::default()
    } else {
        packages::attribute(&root, &found_in)
    };
    notes.extend(attribution.notes);

    Ok(Audit {
        root: root.path().to_path_buf(),
        live: root.is_live(),
        role: role_check(options, &root),
        report,
        places: located,
        processes,
        notes,
        fail_on_examples: options.fail_on_examples,
        packages: attribution.packages,
        strict: options.strict,
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
fn locate(
    root: &Root,
    places: Vec<Place>,
    unreadable: &mut Vec<(String, String)>,
    on_notice: &mut impl FnMut(Notice<'_>),
) -> Vec<Located> {
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
                    on_notice(Notice::PlaceUnreadable {
                        path: shown.clone(),
                        error: err.to_string(),
                    });
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
    options: &AuditOptions,
    scanner: &Scanner,
    on_notice: &mut impl FnMut(Notice<'_>),
) -> ReportBuilder {
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
    let walk = WalkOptions {
        // An audited host must not be able to hide files from its own audit.
        keyhoundignore: false,
        max_file_size: options.max_file_size,
        threads: options.threads,
        ..WalkOptions::default()
    };
    let control = Control {
        cancel: options.cancel.clone(),
        progress: options.progress.clone(),
    };
    let mut builder = ReportBuilder::new();
    scan_paths_with(&mut builder, &real, &walk, scanner, &control, |event| {
        on_notice(Notice::Walk(event))
    });
    builder.sort();
    let mut report = builder.build();
    if !root.is_live() {
        for group in &mut report.sources {
            if let Source::Path(path) = &group.source {
                if let Some(inside) = root.inside(path) {
                    group.source = Source::Path(inside);
                }
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
    ReportBuilder::from(report)
}

/// The role step: IMDS is asked on the live host when it looks like EC2, or anywhere when
/// asked. An image's /sys says nothing about the machine auditing it, and IMDS would
/// answer for this machine, not for the image: so this machine's /sys is what counts, and
/// only when auditing this machine.
fn role_check(options: &AuditOptions, root: &Root) -> RoleCheck {
    let reason = if options.imds {
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
    imds::check(&options.imds_endpoint, options.imds_timeout, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Verdict;

    #[test]
    fn a_cancelled_audit_is_incomplete() {
        let image = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(image.path().join("etc")).unwrap();
        std::fs::write(image.path().join("etc/environment"), "PATH=/bin\n").unwrap();
        let options = AuditOptions {
            root: image.path().to_path_buf(),
            ..AuditOptions::default()
        };
        options.cancel.cancel();
        let audit = audit(&options, &Scanner::default(), |_| {}).unwrap();
        assert_eq!(audit.result(), Verdict::Incomplete);
        assert!(audit.report.is_incomplete());
    }
}
