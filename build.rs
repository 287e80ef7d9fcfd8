// `verity init` embeds cases/ and snapshots/ (include_dir!): a file added or
// removed there must rebuild the binary, not only a file changed.
fn main() {
    println!("cargo:rerun-if-changed=cases");
    println!("cargo:rerun-if-changed=snapshots");
}
