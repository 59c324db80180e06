#![allow(clippy::unwrap_used)] // in tests a failed unwrap is the failure report

use serde_json::json;

use super::*;

fn holds(src: &str, before: &Value, after: &Value) -> bool {
    Expr::parse(src).unwrap().holds(before, after)
}

fn column(src: &str) -> usize {
    Expr::parse(src).unwrap_err().column
}

#[test]
fn comparisons_on_numbers_strings_and_null() {
    let s = json!({"balance_cents": -5, "status": "closed", "owner": {"name": "Ada"}, "tags": ["x"]});
    let n = Value::Null;
    assert!(holds("balance_cents < 0", &n, &s));
    assert!(holds("balance_cents <= -5 and balance_cents >= -5", &n, &s));
    assert!(!holds("balance_cents > 0", &n, &s));
    assert!(holds("status = \"closed\"", &n, &s));
    assert!(holds("status == \"closed\" and not status != \"closed\"", &n, &s));
    assert!(holds("owner.name = \"Ada\" and tags.0 = \"x\"", &n, &s));
    assert!(holds("missing = null and owner.zip = null", &n, &s), "an absent path reads as null");
    assert!(!holds("status < 3", &n, &s), "ordering across types is false");
    assert!(holds("1 = 1.0", &n, &s));
    assert!(holds("\"b\" > \"a\"", &n, &s));
}

#[test]
fn precedence_not_binds_tighter_than_and_than_or() {
    let s = json!({"a": 1, "b": 2});
    let n = Value::Null;
    assert!(holds("a = 1 or a = 2 and b = 3", &n, &s), "and binds tighter");
    assert!(!holds("(a = 1 or a = 2) and b = 3", &n, &s));
    assert!(!holds("not a = 1 and b = 2", &n, &s), "not binds to the comparison");
    assert!(holds("not (a = 1 and b = 3)", &n, &s));
}

#[test]
fn lone_operand_holds_when_true() {
    let s = json!({"closed": true, "opened": false});
    assert!(holds("closed", &Value::Null, &s));
    assert!(!holds("opened", &Value::Null, &s));
    assert!(holds("true", &Value::Null, &s));
}

#[test]
fn changed_compares_before_and_after() {
    let before = json!({"a": 1, "b": 2});
    let after = json!({"a": 1, "b": 3, "c": null});
    assert!(!holds("changed(a)", &before, &after));
    assert!(holds("changed(b)", &before, &after));
    assert!(holds("changed(c)", &before, &after), "appearing is a change");
    assert!(holds("changed(a)", &Value::Null, &after), "a stream's first event changes its fields");
}

#[test]
fn bad_expressions_point_at_the_bad_token() {
    assert_eq!(column("balance_cents <"), 15);
    assert_eq!(column("balance_cents < < 3"), 16);
    assert_eq!(column("a = 1 and"), 9);
    assert_eq!(column("(a = 1"), 6);
    assert_eq!(column("a = \"open"), 4);
    assert_eq!(column("a = 1 b = 2"), 6);
    assert_eq!(column("a ! 1"), 2);
    assert_eq!(column("a..b = 1"), 0);
    assert_eq!(column("changed(1)"), 8);
    assert_eq!(column("a = 1 # b"), 6);
    assert_eq!(column(""), 0);
    let e = Expr::parse("x <").unwrap_err();
    assert_eq!(e.render("x <"), "bad expression: expected a value, found the end of the expression\n  x <\n     ^");
}

#[test]
fn paths_lists_each_path_once() {
    let e = Expr::parse("a.b = 1 or (a.b > c and changed(d)) or changed(c)").unwrap();
    let names: Vec<&str> = e.paths().iter().map(|p| p.as_str()).collect();
    assert_eq!(names, ["a.b", "c", "d"]);
}
