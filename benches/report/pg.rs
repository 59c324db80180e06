//! The PostgreSQL side of the report. `CHRONICLE_BENCH_DB` names a server
//! and a database name, e.g.
//! `postgres://postgres@/bench?host=/var/run/postgresql` (the unix socket);
//! the run creates `<name>_<suffix>` databases on it (dropping a leftover of
//! an earlier run first) and drops them when done.

use postgres::{Client, NoTls};

/// The server's URL from `CHRONICLE_BENCH_DB`, when it names PostgreSQL.
#[must_use]
pub fn bench_url() -> Option<String> {
    std::env::var("CHRONICLE_BENCH_DB").ok().filter(|u| chronicle::engines::is_postgres(u))
}

/// `url` split into (everything before the database name, the name, `?query`).
fn split(url: &str) -> (&str, &str, &str) {
    let (base, query) = url.find('?').map_or((url, ""), |i| url.split_at(i));
    let authority = base.find("://").map_or(0, |i| i + 3);
    match base[authority..].find('/') {
        Some(slash) => {
            let at = authority + slash + 1;
            (&base[..at], &base[at..], query)
        }
        None => (base, "", query),
    }
}

/// `url` naming database `db` instead.
fn with_dbname(url: &str, db: &str) -> String {
    let (prefix, _, query) = split(url);
    if prefix.ends_with('/') { format!("{prefix}{db}{query}") } else { format!("{prefix}/{db}{query}") }
}

/// A database created for the run, dropped (with its sessions) on drop.
#[derive(Debug)]
pub struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    /// Creates `<name>_<suffix>` on the server of `url` (the database named
    /// in `url`, default `bench`).
    pub fn create(url: &str, suffix: &str) -> Self {
        let (_, name, _) = split(url);
        let name = format!("{}_{suffix}", if name.is_empty() { "bench" } else { name });
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "database name {name:?}");
        let admin = with_dbname(url, "postgres");
        let mut c = Client::connect(&admin, NoTls).unwrap_or_else(|e| panic!("connect to {admin}: {e}"));
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = with_dbname(url, &name);
        eprintln!("  created database {name} ({url})");
        Self { admin, name, url }
    }

    /// The `--db` URL of the database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `pg_database_size`: tables, indexes and the catalog.
    #[must_use]
    pub fn size_bytes(&self) -> u64 {
        let mut c = Client::connect(&self.url, NoTls).unwrap();
        c.execute("CHECKPOINT", &[]).ok(); // only a superuser may; the size is right either way
        let row = c.query_one("SELECT pg_database_size(current_database())", &[]).unwrap();
        u64::try_from(row.get::<_, i64>(0)).unwrap()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if std::env::var_os("CHRONICLE_BENCH_KEEP_DB").is_some() {
            eprintln!("  kept database {}", self.name);
            return;
        }
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
