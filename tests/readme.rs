//! The README's "A short session" is what the program prints: every
//! console block of that section runs through the real binary in a
//! temporary directory (as `chronicle` on the `PATH`, with `USER=ada`), and
//! each command's output (stdout and stderr, as a terminal shows them) must
//! match the lines under it. Only what truly varies is set aside: times,
//! durations, hashes and UUIDs.
//!
//! The test reads README.md itself: edit the README and the test follows.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// One `$ command` of a console block and the lines printed under it.
#[derive(Debug)]
struct Step {
    command: String,
    expected: Vec<String>,
}

/// The text of the section whose heading is `## {title}`, up to the next
/// heading of the same level.
fn section<'a>(readme: &'a str, title: &str) -> &'a str {
    let heading = format!("\n## {title}\n");
    let start = readme.find(&heading).unwrap_or_else(|| panic!("README has no section `## {title}`")) + 1;
    let body = &readme[start + heading.len() - 1..];
    body.find("\n## ").map_or(body, |end| &body[..end])
}

/// The steps of every console block (fenced as `console`) in `text`.
fn console_steps(text: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == "```console";
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push(Step { command: command.to_owned(), expected: Vec::new() });
        } else {
            let step = steps.last_mut().expect("a console block starts with a `$ ` command");
            step.expected.push(line.to_owned());
        }
    }
    steps
}

/// Whether `b[i..]` matches `pattern`, where `9` stands for any digit and
/// every other byte for itself.
fn matches_at(b: &[u8], i: usize, pattern: &str) -> bool {
    let p = pattern.as_bytes();
    b.len() >= i + p.len() && p.iter().zip(&b[i..]).all(|(&p, &c)| if p == b'9' { c.is_ascii_digit() } else { p == c })
}

fn run_len(b: &[u8], i: usize, f: impl Fn(u8) -> bool) -> usize {
    b[i..].iter().take_while(|&&c| f(c)).count()
}

/// `line` with times, durations, hashes and UUIDs replaced by placeholders.
fn normalise(line: &str) -> String {
    let b = line.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        // 2026-11-23 13:09:07 or 2026-11-23T13:09:07.123456Z
        if matches_at(b, i, "9999-99-99 99:99:99") || matches_at(b, i, "9999-99-99T99:99:99") {
            i += 19;
            if b.get(i) == Some(&b'.') {
                i += 1 + run_len(b, i + 1, |c| c.is_ascii_digit());
            }
            if b.get(i) == Some(&b'Z') {
                i += 1;
            }
            out.extend_from_slice(b"<time>");
            continue;
        }
        if boundary {
            // A UUID: 8-4-4-4-12 hex digits.
            let hex = |c: u8| c.is_ascii_hexdigit();
            let groups = [8, 4, 4, 4, 12];
            let mut j = i;
            let uuid = groups.iter().enumerate().all(|(k, &n)| {
                let ok = run_len(b, j, hex) >= n && (k == 4 || b.get(j + n) == Some(&b'-'));
                j += n + 1;
                ok
            });
            if uuid && run_len(b, i + 24, hex) == 12 {
                i += 36;
                out.extend_from_slice(b"<uuid>");
                continue;
            }
            // A hash: 32 or more hex digits.
            let n = run_len(b, i, hex);
            if n >= 32 && b.get(i + n).is_none_or(|c| !c.is_ascii_alphanumeric()) {
                i += n;
                out.extend_from_slice(b"<hash>");
                continue;
            }
            // A duration: 0.00 s
            let whole = run_len(b, i, |c| c.is_ascii_digit());
            if whole > 0 && b.get(i + whole) == Some(&b'.') {
                let frac = run_len(b, i + whole + 1, |c| c.is_ascii_digit());
                let end = i + whole + 1 + frac;
                if frac > 0 && b[end..].starts_with(b" s") && b.get(end + 2).is_none_or(|c| !c.is_ascii_alphanumeric())
                {
                    i = end;
                    out.extend_from_slice(b"<secs>");
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).expect("placeholders keep the text UTF-8")
}

/// Runs the steps in one shell in `dir`, each step's output after a marker
/// line; `$?` carries over from one step to the next as in a terminal.
fn run_steps(steps: &[Step], dir: &Path) -> Vec<Vec<String>> {
    const MARK: &str = "@@readme-step";
    let mut script = String::new();
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(script, "rc=$?; printf '\\n{MARK} %s\\n' {i}; (exit $rc); {} 2>&1", s.command);
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_chronicle")).parent().expect("the binary's directory");
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("a PATH");
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .env("USER", "ada")
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env_remove("CHRONICLE_DB")
        .env_remove("CHRONICLE_LOG_DIR")
        .env_remove("XDG_STATE_HOME")
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut outputs: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.strip_prefix(MARK) {
            assert_eq!(i.trim(), outputs.len().to_string(), "steps run in order");
            outputs.push(Vec::new());
        } else if let Some(current) = outputs.last_mut() {
            current.push(line.to_owned());
        }
    }
    // The blank line before each marker belongs to no step.
    for o in &mut outputs {
        if o.last().is_some_and(String::is_empty) {
            o.pop();
        }
    }
    assert_eq!(
        outputs.len(),
        steps.len(),
        "every step ran; stderr of the shell:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs
}

#[test]
fn the_short_session_in_the_readme_is_what_the_program_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let steps = console_steps(section(&readme, "A short session"));
    assert!(steps.len() >= 5, "the short session has its commands: {steps:?}");
    let dir = tempfile::tempdir().unwrap();
    let outputs = run_steps(&steps, dir.path());
    let mut report = String::new();
    for (step, got) in steps.iter().zip(&outputs) {
        let want: Vec<String> = step.expected.iter().map(|l| normalise(l)).collect();
        let got: Vec<String> = got.iter().map(|l| normalise(l)).collect();
        if want != got {
            let shown = |lines: &[String]| if lines.is_empty() { "(nothing)".to_owned() } else { lines.join("\n    ") };
            let _ = writeln!(
                report,
                "$ {}\n  README says:\n    {}\n  the program prints:\n    {}",
                step.command,
                shown(&want),
                shown(&got)
            );
        }
    }
    assert!(report.is_empty(), "README.md \"A short session\" differs from the program:\n{report}");
}

#[test]
fn normalising_sets_aside_only_what_varies() {
    assert_eq!(
        normalise("       1  2026-11-23 13:09:07  acc-1@1  AccountOpened  ada  {\"n\":12050}"),
        "       1  <time>  acc-1@1  AccountOpened  ada  {\"n\":12050}"
    );
    assert_eq!(normalise("\"recorded_at\":\"2026-11-23T13:09:07.123456Z\""), "\"recorded_at\":\"<time>\"");
    assert_eq!(normalise("replay (0.01 s)"), "replay (<secs> s)");
    assert_eq!(normalise("imported 5 events from x in 12.25 s"), "imported 5 events from x in <secs> s");
    assert_eq!(normalise(&format!("head: position 5 hash {}", "ab".repeat(32))), "head: position 5 hash <hash>");
    assert_eq!(normalise("id 0193a0b4-7c1e-7000-8000-00000000abcd."), "id <uuid>.");
    // Amounts, balances and positions stay as they are.
    assert_eq!(normalise("holds 20.00 USD, 10050 cents, 1.5 s2"), "holds 20.00 USD, 10050 cents, 1.5 s2");
}
