//! `--db` is a file name, whatever it spells: SQLite gives some strings
//! meaning (`:memory:`, `""` a temporary database, and with URI support,
//! compiled on in the bundled build, `file:…?mode=memory`, `?vfs=unix-none`
//! without locking). Every open goes through [`file_path`], which makes the
//! string an absolute path: none of those forms starts with `/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::es::store::StoreError;

/// `path` as an absolute file name SQLite reads literally: relative names
/// are taken from the current directory (`:memory:` becomes `./:memory:`).
///
/// # Errors
/// [`StoreError::Access`] for an empty name or an unreadable current directory.
pub(in crate::sqlite) fn file_path(path: &Path) -> Result<PathBuf, StoreError> {
    if path.as_os_str().is_empty() {
        return Err(StoreError::Access { path: path.to_owned(), reason: "the store's file name is empty".to_owned() });
    }
    std::path::absolute(path).map_err(|e| StoreError::Access {
        path: path.to_owned(),
        reason: format!("cannot resolve it against the current directory: {e}"),
    })
}

/// An SQLite URI naming exactly the file `abs` (an absolute path from
/// [`file_path`]) opened immutable: every byte outside the unreserved set
/// is percent-encoded, so no `?`, `#` or `%` in the name can add options.
/// `None` for a name that is not UTF-8 (the caller reports its error).
pub(super) fn immutable_uri(abs: &Path) -> Option<String> {
    let text = abs.to_str()?;
    if !text.starts_with('/') {
        return None;
    }
    let mut uri = String::from("file:");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri.push_str("?immutable=1");
    Some(uri)
}

/// The directory holding `abs`, for messages.
pub(super) fn parent(abs: &Path) -> &Path {
    abs.parent().unwrap_or_else(|| Path::new("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_names_become_absolute_files() {
        for name in [":memory:", "file::memory:", "file:c.db?mode=memory", "file:e.db?vfs=unix-none"] {
            let p = file_path(Path::new(name)).unwrap();
            assert!(p.is_absolute() && p.ends_with(name), "{name} -> {}", p.display());
        }
        assert!(file_path(Path::new("")).is_err());
    }

    #[test]
    fn uri_encodes_every_option_character() {
        let uri = immutable_uri(Path::new("/t/file:e.db?vfs=unix-none&x=%41#f")).unwrap();
        assert_eq!(uri, "file:/t/file%3Ae.db%3Fvfs%3Dunix-none%26x%3D%2541%23f?immutable=1");
    }
}
