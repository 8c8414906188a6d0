//! Where the audit looks: the fixed locations where keys get planted on a Linux host,
//! every home (from `/etc/passwd` under the root, `/root` and `/home/*`) with its
//! credentials and shell files, and the files `AWS_SHARED_CREDENTIALS_FILE` and
//! `AWS_CONFIG_FILE` name in running processes' environments.

use std::path::{Path, PathBuf};

use crate::rootfs::{Resolved, Root};
use crate::{Category, Place};

/// Fixed system locations, by category. Directories are walked whole.
const FIXED: &[(Category, &[&str])] = &[
    (
        Category::CredentialsFile,
        &["/etc/boto.cfg", "/etc/passwd-s3fs"],
    ),
    (
        Category::CloudInit,
        &[
            "/var/lib/cloud/instance",
            "/var/lib/cloud/instances",
            "/var/lib/cloud/scripts",
            "/var/lib/cloud/seed",
            "/etc/cloud",
            "/var/log/cloud-init-output.log",
        ],
    ),
    (
        Category::Environment,
        &[
            "/etc/environment",
            "/etc/environment.d",
            "/etc/security/pam_env.conf",
            "/etc/default",
            "/etc/sysconfig",
        ],
    ),
    (
        Category::ShellProfile,
        &[
            "/etc/profile",
            "/etc/profile.d",
            "/etc/bash.bashrc",
            "/etc/bashrc",
            "/etc/zsh",
            "/etc/zshenv",
            "/etc/zshrc",
            "/etc/zprofile",
            "/etc/csh.cshrc",
            "/etc/csh.login",
        ],
    ),
    (Category::SystemdUnit, crate::systemd::UNIT_DIRS),
    (
        Category::Cron,
        &[
            "/etc/crontab",
            "/etc/anacrontab",
            "/etc/cron.d",
            "/etc/cron.hourly",
            "/etc/cron.daily",
            "/etc/cron.weekly",
            "/etc/cron.monthly",
            "/var/spool/cron",
        ],
    ),
    (
        Category::LocalScripts,
        &[
            "/usr/local/bin",
            "/usr/local/sbin",
            "/usr/local/etc",
            "/etc/rc.local",
            "/etc/init.d",
        ],
    ),
    (
        Category::ContainerConfig,
        &["/etc/docker", "/etc/containers"],
    ),
    (
        Category::ConfigManagement,
        &[
            "/etc/ansible",
            "/etc/chef",
            "/etc/puppetlabs",
            "/etc/puppet",
            "/etc/salt",
            "/srv/salt",
            "/srv/pillar",
        ],
    ),
    (Category::Application, &["/opt", "/srv", "/var/www"]),
];

/// Files in every home, relative to it.
const HOME_FILES: &[(Category, &[&str])] = &[
    (
        Category::CredentialsFile,
        &[
            ".aws/credentials",
            ".aws/config",
            ".s3cfg",
            ".boto",
            ".passwd-s3fs",
            ".config/rclone/rclone.conf",
        ],
    ),
    (
        Category::ShellProfile,
        &[
            ".profile",
            ".bashrc",
            ".bash_profile",
            ".bash_login",
            ".bash_aliases",
            ".zshrc",
            ".zshenv",
            ".zprofile",
            ".zlogin",
            ".cshrc",
            ".tcshrc",
            ".kshrc",
            ".envrc",
            ".config/fish/config.fish",
        ],
    ),
    (
        Category::ShellHistory,
        &[
            ".bash_history",
            ".zsh_history",
            ".sh_history",
            ".ash_history",
            ".local/share/fish/fish_history",
        ],
    ),
    (
        Category::ContainerConfig,
        &[".docker/config.json", ".config/containers"],
    ),
    (Category::SystemdUnit, &[".config/systemd/user"]),
];

/// The environment variables that point the SDKs at other credentials files.
pub const FILE_VARIABLES: [&str; 2] = ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"];

/// The first uid of human accounts (`UID_MIN` in login.defs on every mainstream
/// distribution). Their homes are walked whole; service accounts' homes only have their
/// credentials and shell files read.
pub const UID_MIN: u32 = 1000;

/// A home directory found on the audited system.
#[derive(Debug, PartialEq, Eq)]
pub struct Home {
    /// The directory, as the audited system names it.
    pub path: PathBuf,
    /// Walk it whole as an application tree (root's and human users' homes).
    pub walk: bool,
}

/// Every fixed place.
pub fn fixed() -> Vec<Place> {
    FIXED
        .iter()
        .flat_map(|(category, paths)| paths.iter().map(|p| Place::fixed(*p, *category)))
        .collect()
}

/// The places in `home`: its credentials, shell and container files, its user units,
/// and the whole tree when it is walked.
pub fn in_home(home: &Home) -> Vec<Place> {
    let mut places: Vec<Place> = HOME_FILES
        .iter()
        .flat_map(|(category, files)| {
            files
                .iter()
                .map(|file| Place::fixed(home.path.join(file), *category))
        })
        .collect();
    if home.walk {
        places.push(Place::fixed(&home.path, Category::Application));
    }
    places
}

/// An account whose home is a system path (`/usr/sbin`, `/dev/null`, `/nonexistent`):
/// nothing of that home is looked at, and the report names such accounts in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemHome {
    /// The account's name.
    pub account: String,
    /// Its home.
    pub home: PathBuf,
}

/// The homes of the audited system, from [`homes`].
#[derive(Debug, Default)]
pub struct Homes {
    /// `/root`, each `/etc/passwd` home that is not a system path, and each directory
    /// in `/home`, once each.
    pub homes: Vec<Home>,
    /// Accounts whose home is a system path: not looked at.
    pub system: Vec<SystemHome>,
    /// `/etc/passwd` could not be read: the file and why, for the caller to count.
    pub problem: Option<(PathBuf, String)>,
}

/// The homes of the audited system: `/root`, each `/etc/passwd` entry's home, and each
/// directory in `/home`, once each. A passwd that cannot be read is an error for the
/// caller to count; `/home` and `/root` are still returned.
pub fn homes(root: &Root) -> Homes {
    let mut found = Homes {
        homes: vec![Home {
            path: PathBuf::from("/root"),
            walk: true,
        }],
        ..Homes::default()
    };
    match read_inside(root, Path::new("/etc/passwd"), 16 << 20) {
        Ok(Some(text)) => {
            let (homes, system) = passwd_homes(&String::from_utf8_lossy(&text));
            found.homes.extend(homes);
            found.system = system;
        }
        Ok(None) => {}
        Err(err) => found.problem = Some(err),
    }
    if let Ok(Resolved::Found { real, inside, .. }) = root.resolve(Path::new("/home")) {
        // An unreadable /home is named by the walk of the homes inside it, if any; the
        // directories themselves are what we need here.
        if let Ok(entries) = std::fs::read_dir(&real) {
            let mut names: Vec<_> = entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name())
                .collect();
            names.sort();
            found.homes.extend(names.into_iter().map(|name| Home {
                path: inside.join(name),
                walk: true,
            }));
        }
    }
    let mut unique: Vec<Home> = Vec::new();
    for home in found.homes {
        match unique.iter_mut().find(|h| h.path == home.path) {
            Some(previous) => previous.walk |= home.walk,
            None => unique.push(home),
        }
    }
    found.homes = unique;
    found
}

/// Homes from passwd text, and the accounts whose home is a system path (those are not
/// homes to look in). The system trees of service accounts (`/var/lib/…`) are not
/// walked whole: only human accounts' homes (uid 0 or at least [`UID_MIN`], nobody
/// excepted) and anything under `/home` are.
pub fn passwd_homes(text: &str) -> (Vec<Home>, Vec<SystemHome>) {
    let mut homes = Vec::new();
    let mut system = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if line.starts_with('#') || fields.len() < 7 {
            continue;
        }
        let (uid, home) = (fields[2].parse::<u32>().ok(), fields[5]);
        if !home.starts_with('/') {
            continue;
        }
        if is_system_home(home) {
            system.push(SystemHome {
                account: fields[0].to_string(),
                home: PathBuf::from(home),
            });
            continue;
        }
        let human = matches!(uid, Some(0)) || uid.is_some_and(|u| (UID_MIN..65534).contains(&u));
        let walk = home.starts_with("/home/") || (human && !is_system_tree(home));
        homes.push(Home {
            path: PathBuf::from(home),
            walk,
        });
    }
    (homes, system)
}

/// A home that is part of the operating system, or says there is none: looking for a
/// user's dot-files there finds nothing but links into `/usr` and pseudo file systems.
fn is_system_home(home: &str) -> bool {
    const SYSTEM: [&str; 21] = [
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/games",
        "/usr/lib",
        "/usr/libexec",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/dev",
        "/proc",
        "/sys",
        "/run",
        "/var/run",
        "/nonexistent",
        "/var/empty",
        "/boot",
        "/etc",
        "/usr/share/empty",
    ];
    let path = Path::new(home);
    path == Path::new("/")
        || path == Path::new("/usr")
        || SYSTEM.iter().any(|dir| path.starts_with(dir))
}

/// The one line that names the accounts whose homes are system paths; `None` when
/// there are none.
pub fn system_homes_note(system: &[SystemHome]) -> Option<String> {
    if system.is_empty() {
        return None;
    }
    let mut accounts: Vec<&str> = system.iter().map(|s| s.account.as_str()).collect();
    accounts.dedup();
    let mut dirs: Vec<String> = system
        .iter()
        .map(|s| keyhound_report::display_path(&s.home))
        .collect();
    dirs.sort();
    dirs.dedup();
    let (what, were) = match accounts.len() {
        1 => ("1 account".to_string(), "was"),
        n => (format!("{n} accounts"), "were"),
    };
    Some(format!(
        "{what} with a system path as home {were} not looked in: {} ({})",
        keyhound_report::escape(&accounts.join(", ")),
        dirs.join(", ")
    ))
}

/// Directories of the operating system itself, never walked as a home.
fn is_system_tree(home: &str) -> bool {
    const SYSTEM: [&str; 12] = [
        "/bin", "/sbin", "/usr", "/lib", "/lib64", "/etc", "/boot", "/dev", "/proc", "/sys",
        "/run", "/var/run",
    ];
    SYSTEM.iter().any(|dir| Path::new(home).starts_with(dir))
}

/// The credentials files a process's environment points at (`AWS_SHARED_CREDENTIALS_FILE`,
/// `AWS_CONFIG_FILE`), from its `NAME=value` lines. `~/` is expanded with the same
/// environment's `HOME`. Relative paths depend on the process's working directory and
/// are returned as notes instead.
pub fn from_environment(source: &str, text: &[u8]) -> (Vec<Place>, Vec<String>) {
    let text = String::from_utf8_lossy(text);
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
    };
    let home = value("HOME");
    let (mut places, mut notes) = (Vec::new(), Vec::new());
    for variable in FILE_VARIABLES {
        let Some(raw) = value(variable).filter(|v| !v.is_empty()) else {
            continue;
        };
        let path = match (raw.strip_prefix("~/"), home) {
            (Some(rest), Some(home)) => Path::new(home).join(rest),
            _ => PathBuf::from(raw),
        };
        if path.is_absolute() {
            places.push(Place {
                path,
                category: Category::CredentialsFile,
                origin: Some(format!("{variable} in {source}")),
                optional: false,
            });
        } else {
            notes.push(format!(
                "{variable}={} in {source}: a relative path, not resolved",
                keyhound_report::escape(raw)
            ));
        }
    }
    (places, notes)
}

/// Reads a file inside the root, up to `max` bytes. `Ok(None)` when it is absent.
pub fn read_inside(
    root: &Root,
    path: &Path,
    max: u64,
) -> Result<Option<Vec<u8>>, (PathBuf, String)> {
    use std::io::Read;
    let real = match root.resolve(path) {
        Ok(Resolved::Found { real, .. }) => real,
        Ok(_) => return Ok(None),
        Err(err) => return Err((path.to_path_buf(), err.to_string())),
    };
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|file| file.take(max).read_to_end(&mut bytes))
        .map_err(|err| (path.to_path_buf(), err.to_string()))?;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_homes_walk_only_people() {
        let text = "root:x:0:0:root:/root:/bin/bash\n\
                    daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                    jenkins:x:115:120::/var/lib/jenkins:/bin/bash\n\
                    alice:x:1000:1000:Alice:/home/alice:/bin/bash\n\
                    nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\
                    odd:x:1001:1001::/:/bin/sh\n\
                    # comment\n";
        let (homes, system) = passwd_homes(text);
        let shown: Vec<(&str, bool)> = homes
            .iter()
            .map(|h| (h.path.to_str().unwrap(), h.walk))
            .collect();
        assert_eq!(
            shown,
            [
                ("/root", true),
                ("/var/lib/jenkins", false),
                ("/home/alice", true)
            ]
        );
        let system: Vec<(&str, &str)> = system
            .iter()
            .map(|s| (s.account.as_str(), s.home.to_str().unwrap()))
            .collect();
        assert_eq!(
            system,
            [
                ("daemon", "/usr/sbin"),
                ("nobody", "/nonexistent"),
                ("odd", "/")
            ]
        );
    }

    #[test]
    fn system_homes_are_one_line() {
        let home = |account: &str, home: &str| SystemHome {
            account: account.into(),
            home: home.into(),
        };
        assert_eq!(system_homes_note(&[]), None);
        assert_eq!(
            system_homes_note(&[home("daemon", "/usr/sbin")]).unwrap(),
            "1 account with a system path as home was not looked in: daemon (/usr/sbin)"
        );
        let note = system_homes_note(&[
            home("daemon", "/usr/sbin"),
            home("bin", "/bin"),
            home("sys", "/dev"),
            home("nobody", "/nonexistent"),
            home("lp", "/usr/sbin"),
        ])
        .unwrap();
        assert_eq!(
            note,
            "5 accounts with a system path as home were not looked in: daemon, bin, sys, \
             nobody, lp (/bin, /dev, /nonexistent, /usr/sbin)"
        );
    }

    #[test]
    fn environments_name_credentials_files() {
        let text = b"HOME=/home/bob\nAWS_SHARED_CREDENTIALS_FILE=~/keys/aws\n\
                     AWS_CONFIG_FILE=conf/aws\nPATH=/bin\n";
        let (places, notes) = from_environment("<env>", text);
        assert_eq!(places.len(), 1);
        assert_eq!(places[0].path, Path::new("/home/bob/keys/aws"));
        assert_eq!(
            places[0].origin.as_deref(),
            Some("AWS_SHARED_CREDENTIALS_FILE in <env>")
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("relative"), "{notes:?}");
    }
}
