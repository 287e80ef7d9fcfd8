//! Files written whole or not at all: through a temporary file in the same
//! directory, synced, then renamed into place, so a reader or an
//! interrupted run never sees half a file. Reports, snapshots and saved
//! regression cases all go through here.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Whether the file may take the place of one already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Replace,
    Keep,
}

/// Why a file was not written. The messages name no target: the caller
/// knows what the file is for and says so in front (`report r.xml: ...`).
#[derive(Debug, thiserror::Error)]
pub enum AtomicError {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir { dir: PathBuf, source: io::Error },
    #[error("cannot create a temporary file in {}: {source}", dir.display())]
    CreateTemporary { dir: PathBuf, source: io::Error },
    /// Writing the bytes, flushing or syncing them failed.
    #[error("cannot write: {0}")]
    Write(#[source] io::Error),
    /// [`Existing::Keep`], and a file is there.
    #[error("exists already; it was not overwritten")]
    Exists(#[source] io::Error),
    #[error("cannot move the file into place: {0}")]
    Persist(#[source] io::Error),
}

/// The directory a file goes in: `.` for a bare file name.
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path`, creating its directory.
pub fn write(path: &Path, bytes: &[u8], existing: Existing) -> Result<(), AtomicError> {
    write_with(path, existing, |out| {
        out.write_all(bytes).map_err(AtomicError::Write)
    })
}

/// [`write()`] of what `write` writes, as it writes it (buffered). An error
/// of `write` comes back as it is, and the target is left untouched.
pub fn write_with<E: From<AtomicError>>(
    path: &Path,
    existing: Existing,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let dir = dir_of(path);
    std::fs::create_dir_all(dir).map_err(|source| AtomicError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    // A `.tmp` name: a run loading a directory meanwhile does not read it.
    let file = tempfile::Builder::new()
        .prefix(".verity-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|source| AtomicError::CreateTemporary {
            dir: dir.to_path_buf(),
            source,
        })?;
    let mut out = std::io::BufWriter::new(file.as_file());
    write(&mut out)?;
    out.flush()
        .and_then(|()| file.as_file().sync_all())
        .map_err(AtomicError::Write)?;
    drop(out);
    // Temporary files are private (0600); these are for sharing.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = file
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    let persisted = match existing {
        Existing::Replace => file.persist(path),
        Existing::Keep => file.persist_noclobber(path),
    };
    persisted.map_err(|e| {
        if existing == Existing::Keep && path.exists() {
            AtomicError::Exists(e.error)
        } else {
            AtomicError::Persist(e.error)
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/r.txt");
        write(&path, b"first, longer than the second", Existing::Replace).unwrap();
        write(&path, b"two", Existing::Replace).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(names(&dir.path().join("sub")), vec!["r.txt"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    #[test]
    fn keep_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.yaml");
        write(&path, b"one", Existing::Keep).unwrap();
        let e = write(&path, b"two", Existing::Keep).unwrap_err();
        assert!(matches!(e, AtomicError::Exists(_)), "{e:?}");
        assert!(e.to_string().contains("exists already"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        assert_eq!(names(dir.path()), vec!["r.yaml"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.txt");
        write(&path, b"old", Existing::Replace).unwrap();
        let e = write_with(&path, Existing::Replace, |out| {
            out.write_all(b"half").unwrap();
            Err(AtomicError::Write(io::Error::other("stopped")))
        })
        .unwrap_err();
        // The writer's own error comes back as it is.
        assert!(
            matches!(&e, AtomicError::Write(io) if io.to_string() == "stopped"),
            "{e:?}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(names(dir.path()), vec!["r.txt"]);
    }
}
