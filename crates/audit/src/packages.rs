//! Which found files belong to installed third-party packages: Python distributions
//! (site-packages and dist-packages, by their `RECORD`), dpkg packages (by
//! `/var/lib/dpkg/info/*.list`), rpm packages (by the rpm database's `rpmdb.sqlite`,
//! read without the `rpm` program), `node_modules`, the cargo registry and git
//! checkouts, the Go module cache, Ruby gems, the Maven and Gradle caches, and the pip
//! and npm caches.
//!
//! A key in such a file was written by whoever published the package (a documentation
//! example, a test fixture), not by the audited organisation: the audit lists it apart and
//! does not fail on it unless asked to. Everything is read from the audited root, and only
//! for the files that hold findings: a host without findings costs nothing, and the dpkg
//! and rpm databases are read once, keeping only the entries that name one of those
//! files.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use keyhound_report::display_path;

use crate::places::read_inside;
use crate::rootfs::{Resolved, Root};
use crate::rpm;

/// At most this much of one package's metadata file (`RECORD`, `METADATA`,
/// `package.json`) is read.
const MAX_METADATA: u64 = 16 << 20;
/// At most this much of the dpkg database (`info/*.list` and `status` together) is read.
const MAX_DPKG: u64 = 512 << 20;

/// The package manager (or cache) a file belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Manager {
    /// A Python distribution in a `site-packages` or `dist-packages` directory.
    Python,
    /// A Debian package (`/var/lib/dpkg/info/<package>.list` lists the file).
    Dpkg,
    /// An rpm package (the rpm database lists the file).
    Rpm,
    /// A package in a `node_modules` directory.
    Npm,
    /// A crate in the cargo registry (`.cargo/registry`).
    Cargo,
    /// A git dependency checked out by cargo (`.cargo/git`).
    CargoGit,
    /// A module in the Go module cache (`pkg/mod`).
    Go,
    /// A Ruby gem (`gems/<name>-<version>`).
    Gem,
    /// An artifact in the Maven repository (`.m2/repository`).
    Maven,
    /// The Gradle caches and wrapper distributions (`.gradle`).
    Gradle,
    /// pip's download and wheel cache (`.cache/pip`).
    PipCache,
    /// npm's content cache (`.npm/_cacache`).
    NpmCache,
}

impl Manager {
    /// The id in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Manager::Python => "python",
            Manager::Dpkg => "dpkg",
            Manager::Rpm => "rpm",
            Manager::Npm => "npm",
            Manager::Cargo => "cargo",
            Manager::CargoGit => "cargo-git",
            Manager::Go => "go",
            Manager::Gem => "gem",
            Manager::Maven => "maven",
            Manager::Gradle => "gradle",
            Manager::PipCache => "pip-cache",
            Manager::NpmCache => "npm-cache",
        }
    }

    /// What reports call it.
    pub fn title(self) -> &'static str {
        match self {
            Manager::Python => "Python package",
            Manager::Dpkg => "Debian package",
            Manager::Rpm => "RPM package",
            Manager::Npm => "npm package",
            Manager::Cargo => "cargo registry crate",
            Manager::CargoGit => "cargo git checkout",
            Manager::Go => "Go module",
            Manager::Gem => "Ruby gem",
            Manager::Maven => "Maven artifact",
            Manager::Gradle => "Gradle cache",
            Manager::PipCache => "pip cache",
            Manager::NpmCache => "npm cache",
        }
    }
}

/// The installed package a file belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Package {
    /// Who installed it.
    pub manager: Manager,
    /// The package's name, when known.
    pub name: Option<String>,
    /// Its version, when known.
    pub version: Option<String>,
    /// Where its files are, inside the root: the package's directory, or the
    /// site-packages directory or cache that holds it; for dpkg and rpm, the list or
    /// database that names the file.
    pub location: PathBuf,
}

impl Package {
    /// `botocore 1.34.0 (Python package in /usr/lib/python3/dist-packages)`.
    pub fn describe(&self) -> String {
        let mut text = match (&self.name, &self.version) {
            (Some(name), Some(version)) => format!("{name} {version} ("),
            (Some(name), None) => format!("{name} ("),
            (None, _) => "(".to_string(),
        };
        text.push_str(self.manager.title());
        if self.name.is_none() && self.manager == Manager::Python {
            text.push_str(", distribution not known,");
        }
        let at = if matches!(self.manager, Manager::Dpkg | Manager::Rpm) {
            "listed in"
        } else {
            "in"
        };
        text.push_str(&format!(" {at} {})", display_path(&self.location)));
        text
    }
}

/// Which files belong to packages, and what could not be told.
#[derive(Debug, Default)]
pub struct Attribution {
    /// Each file (as given) that belongs to a package.
    pub packages: HashMap<PathBuf, Package>,
    /// What the reader should know (a package database too large to read whole).
    pub notes: Vec<String>,
}

/// Finds the package each of `files` (absolute paths inside `root`) belongs to. Files of
/// no package are left out.
pub fn attribute(root: &Root, files: &[PathBuf]) -> Attribution {
    let mut attribution = Attribution::default();
    let mut npm_cache: HashMap<PathBuf, (Option<String>, Option<String>)> = HashMap::new();
    // Python files wait for their site-packages directory's index: file, directory,
    // path relative to it.
    let mut python: Vec<(&PathBuf, PathBuf, String)> = Vec::new();
    let mut rest: Vec<&PathBuf> = Vec::new();
    for file in files {
        match by_path(file) {
            Some(Match::Package(mut package)) => {
                if package.manager == Manager::Npm {
                    let (name, version) = npm_cache
                        .entry(package.location.clone())
                        .or_insert_with(|| package_json(root, &package.location))
                        .clone();
                    package.name = name.or(package.name);
                    package.version = version;
                }
                attribution.packages.insert(file.clone(), package);
            }
            Some(Match::Python { dir, relative }) => python.push((file, dir, relative)),
            None => rest.push(file),
        }
    }

    let mut by_dir: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    for (_, dir, relative) in &python {
        by_dir
            .entry(dir.clone())
            .or_default()
            .insert(relative.clone());
    }
    let indexes: HashMap<PathBuf, SiteIndex> = by_dir
        .into_iter()
        .map(|(dir, wanted)| {
            let index = SiteIndex::read(root, &dir, &wanted);
            (dir, index)
        })
        .collect();
    for (file, dir, relative) in python {
        let (name, version) = indexes[&dir]
            .owner(&relative)
            .map_or((None, None), |d| (Some(d.0.clone()), d.1.clone()));
        attribution.packages.insert(
            file.clone(),
            Package {
                manager: Manager::Python,
                name,
                version,
                location: dir,
            },
        );
    }

    if !rest.is_empty() {
        let (owned, notes) = dpkg_owners(root, &rest);
        attribution.notes.extend(notes);
        for (file, package) in owned {
            attribution.packages.insert(file, package);
        }
        rest.retain(|file| !attribution.packages.contains_key(*file));
    }
    if !rest.is_empty() {
        let rpm = rpm::owners(root, &package_names(&rest));
        attribution.notes.extend(rpm.notes);
        if let Some(database) = rpm.database {
            for (at, (name, version)) in rpm.owned {
                attribution.packages.insert(
                    rest[at].clone(),
                    Package {
                        manager: Manager::Rpm,
                        name: Some(name),
                        version,
                        location: database.clone(),
                    },
                );
            }
        }
    }
    attribution
}

/// How a package database may name each of `files` (→ its index): as found, and without
/// `/usr` for the directories a merged /usr aliases (a package may list `/lib/systemd/…`
/// where the walk finds `/usr/lib/…`).
fn package_names(files: &[&PathBuf]) -> HashMap<String, usize> {
    let mut wanted: HashMap<String, usize> = HashMap::new();
    for (at, file) in files.iter().enumerate() {
        let Some(text) = file.to_str() else { continue };
        wanted.insert(text.to_string(), at);
        if let Some(rest) = text.strip_prefix("/usr") {
            let aliased = ["/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"];
            if aliased.iter().any(|dir| rest.starts_with(dir)) {
                wanted.insert(rest.to_string(), at);
            }
        }
    }
    wanted
}

/// What a file's path alone says.
enum Match {
    /// A package known from the path (npm's name and version come from package.json).
    Package(Package),
    /// A file in a Python site-packages directory: its RECORDs say whose it is.
    Python { dir: PathBuf, relative: String },
}

/// The package a path's shape names, the innermost one when package directories nest
/// (a `node_modules` inside a cargo crate belongs to npm).
fn by_path(path: &Path) -> Option<Match> {
    let names: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let n = names.len();
    // The directory made of the first `upto` names.
    let prefix = |upto: usize| -> PathBuf {
        let mut dir = PathBuf::from("/");
        dir.extend(&names[..upto]);
        dir
    };
    let is = |i: usize, name: &str| names.get(i).is_some_and(|n| n == name);
    let package = |manager, name: Option<String>, version: Option<String>, upto: usize| {
        Match::Package(Package {
            manager,
            name,
            version,
            location: prefix(upto),
        })
    };
    // The last name is the file itself: every rule looks at directories only.
    for i in (0..n.saturating_sub(1)).rev() {
        let name = names[i].as_str();
        let dirs_after = n - 1 - (i + 1); // directories below names[i], above the file
        let found = match name {
            "node_modules" => {
                let scoped = names[i + 1].starts_with('@') && dirs_after >= 2;
                let end = if dirs_after == 0 {
                    i + 1
                } else if scoped {
                    i + 3
                } else {
                    i + 2
                };
                let dir_name = (dirs_after > 0).then(|| names[i + 1..end].join("/"));
                Some(package(Manager::Npm, dir_name, None, end))
            }
            "site-packages" | "dist-packages" => Some(Match::Python {
                dir: prefix(i + 1),
                relative: names[i + 1..].join("/"),
            }),
            "registry" if i > 0 && is_cargo_home(&names[i - 1]) => {
                if is(i + 1, "src") && dirs_after >= 3 {
                    let (crate_name, version) = split_name_version(&names[i + 3])
                        .map_or((names[i + 3].clone(), None), |(n, v)| (n, Some(v)));
                    Some(package(Manager::Cargo, Some(crate_name), version, i + 4))
                } else {
                    Some(package(Manager::Cargo, None, None, i + 1))
                }
            }
            "git" if i > 0 && is_cargo_home(&names[i - 1]) => {
                if (is(i + 1, "checkouts") || is(i + 1, "db")) && dirs_after >= 2 {
                    let checkout = is(i + 1, "checkouts") && dirs_after >= 3;
                    let version = checkout.then(|| names[i + 3].clone());
                    let end = if checkout { i + 4 } else { i + 3 };
                    let repo = strip_hash(&names[i + 2]);
                    Some(package(Manager::CargoGit, Some(repo), version, end))
                } else {
                    Some(package(Manager::CargoGit, None, None, i + 1))
                }
            }
            "mod" if i > 0 && names[i - 1] == "pkg" => {
                // pkg/mod/<module path>@<version>/…; pkg/mod/cache is downloads.
                let at = (i + 1..n - 1).find(|&j| names[j].contains('@'));
                match at {
                    Some(j) if !is(i + 1, "cache") => {
                        let (last, version) = names[j].split_once('@').unwrap_or((&names[j], ""));
                        let mut module = names[i + 1..j].to_vec();
                        module.push(last.to_string());
                        let module = unescape_go(&module.join("/"));
                        Some(package(
                            Manager::Go,
                            Some(module),
                            Some(version.to_string()),
                            j + 1,
                        ))
                    }
                    _ => Some(package(Manager::Go, None, None, i + 1)),
                }
            }
            "gems" if dirs_after >= 1 => split_name_version(&names[i + 1])
                .map(|(gem, version)| package(Manager::Gem, Some(gem), Some(version), i + 2)),
            "repository" if i > 0 && names[i - 1] == ".m2" => {
                // repository/<group…>/<artifact>/<version>/<file>
                if dirs_after >= 3 {
                    let version = names[n - 2].clone();
                    let artifact = &names[n - 3];
                    let group = names[i + 1..n - 3].join(".");
                    Some(package(
                        Manager::Maven,
                        Some(format!("{group}:{artifact}")),
                        Some(version),
                        n - 1,
                    ))
                } else {
                    Some(package(Manager::Maven, None, None, i + 1))
                }
            }
            ".gradle" => {
                // caches/modules-2/files-2.1/<group>/<artifact>/<version>/<hash>/<file>
                if is(i + 1, "caches")
                    && is(i + 2, "modules-2")
                    && is(i + 3, "files-2.1")
                    && n > i + 8
                {
                    Some(package(
                        Manager::Gradle,
                        Some(format!("{}:{}", names[i + 4], names[i + 5])),
                        Some(names[i + 6].clone()),
                        i + 7,
                    ))
                } else if is(i + 1, "wrapper") && is(i + 2, "dists") && n > i + 4 {
                    Some(package(
                        Manager::Gradle,
                        Some(names[i + 3].clone()),
                        None,
                        i + 4,
                    ))
                } else if is(i + 1, "caches") {
                    Some(package(Manager::Gradle, None, None, i + 2))
                } else {
                    None
                }
            }
            "pip" if i > 0 && names[i - 1] == ".cache" => {
                Some(package(Manager::PipCache, None, None, i + 1))
            }
            "_cacache" if i > 0 && names[i - 1] == ".npm" => {
                Some(package(Manager::NpmCache, None, None, i + 1))
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// `.cargo`, or a `CARGO_HOME` named `cargo` (`/usr/local/cargo` in the Rust images).
fn is_cargo_home(name: &str) -> bool {
    name == ".cargo" || name == "cargo"
}

/// `aws-sigv4-1.2.3` → (`aws-sigv4`, `1.2.3`); `sha-1-0.10.1` → (`sha-1`, `0.10.1`): the
/// version starts at the first `-` followed by `<digits>.<digit>`.
fn split_name_version(text: &str) -> Option<(String, String)> {
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('-') {
        let rest = &bytes[at + 1..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if at > 0
            && digits > 0
            && rest.get(digits) == Some(&b'.')
            && rest.get(digits + 1).is_some_and(|b| b.is_ascii_digit())
        {
            return Some((text[..at].to_string(), text[at + 1..].to_string()));
        }
    }
    None
}

/// `aws-sdk-rust-3f2a9c0d1e4b5a6c` → `aws-sdk-rust`: cargo names checkouts with a hash.
fn strip_hash(name: &str) -> String {
    match name.rsplit_once('-') {
        Some((repo, hash))
            if !repo.is_empty()
                && hash.len() >= 8
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            repo.to_string()
        }
        _ => name.to_string(),
    }
}

/// The Go module cache writes capitals as `!` and the lowercase letter.
fn unescape_go(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '!' => match chars.next() {
                Some(next) => out.extend(next.to_uppercase()),
                None => out.push('!'),
            },
            c => out.push(c),
        }
    }
    out
}

/// The name and version in `dir/package.json`.
fn package_json(root: &Root, dir: &Path) -> (Option<String>, Option<String>) {
    let Ok(Some(bytes)) = read_inside(root, &dir.join("package.json"), MAX_METADATA) else {
        return (None, None);
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return (None, None);
    };
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
    (field("name"), field("version"))
}

/// A distribution's name and version.
type Dist = (String, Option<String>);

/// What one site-packages directory's distributions say about the files asked for.
#[derive(Default)]
struct SiteIndex {
    dists: Vec<Dist>,
    /// A file asked for → the distribution whose RECORD lists it.
    files: HashMap<String, usize>,
    /// A top-level name (package directory or module) → the one distribution that
    /// installs files under it; a name two distributions share is left out.
    top: HashMap<String, Option<usize>>,
}

impl SiteIndex {
    /// Reads every `*.dist-info` (its `RECORD` and `top_level.txt`) and `*.egg-info`
    /// (`installed-files.txt`, `top_level.txt`) in `dir`, keeping only the entries for
    /// the `wanted` files and the top-level names.
    fn read(root: &Root, dir: &Path, wanted: &HashSet<String>) -> SiteIndex {
        let mut index = SiteIndex::default();
        let Ok(Resolved::Found { real, .. }) = root.resolve(dir) else {
            return index;
        };
        let Ok(entries) = std::fs::read_dir(&real) else {
            return index;
        };
        let mut metadata_dirs: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.ends_with(".dist-info") || name.ends_with(".egg-info"))
            .collect();
        metadata_dirs.sort();
        for meta in metadata_dirs {
            let egg = meta.ends_with(".egg-info");
            let read = |file: &str| {
                read_inside(root, &dir.join(&meta).join(file), MAX_METADATA)
                    .ok()
                    .flatten()
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            };
            let headers = read(if egg { "PKG-INFO" } else { "METADATA" });
            let dist = dist_of(&meta, headers.as_deref());
            let at = index.dists.len();
            index.dists.push(dist);
            let mut installed: Vec<String> = Vec::new();
            if egg {
                // Paths relative to the egg-info directory.
                for line in read("installed-files.txt").iter().flat_map(|t| t.lines()) {
                    if let Some(path) = normalise(&format!("{meta}/{}", line.trim())) {
                        installed.push(path);
                    }
                }
            } else {
                for line in read("RECORD").iter().flat_map(|t| t.lines()) {
                    if let Some(path) = normalise(&record_path(line)) {
                        installed.push(path);
                    }
                }
            }
            let tops = read("top_level.txt").unwrap_or_default();
            let tops = tops.lines().map(str::trim).filter(|t| !t.is_empty());
            let mut claimed: HashSet<String> = tops.map(str::to_string).collect();
            for path in installed {
                let first = path.split('/').next().unwrap_or("");
                // Compiled files of single-file modules share `__pycache__`.
                if first != "__pycache__"
                    && !first.ends_with(".dist-info")
                    && !first.ends_with(".egg-info")
                {
                    claimed.insert(first.trim_end_matches(".py").to_string());
                }
                if wanted.contains(&path) {
                    index.files.insert(path, at);
                }
            }
            for name in claimed {
                index
                    .top
                    .entry(name)
                    .and_modify(|owner| {
                        if *owner != Some(at) {
                            *owner = None;
                        }
                    })
                    .or_insert(Some(at));
            }
        }
        index
    }

    /// The distribution that `relative` (a path inside the site-packages directory)
    /// belongs to: the one whose RECORD lists it, else the one that owns its top-level
    /// package or module.
    fn owner(&self, relative: &str) -> Option<&Dist> {
        if let Some(&at) = self.files.get(relative) {
            return self.dists.get(at);
        }
        let mut parts = relative.split('/');
        let first = parts.next()?;
        let top = if first == "__pycache__" {
            // `__pycache__/six.cpython-312.pyc` belongs to the module `six`.
            parts.next()?.split('.').next()?
        } else {
            first.trim_end_matches(".py")
        };
        let at = (*self.top.get(top)?)?;
        self.dists.get(at)
    }
}

/// A distribution's name and version from its metadata's headers, else from its
/// directory's name (`botocore-1.34.0.dist-info`, `botocore-1.29.0-py3.11.egg-info`).
fn dist_of(dir: &str, headers: Option<&str>) -> Dist {
    let (mut name, mut version) = (None, None);
    for line in headers.unwrap_or("").lines() {
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Name:") {
            name.get_or_insert_with(|| value.trim().to_string());
        } else if let Some(value) = line.strip_prefix("Version:") {
            version.get_or_insert_with(|| value.trim().to_string());
        }
    }
    let stem = dir
        .trim_end_matches(".dist-info")
        .trim_end_matches(".egg-info");
    let mut pieces = stem.splitn(3, '-');
    let from_dir = pieces.next().unwrap_or(stem).to_string();
    let version = version.or_else(|| pieces.next().map(str::to_string));
    (name.unwrap_or(from_dir), version)
}

/// The path field of a RECORD line (CSV: `path,hash,size`, the path quoted when it
/// holds a comma or a quote).
fn record_path(line: &str) -> String {
    let Some(quoted) = line.strip_prefix('"') else {
        return line.split(',').next().unwrap_or("").to_string();
    };
    let mut path = String::new();
    let mut chars = quoted.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                path.push('"');
            } else {
                break;
            }
        } else {
            path.push(c);
        }
    }
    path
}

/// `a/./b/../c` → `a/c`; `None` for a path that leaves the directory (a RECORD's
/// `../../../bin/aws`) or is empty.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The dpkg packages that own `files`, from `/var/lib/dpkg/info/*.list` inside the root,
/// with versions from `/var/lib/dpkg/status`. A package's conffiles are left out: they
/// are configuration the administrator edits, and a key there is the organisation's.
fn dpkg_owners(root: &Root, files: &[&PathBuf]) -> (Vec<(PathBuf, Package)>, Vec<String>) {
    let info = Path::new("/var/lib/dpkg/info");
    let Ok(Resolved::Found { real, .. }) = root.resolve(info) else {
        return (Vec::new(), Vec::new());
    };
    let Ok(entries) = std::fs::read_dir(&real) else {
        return (Vec::new(), Vec::new());
    };
    let wanted = package_names(files);
    // (package, the list on this machine, the list inside the root)
    let mut lists: Vec<(String, PathBuf, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let package = name.strip_suffix(".list")?;
            // `libc6:amd64` → `libc6`.
            let package = package.split(':').next().unwrap_or(package).to_string();
            Some((package, e.path(), info.join(&name)))
        })
        .collect();
    lists.sort();
    // A file → its package and the list naming it.
    let mut owner: HashMap<usize, (String, PathBuf)> = HashMap::new();
    let mut budget = MAX_DPKG;
    let mut notes = Vec::new();
    let mut bytes = Vec::new();
    for (package, real, inside) in &lists {
        if owner.len() == files.len() {
            break;
        }
        bytes.clear();
        let read =
            std::fs::File::open(real).and_then(|file| file.take(budget).read_to_end(&mut bytes));
        let Ok(read) = read else { continue };
        budget = budget.saturating_sub(read as u64);
        for line in String::from_utf8_lossy(&bytes).lines() {
            if let Some(&at) = wanted.get(line) {
                owner
                    .entry(at)
                    .or_insert_with(|| (package.clone(), inside.clone()));
            }
        }
        if budget == 0 {
            notes.push(format!(
                "the dpkg database is over {} MiB: only part of it was read to tell \
                 package files apart",
                MAX_DPKG >> 20
            ));
            break;
        }
    }
    if owner.is_empty() {
        return (Vec::new(), notes);
    }
    let needed: HashSet<&str> = owner.values().map(|(p, _)| p.as_str()).collect();
    let status = read_inside(root, Path::new("/var/lib/dpkg/status"), budget.max(1 << 20))
        .ok()
        .flatten()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let details = dpkg_status(&status, &needed);
    let mut owned = Vec::new();
    for (at, (package, list)) in owner {
        let file = files[at];
        let (version, conffiles) = details.get(package.as_str()).cloned().unwrap_or_default();
        if conffiles.iter().any(|c| Path::new(c) == file.as_path()) {
            continue;
        }
        owned.push((
            file.to_path_buf(),
            Package {
                manager: Manager::Dpkg,
                name: Some(package),
                version,
                location: list,
            },
        ));
    }
    (owned, notes)
}

/// The version and conffiles of each of `packages` in dpkg's status file.
fn dpkg_status<'a>(
    status: &'a str,
    packages: &HashSet<&str>,
) -> HashMap<&'a str, (Option<String>, Vec<String>)> {
    let mut found: HashMap<&str, (Option<String>, Vec<String>)> = HashMap::new();
    for stanza in status.split("\n\n") {
        let mut name = None;
        let mut version = None;
        let mut conffiles = Vec::new();
        let mut in_conffiles = false;
        for line in stanza.lines() {
            if let Some(continued) = line.strip_prefix(' ') {
                if in_conffiles {
                    if let Some(path) = continued.split_whitespace().next() {
                        conffiles.push(path.to_string());
                    }
                }
                continue;
            }
            in_conffiles = false;
            if let Some(value) = line.strip_prefix("Package:") {
                name = Some(value.trim());
            } else if let Some(value) = line.strip_prefix("Version:") {
                version = Some(value.trim().to_string());
            } else if line.starts_with("Conffiles:") {
                in_conffiles = true;
            }
        }
        if let Some(name) = name.filter(|n| packages.contains(n)) {
            let entry = found.entry(name).or_default();
            if entry.0.is_none() {
                entry.0 = version;
            }
            entry.1.extend(conffiles);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(path: &str) -> Option<(Manager, Option<String>, Option<String>, String)> {
        match by_path(Path::new(path))? {
            Match::Package(p) => Some((
                p.manager,
                p.name,
                p.version,
                p.location.display().to_string(),
            )),
            Match::Python { dir, relative } => Some((
                Manager::Python,
                None,
                Some(relative),
                dir.display().to_string(),
            )),
        }
    }

    fn s(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn paths_name_their_packages() {
        let cases = [
            (
                "/home/a/.cargo/registry/src/index.crates.io-6f17d22bba15001f/sha-1-0.10.1/src/lib.rs",
                Manager::Cargo,
                s("sha-1"),
                s("0.10.1"),
                "/home/a/.cargo/registry/src/index.crates.io-6f17d22bba15001f/sha-1-0.10.1",
            ),
            (
                "/root/.cargo/git/checkouts/smithy-rs-0123456789abcdef/a1b2c3d/README.md",
                Manager::CargoGit,
                s("smithy-rs"),
                s("a1b2c3d"),
                "/root/.cargo/git/checkouts/smithy-rs-0123456789abcdef/a1b2c3d",
            ),
            (
                "/home/a/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode_test.go",
                Manager::Go,
                s("github.com/BurntSushi/toml"),
                s("v1.3.2"),
                "/home/a/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2",
            ),
            (
                "/var/lib/gems/3.0.0/gems/aws-sdk-core-3.191.0/lib/x.rb",
                Manager::Gem,
                s("aws-sdk-core"),
                s("3.191.0"),
                "/var/lib/gems/3.0.0/gems/aws-sdk-core-3.191.0",
            ),
            (
                "/root/.m2/repository/com/amazonaws/aws-java-sdk-core/1.12.0/x.pom",
                Manager::Maven,
                s("com.amazonaws:aws-java-sdk-core"),
                s("1.12.0"),
                "/root/.m2/repository/com/amazonaws/aws-java-sdk-core/1.12.0",
            ),
            (
                "/home/a/.gradle/caches/modules-2/files-2.1/software.amazon.awssdk/sts/2.20.0/abc/sts-2.20.0.pom",
                Manager::Gradle,
                s("software.amazon.awssdk:sts"),
                s("2.20.0"),
                "/home/a/.gradle/caches/modules-2/files-2.1/software.amazon.awssdk/sts/2.20.0",
            ),
            (
                "/home/a/.cache/pip/http-v2/a/b/c",
                Manager::PipCache,
                None,
                None,
                "/home/a/.cache/pip",
            ),
            (
                "/home/a/.npm/_cacache/content-v2/sha512/ab/cd",
                Manager::NpmCache,
                None,
                None,
                "/home/a/.npm/_cacache",
            ),
            (
                "/srv/web/node_modules/@aws-sdk/client-sts/dist/index.js",
                Manager::Npm,
                s("@aws-sdk/client-sts"),
                None,
                "/srv/web/node_modules/@aws-sdk/client-sts",
            ),
            (
                "/opt/app/venv/lib/python3.11/site-packages/botocore/data/x.json",
                Manager::Python,
                None,
                s("botocore/data/x.json"),
                "/opt/app/venv/lib/python3.11/site-packages",
            ),
        ];
        for (path, manager, name, version, location) in cases {
            assert_eq!(
                named(path),
                Some((manager, name, version, location.to_string())),
                "{path}"
            );
        }
        // The organisation's own trees are nobody's package.
        for path in [
            "/opt/app/config.yml",
            "/srv/app/.env",
            "/home/a/gems/notes.txt",
            "/home/a/projects/registry/src/x/y-1.0/z",
        ] {
            assert!(named(path).is_none(), "{path}");
        }
    }

    #[test]
    fn record_lines_and_dist_names() {
        assert_eq!(record_path("botocore/x.py,sha256=abc,12"), "botocore/x.py");
        assert_eq!(record_path("\"odd,\"\"name\"\".py\",,"), "odd,\"name\".py");
        assert_eq!(normalise("x.egg-info/../six.py").as_deref(), Some("six.py"));
        assert_eq!(normalise("../../../bin/aws"), None);
        assert_eq!(
            dist_of("botocore-1.34.0.dist-info", None),
            ("botocore".to_string(), s("1.34.0"))
        );
        assert_eq!(
            dist_of(
                "x-1.0.dist-info",
                Some("Metadata-Version: 2.1\nName: X\nVersion: 2\n\nName: no\n")
            ),
            ("X".to_string(), s("2"))
        );
        assert_eq!(
            dist_of("botocore-1.29.0-py3.11.egg-info", None),
            ("botocore".to_string(), s("1.29.0"))
        );
    }

    #[test]
    fn dpkg_status_gives_versions_and_conffiles() {
        let status = "Package: awscli\nStatus: install ok installed\nVersion: 2.9.19-1\n\
                      Conffiles:\n /etc/bash_completion.d/aws 0123 \n\
                      Description: x\n more\n\n\
                      Package: other\nVersion: 1\n";
        let wanted: HashSet<&str> = ["awscli"].into_iter().collect();
        let found = dpkg_status(status, &wanted);
        assert_eq!(
            found["awscli"],
            (
                s("2.9.19-1"),
                vec!["/etc/bash_completion.d/aws".to_string()]
            )
        );
        assert!(!found.contains_key("other"));
    }
}
