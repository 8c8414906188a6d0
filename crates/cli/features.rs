//! The parts of the binary that are cargo features of the root package, off in a default
//! build (what `cargo install --path .` and the pre-commit framework compile): `--verify`
//! (feature `verify`) and `keyhound audit` (feature `audit`); `full` turns both on. A build
//! without one keeps its flags and commands in `--help`, and refuses them up front with
//! the way to get them, before anything is scanned.

use crate::args::{Command, GitCommand, VerifyArgs};
use crate::cmd::aws::AwsCommand;

/// An optional part of the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// `--verify`, on every scanning command and on `audit`.
    Verify,
    /// The `audit` command.
    Audit,
    /// The `aws audit` command.
    Aws,
}

impl Feature {
    /// The cargo feature's name.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Verify => "verify",
            Feature::Audit => "audit",
            Feature::Aws => "aws",
        }
    }

    /// What needs the feature, as the user typed it.
    fn what(self) -> &'static str {
        match self {
            Feature::Verify => "--verify",
            Feature::Audit => "keyhound audit",
            Feature::Aws => "keyhound aws",
        }
    }

    /// Whether this binary was built with the feature.
    pub fn enabled(self) -> bool {
        match self {
            Feature::Verify => cfg!(feature = "verify"),
            Feature::Audit => cfg!(feature = "audit"),
            Feature::Aws => cfg!(feature = "aws"),
        }
    }

    /// The error for a build without the feature: what is missing, and how to install a
    /// build that has it.
    pub fn missing(self) -> anyhow::Error {
        anyhow::anyhow!(
            "{} needs the cargo feature `{}`, which this build of keyhound was compiled \
             without (the default build has only what the scans and the git hooks need).\n\
             Install a build with every feature, either a release binary:\n  \
             cargo binstall keyhound\n\
             or from source, in keyhound's repository:\n  \
             cargo install --path . --features {}",
            self.what(),
            self.name(),
            match self {
                Feature::Aws => "aws",
                _ => "full",
            }
        )
    }
}

/// The feature `command` needs and this build lacks, if any: `audit` first, then `--verify`.
pub fn lacking(command: &Command) -> Option<Feature> {
    let needed = match command {
        Command::Audit(args) => [Some(Feature::Audit), verify(&args.verification)],
        Command::Aws(AwsCommand::Audit(args)) => [Some(Feature::Aws), verify(&args.verification)],
        Command::Aws(AwsCommand::Policy) => [Some(Feature::Aws), None],
        Command::Scan(args) => [None, verify(&args.output.verification)],
        Command::Git(GitCommand::History(args)) => [None, verify(&args.output.verification)],
        Command::Git(GitCommand::Range(args)) => [None, verify(&args.output.verification)],
        Command::Git(GitCommand::Staged(args)) => [None, verify(&args.output.verification)],
        Command::Env(args) => [None, verify(&args.output.verification)],
        Command::InstallHook(_) | Command::Rules(_) | Command::Baseline(_) => [None, None],
    };
    needed
        .into_iter()
        .flatten()
        .find(|feature| !feature.enabled())
}

/// [`Feature::Verify`] when `--verify` was given.
fn verify(args: &VerifyArgs) -> Option<Feature> {
    args.verify.then_some(Feature::Verify)
}
