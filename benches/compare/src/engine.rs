//! What every compared engine provides.

use crate::workload::{Decision, Workload};

/// An authorization engine deployed for one workload.
pub trait Engine: Sized {
    /// The name printed in reports.
    const NAME: &'static str;

    /// Builds the engine's deployment for `workload`: parses policies, builds entities or data,
    /// and prepares one request per workload request. Nothing here is timed.
    fn prepare(workload: &Workload) -> Result<Self, String>;

    /// Decides prepared request `i` (the timed part).
    fn decide(&self, i: usize) -> Decision;

    /// Extra detail on request `i` for a mismatch report.
    fn explain(&self, _i: usize) -> String {
        String::new()
    }

    /// The whole per-call cost: builds the engine's request for workload request `i` from the
    /// workload's strings (what a server receives), then decides it. `None` when the engine
    /// does not take part in the per-call comparison.
    fn decide_per_call(&self, _w: &Workload, _i: usize) -> Option<Decision> {
        None
    }
}

/// An [`Engine`] behind a pointer, so the harness can hold a list of them.
pub trait Deployed {
    /// [`Engine::NAME`].
    fn name(&self) -> &'static str;
    /// [`Engine::decide`].
    fn decide(&self, i: usize) -> Decision;
    /// [`Engine::explain`].
    fn explain(&self, i: usize) -> String;
    /// [`Engine::decide_per_call`].
    fn decide_per_call(&self, w: &Workload, i: usize) -> Option<Decision>;
}

impl<E: Engine> Deployed for E {
    fn name(&self) -> &'static str {
        E::NAME
    }
    fn decide(&self, i: usize) -> Decision {
        Engine::decide(self, i)
    }
    fn explain(&self, i: usize) -> String {
        Engine::explain(self, i)
    }
    fn decide_per_call(&self, w: &Workload, i: usize) -> Option<Decision> {
        Engine::decide_per_call(self, w, i)
    }
}
