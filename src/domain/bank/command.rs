//! The bank's command language: words to [`BankCommand`]s, and their typed
//! decision ([`Decide`] over [`Account`] states; the library adapts it to
//! the type-erased [`Command`](crate::domain::Command) the bus runs).

use super::account::{Account, AccountCmd, Transfer, decide, decide_transfer};
use super::events::BankEvent;
use super::money::parse_amount;
use crate::domain::ids::check_id;
use crate::domain::{Decide, Decided, Rejection};

/// A parsed bank command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankCommand {
    /// A command on one account.
    Account(AccountCmd),
    /// A transfer between two accounts.
    Transfer(Transfer),
}

/// Parses `word args…`; `None` when `word` is not a bank command.
#[must_use]
pub fn parse(word: &str, args: &[&str]) -> Option<Result<BankCommand, String>> {
    let mut args = Args(args.iter());
    let parsed = match word {
        "open" => open(&mut args),
        "deposit" | "withdraw" => movement(word, &mut args),
        "transfer" => transfer(&mut args),
        "close" => close(&mut args),
        _ => return None,
    };
    Some(parsed)
}

impl From<AccountCmd> for BankCommand {
    fn from(c: AccountCmd) -> Self {
        Self::Account(c)
    }
}

/// The remaining words of a command line.
struct Args<'a, 'b>(std::slice::Iter<'a, &'b str>);

impl Args<'_, '_> {
    fn id(&mut self, what: &str) -> Result<String, String> {
        let Some(id) = self.0.next() else {
            return Err(format!("missing {what} id"));
        };
        check_id(&format!("{what} id"), id)?;
        Ok((*id).to_owned())
    }
    fn amount(&mut self) -> Result<i64, String> {
        parse_amount(self.0.next().copied().unwrap_or_default())
    }
    /// The remaining words joined by single spaces ("" when none).
    fn rest(&mut self, what: &str) -> Result<String, String> {
        let rest = self.0.by_ref().copied().collect::<Vec<_>>().join(" ");
        if rest.chars().any(char::is_control) {
            return Err(format!("{what} contains control characters"));
        }
        Ok(rest)
    }
}

fn open(args: &mut Args) -> Result<BankCommand, String> {
    let account = args.id("account")?;
    let owner = args.rest("owner name")?;
    if owner.is_empty() {
        return Err("missing owner name".to_owned());
    }
    Ok(AccountCmd::Open { account, owner }.into())
}

fn movement(word: &str, args: &mut Args) -> Result<BankCommand, String> {
    let account = args.id("account")?;
    let cents = args.amount()?;
    let description = args.rest("description")?;
    Ok(if word == "deposit" {
        AccountCmd::Deposit { account, cents, description }
    } else {
        AccountCmd::Withdraw { account, cents, description }
    }
    .into())
}

fn transfer(args: &mut Args) -> Result<BankCommand, String> {
    let from = args.id("source account")?;
    let to = args.id("destination account")?;
    let cents = args.amount()?;
    Ok(BankCommand::Transfer(Transfer { from, to, cents, description: args.rest("description")? }))
}

fn close(args: &mut Args) -> Result<BankCommand, String> {
    let account = args.id("account")?;
    Ok(AccountCmd::Close { account, reason: args.rest("reason")? }.into())
}

impl Decide for BankCommand {
    type State = Account;

    fn streams(&self) -> Vec<&str> {
        match self {
            Self::Account(c) => vec![c.account()],
            Self::Transfer(t) => vec![&t.from, &t.to],
        }
    }

    fn decide<'a>(&'a self, states: &[&'a Account]) -> Decided<'a, Account> {
        match (self, states) {
            (Self::Account(c), [state]) => Ok(vec![(0, decide(state, c)?)]),
            (Self::Transfer(t), [from, to]) => {
                let (out, into) = decide_transfer(from, to, t)?;
                Ok(vec![(0, BankEvent::Withdrawn(out)), (1, BankEvent::Deposited(into))])
            }
            _ => Err(Rejection(format!(
                "internal error: {} state(s) given for {} target(s)",
                states.len(),
                self.streams().len()
            ))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;
    use crate::domain::bank::events;
    use crate::domain::bank::events::STREAM_TYPE;
    use crate::domain::{Command, Registry, Target};
    use crate::es::GenericState;
    use crate::testing::Scenario;

    fn target(id: &str) -> Target {
        Target { stream_id: id.to_owned(), stream_type: STREAM_TYPE }
    }

    fn p(line: &str) -> Result<BankCommand, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        parse(words[0], &words[1..]).expect("a bank word")
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            p("open acc-1 Ada  King Lovelace"),
            Ok(AccountCmd::Open { account: "acc-1".into(), owner: "Ada King Lovelace".into() }.into())
        );
        assert_eq!(
            p("deposit acc-1 12.5 March salary"),
            Ok(AccountCmd::Deposit { account: "acc-1".into(), cents: 1250, description: "March salary".into() }.into())
        );
        assert_eq!(
            p("withdraw acc-1 3"),
            Ok(AccountCmd::Withdraw { account: "acc-1".into(), cents: 300, description: String::new() }.into())
        );
        assert_eq!(
            p("transfer acc-1 acc-2 0.05 rent"),
            Ok(BankCommand::Transfer(Transfer {
                from: "acc-1".into(),
                to: "acc-2".into(),
                cents: 5,
                description: "rent".into()
            }))
        );
        assert_eq!(p("close acc-1"), Ok(AccountCmd::Close { account: "acc-1".into(), reason: String::new() }.into()));
        assert_eq!(
            p("close acc-1 moving away"),
            Ok(AccountCmd::Close { account: "acc-1".into(), reason: "moving away".into() }.into())
        );
        assert!(parse("register", &["u-1"]).is_none());
    }

    #[test]
    fn malformed_commands_name_the_problem() {
        for (line, needle) in [
            ("open", "missing account id"),
            ("open acc-1", "missing owner name"),
            ("deposit", "missing account id"),
            ("deposit acc-1", "missing amount"),
            ("deposit acc-1 abc", "not a decimal number"),
            ("deposit acc-1 1.234", "more than two decimal places"),
            ("deposit acc-1 -5", "must be positive"),
            ("withdraw acc-1 0", "greater than zero"),
            ("withdraw acc-1 99999999999999999999", "too large"),
            ("transfer acc-1", "missing destination account id"),
            ("transfer acc-1 acc-2", "missing amount"),
            ("transfer acc-1 acc-2 1e3", "not a decimal number"),
            ("close", "missing account id"),
            ("deposit acc\u{7}-1 5", "account id `acc\\u{7}-1` contains control characters"),
            ("open acc-1 Ada \u{1b}[2J", "owner name contains control characters"),
            ("transfer acc-1 acc-2 5 \u{0}", "description contains control characters"),
            ("open acc\u{200b}-1 Ada", "account id `acc\\u{200b}-1` contains the invisible character U+200B"),
            ("deposit acc-1\u{202e} 5", "U+202E"),
            ("transfer acc-1 \u{feff}acc-2 5", "destination account id"),
            ("close acc\u{ad}-1", "U+00AD"),
        ] {
            let e = p(line).unwrap_err();
            assert!(e.contains(needle), "{line:?}: {e}");
        }
    }

    #[test]
    fn targets_are_in_a_fixed_order() {
        assert_eq!(p("transfer acc-1 acc-2 5").unwrap().targets(), vec![target("acc-1"), target("acc-2")]);
        assert_eq!(p("close acc-9").unwrap().targets(), vec![target("acc-9")]);
    }

    /// Given acc-1 opened by Ada, in USD.
    fn opened() -> Scenario {
        Scenario::new(Registry::builtin()).given_commands(["open acc-1 Ada"])
    }

    #[test]
    fn decide_reads_the_folded_states() {
        let _ = opened().when("deposit acc-1 5").then_events([("acc-1", events::deposited(500, "USD", ""))]);
        let _ = opened().when("transfer acc-1 acc-2 5").then_rejected("acc-1 holds 0.00");
    }

    /// What no command line reaches (the bus refuses a stream of another
    /// type before the command sees it, and always passes one state per
    /// target): the downcast's refusal and a wrong number of states.
    #[test]
    fn decide_downcasts_the_states() {
        let open: Account = opened().then_state("acc-1");
        let t = p("transfer acc-1 acc-2 5").unwrap();
        let generic = GenericState::new("User");
        let e = Command::decide(&p("deposit acc-1 5").unwrap(), &[&generic]).unwrap_err();
        assert_eq!(e.0, "stream acc-1 is not a BankAccount (it holds User)");
        assert!(Command::decide(&t, &[&open]).unwrap_err().0.contains("internal error"));
    }
}
