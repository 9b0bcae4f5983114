#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod action;
pub mod arn;
pub mod catalog;
pub mod condition;
pub mod exposure;
pub mod json;
pub mod lint;
pub mod policy;
pub mod request;
pub mod source;
pub mod value;
pub mod variables;
pub mod wildcard;

pub use action::{Action, ActionError, ActionPattern};
pub use arn::{Arn, ArnError, ArnPattern, ArnPatternMode};
pub use condition::{BaseOperator, Operator, OperatorError, OperatorFamily, SetQualifier};
pub use policy::error::{ParseError, ParseErrorKind, ParseErrors};
pub use policy::lower::{ParseOptions, parse_policy, parse_policy_with};
pub use policy::{Effect, Policy, PolicyType, Statement, Version};
pub use request::{Context, ContextScalar, ContextValue, Request};
pub use source::{LineCol, LineIndex, Span};
pub use variables::{Template, TemplateOptions, VariableError};
pub use wildcard::{MatchStrategy, Wildcard};
