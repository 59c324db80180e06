//! The `chronicle` binary: allocator and error reporting at the edge, then the CLI.

use std::process::ExitCode;

/// Folding and projecting allocate many small JSON values; mimalloc is
/// markedly faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let _ = color_eyre::install();
    if let Some(code) = tui_shortcut() {
        return code;
    }
    chronicle::cli::run(std::env::args_os())
}

/// TEMPORARY (branch `tui`): until the CLI on `main` calls
/// `chronicle::tui::run`, `chronicle [--db PATH]` and `chronicle [--db PATH] tui`
/// open the TUI here. Everything else goes to the CLI.
#[cfg(feature = "tui")]
fn tui_shortcut() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (db, rest) = match args.as_slice() {
        [flag, path, rest @ ..] if flag == "--db" => (Some(path.clone()), rest),
        [flag, rest @ ..] if flag.starts_with("--db=") => (Some(flag["--db=".len()..].to_owned()), rest),
        rest => (None, rest),
    };
    if !(rest.is_empty() || rest == ["tui"]) {
        return None;
    }
    let db = db
        .or_else(|| std::env::var("CHRONICLE_DB").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "chronicle.db".to_owned());
    Some(match chronicle::tui::run(std::path::Path::new(&db)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chronicle: {e}");
            ExitCode::from(2)
        }
    })
}

#[cfg(not(feature = "tui"))]
fn tui_shortcut() -> Option<ExitCode> {
    None
}
