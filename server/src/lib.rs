//! A Secrets Manager–compatible secret server that authorizes every call with `iam-policy`.
//! See the repository README's "Secret server" section.

#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod authz;
pub mod call;
pub mod config;
pub mod crypto;
pub mod error;
pub mod http;
pub mod replica;
pub mod secrets;
pub mod sessions;
pub mod sigv4;
pub mod storage;
pub mod sts;

/// Sets `key` of a JSON object (no-op on other values: every caller builds an object).
pub fn set(object: &mut serde_json::Value, key: &str, value: serde_json::Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}
