//! `keyhound git history | range | staged`: scan a repository with keyhound-git and report
//! like `scan` does, with the commit, author, date and blob of every finding.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use keyhound_core::Scanner;
use keyhound_git::{Outcome, RangeError, ScanOptions, StagedOptions};

use crate::args::GitCommand;
use crate::cmd::finish;
use crate::config::Config;
use crate::exit::ExitCode;
use crate::report::{FileFindings, GitMeta, GitStats, Report};

/// Runs a git sub-command.
pub fn run(command: &GitCommand) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (repo_path, output) = match command {
        GitCommand::History(args) => (&args.repo, &args.output),
        GitCommand::Range(args) => (&args.repo, &args.output),
        GitCommand::Staged(args) => (&args.repo, &args.output),
    };
    let repo = keyhound_git::open(repo_path)?;
    // The configuration lives at the top of the work tree (or in a bare repository's dir).
    let root = repo
        .workdir()
        .unwrap_or_else(|| repo.git_dir())
        .to_path_buf();
    let config = Config::for_scan(output, &root)?;
    let scanner = Scanner::new(config.rules.clone());
    let options = ScanOptions {
        max_blob_size: config.max_blob_size(output),
        threads: output.threads(),
        progress: crate::progress::Bar::on_terminal()
            .map(|bar| Arc::new(bar) as Arc<dyn keyhound_git::Progress>),
    };
    let result = match command {
        GitCommand::History(args) => Ok(keyhound_git::history(
            &repo,
            &scanner,
            &options,
            args.all_objects,
        )),
        GitCommand::Range(args) if args.not_remotes => {
            keyhound_git::range_not_remotes(&repo, &args.range, &scanner, &options)
        }
        GitCommand::Range(args) => keyhound_git::range(&repo, &args.range, &scanner, &options),
        // The pre-commit framework's pre-push stage names the pushed commits this way.
        GitCommand::Staged(_) if pre_commit_push().is_some() => match pre_commit_push() {
            Some(Push::Range(range)) => keyhound_git::range(&repo, &range, &scanner, &options),
            Some(Push::NewBranch(branch)) => {
                keyhound_git::range_not_remotes(&repo, &branch, &scanner, &options)
            }
            None => unreachable!("checked by the guard"),
        },
        GitCommand::Staged(args) => {
            let staged = StagedOptions {
                whole_files: args.scan_whole_staged_files,
            };
            let index = keyhound_git::index_path(&repo);
            let outcome = keyhound_git::staged(&repo, &index, &scanner, &options, staged)
                .with_context(|| {
                    format!("scanning the staged changes of {}", args.repo.display())
                })?;
            Ok(outcome)
        }
    };
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(err @ RangeError::Syntax(_)) => return Err(err.into()),
        Err(err) => {
            // A range that cannot be resolved is an incomplete scan, never a pass.
            eprintln!("keyhound: error: {err}");
            return Ok(ExitCode::Incomplete);
        }
    };
    let mut report = report_of(outcome);
    report.stats.elapsed = started.elapsed();
    finish(report, &config, output)
}

/// What the pre-commit framework's pre-push stage asks to be checked.
enum Push {
    /// `FROM..TO`: the pushed commits on top of what the remote has.
    Range(String),
    /// A branch whose history the remote has none of (a push that includes a root
    /// commit): pre-commit then names only the branch.
    NewBranch(String),
}

/// Reads the pre-commit framework's pre-push variables, if it set them.
fn pre_commit_push() -> Option<Push> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("PRE_COMMIT_FROM_REF"), var("PRE_COMMIT_TO_REF")) {
        (Some(from), Some(to)) => Some(Push::Range(format!("{from}..{to}"))),
        _ => {
            var("PRE_COMMIT_REMOTE_BRANCH")?;
            var("PRE_COMMIT_LOCAL_BRANCH").map(Push::NewBranch)
        }
    }
}

/// Turns a git outcome into the report every format writes, naming problems on stderr.
fn report_of(outcome: Outcome) -> Report {
    let mut report = Report::default();
    let stats = &mut report.stats;
    stats.files = outcome.blobs;
    stats.bytes = outcome.bytes;
    stats.findings = outcome.findings.len() as u64;
    stats.examples = outcome
        .findings
        .iter()
        .filter(|f| f.finding.example)
        .count() as u64;
    stats.symlinks_skipped = outcome.symlinks;
    for problem in &outcome.problems {
        let name = if problem.id.is_empty() {
            problem.context.clone()
        } else {
            format!("{} ({})", problem.id, problem.context)
        };
        eprintln!("keyhound: {name}: {}", problem.problem);
        stats.unreadable.push((name, problem.problem.to_string()));
    }
    let mut git = GitStats {
        commits: outcome.commits,
        blobs: outcome.blobs,
        not_scanned: Vec::new(),
    };
    for entry in &outcome.not_scanned {
        eprintln!(
            "keyhound: {} ({}): not scanned: {}",
            entry.path, entry.id, entry.reason
        );
        git.not_scanned
            .push((entry.path.clone(), entry.id.clone(), entry.reason));
    }
    stats.git = Some(git);

    stats.suppressed = outcome.suppressed.len() as u64;
    // One group per (path, blob, commit), in the outcome's order.
    let suppressed = outcome
        .suppressed
        .into_iter()
        .map(|(found, allowance)| (found, Some(allowance)));
    for (found, allowance) in outcome
        .findings
        .into_iter()
        .map(|found| (found, None))
        .chain(suppressed)
    {
        let same_commit = |git: &GitMeta| {
            git.commit.as_ref().map(|c| &c.id) == found.commit.as_ref().map(|c| &c.id)
        };
        let group = report.files.iter().position(|file| {
            let git = file.git.as_ref().expect("git reports carry git metadata");
            file.path.as_os_str() == found.path.as_str()
                && git.blob == found.blob
                && same_commit(git)
        });
        let index = group.unwrap_or_else(|| {
            report.files.push(FileFindings {
                path: PathBuf::from(&found.path),
                findings: Vec::new(),
                suppressed: Vec::new(),
                git: Some(GitMeta {
                    blob: found.blob.clone(),
                    commit: found.commit.clone(),
                }),
            });
            report.files.len() - 1
        });
        let file = &mut report.files[index];
        match allowance {
            Some(allowance) => file.suppressed.push((found.finding, allowance)),
            None => file.findings.push(found.finding),
        }
    }
    report
}
