//! `orm`: migrations from the command line. Run `orm --help`.
//!
//! This binary knows the `.sql` migrations of the migrations directory
//! only. An application with Rust migrations or models (for
//! `orm migrate diff`) builds its own `orm` with [`orm_cli::Cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    orm_cli::Cli::new().run()
}
