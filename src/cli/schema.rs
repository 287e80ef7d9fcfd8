//! `verity schema [KIND]`: the editor schemas of `crate::editor_schema`.

use super::args::SchemaArgs;
use crate::editor_schema::{self, Kind};

pub fn schema(args: SchemaArgs) -> u8 {
    match args.kind {
        Some(kind) => print!("{}", editor_schema::text(kind)),
        None => {
            println!("kinds (verity schema KIND prints one):");
            for kind in Kind::ALL {
                println!("  {:<11} {}", kind.name(), kind.committed_path());
            }
        }
    }
    0
}
