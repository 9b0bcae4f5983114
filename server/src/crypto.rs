//! Secret values at rest: AES-256-GCM under one key (a stand-in for KMS), read from a file or
//! an environment variable.
//!
//! A stored value is `nonce (12 bytes) || ciphertext || tag`, sealed with the secret's ARN and
//! the version id as associated data, so that a value copied to another row does not decrypt.
//! Nonces are random (96 bits from the OS); one key seals far fewer than 2^32 values here.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;

use crate::error::ApiError;

/// The environment variable holding the key (64 hex digits or base64 of 32 bytes).
pub const KEY_ENV: &str = "IAM_POLICY_SERVER_KEY";

/// Why a key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read the key file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The text is not 32 bytes in hex or base64.
    #[error("the key from {0} is not 32 bytes written as 64 hex digits or base64")]
    Format(String),
    /// No key was given.
    #[error("no encryption key: pass --key-file or set {KEY_ENV}")]
    Missing,
}

/// The cipher sealing secret values.
pub struct Cipher {
    aead: Aes256Gcm,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(..)")
    }
}

/// Parses 32 key bytes from hex or base64 text.
fn parse_key(text: &str, from: &str) -> Result<[u8; 32], KeyError> {
    let text = text.trim();
    let bytes = hex::decode(text)
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD.decode(text).ok())
        .ok_or_else(|| KeyError::Format(from.to_owned()))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KeyError::Format(from.to_owned()))
}

impl Cipher {
    /// A cipher with a key of 32 bytes.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            aead: Aes256Gcm::new(key.into()),
        }
    }

    /// The key from `file` if given, else from [`KEY_ENV`].
    ///
    /// # Errors
    ///
    /// When neither gives 32 bytes.
    pub fn from_file_or_env(file: Option<&std::path::Path>) -> Result<Self, KeyError> {
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
                path: path.display().to_string(),
                source,
            })?;
            return Ok(Self::new(&parse_key(&text, &path.display().to_string())?));
        }
        match std::env::var(KEY_ENV) {
            Ok(text) => Ok(Self::new(&parse_key(&text, KEY_ENV)?)),
            Err(_) => Err(KeyError::Missing),
        }
    }

    /// Seals `plaintext` for version `version_id` of secret `arn`.
    ///
    /// # Errors
    ///
    /// When the OS gives no randomness.
    pub fn seal(&self, arn: &str, version_id: &str, plaintext: &[u8]) -> Result<Vec<u8>, ApiError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| ApiError::internal(e.to_string()))?;
        let aad = associated(arn, version_id);
        let sealed = self
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| ApiError::internal("encryption failed"))?;
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a value sealed by [`seal`](Self::seal) for the same ARN and version.
    ///
    /// # Errors
    ///
    /// When the value was not sealed with this key for this ARN and version (tampered, copied,
    /// or another key): an internal error, never the wrong plaintext.
    pub fn open(&self, arn: &str, version_id: &str, stored: &[u8]) -> Result<Vec<u8>, ApiError> {
        let (nonce, sealed) = stored
            .split_at_checked(12)
            .ok_or_else(|| ApiError::internal("a stored value is truncated"))?;
        let aad = associated(arn, version_id);
        self.aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                ApiError::internal("a stored value does not decrypt with the server's key")
            })
    }
}

/// The associated data of a value: the length-prefixed ARN, then the version id.
fn associated(arn: &str, version_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(8 + arn.len() + version_id.len());
    aad.extend_from_slice(&(arn.len() as u64).to_be_bytes());
    aad.extend_from_slice(arn.as_bytes());
    aad.extend_from_slice(version_id.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_for_the_same_row() -> Result<(), ApiError> {
        let c = Cipher::new(&[7u8; 32]);
        let sealed = c.seal("arn:a", "v1", b"hunter2")?;
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(c.open("arn:a", "v1", &sealed)?, b"hunter2");
        assert!(c.open("arn:a", "v2", &sealed).is_err());
        assert!(c.open("arn:b", "v1", &sealed).is_err());
        assert!(
            Cipher::new(&[8u8; 32])
                .open("arn:a", "v1", &sealed)
                .is_err()
        );
        let mut tampered = sealed.clone();
        if let Some(b) = tampered.last_mut() {
            *b ^= 1;
        }
        assert!(c.open("arn:a", "v1", &tampered).is_err());
        Ok(())
    }

    #[test]
    fn reads_hex_and_base64_keys_only_of_32_bytes() {
        assert!(parse_key(&"ab".repeat(32), "t").is_ok());
        assert!(
            parse_key(
                &base64::engine::general_purpose::STANDARD.encode([1u8; 32]),
                "t"
            )
            .is_ok()
        );
        assert!(parse_key(&"ab".repeat(31), "t").is_err());
        assert!(parse_key("not a key", "t").is_err());
    }
}
