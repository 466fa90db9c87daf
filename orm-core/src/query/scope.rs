//! Type states that make an unfiltered UPDATE or DELETE impossible to write
//! by accident: `execute` needs `.filter(..)` or an explicit `.all_rows()`.

/// The rows an UPDATE or DELETE touches have been chosen.
#[diagnostic::on_unimplemented(
    message = "this statement has not chosen its rows",
    label = "add `.filter(...)` to choose rows, or `.all_rows()` to touch every row",
    note = "orm never updates or deletes every row because a filter was forgotten"
)]
pub trait Scope: sealed::Sealed {}

/// No filter yet: `execute` is not available.
#[derive(Debug, Clone, Copy)]
pub struct Unfiltered;
/// Filtered with `.filter(...)`.
#[derive(Debug, Clone, Copy)]
pub struct Filtered;
/// Every row asked for with `.all_rows()`.
#[derive(Debug, Clone, Copy)]
pub struct AllRows;

impl Scope for Filtered {}
impl Scope for AllRows {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Filtered {}
    impl Sealed for super::AllRows {}
}
