//! `verity init`: writes the suites built into the binary (`cases/` and the
//! `snapshots/` recorded from the reference servers) into a directory, so an
//! installed verity runs its whole job where there is no checkout, and the
//! suites can be read and changed there.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::args::InitArgs;
use super::{EXIT_USAGE, usage};
use crate::snapshot::store::is_pending;

static CASES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");
static SNAPSHOTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/snapshots");

/// Each built-in file and where it goes under `root`.
fn files(root: &Path) -> Vec<(PathBuf, &'static [u8])> {
    let mut out = Vec::new();
    for (name, dir) in [("cases", &CASES), ("snapshots", &SNAPSHOTS)] {
        collect(dir, &root.join(name), &mut out);
    }
    out
}

/// `file.path()` is relative to the directory `include_dir!` named.
fn collect(dir: &'static Dir<'static>, to: &Path, out: &mut Vec<(PathBuf, &'static [u8])>) {
    // A pending snapshot left in the build tree is not part of the suites.
    for file in dir.files().filter(|f| !is_pending(f.path())) {
        out.push((to.join(file.path()), file.contents()));
    }
    for sub in dir.dirs() {
        collect(sub, to, out);
    }
}

pub fn init(args: InitArgs) -> u8 {
    let root = &args.dir;
    let files = files(root);
    // Nothing is written over: a suite someone changed is theirs.
    let existing: Vec<&PathBuf> = files
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.exists())
        .collect();
    if let Some(first) = existing.first() {
        return usage(format!(
            "{} already exists ({} of the {} files would be overwritten): choose another directory",
            first.display(),
            existing.len(),
            files.len()
        ));
    }
    for (path, contents) in &files {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, contents));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return EXIT_USAGE;
        }
    }
    let cases = root.join("cases");
    println!(
        "wrote the built-in suites: {} files under {} and {}",
        files.len(),
        cases.display(),
        root.join("snapshots").display()
    );
    if root == Path::new(".") {
        println!("next: verity run");
    } else {
        println!("next: verity run --cases {}", cases.display());
    }
    0
}
