//! Ids a person can tell apart: the checks every id of the command language
//! passes (account and user ids, emails and roles, command ids), shared with
//! the import path.
//!
//! An id that shows the same on screen as another must not name a different
//! thing. Control characters are refused, and so are the characters that
//! show nothing at all: Unicode's format characters (general category `Cf`:
//! zero-width spaces and joiners, bidi embeddings and overrides that reorder
//! the text around them, the byte-order mark, the soft hyphen, tag
//! characters, …) and the other default-ignorable code points that render
//! as nothing (variation selectors, Hangul fillers, the combining grapheme
//! joiner). `acc-1` and `acc\u{200b}-1` look the same; only the first is an id.

use super::registry::sanitize;

/// Longest accepted command id, in bytes (a UUID is 36).
pub const MAX_COMMAND_ID_BYTES: usize = 200;

/// Unicode general category `Cf` (format), as of Unicode 16, in code point
/// ranges (inclusive).
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Default-ignorable code points outside `Cf` that also render as nothing.
const IGNORABLE: &[(u32, u32)] = &[
    (0x034F, 0x034F),   // combining grapheme joiner
    (0x115F, 0x1160),   // Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),   // Khmer inherent vowels
    (0x180B, 0x180F),   // Mongolian free variation selectors
    (0x2065, 0x2065),   // reserved, default-ignorable
    (0x3164, 0x3164),   // Hangul filler
    (0xFE00, 0xFE0F),   // variation selectors
    (0xFFA0, 0xFFA0),   // halfwidth Hangul filler
    (0xE0000, 0xE0FFF), // tags, variation selectors supplement, reserved
];

fn within(table: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    table.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Whether `c` is a format character (Unicode general category `Cf`).
#[must_use]
pub fn is_format(c: char) -> bool {
    within(FORMAT, c)
}

/// Whether `c` cannot be seen: a control character, a format character or
/// another default-ignorable code point.
#[must_use]
pub fn is_invisible(c: char) -> bool {
    c.is_control() || is_format(c) || within(IGNORABLE, c)
}

/// Checks one id: not empty, no whitespace, nothing invisible.
///
/// `what` names the id in the reason (`account id`, `email`).
///
/// # Errors
/// A one-line reason naming the id (escaped) and the first offending
/// character as `U+XXXX`.
pub fn check_id(what: &str, id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if id.chars().any(char::is_control) {
        return Err(format!("{what} `{}` contains control characters", sanitize(id)));
    }
    if let Some(c) = id.chars().find(|c| is_invisible(*c)) {
        return Err(format!(
            "{what} `{}` contains the invisible character U+{:04X}: it would look like another id",
            shown(id),
            u32::from(c)
        ));
    }
    if id.chars().any(char::is_whitespace) {
        return Err(format!("{what} `{}` contains whitespace", sanitize(id)));
    }
    Ok(())
}

/// Checks a name that may hold spaces but must show every character (the
/// actor recorded with an event): not blank, no control or invisible
/// characters.
///
/// # Errors
/// A one-line reason naming `what`.
pub fn check_visible(what: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    match text.chars().find(|c| is_invisible(*c)) {
        Some(c) => {
            Err(format!("{what} `{}` contains the invisible or control character U+{:04X}", shown(text), u32::from(c)))
        }
        None => Ok(()),
    }
}

/// Checks a command id (the idempotency key of `exec --command-id`): an id
/// as [`check_id`], at most [`MAX_COMMAND_ID_BYTES`] long.
///
/// # Errors
/// A one-line reason.
pub fn check_command_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        return Err("command id is empty: give a non-blank id (such as a UUID) or leave --command-id out".to_owned());
    }
    if id.len() > MAX_COMMAND_ID_BYTES {
        return Err(format!(
            "command id `{}` is {} bytes long; the limit is {MAX_COMMAND_ID_BYTES} bytes",
            sanitize(id),
            id.len()
        ));
    }
    check_id("command id", id)
}

/// `id` escaped for a message, invisible characters shown as `\u{…}`.
#[must_use]
pub fn shown(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars().take(64) {
        if is_invisible(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.extend(c.escape_debug());
        }
    }
    if id.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_ids_are_refused_naming_the_character() {
        for (id, code) in [
            ("acc\u{200b}-1", "U+200B"),
            ("acc-1\u{202e}", "U+202E"),
            ("\u{feff}acc-1", "U+FEFF"),
            ("acc\u{2060}-1", "U+2060"),
            ("acc\u{ad}-1", "U+00AD"),
            ("acc-1\u{e0041}", "U+E0041"),
            ("acc-1\u{fe0f}", "U+FE0F"),
            ("acc\u{3164}1", "U+3164"),
            ("acc\u{1343f}", "U+1343F"),
        ] {
            let err = check_id("account id", id).unwrap_err();
            assert!(err.contains(code) && err.contains("invisible"), "{id:?}: {err}");
            assert!(!err.chars().any(is_invisible), "the message shows no invisible character: {err:?}");
        }
        assert!(check_id("account id", "acc\u{7}").unwrap_err().contains("control characters"));
        assert!(check_id("account id", "").unwrap_err().contains("empty"));
    }

    #[test]
    fn visible_unicode_ids_pass() {
        for id in ["acc-1", "é𝄞", "счёт-7", "口座", "a%_'\"\\.:/-", "x".repeat(10_000).as_str()] {
            assert_eq!(check_id("account id", id), Ok(()), "{id}");
        }
    }

    #[test]
    fn visible_names_may_hold_spaces_only() {
        assert_eq!(check_visible("actor", "Ada Lovelace"), Ok(()));
        assert!(check_visible("actor", "ada\u{202e}").unwrap_err().contains("U+202E"));
        assert!(check_visible("actor", "ada\u{1b}[31m").unwrap_err().contains("U+001B"));
        assert!(check_visible("actor", " ").unwrap_err().contains("empty"));
    }

    #[test]
    fn command_ids_are_neither_blank_nor_absurd() {
        for id in ["", " ", "\t", "\u{a0}"] {
            assert!(check_command_id(id).unwrap_err().contains("empty"), "{id:?}");
        }
        assert!(check_command_id("a b").unwrap_err().contains("whitespace"));
        assert!(check_command_id(&"x".repeat(201)).unwrap_err().contains("limit is 200 bytes"));
        assert!(check_command_id("id\u{200b}").unwrap_err().contains("U+200B"));
        assert_eq!(check_command_id("0193a0b4-7c1e-7000-8000-000000000000"), Ok(()));
        assert_eq!(check_command_id(&"x".repeat(200)), Ok(()));
    }
}
