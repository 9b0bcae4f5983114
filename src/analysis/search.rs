//! The search for a request that the target policy allows and the reference policy does not,
//! over assignments of one class per dimension, with pruning on the statements that can still
//! apply.

use super::bits::Bits;
use super::domain::{Dim, Value};

/// What the search needs to know about each statement.
pub(crate) struct Roles {
    /// `Allow` statements of the target policy.
    pub(crate) target_allow: Bits,
    /// `Deny` statements of the target policy.
    pub(crate) target_deny: Bits,
    /// `Allow` statements of the reference policy.
    pub(crate) reference_allow: Bits,
    /// `Deny` statements of the reference policy.
    pub(crate) reference_deny: Bits,
}

/// Most search nodes visited for one question.
pub(crate) const MAX_NODES: u64 = 2_000_000;

/// Outcome of one search.
pub(crate) enum Found {
    /// A confirmed witness: one value per dimension.
    Witness(Vec<Value>),
    /// No assignment satisfies the question.
    None,
    /// The node bound was reached.
    Budget,
}

/// Searches for an assignment where `required` (a target `Allow` statement) applies, no target
/// `Deny` applies, and the reference policy does not allow. `confirm` checks a candidate with
/// the engine and may try other members of the classes; `unconfirmed` counts candidates the
/// engine refused.
pub(crate) fn search(
    dims: &[Dim],
    roles: &Roles,
    required: usize,
    n: usize,
    confirm: &mut dyn FnMut(&[usize]) -> Option<Vec<Value>>,
    unconfirmed: &mut u64,
) -> Found {
    // after[i]: statements constrained by dimensions i.. (not yet assigned at depth i).
    let mut after = vec![Bits::empty(n); dims.len() + 1];
    for i in (0..dims.len()).rev() {
        let next = after.get(i + 1).cloned().unwrap_or_else(|| Bits::empty(n));
        if let (Some(slot), Some(d)) = (after.get_mut(i), dims.get(i)) {
            *slot = next.or(&d.constrained);
        }
    }
    let mut required_bits = Bits::empty(n);
    required_bits.set(required);
    let mut st = State {
        dims,
        roles,
        after: &after,
        required: &required_bits,
        nodes: 0,
        choice: vec![0; dims.len()],
    };
    let possible = Bits::full(n);
    st.dfs(0, &possible, confirm, unconfirmed)
}

struct State<'a> {
    dims: &'a [Dim],
    roles: &'a Roles,
    after: &'a [Bits],
    required: &'a Bits,
    nodes: u64,
    choice: Vec<usize>,
}

impl State<'_> {
    fn dfs(
        &mut self,
        depth: usize,
        possible: &Bits,
        confirm: &mut dyn FnMut(&[usize]) -> Option<Vec<Value>>,
        unconfirmed: &mut u64,
    ) -> Found {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Found::Budget;
        }
        let Some(after) = self.after.get(depth) else {
            return Found::None;
        };
        // Statements that surely apply: possible and tested by no unassigned dimension.
        let definite = possible.and_not(after);
        let r = self.roles;
        if !possible.intersects(self.required)
            || definite.intersects(&r.target_deny)
            || (definite.intersects(&r.reference_allow) && !possible.intersects(&r.reference_deny))
        {
            return Found::None;
        }
        let Some(dim) = self.dims.get(depth) else {
            // Every dimension is assigned: `definite == possible`.
            if !definite.intersects(self.required) {
                return Found::None;
            }
            return match confirm(&self.choice) {
                Some(w) => Found::Witness(w),
                None => {
                    *unconfirmed += 1;
                    Found::None
                }
            };
        };
        // Only the statements still possible and tested here tell classes apart.
        let relevant = possible.and(&dim.constrained);
        let mut tried: Vec<Bits> = Vec::new();
        let mut budget = false;
        for (c, class) in dim.classes.iter().enumerate() {
            let key = class.sig.and(&relevant);
            if tried.contains(&key) {
                continue;
            }
            tried.push(key);
            if let Some(slot) = self.choice.get_mut(depth) {
                *slot = c;
            }
            let next = possible.and(&class.sig.or(&possible.and_not(&dim.constrained)));
            match self.dfs(depth + 1, &next, confirm, unconfirmed) {
                Found::Witness(w) => return Found::Witness(w),
                Found::None => {}
                Found::Budget => {
                    budget = true;
                    break;
                }
            }
        }
        if budget { Found::Budget } else { Found::None }
    }
}
