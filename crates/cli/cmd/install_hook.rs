//! `keyhound install-hook`: writes the pre-commit (and pre-push) hook into a repository's
//! hooks directory with `keyhound_git::hooks`, never replacing a hook without `--force`.
//! Each hook holds the absolute path of the binary that installed it, for git clients
//! whose PATH does not have keyhound (KEYHOUND and PATH still come first).

use keyhound_git::hooks::{self, HookError};

use crate::args::InstallHookArgs;
use crate::exit::ExitCode;

/// The hooks, as shipped in `hooks/`.
const PRE_COMMIT: &str = include_str!("../../../hooks/pre-commit");
const PRE_PUSH: &str = include_str!("../../../hooks/pre-push");

/// Installs the hooks.
pub fn run(args: &InstallHookArgs) -> anyhow::Result<ExitCode> {
    // Hooks run with GIT_DIR set: follow it, as git does.
    let options = keyhound_git::OpenOptions {
        from_environment: true,
    };
    let repo = keyhound_git::open_with(&args.repo.repo, options)?;
    let exe = std::env::current_exe().ok();
    let installed = exe.as_deref().and_then(hooks::shell_path);
    // git runs pre-merge-commit, not pre-commit, for a merge that does not conflict: the
    // same scan covers both.
    let pre_commit = hooks::render(PRE_COMMIT, installed);
    let mut scripts = vec![
        ("pre-commit", pre_commit.clone()),
        ("pre-merge-commit", pre_commit),
    ];
    if args.pre_push {
        scripts.push(("pre-push", hooks::render(PRE_PUSH, installed)));
    }
    let tell = |path: &std::path::Path| println!("installed {}", path.display());
    hooks::install(&hooks::hooks_dir(&repo), &scripts, args.force, tell).map_err(
        |err| match err {
            HookError::Exists { path } => anyhow::anyhow!(
                "{} already exists: keep it, or replace it with --force",
                path.display()
            ),
            err => err.into(),
        },
    )?;
    match installed {
        Some(binary) => println!(
            "the hooks run KEYHOUND if set, else keyhound from PATH, else {binary} \
             (re-run install-hook --force if it moves)"
        ),
        None => eprintln!(
            "keyhound: warning: this binary's path cannot be written into a hook: the hooks \
             need keyhound on PATH, or KEYHOUND set, where git runs"
        ),
    }
    Ok(ExitCode::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_hooks_have_the_placeholder() {
        for hook in [PRE_COMMIT, PRE_PUSH] {
            assert_eq!(hook.matches("\ninstalled=''\n").count(), 1);
        }
    }
}
