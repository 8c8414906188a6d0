//! `keyhound install-hook`: writes the pre-commit (and pre-push) hook into a repository's
//! hooks directory, honouring `core.hooksPath`, never replacing a hook without `--force`.
//! Each hook holds the absolute path of the binary that installed it, for git clients
//! whose PATH does not have keyhound (KEYHOUND and PATH still come first).

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
    let repo = keyhound_git::open_with(&args.repo.repo, options)?;
    let dir = hooks_dir(&repo)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // git runs pre-merge-commit, not pre-commit, for a merge that does not conflict: the
    // same scan covers both.
    let installed = this_binary();
    let pre_commit = with_installed(PRE_COMMIT, installed.as_deref());
    let mut hooks = vec![
        ("pre-commit", pre_commit.clone()),
        ("pre-merge-commit", pre_commit),
    ];
    if args.pre_push {
        hooks.push(("pre-push", with_installed(PRE_PUSH, installed.as_deref())));
    }
    for (name, text) in &hooks {
        let path = dir.join(name);
        if path.exists()
            && !args.force
            && std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str())
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
    match &installed {
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

/// The absolute path of this binary, when a shell script can hold it.
fn this_binary() -> Option<String> {
    let path = std::env::current_exe().ok()?;
    let path = path.to_str()?;
    // A newline would end the assignment early; keep such a path out of a script.
    (!path.contains(['\n', '\r', '\0'])).then(|| path.to_string())
}

/// The shipped hook with `installed=''` set to `binary`, single-quoted for sh.
fn with_installed(hook: &str, binary: Option<&str>) -> String {
    let Some(binary) = binary else {
        return hook.to_string();
    };
    let quoted = format!("installed='{}'", binary.replace('\'', "'\\''"));
    hook.replacen("installed=''", &quoted, 1)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_path_is_quoted_for_sh() {
        let hook = with_installed(PRE_COMMIT, Some("/opt/it's here/keyhound"));
        assert!(hook.contains("\ninstalled='/opt/it'\\''s here/keyhound'\n"));
        assert_eq!(with_installed(PRE_COMMIT, None), PRE_COMMIT);
        // Only the assignment changes, once.
        assert_eq!(hook.matches("installed='/opt").count(), 1);
        assert!(PRE_PUSH.contains("\ninstalled=''\n"));
    }
}
