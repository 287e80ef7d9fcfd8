//! Writing a counterexample where plain `verity run` will pick it up:
//! `cases/<suite>/regressions/<name>.yaml`, written whole or not at all, and
//! never over an existing file.

use std::path::{Path, PathBuf};

use crate::atomic::{self, Existing};
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
    let target = suite_dir.join(REGRESSION_DIR).join(format!("{name}.yaml"));
    atomic::write(&target, text.as_bytes(), Existing::Keep)
        .map_err(|e| format!("{}: {e}", target.display()))?;
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
