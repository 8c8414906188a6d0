//! Installing hook scripts into a repository: where git looks for them
//! ([`hooks_dir`]), a shell template made to name the program that installed it
//! ([`render`], [`shell_path`]), and writing them executable without replacing someone
//! else's hook unless told to ([`install`]).
//!
//! The templates are the caller's: keyhound's binary ships its own in `hooks/`, each
//! with an `installed=''` line for the installing binary's path.

use std::path::{Path, PathBuf};

/// A hook could not be installed. The message says the cause once (there is no
/// `source()`), as the crate's other errors do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HookError {
    /// A hook with other text is already there, and replacing it was not asked for.
    /// Nothing was written.
    #[error("{} already exists", path.display())]
    Exists {
        /// The hook already there.
        path: PathBuf,
    },
    /// The hooks directory could not be created.
    #[error("creating {}: {cause}", path.display())]
    CreateDir {
        /// The hooks directory.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// A hook could not be written.
    #[error("writing {}: {cause}", path.display())]
    Write {
        /// The hook.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// A hook was written but could not be made executable.
    #[error("making {} executable: {cause}", path.display())]
    Permissions {
        /// The hook.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
}

/// Where git runs `repo`'s hooks from: `core.hooksPath` (relative to the work tree, or
/// to the git directory of a bare repository, as git reads it), else the `hooks`
/// directory of the common git directory (shared by linked worktrees).
pub fn hooks_dir(repo: &gix::Repository) -> PathBuf {
    let config = repo.config_snapshot();
    if let Some(path) = config.string("core.hooksPath") {
        let path = PathBuf::from(path.to_string());
        let base = repo.workdir().unwrap_or_else(|| repo.git_dir());
        return if path.is_absolute() {
            path
        } else {
            base.join(path)
        };
    }
    repo.common_dir().join("hooks")
}

/// `path` as text a shell script can hold in single quotes: `None` when it is not UTF-8
/// or holds a newline, a carriage return or a NUL (which would end the line early).
pub fn shell_path(path: &Path) -> Option<&str> {
    path.to_str()
        .filter(|path| !path.contains(['\n', '\r', '\0']))
}

/// `template` with its first `installed=''` line set to `binary`, single-quoted for sh
/// (see [`shell_path`]); `template` unchanged without a binary.
pub fn render(template: &str, binary: Option<&str>) -> String {
    let Some(binary) = binary else {
        return template.to_string();
    };
    let quoted = format!("installed='{}'", binary.replace('\'', "'\\''"));
    template.replacen("installed=''", &quoted, 1)
}

/// Writes each `(file name, text)` of `hooks` into `dir` (created when missing),
/// executable on Unix, telling `installed` each path written. A hook already there with
/// other text is replaced only with `force`; otherwise nothing is written and the first
/// such hook is [`HookError::Exists`]. A hook already there with the same text is
/// written again.
pub fn install(
    dir: &Path,
    hooks: &[(&str, String)],
    force: bool,
    mut installed: impl FnMut(&Path),
) -> Result<(), HookError> {
    std::fs::create_dir_all(dir).map_err(|cause| HookError::CreateDir {
        path: dir.to_path_buf(),
        cause,
    })?;
    for (name, text) in hooks {
        let path = dir.join(name);
        if path.exists()
            && !force
            && std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str())
        {
            return Err(HookError::Exists { path });
        }
    }
    for (name, text) in hooks {
        let path = dir.join(name);
        write_executable(&path, text)?;
        installed(&path);
    }
    Ok(())
}

/// Writes `text` to `path`, executable by everyone on Unix.
fn write_executable(path: &Path, text: &str) -> Result<(), HookError> {
    std::fs::write(path, text).map_err(|cause| HookError::Write {
        path: path.to_path_buf(),
        cause,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(
            |cause| HookError::Permissions {
                path: path.to_path_buf(),
                cause,
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "#!/bin/sh\ninstalled=''\nexec \"$installed\" git staged\n";

    #[test]
    fn the_installed_path_is_quoted_for_sh() {
        let hook = render(TEMPLATE, Some("/opt/it's here/keyhound"));
        assert!(hook.contains("\ninstalled='/opt/it'\\''s here/keyhound'\n"));
        assert_eq!(render(TEMPLATE, None), TEMPLATE);
        // Only the assignment changes, once.
        assert_eq!(hook.matches("installed='/opt").count(), 1);
    }

    #[test]
    fn paths_that_would_end_the_line_are_refused() {
        assert_eq!(
            shell_path(Path::new("/usr/bin/keyhound")),
            Some("/usr/bin/keyhound")
        );
        for bad in ["/tmp/a\nb", "/tmp/a\rb", "/tmp/a\0b"] {
            assert_eq!(shell_path(Path::new(bad)), None, "{bad:?}");
        }
    }

    fn installed(
        dir: &Path,
        hooks: &[(&str, String)],
        force: bool,
    ) -> Result<Vec<PathBuf>, HookError> {
        let mut written = Vec::new();
        install(dir, hooks, force, |path| written.push(path.to_path_buf()))?;
        Ok(written)
    }

    #[test]
    fn hooks_are_written_executable_into_a_new_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hooks");
        let hooks = [
            ("pre-commit", "one".to_string()),
            ("pre-push", "two".to_string()),
        ];
        let written = installed(&dir, &hooks, false).unwrap();
        assert_eq!(written, [dir.join("pre-commit"), dir.join("pre-push")]);
        assert_eq!(
            std::fs::read_to_string(dir.join("pre-push")).unwrap(),
            "two"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("pre-commit"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
        }
        // The same hooks again: nothing to refuse.
        assert_eq!(installed(&dir, &hooks, false).unwrap().len(), 2);
    }

    #[test]
    fn another_hook_is_kept_unless_forced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("pre-push"), "theirs").unwrap();
        let hooks = [
            ("pre-commit", "ours".to_string()),
            ("pre-push", "ours".to_string()),
        ];
        match installed(dir, &hooks, false) {
            Err(HookError::Exists { path }) => assert_eq!(path, dir.join("pre-push")),
            other => panic!("{other:?}"),
        }
        // Nothing was written, not even the hook that was free.
        assert!(!dir.join("pre-commit").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("pre-push")).unwrap(),
            "theirs"
        );
        installed(dir, &hooks, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("pre-push")).unwrap(),
            "ours"
        );
    }
}
