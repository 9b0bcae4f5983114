//! The three-valued outcome of a condition test: [`Truth`], and why a test is unknown:
//! [`UnknownReason`].

use std::fmt;

/// The outcome of a condition test: conditions are three-valued (D-05).
///
/// # Examples
///
/// ```
/// use iam_policy::{Truth, UnknownReason};
/// let unknown = Truth::Unknown(UnknownReason::NotANumber);
/// assert_eq!(!Truth::True, Truth::False);
/// assert_eq!(!unknown, unknown);
/// assert_eq!(Truth::False.and(unknown), Truth::False);
/// assert_eq!(Truth::True.or(unknown), Truth::True);
/// assert_eq!(Truth::True.and(unknown), unknown);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Truth {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// The condition could not be decided, for the reason given. An `Allow` statement does
    /// not apply; a `Deny` statement does (fail closed).
    Unknown(UnknownReason),
}

impl Truth {
    /// `True` or `False`.
    #[must_use]
    pub const fn from_bool(value: bool) -> Self {
        if value { Self::True } else { Self::False }
    }

    /// Whether this is [`Truth::True`].
    #[must_use]
    pub const fn is_true(self) -> bool {
        matches!(self, Self::True)
    }

    /// Whether this is [`Truth::False`].
    #[must_use]
    pub const fn is_false(self) -> bool {
        matches!(self, Self::False)
    }

    /// Kleene conjunction: `False` if either is `False`, else `Unknown` if either is
    /// `Unknown` (keeping the first reason), else `True`.
    #[must_use]
    pub const fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::False, _) | (_, Self::False) => Self::False,
            (Self::Unknown(reason), _) | (_, Self::Unknown(reason)) => Self::Unknown(reason),
            (Self::True, Self::True) => Self::True,
        }
    }

    /// Kleene disjunction: `True` if either is `True`, else `Unknown` if either is `Unknown`
    /// (keeping the first reason), else `False`.
    #[must_use]
    pub const fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, _) | (_, Self::True) => Self::True,
            (Self::Unknown(reason), _) | (_, Self::Unknown(reason)) => Self::Unknown(reason),
            (Self::False, Self::False) => Self::False,
        }
    }
}

impl std::ops::Not for Truth {
    type Output = Self;

    /// Kleene negation: `Unknown` stays `Unknown`.
    fn not(self) -> Self {
        match self {
            Self::True => Self::False,
            Self::False => Self::True,
            Self::Unknown(reason) => Self::Unknown(reason),
        }
    }
}

impl fmt::Display for Truth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::True => f.write_str("true"),
            Self::False => f.write_str("false"),
            Self::Unknown(reason) => write!(f, "unknown ({reason})"),
        }
    }
}

/// Why a condition test is [`Truth::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnknownReason {
    /// A Numeric operator's request value is not a number.
    NotANumber,
    /// A Date operator's request value is not a W3C ISO 8601 date or epoch seconds.
    NotADate,
    /// A `Bool` request value cannot be read as text (every text reads as a boolean: `true` in
    /// any case is true, anything else false, D-16).
    NotABool,
    /// An `IpAddress`/`NotIpAddress` request value is not an IP address.
    NotAnIpAddress,
    /// An `Arn*` request value is not an ARN (fewer than six colon-separated components).
    NotAnArn,
    /// A `BinaryEquals` request value is not base64 text.
    NotBase64,
    /// A policy value does not have the operator's type: a value IAM stores but that does
    /// not parse for the operator ([`TypedValue::Unparsed`](crate::policy::TypedValue::Unparsed)),
    /// or a policy model built by hand.
    PolicyValueType,
    /// The test reads `aws:CurrentTime` or `aws:EpochTime`, which AWS always includes in a
    /// request, and the request does not give it: the library reads no clock (D-23).
    TimeNotGiven,
}

impl UnknownReason {
    /// A stable kebab-case code for JSON output and tests (`request-value-not-a-number`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::NotANumber => "request-value-not-a-number",
            Self::NotADate => "request-value-not-a-date",
            Self::NotABool => "request-value-not-a-bool",
            Self::NotAnIpAddress => "request-value-not-an-ip-address",
            Self::NotAnArn => "request-value-not-an-arn",
            Self::NotBase64 => "request-value-not-base64",
            Self::PolicyValueType => "policy-value-type-mismatch",
            Self::TimeNotGiven => "request-time-not-given",
        }
    }
}

impl fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotANumber => "the request value is not a number",
            Self::NotADate => "the request value is not a date",
            Self::NotABool => "the request value cannot be read as a boolean",
            Self::NotAnIpAddress => "the request value is not an IP address",
            Self::NotAnArn => "the request value is not an ARN",
            Self::NotBase64 => "the request value is not base64",
            Self::PolicyValueType => "a policy value does not fit the operator",
            Self::TimeNotGiven => {
                "the request does not give the time (aws:CurrentTime, aws:EpochTime)"
            }
        })
    }
}
