//! Row keys: the key cells of a row. Up to two cells live inline and short
//! text inline in a cell, so building a key to look a row up never allocates.

use std::borrow::Borrow;

use smallvec::SmallVec;

use super::Cell;

/// A whole key: its cells in key-column order. Orders, compares and hashes
/// as the slice of its cells, so maps keyed by it are searched with a
/// `&[Cell]` built on the stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Key(SmallVec<[Cell; 2]>);

impl Key {
    /// The cells.
    #[must_use]
    pub fn parts(&self) -> &[Cell] {
        &self.0
    }
}

impl Borrow<[Cell]> for Key {
    fn borrow(&self) -> &[Cell] {
        &self.0
    }
}

impl From<&[Cell]> for Key {
    fn from(parts: &[Cell]) -> Self {
        Self(parts.iter().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::*;

    #[test]
    fn keys_order_and_hash_as_their_cells() {
        let a: Key = [Cell::from("a"), Cell::Int(2)].as_slice().into();
        let b: Key = [Cell::from("a"), Cell::Int(10)].as_slice().into();
        let c: Key = [Cell::from("b")].as_slice().into();
        assert!(a < b && b < c);
        assert!(Cell::Int(i64::MAX) < Cell::from(""), "integers sort before text");
        assert!(Cell::from("B") < Cell::from("a") && Cell::from("a") < Cell::from("ab"), "text sorts by bytes");
        let h = BuildHasherDefault::<rustc_hash::FxHasher>::default();
        let parts: &[Cell] = a.borrow();
        assert_eq!(h.hash_one(&a), h.hash_one(parts));
    }
}
