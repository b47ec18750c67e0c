//! Rebuilds the portal when a language's directory appears under `locales/` or
//! `src/b2c_emulator/locales/` (#31): the message files are compiled in by
//! `fluent_templates::static_loader!`, which makes cargo watch the files it read, not the
//! directories, so a new language would otherwise wait for the next change to a `.rs` file.
//! Cargo scans a directory named here for any file newer than the last build.
fn main() {
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=src/b2c_emulator/locales");
}
