//! Integration tests of the public API.
mod catalog;
mod parse_errors;
mod roundtrip;
