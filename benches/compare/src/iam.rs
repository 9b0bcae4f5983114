//! The iam-policy adapter: the library's [`PolicyStore`] deployed the way a secret server
//! would keep it.
//!
//! - Built once (not timed): every role's identity policy under its role ARN and every
//!   secret's resource policy under its ARN, from the workload's IAM JSON as is (secrets whose
//!   policy text is identical share one compiled copy); one [`PreparedRequest`] per workload
//!   request, built from `session_arn`, `action`, `resource_arn` and `context`.
//! - Timed: [`PolicyStore::evaluate_prepared`], which finds the session's role policies and
//!   the secret's policy by ARN and decides over the two.
//! - Timed per call: the request built and prepared from the workload's strings in a reused
//!   [`RequestBuffer`](iam_policy::RequestBuffer) (what a server does per call; no allocation
//!   once warm), its context keys set through [`ContextKey`](iam_policy::ContextKey)s made
//!   once (each looked up by name per call), then decided.
//!
//! The store and request set-up is shared with the criterion bench (`benches/iam_setup.rs`).

#[allow(dead_code, reason = "the criterion bench uses the checking helpers")]
#[path = "../../iam_setup.rs"]
mod iam_setup;

use std::cell::RefCell;

use iam_policy::{PolicyStore, PreparedRequest};

use crate::engine::Engine;
use crate::workload::{Decision, Workload};

/// True while the adapter is a placeholder.
pub const PENDING: bool = false;

/// iam-policy deployed for one workload.
#[derive(Debug)]
pub struct IamPolicy {
    store: PolicyStore,
    requests: Vec<PreparedRequest>,
    /// The per-call path's reused request and context keys (a server keeps them per worker
    /// thread).
    per_call: RefCell<iam_setup::PerCall>,
}

impl Engine for IamPolicy {
    const NAME: &'static str = "iam-policy";

    fn prepare(workload: &Workload) -> Result<Self, String> {
        Ok(Self {
            store: iam_setup::store(workload)?,
            requests: iam_setup::prepared(workload)?,
            per_call: RefCell::new(iam_setup::PerCall::default()),
        })
    }

    fn decide(&self, i: usize) -> Decision {
        self.requests.get(i).map_or(Decision::ImplicitDeny, |r| {
            iam_setup::decision(self.store.evaluate_prepared(r).decision())
        })
    }

    fn decide_per_call(&self, w: &Workload, i: usize) -> Option<Decision> {
        // The request built from the workload's borrowed strings and prepared in the reused
        // buffer, then decided.
        let r = w.requests.get(i)?;
        let mut per_call = self.per_call.borrow_mut();
        let prepared = per_call.call(r).ok()?;
        Some(iam_setup::decision(
            self.store.evaluate_prepared(prepared).decision(),
        ))
    }

    fn explain(&self, i: usize) -> String {
        self.requests
            .get(i)
            .map(|r| self.store.explain(r.request()).to_string())
            .unwrap_or_default()
    }
}
