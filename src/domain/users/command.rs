//! The users' command language: words to [`UserCmd`]s, and their typed
//! decision ([`Decide`] over [`User`] states; the library adapts it to the
//! type-erased [`Command`](crate::domain::Command) the bus runs).

use super::events::check_email;
use super::user::{User, UserCmd, decide};
use crate::domain::ids::check_id;
use crate::domain::registry::sanitize;
use crate::domain::{Decide, Decided, Rejection};

/// Parses `word args…`; `None` when `word` is not a users command.
#[must_use]
pub fn parse(word: &str, args: &[&str]) -> Option<Result<UserCmd, String>> {
    type Parser = fn(&mut Args) -> Result<UserCmd, String>;
    let parser: Parser = match word {
        "register" => |a| {
            let user = a.id()?;
            let email = a.email()?;
            Ok(UserCmd::Register { user, email, name: a.required_rest("full name")? })
        },
        "change-email" => |a| Ok(UserCmd::ChangeEmail { user: a.id()?, email: a.email()? }),
        "suspend" => |a| Ok(UserCmd::Suspend { user: a.id()?, reason: a.required_rest("reason")? }),
        "reactivate" => |a| Ok(UserCmd::Reactivate { user: a.id()? }),
        "grant" => |a| Ok(UserCmd::Grant { user: a.id()?, role: a.role()? }),
        "revoke" => |a| Ok(UserCmd::Revoke { user: a.id()?, role: a.role()? }),
        "delete" => |a| Ok(UserCmd::Delete { user: a.id()?, reason: a.required_rest("reason")? }),
        _ => return None,
    };
    let mut args = Args(args.iter());
    Some(parser(&mut args).and_then(|c| args.end(c)))
}

/// The remaining words of a command line.
struct Args<'a, 'b>(std::slice::Iter<'a, &'b str>);

impl Args<'_, '_> {
    fn word(&mut self, what: &str) -> Result<String, String> {
        let Some(w) = self.0.next() else {
            return Err(format!("missing {what}"));
        };
        check_id(what, w)?;
        Ok((*w).to_owned())
    }
    fn id(&mut self) -> Result<String, String> {
        self.word("user id")
    }
    fn email(&mut self) -> Result<String, String> {
        let email = self.word("email")?;
        check_email(&email)?;
        Ok(email)
    }
    fn role(&mut self) -> Result<String, String> {
        self.word("role")
    }
    fn required_rest(&mut self, what: &str) -> Result<String, String> {
        let rest = self.0.by_ref().copied().collect::<Vec<_>>().join(" ");
        if rest.is_empty() {
            return Err(format!("missing {what}"));
        }
        if rest.chars().any(char::is_control) {
            return Err(format!("{what} contains control characters"));
        }
        Ok(rest)
    }
    /// `cmd`, unless words are left over.
    fn end(&mut self, cmd: UserCmd) -> Result<UserCmd, String> {
        match self.0.next() {
            None => Ok(cmd),
            Some(extra) => Err(format!("unexpected `{}` after the last argument", sanitize(extra))),
        }
    }
}

impl Decide for UserCmd {
    type State = User;

    fn streams(&self) -> Vec<&str> {
        vec![self.user()]
    }

    fn decide<'a>(&'a self, states: &[&'a User]) -> Decided<'a, User> {
        let [state] = states else {
            return Err(Rejection(format!("internal error: {} state(s) given for 1 target", states.len())));
        };
        Ok(vec![(0, decide(state, self)?)])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report
mod tests {
    use super::*;
    use crate::domain::users::events;
    use crate::domain::{Command, Registry, Target};
    use crate::es::GenericState;
    use crate::testing::Scenario;

    fn p(line: &str) -> Result<UserCmd, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        parse(words[0], &words[1..]).expect("a users word")
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            p("register u-1 ada@example.com Ada  King Lovelace"),
            Ok(UserCmd::Register {
                user: "u-1".into(),
                email: "ada@example.com".into(),
                name: "Ada King Lovelace".into()
            })
        );
        assert_eq!(p("change-email u-1 a@b"), Ok(UserCmd::ChangeEmail { user: "u-1".into(), email: "a@b".into() }));
        assert_eq!(p("suspend u-1 spam bot"), Ok(UserCmd::Suspend { user: "u-1".into(), reason: "spam bot".into() }));
        assert_eq!(p("reactivate u-1"), Ok(UserCmd::Reactivate { user: "u-1".into() }));
        assert_eq!(p("grant u-1 admin"), Ok(UserCmd::Grant { user: "u-1".into(), role: "admin".into() }));
        assert_eq!(p("revoke u-1 admin"), Ok(UserCmd::Revoke { user: "u-1".into(), role: "admin".into() }));
        assert_eq!(p("delete u-1 asked to"), Ok(UserCmd::Delete { user: "u-1".into(), reason: "asked to".into() }));
        assert!(parse("deposit", &["acc-1", "5"]).is_none());
    }

    #[test]
    fn malformed_commands_name_the_problem() {
        for (line, needle) in [
            ("register", "missing user id"),
            ("register u-1", "missing email"),
            ("register u-1 ada@example.com", "missing full name"),
            ("register u-1 ada Ada", "email `ada` is not valid"),
            ("change-email u-1", "missing email"),
            ("change-email u-1 a@b c@d", "unexpected `c@d`"),
            ("change-email u-1 @b", "is not valid"),
            ("suspend u-1", "missing reason"),
            ("reactivate", "missing user id"),
            ("reactivate u-1 now", "unexpected `now`"),
            ("grant u-1", "missing role"),
            ("grant u-1 admin auditor", "unexpected `auditor`"),
            ("revoke u-1", "missing role"),
            ("delete u-1", "missing reason"),
            ("grant u-1 ad\u{1b}min", "control characters"),
            ("register u\u{200b}-1 a@b Ada", "user id `u\\u{200b}-1` contains the invisible character U+200B"),
            ("register u-1 a\u{2060}@b Ada", "email `a\\u{2060}@b` contains the invisible character U+2060"),
            ("grant u-1 ad\u{202e}min", "role `ad\\u{202e}min` contains the invisible character U+202E"),
        ] {
            let e = p(line).unwrap_err();
            assert!(e.contains(needle), "{line:?}: {e}");
        }
    }

    #[test]
    fn decide_registers_on_a_fresh_user_stream() {
        let s = Scenario::new(Registry::builtin())
            .when("register u-1 ada@example.com Ada Lovelace")
            .then_events([("u-1", events::registered("ada@example.com", "Ada", "Lovelace"))]);
        assert_eq!(s.events()[0].stream_type, "User");
    }

    /// What no command line reaches (the bus refuses a stream of another
    /// type before the command sees it, and always passes one state per
    /// target): the downcast's refusal and a wrong number of states.
    #[test]
    fn decide_downcasts_the_state() {
        let c = p("register u-1 ada@example.com Ada Lovelace").unwrap();
        assert_eq!(c.targets(), vec![Target { stream_id: "u-1".into(), stream_type: "User" }]);
        let other = GenericState::new("BankAccount");
        assert_eq!(Command::decide(&c, &[&other]).unwrap_err().0, "stream u-1 is not a User (it holds BankAccount)");
        assert!(Command::decide(&c, &[]).unwrap_err().0.contains("internal error"));
    }
}
