//! Who commands are recorded as when nobody says (`exec` without `--actor`,
//! the TUI's command line): the person at the terminal, not the front end.

/// The variable that names the actor explicitly.
pub const ACTOR_ENV: &str = "CHRONICLE_ACTOR";

/// `$CHRONICLE_ACTOR`, else `$USER`, else `$LOGNAME`, else the login name of
/// this process's user (from `/etc/passwd`), else `uid:N`, else `unknown`.
/// The front end records itself as the source (`cli`, `tui`).
#[must_use]
pub fn current() -> String {
    let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    var(ACTOR_ENV)
        .or_else(|| var("USER"))
        .or_else(|| var("LOGNAME"))
        .or_else(login_name)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The name of the real user id in `/etc/passwd` (`uid:N` when it has none).
fn login_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_owned())
    });
    Some(name.unwrap_or_else(|| format!("uid:{uid}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_login_name_of_this_process_is_found() {
        let name = super::login_name().unwrap();
        assert!(!name.is_empty() && name != "tui", "{name}");
    }
}
