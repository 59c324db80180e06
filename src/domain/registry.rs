//! The domain registry: the one door from the layers above into domains.

use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;

use super::seed::Seeder;
use super::{ArgKind, Command, CommandHelp, Domain};
use crate::es::aggregate::{AggregateKind, Violation};
use crate::es::{DynState, Event, GenericState, Projection, Upcasters};

/// Longest accepted command line, in bytes: ids, names and descriptions are
/// stored in every event and echoed in every view, so a line is kept to a
/// size a person could type.
pub const MAX_COMMAND_BYTES: usize = 64 * 1024;

/// Every registered domain, with their parts indexed.
pub struct Registry {
    domains: Vec<Box<dyn Domain>>,
    kinds: HashMap<&'static str, AggregateKind>,
    upcasters: Upcasters,
    projections: Vec<Box<dyn Projection>>,
    seeder: Option<Box<dyn Seeder>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("domains", &self.domains.iter().map(|d| d.name()).collect::<Vec<_>>())
            .field("seeder", &self.seeder.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// The built-in domains, `bank` and `users`, with their demo seeder.
    #[must_use]
    pub fn builtin() -> Self {
        Self::new(vec![Box::new(super::bank::Bank), Box::new(super::users::Users)])
            .with_seeder(super::demo::BuiltinDemo)
    }

    /// This registry with `seeder` generating its demo data (`demo`).
    #[must_use]
    pub fn with_seeder(mut self, seeder: impl Seeder + 'static) -> Self {
        self.seeder = Some(Box::new(seeder));
        self
    }

    /// The seeder, if the registry has one.
    #[must_use]
    pub fn seeder(&self) -> Option<&dyn Seeder> {
        self.seeder.as_deref()
    }

    /// A registry of exactly these domains.
    ///
    /// # Panics
    /// When two domains claim the same stream type, command word or
    /// projection name: a programming error caught by the registry's tests.
    #[must_use]
    pub fn new(domains: Vec<Box<dyn Domain>>) -> Self {
        let mut kinds = HashMap::default();
        let mut upcasters = Upcasters::default();
        let mut projections: Vec<Box<dyn Projection>> = Vec::new();
        let mut words = std::collections::HashSet::new();
        for d in &domains {
            let steps = d.upcasters();
            for k in d.aggregates() {
                assert!(kinds.insert(k.stream_type, k).is_none(), "stream type {} registered twice", k.stream_type);
                // A domain's chains are keyed by the stream type whose
                // aggregate owns the event type.
                let owned = steps.iter().filter(|u| k.events.iter().any(|e| e.event_type == u.event_type));
                upcasters.add(k.stream_type, owned.copied(), k.events.iter().copied());
            }
            for u in &steps {
                assert!(
                    d.aggregates().iter().any(|k| k.events.iter().any(|e| e.event_type == u.event_type)),
                    "domain {} has an upcaster for {}, an event type none of its aggregates declares",
                    d.name(),
                    u.event_type
                );
            }
            for c in d.commands() {
                assert!(words.insert(c.word), "command word {} registered twice", c.word);
            }
            for p in d.projections() {
                assert!(projections.iter().all(|q| q.name() != p.name()), "projection {} registered twice", p.name());
                projections.push(p);
            }
        }
        Self { domains, kinds, upcasters, projections, seeder: None }
    }

    /// Parses one line of the command language.
    ///
    /// # Errors
    /// A one-line reason: a line over [`MAX_COMMAND_BYTES`], empty line, unknown word (with the known ones), or
    /// the domain's own complaint with the command's usage.
    pub fn parse(&self, line: &str) -> Result<Box<dyn Command>, String> {
        if line.len() > MAX_COMMAND_BYTES {
            return Err(format!(
                "command is {} bytes long; the limit is {MAX_COMMAND_BYTES} bytes (64 KiB)",
                line.len()
            ));
        }
        let mut words = line.split_whitespace();
        let Some(word) = words.next() else {
            return Err(match self.commands().next() {
                Some(c) => format!("empty command: type a command such as `{}` (see `help`)", c.usage),
                None => "empty command: this registry has no commands".to_owned(),
            });
        };
        let args: Vec<&str> = words.collect();
        for d in &self.domains {
            if let Some(parsed) = d.parse(word, &args) {
                return parsed.map_err(|reason| match self.help(word) {
                    Some(h) => format!("{reason} (usage: {})", h.usage),
                    None => reason,
                });
            }
        }
        let known: Vec<&str> = self.commands().map(|c| c.word).collect();
        Err(format!("unknown command `{}`: expected one of {}", sanitize(word), known.join(", ")))
    }

    /// Every command word, domain by domain.
    pub fn commands(&self) -> impl Iterator<Item = &'static CommandHelp> + '_ {
        self.domains.iter().flat_map(|d| d.commands().iter())
    }

    /// The help of one command word.
    #[must_use]
    pub fn help(&self, word: &str) -> Option<&'static CommandHelp> {
        self.commands().find(|c| c.word == word)
    }

    /// The kind of argument `index` (0-based, after the word) of `word`.
    #[must_use]
    pub fn arg_kind(&self, word: &str, index: usize) -> Option<ArgKind> {
        let h = self.help(word)?;
        h.args.get(index).copied().or_else(|| h.args.last().copied().filter(|k| *k == ArgKind::Text))
    }

    /// The registered kind of `stream_type`, if any.
    #[must_use]
    pub fn kind(&self, stream_type: &str) -> Option<&AggregateKind> {
        self.kinds.get(stream_type)
    }

    /// The registered stream types, sorted.
    #[must_use]
    pub fn stream_types(&self) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = self.kinds.keys().copied().collect();
        types.sort_unstable();
        types
    }

    /// Whether an upcast event decodes into its aggregate's typed event
    /// (type, schema and payload shape; no state, no rules). Events of
    /// stream types no domain registered fold generically: always `Ok`.
    ///
    /// # Errors
    /// The [`Violation`] (`unknown-event`, `schema` or `decode`).
    pub fn decode(&self, event: &Event) -> Result<(), Violation> {
        match self.kinds.get(event.stream_type.as_str()) {
            Some(k) => (k.decode)(event),
            None => Ok(()),
        }
    }

    /// A fresh state for a stream of `stream_type` (generic when unknown).
    #[must_use]
    pub fn fresh_state(&self, stream_type: &str) -> Box<dyn DynState> {
        match self.kinds.get(stream_type) {
            Some(k) => (k.fresh)(),
            None => Box::new(GenericState::new(stream_type)),
        }
    }

    /// A state restored from a snapshot, if the snapshot's state version is the
    /// current one and it deserializes; `None` means "ignore the snapshot".
    #[must_use]
    pub fn restore_state(&self, stream_type: &str, state_version: u32, state: Value) -> Option<Box<dyn DynState>> {
        let k = self.kinds.get(stream_type)?;
        if k.state_version != state_version {
            return None;
        }
        (k.restore)(state).ok()
    }

    /// The upcaster chains of every domain.
    #[must_use]
    pub fn upcasters(&self) -> &Upcasters {
        &self.upcasters
    }

    /// Every projection, in registration order.
    #[must_use]
    pub fn projections(&self) -> &[Box<dyn Projection>] {
        &self.projections
    }

    /// The projection called `name`.
    #[must_use]
    pub fn projection(&self, name: &str) -> Option<&dyn Projection> {
        self.projections.iter().find(|p| p.name() == name).map(AsRef::as_ref)
    }
}

/// `s` with control characters escaped, for echoing user input in messages.
#[must_use]
pub fn sanitize(s: &str) -> String {
    let short: String = s.chars().take(64).collect();
    let mut out = short.escape_debug().to_string();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_words_are_named() {
        let r = Registry::builtin();
        let err = r.parse("frobnicate acc-1").unwrap_err();
        assert!(err.contains("unknown command `frobnicate`") && err.contains("deposit"), "{err}");
        assert!(r.parse("   ").unwrap_err().contains("empty command"));
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        let r = Registry::builtin();
        let err = r.parse("\u{1b}[31mred").unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }

    #[test]
    fn builtin_domains_register_their_parts() {
        let r = Registry::builtin();
        assert!(r.kind("BankAccount").is_some() && r.kind("User").is_some());
        for p in ["account_balances", "transaction_history", "daily_summary", "user_profiles"] {
            assert!(r.projection(p).is_some(), "{p}");
        }
        let u = r.upcasters();
        assert_eq!((u.latest("BankAccount", "MoneyDeposited"), u.latest("User", "UserRegistered")), (3, 2));
        assert_eq!(r.stream_types(), ["BankAccount", "User"]);
        for (st, ty) in [("BankAccount", "AccountOpened"), ("BankAccount", "AccountClosed"), ("User", "EmailChanged")] {
            assert!(u.knows(st, ty) && u.latest(st, ty) == 1, "{ty}");
        }
        // Keyed by stream type: a bank event name on another type is unknown.
        assert!(!u.knows("User", "MoneyDeposited") && !u.knows("ledger", "MoneyDeposited"));
    }
}
