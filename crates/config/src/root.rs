//! Where a scan of several paths looks for its configuration.

use std::path::{Path, PathBuf};

/// The directory whose `.keyhound.toml` a scan of `paths` reads (see
/// [`Config::resolve`](crate::Config::resolve)): the first path that is not `-`
/// (standard input) when it is a directory, else that file's directory; the current
/// directory when every path is `-`, or for a file given without a directory.
pub fn scan_root(paths: &[PathBuf]) -> PathBuf {
    match paths.iter().find(|p| p.as_os_str() != "-") {
        Some(path) if path.is_dir() => path.clone(),
        Some(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_first_directory_or_file_s_directory() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let file = sub.join("a.env");
        std::fs::write(&file, "").unwrap();
        let stdin = PathBuf::from("-");
        assert_eq!(scan_root(&[stdin.clone(), sub.clone()]), sub);
        assert_eq!(scan_root(&[file, dir.path().to_path_buf()]), sub);
        assert_eq!(scan_root(&[PathBuf::from("a.env")]), PathBuf::from("."));
        assert_eq!(scan_root(&[stdin]), PathBuf::from("."));
        assert_eq!(scan_root(&[]), PathBuf::from("."));
    }
}
