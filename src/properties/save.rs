//! Writing a counterexample where plain `verity run` will pick it up:
//! `cases/<suite>/regressions/<name>.yaml`, written whole or not at all, and
//! never over an existing file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::case::Suite;

pub const REGRESSION_DIR: &str = "regressions";

/// A case name for a counterexample of `base` that no case of the suite has
/// and no file in its regression directory is named after.
pub fn unique_name(suite: &Suite, base: &str) -> String {
    let dir = suite.dir.join(REGRESSION_DIR);
    let taken = |name: &str| {
        suite.cases.iter().any(|c| c.name == name) || dir.join(format!("{name}.yaml")).exists()
    };
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !taken(name))
        .expect("some suffix is free")
}

/// Writes `text` as `<suite dir>/regressions/<name>.yaml`.
pub fn write(suite_dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    let dir = suite_dir.join(REGRESSION_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let target = dir.join(format!("{name}.yaml"));
    // A `.tmp` name, so a run loading the suite meanwhile does not read it.
    let mut file = tempfile::Builder::new()
        .prefix(".verity-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.as_file().sync_all())
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    file.persist_noclobber(&target).map_err(|e| {
        if target.exists() {
            format!(
                "{} exists already; it was not overwritten",
                target.display()
            )
        } else {
            format!("cannot write {}: {}", target.display(), e.error)
        }
    })?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(dir.path(), "r", "one").unwrap();
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "one");
        let e = write(dir.path(), "r", "two").unwrap_err();
        assert!(e.contains("exists already"), "{e}");
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "one");
        let names: Vec<_> = std::fs::read_dir(dir.path().join(REGRESSION_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("r.yaml")],
            "no temporary file is left"
        );
    }
}
