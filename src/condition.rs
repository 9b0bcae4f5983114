//! Condition operators: names parsed into a base operator, the `IfExists` suffix and the
//! `ForAllValues:`/`ForAnyValue:` qualifier.
//!
//! Owns [`Operator`], [`BaseOperator`], [`OperatorFamily`] and [`SetQualifier`]. Operator
//! names are case-sensitive, spelled as in the IAM User Guide's condition operator page
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>).

use std::fmt;

pub(crate) mod ops;
mod truth;

pub use truth::{Truth, UnknownReason};

/// The kind of value a [`BaseOperator`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    /// `String*`
    String,
    /// `Numeric*`
    Numeric,
    /// `Date*`
    Date,
    /// `Bool`
    Bool,
    /// `BinaryEquals`
    Binary,
    /// `IpAddress`, `NotIpAddress`
    Ip,
    /// `Arn*`
    Arn,
    /// `Null`
    Null,
}

macro_rules! base_operators {
    ($($variant:ident => $name:literal, $family:ident, $negated:literal;)*) => {
        /// A condition operator without qualifier or `IfExists`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum BaseOperator {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl BaseOperator {
            /// Every base operator, in documentation order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The operator's name as written in policies.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }

            /// The family of values it compares.
            #[must_use]
            pub const fn family(self) -> OperatorFamily {
                match self { $(Self::$variant => OperatorFamily::$family),* }
            }

            /// Whether it is a negated operator (`Not` in its name): true when none of the
            /// policy values matches, and true when the key is absent.
            #[must_use]
            pub const fn is_negated(self) -> bool {
                match self { $(Self::$variant => $negated),* }
            }

            /// Looks up an exact (case-sensitive) base operator name.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

base_operators! {
    StringEquals => "StringEquals", String, false;
    StringNotEquals => "StringNotEquals", String, true;
    StringEqualsIgnoreCase => "StringEqualsIgnoreCase", String, false;
    StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase", String, true;
    StringLike => "StringLike", String, false;
    StringNotLike => "StringNotLike", String, true;
    NumericEquals => "NumericEquals", Numeric, false;
    NumericNotEquals => "NumericNotEquals", Numeric, true;
    NumericLessThan => "NumericLessThan", Numeric, false;
    NumericLessThanEquals => "NumericLessThanEquals", Numeric, false;
    NumericGreaterThan => "NumericGreaterThan", Numeric, false;
    NumericGreaterThanEquals => "NumericGreaterThanEquals", Numeric, false;
    DateEquals => "DateEquals", Date, false;
    DateNotEquals => "DateNotEquals", Date, true;
    DateLessThan => "DateLessThan", Date, false;
    DateLessThanEquals => "DateLessThanEquals", Date, false;
    DateGreaterThan => "DateGreaterThan", Date, false;
    DateGreaterThanEquals => "DateGreaterThanEquals", Date, false;
    Bool => "Bool", Bool, false;
    BinaryEquals => "BinaryEquals", Binary, false;
    IpAddress => "IpAddress", Ip, false;
    NotIpAddress => "NotIpAddress", Ip, true;
    ArnEquals => "ArnEquals", Arn, false;
    ArnLike => "ArnLike", Arn, false;
    ArnNotEquals => "ArnNotEquals", Arn, true;
    ArnNotLike => "ArnNotLike", Arn, true;
    Null => "Null", Null, false;
}

impl BaseOperator {
    /// Whether `*` and `?` in policy values are wildcards: `StringLike`, `StringNotLike` and
    /// every `Arn*` operator (`ArnEquals` behaves exactly like `ArnLike`).
    #[must_use]
    pub const fn uses_wildcards(self) -> bool {
        matches!(self, Self::StringLike | Self::StringNotLike)
            || matches!(self.family(), OperatorFamily::Arn)
    }

    /// Whether policy variables may appear in its values (String and Arn families).
    #[must_use]
    pub const fn allows_variables(self) -> bool {
        matches!(self.family(), OperatorFamily::String | OperatorFamily::Arn)
    }
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:` true iff every request value satisfies the operator (vacuously true for
    /// an absent key or an empty set).
    ForAllValues,
    /// `ForAnyValue:` true iff at least one request value satisfies the operator (false for
    /// an absent key or an empty set, with or without `IfExists`).
    ForAnyValue,
}

impl SetQualifier {
    /// The prefix without its colon.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::ForAllValues => "ForAllValues",
            Self::ForAnyValue => "ForAnyValue",
        }
    }
}

/// A full condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operator {
    /// The set qualifier, if any.
    pub qualifier: Option<SetQualifier>,
    /// The base operator.
    pub base: BaseOperator,
    /// Whether the name ends in `IfExists`.
    pub if_exists: bool,
}

/// Why an operator name is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// Not a known operator; `suggestion` is the closest known name, if any is close.
    #[error("unknown condition operator `{name}`")]
    #[non_exhaustive]
    Unknown {
        /// The name as written.
        name: String,
        /// A known operator name that differs only slightly (case, one or two edits).
        suggestion: Option<String>,
    },
    /// `NullIfExists` (and its qualified forms): AWS refuses it.
    #[error("`Null` cannot take the `IfExists` suffix")]
    NullWithIfExists,
}

impl Operator {
    /// Parses an operator name. Names are case-sensitive.
    ///
    /// ```
    /// use iam_policy::{BaseOperator, Operator, SetQualifier};
    /// let op = Operator::parse("ForAnyValue:StringLikeIfExists")?;
    /// assert_eq!(op.base, BaseOperator::StringLike);
    /// assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
    /// assert!(op.if_exists);
    /// assert!(Operator::parse("StringEqualz").is_err());
    /// # Ok::<(), iam_policy::OperatorError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`OperatorError`] for an unknown name or `NullIfExists`.
    pub fn parse(name: &str) -> Result<Self, OperatorError> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let Some(base) = BaseOperator::from_name(base_name) else {
            return Err(OperatorError::Unknown {
                name: name.to_owned(),
                suggestion: suggest(name),
            });
        };
        if base == BaseOperator::Null && if_exists {
            return Err(OperatorError::NullWithIfExists);
        }
        Ok(Self {
            qualifier,
            base,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            write!(f, "{}:", q.name())?;
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// The closest known operator name to `name`, if it is within two edits (ignoring case).
fn suggest(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let (qualifier, rest) = if let Some(r) = lower.strip_prefix("forallvalues:") {
        ("ForAllValues:", r)
    } else if let Some(r) = lower.strip_prefix("foranyvalue:") {
        ("ForAnyValue:", r)
    } else {
        ("", lower.as_str())
    };
    let (rest, suffix) = match rest.strip_suffix("ifexists") {
        Some(r) => (r, "IfExists"),
        None => (rest, ""),
    };
    let best =
        crate::suggest::closest_within(rest, BaseOperator::ALL.iter().map(|op| op.name()), 2)?;
    Some(format!("{qualifier}{best}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_parse_all_forms() {
        for base in BaseOperator::ALL {
            let op = Operator::parse(base.name()).unwrap();
            assert_eq!(op.base, *base);
            assert_eq!(op.to_string(), base.name());
        }
        let op = Operator::parse("ForAllValues:StringNotEqualsIfExists").unwrap();
        assert_eq!(op.to_string(), "ForAllValues:StringNotEqualsIfExists");
        assert!(op.base.is_negated());
    }

    #[test]
    fn operator_parse_rejects_unknown_and_null_if_exists() {
        assert_eq!(
            Operator::parse("StringEqualz"),
            Err(OperatorError::Unknown {
                name: "StringEqualz".into(),
                suggestion: Some("StringEquals".into())
            })
        );
        assert_eq!(
            Operator::parse("stringequals"),
            Err(OperatorError::Unknown {
                name: "stringequals".into(),
                suggestion: Some("StringEquals".into())
            })
        );
        assert_eq!(
            Operator::parse("NullIfExists"),
            Err(OperatorError::NullWithIfExists)
        );
        assert!(matches!(
            Operator::parse("ForAllValues:"),
            Err(OperatorError::Unknown { .. })
        ));
    }
}
