//! The server's configuration (TOML): the region it serves, the principals that can call it
//! with their access keys, identity policies, permissions boundaries and tags, the roles that
//! can be assumed with their trust policies, and each account's SCPs and RCPs.
//!
//! ```toml
//! region = "us-east-1"
//!
//! [[users]]
//! arn = "arn:aws:iam::111122223333:user/admin"
//! access_keys = [{ id = "AKIAADMIN0000000001", secret = "admin-secret" }]
//! policies = ['''{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}''']
//! tags = { team = "platform" }
//!
//! [[roles]]
//! arn = "arn:aws:iam::111122223333:role/app"
//! trust_policy = '''{"Version":"2012-10-17","Statement":{"Effect":"Allow",
//!   "Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}}'''
//! policies = ['''{"Version":"2012-10-17","Statement":{"Effect":"Allow",
//!   "Action":"secretsmanager:GetSecretValue","Resource":"*"}}''']
//!
//! [accounts."111122223333"]
//! scps = [['''{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}''']]
//! ```
//!
//! A policy is given inline as JSON text, or as `{ file = "path" }` relative to the
//! configuration file. Every policy is parsed when the configuration is loaded; a
//! configuration with an invalid policy is refused whole (on reload the old one stays).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iam_policy::{Policy, PolicyType, parse_policy};
use serde::Deserialize;

/// A policy document: inline text or a file.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum PolicySource {
    /// The JSON text.
    Inline(String),
    /// A file, relative to the configuration file.
    File {
        /// The path.
        file: PathBuf,
    },
}

/// An access key pair.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// The access key id.
    pub id: String,
    /// The secret access key.
    pub secret: String,
}

/// An IAM user.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// `arn:aws:iam::ACCOUNT:user/[PATH/]NAME`.
    pub arn: String,
    /// Its access keys.
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Its identity policies (inline, managed and group policies alike).
    #[serde(default)]
    pub policies: Vec<PolicySource>,
    /// Its permissions boundary.
    pub permissions_boundary: Option<PolicySource>,
    /// Its tags (`aws:PrincipalTag/…`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An IAM role.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// `arn:aws:iam::ACCOUNT:role/[PATH/]NAME`.
    pub arn: String,
    /// Its trust policy.
    pub trust_policy: PolicySource,
    /// Its identity policies.
    #[serde(default)]
    pub policies: Vec<PolicySource>,
    /// Its permissions boundary.
    pub permissions_boundary: Option<PolicySource>,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The longest session, in seconds (AWS's default: 3600).
    pub max_session_duration: Option<u32>,
}

/// An account's organization policies.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// SCPs by level, root first (each level: the policies attached there).
    #[serde(default)]
    pub scps: Vec<Vec<PolicySource>>,
    /// RCPs by level, root first.
    #[serde(default)]
    pub rcps: Vec<Vec<PolicySource>>,
}

/// The configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The region served (`aws:RequestedRegion`, secret ARNs).
    #[serde(default = "default_region")]
    pub region: String,
    /// IAM users.
    #[serde(default)]
    pub users: Vec<UserConfig>,
    /// IAM roles.
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
    /// Organization policies by account id.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountConfig>,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

/// A policy read and parsed.
#[derive(Clone, Debug)]
pub struct LoadedPolicy {
    /// Its text.
    pub text: String,
    /// Where it came from, for messages: `users[0].policies[1]`, or the file.
    pub origin: String,
    /// The parsed policy.
    pub policy: Policy,
}

/// A user, loaded.
#[derive(Clone, Debug)]
pub struct User {
    /// Its ARN.
    pub arn: String,
    /// Its account.
    pub account: String,
    /// Its name (`aws:username`).
    pub name: String,
    /// Its unique id (`aws:userid`), derived from the ARN.
    pub id: String,
    /// Access keys.
    pub access_keys: Vec<AccessKey>,
    /// Identity policies.
    pub policies: Vec<LoadedPolicy>,
    /// Permissions boundary.
    pub boundary: Option<LoadedPolicy>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// A role, loaded.
#[derive(Clone, Debug)]
pub struct Role {
    /// Its ARN (with path).
    pub arn: String,
    /// Its account.
    pub account: String,
    /// Its name.
    pub name: String,
    /// Its unique id (`AROA…`), derived from the ARN.
    pub id: String,
    /// Trust policy.
    pub trust: LoadedPolicy,
    /// Identity policies.
    pub policies: Vec<LoadedPolicy>,
    /// Permissions boundary.
    pub boundary: Option<LoadedPolicy>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// The longest session.
    pub max_session_duration: u32,
}

/// An account's organization policies, loaded.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// SCP levels.
    pub scps: Vec<Vec<LoadedPolicy>>,
    /// RCP levels.
    pub rcps: Vec<Vec<LoadedPolicy>>,
}

/// The whole configuration, loaded and checked.
#[derive(Clone, Debug)]
pub struct Config {
    /// The region.
    pub region: String,
    /// Users.
    pub users: Vec<User>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Organization policies by account.
    pub accounts: BTreeMap<String, Account>,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("{path}: {message}")]
    Toml {
        /// The file.
        path: String,
        /// The parser's message with line and column.
        message: String,
    },
    /// Something in it is invalid.
    #[error("{path}: {at}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Where: `users[0].policies[1]`.
        at: String,
        /// What.
        message: String,
    },
}

/// A stable unique id for a principal, like AWS's (`AIDA…`, `AROA…`): the prefix and 17
/// characters derived from the ARN.
pub fn unique_id(prefix: &str, arn: &str) -> String {
    use sha2::Digest as _;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = sha2::Sha256::digest(arn.as_bytes());
    let mut id = prefix.to_owned();
    for b in digest.iter().take(17) {
        let i = usize::from(*b) % ALPHABET.len();
        id.push(ALPHABET.get(i).map_or('A', |c| char::from(*c)));
    }
    id
}

impl Config {
    /// Reads and checks the configuration file at `path`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file and the place.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_text(&text, base, &path.display().to_string())
    }

    /// Parses and checks configuration text; policy files are relative to `base`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`].
    pub fn from_text(text: &str, base: &Path, path: &str) -> Result<Self, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Toml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let invalid = |at: String, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            at,
            message,
        };
        let load = |source: &PolicySource, at: String, ty: PolicyType| {
            let (text, origin) = match source {
                PolicySource::Inline(t) => (t.clone(), at.clone()),
                PolicySource::File { file } => {
                    let full = base.join(file);
                    let t = std::fs::read_to_string(&full).map_err(|e| {
                        invalid(at.clone(), format!("cannot read {}: {e}", full.display()))
                    })?;
                    (t, format!("{at} ({})", file.display()))
                }
            };
            let policy = parse_policy(&text, ty)
                .map_err(|e| invalid(at.clone(), format!("invalid policy: {e}")))?;
            Ok::<_, ConfigError>(LoadedPolicy {
                text,
                origin,
                policy,
            })
        };
        let mut keys = std::collections::HashSet::new();
        let mut users = Vec::new();
        for (i, u) in file.users.iter().enumerate() {
            let at = format!("users[{i}]");
            let (account, name) = split_iam_arn(&u.arn, "user").ok_or_else(|| {
                invalid(at.clone(), format!("`{}` is not an IAM user ARN", u.arn))
            })?;
            let mut policies = Vec::new();
            for (j, p) in u.policies.iter().enumerate() {
                policies.push(load(
                    p,
                    format!("{at}.policies[{j}]"),
                    PolicyType::Identity,
                )?);
            }
            let boundary = u
                .permissions_boundary
                .as_ref()
                .map(|p| {
                    load(
                        p,
                        format!("{at}.permissions_boundary"),
                        PolicyType::PermissionsBoundary,
                    )
                })
                .transpose()?;
            for k in &u.access_keys {
                if !keys.insert(k.id.clone()) {
                    return Err(invalid(
                        at.clone(),
                        format!("access key `{}` is given twice", k.id),
                    ));
                }
            }
            users.push(User {
                id: unique_id("AIDA", &u.arn),
                arn: u.arn.clone(),
                account,
                name,
                access_keys: u.access_keys.clone(),
                policies,
                boundary,
                tags: u.tags.clone(),
            });
        }
        let mut roles = Vec::new();
        for (i, r) in file.roles.iter().enumerate() {
            let at = format!("roles[{i}]");
            let (account, name) = split_iam_arn(&r.arn, "role").ok_or_else(|| {
                invalid(at.clone(), format!("`{}` is not an IAM role ARN", r.arn))
            })?;
            let trust = load(
                &r.trust_policy,
                format!("{at}.trust_policy"),
                PolicyType::Trust,
            )?;
            let mut policies = Vec::new();
            for (j, p) in r.policies.iter().enumerate() {
                policies.push(load(
                    p,
                    format!("{at}.policies[{j}]"),
                    PolicyType::Identity,
                )?);
            }
            let boundary = r
                .permissions_boundary
                .as_ref()
                .map(|p| {
                    load(
                        p,
                        format!("{at}.permissions_boundary"),
                        PolicyType::PermissionsBoundary,
                    )
                })
                .transpose()?;
            let max = r.max_session_duration.unwrap_or(3600);
            if !(900..=43_200).contains(&max) {
                return Err(invalid(
                    at,
                    "max_session_duration must be 900 to 43200 seconds".into(),
                ));
            }
            roles.push(Role {
                id: unique_id("AROA", &r.arn),
                arn: r.arn.clone(),
                account,
                name,
                trust,
                policies,
                boundary,
                tags: r.tags.clone(),
                max_session_duration: max,
            });
        }
        let mut accounts = BTreeMap::new();
        for (id, a) in &file.accounts {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    format!("accounts.{id}"),
                    "an account id is 12 digits".into(),
                ));
            }
            let mut out = Account::default();
            for (l, level) in a.scps.iter().enumerate() {
                let mut v = Vec::new();
                for (j, p) in level.iter().enumerate() {
                    v.push(load(
                        p,
                        format!("accounts.{id}.scps[{l}][{j}]"),
                        PolicyType::Scp,
                    )?);
                }
                out.scps.push(v);
            }
            for (l, level) in a.rcps.iter().enumerate() {
                let mut v = Vec::new();
                for (j, p) in level.iter().enumerate() {
                    v.push(load(
                        p,
                        format!("accounts.{id}.rcps[{l}][{j}]"),
                        PolicyType::Rcp,
                    )?);
                }
                out.rcps.push(v);
            }
            accounts.insert(id.clone(), out);
        }
        Ok(Self {
            region: file.region,
            users,
            roles,
            accounts,
        })
    }

    /// The role with ARN `arn` (path included) or whose path-less form is `arn`.
    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles
            .iter()
            .find(|r| r.arn == arn || role_without_path(&r.arn) == arn)
    }
}

/// `arn:aws:iam::ACCOUNT:role/NAME` for a role ARN with a path.
pub fn role_without_path(arn: &str) -> String {
    match split_iam_arn(arn, "role") {
        Some((account, name)) => format!("arn:aws:iam::{account}:role/{name}"),
        None => arn.to_owned(),
    }
}

/// The account and name of `arn:aws:iam::ACCOUNT:KIND/[PATH/]NAME`.
pub fn split_iam_arn(arn: &str, kind: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let path = resource.strip_prefix(kind)?.strip_prefix('/')?;
    let name = path.rsplit('/').next()?;
    if name.is_empty() {
        return None;
    }
    Some((account.to_owned(), name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_invalid_policies_with_their_place() {
        let text = r#"
[[users]]
arn = "arn:aws:iam::111122223333:user/a"
policies = ['{"Statement":{"Effect":"Alow","Action":"*","Resource":"*"}}']
"#;
        let err = Config::from_text(text, Path::new("."), "c.toml").map(|_| ());
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("users[0].policies[0]"), "{msg}");
    }

    #[test]
    fn refuses_unknown_keys_and_bad_arns() {
        assert!(Config::from_text("bogus = 1", Path::new("."), "c").is_err());
        let text = "[[users]]\narn = \"arn:aws:iam::1:user/a\"\n";
        assert!(Config::from_text(text, Path::new("."), "c").is_err());
    }

    #[test]
    fn splits_role_arns_with_paths() {
        assert_eq!(
            role_without_path("arn:aws:iam::111122223333:role/a/b/app"),
            "arn:aws:iam::111122223333:role/app"
        );
        assert!(unique_id("AROA", "x").starts_with("AROA"));
        assert_eq!(unique_id("AROA", "x").len(), 21);
    }
}
