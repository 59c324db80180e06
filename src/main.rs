//! The `chronicle` binary: allocator and error reporting at the edge, then the CLI.

use std::process::ExitCode;

/// Folding and projecting allocate many small JSON values; mimalloc is
/// markedly faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let _ = color_eyre::install();
    chronicle::cli::run(std::env::args_os())
}
