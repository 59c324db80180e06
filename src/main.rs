//! The `chronicle` binary: the library's CLI over the built-in domains
//! (`bank` and `users`, with their demo seeder). A binary for other domains
//! is the same few lines with its own registry.

use std::process::ExitCode;

use chronicle::domain::Registry;

/// Folding and projecting allocate many small JSON values; mimalloc is
/// markedly faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let _ = color_eyre::install();
    chronicle::cli::run(Registry::builtin())
}
