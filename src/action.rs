//! Actions: the request's `service:Action` ([`Action`]) and the policy's patterns
//! ([`ActionPattern`]).
//!
//! Both sides compare without regard to case: they are lower-cased (ASCII) once, when parsed.
//! The service prefix is compared exactly (no wildcard is allowed in it); `*` and `?` work in
//! the action name, and `*` alone matches every action of every service.
//!
//! Semantics: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>.

use std::borrow::Cow;

use crate::wildcard::Wildcard;

/// Why an action or action pattern is malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// Not of the form `service:action` (and not `*`).
    #[error("action `{0}` is not of the form `service:action`")]
    Malformed(String),
    /// A `*` or `?` in the service prefix (`secrets*:Get*`).
    #[error("action `{0}` has a wildcard in its service prefix")]
    WildcardInService(String),
    /// A `*` or `?` in a request action, which must name one action.
    #[error("request action `{0}` must not contain a wildcard")]
    WildcardInRequest(String),
    /// A character that cannot appear in a service prefix or an action name.
    #[error("action `{text}` contains the invalid character `{ch}`")]
    #[non_exhaustive]
    InvalidCharacter {
        /// The action as written.
        text: String,
        /// The first invalid character.
        ch: char,
    },
}

/// Whether `c` may appear in a service prefix.
fn is_service_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Whether `c` may appear in an action name (wildcards aside).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Byte class: allowed in a service prefix.
const SERVICE: u8 = 1;
/// Byte class: allowed in an action name.
const NAME: u8 = 2;
/// Byte class: a wildcard (`*`, `?`).
const WILD: u8 = 4;

/// The classes of every byte ([`is_service_char`] and [`is_name_char`] as a table).
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0u8;
    loop {
        let alnum = b.is_ascii_alphanumeric();
        let mut class = 0;
        if alnum || b == b'-' {
            class |= SERVICE;
        }
        if alnum || b == b'-' || b == b'_' || b == b'.' {
            class |= NAME;
        }
        if b == b'*' || b == b'?' {
            class |= WILD;
        }
        // INVARIANT: `b` is a `u8`, so it indexes the 256-entry table.
        #[expect(clippy::indexing_slicing, reason = "a u8 indexes a 256-entry table")]
        {
            table[b as usize] = class;
        }
        if b == u8::MAX {
            break;
        }
        b += 1;
    }
    table
};

/// The class bits of byte `b`.
#[inline]
fn class(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(0)
}

/// Splits `text` into service and name and checks their characters; `wildcards` allows `*`
/// and `?` in the name. Returns the byte offset of the colon.
fn split_checked(text: &str, wildcards: bool) -> Result<usize, ActionError> {
    // Fast path: a well-formed action, checked byte by byte with a table (every allowed byte
    // is ASCII).
    let bytes = text.as_bytes();
    let name_class = if wildcards { NAME | WILD } else { NAME };
    if let Some(colon) = bytes.iter().position(|&b| b == b':')
        && let Some((service, name)) = bytes.split_at_checked(colon)
        && let Some(name) = name.get(1..)
        && !service.is_empty()
        && !name.is_empty()
        && service.iter().all(|&b| class(b) & SERVICE != 0)
        && name.iter().all(|&b| class(b) & name_class != 0)
    {
        return Ok(colon);
    }
    let malformed = || ActionError::Malformed(text.to_owned());
    let (service, name) = text.split_once(':').ok_or_else(malformed)?;
    if service.is_empty() || name.is_empty() {
        return Err(malformed());
    }
    if service.contains(['*', '?']) {
        return Err(if wildcards {
            ActionError::WildcardInService(text.to_owned())
        } else {
            ActionError::WildcardInRequest(text.to_owned())
        });
    }
    if !wildcards && name.contains(['*', '?']) {
        return Err(ActionError::WildcardInRequest(text.to_owned()));
    }
    let bad = service.chars().find(|&c| !is_service_char(c)).or_else(|| {
        name.chars()
            .find(|&c| !(is_name_char(c) || (wildcards && matches!(c, '*' | '?'))))
    });
    if let Some(ch) = bad {
        return Err(if ch == ':' {
            malformed()
        } else {
            ActionError::InvalidCharacter {
                text: text.to_owned(),
                ch,
            }
        });
    }
    Ok(service.len())
}

/// Checks a request's action (`service:Action`, no wildcards, as [`Action::parse`]); the byte
/// offset of its colon.
pub(crate) fn check_request_action(text: &str) -> Result<usize, ActionError> {
    split_checked(text, false)
}

/// A concrete action in a request, such as `secretsmanager:GetSecretValue`.
///
/// # Examples
///
/// ```
/// use iam_policy::Action;
///
/// let action = Action::parse("SecretsManager:GetSecretValue")?;
/// assert_eq!(action.as_str(), "SecretsManager:GetSecretValue");
/// assert_eq!(action.service(), "secretsmanager");
/// assert_eq!(action.name(), "getsecretvalue");
/// # Ok::<(), iam_policy::ActionError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Action {
    raw: String,
    /// `raw`, ASCII-lower-cased.
    lower: String,
    /// Byte offset of the colon.
    colon: usize,
}

impl Action {
    /// Parses `service:Action`: a service prefix of ASCII letters, digits and `-`, a colon,
    /// and an action name of ASCII letters, digits, `-`, `_` and `.`, without wildcards.
    ///
    /// # Errors
    ///
    /// [`ActionError::Malformed`] when the text is not `service:action`,
    /// [`ActionError::WildcardInRequest`] for a `*` or `?`, [`ActionError::InvalidCharacter`]
    /// for any other character out of place.
    pub fn parse(text: &str) -> Result<Self, ActionError> {
        let colon = split_checked(text, false)?;
        Ok(Self {
            raw: text.to_owned(),
            lower: text.to_ascii_lowercase(),
            colon,
        })
    }

    /// An action with no text, to be [`set`](Self::set) before use (a reusable request
    /// buffer starts with it).
    pub(crate) const fn empty() -> Self {
        Self {
            raw: String::new(),
            lower: String::new(),
            colon: 0,
        }
    }

    /// Copies `text`, already checked (its colon at `colon`), into this action's buffers.
    pub(crate) fn assign(&mut self, text: &str, colon: usize) {
        self.raw.clear();
        self.raw.push_str(text);
        self.lower.clear();
        self.lower.push_str(text);
        self.lower.make_ascii_lowercase();
        self.colon = colon;
    }

    /// The byte offset of the colon.
    pub(crate) const fn colon(&self) -> usize {
        self.colon
    }

    /// The action as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The whole action, lower-cased (`secretsmanager:getsecretvalue`).
    #[must_use]
    pub fn as_lower(&self) -> &str {
        &self.lower
    }

    /// The service prefix, lower-cased (`secretsmanager`).
    #[must_use]
    pub fn service(&self) -> &str {
        self.lower.get(..self.colon).unwrap_or_default()
    }

    /// The action name, lower-cased (`getsecretvalue`).
    #[must_use]
    pub fn name(&self) -> &str {
        self.lower.get(self.colon + 1..).unwrap_or_default()
    }
}

impl std::str::FromStr for Action {
    type Err = ActionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// An `Action`/`NotAction` entry of a policy: `*`, or `service:pattern` with `*`/`?` in the
/// action part. Matching ignores case.
///
/// The pattern keeps one string: the text as written followed, when that has upper-case
/// letters, by its lower-cased form (service prefix and action-name pattern are read from the
/// lower-cased part).
///
/// # Examples
///
/// ```
/// use iam_policy::{Action, ActionPattern};
///
/// let pattern = ActionPattern::parse("secretsmanager:Get*")?;
/// assert!(pattern.is_match(&Action::parse("secretsmanager:GetSecretValue")?));
/// assert!(pattern.is_match(&Action::parse("SECRETSMANAGER:getrandompassword")?));
/// assert!(!pattern.is_match(&Action::parse("secretsmanager:ListSecrets")?));
/// // WRONG: a wildcard in the service prefix is rejected, not matched.
/// assert!(ActionPattern::parse("secrets*:Get*").is_err());
/// # Ok::<(), iam_policy::ActionError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ActionPattern {
    /// The action-name pattern (lower-cased); its buffer is the whole text described above.
    /// For `*` it holds just `*`.
    name: Wildcard,
    /// Length of the text as written (the front of the buffer).
    raw_len: usize,
    /// Where the lower-cased `service:name` starts in the buffer.
    lower_start: usize,
    /// Where the lower-cased service prefix ends in the buffer (at the colon); equal to
    /// `lower_start` for `*` (a service prefix is never empty).
    service_end: usize,
}

impl PartialEq for ActionPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for ActionPattern {}

impl std::hash::Hash for ActionPattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl ActionPattern {
    /// Parses a policy action entry: `*`, or a service prefix (ASCII letters, digits, `-`), a
    /// colon, and an action-name pattern (ASCII letters, digits, `-`, `_`, `.`, `*`, `?`).
    ///
    /// # Errors
    ///
    /// [`ActionError::Malformed`] when the text is neither `*` nor `service:action`,
    /// [`ActionError::WildcardInService`] for a wildcard before the colon,
    /// [`ActionError::InvalidCharacter`] for any other character out of place.
    pub fn parse(text: &str) -> Result<Self, ActionError> {
        Self::from_text(Cow::Borrowed(text))
    }

    /// [`parse`](Self::parse) for text that may be owned already: its allocation is reused when
    /// the pattern has no upper-case letters, and one exact allocation holds both forms
    /// otherwise.
    pub(crate) fn from_text(text: Cow<'_, str>) -> Result<Self, ActionError> {
        if text == "*" {
            return Ok(Self {
                name: Wildcard::within(text.into_owned().into_boxed_str(), 0),
                raw_len: 1,
                lower_start: 0,
                service_end: 0,
            });
        }
        let colon = split_checked(&text, true)?;
        let raw_len = text.len();
        let (buf, lower_start) = if text.bytes().any(|b| b.is_ascii_uppercase()) {
            // Only ASCII is allowed, so the lower-cased copy has the same length.
            let mut buf = String::with_capacity(2 * raw_len);
            buf.push_str(&text);
            buf.push_str(&text);
            if let Some(lower) = buf.get_mut(raw_len..) {
                lower.make_ascii_lowercase();
            }
            (buf, raw_len)
        } else {
            (text.into_owned(), 0)
        };
        Ok(Self {
            name: Wildcard::within(buf.into_boxed_str(), lower_start + colon + 1),
            raw_len,
            lower_start,
            service_end: lower_start + colon,
        })
    }

    /// The lower-cased service prefix (empty for `*`).
    #[inline]
    fn service_bytes(&self) -> &[u8] {
        self.name
            .buffer()
            .as_bytes()
            .get(self.lower_start..self.service_end)
            .unwrap_or_default()
    }

    /// The lower-cased service prefix (empty for `*`).
    fn service_lower(&self) -> &str {
        let range = self.lower_start..self.service_end;
        self.name.buffer().get(range).unwrap_or_default()
    }

    /// Whether the pattern covers `action` (case-insensitive).
    #[must_use]
    pub fn is_match(&self, action: &Action) -> bool {
        self.is_any()
            || (self.service_bytes() == action.service().as_bytes()
                && self.name.is_match(action.name()))
    }

    /// Whether the pattern covers the action written `text` (case-insensitive), without
    /// parsing it into an [`Action`]. Text that is not `service:name` matches only `*`.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::ActionPattern;
    ///
    /// assert!(ActionPattern::parse("s3:Get*Acl")?.is_match_str("S3:GetObjectACL"));
    /// # Ok::<(), iam_policy::ActionError>(())
    /// ```
    #[must_use]
    pub fn is_match_str(&self, text: &str) -> bool {
        if self.is_any() {
            return true;
        }
        text.split_once(':').is_some_and(|(s, n)| {
            s.as_bytes().eq_ignore_ascii_case(self.service_bytes())
                && self.name.is_match_ignore_case(n)
        })
    }

    /// The pattern as written in the policy.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.name.buffer().get(..self.raw_len).unwrap_or_default()
    }

    /// Whether the pattern is `*` (every action of every service).
    #[must_use]
    pub fn is_any(&self) -> bool {
        self.service_end == self.lower_start
    }

    /// The service prefix, lower-cased; `None` for `*`.
    #[must_use]
    pub fn service(&self) -> Option<&str> {
        (!self.is_any()).then(|| self.service_lower())
    }

    /// The action-name pattern, lower-cased; `None` for `*`.
    #[must_use]
    pub fn name(&self) -> Option<&Wildcard> {
        (!self.is_any()).then_some(&self.name)
    }
}

impl std::str::FromStr for ActionPattern {
    type Err = ActionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::{Action, ActionError, ActionPattern};

    /// `matches!(name, pattern, action)`.
    macro_rules! matches {
        ($name:ident, $pat:expr, $action:expr) => {
            #[test]
            fn $name() {
                let p = ActionPattern::parse($pat).unwrap();
                assert!(
                    p.is_match(&Action::parse($action).unwrap()),
                    "{} / {}",
                    $pat,
                    $action
                );
                assert!(p.is_match_str($action), "str: {} / {}", $pat, $action);
            }
        };
    }

    /// `nmatches!(name, pattern, action)`.
    macro_rules! nmatches {
        ($name:ident, $pat:expr, $action:expr) => {
            #[test]
            fn $name() {
                let p = ActionPattern::parse($pat).unwrap();
                assert!(
                    !p.is_match(&Action::parse($action).unwrap()),
                    "{} / {}",
                    $pat,
                    $action
                );
                assert!(!p.is_match_str($action), "str: {} / {}", $pat, $action);
            }
        };
    }

    /// `perr!(name, pattern, error pattern)`: the policy side rejects it.
    macro_rules! perr {
        ($name:ident, $pat:expr, $err:pat) => {
            #[test]
            fn $name() {
                let got = ActionPattern::parse($pat);
                assert!(std::matches!(got, Err($err)), "{:?} gave {:?}", $pat, got);
            }
        };
    }

    /// `aerr!(name, action, error pattern)`: the request side rejects it.
    macro_rules! aerr {
        ($name:ident, $action:expr, $err:pat) => {
            #[test]
            fn $name() {
                let got = Action::parse($action);
                assert!(
                    std::matches!(got, Err($err)),
                    "{:?} gave {:?}",
                    $action,
                    got
                );
            }
        };
    }

    matches!(any, "*", "secretsmanager:GetSecretValue");
    matches!(
        exact,
        "secretsmanager:GetSecretValue",
        "secretsmanager:GetSecretValue"
    );
    matches!(case_both, "IAM:listaccesskeys", "iam:ListAccessKeys");
    matches!(case_service, "iam:ListUsers", "IAM:LISTUSERS");
    matches!(
        service_star,
        "secretsmanager:*",
        "secretsmanager:ListSecrets"
    );
    matches!(
        prefix,
        "secretsmanager:Get*",
        "secretsmanager:GetRandomPassword"
    );
    matches!(suffix, "s3:*Acl", "s3:PutObjectAcl");
    matches!(mid, "s3:Get*Acl", "s3:GetObjectAcl");
    matches!(contains, "s3:*Object*", "s3:GetObjectTagging");
    matches!(one, "s3:GetObjec?", "s3:GetObject");
    matches!(ones, "iam:???User", "iam:GetUser");
    matches!(
        dash_service,
        "s3-object-lambda:Get*",
        "s3-object-lambda:GetObject"
    );
    matches!(digits, "ec2:Describe*", "EC2:DescribeInstances");

    nmatches!(other_service, "secretsmanager:*", "s3:GetObject");
    nmatches!(
        service_prefix_only,
        "secrets:*",
        "secretsmanager:GetSecretValue"
    );
    nmatches!(service_longer, "secretsmanager:*", "secrets:GetSecretValue");
    nmatches!(
        name_differs,
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue"
    );
    nmatches!(
        prefix_no,
        "secretsmanager:Get*",
        "secretsmanager:ListSecrets"
    );
    nmatches!(one_short, "iam:???User", "iam:User");
    nmatches!(exact_longer, "s3:GetObject", "s3:GetObjectAcl");

    perr!(err_empty, "", ActionError::Malformed(_));
    perr!(err_no_colon, "secretsmanager", ActionError::Malformed(_));
    perr!(
        err_empty_service,
        ":GetSecretValue",
        ActionError::Malformed(_)
    );
    perr!(err_empty_name, "s3:", ActionError::Malformed(_));
    perr!(err_two_colons, "s3:Get:Object", ActionError::Malformed(_));
    perr!(err_star_star, "**", ActionError::Malformed(_));
    perr!(err_star_service, "*:*", ActionError::WildcardInService(_));
    perr!(
        err_wild_service,
        "secrets*:Get*",
        ActionError::WildcardInService(_)
    );
    perr!(
        err_q_service,
        "s?:GetObject",
        ActionError::WildcardInService(_)
    );
    perr!(
        err_space,
        "s3:Get Object",
        ActionError::InvalidCharacter { ch: ' ', .. }
    );
    perr!(
        err_service_char,
        "s_3:GetObject",
        ActionError::InvalidCharacter { ch: '_', .. }
    );
    perr!(
        err_unicode,
        "s3:Gét",
        ActionError::InvalidCharacter { ch: 'é', .. }
    );

    aerr!(aerr_star, "*", ActionError::Malformed(_));
    aerr!(aerr_wild, "s3:Get*", ActionError::WildcardInRequest(_));
    aerr!(
        aerr_wild_service,
        "s*:GetObject",
        ActionError::WildcardInRequest(_)
    );
    aerr!(aerr_no_colon, "GetObject", ActionError::Malformed(_));
    aerr!(
        aerr_space,
        " s3:GetObject",
        ActionError::InvalidCharacter { ch: ' ', .. }
    );

    #[test]
    fn accessors() {
        let a = Action::parse("SecretsManager:GetSecretValue").unwrap();
        assert_eq!(a.as_str(), "SecretsManager:GetSecretValue");
        assert_eq!(a.as_lower(), "secretsmanager:getsecretvalue");
        assert_eq!(a.service(), "secretsmanager");
        assert_eq!(a.name(), "getsecretvalue");
        assert_eq!(
            "s3:GetObject".parse::<Action>().unwrap().name(),
            "getobject"
        );

        let p = ActionPattern::parse("SecretsManager:Get*").unwrap();
        assert_eq!(p.as_str(), "SecretsManager:Get*");
        assert_eq!(p.service(), Some("secretsmanager"));
        assert_eq!(p.name().unwrap().as_str(), "get*");
        assert!(!p.is_any());
        let any: ActionPattern = "*".parse().unwrap();
        assert!(any.is_any());
        assert_eq!(any.service(), None);
        assert!(any.name().is_none());
        assert!(any.is_match_str("not even an action"));
        assert!(!p.is_match_str("secretsmanager"));
    }

    #[test]
    fn class_table_agrees_with_the_character_rules() {
        for b in 0..=u8::MAX {
            let c = char::from(b);
            assert_eq!(
                super::class(b) & super::SERVICE != 0,
                super::is_service_char(c),
                "{b}"
            );
            assert_eq!(
                super::class(b) & super::NAME != 0,
                super::is_name_char(c),
                "{b}"
            );
            assert_eq!(
                super::class(b) & super::WILD != 0,
                std::matches!(c, '*' | '?')
            );
        }
    }

    #[test]
    fn messages() {
        assert_eq!(
            ActionPattern::parse("secrets*:Get*")
                .unwrap_err()
                .to_string(),
            "action `secrets*:Get*` has a wildcard in its service prefix"
        );
        assert_eq!(
            Action::parse("s3").unwrap_err().to_string(),
            "action `s3` is not of the form `service:action`"
        );
        assert_eq!(
            ActionPattern::parse("s3:a b").unwrap_err().to_string(),
            "action `s3:a b` contains the invalid character ` `"
        );
    }
}
