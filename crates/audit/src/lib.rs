//! keyhound-audit runs CIS AWS Foundations Benchmark 1.18 ("Ensure IAM instance roles are
//! used for AWS resource access from instances") on a host or on an image's file system.
//!
//! The control's audit has three parts, and so does this one ([`Step`]): is an instance
//! role attached, do scripts and environment variables hold keys, do applications hold
//! keys. Every place a key is looked for has a [`Category`], and the category says which
//! step it serves. [`audit`] returns an [`Audit`]: every place and what became of it,
//! every finding with where it was, the role check, and a typed [`Verdict`]; [`render`]
//! writes it as text, JSON or Markdown.
//!
//! Findings in files of installed third-party packages ([`packages`]: Python
//! distributions, dpkg and rpm packages, `node_modules`, the cargo, Go, Ruby, Maven and Gradle
//! caches) are listed apart and fail the audit only with [`AuditOptions::strict`].
//!
//! The modules: [`rootfs`] resolves paths inside the audited root as a chroot would (a
//! symbolic link never leads out, `/proc`, `/sys` and `/dev` are never read), [`places`]
//! lists where to look (fixed places, every home in `etc/passwd`, what process
//! environments name), [`systemd`] follows units to their environment files, and
//! [`imds`] asks the instance metadata service (IMDSv2) for the role's name, never its
//! credentials, and only on EC2 or when asked.
//!
//! ```
//! use keyhound_audit::{audit, AuditOptions, Verdict};
//! use keyhound_core::Scanner;
//!
//! // An image's file system, with a key left in a cron job.
//! let image = tempfile::tempdir()?;
//! std::fs::create_dir_all(image.path().join("etc/cron.d"))?;
//! std::fs::write(
//!     image.path().join("etc/cron.d/backup"),
//!     "0 3 * * * root AWS_ACCESS_KEY_ID=AKIAQWZ7RNE3OSJHKV4D \
//!      AWS_SECRET_ACCESS_KEY=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 /usr/local/bin/backup\n",
//! )?;
//! let options = AuditOptions { root: image.path().to_path_buf(), ..AuditOptions::default() };
//! let audit = audit(&options, &Scanner::default(), |_| {})?;
//! assert_eq!(audit.result(), Verdict::Fail);
//! let (source, _, place) = &audit.findings_of(keyhound_audit::Step::ScriptsAndEnvironment)[0];
//! assert_eq!(source.source.display(), "/etc/cron.d/backup");
//! assert_eq!(place.category.id(), "cron");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod bdb;
mod engine;
pub mod http;
pub mod imds;
pub mod packages;
pub mod places;
pub mod render;
pub mod rootfs;
mod rpm;
mod sqlite;
pub mod systemd;
mod verdict;

pub use engine::{audit, AuditError, AuditOptions, Notice};
pub use keyhound_report::key_of;
pub use verdict::{Audit, Located, Status, StepResult, Verdict, Where, CONTROL, TITLE};

use std::path::PathBuf;

/// The steps of the control's audit, as the CIS text names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// "Where an instance is associated with a role": is an instance role attached?
    Role,
    /// "Where an instance contains embedded credentials": "audit all scripts and
    /// environment variables to ensure that none of them contain AWS credentials".
    ScriptsAndEnvironment,
    /// "Where an instance application contains embedded credentials": "examine all
    /// source code and configuration files of the application".
    Applications,
}

impl Step {
    /// Every step, in the report's order.
    pub const ALL: [Step; 3] = [Step::Role, Step::ScriptsAndEnvironment, Step::Applications];

    /// The step's id in JSON (`role`, `scripts-and-environment`, `applications`).
    pub fn id(self) -> &'static str {
        match self {
            Step::Role => "role",
            Step::ScriptsAndEnvironment => "scripts-and-environment",
            Step::Applications => "applications",
        }
    }

    /// The step's title in reports.
    pub fn title(self) -> &'static str {
        match self {
            Step::Role => "Instance role",
            Step::ScriptsAndEnvironment => "Scripts and environment variables",
            Step::Applications => "Application source and configuration",
        }
    }

    /// What the CIS text asks at this step.
    pub fn question(self) -> &'static str {
        match self {
            Step::Role => "Where an instance is associated with a role: is an IAM role attached?",
            Step::ScriptsAndEnvironment => {
                "Audit all scripts and environment variables to ensure that none of them \
                 contain AWS credentials."
            }
            Step::Applications => {
                "Examine all source code and configuration files of the application."
            }
        }
    }
}

/// What kind of place a key was looked for (and found) in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// `~/.aws/credentials`, `~/.aws/config`, `AWS_SHARED_CREDENTIALS_FILE` targets, s3cmd
    /// and boto files: what the SDKs and tools read keys from.
    CredentialsFile,
    /// cloud-init user data, scripts, seeds and configuration.
    CloudInit,
    /// `/etc/environment`, `/etc/default`, `/etc/sysconfig`: variables set for every
    /// process or service.
    Environment,
    /// `/etc/profile`, `/etc/profile.d`, shell rc files of the system and of every home.
    ShellProfile,
    /// Shell history files: an `export AWS_SECRET_ACCESS_KEY=…` typed once stays there.
    ShellHistory,
    /// systemd units and drop-ins (`Environment=` lines).
    SystemdUnit,
    /// Files named by a unit's `EnvironmentFile=`.
    SystemdEnvironmentFile,
    /// cron and anacron tables and the scripts they run.
    Cron,
    /// Scripts installed by hand: `/usr/local/bin`, `/usr/local/sbin`, `/usr/local/etc`.
    LocalScripts,
    /// Docker and Podman configuration.
    ContainerConfig,
    /// Ansible, Chef, Puppet and Salt trees.
    ConfigManagement,
    /// Application trees: `/opt`, `/srv`, `/var/www`, users' homes.
    Application,
    /// The environment of a running process.
    ProcessEnvironment,
}

impl Category {
    /// The category's id in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Category::CredentialsFile => "credentials-file",
            Category::CloudInit => "cloud-init",
            Category::Environment => "environment",
            Category::ShellProfile => "shell-profile",
            Category::ShellHistory => "shell-history",
            Category::SystemdUnit => "systemd-unit",
            Category::SystemdEnvironmentFile => "systemd-environment-file",
            Category::Cron => "cron",
            Category::LocalScripts => "local-scripts",
            Category::ContainerConfig => "container-config",
            Category::ConfigManagement => "config-management",
            Category::Application => "application",
            Category::ProcessEnvironment => "process-environment",
        }
    }

    /// The audit step this kind of place serves: applications are their own step,
    /// everything that sets up the instance or its environment is "scripts and
    /// environment".
    pub fn step(self) -> Step {
        match self {
            Category::Application => Step::Applications,
            _ => Step::ScriptsAndEnvironment,
        }
    }
}

/// One place to look, as the audited system names it.
#[derive(Clone, Debug)]
pub struct Place {
    /// Absolute, as seen inside the audited root.
    pub path: PathBuf,
    /// What it is.
    pub category: Category,
    /// Why it is looked at, when it is not a fixed location ("EnvironmentFile= of
    /// /etc/systemd/system/app.service, line 7").
    pub origin: Option<String>,
    /// Its absence is normal (every fixed location, `EnvironmentFile=-…`).
    pub optional: bool,
}

impl Place {
    /// A fixed location of `category`.
    pub fn fixed(path: impl Into<PathBuf>, category: Category) -> Place {
        Place {
            path: path.into(),
            category,
            origin: None,
            optional: true,
        }
    }
}
