//! The `keyhound` binary: parse arguments, run the sub-command, map the outcome to an exit
//! code. Detection is keyhound-core's, inputs keyhound-input's and keyhound-git's,
//! reports keyhound-report's, verification keyhound-verify's, the host audit
//! keyhound-audit's: this crate wires them to flags, progress and stderr. Verification
//! and the audit are cargo features, off by default (see `features`).

mod args;
mod cilog;
mod cmd;
mod exit;
mod features;
mod progress;
mod tell;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // A flag or command this build lacks is refused before anything runs.
    let outcome = match features::lacking(&cli.command) {
        Some(feature) => Err(feature.missing()),
        None => run(&cli.command),
    };
    match outcome {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("keyhound: error: {err:#}");
            ExitCode::Usage.into()
        }
    }
}

/// Runs the sub-command.
fn run(command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Git(command) => cmd::git::run(command),
        Command::InstallHook(args) => cmd::install_hook::run(args),
        Command::Env(args) => cmd::env::run(args),
        #[cfg(feature = "audit")]
        Command::Audit(args) => cmd::audit::run(args),
        #[cfg(not(feature = "audit"))]
        Command::Audit(_) => Err(features::Feature::Audit.missing()),
        #[cfg(feature = "aws")]
        Command::Aws(command) => cmd::aws::run(command),
        #[cfg(not(feature = "aws"))]
        Command::Aws(_) => Err(features::Feature::Aws.missing()),
        Command::Rules(command) => cmd::rules::run(command),
        Command::Baseline(args) => cmd::scan::baseline(args),
    }
}
