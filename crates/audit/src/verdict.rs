//! The audit's verdict: what was looked at, what was found where, and what that means
//! for each step of the control. [`crate::render`] writes it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use keyhound_core::{Finding, Severity};
use keyhound_report::{display_path, key_of, plural_of, Report, Source, SourceFindings};

use crate::imds::{RoleCheck, Version};
use crate::packages::Package;
use crate::{Category, Place, Step};

/// The control, as reports name it.
pub const CONTROL: &str = "CIS AWS Foundations Benchmark 1.18";
/// The control's title.
pub const TITLE: &str = "Ensure IAM instance roles are used for AWS resource access from instances";

/// What became of one place.
#[derive(Debug)]
pub enum Status {
    /// It exists and was scanned (with everything under it), at `inside`.
    Scanned {
        /// The resolved path inside the root.
        inside: PathBuf,
        /// A symbolic link led there.
        via_link: bool,
    },
    /// Nothing there.
    Absent {
        /// Where a link led, when one did.
        via_link: Option<PathBuf>,
    },
    /// It is, or leads, under /proc, /sys or /dev: not read.
    Pseudo(PathBuf),
    /// It could not be resolved (named and counted as unreadable).
    Unreadable(String),
}

/// A place and what became of it.
#[derive(Debug)]
pub struct Located {
    /// The place.
    pub place: Place,
    /// What became of it.
    pub status: Status,
}

/// Where a finding was, for the report.
#[derive(Clone, Debug)]
pub struct Where<'a> {
    /// The kind of place.
    pub category: Category,
    /// The place (a directory walked, the file itself, a process environment).
    pub place: Cow<'a, Path>,
    /// Why the place was looked at, when not a fixed location.
    pub origin: Option<&'a str>,
}

/// The audit's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No long-lived key found, and everything could be read.
    Pass,
    /// Long-lived keys found (even when something else could not be read).
    Fail,
    /// No key found in what could be read, but something could not be.
    Incomplete,
}

impl Verdict {
    /// `pass`, `fail` or `incomplete`.
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// The outcome of one step of the control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepResult {
    /// No long-lived key in this step's places.
    Pass,
    /// Long-lived keys in this step's places.
    Fail,
    /// No key found, but a place of this step (or IMDS) could not be read.
    Incomplete,
    /// The role step: IMDS was not asked.
    NotChecked,
    /// The role step: a role is attached.
    Attached,
    /// The role step: no role is attached.
    NoRole,
}

impl StepResult {
    /// `pass`, `fail`, `incomplete`, `not-checked`, `attached` or `no-role`.
    pub fn id(self) -> &'static str {
        match self {
            StepResult::Pass => "pass",
            StepResult::Fail => "fail",
            StepResult::Incomplete => "incomplete",
            StepResult::NotChecked => "not-checked",
            StepResult::Attached => "attached",
            StepResult::NoRole => "no-role",
        }
    }
}

/// Everything the audit found.
#[derive(Debug)]
pub struct Audit {
    /// The audited root, on this machine.
    pub root: PathBuf,
    /// The root is this host's `/`.
    pub live: bool,
    /// The role step.
    pub role: RoleCheck,
    /// Findings (paths as the audited system names them) and counters.
    pub report: Report,
    /// Every place looked at.
    pub places: Vec<Located>,
    /// The process environments scanned.
    pub processes: Vec<Source>,
    /// Things worth saying that do not make the audit incomplete.
    pub notes: Vec<String>,
    /// AWS documentation example keys fail the audit too.
    pub fail_on_examples: bool,
    /// The files (inside the root) that belong to installed third-party packages, with
    /// their package. Their findings are reported apart ([`Audit::third_party`]).
    pub packages: HashMap<PathBuf, Package>,
    /// Keys in third-party packages fail the audit too (`--strict`).
    pub strict: bool,
}

impl Audit {
    /// Where the file at `path` (inside the root) was found: the most specific place
    /// that holds it. Every scanned file is under a place; were one not, it would count
    /// as an application file rather than go unreported.
    pub fn attribute<'a>(&'a self, path: &'a Path) -> Where<'a> {
        self.places
            .iter()
            .filter_map(|located| match &located.status {
                Status::Scanned { inside, .. } if path.starts_with(inside) => {
                    Some((inside.components().count(), located))
                }
                _ => None,
            })
            // The longest prefix; the first place listed among equals.
            .fold(
                None,
                |best: Option<(usize, &Located)>, (depth, located)| match best {
                    Some((d, _)) if d >= depth => best,
                    _ => Some((depth, located)),
                },
            )
            .map_or(
                Where {
                    category: Category::Application,
                    place: Cow::Borrowed(path),
                    origin: None,
                },
                |(_, located)| Where {
                    category: located.place.category,
                    place: Cow::Borrowed(&located.place.path),
                    origin: located.place.origin.as_deref(),
                },
            )
    }

    /// Where the findings of `source` were found: a process environment, or the place
    /// that holds the file.
    pub fn attribute_source<'a>(&'a self, source: &'a Source) -> Where<'a> {
        match source {
            Source::Process { .. } | Source::Environment => Where {
                category: Category::ProcessEnvironment,
                place: source.path(),
                origin: None,
            },
            Source::Path(path) => self.attribute(path),
            Source::Stdin | Source::Git(_) | Source::Cloud { .. } => Where {
                category: Category::Application,
                place: source.path(),
                origin: None,
            },
            // An archive's entries belong where the archive's file does (a wheel in a pip
            // cache is a third party's).
            Source::Archive { .. } => self.attribute_source(source.outermost()),
        }
    }

    /// Whether `finding` is a long-lived key (not an AWS documentation example, unless
    /// those count), wherever it is.
    fn fails(&self, finding: &Finding) -> bool {
        self.fail_on_examples || finding.severity > Severity::Info
    }

    /// The third-party package a source belongs to, if any.
    pub fn package_of(&self, source: &Source) -> Option<&Package> {
        match source {
            Source::Path(path) => self.packages.get(path),
            _ => None,
        }
    }

    /// Whether `finding`, in `file`, fails the audit: a long-lived key outside
    /// third-party packages, or anywhere with `--strict`.
    fn counts(&self, file: &SourceFindings, finding: &Finding) -> bool {
        self.fails(finding) && (self.strict || self.package_of(&file.source).is_none())
    }

    /// The findings in files of third-party packages, with their package and place,
    /// ordered by package and then by file.
    pub fn third_party(&self) -> Vec<(&SourceFindings, &Finding, &Package, Where<'_>)> {
        let mut found = Vec::new();
        for file in &self.report.sources {
            if let Some(package) = self.package_of(&file.source) {
                let place = self.attribute_source(&file.source);
                found.extend(
                    file.findings
                        .iter()
                        .map(|finding| (file, finding, package, place.clone())),
                );
            }
        }
        found.sort_by(|a, b| {
            a.2.cmp(b.2)
                .then_with(|| a.0.source.path().cmp(&b.0.source.path()))
        });
        found
    }

    /// Distinct long-lived keys ([`key_of`]) in third-party packages, counted or not.
    pub fn third_party_keys(&self) -> usize {
        distinct(
            self.third_party()
                .into_iter()
                .map(|(_, f, _, _)| f)
                .filter(|f| self.fails(f)),
        )
    }

    /// The third-party part's result: `pass` when it holds no long-lived key, else
    /// `fail` with `--strict` and `not-counted` without.
    pub fn third_party_result(&self) -> &'static str {
        match (self.third_party_keys(), self.strict) {
            (0, _) => "pass",
            (_, true) => "fail",
            (_, false) => "not-counted",
        }
    }

    /// One sentence on the third-party part.
    pub fn third_party_summary(&self) -> String {
        let found = self.third_party();
        let keys = self.third_party_keys();
        let packages: HashSet<&Package> = found.iter().map(|(_, _, p, _)| *p).collect();
        let files: HashSet<Cow<'_, Path>> =
            found.iter().map(|(f, _, _, _)| f.source.path()).collect();
        let examples = distinct(
            found
                .iter()
                .map(|(_, f, _, _)| *f)
                .filter(|f| !self.fails(f)),
        );
        let mut text = format!(
            "{} in {} of {}",
            plural_of(keys as u64, "long-lived key", "long-lived keys"),
            plural_of(files.len() as u64, "file", "files"),
            plural_of(packages.len() as u64, "package", "packages"),
        );
        if examples > 0 {
            text.push_str(&format!(
                " and {}",
                plural_of(
                    examples as u64,
                    "AWS documentation example key",
                    "AWS documentation example keys"
                )
            ));
        }
        text.push_str(if self.strict {
            ": counted (--strict)"
        } else {
            ": published with the packages, not the organisation's; not failing the audit \
             (--strict counts them)"
        });
        text
    }

    /// The findings of `step` outside third-party packages, with their file and place.
    pub fn findings_of(&self, step: Step) -> Vec<(&SourceFindings, &Finding, Where<'_>)> {
        let mut found = Vec::new();
        for file in &self.report.sources {
            if self.package_of(&file.source).is_some() {
                continue;
            }
            let place = self.attribute_source(&file.source);
            if place.category.step() == step {
                found.extend(
                    file.findings
                        .iter()
                        .map(|finding| (file, finding, place.clone())),
                );
            }
        }
        found
    }

    /// Distinct keys that fail the audit, everywhere: one key copied to many places is
    /// one key to rotate ([`key_of`]).
    pub fn failing(&self) -> usize {
        distinct(
            self.report
                .findings()
                .filter(|(file, f)| self.counts(file, f))
                .map(|(_, f)| f),
        )
    }

    /// The findings of `step` grouped by key ([`key_of`]), each key once, in the order
    /// its first place comes: what a reader rotates, with every place it sits.
    pub fn keys_of(&self, step: Step) -> Vec<Vec<(&SourceFindings, &Finding, Where<'_>)>> {
        let mut keys: Vec<Vec<_>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for found in self.findings_of(step) {
            let key = key_of(found.1);
            match index.get(&key) {
                Some(&at) => keys[at].push(found),
                None => {
                    index.insert(key, keys.len());
                    keys.push(vec![found]);
                }
            }
        }
        keys
    }

    /// Why the audit is incomplete (empty when it is complete).
    pub fn incomplete(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        let unreadable = self.report.stats.unreadable.len() as u64;
        if unreadable > 0 {
            reasons.push(format!(
                "{} could not be read",
                plural_of(unreadable, "place", "places")
            ));
        }
        if let RoleCheck::Unreachable { error, .. } = &self.role {
            reasons.push(format!(
                "the instance metadata service gave no answer: {error}"
            ));
        }
        reasons
    }

    /// The verdict: a key found is a FAIL even when something else could not be read.
    pub fn result(&self) -> Verdict {
        if self.failing() > 0 {
            Verdict::Fail
        } else if self.incomplete().is_empty() {
            Verdict::Pass
        } else {
            Verdict::Incomplete
        }
    }

    /// A step's result: pass, fail or incomplete for the key steps; the role's status
    /// for the role step.
    pub fn step_result(&self, step: Step) -> StepResult {
        if step == Step::Role {
            return role_status(&self.role);
        }
        if self.findings_of(step).iter().any(|(_, f, _)| self.fails(f)) {
            StepResult::Fail
        } else if self
            .report
            .stats
            .unreadable
            .iter()
            .any(|(path, _)| self.attribute(Path::new(path)).category.step() == step)
        {
            StepResult::Incomplete
        } else {
            StepResult::Pass
        }
    }

    /// One sentence on a step's outcome.
    pub fn step_summary(&self, step: Step) -> String {
        if step == Step::Role {
            return role_summary(&self.role);
        }
        let findings = self.findings_of(step);
        let failing = distinct(
            findings
                .iter()
                .map(|(_, f, _)| *f)
                .filter(|f| self.fails(f)),
        );
        let examples = distinct(
            findings
                .iter()
                .map(|(_, f, _)| *f)
                .filter(|f| !self.fails(f)),
        );
        let places = self
            .places
            .iter()
            .filter(|l| {
                l.place.category.step() == step && matches!(l.status, Status::Scanned { .. })
            })
            .count();
        let places = plural_of(places as u64, "place", "places");
        let mut text = match failing {
            0 => format!("{places} scanned: no long-lived key"),
            1 => format!("{places} scanned: 1 long-lived key"),
            n => format!("{places} scanned: {n} long-lived keys"),
        };
        if step == Step::ScriptsAndEnvironment {
            text.push_str(&if self.live {
                format!(
                    " and {}",
                    plural_of(
                        self.processes.len() as u64,
                        "process environment",
                        "process environments"
                    )
                )
            } else {
                " (process environments: not read, this is not the live host)".to_string()
            });
        }
        if examples > 0 {
            text.push_str(&format!(
                "; {} (not failing)",
                plural_of(
                    examples as u64,
                    "AWS documentation example key",
                    "AWS documentation example keys"
                )
            ));
        }
        text
    }

    /// The one-line verdict.
    pub fn headline(&self) -> String {
        let failing = self.failing();
        let mut line = match self.result() {
            Verdict::Fail if failing == 1 => "FAIL: 1 long-lived AWS key found".to_string(),
            Verdict::Fail => format!("FAIL: {failing} long-lived AWS keys found"),
            Verdict::Pass => "PASS: no long-lived AWS key found".to_string(),
            Verdict::Incomplete => {
                "INCOMPLETE: no long-lived AWS key found in what could be read".to_string()
            }
        };
        let reasons = self.incomplete();
        if !reasons.is_empty() {
            line.push_str(&format!(" (incomplete: {})", reasons.join("; ")));
        }
        let vendored = self.third_party_keys();
        if vendored > 0 && !self.strict {
            line.push_str(&format!(
                "; {} in third-party packages not counted",
                plural_of(vendored as u64, "key", "keys")
            ));
        }
        line
    }

    /// The audited root as reports name it.
    pub fn root_shown(&self) -> String {
        if self.live {
            "this host (/)".to_string()
        } else {
            format!("{} (mounted file system)", display_path(&self.root))
        }
    }

    /// Places not scanned, with why: pseudo file systems, links leading nowhere, places
    /// something named that are absent.
    pub fn not_scanned(&self) -> Vec<(String, String)> {
        let mut entries = Vec::new();
        for located in &self.places {
            match &located.status {
                Status::Pseudo(to) => entries.push((
                    display_path(&located.place.path),
                    format!(
                        "leads to {}: /proc, /sys and /dev are not read",
                        display_path(to)
                    ),
                )),
                Status::Absent { via_link: Some(to) } => entries.push((
                    display_path(&located.place.path),
                    format!(
                        "a symbolic link to {}, absent inside the root",
                        display_path(to)
                    ),
                )),
                Status::Absent { via_link: None } if !located.place.optional => entries.push((
                    display_path(&located.place.path),
                    format!(
                        "absent, though {} names it",
                        located.place.origin.as_deref().unwrap_or("configuration")
                    ),
                )),
                _ => {}
            }
        }
        entries
    }
}

/// The role step's result.
pub fn role_status(role: &RoleCheck) -> StepResult {
    match role {
        RoleCheck::NotChecked(_) => StepResult::NotChecked,
        RoleCheck::Attached { .. } => StepResult::Attached,
        RoleCheck::NoRole { .. } => StepResult::NoRole,
        RoleCheck::Unreachable { .. } => StepResult::Incomplete,
    }
}

/// One sentence on the role step.
pub fn role_summary(role: &RoleCheck) -> String {
    let v1 = |version: &Version| {
        if *version == Version::V1Only {
            " Warning: IMDSv1 only: the token request (IMDSv2) was refused or unanswered and \
             tokenless requests work, so a request forgery on the instance can read the \
             role's credentials; require IMDSv2 (HttpTokens=required)."
        } else {
            ""
        }
    };
    match role {
        RoleCheck::NotChecked(why) => format!("not checked: {why}"),
        RoleCheck::Attached {
            roles,
            version,
            endpoint,
            ..
        } => format!(
            "role {} attached (answered by {endpoint}). A role does not mean that no key is \
             also embedded: see the other steps.{}",
            roles.join(", "),
            v1(version)
        ),
        RoleCheck::NoRole {
            version, endpoint, ..
        } => format!(
            "no IAM role attached ({endpoint} has none). If this instance makes AWS calls, it \
             can only use long-lived keys: attach an instance profile.{}",
            v1(version)
        ),
        RoleCheck::Unreachable {
            error, endpoint, ..
        } => format!("the instance metadata service at {endpoint} gave no answer: {error}"),
    }
}

/// How many distinct keys ([`key_of`]) `findings` hold.
fn distinct<'a>(findings: impl Iterator<Item = &'a Finding>) -> usize {
    findings.map(key_of).collect::<HashSet<_>>().len()
}
