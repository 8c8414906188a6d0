//! `keyhound audit`: CIS AWS Foundations 1.18 on a host or an image. The control's audit
//! has three parts, and so does this one ([`Step`]): is an instance role attached, do
//! scripts and environment variables hold keys, do applications hold keys. Every place a
//! key is looked for has a [`Category`], and the category says which step it serves.
//!
//! The modules: [`rootfs`] resolves paths inside the audited root, [`places`] lists where
//! to look, [`systemd`] follows units to their environment files, [`imds`] (over
//! [`http`]) asks the instance metadata service for the role, and [`report`] writes the
//! verdict.

pub mod http;
pub mod imds;
pub mod places;
pub mod report;
pub mod rootfs;
pub mod systemd;

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
