//! The `chronicle` binary: error reporting at the edge, then the CLI.

use std::process::ExitCode;

fn main() -> ExitCode {
    let _ = color_eyre::install();
    chronicle::cli::run(std::env::args_os())
}
