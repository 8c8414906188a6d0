//! The audited file system: this host's `/`, or an image mounted at `--root`. Paths are
//! resolved as the audited system would resolve them, one component at a time, with
//! symbolic links confined to the root: an absolute target restarts at the root, and `..`
//! stops at it, as under `chroot`. Nothing outside the root is ever reached through a link.

use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Links followed while resolving one path before it counts as a loop (Linux's limit).
const MAX_LINKS: usize = 40;

/// Top-level directories never read under the root: kernel interfaces and devices, not
/// files anyone plants a key in, and reading them can block or never end.
pub const PSEUDO_DIRS: [&str; 3] = ["proc", "sys", "dev"];

/// The root of the audited file system.
#[derive(Clone, Debug)]
pub struct Root {
    real: PathBuf,
}

/// Where a path leads inside the root.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// It exists.
    Found {
        /// The path on this machine.
        real: PathBuf,
        /// The same path as the audited system sees it (absolute, no symlinks).
        inside: PathBuf,
        /// A link was followed.
        via_link: bool,
    },
    /// Nothing is there (or a link leads nowhere inside the root).
    Absent {
        /// Where the link led, when one was followed.
        via_link: Option<PathBuf>,
    },
    /// It lies under /proc, /sys or /dev (perhaps through a link): not read.
    Pseudo {
        /// Where, inside the root.
        inside: PathBuf,
    },
}

impl Root {
    /// The root at `path`, which must be a directory.
    pub fn new(path: &Path) -> io::Result<Root> {
        let real = std::fs::canonicalize(path)?;
        if !real.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a directory",
            ));
        }
        Ok(Root { real })
    }

    /// Whether this is the running system's own `/`.
    pub fn is_live(&self) -> bool {
        self.real == Path::new("/")
    }

    /// The root's path on this machine.
    pub fn path(&self) -> &Path {
        &self.real
    }

    /// `path` (a path on this machine, under the root) as the audited system sees it;
    /// `None` when it is not under the root.
    pub fn inside(&self, path: &Path) -> Option<PathBuf> {
        let rest = path.strip_prefix(&self.real).ok()?;
        Some(Path::new("/").join(rest))
    }

    /// Resolves `path` (absolute, as the audited system sees it) inside the root.
    pub fn resolve(&self, path: &Path) -> io::Result<Resolved> {
        // Components still to walk, last first; and the ones walked so far.
        let mut pending: Vec<OsString> = Vec::new();
        push_components(&mut pending, path);
        let mut walked: Vec<OsString> = Vec::new();
        let mut links = 0;
        while let Some(name) = pending.pop() {
            if name == ".." {
                walked.pop();
                continue;
            }
            if walked.is_empty() && PSEUDO_DIRS.iter().any(|dir| name == *dir) {
                walked.push(name);
                walked.extend(pending.into_iter().rev());
                return Ok(Resolved::Pseudo {
                    inside: inside_path(&walked),
                });
            }
            let candidate = self.real_path(&walked).join(&name);
            let meta = match std::fs::symlink_metadata(&candidate) {
                Ok(meta) => meta,
                Err(err) if is_absent(&err) => {
                    return Ok(Resolved::Absent {
                        via_link: (links > 0).then(|| {
                            walked.push(name);
                            walked.extend(pending.into_iter().rev());
                            inside_path(&walked)
                        }),
                    })
                }
                Err(err) => return Err(err),
            };
            if meta.file_type().is_symlink() {
                links += 1;
                if links > MAX_LINKS {
                    return Err(io::Error::other("too many levels of symbolic links"));
                }
                let target = std::fs::read_link(&candidate)?;
                if target.is_absolute() {
                    walked.clear();
                }
                push_components(&mut pending, &target);
                continue;
            }
            if !pending.is_empty() && !meta.is_dir() {
                // `file/more`: nothing can be there.
                return Ok(Resolved::Absent {
                    via_link: (links > 0).then(|| inside_path(&walked)),
                });
            }
            walked.push(name);
        }
        Ok(Resolved::Found {
            real: self.real_path(&walked),
            inside: inside_path(&walked),
            via_link: links > 0,
        })
    }

    fn real_path(&self, walked: &[OsString]) -> PathBuf {
        let mut path = self.real.clone();
        path.extend(walked);
        path
    }
}

/// Pushes the normal components of `path` (and `..`) onto `pending`, last first.
fn push_components(pending: &mut Vec<OsString>, path: &Path) {
    let mut names: Vec<OsString> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => names.push(name.to_os_string()),
            Component::ParentDir => names.push("..".into()),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    pending.extend(names.into_iter().rev());
}

fn inside_path(walked: &[OsString]) -> PathBuf {
    let mut path = PathBuf::from("/");
    path.extend(walked);
    path
}

/// Not there, or a parent is not a directory: absent, not an error.
fn is_absent(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::NotFound || err.raw_os_error() == Some(20 /* ENOTDIR */)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir_all(base.join("root/etc/app")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::fs::write(base.join("root/etc/app/env"), "x").unwrap();
        std::fs::write(base.join("outside/secret"), "x").unwrap();
        let root = Root::new(&base.join("root")).unwrap();
        (dir, root)
    }

    #[test]
    fn absolute_links_restart_at_the_root() {
        let (dir, root) = tree();
        let base = dir.path();
        symlink("/etc/app", base.join("root/etc/link")).unwrap();
        let found = root.resolve(Path::new("/etc/link/env")).unwrap();
        assert_eq!(
            found,
            Resolved::Found {
                real: root.path().join("etc/app/env"),
                inside: PathBuf::from("/etc/app/env"),
                via_link: true
            }
        );
    }

    #[test]
    fn links_never_leave_the_root() {
        let (dir, root) = tree();
        let base = dir.path();
        let outside = base.join("outside/secret");
        symlink(&outside, base.join("root/etc/abs")).unwrap();
        symlink(
            "../../../../../../../../outside/secret",
            base.join("root/etc/rel"),
        )
        .unwrap();
        for link in ["/etc/abs", "/etc/rel"] {
            match root.resolve(Path::new(link)).unwrap() {
                Resolved::Absent { via_link: Some(_) } => {}
                other => panic!("{link} resolved to {other:?}"),
            }
        }
        // `..` above the root stays at the root.
        assert!(matches!(
            root.resolve(Path::new("/../../etc/app/env")).unwrap(),
            Resolved::Found {
                via_link: false,
                ..
            }
        ));
    }

    #[test]
    fn pseudo_file_systems_are_not_entered() {
        let (dir, root) = tree();
        symlink("/dev/null", dir.path().join("root/etc/history")).unwrap();
        assert_eq!(
            root.resolve(Path::new("/etc/history")).unwrap(),
            Resolved::Pseudo {
                inside: PathBuf::from("/dev/null")
            }
        );
    }

    #[test]
    fn loops_are_errors() {
        let (dir, root) = tree();
        symlink("/etc/a", dir.path().join("root/etc/b")).unwrap();
        symlink("/etc/b", dir.path().join("root/etc/a")).unwrap();
        assert!(root.resolve(Path::new("/etc/a")).is_err());
        assert_eq!(
            root.resolve(Path::new("/etc/app/env/more")).unwrap(),
            Resolved::Absent { via_link: None }
        );
    }
}
