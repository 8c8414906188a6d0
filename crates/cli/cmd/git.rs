//! `keyhound git history | range | staged`: scan a repository with keyhound-git and report
//! like `scan` does, with the commit, author, date and blob of every finding.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use keyhound_config::Config;
use keyhound_git::{OpenOptions, Outcome, PreCommitPush, RangeError, ScanOptions, StagedOptions};
use keyhound_report::Report;

use crate::args::{GitCommand, ScanArgs, StagedArgs};
use crate::cmd::finish;
use crate::exit::ExitCode;

/// Runs a git sub-command.
pub fn run(command: &GitCommand) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if let GitCommand::Staged(args) = command {
        if let Some(files) = framework_files(args) {
            return scan_files(files, args);
        }
    }
    let (repo_path, output, archives) = match command {
        GitCommand::History(args) => (&args.repo, &args.output, &args.archives),
        GitCommand::Range(args) => (&args.repo.repo, &args.output, &args.archives),
        GitCommand::Staged(args) => (&args.repo.repo, &args.output, &args.archives),
    };
    // As git runs hooks: GIT_DIR names the repository, GIT_INDEX_FILE the index.
    let environment = OpenOptions {
        from_environment: true,
    };
    let repo = keyhound_git::open_with(repo_path, environment)?;
    // The configuration lives at the top of the work tree (or in a bare repository's dir).
    let root = repo
        .workdir()
        .unwrap_or_else(|| repo.git_dir())
        .to_path_buf();
    let config = Config::resolve(output.config.as_deref(), output.no_config, &root)?;
    let scanner = config.scanner();
    let options = ScanOptions {
        max_blob_size: config.blob_size_limit(output.max_file_size),
        threads: output.threads.count(),
        progress: crate::progress::Bar::on_terminal("blobs")
            .map(|bar| Arc::new(bar) as Arc<dyn keyhound_git::Progress>),
        archives: archives.limits(),
        ..ScanOptions::default()
    };
    let push = pre_commit_push();
    let result = match command {
        GitCommand::History(args) if !args.rev.is_empty() => {
            let revisions: Vec<&str> = args.rev.iter().map(String::as_str).collect();
            keyhound_git::history_of(&repo, &revisions, &scanner, &options)
        }
        GitCommand::History(args) => Ok(keyhound_git::history(
            &repo,
            &scanner,
            &options,
            args.all_objects,
        )),
        GitCommand::Range(args) if args.not_remotes => {
            keyhound_git::range_not_remotes(&repo, &args.range, &scanner, &options)
        }
        GitCommand::Range(args) if args.not_other_remotes => {
            keyhound_git::range_not_other_remotes(&repo, &args.range, &scanner, &options)
        }
        GitCommand::Range(args) => keyhound_git::range(&repo, &args.range, &scanner, &options),
        // The pre-commit framework's pre-push stage names the pushed commits this way.
        GitCommand::Staged(_) if push.is_some() => {
            let push = push.expect("checked by the guard");
            push.scan(&repo, &scanner, &options)
        }
        GitCommand::Staged(args) => {
            // Inside a commit, the files pre-commit passes (a share of the commit's, when
            // it splits a long list among runs) say which staged changes to report.
            let only_paths = if args.files.is_empty() {
                None
            } else {
                Some(keyhound_git::work_tree_paths(&repo, &args.files)?)
            };
            let staged = StagedOptions {
                whole_files: args.scan_whole_staged_files,
                only_paths,
            };
            let index = keyhound_git::index_path(&repo, environment);
            let outcome = keyhound_git::staged(&repo, &index, &scanner, &options, &staged)
                .with_context(|| {
                    format!(
                        "scanning the staged changes of {}",
                        args.repo.repo.display()
                    )
                })?;
            Ok(outcome)
        }
    };
    let outcome = match result {
        Ok(outcome) => outcome,
        // Not a range, or a name that resolves to nothing: fetching cannot help.
        Err(err @ (RangeError::Syntax(_) | RangeError::Revision { .. })) => return Err(err.into()),
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

/// The files to scan whole when the pre-commit framework runs the hook outside a commit
/// and outside a push: `pre-commit run --all-files` (as CI and pre-commit.ci run it),
/// `--files`, the manual stage. There the index matches HEAD, so what a commit would add
/// is nothing and a committed key would pass; the files given are what is asked about.
/// Inside `git commit` git sets GIT_INDEX_FILE for the hook, and the commit's additions
/// are scanned instead (a key already in HEAD does not block an unrelated commit).
fn framework_files(args: &StagedArgs) -> Option<Vec<std::path::PathBuf>> {
    let in_commit = std::env::var_os("GIT_INDEX_FILE").is_some_and(|v| !v.is_empty());
    (!args.files.is_empty() && !in_commit && pre_commit_push().is_none())
        .then(|| args.files.clone())
}

/// Scans `files` as `keyhound scan` does, with the staged command's output flags.
fn scan_files(files: Vec<std::path::PathBuf>, args: &StagedArgs) -> anyhow::Result<ExitCode> {
    let scan = ScanArgs {
        paths: files,
        archives: args.archives.clone(),
        gitignore: false,
        follow_symlinks: false,
        output: args.output.clone(),
    };
    crate::cmd::scan::run(&scan)
}

/// What the pre-commit framework's pre-push stage asks to be checked, if it set its
/// variables.
fn pre_commit_push() -> Option<PreCommitPush> {
    PreCommitPush::from_vars(|name| std::env::var(name).ok())
}

/// Turns a git outcome into the report every format writes, naming notices and problems
/// on stderr.
fn report_of(outcome: Outcome) -> Report {
    for notice in &outcome.notices {
        eprintln!("keyhound: warning: {notice}");
    }
    for (name, problem) in outcome.unreadable() {
        eprintln!("keyhound: {name}: {problem}");
    }
    for entry in &outcome.not_scanned {
        eprintln!(
            "keyhound: {} ({}): not scanned: {}",
            String::from_utf8_lossy(&entry.path),
            entry.id,
            entry.reason
        );
    }
    outcome.into_report()
}
