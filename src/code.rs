//! Issue codes: the one list of every code a parse error, a lint finding or a template/plan
//! problem can carry, with its default severity, a one-line summary and the page that
//! documents it.
//!
//! [`Code`] is generated from the registry (`src/code/registry.rs`), so every code has exactly
//! one entry there and [`Code::rule`] cannot miss: a finding's severity always comes from the
//! registry. [`Code::as_str`] is the wire format (the Access Analyzer issue code where one
//! exists): the text, JSON and SARIF output, `.iam-policy.toml` and the case files use it, and
//! [`Code::from_name`] reads it back. A leaf module: it depends on nothing else in the crate,
//! so the parser, lint and the template readers can all name codes without import cycles.

use std::fmt;
use std::str::FromStr;

/// How serious a finding is, in Access Analyzer's finding types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The policy is invalid: AWS would refuse it, or it cannot mean what it says.
    Error,
    /// The policy grants more than is likely intended.
    SecurityWarning,
    /// Probably a mistake.
    Warning,
    /// A clearer or tighter way to say the same thing.
    Suggestion,
}

impl Severity {
    /// Every severity, most serious first.
    pub const ALL: &'static [Self] = &[
        Self::Error,
        Self::SecurityWarning,
        Self::Warning,
        Self::Suggestion,
    ];

    /// `ERROR`, `SECURITY_WARNING`, `WARNING` or `SUGGESTION`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "ERROR",
            Self::SecurityWarning => "SECURITY_WARNING",
            Self::Warning => "WARNING",
            Self::Suggestion => "SUGGESTION",
        }
    }

    /// Parses `ERROR`, `SECURITY_WARNING`, `WARNING`, `SUGGESTION` (also lower case, and
    /// `security` for `SECURITY_WARNING`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "ERROR" => Some(Self::Error),
            "SECURITY_WARNING" | "SECURITY" => Some(Self::SecurityWarning),
            "WARNING" => Some(Self::Warning),
            "SUGGESTION" => Some(Self::Suggestion),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Documentation of one issue code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleInfo {
    /// The stable issue code.
    pub code: Code,
    /// The default severity.
    pub severity: Severity,
    /// One line: what it catches.
    pub summary: &'static str,
    /// Where it is documented.
    pub help_uri: &'static str,
}

/// Declares [`Code`] and the two rule tables from one list, so that a code cannot exist without
/// its severity, summary and page.
macro_rules! registry {
    (
        lint: [ $( $lv:ident = $lc:literal { $lsev:ident, $luri:expr, $lsum:literal $(,)? } ),* $(,)? ]
        iac: [ $( $iv:ident = $ic:literal { $isev:ident, $iuri:expr, $isum:literal $(,)? } ),* $(,)? ]
    ) => {
        /// A stable issue code. [`Code::as_str`] gives its wire form, such as
        /// `INVALID_EFFECT`; `docs/lint-rules.md` documents each.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $(
                #[doc = concat!("`", $lc, "`: ", $lsum)]
                $lv,
            )*
            $(
                #[doc = concat!("`", $ic, "` (templates and plans): ", $isum)]
                $iv,
            )*
        }

        impl Code {
            /// Every code: the lint and parse codes sorted by name, then the template and
            /// plan codes sorted by name.
            pub const ALL: &'static [Self] = &[$(Self::$lv,)* $(Self::$iv,)*];

            /// The wire form, such as `INVALID_EFFECT`.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$lv => $lc,)*
                    $(Self::$iv => $ic,)*
                }
            }

            /// Its documentation and default severity.
            #[must_use]
            pub const fn rule(self) -> &'static RuleInfo {
                match self {
                    $(Self::$lv => &RuleInfo {
                        code: Self::$lv,
                        severity: Severity::$lsev,
                        summary: $lsum,
                        help_uri: $luri,
                    },)*
                    $(Self::$iv => &RuleInfo {
                        code: Self::$iv,
                        severity: Severity::$isev,
                        summary: $isum,
                        help_uri: $iuri,
                    },)*
                }
            }

            /// Whether lint (or the parser) reports it, as opposed to a problem with a
            /// template or plan itself.
            #[must_use]
            pub const fn is_lint(self) -> bool {
                match self {
                    $(Self::$lv => true,)*
                    $(Self::$iv => false,)*
                }
            }
        }

        /// The lint and parse rules, sorted by code.
        pub(crate) const LINT_RULES: &[RuleInfo] = &[$(RuleInfo {
            code: Code::$lv,
            severity: Severity::$lsev,
            summary: $lsum,
            help_uri: $luri,
        },)*];

        /// The template and plan rules, sorted by code.
        #[cfg_attr(
            not(any(feature = "iac", test)),
            expect(dead_code, reason = "read by `iac::rules`, which needs the `iac` feature")
        )]
        pub(crate) const IAC_RULES: &[RuleInfo] = &[$(RuleInfo {
            code: Code::$iv,
            severity: Severity::$isev,
            summary: $isum,
            help_uri: $iuri,
        },)*];
    };
}

mod registry;

pub use registry::Code;
#[cfg(feature = "iac")]
pub(crate) use registry::IAC_RULES;
pub(crate) use registry::LINT_RULES;

impl Code {
    /// The code whose wire form is `name` (exactly, upper case).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        // A linear scan of about 130 short strings: used when reading configuration and case
        // files, never on a decision path.
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// Its default severity.
    #[must_use]
    pub const fn severity(self) -> Severity {
        self.rule().severity
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Code`] from a string that names none.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown issue code `{name}`")]
pub struct UnknownCode {
    name: String,
}

impl UnknownCode {
    /// The text that names no code.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl FromStr for Code {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s).ok_or_else(|| UnknownCode { name: s.to_owned() })
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::registry::IAC_RULES;
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_round_trips_and_has_its_own_rule() {
        let mut seen = BTreeSet::new();
        for &c in Code::ALL {
            assert_eq!(Code::from_name(c.as_str()), Some(c));
            assert_eq!(c.as_str().parse::<Code>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(c.rule().code, c);
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{c}"
            );
        }
        assert_eq!("INVALID_EFFECT".parse::<Code>(), Ok(Code::InvalidEffect));
        assert!("invalid_effect".parse::<Code>().is_err());
        assert_eq!(
            "NOPE".parse::<Code>().unwrap_err().to_string(),
            "unknown issue code `NOPE`"
        );
    }

    #[test]
    fn tables_are_sorted_and_cover_every_code() {
        for table in [LINT_RULES, IAC_RULES] {
            let codes: Vec<&str> = table.iter().map(|r| r.code.as_str()).collect();
            let mut sorted = codes.clone();
            sorted.sort_unstable();
            assert_eq!(codes, sorted);
        }
        let tables: Vec<Code> = LINT_RULES.iter().chain(IAC_RULES).map(|r| r.code).collect();
        assert_eq!(tables, Code::ALL);
        for r in LINT_RULES.iter().chain(IAC_RULES) {
            assert_eq!(r, r.code.rule());
            assert_eq!(r.code.is_lint(), LINT_RULES.contains(r));
        }
    }
}
