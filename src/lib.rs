#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(unnameable_types)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

// Modules are private unless they are a namespace of the stable API (`policy`, `lint`,
// `analysis`, `exposure`, `iac`, `case`): the stable items of the others are re-exported below,
// and what the crate's own tests, benches, fuzz targets and CLI need beyond them is in
// `unstable` (D-17).
mod action;
pub mod analysis;
mod arn;
mod aws_rules;
mod bytes;
#[cfg(feature = "cases")]
pub mod case;
mod catalog;
mod code;
mod condition;
mod cover;
mod engine;
pub mod exposure;
#[cfg(feature = "iac")]
pub mod iac;
mod json;
pub mod lint;
pub mod policy;
mod request;
mod source;
mod suggest;
mod value;
mod variables;
mod wildcard;

pub use action::{Action, ActionError, ActionPattern};
pub use arn::{Arn, ArnError, ArnPattern, ArnPatternMode};
pub use aws_rules::AwsRule;
pub use code::{Code, UnknownCode};
pub use condition::{
    BaseOperator, Operator, OperatorError, OperatorFamily, SetQualifier, Truth, UnknownReason,
};
pub use engine::{
    BufferedRequest, CompiledPolicySet, ConditionTrace, Decision, Evaluation, Explanation, Gate,
    MAX_REASONS, PolicyId, PolicyKind, PolicySet, PolicyStore, PreparedRequest, PrincipalMatch,
    PrincipalOutcome, RequestBuffer, ResourceOutcome, SessionPolicy, StatementInfo, StatementRef,
    StatementTrace, StoreError,
};
pub use json::{JsonErrorKind, JsonExpected, JsonSyntaxError, Limits};
pub use policy::error::{ParseError, ParseErrorKind, ParseErrors, ParseErrorsIter};
pub use policy::lower::{ParseOptions, parse_policy, parse_policy_with};
pub use policy::{Effect, Policy, PolicyBuilder, PolicyType, Statement, StatementBuilder, Version};
pub use request::{
    Caller, CallerKind, Context, ContextKey, ContextLimit, ContextScalar, ContextValue, Request,
    RequestBuilder, RequestError, ResourceKind,
};
pub use source::{LineCol, LineIndex, Span};
pub use variables::{Template, TemplateOptions, VariableError, VariableInfo};
pub use wildcard::{MatchStrategy, Wildcard};

/// Internals that the crate's own tests, benches, fuzz targets and CLI use. Not part of the
/// stable API: anything here may change or go away in any release (D-17).
#[doc(hidden)]
pub mod unstable {
    pub use crate::engine::condition::evaluate_entry;

    /// The bundled AWS service catalog.
    pub mod catalog {
        pub use crate::catalog::*;
    }
    /// The spanned JSON reader.
    pub mod json {
        pub use crate::json::*;
    }
    /// Typed policy values and their parsers.
    pub mod value {
        pub use crate::value::*;
    }
    /// Policy variables and templates.
    pub mod variables {
        pub use crate::variables::*;
    }
    /// The wildcard matcher.
    pub mod wildcard {
        pub use crate::wildcard::*;
    }
    /// AWS's own rules.
    pub mod aws_rules {
        pub use crate::aws_rules::*;
    }
    /// Requests and their bounds.
    pub mod request {
        pub use crate::request::*;
    }
    /// Condition operators.
    pub mod condition {
        pub use crate::condition::*;
    }
}
