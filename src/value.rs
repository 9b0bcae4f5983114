//! Typed condition values: exact decimals, instants, booleans, IP networks, binary.
//!
//! Owns the parsing and ordering of the values that the Numeric, Date, Bool, IpAddress and
//! BinaryEquals operators compare, on both the policy side and the request side. Dates use
//! `jiff`, CIDR blocks `ipnet`, binary `base64`. Nothing here knows about operators or
//! policies; the operator semantics live in the engine's condition evaluator ([`crate::unstable::evaluate_entry`]).
//!
//! Every parser is strict (no surrounding whitespace, no alternative spellings beyond the
//! ones documented on each function), total (`None`, never a panic) and linear in the length
//! of its input. Values are small `Copy` types wherever possible so that comparing a request
//! value with a policy value never allocates.
//!
//! AWS reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>

use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use ipnet::IpNet;

/// The most significant digits a [`Decimal`] holds (every 38-digit integer fits in a `u128`).
pub const DECIMAL_MAX_DIGITS: u32 = 38;

/// The largest decimal exponent a [`Decimal`] accepts, in absolute value (after
/// normalization). Far beyond any number a policy needs, small enough that exponent
/// arithmetic never overflows.
const DECIMAL_MAX_EXPONENT: i64 = 1 << 40;

/// An exact decimal number, compared without floating-point rounding.
///
/// Holds up to [`DECIMAL_MAX_DIGITS`] significant digits and a decimal exponent, normalized
/// so that equal numbers have equal representations: `7`, `7.0`, `07`, `0.7e1` and `70e-1`
/// are the same value (and hash alike), and `-0` is `0`. The order is the numeric order.
/// `Decimal` is `Copy`: comparing two values never allocates.
///
/// # Examples
///
/// ```
/// use iam_policy::policy::Decimal;
/// let seven = Decimal::parse("7").unwrap();
/// assert_eq!(Decimal::parse("7.0"), Some(seven));
/// assert_eq!(Decimal::parse("07"), Some(seven));
/// assert!(Decimal::parse("-1.5").unwrap() < Decimal::parse("-1.25").unwrap());
/// assert!(Decimal::parse("0.1").unwrap() < Decimal::parse("1e-0").unwrap());
/// assert_eq!(Decimal::parse("seven"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// Whether the value is below zero (never set for zero).
    negative: bool,
    /// The significant digits; no trailing zero digit, at most [`DECIMAL_MAX_DIGITS`]
    /// digits; `0` only for zero.
    mantissa: u128,
    /// The value is `mantissa * 10^exponent`; `0` for zero.
    exponent: i64,
}

impl Decimal {
    /// The number zero.
    pub const ZERO: Self = Self {
        negative: false,
        mantissa: 0,
        exponent: 0,
    };

    /// Parses an integer or decimal such as `-12`, `7.50`. `None` when it is not a number.
    ///
    /// AWS documents only that the Numeric operators compare "an integer or decimal value";
    /// this accepts the spellings of one that every common decimal reader (JSON, Java's
    /// `BigDecimal`, IEEE 754 text parsers) accepts alike, and refuses the rest (D-22):
    ///
    /// * accepted: an optional sign (`-` or `+`), ASCII digits (leading zeros allowed) with
    ///   an optional fraction, where one side of the `.` may be empty (`.5`, `5.`), and an
    ///   optional exponent (`e` or `E`, an optional sign, one or more digits): `+11`, `.5`,
    ///   `5.`, `1e3`, `-2.5E-1`;
    /// * refused (`None`, so a test reading it is unknown and fails closed): surrounding
    ///   whitespace, a lone `.` or sign, `NaN`, `Infinity`, hexadecimal, digit separators,
    ///   and numbers with more than [`DECIMAL_MAX_DIGITS`] significant digits (leading and
    ///   trailing zeros do not count) or an absurd exponent, which cannot be held exactly.
    ///
    /// This is the one reader of signs and digits for numbers: epoch seconds
    /// ([`Instant::parse_epoch`]) are read through it.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::policy::Decimal;
    /// assert_eq!(Decimal::parse("1e3"), Decimal::parse("1000"));
    /// assert_eq!(Decimal::parse("-0"), Decimal::parse("0"));
    /// assert_eq!(Decimal::parse("+11"), Decimal::parse("11"));
    /// assert_eq!(Decimal::parse(".5"), Decimal::parse("0.5"));
    /// assert_eq!(Decimal::parse("5."), Decimal::parse("5"));
    /// assert_eq!(Decimal::parse("."), None);
    /// assert_eq!(Decimal::parse(" 1"), None);
    /// ```
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let Numeral {
            negative,
            int_digits,
            frac_digits,
            exponent: explicit_exponent,
        } = Numeral::split(text.as_bytes())?;
        let frac_len = i64::try_from(frac_digits.len()).ok()?;

        // Most numbers have at most 19 digits, which a u64 holds as written: read them in one
        // pass and drop the trailing zeros (the same value the general loop below builds).
        if int_digits.len().saturating_add(frac_digits.len()) <= 19 {
            let mut value: u64 = 0;
            for &digit in int_digits.iter().chain(frac_digits) {
                // INVARIANT: at most 19 digits, so below 10^19 < u64::MAX: nothing wraps.
                value = value
                    .wrapping_mul(10)
                    .wrapping_add(u64::from(digit.wrapping_sub(b'0')));
            }
            if value == 0 {
                return Some(Self::ZERO);
            }
            let mut trailing: i64 = 0;
            while value.is_multiple_of(10) {
                value /= 10;
                trailing += 1;
            }
            let exponent = trailing
                .checked_sub(frac_len)?
                .checked_add(explicit_exponent)?;
            return Self::normalized(negative, u128::from(value), exponent);
        }

        let mut mantissa: u128 = 0;
        let mut significant: u32 = 0;
        // Zeros seen after the last non-zero digit (and after the first non-zero digit).
        let mut pending_zeros: u64 = 0;
        for &digit in int_digits.iter().chain(frac_digits) {
            let value = digit.wrapping_sub(b'0');
            if value == 0 {
                if mantissa != 0 {
                    pending_zeros = pending_zeros.saturating_add(1);
                }
                continue;
            }
            let grow = u32::try_from(pending_zeros).ok()?.checked_add(1)?;
            significant = significant.checked_add(grow)?;
            if significant > DECIMAL_MAX_DIGITS {
                return None;
            }
            // INVARIANT: the result has `significant` <= 38 digits, so it is below
            // 10^38 < u128::MAX: neither operation wraps.
            mantissa = mantissa
                .wrapping_mul(pow10(grow)?)
                .wrapping_add(u128::from(value));
            pending_zeros = 0;
        }
        if mantissa == 0 {
            return Some(Self::ZERO);
        }
        let exponent = i64::try_from(pending_zeros)
            .ok()?
            .checked_sub(frac_len)?
            .checked_add(explicit_exponent)?;
        Self::normalized(negative, mantissa, exponent)
    }

    /// The decimal of a non-zero mantissa without trailing zero digits, `None` when the
    /// exponent is absurd (beyond [`DECIMAL_MAX_EXPONENT`]).
    fn normalized(negative: bool, mantissa: u128, exponent: i64) -> Option<Self> {
        (exponent.unsigned_abs() <= DECIMAL_MAX_EXPONENT.unsigned_abs()).then_some(Self {
            negative,
            mantissa,
            exponent,
        })
    }

    /// Whether the value is below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.negative
    }

    /// Whether the value is zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// Compares the absolute values of two non-zero decimals.
    fn cmp_magnitude(self, other: Self) -> Ordering {
        let (a_digits, b_digits) = (digit_count(self.mantissa), digit_count(other.mantissa));
        // Position of the leading digit; bounded by the exponent limit, so no overflow.
        let a_lead = self.exponent.saturating_add(i64::from(a_digits));
        let b_lead = other.exponent.saturating_add(i64::from(b_digits));
        if a_lead != b_lead {
            return a_lead.cmp(&b_lead);
        }
        // Same leading position: align the shorter mantissa to the longer one's digit count.
        // INVARIANT: both have at most 38 digits, so the scaled value stays below 10^38.
        let (a, b) = match a_digits.cmp(&b_digits) {
            Ordering::Less => (
                scale(self.mantissa, b_digits - a_digits),
                Some(other.mantissa),
            ),
            Ordering::Greater => (
                Some(self.mantissa),
                scale(other.mantissa, a_digits - b_digits),
            ),
            Ordering::Equal => (Some(self.mantissa), Some(other.mantissa)),
        };
        a.cmp(&b)
    }
}

/// A decimal numeral cut into its parts: the one reader of signs, digits, fraction and
/// exponent for [`Decimal::parse`] (and through it [`Instant::parse_epoch`]).
struct Numeral<'a> {
    /// A leading `-`.
    negative: bool,
    /// The digits before the `.` (may be empty when the fraction is not).
    int_digits: &'a [u8],
    /// The digits after the `.` (may be empty).
    frac_digits: &'a [u8],
    /// The explicit exponent after `e` / `E`, 0 without one.
    exponent: i64,
}

impl<'a> Numeral<'a> {
    /// Cuts `[+-]digits[.digits][(e|E)[+-]digits]` (either side of the `.` may be empty,
    /// not both) into its parts; `None` for anything else.
    fn split(bytes: &'a [u8]) -> Option<Self> {
        let (negative, rest) = split_sign(bytes);
        let (int_digits, rest) = split_digits(rest);
        let (frac_digits, rest) = match rest.split_first() {
            Some((b'.', after)) => split_digits(after),
            _ => (&[][..], rest),
        };
        if int_digits.is_empty() && frac_digits.is_empty() {
            return None;
        }
        let exponent = match rest.split_first() {
            None => 0,
            Some((b'e' | b'E', after)) => parse_exponent(after)?,
            Some(_) => return None,
        };
        Some(Self {
            negative,
            int_digits,
            frac_digits,
            exponent,
        })
    }
}

/// `mantissa * 10^by`, `None` on overflow (impossible for normalized mantissas).
fn scale(mantissa: u128, by: u32) -> Option<u128> {
    mantissa.checked_mul(pow10(by)?)
}

/// `10^n` for `n` up to 38 (the powers a [`Decimal`] mantissa can hold), from a table.
fn pow10(n: u32) -> Option<u128> {
    /// `10^0 ..= 10^38`.
    const POWERS: [u128; 39] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
        10_000_000_000,
        100_000_000_000,
        1_000_000_000_000,
        10_000_000_000_000,
        100_000_000_000_000,
        1_000_000_000_000_000,
        10_000_000_000_000_000,
        100_000_000_000_000_000,
        1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
        100_000_000_000_000_000_000,
        1_000_000_000_000_000_000_000,
        10_000_000_000_000_000_000_000,
        100_000_000_000_000_000_000_000,
        1_000_000_000_000_000_000_000_000,
        10_000_000_000_000_000_000_000_000,
        100_000_000_000_000_000_000_000_000,
        1_000_000_000_000_000_000_000_000_000,
        10_000_000_000_000_000_000_000_000_000,
        100_000_000_000_000_000_000_000_000_000,
        1_000_000_000_000_000_000_000_000_000_000,
        10_000_000_000_000_000_000_000_000_000_000,
        100_000_000_000_000_000_000_000_000_000_000,
        1_000_000_000_000_000_000_000_000_000_000_000,
        10_000_000_000_000_000_000_000_000_000_000_000,
        100_000_000_000_000_000_000_000_000_000_000_000,
        1_000_000_000_000_000_000_000_000_000_000_000_000,
        10_000_000_000_000_000_000_000_000_000_000_000_000,
        100_000_000_000_000_000_000_000_000_000_000_000_000,
    ];
    POWERS.get(usize::try_from(n).ok()?).copied()
}

/// Number of decimal digits of `n` (1 for 0).
fn digit_count(n: u128) -> u32 {
    n.checked_ilog10().map_or(1, |log| log.saturating_add(1))
}

/// Splits the leading ASCII digits off `bytes`.
fn split_digits(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    bytes.split_at_checked(end).unwrap_or((bytes, &[]))
}

/// Splits an optional leading `-` or `+` off `bytes`: whether it was `-`, and the rest.
fn split_sign(bytes: &[u8]) -> (bool, &[u8]) {
    match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    }
}

/// Parses the exponent of a number after its `e`: optional sign, one or more digits.
fn parse_exponent(bytes: &[u8]) -> Option<i64> {
    let (negative, rest) = split_sign(bytes);
    let (digits, rest) = split_digits(rest);
    if digits.is_empty() || !rest.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &digit in digits {
        value = value
            .checked_mul(10)?
            .checked_add(i64::from(digit.wrapping_sub(b'0')))?;
        if value > DECIMAL_MAX_EXPONENT {
            return None;
        }
    }
    Some(if negative { -value } else { value })
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => {
                return if other.negative {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            (false, true) => {
                return if self.negative {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            (false, false) => {}
        }
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(*other),
            (true, true) => other.cmp_magnitude(*self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    /// Plain decimal notation (`-12.5`, `1000`, `0.001`); numbers with a huge or tiny
    /// exponent print as `<digits>e<exponent>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Beyond this many padding zeros, print scientific notation.
        const MAX_PAD: i64 = 40;
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let digits = i64::from(digit_count(self.mantissa));
        if (0..=MAX_PAD).contains(&self.exponent) {
            write!(f, "{}", self.mantissa)?;
            for _ in 0..self.exponent {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let frac = self.exponent.saturating_neg();
        if self.exponent < 0 && frac < digits {
            let divisor = 10u128.checked_pow(u32::try_from(frac).map_err(|_| fmt::Error)?);
            let divisor = divisor.ok_or(fmt::Error)?;
            let int = self.mantissa / divisor;
            let rest = self.mantissa % divisor;
            return write!(
                f,
                "{int}.{rest:0>width$}",
                width = usize::try_from(frac).map_err(|_| fmt::Error)?
            );
        }
        if self.exponent < 0 && frac.saturating_sub(digits) <= MAX_PAD {
            f.write_str("0.")?;
            for _ in 0..frac.saturating_sub(digits) {
                f.write_str("0")?;
            }
            return write!(f, "{}", self.mantissa);
        }
        write!(f, "{}e{}", self.mantissa, self.exponent)
    }
}

/// The fraction-of-a-second digits an [`Instant`] holds (nanoseconds); further digits must
/// be zeros.
const MAX_FRACTION_DIGITS: usize = 9;

/// A point in time with nanosecond precision, ordered chronologically.
///
/// # Examples
///
/// ```
/// use iam_policy::policy::Instant;
/// let plus_two = Instant::parse("2026-11-25T13:00:00+02:00").unwrap();
/// let utc = Instant::parse("2026-11-25T12:00:00Z").unwrap();
/// assert!(plus_two < utc); // 11:00Z is before 12:00Z
/// assert_eq!(Instant::parse("1970-01-01T00:00:10Z"), Instant::parse("10"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instant {
    /// Seconds since the Unix epoch (floor for instants before it).
    secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    nanos: u32,
}

impl Instant {
    /// The Unix epoch, `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: Self = Self { secs: 0, nanos: 0 };

    /// Parses the W3C profile of ISO 8601 (`YYYY-MM`, `YYYY-MM-DD`,
    /// `YYYY-MM-DDThh:mm[:ss[.s+]]TZD`) or epoch seconds. `None` when it is neither, and for
    /// a bare four-digit value, which could be either (D-07).
    ///
    /// AWS: "You must specify date/time values with one of the W3C implementations of the
    /// ISO 8601 date formats or in epoch (UNIX) time". The W3C forms
    /// (<https://www.w3.org/TR/NOTE-datetime>):
    ///
    /// * `YYYY-MM`, `YYYY-MM-DD`: the first instant of that month or day in UTC;
    /// * `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD`, `YYYY-MM-DDThh:mm:ss.sTZD`, where
    ///   the time zone designator `TZD` is `Z` or `+hh:mm` / `-hh:mm` and is applied:
    ///   `13:00:00+02:00` is `11:00:00Z`. The fraction has one or more digits; digits past
    ///   the ninth (nanoseconds) must be zeros, as a finer instant cannot be held exactly.
    ///
    /// The letters `T` and `Z` are upper case; the time zone is required with a time (the
    /// W3C profile has no local times); impossible dates and times (`2026-02-30`, `24:00`,
    /// leap second `60`) are rejected; years run from `0000` to `9999`.
    ///
    /// Anything else is read as epoch seconds ([`Instant::parse_epoch`]).
    ///
    /// **A bare four-digit value such as `"2024"` is refused**: it is both the W3C form
    /// `YYYY` (the first instant of 2024) and 2024 epoch seconds (1970-01-01T00:33:44Z), the
    /// two forms AWS names, 54 years apart, and nothing documents which one IAM reads. A
    /// test reading it is unknown and fails closed (D-05, D-14); write `2024-01-01` for the
    /// year. A JSON *number* is always epoch seconds; use [`Instant::parse_epoch`] for those.
    ///
    /// AWS reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::policy::Instant;
    /// assert_eq!(Instant::parse("2024"), None); // a year or 2024 seconds?
    /// assert_eq!(Instant::parse("2024-03"), Instant::parse("2024-03-01"));
    /// assert_eq!(Instant::parse("1700000000"), Instant::parse("2023-11-14T22:13:20Z"));
    /// assert_eq!(Instant::parse("2026-02-30"), None);
    /// assert_eq!(Instant::parse("2026-01-01T00:00:00"), None); // no time zone
    /// ```
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match DateForm::of(text) {
            DateForm::W3c => parse_w3c(text.as_bytes()),
            DateForm::Epoch => Self::parse_epoch(text),
            DateForm::Ambiguous => None,
        }
    }

    /// Parses epoch seconds: a number as [`Decimal::parse`] reads one (`1700000000`,
    /// `+1700000000`, `1700000000.25`, `-1.5`, `1.7e9`). `None` when the text is not a
    /// number, when it lies outside the years -9999..=9999, or when it has a non-zero digit
    /// finer than a nanosecond (which cannot be held exactly).
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::policy::Instant;
    /// let t = Instant::parse_epoch("-1.5").unwrap();
    /// assert_eq!((t.seconds(), t.subsec_nanos()), (-2, 500_000_000));
    /// assert_eq!(Instant::parse_epoch("2024").map(Instant::seconds), Some(2024));
    /// assert_eq!(Instant::parse_epoch("1e9").map(Instant::seconds), Some(1_000_000_000));
    /// assert_eq!(Instant::parse_epoch("0.0000000001"), None);
    /// ```
    #[must_use]
    pub fn parse_epoch(text: &str) -> Option<Self> {
        Self::from_epoch_seconds(Decimal::parse(text)?)
    }

    /// The instant `seconds` after the epoch, if it is a whole number of nanoseconds and lies
    /// within the years -9999..=9999.
    fn from_epoch_seconds(seconds: Decimal) -> Option<Self> {
        /// Nanoseconds per second.
        const NANOS: u32 = 1_000_000_000;
        let Decimal {
            negative,
            mantissa,
            exponent,
        } = seconds;
        let (whole, nanos) = if exponent >= 0 {
            (
                mantissa.checked_mul(pow10(u32::try_from(exponent).ok()?)?)?,
                0,
            )
        } else {
            // A normalized mantissa has no trailing zero: a value with more than nine
            // fraction digits has a non-zero digit finer than a nanosecond.
            let places = u32::try_from(exponent.unsigned_abs()).ok()?;
            let nanos_scale = u32::try_from(pow10(9u32.checked_sub(places)?)?).ok()?;
            let divisor = pow10(places)?;
            // A 128-bit division is a library call: divide in 64 bits when the value fits.
            let (whole, fraction) = match (u64::try_from(mantissa), u64::try_from(divisor)) {
                (Ok(m), Ok(d)) if d != 0 => (u128::from(m / d), m % d),
                _ => (
                    mantissa.checked_div(divisor)?,
                    u64::try_from(mantissa.checked_rem(divisor)?).ok()?,
                ),
            };
            (
                whole,
                u32::try_from(fraction).ok()?.checked_mul(nanos_scale)?,
            )
        };
        let secs = i64::try_from(whole).ok()?;
        let (secs, nanos) = match (negative, nanos) {
            (false, _) => (secs, nanos),
            (true, 0) => (secs.checked_neg()?, 0),
            // Floor: -1.25 is 1.25 s before the epoch, second -2 plus 0.75 s.
            (true, _) => (
                secs.checked_neg()?.checked_sub(1)?,
                NANOS.checked_sub(nanos)?,
            ),
        };
        Self::from_parts(secs, nanos)
    }

    /// An instant from floored seconds and nanoseconds, if it lies between the first instant
    /// of the year -9999 and the last of the year 9999 (UTC).
    fn from_parts(secs: i64, nanos: u32) -> Option<Self> {
        ((FIRST_SECOND..=LAST_SECOND).contains(&secs) && nanos < 1_000_000_000)
            .then_some(Self { secs, nanos })
    }

    /// An instant from a signed duration since the epoch (both parts with one sign).
    fn from_duration(duration: jiff::SignedDuration) -> Self {
        let secs = duration.as_secs();
        match u32::try_from(duration.subsec_nanos()) {
            Ok(nanos) => Self { secs, nanos },
            // Negative fraction: borrow one second.
            Err(_) => Self {
                secs: secs.saturating_sub(1),
                nanos: 1_000_000_000u32.saturating_sub(duration.subsec_nanos().unsigned_abs()),
            },
        }
    }

    /// The instant of a jiff timestamp.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::policy::Instant;
    /// let ts = jiff::Timestamp::new(-5, -250_000_000)?;
    /// let t = Instant::from_timestamp(ts);
    /// assert_eq!((t.seconds(), t.subsec_nanos()), (-6, 750_000_000));
    /// # Ok::<(), jiff::Error>(())
    /// ```
    #[must_use]
    pub fn from_timestamp(ts: jiff::Timestamp) -> Self {
        Self::from_duration(ts.as_duration())
    }

    /// The instant as a jiff timestamp; `None` for the few instants at the ends of the years
    /// -9999 and 9999 that jiff's `Timestamp` cannot hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::policy::Instant;
    /// let t = Instant::parse("2026-11-25T13:00:00+02:00").unwrap();
    /// assert_eq!(t.to_timestamp().map(|ts| ts.to_string()), Some("2026-11-25T11:00:00Z".to_owned()));
    /// assert_eq!(Instant::parse("9999-12-31T23:59Z").and_then(Instant::to_timestamp), None);
    /// ```
    #[must_use]
    pub fn to_timestamp(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::new(self.secs, i32::try_from(self.nanos).ok()?).ok()
    }

    /// The instant as a UTC civil date and time.
    fn to_utc_datetime(self) -> Option<jiff::civil::DateTime> {
        let since = jiff::SignedDuration::new(self.secs, i32::try_from(self.nanos).ok()?);
        UNIX_EPOCH_DATETIME.checked_add(since).ok()
    }

    /// Seconds since the Unix epoch, rounded towards minus infinity.
    #[must_use]
    pub const fn seconds(self) -> i64 {
        self.secs
    }

    /// Nanoseconds after [`Instant::seconds`], `0..1_000_000_000`.
    #[must_use]
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }
}

/// Epoch seconds of `-9999-01-01T00:00:00Z`, the first instant an [`Instant`] holds (jiff's
/// `DateTime::MIN`; a test checks the two agree).
const FIRST_SECOND: i64 = -377_705_116_800;

/// Epoch seconds of `9999-12-31T23:59:59Z`, the last whole second an [`Instant`] holds
/// (jiff's `DateTime::MAX`; a test checks the two agree).
const LAST_SECOND: i64 = 253_402_300_799;

/// `1970-01-01T00:00:00` as a civil date and time.
const UNIX_EPOCH_DATETIME: jiff::civil::DateTime =
    jiff::civil::DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// Whole seconds from the epoch to a UTC civil date and time (floored).
#[cfg(test)]
fn utc_seconds(datetime: jiff::civil::DateTime) -> i64 {
    Instant::from_duration(datetime.duration_since(UNIX_EPOCH_DATETIME)).secs
}

impl fmt::Display for Instant {
    /// RFC 3339 in UTC, such as `2026-11-25T11:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_utc_datetime() {
            Some(datetime) => write!(f, "{datetime}Z"),
            // Past the end of 9999 after applying an offset: epoch seconds instead.
            None => write!(f, "{}.{:09}", self.secs, self.nanos),
        }
    }
}

/// Which of the forms AWS names a Date value's text is written in (the one place that tells
/// them apart: [`Instant::parse`] and lint read it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateForm {
    /// A W3C date or date-time: four digits and a `-` (`2026-01`, `2026-01-31T…`).
    W3c,
    /// Anything else: epoch seconds if it parses as a number.
    Epoch,
    /// Exactly four ASCII digits: the W3C year `YYYY` and epoch seconds alike (D-07).
    Ambiguous,
}

impl DateForm {
    /// The form of `text` (which says nothing about whether it parses in that form).
    pub(crate) fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        match bytes.get(4) {
            None if bytes.len() == 4 && bytes.iter().all(u8::is_ascii_digit) => Self::Ambiguous,
            Some(b'-') => Self::W3c,
            _ => Self::Epoch,
        }
    }
}

/// Fraction digits (one or more) as nanoseconds; digits past the ninth must be zeros.
fn parse_fraction(digits: &[u8]) -> Option<u32> {
    let (head, tail) = digits
        .split_at_checked(MAX_FRACTION_DIGITS)
        .unwrap_or((digits, &[]));
    if digits.is_empty() || tail.iter().any(|&b| b != b'0') {
        return None;
    }
    let mut nanos: u32 = 0;
    let mut scale: u32 = 1_000_000_000;
    for &digit in head {
        scale /= 10;
        nanos = nanos.checked_add(u32::from(digit.wrapping_sub(b'0')).checked_mul(scale)?)?;
    }
    Some(nanos)
}

/// Takes exactly `N` ASCII digits off the front of `bytes`.
fn take_digits<const N: usize>(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<N>()?;
    let mut value: u32 = 0;
    for &digit in head {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(digit - b'0');
    }
    Some((value, rest))
}

/// Takes the byte `expected` off the front of `bytes`.
fn take_byte(bytes: &[u8], expected: u8) -> Option<&[u8]> {
    match bytes.split_first() {
        Some((&b, rest)) if b == expected => Some(rest),
        _ => None,
    }
}

/// Parses the W3C date and date-time forms (see [`Instant::parse`]).
fn parse_w3c(bytes: &[u8]) -> Option<Instant> {
    let (year, rest) = take_digits::<4>(bytes)?;
    // The bare year `YYYY` is not read here: it is ambiguous (see `DateForm`).
    let (month, rest) = take_digits::<2>(take_byte(rest, b'-')?)?;
    let (day, rest) = match take_byte(rest, b'-') {
        None if rest.is_empty() => (1, rest),
        None => return None,
        Some(rest) => take_digits::<2>(rest)?,
    };
    let (hour, minute, second, nanos, offset_secs) = if rest.is_empty() {
        (0, 0, 0, 0, 0)
    } else {
        let rest = take_byte(rest, b'T')?;
        let (hour, rest) = take_digits::<2>(rest)?;
        let rest = take_byte(rest, b':')?;
        let (minute, rest) = take_digits::<2>(rest)?;
        let (second, nanos, rest) = match take_byte(rest, b':') {
            None => (0, 0, rest),
            Some(rest) => {
                let (second, rest) = take_digits::<2>(rest)?;
                match take_byte(rest, b'.') {
                    None => (second, 0, rest),
                    Some(rest) => {
                        let (frac, rest) = split_digits(rest);
                        if frac.is_empty() {
                            return None;
                        }
                        (second, parse_fraction(frac)?, rest)
                    }
                }
            }
        };
        (hour, minute, second, nanos, parse_tzd(rest)?)
    };
    let datetime = jiff::civil::DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    let local = Instant::from_duration(datetime.duration_since(UNIX_EPOCH_DATETIME));
    // East of UTC means earlier: 13:00+02:00 is 11:00Z.
    let secs = local.secs.checked_sub(i64::from(offset_secs))?;
    Some(Instant {
        secs,
        nanos: local.nanos,
    })
}

/// Parses a whole time zone designator (`Z`, `+hh:mm`, `-hh:mm`) into seconds east of UTC.
fn parse_tzd(bytes: &[u8]) -> Option<i32> {
    let (sign, rest) = match bytes.split_first()? {
        (b'Z', rest) => return rest.is_empty().then_some(0),
        (b'+', rest) => (1, rest),
        (b'-', rest) => (-1, rest),
        _ => return None,
    };
    let (hours, rest) = take_digits::<2>(rest)?;
    let rest = take_byte(rest, b':')?;
    let (minutes, rest) = take_digits::<2>(rest)?;
    if !rest.is_empty() || hours > 23 || minutes > 59 {
        return None;
    }
    let secs = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    Some(sign * secs)
}

/// Parses an IPv4 or IPv6 address (`203.0.113.7`, `2001:db8::1`). `None` otherwise.
///
/// IPv4 octets with leading zeros (`010.0.0.1`), zone ids (`fe80::1%eth0`), brackets and
/// surrounding whitespace are rejected. Hex digits may be in either case; `::` compression is
/// accepted. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) stays an IPv6 address.
///
/// # Examples
///
/// ```
/// use iam_policy::unstable::value::parse_ip;
/// assert_eq!(parse_ip("2001:DB8::1"), parse_ip("2001:db8:0:0:0:0:0:1"));
/// assert!(parse_ip("203.0.113.7").is_some_and(|ip| ip.is_ipv4()));
/// assert_eq!(parse_ip("300.1.2.3"), None);
/// assert_eq!(parse_ip("10.0.0.0/8"), None);
/// ```
#[must_use]
#[inline]
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    // Most addresses a prepared request reads are IPv4 (`aws:SourceIp` on every call): read in
    // one pass, which also refuses most other texts at their first byte.
    if let Some(v4) = parse_ipv4(text.as_bytes()) {
        return Some(IpAddr::V4(v4));
    }
    // Fast refusal of text that cannot be an IPv6 address (most texts read here are not): the
    // standard parser accepts only these bytes, and an IPv6 address has a colon.
    if text.len() > 45 {
        return None;
    }
    let mut colon = false;
    for b in text.bytes() {
        if b == b':' {
            colon = true;
        } else if !(b.is_ascii_hexdigit() || b == b'.') {
            return None;
        }
    }
    if !colon {
        return None;
    }
    text.parse().ok()
}

/// A dotted-quad IPv4 address as the standard parser reads one (four decimal octets of one to
/// three digits, at most 255, no leading zero), in one pass over the text.
#[inline]
fn parse_ipv4(text: &[u8]) -> Option<std::net::Ipv4Addr> {
    if text.len() < 7 || text.len() > 15 {
        return None;
    }
    // The digit at `at`, if there is one.
    let digit = |at: usize| {
        text.get(at)
            .map(|b| b.wrapping_sub(b'0'))
            .filter(|&d| d <= 9)
            .map(u32::from)
    };
    let mut octets = [0u8; 4];
    let mut at = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if text.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        // One to three digits; a fourth is refused by the `.` or the end expected next.
        let first = digit(at)?;
        let mut value = first;
        at += 1;
        if let Some(d) = digit(at) {
            if first == 0 {
                return None;
            }
            value = value * 10 + d;
            at += 1;
            if let Some(d) = digit(at) {
                value = value * 10 + d;
                at += 1;
            }
        }
        *octet = u8::try_from(value).ok()?;
    }
    (at == text.len()).then_some(std::net::Ipv4Addr::from(octets))
}

/// Parses a CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or a bare address. `None` otherwise.
/// The parser reads `IpAddress`/`NotIpAddress` policy values with this function.
///
/// A bare IPv4 address is a `/32` and a bare IPv6 address a `/128` (D-09: the AWS docs'
/// "default /32" is written for IPv4). The address is read by [`parse_ip`]; the prefix length
/// is decimal ASCII digits, at most 32 (IPv4) or 128 (IPv6), and at most two digits for IPv4
/// and three for IPv6 (`10.0.0.0/08` is accepted, `10.0.0.0/008` is not). Host bits set below
/// the prefix are kept as written but do not matter: `10.0.0.1/8` contains every address of
/// `10.0.0.0/8`.
///
/// AWS reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>
///
/// # Examples
///
/// ```
/// use iam_policy::unstable::value::{parse_cidr, parse_ip};
/// let block = parse_cidr("10.0.0.1/8").unwrap();
/// assert!(block.contains(&parse_ip("10.255.0.9").unwrap()));
/// assert_eq!(parse_cidr("203.0.113.7").map(|n| n.prefix_len()), Some(32));
/// assert_eq!(parse_cidr("2001:db8::1").map(|n| n.prefix_len()), Some(128));
/// assert_eq!(parse_cidr("2001:db8::/129"), None);
/// assert_eq!(parse_cidr("300.1.2.3/8"), None);
/// assert_eq!(parse_cidr("10.0.0.0/"), None);
/// assert_eq!(parse_cidr("10.0.0.0/008"), None);
/// ```
#[must_use]
pub fn parse_cidr(text: &str) -> Option<IpNet> {
    if text.contains('/') {
        text.parse::<IpNet>().ok()
    } else {
        parse_ip(text).map(IpNet::from)
    }
}

/// Parses a boolean: `true` or `false` without regard to case (D-16). The parser reads `Bool`
/// and `Null` policy values given as strings with this function.
/// `None` for anything else, including `1`, `yes` and the empty string.
///
/// # Examples
///
/// ```
/// use iam_policy::unstable::value::parse_bool;
/// assert_eq!(parse_bool("true"), Some(true));
/// assert_eq!(parse_bool("FALSE"), Some(false));
/// assert_eq!(parse_bool("1"), None);
/// ```
#[must_use]
pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Decodes standard base64 (RFC 4648 alphabet with `+` and `/`, `=` padding required, no
/// whitespace). `None` when the text is not canonical base64. The parser reads `BinaryEquals`
/// policy values with this function.
///
/// # Examples
///
/// ```
/// use iam_policy::unstable::value::decode_base64;
/// assert_eq!(decode_base64("QUJD"), Some(b"ABC".to_vec()));
/// assert_eq!(decode_base64("QQ=="), Some(b"A".to_vec()));
/// assert_eq!(decode_base64("QQ"), None);
/// assert_eq!(decode_base64("Q!=="), None);
/// ```
#[must_use]
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// The canonical (padded, standard alphabet) base64 text of `bytes`: the one text
/// [`decode_base64`] reads as them.
#[must_use]
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whether the base64 text `encoded` decodes to exactly `expected`, without allocating.
/// `None` when `encoded` is not valid for [`decode_base64`]; the whole text is checked even
/// when the bytes already differ.
///
/// # Examples
///
/// ```
/// use iam_policy::unstable::value::base64_equals;
/// assert_eq!(base64_equals("QUJD", b"ABC"), Some(true));
/// assert_eq!(base64_equals("QUJD", b"ABD"), Some(false));
/// assert_eq!(base64_equals("QUJ", b"ABC"), None);
/// ```
#[must_use]
pub fn base64_equals(encoded: &str, expected: &[u8]) -> Option<bool> {
    /// Input characters decoded per step; a multiple of 4, so every chunk but the last is a
    /// whole number of quads.
    const CHUNK: usize = 256;
    let mut buffer = [0u8; CHUNK / 4 * 3];
    let mut rest = encoded.as_bytes();
    let mut expected = expected;
    let mut equal = true;
    loop {
        let (chunk, tail) = rest.split_at_checked(CHUNK).unwrap_or((rest, &[]));
        // Padding is only allowed at the very end.
        if !tail.is_empty() && chunk.contains(&b'=') {
            return None;
        }
        let len = base64::engine::general_purpose::STANDARD
            .decode_slice(chunk, &mut buffer)
            .ok()?;
        let decoded = buffer.get(..len)?;
        match expected.split_at_checked(len) {
            Some((head, remaining)) => {
                equal &= head == decoded;
                expected = remaining;
            }
            None => {
                equal = false;
                expected = &[];
            }
        }
        rest = tail;
        if rest.is_empty() {
            break;
        }
    }
    Some(equal && expected.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::parse(text).unwrap_or_else(|| panic!("`{text}` should parse"))
    }

    #[test]
    fn decimal_equal_spellings() {
        let groups: &[&[&str]] = &[
            &["7", "7.0", "07", "7.000", "0.7e1", "70e-1", "7E0", "7e+0"],
            &["0", "-0", "0.0", "000", "0e5", "-0.0e-3"],
            &["-12.5", "-12.50", "-1.25e1", "-125e-1"],
            &["1000", "1e3", "1E3", "1000.0", "0.001e6"],
            &["0.001", "1e-3", "0.0010"],
            // Up to 19 digits take the u64 path, more the general one: the same values.
            &[
                "1234567890123456789",
                "1234567890123456789.0",
                "01234567890123456789",
                "12345678901234567890e-1",
            ],
            &[
                "1",
                "0000000000000000000001",
                "1.0000000000000000000",
                "1.000000000000000000",
            ],
            &["1e19", "10000000000000000000", "1000000000000000000.0e1"],
            &["-0.5", "-0.50000000000000000000", "-.5"],
        ];
        for group in groups {
            let first = dec(group[0]);
            for text in *group {
                assert_eq!(dec(text), first, "{text} == {}", group[0]);
                assert_eq!(dec(text).cmp(&first), Ordering::Equal);
            }
        }
    }

    #[test]
    fn decimal_rejects() {
        for text in [
            "",
            "-",
            "+",
            ".",
            "-.",
            "+.",
            ".e3",
            "1.2.3",
            " 1",
            "1 ",
            " +1",
            "+ 1",
            "1e",
            "1e+",
            "e3",
            "0x10",
            "NaN",
            "Infinity",
            "+Infinity",
            "1_000",
            "--1",
            "+-1",
            "-+1",
            "++1",
            "1,5",
            "١",
            "1e3.5",
            "1.5e",
            "1d",
            "1f",
            "\t1",
            "1\n",
        ] {
            assert_eq!(Decimal::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn decimal_signs_and_points() {
        // D-22: a `+` sign and a `.` with digits on one side only are ordinary spellings.
        for (text, same) in [
            ("+11", "11"),
            ("+0", "0"),
            ("-0.", "0"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("+.5", "0.5"),
            ("5.", "5"),
            ("-5.", "-5"),
            ("5.e1", "50"),
            (".5e1", "5"),
            ("+1e+3", "1000"),
            ("+1E-3", "0.001"),
        ] {
            assert_eq!(dec(text), dec(same), "{text} == {same}");
        }
        assert!(dec("+11") > dec("10.99"));
        assert!(dec(".5") < dec("+.6"));
    }

    #[test]
    fn decimal_digit_cap() {
        let max = "9".repeat(38);
        assert!(Decimal::parse(&max).is_some());
        assert_eq!(Decimal::parse(&"9".repeat(39)), None);
        // Leading and trailing zeros do not count.
        let padded = format!("{}1{}", "0".repeat(100), "0".repeat(100));
        assert_eq!(dec(&padded), dec("1e100"));
        let tiny = format!("0.{}1", "0".repeat(1_000_000));
        assert_eq!(dec(&tiny), dec("1e-1000001"));
        assert_eq!(Decimal::parse(&"1".repeat(1_000_000)), None);
        assert_eq!(Decimal::parse("1e99999999999999999999"), None);
        assert_eq!(Decimal::parse("1e1099511627777"), None);
    }

    #[test]
    fn decimal_order() {
        let ascending = [
            "-1e30",
            "-100",
            "-12.5",
            "-12.25",
            "-1",
            "-0.5",
            "-1e-30",
            "0",
            "1e-30",
            "0.1",
            "0.12",
            "0.123",
            "1",
            "1.0000001",
            "9.99",
            "10",
            "99999999999999999999999999999999999999",
            "1e38",
            "1e39",
        ];
        for pair in ascending.windows(2) {
            assert!(dec(pair[0]) < dec(pair[1]), "{} < {}", pair[0], pair[1]);
            assert!(dec(pair[1]) > dec(pair[0]));
        }
    }

    #[test]
    fn decimal_display() {
        for (text, shown) in [
            ("7.0", "7"),
            ("-12.50", "-12.5"),
            ("1e3", "1000"),
            ("0.001", "0.001"),
            ("-0", "0"),
            ("123.456", "123.456"),
            ("1e100", "1e100"),
            ("1e-100", "1e-100"),
        ] {
            assert_eq!(dec(text).to_string(), shown, "{text}");
        }
    }

    fn at(text: &str) -> (i64, u32) {
        let t = Instant::parse(text).unwrap_or_else(|| panic!("`{text}` should parse"));
        (t.seconds(), t.subsec_nanos())
    }

    #[test]
    fn instant_w3c_forms() {
        assert_eq!(at("1970-01"), (0, 0));
        assert_eq!(at("1970-01-02"), (86_400, 0));
        assert_eq!(at("1970-01-01T00:01Z"), (60, 0));
        assert_eq!(at("1970-01-01T00:00:01Z"), (1, 0));
        assert_eq!(at("1970-01-01T00:00:01.5Z"), (1, 500_000_000));
        assert_eq!(at("1970-01-01T00:00:01.123456789Z"), (1, 123_456_789));
        assert_eq!(at("1970-01-01T01:00+01:00"), (0, 0));
        assert_eq!(at("1969-12-31T19:00:00-05:00"), (0, 0));
        assert_eq!(at("2026-11-25T12:00:00Z"), (1_795_608_000, 0));
        assert_eq!(at("2024-02-29").0 - at("2024-02-28T00:00Z").0, 86_400);
        assert_eq!(at("2024-03-01").0 - at("2024-02-29T00:00:00Z").0, 86_400);
        assert_eq!(at("0000-01-01"), (-62_167_219_200, 0));
        assert_eq!(at("9999-12-31"), (253_402_214_400, 0));
        assert_eq!(
            at("9999-12-31T23:59:59.999999999Z"),
            (253_402_300_799, 999_999_999)
        );
        assert_eq!(at("9999-12-31T23:59-01:00"), (253_402_304_340, 0));
        assert_eq!(at("0000-01-01T00:00+01:00"), (-62_167_222_800, 0));
        assert!(
            Instant::parse("2026-11-25T13:00:00+02:00") < Instant::parse("2026-11-25T12:00:00Z")
        );
    }

    #[test]
    fn instant_rejects() {
        for text in [
            "",
            "2026-",
            "2026-1",
            "2026-13",
            "2026-00",
            "2026-02-30",
            "2025-02-29",
            "2026-01-01T",
            "2026-01-01T00:00",
            "2026-01-01T00:00:00",
            "2026-01-01 00:00:00Z",
            "2026-01-01t00:00:00Z",
            "2026-01-01T00:00:00z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T23:60:00Z",
            "2026-01-01T23:59:60Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.1234567891Z",
            "2026-01-01T00:00:00.0000000001Z",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00+01",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+01:60",
            "2026-01-01T00:00:00Z ",
            " 2026",
            "2026-01-01Z",
            "abc",
            ".",
            "+",
            "1.1234567891",
            "0.0000000001",
            "-1e-10",
            "1e12",
            "99999999999999999999",
            "-",
            "2026-01-01T0:00Z",
            // D-07: four digits are a W3C year and epoch seconds alike.
            "2024",
            "0000",
            "1970",
            "9999",
        ] {
            assert_eq!(Instant::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn instant_epoch() {
        assert_eq!(at("0"), (0, 0));
        assert_eq!(at("1700000000"), (1_700_000_000, 0));
        assert_eq!(at("1700000000.25"), (1_700_000_000, 250_000_000));
        assert_eq!(at("-1"), (-1, 0));
        assert_eq!(at("-1.5"), (-2, 500_000_000));
        assert_eq!(at("-0.000000001"), (-1, 999_999_999));
        assert_eq!(at("123"), (123, 0));
        assert_eq!(at("12345"), (12_345, 0));
        // A bare four-digit string is ambiguous (D-07); parse_epoch (a JSON number) reads
        // it as seconds, and any other spelling of the number is epoch seconds too.
        assert_eq!(Instant::parse("2024"), None);
        assert_eq!(
            Instant::parse_epoch("2024").map(Instant::seconds),
            Some(2024)
        );
        assert_eq!(at("+2024"), (2024, 0));
        assert_eq!(at("2024.0"), (2024, 0));
        assert_eq!(at("02024"), (2024, 0));
        // The numeral forms Decimal::parse reads (D-22), exactly.
        assert_eq!(at("+1700000000"), (1_700_000_000, 0));
        assert_eq!(at("1.7e9"), (1_700_000_000, 0));
        assert_eq!(at("17e8"), (1_700_000_000, 0));
        assert_eq!(at("1700000000."), (1_700_000_000, 0));
        assert_eq!(at(".5"), (0, 500_000_000));
        assert_eq!(at("-.25"), (-1, 750_000_000));
        assert_eq!(at("1e-9"), (0, 1));
        assert_eq!(at("-1e-9"), (-1, 999_999_999));
        assert_eq!(at("1.1234567890"), (1, 123_456_789));
        assert_eq!(at("1.000000000000000000000000000000"), (1, 0));
        assert_eq!(at("2026-01-01T00:00:00.1234567890000Z").1, 123_456_789);
        // Milliseconds are not a documented form: 13 digits are seconds, past the year 9999.
        assert_eq!(Instant::parse("1700000000000"), None);
        assert_eq!(Instant::parse_epoch("2024-01-01"), None);
        assert_eq!(Instant::parse_epoch("999999999999999"), None);
        // Epoch and ISO compare as instants (D-07).
        assert_eq!(
            Instant::parse("1767225600"),
            Instant::parse("2026-01-01T00:00:00Z")
        );
        assert!(Instant::parse("1767225599.999") < Instant::parse("2026-01-01"));
    }

    #[test]
    fn instant_bounds_are_jiffs() {
        assert_eq!(utc_seconds(jiff::civil::DateTime::MIN), FIRST_SECOND);
        assert_eq!(utc_seconds(jiff::civil::DateTime::MAX), LAST_SECOND);
        assert_eq!(at("-377705116800"), (FIRST_SECOND, 0));
        assert_eq!(Instant::parse("-377705116800.000000001"), None);
        assert_eq!(at("253402300799.999999999"), (LAST_SECOND, 999_999_999));
        assert_eq!(Instant::parse("253402300800"), None);
        for n in 0..=38 {
            assert_eq!(pow10(n), 10u128.checked_pow(n));
        }
        assert_eq!(pow10(39), None);
    }

    #[test]
    fn instant_display_and_jiff_round_trip() {
        let t = Instant::parse("2026-11-25T13:00:00.25+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-25T11:00:00.25Z");
        assert_eq!(Instant::from_timestamp(t.to_timestamp().unwrap()), t);
        let before = Instant::parse("-1.25").unwrap();
        assert_eq!(before.to_string(), "1969-12-31T23:59:58.75Z");
        assert_eq!(
            Instant::from_timestamp(before.to_timestamp().unwrap()),
            before
        );
        assert_eq!(before.to_timestamp().unwrap().as_millisecond(), -1250);
        let late = Instant::parse("9999-12-31T23:59-01:00").unwrap();
        assert_eq!(late.to_string(), "253402304340.000000000");
        assert_eq!(late.to_timestamp(), None);
    }

    #[test]
    fn ip_and_cidr() {
        assert!(parse_ip("10.0.0.1").is_some());
        assert!(parse_ip("::1").is_some());
        for bad in [
            "010.0.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "fe80::1%eth0",
            "[::1]",
            " 1.2.3.4",
            "",
        ] {
            assert_eq!(parse_ip(bad), None, "{bad:?}");
        }
        let net = |t: &str| parse_cidr(t).map(|n| n.trunc().to_string());
        assert_eq!(net("10.0.0.0/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(net("10.1.2.3/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(net("0.0.0.0/0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(net("1.2.3.4").as_deref(), Some("1.2.3.4/32"));
        assert_eq!(net("2001:DB8::1").as_deref(), Some("2001:db8::1/128"));
        assert_eq!(net("2001:db8::1/32").as_deref(), Some("2001:db8::/32"));
        assert_eq!(net("::/0").as_deref(), Some("::/0"));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "300.1.2.3/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "/8",
            "10.0.0.0/0008",
            "10.0.0.0/008",
            "10.0.0.0/ 8",
            "",
        ] {
            assert_eq!(parse_cidr(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bool_values() {
        for (text, want) in [
            ("true", Some(true)),
            ("True", Some(true)),
            ("TRUE", Some(true)),
            ("false", Some(false)),
            ("fAlSe", Some(false)),
            ("", None),
            ("1", None),
            ("yes", None),
            (" true", None),
        ] {
            assert_eq!(parse_bool(text), want, "{text:?}");
        }
    }

    #[test]
    fn base64_values() {
        assert_eq!(decode_base64(""), Some(Vec::new()));
        assert_eq!(decode_base64("AA=="), Some(vec![0]));
        assert_eq!(decode_base64("AAE="), Some(vec![0, 1]));
        assert_eq!(decode_base64("AA"), None);
        assert_eq!(decode_base64("AB=="), None, "non-zero trailing bits");
        assert_eq!(decode_base64("A A="), None);
        assert_eq!(base64_equals("", b""), Some(true));
        assert_eq!(base64_equals("", b"x"), Some(false));
        assert_eq!(base64_equals("QUJD", b"AB"), Some(false));
        assert_eq!(base64_equals("QQ==QQ==", b"AA"), None);
    }

    #[test]
    fn base64_equals_long_inputs() {
        use base64::Engine as _;
        for len in [0usize, 1, 2, 3, 190, 191, 192, 193, 383, 384, 385, 1000] {
            let bytes: Vec<u8> = (0..len)
                .map(|i| u8::try_from(i * 7 % 256).unwrap())
                .collect();
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            assert_eq!(base64_equals(&text, &bytes), Some(true), "len {len}");
            let mut other = bytes.clone();
            if let Some(last) = other.last_mut() {
                *last ^= 1;
                assert_eq!(base64_equals(&text, &other), Some(false), "len {len}");
            }
            other.push(0);
            assert_eq!(base64_equals(&text, &other), Some(false), "len {len}");
            assert_eq!(
                base64_equals(&format!("{text}="), &bytes),
                None,
                "len {len}"
            );
            // Padding in the middle of a long text.
            let doubled = format!("{}{text}", "QQ==".repeat(64));
            assert_eq!(base64_equals(&doubled, &bytes), None, "len {len}");
        }
    }
}
