//! `--db postgres://…` URLs: the connection settings, the schema chronicle
//! keeps its tables in, and a name for messages that never shows a password.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use postgres::Config;
use postgres::config::Host;

use crate::es::StoreError;

/// The schema used when neither `?schema=` nor `$CHRONICLE_PG_SCHEMA` names one.
pub const DEFAULT_SCHEMA: &str = "chronicle";

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed `postgres://` / `postgresql://` URL.
#[derive(Debug, Clone)]
pub struct Target {
    /// What the `postgres` crate connects with (`schema` stripped).
    pub config: Config,
    /// The URL without its password: for messages.
    pub display: String,
    /// The schema holding chronicle's tables.
    pub schema: String,
    /// `host:port` (or the socket directory) for connect errors.
    pub server: String,
}

/// Whether `db` names a PostgreSQL store.
#[must_use]
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

impl Target {
    /// Parses `url`; the schema comes from `?schema=`, else
    /// `$CHRONICLE_PG_SCHEMA`, else `chronicle`.
    ///
    /// # Errors
    /// [`StoreError::Access`] naming what is wrong with the URL.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let env = std::env::var("CHRONICLE_PG_SCHEMA").ok().filter(|s| !s.is_empty());
        Self::parse_with(url, env.as_deref())
    }

    /// As [`Target::parse`] with the environment's schema given.
    ///
    /// # Errors
    /// As [`Target::parse`].
    pub fn parse_with(url: &str, env_schema: Option<&str>) -> Result<Self, StoreError> {
        let display = without_password(url);
        let bad = |reason: String| StoreError::Access { path: PathBuf::from(&display), reason };
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut schema = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("schema", v)) => schema = Some(v.to_owned()),
                _ => kept.push(pair),
            }
        }
        let schema = schema.or_else(|| env_schema.map(str::to_owned)).unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
        check_schema_name(&schema).map_err(|r| bad(r.to_owned()))?;
        let stripped = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        let mut config = Config::from_str(&stripped).map_err(|e| bad(format!("not a PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("chronicle");
        }
        let server = server_of(&config);
        Ok(Self { config, display: strip_schema(&display), schema, server })
    }
}

/// Schema names chronicle accepts: lower-case letters, digits and `_`, not
/// starting with a digit, at most 50 bytes (it also names the NOTIFY channel).
fn check_schema_name(name: &str) -> Result<(), &'static str> {
    let ok = !name.is_empty()
        && name.len() <= 50
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
        && !name.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err("the schema name must be lower-case letters, digits and _ (at most 50, not starting with a digit or pg_)")
    }
}

/// `host:port` of the first host, or the socket directory.
fn server_of(config: &Config) -> String {
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) => format!("{h}:{port}"),
        Some(Host::Unix(p)) => format!("{} (port {port})", p.display()),
        None => format!("localhost:{port}"),
    }
}

/// The URL with any password removed (`user:secret@` → `user@`,
/// `password=…` query parameters dropped).
#[must_use]
pub fn without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => format!("{}@{host}", user.split_once(':').map_or(user, |(u, _)| u)),
        None => authority.to_owned(),
    };
    let mut out = if scheme.is_empty() { String::new() } else { format!("{scheme}://") };
    out.push_str(&authority);
    out.push_str(path);
    if let Some(q) = query {
        let kept: Vec<&str> = q.split('&').filter(|p| !p.starts_with("password=")).collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

/// The display name keeps `?schema=` only when it is not the default.
fn strip_schema(display: &str) -> String {
    let (base, query) = display.split_once('?').unwrap_or((display, ""));
    let kept: Vec<&str> =
        query.split('&').filter(|p| !p.is_empty() && *p != format!("schema={DEFAULT_SCHEMA}")).collect();
    if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_the_display_name() {
        assert_eq!(without_password("postgres://bob:s3cret@db:5432/app"), "postgres://bob@db:5432/app");
        assert_eq!(
            without_password("postgresql://bob@db/app?password=x&sslmode=disable"),
            "postgresql://bob@db/app?sslmode=disable"
        );
        let t = Target::parse_with("postgres://bob:pw@127.0.0.1:5433/app?schema=ledger", None).unwrap();
        assert_eq!(t.display, "postgres://bob@127.0.0.1:5433/app?schema=ledger");
        assert_eq!(t.server, "127.0.0.1:5433");
        assert!(!format!("{t:?}").contains("pw@"));
    }

    #[test]
    fn the_schema_comes_from_the_url_then_the_environment_then_the_default() {
        let url = "postgres://postgres@127.0.0.1/test";
        assert_eq!(Target::parse_with(url, None).unwrap().schema, "chronicle");
        assert_eq!(Target::parse_with(url, Some("env_s")).unwrap().schema, "env_s");
        let t = Target::parse_with(&format!("{url}?schema=mine&sslmode=disable"), Some("env_s")).unwrap();
        assert_eq!(t.schema, "mine");
        assert_eq!(t.config.get_dbname(), Some("test"));
    }

    #[test]
    fn bad_schema_names_and_urls_are_one_line_errors() {
        let e = Target::parse_with("postgres://h/db?schema=Robert%27);", None).unwrap_err().to_string();
        assert!(e.contains("schema name"), "{e}");
        assert!(!e.contains('\n'));
        let e = Target::parse_with("postgres://h:notaport/db", None).unwrap_err().to_string();
        assert!(e.contains("not a PostgreSQL URL"), "{e}");
    }
}
