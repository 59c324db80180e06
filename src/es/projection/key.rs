//! Row keys: up to two parts inline, short text inline, so building a key to
//! look a row up does not allocate.

use std::borrow::Borrow;

use compact_str::CompactString;
use smallvec::SmallVec;

/// One component of a row key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    /// Integer key component.
    Int(i64),
    /// Text key component (inline up to 24 bytes).
    Text(CompactString),
}

impl From<&str> for KeyPart {
    fn from(s: &str) -> Self {
        Self::Text(CompactString::new(s))
    }
}

impl From<i64> for KeyPart {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

/// A whole key: its parts in key-column order. Orders, compares and hashes
/// as the slice of its parts, so maps keyed by it are searched with a
/// `&[KeyPart]` built on the stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Key(SmallVec<[KeyPart; 2]>);

impl Key {
    /// The parts.
    #[must_use]
    pub fn parts(&self) -> &[KeyPart] {
        &self.0
    }
}

impl Borrow<[KeyPart]> for Key {
    fn borrow(&self) -> &[KeyPart] {
        &self.0
    }
}

impl From<&[KeyPart]> for Key {
    fn from(parts: &[KeyPart]) -> Self {
        Self(parts.iter().cloned().collect())
    }
}

impl FromIterator<KeyPart> for Key {
    fn from_iter<I: IntoIterator<Item = KeyPart>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::*;

    #[test]
    fn keys_order_and_hash_as_their_parts() {
        let a: Key = [KeyPart::from("a"), KeyPart::Int(2)].as_slice().into();
        let b: Key = [KeyPart::from("a"), KeyPart::Int(10)].as_slice().into();
        let c: Key = [KeyPart::from("b")].as_slice().into();
        assert!(a < b && b < c);
        assert!(KeyPart::Int(i64::MAX) < KeyPart::from(""), "integers sort before text");
        let h = BuildHasherDefault::<rustc_hash::FxHasher>::default();
        let parts: &[KeyPart] = a.borrow();
        assert_eq!(h.hash_one(&a), h.hash_one(parts));
    }
}
