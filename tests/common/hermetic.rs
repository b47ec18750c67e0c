//! Tests must not depend on the shell that runs them: a developer with PORTAL_* or
//! AZURE_AD_B2C_* exported (or a .env file in the checkout) gets the same results as CI.

use std::path::Path;
use std::process::Command;

/// Variables the portal reads: removed from every child the tests start.
pub fn is_portal_variable(name: &str) -> bool {
    name.starts_with("PORTAL_")
        || name.starts_with("AZURE_AD_B2C_")
        || matches!(name, "DATABASE_URL" | "RUST_LOG")
}

/// The portal binary with none of the shell's portal settings, run in `dir` so that no `.env`
/// file of the checkout is read either; the test sets what it means to set.
pub fn portal_command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patient-portal"));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_portal_variable) {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(dir);
    cmd
}
