//! Integration tests of the public API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod access_analyzer;
mod adversarial;
mod analysis;
mod aws_rules;
mod catalog;
mod conditions;
mod corpus;
mod design;
mod engine;
mod fuzz_replay;
#[cfg(feature = "iac")]
mod iac;
mod json;
mod lint;
mod live_store;
mod managed_policies;
mod parse_errors;
mod pattern_sets;
mod patterns;
mod properties;
mod request_buffer;
mod roundtrip;
mod store;
mod support;
mod workload;
