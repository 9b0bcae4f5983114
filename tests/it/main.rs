//! Integration tests of the public API.
mod parse_errors;
mod roundtrip;
