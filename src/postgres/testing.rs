//! Tests' PostgreSQL: a fresh database per test on the server named by
//! `$CHRONICLE_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped when the guard is dropped. With no server the test prints one
//! line and passes, unless `CHRONICLE_REQUIRE_PG=1` (CI), where it fails.

use std::sync::atomic::{AtomicU32, Ordering};

use postgres::{Client, NoTls};

use super::url::without_password;

/// The server tests use unless `$CHRONICLE_TEST_PG` names another.
pub const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database created for one test, dropped (with its sessions) on drop.
#[derive(Debug)]
pub struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    /// Creates a fresh database, or `None` after printing why it cannot
    /// (no server). Panics instead when `CHRONICLE_REQUIRE_PG=1`.
    ///
    /// # Panics
    /// When no server is reachable and `CHRONICLE_REQUIRE_PG=1`.
    #[must_use]
    pub fn create() -> Option<Self> {
        let admin = std::env::var("CHRONICLE_TEST_PG").unwrap_or_else(|_| DEFAULT_TEST_PG.to_owned());
        match Self::try_create(&admin) {
            Ok(db) => Some(db),
            Err(why) => {
                let line = format!("skipped: no PostgreSQL at {}: {why}", without_password(&admin));
                assert!(std::env::var("CHRONICLE_REQUIRE_PG").as_deref() != Ok("1"), "{line}");
                println!("{line}");
                None
            }
        }
    }

    fn try_create(admin: &str) -> Result<Self, String> {
        static N: AtomicU32 = AtomicU32::new(0);
        let mut client = Client::connect(admin, NoTls).map_err(|e| super::error::one_line(&e))?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("chronicle_t{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos);
        client.batch_execute(&format!("CREATE DATABASE {name}")).map_err(|e| super::error::one_line(&e))?;
        let url = replace_dbname(admin, &name);
        Ok(Self { admin: admin.to_owned(), name, url })
    }

    /// The URL of the fresh database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A plain session on the fresh database (for tests that poke at it
    /// the way another program would).
    ///
    /// # Panics
    /// When the server refuses.
    #[must_use]
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// `url` with its database name replaced by `db` (query kept).
fn replace_dbname(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    format!("{scheme}://{host}/{db}{query}")
}
