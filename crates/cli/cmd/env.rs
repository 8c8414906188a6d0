//! `keyhound env`: environment variables, the second step of the CIS 1.18 audit ("audit
//! all scripts and environment variables").

use std::path::Path;
use std::time::Instant;

use keyhound_config::Config;
use keyhound_core::Scratch;
use keyhound_input::env::{
    own_environment, process_environments, scan_environment, scan_process_environments,
};
use keyhound_report::{ReportBuilder, Source};

use crate::args::EnvArgs;
use crate::cmd::finish;
use crate::exit::ExitCode;
use crate::tell::tell_processes;

/// Scans this process's environment, or every readable process's.
pub fn run(args: &EnvArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let output = &args.output;
    let config = Config::resolve(output.config.as_deref(), output.no_config, Path::new("."))?;
    let scanner = config.scanner();
    let mut scratch = Scratch::new();
    let mut builder = ReportBuilder::new();
    if args.all_processes {
        let found = process_environments();
        tell_processes(&found);
        scan_process_environments(&scanner, &mut scratch, &mut builder, found);
    } else {
        let text = own_environment();
        scan_environment(
            &scanner,
            &mut scratch,
            &mut builder,
            Source::Environment,
            &text,
        );
    }
    let mut report = builder.build();
    report.stats.elapsed = started.elapsed();
    finish(report, &config, output)
}
