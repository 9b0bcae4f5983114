//! Integration tests of the public API.
mod catalog;
mod patterns;
