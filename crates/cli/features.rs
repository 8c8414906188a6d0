//! The parts of the binary that are cargo features of the root package, off in a default
//! build (what `cargo install --path .` and the pre-commit framework compile): `--verify`
//! (feature `verify`) and `keyhound audit` (feature `audit`); `full` turns both on. A build
//! without one keeps its flags and commands in `--help`, and refuses them up front with
//! the way to get them, before anything is scanned.

use crate::args::{Command, GitCommand, VerifyArgs};

/// An optional part of the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// `--verify`, on every scanning command and on `audit`.
    Verify,
    /// The `audit` command.
    Audit,
}

impl Feature {
    /// The cargo feature's name.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Verify => "verify",
            Feature::Audit => "audit",
        }
    }

    /// What needs the feature, as the user typed it.
    fn what(self) -> &'static str {
        match self {
            Feature::Verify => "--verify",
            Feature::Audit => "keyhound audit",
        }
    }

    /// Whether this binary was built with the feature.
    pub fn enabled(self) -> bool {
        match self {
            Feature::Verify => cfg!(feature = "verify"),
            Feature::Audit => cfg!(feature = "audit"),
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
             cargo install --path . --features full",
            self.what(),
            self.name()
        )
    }
}

/// The feature `command` needs and this build lacks, if any: `audit` first, then `--verify`.
pub fn lacking(command: &Command) -> Option<Feature> {
    let needed = match command {
        Command::Audit(args) => [Some(Feature::Audit), verify(&args.verification)],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Cli;
    use clap::Parser;

    fn lacking_in(args: &[&str]) -> Option<Feature> {
        let cli = Cli::try_parse_from(std::iter::once("keyhound").chain(args.iter().copied()))
            .expect("the arguments parse");
        lacking(&cli.command)
    }

    #[test]
    fn gated_commands_are_refused_only_without_their_feature() {
        let audit = (!cfg!(feature = "audit")).then_some(Feature::Audit);
        let verify = (!cfg!(feature = "verify")).then_some(Feature::Verify);
        assert_eq!(lacking_in(&["audit"]), audit);
        assert_eq!(lacking_in(&["audit", "--verify"]), audit.or(verify));
        assert_eq!(lacking_in(&["scan", "--verify", "."]), verify);
        assert_eq!(lacking_in(&["git", "staged", "--verify"]), verify);
        assert_eq!(lacking_in(&["git", "range", "--verify", "a..b"]), verify);
        assert_eq!(lacking_in(&["git", "history", "--verify"]), verify);
        assert_eq!(lacking_in(&["env", "--verify"]), verify);
        assert_eq!(lacking_in(&["scan", "."]), None);
        assert_eq!(lacking_in(&["git", "staged"]), None);
        assert_eq!(lacking_in(&["rules", "list"]), None);
    }

    #[test]
    fn the_message_names_the_feature_and_the_install_commands() {
        for feature in [Feature::Verify, Feature::Audit] {
            let message = feature.missing().to_string();
            assert!(
                message.contains(&format!("`{}`", feature.name())),
                "{message}"
            );
            assert!(message.contains(feature.what()), "{message}");
            assert!(message.contains("cargo install --path . --features full"));
            assert!(message.contains("cargo binstall keyhound"));
        }
    }
}
