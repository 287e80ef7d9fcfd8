//! Where snapshots live: `<root>/<suite>/<name>.snap`, with a pending answer
//! beside it as `<name>.snap.new`, the names insta and `cargo insta review`
//! use. Accepting renames the pending file over the snapshot; rejecting
//! deletes it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::SnapshotError;
use super::file::{self, SnapshotFile};
use crate::atomic::{self, Existing};

/// The extension of a pending snapshot, after `.snap`.
pub const PENDING_SUFFIX: &str = ".new";

#[derive(Debug, Clone)]
pub struct SnapshotStore {
    root: PathBuf,
}

/// What is stored for one snapshot name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Missing,
    Contents(String),
}

impl SnapshotStore {
    pub fn new(root: impl Into<PathBuf>) -> SnapshotStore {
        SnapshotStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn suite_dir(&self, suite: &str) -> PathBuf {
        self.root.join(suite)
    }

    pub fn path(&self, suite: &str, name: &str) -> PathBuf {
        self.suite_dir(suite).join(format!("{name}.snap"))
    }

    /// The contents stored under this name; an unreadable or malformed file
    /// is an error naming the file, never taken for a missing one.
    pub fn read(&self, suite: &str, name: &str) -> Result<Stored, SnapshotError> {
        read_path(&self.path(suite, name))
    }

    /// Writes a pending snapshot atomically and returns its path.
    pub fn write_pending(
        &self,
        suite: &str,
        name: &str,
        snapshot: &SnapshotFile,
    ) -> Result<PathBuf, SnapshotError> {
        let path = pending_path(&self.path(suite, name));
        match atomic::write(&path, snapshot.render().as_bytes(), Existing::Replace) {
            Ok(()) => Ok(path),
            Err(source) => Err(SnapshotError::Write { path, source }),
        }
    }

    /// Removes a pending snapshot left from an earlier run, once the answer
    /// matches the stored snapshot again. Returns whether there was one.
    pub fn clear_pending(&self, suite: &str, name: &str) -> Result<bool, SnapshotError> {
        let path = pending_path(&self.path(suite, name));
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(SnapshotError::Remove { path, source }),
        }
    }

    /// Every pending snapshot of these suites (all suites when empty), sorted.
    pub fn pending(&self, suites: &[String]) -> Result<Vec<PathBuf>, SnapshotError> {
        let dirs: Vec<PathBuf> = if suites.is_empty() {
            match std::fs::read_dir(&self.root) {
                Ok(entries) => entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(source) => {
                    return Err(SnapshotError::Read {
                        path: self.root.clone(),
                        source,
                    });
                }
            }
        } else {
            suites.iter().map(|s| self.suite_dir(s)).collect()
        };
        let mut found = Vec::new();
        for dir in dirs {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(SnapshotError::Read { path: dir, source }),
            };
            found.extend(
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && is_pending(p)),
            );
        }
        found.sort();
        Ok(found)
    }
}

impl SnapshotStore {
    /// The snapshot files of `suite`, stored or pending, whose name is not in
    /// `names`: left behind by a case or a step that was renamed or removed.
    /// Sorted; none when the suite has no directory.
    pub fn unreferenced(
        &self,
        suite: &str,
        names: &BTreeSet<String>,
    ) -> Result<Vec<PathBuf>, SnapshotError> {
        let dir = self.suite_dir(suite);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(SnapshotError::Read { path: dir, source }),
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                let Some(file) = p.file_name().and_then(|n| n.to_str()) else {
                    return false;
                };
                let name = file
                    .strip_suffix(PENDING_SUFFIX)
                    .unwrap_or(file)
                    .strip_suffix(".snap");
                name.is_some_and(|n| !names.contains(n))
            })
            .collect();
        found.sort();
        Ok(found)
    }
}

/// The contents of a snapshot file (stored or pending).
pub fn read_path(path: &Path) -> Result<Stored, SnapshotError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            file::parse(&text)
                .map(Stored::Contents)
                .map_err(|source| SnapshotError::Malformed {
                    path: path.to_path_buf(),
                    source,
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Stored::Missing),
        Err(source) => Err(SnapshotError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

pub fn pending_path(snapshot: &Path) -> PathBuf {
    let mut text = snapshot.as_os_str().to_owned();
    text.push(PENDING_SUFFIX);
    PathBuf::from(text)
}

/// Whether `path` names a pending snapshot (`NAME.snap.new`).
pub fn is_pending(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(&format!(".snap{PENDING_SUFFIX}")))
}

/// The snapshot a pending file would become.
pub fn accepted_path(pending: &Path) -> PathBuf {
    let text = pending.to_string_lossy();
    PathBuf::from(text.strip_suffix(PENDING_SUFFIX).unwrap_or(&text))
}

/// Makes a pending snapshot the stored one. The pending file is checked to be
/// a snapshot first, so a stray file never replaces a good one.
pub fn accept(pending: &Path) -> Result<PathBuf, SnapshotError> {
    let text = std::fs::read_to_string(pending).map_err(|source| SnapshotError::Read {
        path: pending.to_path_buf(),
        source,
    })?;
    file::parse(&text).map_err(|source| SnapshotError::NotAccepted {
        path: pending.to_path_buf(),
        source,
    })?;
    let target = accepted_path(pending);
    match std::fs::rename(pending, &target) {
        Ok(()) => Ok(target),
        Err(source) => Err(SnapshotError::Rename {
            from: pending.to_path_buf(),
            to: target,
            source,
        }),
    }
}

pub fn reject(pending: &Path) -> Result<(), SnapshotError> {
    std::fs::remove_file(pending).map_err(|source| SnapshotError::Remove {
        path: pending.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(contents: &str) -> SnapshotFile {
        SnapshotFile {
            source: "cases/s/x.yaml".into(),
            description: "s::x, step 1 of 1".into(),
            expression: "GET /x".into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn pending_snapshots_are_found_accepted_and_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        assert_eq!(store.read("s", "x@1").unwrap(), Stored::Missing);
        assert!(store.pending(&[]).unwrap().is_empty());

        let a = store.write_pending("s", "x@1", &snapshot("one")).unwrap();
        let b = store.write_pending("t", "y@1", &snapshot("two")).unwrap();
        assert!(a.ends_with("s/x@1.snap.new"), "{}", a.display());
        assert_eq!(store.pending(&[]).unwrap(), vec![a.clone(), b.clone()]);
        assert_eq!(store.pending(&["t".into()]).unwrap(), vec![b.clone()]);

        assert_eq!(accept(&a).unwrap(), store.path("s", "x@1"));
        assert_eq!(
            store.read("s", "x@1").unwrap(),
            Stored::Contents("one".into())
        );
        reject(&b).unwrap();
        assert!(store.pending(&[]).unwrap().is_empty());
        assert_eq!(store.read("t", "y@1").unwrap(), Stored::Missing);
    }

    #[test]
    fn a_malformed_pending_file_is_not_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        std::fs::create_dir_all(store.suite_dir("s")).unwrap();
        std::fs::write(store.path("s", "x@1"), snapshot("good").render()).unwrap();
        let stray = pending_path(&store.path("s", "x@1"));
        std::fs::write(&stray, "half a fi").unwrap();
        let e = accept(&stray).unwrap_err();
        assert!(
            matches!(e, SnapshotError::NotAccepted { .. })
                && e.to_string().contains("not an insta snapshot"),
            "{e}"
        );
        assert_eq!(
            store.read("s", "x@1").unwrap(),
            Stored::Contents("good".into())
        );
    }

    #[test]
    fn a_malformed_snapshot_is_an_error_not_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        std::fs::create_dir_all(store.suite_dir("s")).unwrap();
        std::fs::write(store.path("s", "x@1"), "status: 200\n").unwrap();
        let err = store.read("s", "x@1").unwrap_err().to_string();
        assert!(
            err.contains("x@1.snap") && err.contains("first line"),
            "{err}"
        );
    }

    #[test]
    fn clearing_a_pending_snapshot_reports_whether_there_was_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        assert!(!store.clear_pending("s", "x@1").unwrap());
        store.write_pending("s", "x@1", &snapshot("one")).unwrap();
        assert!(store.clear_pending("s", "x@1").unwrap());
        assert!(store.pending(&[]).unwrap().is_empty());
    }
}
