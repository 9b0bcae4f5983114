//! End-to-end tests of the `iam-policy` binary.
