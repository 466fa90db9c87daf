//! [`Binds`]: the values bound to one statement, inline while they are few.

use std::ops::Deref;

use crate::value::{SqlType, ValueRef};

/// How many binds a statement keeps inline before it allocates.
const INLINE: usize = 4;

/// The values bound to a statement, in placeholder order. Most statements
/// bind a few values: up to four are kept inline, with no allocation, and
/// more move to a `Vec`. It reads as a slice.
///
/// ```
/// use orm_core::sql::Binds;
/// use orm_core::ValueRef;
///
/// let mut binds = Binds::with_capacity(2);
/// binds.push(ValueRef::I64(7));
/// binds.push(ValueRef::Text("ann"));
/// assert_eq!(&binds[..], [ValueRef::I64(7), ValueRef::Text("ann")]);
/// ```
#[derive(Clone)]
pub struct Binds<'q>(Storage<'q>);

impl std::fmt::Debug for Binds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

// No `Drop` of its own, unlike the small-vector crates: a `Binds` borrowing
// a query tree may outlive its last use while the tree is changed, as a
// `Vec` may.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "the inline variant is the point: no allocation for a statement's few binds"
)]
enum Storage<'q> {
    Inline {
        len: usize,
        values: [ValueRef<'q>; INLINE],
    },
    Heap(Vec<ValueRef<'q>>),
}

impl<'q> Binds<'q> {
    /// No binds.
    pub fn new() -> Self {
        Binds(Storage::Inline {
            len: 0,
            values: [ValueRef::Null(SqlType::Bool); INLINE],
        })
    }

    /// No binds, with room for `capacity` without growing.
    pub fn with_capacity(capacity: usize) -> Self {
        if capacity <= INLINE {
            Self::new()
        } else {
            Binds(Storage::Heap(Vec::with_capacity(capacity)))
        }
    }

    /// Makes room for `more` binds.
    pub fn reserve(&mut self, more: usize) {
        match &mut self.0 {
            Storage::Inline { len, values } if *len + more > INLINE => {
                let mut heap = Vec::with_capacity((*len + more).max(2 * INLINE));
                heap.extend_from_slice(&values[..*len]);
                self.0 = Storage::Heap(heap);
            }
            Storage::Inline { .. } => {}
            Storage::Heap(heap) => heap.reserve(more),
        }
    }

    /// Binds `value` after the others.
    pub fn push(&mut self, value: ValueRef<'q>) {
        match &mut self.0 {
            Storage::Inline { len, values } if *len < INLINE => {
                values[*len] = value;
                *len += 1;
            }
            Storage::Inline { .. } => {
                self.reserve(1);
                self.push(value);
            }
            Storage::Heap(heap) => heap.push(value),
        }
    }
}

impl Default for Binds<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'q> Deref for Binds<'q> {
    type Target = [ValueRef<'q>];
    fn deref(&self) -> &[ValueRef<'q>] {
        match &self.0 {
            Storage::Inline { len, values } => &values[..*len],
            Storage::Heap(heap) => heap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_stay_inline_up_to_four_then_move_to_the_heap_in_order() {
        let mut binds = Binds::new();
        for i in 0..20 {
            binds.push(ValueRef::I64(i));
            assert_eq!(binds.len(), i as usize + 1);
            assert_eq!(
                matches!(binds.0, Storage::Inline { .. }),
                i < 4,
                "after {i}"
            );
        }
        let expected: Vec<ValueRef<'_>> = (0..20).map(ValueRef::I64).collect();
        assert_eq!(&binds[..], expected.as_slice());
        assert!(matches!(Binds::with_capacity(5).0, Storage::Heap(_)));
        let mut reserved = Binds::new();
        reserved.push(ValueRef::Text("a"));
        reserved.reserve(100);
        assert_eq!(&reserved[..], [ValueRef::Text("a")]);
        assert_eq!(
            format!("{reserved:?}"),
            r#"[Text("a")]"#,
            "printed as a list"
        );
    }
}
