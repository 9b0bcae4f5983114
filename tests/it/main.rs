//! Integration tests of the public API.

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod engine;
