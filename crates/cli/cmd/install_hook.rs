//! `keyhound install-hook`: writes the pre-commit (and pre-push) hook into a repository's
//! hooks directory, honouring `core.hooksPath`, never replacing a hook without `--force`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

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
    let repo = keyhound_git::open_with(&args.repo, options)?;
    let dir = hooks_dir(&repo)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // git runs pre-merge-commit, not pre-commit, for a merge that does not conflict: the
    // same scan covers both.
    let mut hooks = vec![("pre-commit", PRE_COMMIT), ("pre-merge-commit", PRE_COMMIT)];
    if args.pre_push {
        hooks.push(("pre-push", PRE_PUSH));
    }
    for (name, _) in &hooks {
        let path = dir.join(name);
        if path.exists()
            && !args.force
            && std::fs::read_to_string(&path).ok().as_deref() != Some(hook_text(name, &hooks))
        {
            bail!(
                "{} already exists: keep it, or replace it with --force",
                path.display()
            );
        }
    }
    for (name, text) in &hooks {
        let path = dir.join(name);
        write_executable(&path, text)?;
        println!("installed {}", path.display());
    }
    Ok(ExitCode::Clean)
}

fn hook_text<'a>(name: &str, hooks: &[(&str, &'a str)]) -> &'a str {
    hooks
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, text)| text)
}

/// `core.hooksPath` (relative to the work tree, as git reads it) or `<git dir>/hooks`.
fn hooks_dir(repo: &gix::Repository) -> anyhow::Result<PathBuf> {
    let config = repo.config_snapshot();
    if let Some(path) = config.string("core.hooksPath") {
        let path = PathBuf::from(path.to_string());
        let base = repo.workdir().unwrap_or_else(|| repo.git_dir());
        return Ok(if path.is_absolute() {
            path
        } else {
            base.join(path)
        });
    }
    Ok(repo.common_dir().join("hooks"))
}

fn write_executable(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("making {} executable", path.display()))?;
    }
    Ok(())
}
