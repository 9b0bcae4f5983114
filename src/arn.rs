//! ARNs: the request's concrete [`Arn`] and the policy's [`ArnPattern`].
//!
//! An ARN is `arn:partition:service:region:account-id:resource`; everything after the fifth
//! colon is the resource part and may itself hold colons. Matching is case-sensitive in every
//! segment (D-03) and segment by segment: a `*` or `?` stays inside its segment,
//! except that a `*` ending a pattern that has fewer than six segments covers everything below
//! (the Resource page's "can expand to match beyond the colon boundaries"). A `*` that ends a
//! segment in the middle of a six-segment pattern does not cross colons (D-03):
//! `arn:aws:secretsmanager:*:secret:prod/*` compares `secret` with the account id and so
//! matches no secret.
//!
//! Semantics: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>.

use std::ops::Range;

use crate::variables::{
    Plan, Template, TemplateOptions, VariableError, find_variable, join, variable_len,
};
use crate::wildcard::Shape;

/// Why an ARN or ARN pattern is malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArnError {
    /// Does not start with `arn:`.
    #[error("`{0}` does not start with `arn:`")]
    MissingPrefix(String),
    /// Fewer than six colon-separated components.
    #[error("`{0}` has fewer than six components")]
    TooFewComponents(String),
    /// A malformed `${...}` (offsets are relative to the whole ARN pattern).
    #[error(transparent)]
    Variable(#[from] VariableError),
    /// A `*` or `?` in the service segment of a Resource pattern. No longer returned: IAM
    /// accepts such patterns, and so does [`ArnPattern::parse`].
    #[error("ARN pattern `{0}` has a wildcard in its service segment")]
    WildcardInService(String),
    /// A policy variable before the resource part of a Resource pattern.
    #[error(
        "policy variable in `{text}` is allowed only in the resource part, after the fifth colon"
    )]
    #[non_exhaustive]
    VariableOutsideResource {
        /// The pattern as written.
        text: String,
        /// Byte range of the variable in the pattern.
        start: usize,
        /// End of the range.
        end: usize,
    },
    /// A concrete ARN with an empty partition, service or resource part.
    #[error("ARN `{text}` has an empty {component}")]
    #[non_exhaustive]
    EmptyComponent {
        /// The ARN as written.
        text: String,
        /// `partition`, `service` or `resource part`.
        component: &'static str,
    },
}

impl ArnError {
    /// The byte range inside the ARN text that the error points at, when it points at a part.
    #[must_use]
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            Self::Variable(e) => Some(e.span()),
            Self::VariableOutsideResource { start, end, .. } => Some(*start..*end),
            _ => None,
        }
    }
}

/// The byte offsets of the first five colons of `text`: where the partition, service, region,
/// account and resource part begin (each one past its colon). `None` when there are fewer than
/// five colons. The one ARN splitter: everything else that splits an ARN calls it.
///
/// Eight bytes at a time: every request ARN is split on every call, and a word holds its
/// colons as a mask ([`byte_mask`](crate::bytes::byte_mask)) read lowest byte first.
#[inline]
pub(crate) fn colon_offsets(text: &str) -> Option<[usize; 5]> {
    let mut colons = [0usize; 5];
    let mut found = 0;
    let mut base = 0;
    let mut words = text.as_bytes().chunks_exact(8);
    let mut scan = |word: u64, base: usize| {
        let mut mask = crate::bytes::byte_mask(word, b':');
        while mask != 0 {
            if let Some(slot) = colons.get_mut(found) {
                *slot = base + (mask.trailing_zeros() / 8) as usize;
            }
            found += 1;
            if found == 5 {
                return true;
            }
            mask &= mask - 1;
        }
        false
    };
    for chunk in &mut words {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        if scan(word, base) {
            return Some(colons);
        }
        base += 8;
    }
    // The last bytes, padded with zeros (not colons).
    let mut last = [0u8; 8];
    for (slot, &b) in last.iter_mut().zip(words.remainder()) {
        *slot = b;
    }
    scan(u64::from_le_bytes(last), base).then_some(colons)
}

/// Splits `text` into its first six components without allocating: five colon-separated
/// components and the rest (which keeps its colons). `None` when there are fewer than five
/// colons.
#[inline]
fn split_arn(text: &str) -> Option<[&str; 6]> {
    let [c0, c1, c2, c3, c4] = colon_offsets(text)?;
    Some([
        text.get(..c0)?,
        text.get(c0 + 1..c1)?,
        text.get(c1 + 1..c2)?,
        text.get(c2 + 1..c3)?,
        text.get(c3 + 1..c4)?,
        text.get(c4 + 1..)?,
    ])
}

/// The components of ARN text or of a short ARN pattern (`arn:aws:s3:*`): up to six, split at
/// the first five colons, the sixth (the resource part) keeping its colons.
pub(crate) fn components(text: &str) -> std::str::SplitN<'_, char> {
    text.splitn(6, ':')
}

/// The components of ARN text `arn:partition:service:region:account:resource`, borrowed; the
/// resource part keeps its colons. For code that reads ARNs or ARN patterns as text (lint,
/// exposure, the parser's principal checks) without building an [`Arn`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArnParts<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> ArnParts<'a> {
    /// Splits `text`; `None` unless its first component is `arn` and it has six.
    pub(crate) fn split(text: &'a str) -> Option<Self> {
        let ["arn", partition, service, region, account, resource] = split_arn(text)? else {
            return None;
        };
        Some(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The five components after `arn`, in order.
    pub(crate) const fn segments(&self) -> [&'a str; 5] {
        [
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }
}

/// A concrete ARN, as in a request: stored once, with the offsets of its first five colons.
///
/// # Examples
///
/// ```
/// use iam_policy::Arn;
///
/// let arn = Arn::parse("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf")?;
/// assert_eq!(arn.partition(), "aws");
/// assert_eq!(arn.service(), "secretsmanager");
/// assert_eq!(arn.region(), "us-east-1");
/// assert_eq!(arn.account(), "111122223333");
/// assert_eq!(arn.resource(), "secret:prod/db-AbCdEf");
/// # Ok::<(), iam_policy::ArnError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arn {
    raw: String,
    /// Byte offsets of the first five colons.
    colons: [usize; 5],
}

impl Arn {
    /// Parses an ARN: `arn:` and at least six colon-separated components, with a non-empty
    /// partition, service and resource part. Region and account may be empty
    /// (`arn:aws:s3:::bucket`).
    ///
    /// # Errors
    ///
    /// [`ArnError::MissingPrefix`], [`ArnError::TooFewComponents`] or
    /// [`ArnError::EmptyComponent`] when `text` is not an ARN.
    pub fn parse(text: &str) -> Result<Self, ArnError> {
        Self::parse_owned(text.to_owned()).map_err(|(e, _)| e)
    }

    /// [`parse`](Self::parse) for a string the caller gives away: it becomes the ARN's storage.
    pub(crate) fn parse_owned(text: String) -> Result<Self, (ArnError, String)> {
        if !text.starts_with("arn:") {
            return Err((ArnError::MissingPrefix(text.clone()), text));
        }
        let Some(colons) = colon_offsets(&text) else {
            return Err((ArnError::TooFewComponents(text.clone()), text));
        };
        let arn = Self { raw: text, colons };
        let empty = if arn.partition().is_empty() {
            Some("partition")
        } else if arn.service().is_empty() {
            Some("service")
        } else if arn.resource().is_empty() {
            Some("resource part")
        } else {
            None
        };
        if let Some(component) = empty {
            let error = ArnError::EmptyComponent {
                text: arn.raw.clone(),
                component,
            };
            return Err((error, arn.raw));
        }
        Ok(arn)
    }

    /// Component `index` (0 is `arn`, 5 the resource part).
    fn component(&self, index: usize) -> &str {
        let start = match index.checked_sub(1) {
            None => 0,
            Some(before) => self.colons.get(before).map_or(self.raw.len(), |c| c + 1),
        };
        let end = self.colons.get(index).copied().unwrap_or(self.raw.len());
        self.raw.get(start..end).unwrap_or_default()
    }

    /// The whole ARN.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The partition (`aws`).
    #[must_use]
    pub fn partition(&self) -> &str {
        self.component(1)
    }

    /// The service namespace (`secretsmanager`).
    #[must_use]
    pub fn service(&self) -> &str {
        self.component(2)
    }

    /// The region; may be empty.
    #[must_use]
    pub fn region(&self) -> &str {
        self.component(3)
    }

    /// The account id; may be empty.
    #[must_use]
    pub fn account(&self) -> &str {
        self.component(4)
    }

    /// Everything after the fifth colon (may hold colons: `secret:prod/db-AbCdEf`).
    #[must_use]
    pub fn resource(&self) -> &str {
        self.component(5)
    }
}

impl std::str::FromStr for Arn {
    type Err = ArnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Where an [`ArnPattern`] is used, which decides how short patterns read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArnPatternMode {
    /// `Resource`/`NotResource`: `*` alone matches everything; a short pattern ending in `*`
    /// covers everything below.
    Resource,
    /// `Arn*` condition operators: exactly six components are compared one by one.
    Condition,
}

/// What an [`ArnPattern`] matches.
#[derive(Clone, Debug)]
enum Kind {
    /// `*` in a Resource element: everything, including the pseudo-resource `*`.
    Any,
    /// A short pattern that cannot match an ARN.
    Never,
    /// A Resource-mode pattern: how its partition, service, region and account segments match
    /// (`None` marks a segment the pattern does not write because a trailing `*` before it
    /// covers it) and whether it has a resource part (the template).
    Resource {
        partition: Shape,
        service: Option<Shape>,
        region: Option<Shape>,
        account: Option<Shape>,
        resource: bool,
    },
    /// A Condition-mode pattern: the plans of components 0 to 4 (the template is the sixth).
    Condition(Box<[Plan; 5]>),
    /// A Condition-mode pattern that is one policy variable alone (`${aws:PrincipalArn}`): the
    /// template is the whole text, and the request matches when it is an ARN equal to the
    /// variable's value (literal text, so exactly the ARN the value holds; D-19).
    Variable,
}

/// Splits a pattern into at most six components on colons; with `variables`, colons inside
/// `${...}` do not split. Returns the offsets of the separating colons and how many
/// components there are.
fn split_components(text: &str, variables: bool) -> Result<([usize; 5], usize), VariableError> {
    let mut colons = [0; 5];
    let mut count = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while count < 5 {
        match bytes.get(i) {
            None => break,
            Some(b':') => {
                if let Some(colon) = colons.get_mut(count) {
                    *colon = i;
                }
                count += 1;
                i += 1;
            }
            Some(b'$') if variables && bytes.get(i + 1) == Some(&b'{') => {
                i += variable_len(text.get(i..).unwrap_or_default(), i)?;
            }
            Some(_) => i += 1,
        }
    }
    Ok((colons, count + 1))
}

/// An ARN pattern from a policy: wildcards per segment and, under version 2012-10-17, policy
/// variables (in the resource part only, for Resource patterns).
///
/// **Resource mode** (`Resource`/`NotResource`):
/// * `*` alone matches every resource, including the pseudo-resource `*` of actions that have
///   no resource type; no other pattern matches `*`.
/// * Otherwise the pattern starts with `arn:`. Every segment may hold `*` and `?`, the service
///   too: IAM stores `arn:aws:*code*::111122223333:*` (Access Analyzer suggests avoiding it,
///   `WILDCARD_IN_SERVICE_NAME`).
/// * Six or more segments: partition, service, region and account are compared segment by
///   segment (a wildcard never crosses a colon); the resource part (after the fifth colon) is
///   one segment in which `*` also matches `/` and `:`.
/// * Fewer than six segments ending in `*` (`arn:aws:secretsmanager:*`): the last segment is
///   matched against the request's segment at that position and everything below is covered.
/// * Fewer than six segments not ending in `*`: parses, but matches nothing (project decision
///   4; [`matches_nothing`](Self::matches_nothing) tells the linter).
///
/// **Condition mode** (`ArnEquals`, `ArnLike` and their negations): the six components are
/// compared one by one, each may hold `*` and `?` (the service too), and the sixth runs to the
/// end of the ARN. A pattern with fewer than six components (including `*` alone) parses but
/// matches nothing. No `arn:` prefix is demanded (`ArnLike` compares the first component like
/// the others). Variables may appear in any component; the pattern is split on the colons
/// written outside `${...}`, and a variable's value is literal text inside its component (a
/// colon in a value never separates components). A pattern that is one variable alone
/// (`${aws:PrincipalArn}`) stands for the whole ARN its value holds: it matches a request
/// value that is an ARN equal to that value (the value is literal text: no wildcards).
///
/// Matching is case-sensitive everywhere and does not allocate.
///
/// # Examples
///
/// ```
/// use iam_policy::{ArnPattern, ArnPatternMode};
///
/// let secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
/// let none = |_: &str| None;
/// let p = ArnPattern::parse(
///     "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????",
///     ArnPatternMode::Resource,
///     true,
/// )?;
/// assert_eq!(p.is_match(secret, none), Some(true));
/// let short = ArnPattern::parse("arn:aws:secretsmanager:*", ArnPatternMode::Resource, true)?;
/// assert_eq!(short.is_match(secret, none), Some(true));
/// // WRONG: a `*` ending a middle segment does not swallow the account.
/// let mid = ArnPattern::parse(
///     "arn:aws:secretsmanager:*:secret:prod/*",
///     ArnPatternMode::Resource,
///     true,
/// )?;
/// assert_eq!(mid.is_match(secret, none), Some(false));
/// # Ok::<(), iam_policy::ArnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ArnPattern {
    /// Owns the text: the pattern as written is `text.buffer()[..text.end]`; the template's
    /// own region is the resource part (component 5) when the pattern has one, and empty at
    /// the end of the pattern otherwise.
    text: Template,
    mode: ArnPatternMode,
    /// Offsets of the colons that separate the components (the first `count - 1`).
    colons: [usize; 5],
    /// How many components the pattern has (0 for the Resource-mode `*`).
    count: usize,
    kind: Kind,
}

impl PartialEq for ArnPattern {
    fn eq(&self, other: &Self) -> bool {
        self.mode == other.mode
            && self.as_str() == other.as_str()
            && self.resource_template().map(Template::options)
                == other.resource_template().map(Template::options)
    }
}
impl Eq for ArnPattern {}

impl std::hash::Hash for ArnPattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.mode.hash(state);
        self.as_str().hash(state);
    }
}

impl ArnPattern {
    /// Parses a pattern. `variables` enables `${...}` (policy version 2012-10-17).
    ///
    /// # Errors
    ///
    /// In Resource mode: [`ArnError::MissingPrefix`] without `arn:` (and other than `*`),
    /// [`ArnError::VariableOutsideResource`] for a `${` before
    /// the resource part. In both modes: [`ArnError::Variable`] for a malformed `${...}`, with
    /// offsets into `text`.
    pub fn parse(text: &str, mode: ArnPatternMode, variables: bool) -> Result<Self, ArnError> {
        Self::parse_owned(text.to_owned(), mode, variables).map_err(|(e, _)| e)
    }

    /// [`parse`](Self::parse) for a string the caller gives away: it becomes the pattern's
    /// storage. An error hands the string back.
    pub(crate) fn parse_owned(
        raw: String,
        mode: ArnPatternMode,
        variables: bool,
    ) -> Result<Self, (ArnError, String)> {
        match Self::compile(&raw, mode, variables) {
            Ok((colons, count, kind, plan, extra)) => {
                let len = raw.len();
                let region = if matches!(kind, Kind::Variable) {
                    0..len
                } else {
                    plan.as_ref()
                        .and_then(|_| component_range(len, &colons, count, 5))
                        .unwrap_or(len..len)
                };
                let options = TemplateOptions {
                    variables,
                    wildcards: true,
                };
                let plan = plan.unwrap_or(Plan::Plain(Shape::EXACT));
                Ok(Self {
                    text: Template::from_parts(join(raw, &extra), region, options, plan),
                    mode,
                    colons,
                    count,
                    kind,
                })
            }
            Err(e) => Err((e, raw)),
        }
    }

    /// Splits and checks `text`; returns the colons, the component count, the kind, the plan
    /// of the resource part (when the pattern has one that matters) and the text the plans
    /// added.
    #[expect(
        clippy::type_complexity,
        reason = "a private step of `parse_owned`, which assembles these parts"
    )]
    fn compile(
        text: &str,
        mode: ArnPatternMode,
        variables: bool,
    ) -> Result<([usize; 5], usize, Kind, Option<Plan>, String), ArnError> {
        let mut extra = String::new();
        if mode == ArnPatternMode::Resource && text == "*" {
            return Ok(([0; 5], 0, Kind::Any, None, extra));
        }
        let (colons, count) = split_components(text, variables)?;
        let range = |index: usize| component_range(text.len(), &colons, count, index);
        let component = |index: usize| range(index).and_then(|r| text.get(r));
        let options = TemplateOptions {
            variables,
            wildcards: true,
        };
        let plan = |index: usize, extra: &mut String| -> Result<Plan, ArnError> {
            let r = range(index).unwrap_or(text.len()..text.len());
            Ok(Plan::compile(text, r.start, r.end, options, extra)?)
        };
        match mode {
            ArnPatternMode::Resource => {
                if component(0) != Some("arn") || count < 2 {
                    return Err(ArnError::MissingPrefix(text.to_owned()));
                }
                if variables {
                    for index in 0..count.min(5) {
                        let Some(r) = range(index) else { continue };
                        let segment = text.get(r.clone()).unwrap_or_default();
                        if let Some(at) = find_variable(segment) {
                            let var_start = r.start + at;
                            let len = text
                                .get(var_start..)
                                .and_then(|rest| variable_len(rest, var_start).ok())
                                .unwrap_or(r.end - var_start);
                            return Err(ArnError::VariableOutsideResource {
                                text: text.to_owned(),
                                start: var_start,
                                end: var_start + len,
                            });
                        }
                    }
                }
                if count < 6 && !text.ends_with('*') {
                    return Ok((colons, count, Kind::Never, None, extra));
                }
                let strategy = |index| component(index).map(Shape::classify);
                let resource = if count == 6 {
                    Some(plan(5, &mut extra)?)
                } else {
                    None
                };
                let kind = Kind::Resource {
                    partition: strategy(1).unwrap_or(Shape::classify("*")),
                    service: if count > 2 { strategy(2) } else { None },
                    region: strategy(3),
                    account: strategy(4),
                    resource: resource.is_some(),
                };
                Ok((colons, count, kind, resource, extra))
            }
            ArnPatternMode::Condition => {
                let plans = [
                    plan(0, &mut extra)?,
                    plan(1, &mut extra)?,
                    plan(2, &mut extra)?,
                    plan(3, &mut extra)?,
                    plan(4, &mut extra)?,
                ];
                let last = plan(5, &mut extra)?;
                if count == 6 {
                    Ok((
                        colons,
                        count,
                        Kind::Condition(Box::new(plans)),
                        Some(last),
                        extra,
                    ))
                } else if variables
                    && text.starts_with("${")
                    && variable_len(text, 0).is_ok_and(|len| len == text.len())
                {
                    // One variable alone: its value is the whole ARN. (Its colons are not
                    // outside `${...}`, so the pattern split into one component.)
                    let [whole, ..] = plans;
                    Ok((colons, count, Kind::Variable, Some(whole), extra))
                } else {
                    Ok((colons, count, Kind::Never, None, extra))
                }
            }
        }
    }

    /// The byte range of component `index` in the pattern text, if the pattern has it.
    fn range(&self, index: usize) -> Option<Range<usize>> {
        component_range(self.text.end_of_text(), &self.colons, self.count, index)
    }

    /// Component `index` as written (0 is `arn`, 5 the resource part), if the pattern has it.
    #[must_use]
    pub fn component(&self, index: usize) -> Option<&str> {
        self.text.buffer().get(self.range(index)?)
    }

    /// The partition segment as written.
    #[must_use]
    pub fn partition(&self) -> Option<&str> {
        self.component(1)
    }

    /// The service segment as written.
    #[must_use]
    pub fn service(&self) -> Option<&str> {
        self.component(2)
    }

    /// The region segment as written.
    #[must_use]
    pub fn region(&self) -> Option<&str> {
        self.component(3)
    }

    /// The account segment as written.
    #[must_use]
    pub fn account(&self) -> Option<&str> {
        self.component(4)
    }

    /// The resource part as written (everything after the fifth colon).
    #[must_use]
    pub fn resource(&self) -> Option<&str> {
        self.component(5)
    }

    /// The resource part as a template (wildcards on), when the pattern has one and can match.
    #[must_use]
    pub fn resource_template(&self) -> Option<&Template> {
        match &self.kind {
            Kind::Resource { resource: true, .. } | Kind::Condition(_) | Kind::Variable => {
                Some(&self.text)
            }
            Kind::Resource { .. } | Kind::Any | Kind::Never => None,
        }
    }

    /// The plans of components 0 to 4 (Condition mode only).
    fn leading_plans(&self) -> &[Plan] {
        match &self.kind {
            Kind::Condition(plans) => &plans[..],
            _ => &[],
        }
    }

    /// The policy variables of the pattern: (ASCII-lower-cased key, default).
    pub fn variables(&self) -> impl Iterator<Item = (&str, Option<&str>)> + '_ {
        let buf = self.text.buffer();
        self.leading_plans()
            .iter()
            .flat_map(move |p| p.variables(buf))
            .chain(
                self.resource_template()
                    .into_iter()
                    .flat_map(Template::variables),
            )
    }

    /// Whether the pattern holds a policy variable.
    #[must_use]
    pub fn has_variables(&self) -> bool {
        self.leading_plans().iter().any(Plan::has_variables)
            || self
                .resource_template()
                .is_some_and(Template::has_variables)
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.text
            .buffer()
            .get(..self.text.end_of_text())
            .unwrap_or_default()
    }

    /// The mode the pattern was parsed in.
    #[must_use]
    pub fn mode(&self) -> ArnPatternMode {
        self.mode
    }

    /// Whether the pattern is the Resource-mode `*` (every resource).
    #[must_use]
    pub fn is_any(&self) -> bool {
        matches!(self.kind, Kind::Any)
    }

    /// Whether the pattern can match nothing: fewer than six components, and in Resource mode
    /// no trailing `*`.
    #[must_use]
    pub fn matches_nothing(&self) -> bool {
        matches!(self.kind, Kind::Never)
    }

    /// Whether `resource` (an ARN, or `*` for actions without a resource type) matches, with
    /// variables filled in by `resolve` (lower-cased key). `None` when a variable in the
    /// pattern has neither a value nor a default (whatever the rest of the pattern says).
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::{ArnPattern, ArnPatternMode};
    ///
    /// let p = ArnPattern::parse(
    ///     "arn:aws:s3:::bucket/${aws:username}/*",
    ///     ArnPatternMode::Resource,
    ///     true,
    /// )?;
    /// let alice = |key: &str| (key == "aws:username").then_some("alice");
    /// assert_eq!(p.is_match("arn:aws:s3:::bucket/alice/a.txt", alice), Some(true));
    /// assert_eq!(p.is_match("arn:aws:s3:::bucket/bob/a.txt", alice), Some(false));
    /// assert_eq!(p.is_match("arn:aws:s3:::bucket/alice/a.txt", |_| None), None);
    /// # Ok::<(), iam_policy::ArnError>(())
    /// ```
    pub fn is_match<'a>(
        &self,
        resource: &str,
        resolve: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<bool> {
        match &self.kind {
            Kind::Any => Some(true),
            Kind::Never => Some(false),
            Kind::Resource {
                partition,
                service,
                region,
                account,
                resource: has_resource,
            } => {
                if *has_resource && !self.text.is_resolvable(&resolve) {
                    return None;
                }
                let Some([arn, r_partition, r_service, r_region, r_account, rest]) =
                    split_arn(resource)
                else {
                    return Some(false);
                };
                // Segments 1 to 4 of the pattern, straight from the colon offsets (a
                // Resource-mode pattern has at least two components, and the ones it lacks
                // are not compared).
                let raw = self.as_str();
                let seg = |index: usize| {
                    let start = index
                        .checked_sub(1)
                        .and_then(|before| self.colons.get(before))
                        .map_or(0, |c| c + 1);
                    let end = if index + 1 < self.count {
                        self.colons.get(index).copied().unwrap_or(raw.len())
                    } else {
                        raw.len()
                    };
                    raw.get(start..end).unwrap_or_default()
                };
                let segments_match = arn == "arn"
                    && partition.is_match(seg(1), r_partition, false)
                    && service.is_none_or(|s| s.is_match(seg(2), r_service, false))
                    && region.is_none_or(|s| s.is_match(seg(3), r_region, false))
                    && account.is_none_or(|s| s.is_match(seg(4), r_account, false));
                if !segments_match {
                    return Some(false);
                }
                if *has_resource {
                    self.text.is_match(rest, false, resolve)
                } else {
                    Some(true)
                }
            }
            Kind::Condition(plans) => {
                let buf = self.text.buffer();
                if !(plans.iter().all(|p| p.is_resolvable(buf, &resolve))
                    && self.text.is_resolvable(&resolve))
                {
                    return None;
                }
                let Some(components) = split_arn(resource) else {
                    return Some(false);
                };
                let [c0, c1, c2, c3, c4, c5] = components;
                for (index, (plan, component)) in plans.iter().zip([c0, c1, c2, c3, c4]).enumerate()
                {
                    let region = self.range(index).unwrap_or_default();
                    if !plan.is_match(buf, region, component, false, &resolve)? {
                        return Some(false);
                    }
                }
                self.text.is_match(c5, false, resolve)
            }
            Kind::Variable => {
                if !self.text.is_resolvable(&resolve) {
                    return None;
                }
                if split_arn(resource).is_none() {
                    return Some(false);
                }
                self.text.is_match(resource, false, resolve)
            }
        }
    }
}

/// The byte range of component `index` of a pattern of `len` bytes whose first `count - 1`
/// separating colons are `colons`.
fn component_range(
    len: usize,
    colons: &[usize; 5],
    count: usize,
    index: usize,
) -> Option<Range<usize>> {
    if index >= count {
        return None;
    }
    let start = match index.checked_sub(1) {
        None => 0,
        Some(before) => colons.get(before)? + 1,
    };
    let end = if index + 1 < count {
        *colons.get(index)?
    } else {
        len
    };
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::{Arn, ArnError, ArnParts, ArnPattern, ArnPatternMode, colon_offsets, components};
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time colon search finds the first five colons a byte loop finds,
        /// at every offset, in texts of colons, their byte neighbours and other text.
        #[test]
        fn colon_offsets_is_the_byte_loop(text in "[:;9\\x00\\x7f\\x{ba}a-c]{0,40}") {
            let naive: Vec<usize> = text
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b':')
                .map(|(i, _)| i)
                .take(5)
                .collect();
            let expected = <[usize; 5]>::try_from(naive).ok();
            prop_assert_eq!(colon_offsets(&text), expected);
        }
    }

    #[test]
    fn one_splitter_for_every_reader() {
        let text = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
        let parts = ArnParts::split(text).unwrap();
        assert_eq!(
            parts.segments(),
            [
                "aws",
                "secretsmanager",
                "us-east-1",
                "111122223333",
                "secret:prod/db-AbCdEf"
            ]
        );
        let arn = Arn::parse(text).unwrap();
        assert_eq!(
            [
                arn.partition(),
                arn.service(),
                arn.region(),
                arn.account(),
                arn.resource()
            ],
            parts.segments()
        );
        assert_eq!(colon_offsets(text), Some([3, 7, 22, 32, 45]));
        assert_eq!(
            ArnParts::split("arn:aws:s3:::b").map(|p| p.resource),
            Some("b")
        );
        // Fewer than six components, or not `arn`: no parts; `components` still splits.
        assert_eq!(ArnParts::split("arn:aws:s3:*"), None);
        assert_eq!(ArnParts::split("ARN:aws:s3:::b"), None);
        assert_eq!(colon_offsets("a:b:c:d"), None);
        assert_eq!(colon_offsets("::::"), None);
        assert_eq!(colon_offsets(":::::"), Some([0, 1, 2, 3, 4]));
        assert_eq!(colon_offsets("1234567:::::"), Some([7, 8, 9, 10, 11]));
        assert_eq!(
            components("arn:aws:s3:*").collect::<Vec<_>>(),
            ["arn", "aws", "s3", "*"]
        );
        assert_eq!(components("a:b:c:d:e:f:g").nth(5), Some("f:g"));
    }

    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
    const SECRET_OLD: &str =
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-old-AbCdEf";

    /// The test context.
    fn ctx(key: &str) -> Option<&'static str> {
        match key {
            "aws:username" => Some("alice"),
            "aws:principalaccount" => Some("111122223333"),
            "aws:principaltag/project" => Some("prod"),
            "star" => Some("*"),
            "colon" => Some("a:b"),
            _ => None,
        }
    }

    /// `rmatch!(name, pattern, resource => Some(bool))` in Resource mode, variables on.
    macro_rules! rmatch {
        ($name:ident, $pat:expr, $res:expr => $want:expr) => {
            #[test]
            fn $name() {
                let p = ArnPattern::parse($pat, ArnPatternMode::Resource, true).unwrap();
                assert_eq!(p.is_match($res, ctx), $want, "{} / {}", $pat, $res);
            }
        };
    }

    /// `cmatch!(name, pattern, value => Some(bool))` in Condition mode, variables on.
    macro_rules! cmatch {
        ($name:ident, $pat:expr, $res:expr => $want:expr) => {
            #[test]
            fn $name() {
                let p = ArnPattern::parse($pat, ArnPatternMode::Condition, true).unwrap();
                assert_eq!(p.is_match($res, ctx), $want, "{} / {}", $pat, $res);
            }
        };
    }

    /// `perr!(name, mode, pattern, error pattern)`.
    macro_rules! perr {
        ($name:ident, $mode:ident, $pat:expr, $err:pat) => {
            #[test]
            fn $name() {
                let got = ArnPattern::parse($pat, ArnPatternMode::$mode, true);
                assert!(matches!(got, Err($err)), "{:?} gave {:?}", $pat, got);
            }
        };
    }

    /// `aerr!(name, arn, error pattern)`.
    macro_rules! aerr {
        ($name:ident, $arn:expr, $err:pat) => {
            #[test]
            fn $name() {
                let got = Arn::parse($arn);
                assert!(matches!(got, Err($err)), "{:?} gave {:?}", $arn, got);
            }
        };
    }

    const T: Option<bool> = Some(true);
    const F: Option<bool> = Some(false);

    // Resource mode: the secret examples.
    rmatch!(secret_exact, SECRET, SECRET => T);
    rmatch!(secret_star, "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-*", SECRET => T);
    rmatch!(secret_star_old, "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-*", SECRET_OLD => T);
    rmatch!(secret_six, "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????", SECRET => T);
    rmatch!(secret_six_old, "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????", SECRET_OLD => F);
    rmatch!(secret_bare, "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db", SECRET => F);
    rmatch!(secret_all, "arn:aws:secretsmanager:*:*:secret:*", SECRET => T);
    rmatch!(secret_region_prefix, "arn:aws:secretsmanager:us-*:111122223333:secret:*", SECRET => T);
    rmatch!(secret_region_mid, "arn:aws:secretsmanager:us-*1:111122223333:secret:*", SECRET => T);
    rmatch!(secret_region_q, "arn:aws:secretsmanager:us-east-?:111122223333:secret:*", SECRET => T);
    rmatch!(secret_region_no, "arn:aws:secretsmanager:eu-*:111122223333:secret:*", SECRET => F);
    rmatch!(secret_account_no, "arn:aws:secretsmanager:*:999999999999:secret:*", SECRET => F);
    rmatch!(secret_case, "arn:aws:secretsmanager:us-east-1:111122223333:secret:Prod/db-*", SECRET => F);
    rmatch!(secret_service_case, "arn:aws:SecretsManager:us-east-1:111122223333:secret:*", SECRET => F);
    rmatch!(secret_resource_colon, "arn:aws:secretsmanager:us-east-1:111122223333:*", SECRET => T);
    rmatch!(secret_resource_colon_q, "arn:aws:secretsmanager:us-east-1:111122223333:secret?prod/*", SECRET => T);
    rmatch!(other_service, "arn:aws:s3:::*", SECRET => F);
    rmatch!(other_partition, "arn:aws-cn:secretsmanager:*:*:*", SECRET => F);
    rmatch!(partition_wild, "arn:aws*:secretsmanager:*:*:*", SECRET => T);
    // Short patterns.
    rmatch!(short_service, "arn:aws:secretsmanager:*", SECRET => T);
    rmatch!(short_region, "arn:aws:secretsmanager:us-east-1:*", SECRET => T);
    rmatch!(short_region_prefix, "arn:aws:secretsmanager:us-*", SECRET => T);
    rmatch!(short_region_no, "arn:aws:secretsmanager:eu-*", SECRET => F);
    rmatch!(short_inner_star_stays, "arn:aws:secretsmanager:us-*3*", SECRET => F);
    rmatch!(short_partition, "arn:*", SECRET => T);
    rmatch!(short_other_service, "arn:aws:s3:*", SECRET => F);
    rmatch!(service_star, "arn:aws:secrets*:*:*:*", SECRET => T);
    rmatch!(service_question, "arn:aws:s?:::b", SECRET => F);
    rmatch!(service_star_short, "arn:aws:*", SECRET => T);
    rmatch!(service_star_other, "arn:aws:*code*:*:*:*", SECRET => F);
    rmatch!(short_no_star, "arn:aws:secretsmanager:us-east-1", SECRET => F);
    rmatch!(short_no_star_account, "arn:aws:secretsmanager:us-east-1:111122223333", SECRET => F);
    rmatch!(short_vs_short_resource, "arn:aws:secretsmanager:*", "arn:aws:secretsmanager" => F);
    // The middle-segment `*` does not cross colons (D-03).
    rmatch!(mid_star_no_cross, "arn:aws:secretsmanager:*:secret:prod/*", SECRET => F);
    rmatch!(mid_q_no_colon, "arn:aws:secretsmanager:us-east-1?111122223333:secret:*", SECRET => F);
    // Empty region and account.
    rmatch!(iam_empty_region, "arn:aws:iam:*:111122223333:user/*", "arn:aws:iam::111122223333:user/alice" => T);
    rmatch!(iam_empty_region_exact, "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alice" => T);
    rmatch!(iam_user_case, "arn:aws:iam::111122223333:user/Alice", "arn:aws:iam::111122223333:user/alice" => F);
    rmatch!(iam_q_empty_region, "arn:aws:iam:?:111122223333:user/*", "arn:aws:iam::111122223333:user/alice" => F);
    // S3 examples from the Resource page.
    rmatch!(s3_deep, "arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/1/2/test/3/object.jpg" => T);
    rmatch!(s3_empty_dir, "arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket//test/object.jpg" => T);
    rmatch!(s3_no_dir, "arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/test/object.jpg" => F);
    rmatch!(s3_dash, "arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/1-test/object.jpg" => F);
    rmatch!(s3_bucket_only, "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/x" => F);
    // The pseudo-resource `*`.
    rmatch!(star_vs_star, "*", "*" => T);
    rmatch!(star_vs_arn, "*", SECRET => T);
    rmatch!(star_vs_garbage, "*", "not an arn" => T);
    rmatch!(all_secrets_vs_star, "arn:aws:secretsmanager:*:*:secret:*", "*" => F);
    rmatch!(short_vs_star, "arn:*", "*" => F);
    rmatch!(pattern_vs_garbage, "arn:aws:s3:::*", "garbage" => F);
    rmatch!(pattern_vs_not_arn, "arn:aws:s3:::*", "nrn:aws:s3:::x" => F);
    // Variables in the resource part.
    rmatch!(var_user, "arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:s3:::bucket/alice/x" => T);
    rmatch!(var_user_no, "arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:s3:::bucket/bob/x" => F);
    rmatch!(var_missing, "arn:aws:s3:::bucket/${aws:userid}/*", "arn:aws:s3:::bucket/alice/x" => None);
    rmatch!(var_missing_other_service, "arn:aws:s3:::bucket/${aws:userid}/*", SECRET => None);
    rmatch!(var_default, "arn:aws:s3:::bucket/${aws:userid, 'shared'}/*", "arn:aws:s3:::bucket/shared/x" => T);
    rmatch!(var_value_star_literal, "arn:aws:s3:::bucket/${star}", "arn:aws:s3:::bucket/x" => F);
    rmatch!(var_value_star_self, "arn:aws:s3:::bucket/${star}", "arn:aws:s3:::bucket/*" => T);
    rmatch!(var_fixed_star, "arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/*" => T);
    rmatch!(var_fixed_star_literal, "arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/x" => F);
    rmatch!(var_secret_tag, "arn:aws:secretsmanager:*:*:secret:${aws:PrincipalTag/project}/*", SECRET => T);

    // Condition mode.
    cmatch!(cond_exact, SECRET, SECRET => T);
    cmatch!(cond_wild, "arn:aws:secretsmanager:*:111122223333:secret:*", SECRET => T);
    cmatch!(cond_service_wild, "arn:aws:secrets*:*:*:*", SECRET => T);
    cmatch!(cond_first_wild, "*:aws:secretsmanager:*:*:*", SECRET => T);
    cmatch!(cond_docs_example_arnlike,
        "arn:aws:someservice:*:111122223333:finance/*",
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt" => F);
    cmatch!(cond_sixth_has_colons, "arn:aws:secretsmanager:*:*:secret:prod/*", SECRET => T);
    cmatch!(cond_short, "arn:aws:secretsmanager:*", SECRET => F);
    cmatch!(cond_star, "*", SECRET => F);
    cmatch!(cond_value_short, "arn:aws:s3:::*", "arn:aws:s3" => F);
    cmatch!(cond_case, "arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/admin" => F);
    cmatch!(cond_var_account, "arn:aws:iam::${aws:PrincipalAccount}:role/*", "arn:aws:iam::111122223333:role/x" => T);
    cmatch!(cond_var_account_no, "arn:aws:iam::${aws:PrincipalAccount}:role/*", "arn:aws:iam::999999999999:role/x" => F);
    cmatch!(cond_var_missing, "arn:aws:iam::${aws:SourceAccount}:role/*", "arn:aws:iam::1:role/x" => None);
    cmatch!(cond_var_colon_literal, "arn:aws:iam::${colon}:role/x", "arn:aws:iam::a:b:role/x" => F);
    cmatch!(cond_q_no_colon, "arn:aws:iam::?:role/x", "arn:aws:iam:::role/x" => F);
    cmatch!(cond_empty_region, "arn:aws:iam:*:*:role/x", "arn:aws:iam:::role/x" => T);

    perr!(
        err_no_prefix,
        Resource,
        "aws:s3:::bucket",
        ArnError::MissingPrefix(_)
    );
    perr!(
        err_no_prefix_case,
        Resource,
        "ARN:aws:s3:::bucket",
        ArnError::MissingPrefix(_)
    );
    perr!(err_double_star, Resource, "**", ArnError::MissingPrefix(_));
    perr!(err_bare_arn, Resource, "arn", ArnError::MissingPrefix(_));
    perr!(
        err_var_account,
        Resource,
        "arn:aws:iam::${aws:PrincipalAccount}:user/x",
        ArnError::VariableOutsideResource {
            start: 13,
            end: 36,
            ..
        }
    );
    perr!(
        err_var_region,
        Resource,
        "arn:aws:s3:${aws:RequestedRegion}::x",
        ArnError::VariableOutsideResource { .. }
    );
    perr!(
        err_var_fixed_region,
        Resource,
        "arn:aws:s3:${*}::x",
        ArnError::VariableOutsideResource { .. }
    );
    perr!(
        err_var_malformed,
        Resource,
        "arn:aws:s3:::b/${}",
        ArnError::Variable(crate::variables::VariableError::Empty { start: 15, end: 18 })
    );
    perr!(
        err_var_unclosed_cond,
        Condition,
        "arn:aws:iam::${aws:x:role/y",
        ArnError::Variable(crate::variables::VariableError::Unclosed { start: 13 })
    );

    aerr!(arn_no_prefix, "aws:s3:::b", ArnError::MissingPrefix(_));
    aerr!(arn_short, "arn:aws:s3::b", ArnError::TooFewComponents(_));
    aerr!(
        arn_no_service,
        "arn:aws::::b",
        ArnError::EmptyComponent {
            component: "service",
            ..
        }
    );
    aerr!(
        arn_no_partition,
        "arn::s3:::b",
        ArnError::EmptyComponent {
            component: "partition",
            ..
        }
    );
    aerr!(
        arn_no_resource,
        "arn:aws:s3:::",
        ArnError::EmptyComponent {
            component: "resource part",
            ..
        }
    );

    #[test]
    fn variables_off_are_literal() {
        let p = ArnPattern::parse(
            "arn:aws:s3:::bucket/${aws:username}",
            ArnPatternMode::Resource,
            false,
        )
        .unwrap();
        assert!(!p.has_variables());
        assert_eq!(
            p.is_match("arn:aws:s3:::bucket/${aws:username}", |_| None),
            Some(true)
        );
        assert_eq!(p.is_match("arn:aws:s3:::bucket/alice", ctx), Some(false));
        // `${` outside the resource part is plain text too.
        let p =
            ArnPattern::parse("arn:aws:iam::${x}:user/a", ArnPatternMode::Resource, false).unwrap();
        assert_eq!(p.account(), Some("${x}"));
        // And in Condition mode the colon inside `${a:b}` splits.
        let p =
            ArnPattern::parse("arn:aws:iam::${a:b}:x", ArnPatternMode::Condition, false).unwrap();
        assert_eq!(p.account(), Some("${a"));
    }

    #[test]
    fn accessors() {
        let arn = Arn::parse(SECRET).unwrap();
        assert_eq!(arn.as_str(), SECRET);
        assert_eq!(arn.partition(), "aws");
        assert_eq!(arn.service(), "secretsmanager");
        assert_eq!(arn.region(), "us-east-1");
        assert_eq!(arn.account(), "111122223333");
        assert_eq!(arn.resource(), "secret:prod/db-AbCdEf");
        assert_eq!(arn.to_string(), SECRET);
        let s3: Arn = "arn:aws:s3:::bucket".parse().unwrap();
        assert_eq!(
            (s3.region(), s3.account(), s3.resource()),
            ("", "", "bucket")
        );

        let p = ArnPattern::parse(
            "arn:aws:s3:::bucket/${aws:username}/*",
            ArnPatternMode::Resource,
            true,
        )
        .unwrap();
        assert_eq!(p.as_str(), "arn:aws:s3:::bucket/${aws:username}/*");
        assert_eq!(p.mode(), ArnPatternMode::Resource);
        assert_eq!(p.component(0), Some("arn"));
        assert_eq!(p.partition(), Some("aws"));
        assert_eq!(p.service(), Some("s3"));
        assert_eq!(p.region(), Some(""));
        assert_eq!(p.account(), Some(""));
        assert_eq!(p.resource(), Some("bucket/${aws:username}/*"));
        assert_eq!(p.component(6), None);
        assert_eq!(
            p.resource_template().unwrap().as_str(),
            "bucket/${aws:username}/*"
        );
        assert!(p.has_variables());
        assert_eq!(p.variables().collect::<Vec<_>>(), [("aws:username", None)]);
        assert!(!p.is_any());
        assert!(!p.matches_nothing());

        let any = ArnPattern::parse("*", ArnPatternMode::Resource, true).unwrap();
        assert!(any.is_any());
        assert_eq!(any.partition(), None);
        assert!(any.resource_template().is_none());

        let short =
            ArnPattern::parse("arn:aws:secretsmanager:*", ArnPatternMode::Resource, true).unwrap();
        assert_eq!(short.region(), Some("*"));
        assert_eq!(short.account(), None);
        assert!(short.resource_template().is_none());
        assert!(!short.matches_nothing());

        let never =
            ArnPattern::parse("arn:aws:secretsmanager", ArnPatternMode::Resource, true).unwrap();
        assert!(never.matches_nothing());
        let cond_star = ArnPattern::parse("*", ArnPatternMode::Condition, true).unwrap();
        assert!(cond_star.matches_nothing());
        assert!(!cond_star.is_any());

        let cond = ArnPattern::parse(
            "arn:aws:iam::${aws:PrincipalAccount}:role/${aws:username}",
            ArnPatternMode::Condition,
            true,
        )
        .unwrap();
        assert_eq!(cond.account(), Some("${aws:PrincipalAccount}"));
        assert_eq!(cond.resource(), Some("role/${aws:username}"));
        assert_eq!(
            cond.variables().collect::<Vec<_>>(),
            [("aws:principalaccount", None), ("aws:username", None)]
        );
    }

    #[test]
    fn messages_and_spans() {
        let e = ArnPattern::parse(
            "arn:aws:iam::${aws:x}:user/a",
            ArnPatternMode::Resource,
            true,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "policy variable in `arn:aws:iam::${aws:x}:user/a` is allowed only in the resource part, after the fifth colon"
        );
        assert_eq!(e.span(), Some(13..21));
        let e =
            ArnPattern::parse("arn:aws:s3:::b/${}", ArnPatternMode::Resource, true).unwrap_err();
        assert_eq!(e.span(), Some(15..18));
        assert_eq!(e.to_string(), "empty policy variable");
        assert!(ArnPattern::parse("arn:aws:s*:::b", ArnPatternMode::Resource, true).is_ok());
        assert_eq!(
            Arn::parse("arn:aws:s3").unwrap_err().to_string(),
            "`arn:aws:s3` has fewer than six components"
        );
    }

    #[test]
    fn pathological_resource_is_fast() {
        let mut pattern = "arn:aws:s3:::".to_owned();
        pattern.push_str(&"*a".repeat(40));
        pattern.push_str("*b");
        let p = ArnPattern::parse(&pattern, ArnPatternMode::Resource, true).unwrap();
        let mut resource = "arn:aws:s3:::".to_owned();
        resource.push_str(&"a".repeat(64 * 1024));
        let started = std::time::Instant::now();
        assert_eq!(p.is_match(&resource, ctx), Some(false));
        // A guard against exponential backtracking (which would take years here), not a
        // speed figure: a linear matcher takes well under a second even on a loaded machine,
        // and the measured times live in the benches and `fuzz/README.md`.
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
    }
}
