//! The iam-policy adapter.
//!
//! PENDING: the library's evaluation API (a policy store or `CompiledPolicySet` with
//! `Request::builder()`) is not merged yet. Until it is, [`PENDING`] is true, `prepare` says
//! "iam-policy adapter pending", and the harness neither verifies nor times this engine.
//!
//! To wire it: in `prepare`, parse every role's identity policy and every secret's resource
//! policy once (compile them the way a secret server would keep them), and build one library
//! request per workload request from `session_arn`, `action`, `resource_arn` and `context`
//! (strings as strings, booleans as booleans, lists as multi-valued keys). In `decide`, evaluate
//! request `i` against its role's identity policy and its secret's resource policy and map the
//! library's decision to [`Decision`]. Then set [`PENDING`] to false.

use crate::engine::Engine;
use crate::workload::{Decision, Workload};

/// True while the adapter is a placeholder.
pub const PENDING: bool = true;

/// iam-policy deployed for one workload.
#[derive(Debug)]
pub struct IamPolicy {
    /// Placeholder: the workload's expected decisions.
    pending_expected: Vec<Decision>,
}

impl Engine for IamPolicy {
    const NAME: &'static str = "iam-policy";

    fn prepare(workload: &Workload) -> Result<Self, String> {
        // Keeps the dependency on the library in place until the adapter is wired.
        let _ = iam_policy::Context::new();
        println!("iam-policy adapter pending");
        Ok(Self {
            pending_expected: workload.requests.iter().map(|r| r.expected).collect(),
        })
    }

    fn decide(&self, i: usize) -> Decision {
        self.pending_expected
            .get(i)
            .copied()
            .unwrap_or(Decision::ImplicitDeny)
    }
}
