//! The store a part of the report reads, on either engine.

use std::time::Duration;

use chronicle::app::{Chronicle, Mode};
use chronicle::domain::Registry;

use super::common::{self, label};
use super::{pg, time};

/// Which engine a row ran on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The 1M (or n) demo store a part of the report reads: SQLite's cached
/// file, or a PostgreSQL database filled by importing that file's export.
pub struct Fixture {
    pub engine: Engine,
    pub n: u64,
    /// The `--db` value.
    pub db: String,
    /// SQLite: the demo's generation time when it was just made;
    /// PostgreSQL: the import's.
    pub made: Option<(u64, Duration)>,
    pub pg: Option<pg::PgDb>,
}

impl Fixture {
    pub fn sqlite(n: u64) -> Self {
        let (path, made) = common::demo_store(n);
        // One writable open: a fixture cached by an earlier build gets what
        // a writable open adds (the ledgers' position indexes); the rows
        // below open it read-only.
        drop(Chronicle::open(path.to_str().unwrap(), Mode::Write, Registry::builtin()).unwrap());
        Self { engine: Engine::Sqlite, n, db: path.to_str().unwrap().to_owned(), made, pg: None }
    }

    pub fn postgres(n: u64, url: &str) -> Self {
        let export = common::demo_export(n);
        let db = pg::PgDb::create(url, &n.to_string());
        let mut c = Chronicle::open(db.url(), Mode::Write, Registry::builtin()).unwrap();
        eprintln!("  importing the {} export into PostgreSQL…", label(n));
        let (imported, took) = time(|| c.import(&export, &mut |_, _| {}).unwrap());
        Self {
            engine: Engine::Postgres,
            n,
            db: db.url().to_owned(),
            made: Some((imported.appended, took)),
            pg: Some(db),
        }
    }

    /// `1M` or `1M, PostgreSQL`: the row's qualifier.
    pub fn tag(&self) -> String {
        match self.engine {
            Engine::Sqlite => label(self.n),
            Engine::Postgres => format!("{}, PostgreSQL", label(self.n)),
        }
    }

    pub fn open(&self, mode: Mode) -> Chronicle {
        Chronicle::open(self.db.as_str(), mode, Registry::builtin()).unwrap()
    }

    /// A store to write to: a copy of SQLite's file (kept alive by the
    /// returned directory), PostgreSQL's database itself.
    pub fn writable(&self) -> (String, Option<tempfile::TempDir>) {
        match self.engine {
            Engine::Sqlite => {
                let dir = common::scratch();
                let copy = common::copy_store(std::path::Path::new(&self.db), dir.path());
                (copy.to_str().unwrap().to_owned(), Some(dir))
            }
            Engine::Postgres => (self.db.clone(), None),
        }
    }

    pub fn bytes(&self) -> u64 {
        self.pg.as_ref().map_or_else(|| std::fs::metadata(&self.db).unwrap().len(), pg::PgDb::size_bytes)
    }
}
