//! Helpers shared by the integration tests: the fuzz invariants (also compiled into every fuzz
//! target by path) and the naive reference evaluator used for differential testing.

pub mod differential;
pub mod invariants;
pub mod pattern_sets;
pub mod reference;
pub mod scenario;
pub mod through_store;
