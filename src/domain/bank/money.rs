//! Exact money: amounts as integer cents (`i64`), never floats.
//!
//! * [`parse_amount`] reads the command language's amounts: plain decimals with
//!   at most two places (`12`, `12.5`, `12.50`, `007.10`). It is strict on
//!   purpose: no sign, no exponent, no grouping (`1,000`, `1_000`), no leading
//!   or trailing dot (`.5`, `5.`: a half-typed number is more likely a typo
//!   than intent, and the reason says to write `0.5`), and the amount must be
//!   positive and fit in `i64` cents.
//! * [`decimal_text_to_cents`] reads a JSON number's decimal text (legacy
//!   float dollars, possibly with an exponent) exactly, rounding to cents half
//!   away from zero.
//! * [`format_cents`] writes cents as `12.50` (`-0.05` for negatives).

/// Parses a command-language amount into positive cents.
///
/// # Errors
/// A one-line reason naming the input: empty, malformed, more than two
/// decimal places, zero, or too large.
pub fn parse_amount(text: &str) -> Result<i64, String> {
    let shown = super::super::registry::sanitize(text);
    if text.is_empty() {
        return Err("missing amount".to_owned());
    }
    if let Some(rest) = text.strip_prefix('-')
        && parse_amount(rest).is_ok()
    {
        return Err(format!("amount `{shown}` must be positive"));
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || frac.is_some_and(|f| !all_digits(f)) || text == "." {
        return Err(format!("amount `{shown}` is not a decimal number like 12 or 12.50"));
    }
    if whole.is_empty() {
        return Err(format!("amount `{shown}` needs a digit before the point (write 0{shown})"));
    }
    let frac = frac.unwrap_or("");
    if text.ends_with('.') {
        return Err(format!("amount `{shown}` needs digits after the point (like 12.50)"));
    }
    if frac.len() > 2 {
        return Err(format!("amount `{shown}` has more than two decimal places"));
    }
    let too_large = || format!("amount `{shown}` is too large");
    let mut cents: i64 = 0;
    for b in whole.bytes() {
        cents = cents.checked_mul(10).and_then(|c| c.checked_add(i64::from(b - b'0'))).ok_or_else(too_large)?;
    }
    let mut places = 0;
    for b in frac.bytes() {
        cents = cents.checked_mul(10).and_then(|c| c.checked_add(i64::from(b - b'0'))).ok_or_else(too_large)?;
        places += 1;
    }
    for _ in places..2 {
        cents = cents.checked_mul(10).ok_or_else(too_large)?;
    }
    if cents == 0 {
        return Err(format!("amount `{shown}` must be greater than zero"));
    }
    Ok(cents)
}

/// Formats cents as a decimal with two places (`1250` -> `12.50`).
#[must_use]
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Converts the decimal text of a JSON number of dollars (`12.5`, `0.285`,
/// `-3`, `1e2`, `1.5E-3`) into cents, exactly, rounding half away from zero.
///
/// # Errors
/// When the text is not a decimal number or the result does not fit in `i64`.
pub fn decimal_text_to_cents(text: &str) -> Result<i64, String> {
    let bad = || format!("`{}` is not a decimal number", super::super::registry::sanitize(text));
    let too_large = || format!("{text} dollars does not fit in 64-bit cents");
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, "0"),
    };
    let exponent: i64 = {
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(d) => (-1, d),
            None => (1, exponent.strip_prefix('+').unwrap_or(exponent)),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // An exponent too long for i64 is absurd: no dollar amount needs it.
        sign * digits.parse::<i64>().map_err(|_| too_large())?
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // value = digits × 10^(exponent − frac.len()); cents = value × 100.
    let digits: String = whole.chars().chain(frac.chars()).skip_while(|c| *c == '0').collect();
    if digits.is_empty() {
        return Ok(0);
    }
    let frac_len = i64::try_from(frac.len()).map_err(|_| too_large())?;
    let scale = exponent.checked_sub(frac_len).and_then(|s| s.checked_add(2)).ok_or_else(too_large)?;
    let magnitude: i64 = if scale >= 0 {
        let scale = u32::try_from(scale).map_err(|_| too_large())?;
        let base: i64 = digits.parse().map_err(|_| too_large())?;
        10_i64.checked_pow(scale).and_then(|p| base.checked_mul(p)).ok_or_else(too_large)?
    } else {
        let dropped = usize::try_from(scale.unsigned_abs()).unwrap_or(usize::MAX);
        if dropped > digits.len() {
            0 // below a tenth of a cent: rounds to zero
        } else {
            let (kept, gone) = digits.split_at(digits.len() - dropped);
            let kept: i64 = if kept.is_empty() { 0 } else { kept.parse().map_err(|_| too_large())? };
            // Half away from zero on the magnitude: round up iff the first
            // dropped digit is 5 or more.
            let up = gone.as_bytes().first().is_some_and(|b| *b >= b'5');
            if up { kept.checked_add(1).ok_or_else(too_large)? } else { kept }
        }
    };
    Ok(if negative { -magnitude } else { magnitude })
}

/// The cents of a JSON number of dollars, read through its decimal text.
///
/// # Errors
/// As [`decimal_text_to_cents`].
pub fn json_dollars_to_cents(n: &serde_json::Number) -> Result<i64, String> {
    decimal_text_to_cents(&n.to_string())
}

/// `cents` as a JSON float of dollars (the legacy encoding), only when it
/// reads back to exactly the same cents; `None` otherwise (beyond about
/// 15 significant digits a float cannot hold every cent).
#[must_use]
#[allow(clippy::cast_precision_loss)] // checked: the result must read back exactly
pub fn cents_to_json_dollars(cents: i64) -> Option<serde_json::Number> {
    let n = serde_json::Number::from_f64(cents as f64 / 100.0)?;
    (json_dollars_to_cents(&n).ok()? == cents).then_some(n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn amounts_with_up_to_two_places_parse_to_cents() {
        assert_eq!(parse_amount("12"), Ok(1200));
        assert_eq!(parse_amount("12.5"), Ok(1250));
        assert_eq!(parse_amount("12.50"), Ok(1250));
        assert_eq!(parse_amount("0.01"), Ok(1));
        assert_eq!(parse_amount("007.10"), Ok(710));
        assert_eq!(parse_amount("92233720368547758.07"), Ok(i64::MAX));
    }

    #[test]
    fn malformed_amounts_are_refused_with_a_reason() {
        for (input, needle) in [
            ("", "missing amount"),
            ("0", "greater than zero"),
            ("0.00", "greater than zero"),
            ("-5", "positive"),
            ("-abc", "not a decimal number"),
            (".", "not a decimal number"),
            ("1.234", "more than two decimal places"),
            ("abc", "not a decimal number"),
            ("1e3", "not a decimal number"),
            ("+5", "not a decimal number"),
            ("1,000", "not a decimal number"),
            ("1.2.3", "not a decimal number"),
            ("١٢", "not a decimal number"),
            (".5", "write 0.5"),
            ("5.", "digits after the point"),
            ("92233720368547758.08", "too large"),
            ("99999999999999999999999", "too large"),
        ] {
            let err = parse_amount(input).unwrap_err();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
    }

    #[test]
    fn cents_format_with_two_places() {
        assert_eq!(format_cents(1250), "12.50");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(0), "0.00");
        assert_eq!(format_cents(-5), "-0.05");
        assert_eq!(format_cents(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn decimal_text_rounds_half_away_from_zero() {
        for (text, cents) in [
            ("12.5", 1250),
            ("12", 1200),
            ("0.125", 13),
            ("-0.125", -13),
            ("0.124", 12),
            ("-0.124", -12),
            ("0.285", 29),
            ("1.005", 101),
            ("0.0049", 0),
            ("0.005", 1),
            ("1e2", 10000),
            ("1.5E-3", 0),
            ("5e-3", 1),
            ("1e-300", 0),
            ("0", 0),
            ("-0.0", 0),
            ("1e16", 1_000_000_000_000_000_000),
        ] {
            assert_eq!(decimal_text_to_cents(text), Ok(cents), "{text}");
        }
    }

    #[test]
    fn decimal_text_refuses_garbage_and_overflow() {
        for text in ["", "-", "abc", "1e", "1e+", "1e+-5", ".5", "1..2", "NaN", "inf"] {
            assert!(decimal_text_to_cents(text).unwrap_err().contains("not a decimal number"), "{text}");
        }
        for text in ["1e17", "1e400", "1e99999999999999999999", "92233720368547758.075"] {
            assert!(decimal_text_to_cents(text).unwrap_err().contains("does not fit"), "{text}");
        }
    }

    #[test]
    fn json_floats_convert_through_their_decimal_text() {
        // 0.285 is 0.28499999999999998… as a double: multiplying by 100
        // would round down; the decimal text rounds as written.
        let n = serde_json::Number::from_f64(0.285).unwrap();
        assert_eq!(json_dollars_to_cents(&n), Ok(29));
        assert_eq!(json_dollars_to_cents(&serde_json::Number::from(7)), Ok(700));
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(cents in 1_i64..=i64::MAX) {
            prop_assert_eq!(parse_amount(&format_cents(cents)), Ok(cents));
        }

        #[test]
        fn legacy_dollars_read_back_exactly(cents in -1_000_000_000_000_000_i64..=1_000_000_000_000_000) {
            let n = cents_to_json_dollars(cents);
            prop_assert!(n.is_some());
            prop_assert_eq!(n.map(|n| json_dollars_to_cents(&n)), Some(Ok(cents)));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,30}") {
            let _ = parse_amount(&s);
            let _ = decimal_text_to_cents(&s);
        }
    }
}
