//! Lowering: the spanned JSON tree to a validated [`Policy`], collecting every error.
//!
//! Owns the structural rules of the policy grammar and of each policy type: which elements
//! exist, which are required, which combinations are refused, which principals a type may
//! name, and how each condition value is typed for its operator. Sources:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>
//! (`iam-semantics.md` §1, §4, §6, §7, §12).
//!
//! Lowering keeps going after an error, so one call reports every problem. It reads the flat
//! JSON tree in place, keeps only a cheap stack of path segments while walking, and renders a
//! path string and a line/column only when an error is reported.
//!
//! What it builds is its caller's choice ([`Sink`]): each valid element is handed to the
//! sink, which keeps its own form of it. [`parse_policy`] builds the [`Policy`] model; the
//! engine compiles a document straight from its text (`engine::compile::Compiler`), with the
//! same rules and the same errors, since both go through [`lower`].

use std::borrow::Cow;

use smallvec::{SmallVec, smallvec};

use crate::action::ActionPattern;
use crate::arn::{Arn, ArnError, ArnPattern, ArnPatternMode};
use crate::code::Code;
use crate::condition::{Operator, OperatorError, OperatorFamily};
use crate::json::{self, JsonError, JsonErrorKind, Kind, Limits, MemberRef as Member, Value};
use crate::policy::error::{ParseError, ParseErrorKind, ParseErrors};
use crate::policy::{
    ActionBlock, ConditionEntry, ConditionValue, Effect, OneOrMany, Policy, PolicyType,
    PrincipalBlock, PrincipalEntry, PrincipalKind, PrincipalValue, Principals, RawScalar,
    ResourceBlock, Spanned, Statement, TypedValue, Version,
};
use crate::source::{LineCol, LineCursor, LineIndex, Span};
use crate::value::{self, Decimal, Instant, decode_base64, parse_cidr};
use crate::variables::{Template, TemplateOptions, VariableError, has_variable};

/// A value of the flat JSON tree as lowering reads it (strings read from the text in place).
type Node<'t> = json::NodeRef<'t>;

/// Options for [`parse_policy_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Bounds on the JSON input.
    pub limits: Limits,
}

/// Parses and validates a policy document of the given type.
///
/// ```
/// use iam_policy::{Effect, PolicyType, parse_policy};
/// let text = r#"{"Version": "2012-10-17",
///   "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#;
/// let policy = parse_policy(text, PolicyType::Identity)?;
/// assert_eq!(policy.statements()[0].effect().value, Effect::Allow);
///
/// // Every problem is reported, each with a code, a path and a position.
/// let errors = parse_policy(r#"{"Statement": [{"Effect": "allow"}]}"#, PolicyType::Identity)
///     .unwrap_err();
/// let found: Vec<String> = errors
///     .iter()
///     .map(|e| format!("{} {} {}", e.code(), e.path(), e.line_col()))
///     .collect();
/// assert_eq!(found, [
///     "MISSING_ACTION Statement[0] 1:16",
///     "MISSING_RESOURCE Statement[0] 1:16",
///     "INVALID_EFFECT Statement[0].Effect 1:27",
/// ]);
/// # Ok::<(), iam_policy::ParseErrors>(())
/// ```
///
/// # Errors
///
/// Every problem found, each located (see [`ParseErrors`]).
pub fn parse_policy(text: &str, policy_type: PolicyType) -> Result<Policy, ParseErrors> {
    parse_policy_with(text, policy_type, &ParseOptions::default())
}

/// [`parse_policy`] with explicit options.
///
/// # Errors
///
/// Every problem found, each located (see [`ParseErrors`]).
pub fn parse_policy_with(
    text: &str,
    policy_type: PolicyType,
    options: &ParseOptions,
) -> Result<Policy, ParseErrors> {
    let mut model = Model::default();
    lower(text, policy_type, &options.limits, &mut model)?;
    model.policy.ok_or_else(internal_error)
}

/// Validates `text` as a policy of `policy_type` and hands every element to `sink`, in
/// document order; on success the sink has received the whole document. The one walk over a
/// policy's JSON: [`parse_policy_with`] builds the [`Policy`] model through it, and the
/// engine compiles a document straight from its text through it (`engine::compile`), so both
/// accept the same documents and report the same errors.
///
/// # Errors
///
/// Every problem found, each located (see [`ParseErrors`]); the sink's contents are then
/// meaningless.
pub(crate) fn lower<S>(
    text: &str,
    policy_type: PolicyType,
    limits: &Limits,
    sink: &mut S,
) -> Result<(), ParseErrors>
where
    S: for<'t> Sink<'t>,
{
    let tree = match json::parse_tree(text, limits) {
        Ok(tree) => tree,
        Err(err) => return Err(json_error(text, &err)),
    };
    let mut lowerer = Lowerer {
        text,
        policy_type,
        variables: false,
        path: Path::default(),
        errors: Vec::new(),
        sids: SmallVec::new(),
        sink,
    };
    let ok = lowerer.document(tree.root());
    if ok && lowerer.errors.is_empty() {
        Ok(())
    } else {
        Err(lowerer.finish())
    }
}

/// A JSON scalar of a condition value, borrowed from the document ([`RawScalar`] owns one).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Raw<'t> {
    String(&'t str),
    Number(&'t str),
    Bool(bool),
}

impl<'t> Raw<'t> {
    /// The value as text (`true`, `10`, or the string itself).
    fn as_text(self) -> &'t str {
        match self {
            Self::String(s) | Self::Number(s) => s,
            Self::Bool(true) => "true",
            Self::Bool(false) => "false",
        }
    }

    /// The condition value of this scalar, typed as `typed`.
    pub(crate) fn value(self, typed: TypedValue) -> ConditionValue {
        let raw = match self {
            Self::String(s) => RawScalar::String(s.to_owned()),
            Self::Number(n) => RawScalar::Number(n.to_owned()),
            Self::Bool(b) => RawScalar::Bool(b),
        };
        ConditionValue { raw, typed }
    }
}

/// `Action`/`NotAction`, `Resource`/`NotResource` or `Principal`/`NotPrincipal`, lowered.
#[derive(Debug)]
pub(crate) struct Element<T> {
    /// Whether it is the `Not` form.
    pub(crate) negated: bool,
    /// Its entries.
    pub(crate) items: T,
    /// The span of its value.
    pub(crate) span: Span,
}

/// A valid statement as lowering hands it to a [`Sink`]: its elements already made by the
/// sink.
pub(crate) struct Parts<'t, S: Sink<'t> + ?Sized> {
    pub(crate) sid: Option<Spanned<&'t str>>,
    pub(crate) effect: Spanned<Effect>,
    pub(crate) action: Element<OneOrMany<S::Action>>,
    /// Absent only in role trust policies.
    pub(crate) resource: Option<Element<OneOrMany<S::Resource>>>,
    pub(crate) principal: Option<Element<S::Principals>>,
    pub(crate) conditions: S::Conditions,
    pub(crate) condition_span: Option<Span>,
    pub(crate) span: Span,
}

/// The top level of a valid document, as lowering hands it to a [`Sink`].
pub(crate) struct Head<'t> {
    pub(crate) policy_type: PolicyType,
    pub(crate) version: Option<Spanned<Version>>,
    pub(crate) id: Option<Spanned<&'t str>>,
    pub(crate) statement_is_array: bool,
    pub(crate) statement_span: Span,
    pub(crate) span: Span,
}

/// What [`lower`] makes of the elements it has validated: each method receives one valid
/// element (its model value, or its text borrowed from the document for `'t`), and returns
/// or keeps the sink's own form of it. Lowering owns every rule; a sink only builds.
pub(crate) trait Sink<'t> {
    /// One `Action`/`NotAction` entry.
    type Action;
    /// One `Resource`/`NotResource` entry.
    type Resource;
    /// One principal value.
    type Principal;
    /// The principals of a `Principal`/`NotPrincipal` element.
    type Principals;
    /// One condition value.
    type Value;
    /// The conditions of one statement, as they are received.
    type Conditions;

    /// A statement list of `count` statements follows.
    fn reserve(&mut self, count: usize);
    fn action(&mut self, pattern: ActionPattern) -> Self::Action;
    fn resource(&mut self, pattern: ArnPattern) -> Self::Resource;
    fn principal(&mut self, kind: PrincipalKind, value: PrincipalValue) -> Self::Principal;
    /// `"*"`.
    fn any_principal(&mut self) -> Self::Principals;
    /// An object of `entries` principal types follows ([`Self::principal_entry`]).
    fn principal_map(&mut self, entries: usize) -> Self::Principals;
    fn principal_entry(
        &mut self,
        principals: &mut Self::Principals,
        kind: Spanned<PrincipalKind>,
        values: OneOrMany<Self::Principal>,
    );
    fn value(&mut self, raw: Raw<'t>, typed: TypedValue) -> Self::Value;
    /// A statement's conditions start (`blocks` operators; none when it has no `Condition`).
    fn conditions(&mut self, blocks: usize) -> Self::Conditions;
    fn condition(
        &mut self,
        conditions: &mut Self::Conditions,
        operator: Spanned<Operator>,
        key: Spanned<&'t str>,
        values: OneOrMany<Self::Value>,
    );
    /// The statement, after its elements.
    fn statement(&mut self, parts: Parts<'t, Self>);
    /// The document, after its statements.
    fn document(&mut self, head: Head<'t>);
}

/// The sink of [`parse_policy_with`]: the [`Policy`] model.
#[derive(Default)]
struct Model {
    statements: Vec<Statement>,
    policy: Option<Policy>,
}

impl<'t> Sink<'t> for Model {
    type Action = ActionPattern;
    type Resource = ArnPattern;
    type Principal = PrincipalValue;
    type Principals = Principals;
    type Value = ConditionValue;
    type Conditions = Vec<ConditionEntry>;

    fn reserve(&mut self, count: usize) {
        self.statements.reserve_exact(count);
    }

    fn action(&mut self, pattern: ActionPattern) -> ActionPattern {
        pattern
    }

    fn resource(&mut self, pattern: ArnPattern) -> ArnPattern {
        pattern
    }

    fn principal(&mut self, _: PrincipalKind, value: PrincipalValue) -> PrincipalValue {
        value
    }

    fn any_principal(&mut self) -> Principals {
        Principals::Any
    }

    fn principal_map(&mut self, entries: usize) -> Principals {
        Principals::Map(Vec::with_capacity(entries))
    }

    fn principal_entry(
        &mut self,
        principals: &mut Principals,
        kind: Spanned<PrincipalKind>,
        values: OneOrMany<PrincipalValue>,
    ) {
        if let Principals::Map(entries) = principals {
            entries.push(PrincipalEntry { kind, values });
        }
    }

    fn value(&mut self, raw: Raw<'t>, typed: TypedValue) -> ConditionValue {
        raw.value(typed)
    }

    fn conditions(&mut self, blocks: usize) -> Vec<ConditionEntry> {
        Vec::with_capacity(blocks)
    }

    fn condition(
        &mut self,
        conditions: &mut Vec<ConditionEntry>,
        operator: Spanned<Operator>,
        key: Spanned<&'t str>,
        values: OneOrMany<ConditionValue>,
    ) {
        conditions.push(ConditionEntry::new(operator, &key, values));
    }

    fn statement(&mut self, parts: Parts<'t, Self>) {
        let Element {
            negated,
            items: patterns,
            span,
        } = parts.action;
        let action = Spanned::new(ActionBlock { negated, patterns }, span);
        let resource = parts.resource.map(|e| {
            let block = ResourceBlock {
                negated: e.negated,
                patterns: e.items,
            };
            Spanned::new(block, e.span)
        });
        let principal = parts.principal.map(|e| {
            let block = PrincipalBlock {
                negated: e.negated,
                principals: e.items,
            };
            Spanned::new(block, e.span)
        });
        self.statements.push(Statement {
            sid: parts.sid.map(|s| Spanned::new(s.value.to_owned(), s.span)),
            effect: parts.effect,
            action,
            resource,
            principal,
            conditions: parts.conditions,
            condition_span: parts.condition_span,
            span: parts.span,
        });
    }

    fn document(&mut self, head: Head<'t>) {
        self.policy = Some(Policy {
            policy_type: head.policy_type,
            version: head.version,
            id: head.id.map(|id| Spanned::new(id.value.to_owned(), id.span)),
            statements: std::mem::take(&mut self.statements),
            statement_is_array: head.statement_is_array,
            statement_span: head.statement_span,
            span: head.span,
        });
    }
}

impl ConditionEntry {
    /// The entry of `key` under `operator` (the key lower-cased beside it).
    pub(crate) fn new(
        operator: Spanned<Operator>,
        key: &Spanned<&str>,
        values: OneOrMany<ConditionValue>,
    ) -> Self {
        Self {
            operator,
            key: Spanned::new(key.value.to_owned(), key.span),
            key_lower: key.value.to_ascii_lowercase(),
            values,
        }
    }
}

/// One step of a JSON path.
#[derive(Clone, Copy, Debug)]
enum Seg {
    /// An element name known at compile time (`Statement`, `Effect`, ...).
    Name(&'static str),
    /// An object key, read back from the source text (with its quotes) when rendering.
    Key(Span),
    /// An array index.
    Index(usize),
}

/// An error whose line and column are not computed yet.
#[derive(Debug)]
struct Pending {
    code: Code,
    message: String,
    span: Span,
    related: Option<Span>,
    path: String,
    help: Option<String>,
}

/// The walk's state: the text (for paths and spans), the policy type, whether policy variables
/// are recognised, the current path, the errors so far, the `Sid` of each valid statement so
/// far (for the uniqueness check; not kept for resource policies) and the sink.
struct Lowerer<'t, 's, S> {
    text: &'t str,
    policy_type: PolicyType,
    variables: bool,
    path: Path,
    errors: Vec<Pending>,
    sids: SmallVec<[Option<Spanned<&'t str>>; 4]>,
    sink: &'s mut S,
}

/// How many path segments [`Path`] keeps inline: deeper than any policy element.
const INLINE_PATH: usize = 12;

/// The current JSON path: a stack of segments kept inline (no allocation while walking a
/// policy), spilling to the heap only past [`INLINE_PATH`] segments.
#[derive(Debug)]
struct Path {
    inline: [Seg; INLINE_PATH],
    len: usize,
    spill: Vec<Seg>,
}

impl Default for Path {
    fn default() -> Self {
        Self {
            inline: [Seg::Index(0); INLINE_PATH],
            len: 0,
            spill: Vec::new(),
        }
    }
}

impl Path {
    fn push(&mut self, seg: Seg) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = seg,
            None => self.spill.push(seg),
        }
        self.len += 1;
    }

    fn pop(&mut self) {
        self.truncate(self.len.saturating_sub(1));
    }

    fn len(&self) -> usize {
        self.len
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
            self.spill.truncate(len.saturating_sub(INLINE_PATH));
        }
    }

    /// The segments, outermost first.
    fn segments(&self) -> impl Iterator<Item = &Seg> {
        self.inline
            .iter()
            .take(self.len.min(INLINE_PATH))
            .chain(&self.spill)
    }
}

/// The statement elements, each with the span of its key.
#[derive(Default)]
struct Slots<'t> {
    sid: Option<(Span, Node<'t>)>,
    effect: Option<(Span, Node<'t>)>,
    action: Option<(Span, bool, Node<'t>)>,
    resource: Option<(Span, bool, Node<'t>)>,
    principal: Option<(Span, bool, Node<'t>)>,
    condition: Option<(Span, Node<'t>)>,
}

impl<'t, S: Sink<'t>> Lowerer<'t, '_, S> {
    // ----- errors and paths ------------------------------------------------------------------

    /// Records an error at `span` with the current path.
    #[cold]
    #[inline(never)]
    fn error(&mut self, code: Code, span: Span, message: String) -> &mut Pending {
        let path = render_path(self.text, self.path.segments());
        self.errors.push(Pending {
            code,
            message,
            span,
            related: None,
            path,
            help: None,
        });
        let last = self.errors.len() - 1;
        // INVARIANT: the vector is non-empty, we just pushed onto it.
        #[expect(clippy::indexing_slicing, reason = "index of the element just pushed")]
        &mut self.errors[last]
    }

    /// Runs `f` with `seg` pushed onto the path.
    fn with<R>(&mut self, seg: Seg, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(seg);
        let r = f(self);
        self.path.pop();
        r
    }

    /// Records a JSON type error: `expected` names what was wanted.
    #[cold]
    #[inline(never)]
    fn type_mismatch(&mut self, node: Node<'_>, expected: &str) {
        let found = describe(node.kind());
        self.error(
            Code::DataTypeMismatch,
            node.span(),
            format!("expected {expected}, found {found}"),
        );
    }

    /// Converts the pending errors, sorted by position, into [`ParseErrors`].
    ///
    /// Lines and columns are counted in one pass over the text ([`LineCursor`]), so thousands
    /// of errors on one long line stay linear.
    #[cold]
    #[inline(never)]
    fn finish(mut self) -> ParseErrors {
        self.errors.sort_by_key(|p| p.span.start);
        let mut lines = LineCursor::new(self.text);
        let mut errors = self.errors.into_iter().map(|p| {
            let kind = ParseErrorKind::Invalid {
                code: p.code,
                message: p.message,
            };
            ParseError::new(kind, p.span, lines.line_col(p.span.start), p.path)
                .with_related(p.related)
                .with_help(p.help)
        });
        match errors.next() {
            Some(first) => ParseErrors::one(first).with_rest(errors),
            None => internal_error(),
        }
    }

    // ----- document ----------------------------------------------------------------------------

    /// Lowers the document; whether it was valid as far as the walk got (errors may still have
    /// been reported).
    fn document(&mut self, root: Node<'t>) -> bool {
        let span = root.span();
        let Value::Object(members) = root.value() else {
            let found = describe(root.kind());
            self.error(
                Code::DataTypeMismatch,
                span,
                format!("a policy must be a JSON object, found {found}"),
            );
            return false;
        };

        // `Version` decides how `${` reads everywhere else, wherever it is written.
        let mut version = None;
        let mut version_present = false;
        for member in members {
            if member.key == "Version" {
                version_present = true;
                version = self.with(Seg::Name("Version"), |this| this.version(member.value));
            }
        }
        self.variables = matches!(
            version,
            Some(Spanned {
                value: Version::V2012_10_17,
                ..
            })
        );
        if self.policy_type == PolicyType::Rcp {
            if !version_present {
                self.error(
                    Code::MissingVersion,
                    span,
                    "a resource control policy must have `\"Version\": \"2012-10-17\"`".into(),
                );
            } else if let Some(v) = &version
                && v.value != Version::V2012_10_17
            {
                let v_span = v.span;
                self.with(Seg::Name("Version"), |this| {
                    this.error(
                        Code::InvalidVersion,
                        v_span,
                        "a resource control policy must use version `2012-10-17`".into(),
                    );
                });
            }
        }

        let mut id = None;
        let mut statements = false;
        let mut statement_is_array = false;
        let mut statement_span = Span::empty();
        let mut saw_statement = false;
        for Member {
            key,
            key_span,
            value,
        } in members
        {
            match key {
                "Version" => {}
                "Id" => {
                    self.with(Seg::Name("Id"), |this| match value.as_str() {
                        Some(s) => id = Some(Spanned::new(s, value.span())),
                        None => this.type_mismatch(value, "a string"),
                    });
                }
                "Statement" => {
                    saw_statement = true;
                    statement_span = value.span();
                    statement_is_array = value.kind() == Kind::Array;
                    statements = self.with(Seg::Name("Statement"), |this| this.statements(value));
                }
                _ => self.unknown_element(key, key_span, TOP_LEVEL_ELEMENTS, "policy"),
            }
        }
        if !saw_statement {
            self.error(
                Code::MissingStatement,
                span,
                "the policy has no `Statement` element".into(),
            );
        }
        if !statements {
            return false;
        }
        if self.policy_type != PolicyType::Resource {
            self.check_unique_sids(statement_is_array);
        }
        self.sink.document(Head {
            policy_type: self.policy_type,
            version,
            id,
            statement_is_array,
            statement_span,
            span,
        });
        true
    }

    fn version(&mut self, node: Node<'_>) -> Option<Spanned<Version>> {
        let Some(s) = node.as_str() else {
            self.type_mismatch(node, "a string");
            return None;
        };
        let version = match s {
            "2012-10-17" => Version::V2012_10_17,
            "2008-10-17" => Version::V2008_10_17,
            other => {
                self.error(
                    Code::InvalidVersion,
                    node.span(),
                    format!("unknown policy version `{other}`"),
                )
                .help = Some("use `2012-10-17`".into());
                return None;
            }
        };
        Some(Spanned::new(version, node.span()))
    }

    /// Reports an element name that is not one of `known`.
    #[cold]
    #[inline(never)]
    fn unknown_element(&mut self, key: &str, key_span: Span, known: &[&str], place: &str) {
        let suggestion = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(key))
            .map(|k| format!("did you mean `{k}`? element names are case-sensitive"));
        self.with(Seg::Key(key_span), |this| {
            this.error(
                Code::InvalidPolicyElement,
                key_span,
                format!("unknown {place} element `{key}`"),
            )
            .help = suggestion;
        });
    }

    /// Lowers the statements; whether every one was valid.
    fn statements(&mut self, node: Node<'t>) -> bool {
        match node.value() {
            Value::Array(items) => {
                self.sink.reserve(items.len());
                let mut ok = true;
                for (i, item) in items.enumerate() {
                    ok &= self.with(Seg::Index(i), |this| this.statement(item));
                }
                ok
            }
            Value::Object(_) => {
                self.sink.reserve(1);
                self.statement(node)
            }
            _ => {
                self.type_mismatch(node, "a statement object or an array of statements");
                false
            }
        }
    }

    /// Sids must be unique within IAM policies (resource policies are checked by their service).
    /// Reads the `Sid`s kept while lowering the statements (all valid).
    fn check_unique_sids(&mut self, is_array: bool) {
        let kept = std::mem::take(&mut self.sids);
        let texts = kept
            .iter()
            .map(|sid| sid.as_ref().map(|s| s.value).filter(|s| !s.is_empty()));
        if kept.len() <= SMALL && !any_repeated(&texts, false) {
            return;
        }
        let sids: Vec<(&str, Span, usize)> = kept
            .iter()
            .enumerate()
            .filter_map(|(i, sid)| sid.as_ref().map(|sid| (sid.value, sid.span, i)))
            .filter(|(sid, _, _)| !sid.is_empty())
            .collect();
        for (dup, first_span) in find_duplicates(&sids, false) {
            let Some(&(sid, sid_span, i)) = sids.get(dup) else {
                continue;
            };
            let message = format!("`Sid` `{sid}` is used by an earlier statement");
            let saved = self.path.len();
            self.path.push(Seg::Name("Statement"));
            if is_array {
                self.path.push(Seg::Index(i));
            }
            self.path.push(Seg::Name("Sid"));
            self.error(Code::UniqueSidsRequired, sid_span, message)
                .related = Some(first_span);
            self.path.truncate(saved);
        }
    }

    // ----- statement ---------------------------------------------------------------------------

    /// Lowers one statement and hands it to the sink; whether it was valid.
    fn statement(&mut self, node: Node<'t>) -> bool {
        let span = node.span();
        let Value::Object(members) = node.value() else {
            self.type_mismatch(node, "a statement object");
            return false;
        };
        let mut slots = Slots::default();
        for Member {
            key,
            key_span,
            value,
        } in members
        {
            match key {
                "Sid" => slots.sid = Some((key_span, value)),
                "Effect" => slots.effect = Some((key_span, value)),
                "Action" | "NotAction" => {
                    let negated = key.len() > "Action".len();
                    self.exclusive(&mut slots.action, key_span, negated, value, "Action");
                }
                "Resource" | "NotResource" => {
                    let negated = key.len() > "Resource".len();
                    self.exclusive(&mut slots.resource, key_span, negated, value, "Resource");
                }
                "Principal" | "NotPrincipal" => {
                    let negated = key.len() > "Principal".len();
                    self.exclusive(&mut slots.principal, key_span, negated, value, "Principal");
                }
                "Condition" => slots.condition = Some((key_span, value)),
                _ => self.unknown_element(key, key_span, STATEMENT_ELEMENTS, "statement"),
            }
        }

        let sid = slots.sid.and_then(|(_, node)| {
            self.with(Seg::Name("Sid"), |this| match node.as_str() {
                Some(s) => Some(Spanned::new(s, node.span())),
                None => {
                    this.type_mismatch(node, "a string");
                    None
                }
            })
        });

        let effect = match slots.effect {
            Some((_, node)) => self.with(Seg::Name("Effect"), |this| this.effect(node)),
            None => {
                self.error(
                    Code::MissingEffect,
                    span,
                    "the statement has no `Effect` element".into(),
                )
                .help = Some("add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`".into());
                None
            }
        };

        let action = match slots.action {
            Some((_, negated, node)) => {
                let name = if negated { "NotAction" } else { "Action" };
                self.with(Seg::Name(name), |this| this.actions(node, negated))
            }
            None => {
                self.error(
                    Code::MissingAction,
                    span,
                    "the statement has no `Action` or `NotAction` element".into(),
                );
                None
            }
        };

        let resource_ok;
        let resource = match slots.resource {
            Some((key_span, negated, node)) => {
                let name = if negated { "NotResource" } else { "Resource" };
                if self.policy_type == PolicyType::Trust {
                    self.with(Seg::Name(name), |this| {
                        this.error(
                            Code::UnsupportedResource,
                            key_span,
                            format!("a role trust policy cannot have a `{name}` element"),
                        )
                        .help = Some("the role itself is the resource; remove the element".into());
                    });
                    resource_ok = false;
                    None
                } else {
                    let r = self.with(Seg::Name(name), |this| this.resources(node, negated));
                    resource_ok = r.is_some();
                    r
                }
            }
            None => {
                if self.policy_type != PolicyType::Trust {
                    self.error(
                        Code::MissingResource,
                        span,
                        "the statement has no `Resource` or `NotResource` element".into(),
                    );
                    resource_ok = false;
                } else {
                    resource_ok = true;
                }
                None
            }
        };

        let (principal, principal_ok) =
            self.statement_principal(slots.principal, span, effect.as_ref().map(|e| e.value));

        let mut condition_span = None;
        let conditions = match slots.condition {
            Some((_, node)) => {
                condition_span = Some(node.span());
                self.with(Seg::Name("Condition"), |this| this.conditions(node))
            }
            None => Some(self.sink.conditions(0)),
        };

        let (Some(effect), Some(action), Some(conditions), true, true) =
            (effect, action, conditions, resource_ok, principal_ok)
        else {
            return false;
        };
        if self.policy_type != PolicyType::Resource {
            self.sids.push(sid.clone());
        }
        self.sink.statement(Parts {
            sid,
            effect,
            action,
            resource,
            principal,
            conditions,
            condition_span,
            span,
        });
        true
    }

    /// Stores one of a pair of exclusive elements (`Action`/`NotAction`, ...), reporting the
    /// second one if both are present.
    fn exclusive(
        &mut self,
        slot: &mut Option<(Span, bool, Node<'t>)>,
        key_span: Span,
        negated: bool,
        value: Node<'t>,
        base: &'static str,
    ) {
        if let Some((first_span, first_negated, _)) = slot {
            let (first_span, first_negated) = (*first_span, *first_negated);
            let name = |neg: bool| {
                if neg {
                    format!("Not{base}")
                } else {
                    base.to_owned()
                }
            };
            let message = format!(
                "`{}` and `{}` cannot both appear in one statement",
                name(first_negated),
                name(negated)
            );
            self.with(Seg::Key(key_span), |this| {
                this.error(Code::UnsupportedElementCombination, key_span, message)
                    .related = Some(first_span);
            });
            return;
        }
        *slot = Some((key_span, negated, value));
    }

    fn effect(&mut self, node: Node<'_>) -> Option<Spanned<Effect>> {
        let Some(s) = node.as_str() else {
            self.type_mismatch(node, "`\"Allow\"` or `\"Deny\"`");
            return None;
        };
        let effect = match s {
            "Allow" => Effect::Allow,
            "Deny" => Effect::Deny,
            other => {
                let help = if other.eq_ignore_ascii_case("allow") {
                    "did you mean `Allow`? `Effect` is case-sensitive"
                } else if other.eq_ignore_ascii_case("deny") {
                    "did you mean `Deny`? `Effect` is case-sensitive"
                } else {
                    "use `Allow` or `Deny`"
                };
                self.error(
                    Code::InvalidEffect,
                    node.span(),
                    format!("`Effect` must be `Allow` or `Deny`, found `{other}`"),
                )
                .help = Some(help.into());
                return None;
            }
        };
        Some(Spanned::new(effect, node.span()))
    }

    /// Checks `Principal`/`NotPrincipal` against the policy type; returns the lowered block and
    /// whether everything about it was acceptable.
    fn statement_principal(
        &mut self,
        slot: Option<(Span, bool, Node<'t>)>,
        stmt_span: Span,
        effect: Option<Effect>,
    ) -> (Option<Element<S::Principals>>, bool) {
        let ty = self.policy_type;
        let Some((key_span, negated, node)) = slot else {
            return match ty {
                PolicyType::Resource | PolicyType::Trust | PolicyType::Rcp => {
                    let message = match ty {
                        PolicyType::Resource => {
                            "a resource-based policy statement needs a `Principal` or `NotPrincipal`"
                        }
                        PolicyType::Trust => "a role trust policy statement needs a `Principal`",
                        _ => "a resource control policy statement needs `\"Principal\": \"*\"`",
                    };
                    self.error(Code::MissingPrincipal, stmt_span, message.into());
                    (None, false)
                }
                _ => (None, true),
            };
        };
        let name = if negated { "NotPrincipal" } else { "Principal" };
        let refusal = match ty {
            PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session => Some((
                Code::UnsupportedPrincipal,
                format!("`{name}` is not allowed in {} policies", type_phrase(ty)),
            )),
            PolicyType::Scp => Some((
                Code::ScpSyntaxErrorPrincipal,
                format!("`{name}` is not allowed in service control policies"),
            )),
            PolicyType::Trust | PolicyType::Rcp if negated => Some((
                Code::UnsupportedPrincipal,
                format!(
                    "`NotPrincipal` is not allowed in {} policies",
                    type_phrase(ty)
                ),
            )),
            _ => None,
        };
        if let Some((code, message)) = refusal {
            self.with(Seg::Name(name), |this| {
                this.error(code, key_span, message);
            });
            return (None, false);
        }
        let value_span = node.span();
        let Some((principals, any)) = self.with(Seg::Name(name), |this| this.principals(node))
        else {
            return (None, false);
        };
        let mut ok = true;
        if negated && effect == Some(Effect::Allow) {
            self.with(Seg::Name(name), |this| {
                this.error(
                    Code::AllowWithNotPrincipal,
                    key_span,
                    "`NotPrincipal` is not supported with `\"Effect\": \"Allow\"`".into(),
                )
                .help = Some("use `Principal` with a condition on `aws:PrincipalArn`".into());
            });
            ok = false;
        }
        if ty == PolicyType::Rcp && !any {
            self.with(Seg::Name(name), |this| {
                this.error(
                    Code::UnsupportedPrincipal,
                    value_span,
                    "a resource control policy's `Principal` must be `\"*\"`".into(),
                )
                .help = Some("restrict principals with conditions instead".into());
            });
            ok = false;
        }
        let element = Element {
            negated,
            items: principals,
            span: value_span,
        };
        (Some(element), ok)
    }

    // ----- Action / Resource -------------------------------------------------------------------

    /// Runs `f` on each entry of a string or an array of strings (with the entry's index on the
    /// path when it is an array), building a [`OneOrMany`] if every entry succeeded. Other JSON
    /// types are reported.
    fn each<T>(
        &mut self,
        node: Node<'t>,
        mut f: impl FnMut(&mut Self, &'t str, Span) -> Option<T>,
    ) -> Option<OneOrMany<T>> {
        match node.value() {
            Value::String(text) => {
                let span = node.span();
                let v = f(self, text, span)?;
                Some(OneOrMany {
                    items: smallvec![Spanned::new(v, span)],
                    is_list: false,
                })
            }
            Value::Array(entries) => {
                let mut items = SmallVec::with_capacity(entries.len());
                let mut ok = true;
                for (i, item) in entries.enumerate() {
                    let span = item.span();
                    let r = self.with(Seg::Index(i), |this| match item.as_str() {
                        Some(text) => f(this, text, span),
                        None => {
                            this.type_mismatch(item, "a string");
                            None
                        }
                    });
                    match r {
                        Some(v) => items.push(Spanned::new(v, span)),
                        None => ok = false,
                    }
                }
                ok.then_some(OneOrMany {
                    items,
                    is_list: true,
                })
            }
            _ => {
                self.type_mismatch(node, "a string or an array of strings");
                None
            }
        }
    }

    fn actions(&mut self, node: Node<'t>, negated: bool) -> Option<Element<OneOrMany<S::Action>>> {
        let span = node.span();
        let patterns = self.each(node, |this, text, span| {
            if this.variables && has_variable(text) {
                this.variable_in_element(span, "an action");
                return None;
            }
            match ActionPattern::from_text(Cow::Borrowed(text)) {
                Ok(p) => Some(this.sink.action(p)),
                Err(e) => {
                    this.error(Code::InvalidActionFormat, span, e.to_string())
                        .help =
                        Some("write `service:ActionName`, for example `s3:GetObject`".into());
                    None
                }
            }
        })?;
        Some(Element {
            negated,
            items: patterns,
            span,
        })
    }

    fn resources(
        &mut self,
        node: Node<'t>,
        negated: bool,
    ) -> Option<Element<OneOrMany<S::Resource>>> {
        let span = node.span();
        let variables = self.variables;
        let patterns = self.each(node, |this, text, span| {
            match ArnPattern::parse_owned(text.to_owned(), ArnPatternMode::Resource, variables) {
                Ok(p) => Some(this.sink.resource(p)),
                Err((e, text)) => {
                    this.arn_error(&e, &text, span);
                    None
                }
            }
        })?;
        Some(Element {
            negated,
            items: patterns,
            span,
        })
    }

    #[cold]
    #[inline(never)]
    fn variable_in_element(&mut self, span: Span, what: &str) {
        self.error(
            Code::VariableUnsupportedInElement,
            span,
            format!("policy variables are not allowed in {what}"),
        )
        .help =
            Some("variables work only in `Resource` and in String and Arn condition values".into());
    }

    /// Reports an [`ArnError`] for the string `text` read from `span`.
    #[cold]
    #[inline(never)]
    fn arn_error(&mut self, err: &ArnError, text: &str, span: Span) {
        // `if let` rather than `match`: `ArnError` is non-exhaustive and may grow variants.
        if let ArnError::MissingPrefix(_) = err {
            self.error(Code::InvalidArnPrefix, span, err.to_string())
                .help = Some("an ARN starts with `arn:`, or write `*` alone".into());
        } else if let ArnError::TooFewComponents(_) = err {
            self.error(Code::MissingArnField, span, err.to_string())
                .help = Some(
                "an ARN has six components: `arn:partition:service:region:account:resource`".into(),
            );
        } else if let ArnError::Variable(var) = err {
            // Offsets are relative to the whole pattern text.
            self.variable_error(var, text, span);
        } else if let ArnError::VariableOutsideResource { start, end, .. } = err {
            let at = inner_span(span, text, *start, *end);
            self.error(Code::VariableUnsupportedInElement, at, err.to_string())
                .help = Some(
                "variables may appear only in the resource part, after the fifth colon".into(),
            );
        } else {
            self.error(Code::InvalidArn, span, err.to_string());
        }
    }

    /// Reports a malformed `${...}` in the JSON string `text` read from `span`, pointing inside
    /// the string when it has no escapes.
    #[cold]
    #[inline(never)]
    fn variable_error(&mut self, err: &VariableError, text: &str, span: Span) {
        let (code, (start, end)) = classify_variable_error(err, text);
        let at = inner_span(span, text, start, end);
        self.error(code, at, err.to_string());
    }

    // ----- Principal ---------------------------------------------------------------------------

    /// The principals, and whether they were written `"*"`.
    fn principals(&mut self, node: Node<'t>) -> Option<(S::Principals, bool)> {
        match node.value() {
            Value::String("*") => Some((self.sink.any_principal(), true)),
            Value::String(s) => {
                self.error(
                    Code::InvalidPrincipalFormat,
                    node.span(),
                    format!("a principal must be `\"*\"` or an object, found the string `{s}`"),
                )
                .help = Some(format!("write `{{\"AWS\": \"{s}\"}}`"));
                None
            }
            Value::Object(members) => {
                let mut entries = self.sink.principal_map(members.len());
                let mut ok = true;
                for Member {
                    key,
                    key_span,
                    value,
                } in members
                {
                    let kind = match key {
                        "AWS" => PrincipalKind::Aws,
                        "Service" => PrincipalKind::Service,
                        "Federated" => PrincipalKind::Federated,
                        "CanonicalUser" => PrincipalKind::CanonicalUser,
                        other => {
                            let suggestion = PRINCIPAL_KEYS
                                .iter()
                                .find(|k| k.eq_ignore_ascii_case(other))
                                .map(|k| format!("did you mean `{k}`?"));
                            self.with(Seg::Key(key_span), |this| {
                                this.error(
                                    Code::InvalidPrincipalKey,
                                    key_span,
                                    format!("unknown principal type `{other}`"),
                                )
                                .help = Some(suggestion.unwrap_or_else(|| {
                                    "use `AWS`, `Service`, `Federated` or `CanonicalUser`".into()
                                }));
                            });
                            ok = false;
                            continue;
                        }
                    };
                    let values = self.with(Seg::Key(key_span), |this| {
                        this.each(value, |this, text, span| {
                            let value = this.principal_value(kind, text, span)?;
                            Some(this.sink.principal(kind, value))
                        })
                    });
                    match values {
                        Some(values) => self.sink.principal_entry(
                            &mut entries,
                            Spanned::new(kind, key_span),
                            values,
                        ),
                        None => ok = false,
                    }
                }
                ok.then_some((entries, false))
            }
            _ => {
                self.type_mismatch(node, "`\"*\"` or an object");
                None
            }
        }
    }

    fn principal_value(
        &mut self,
        kind: PrincipalKind,
        text: &str,
        span: Span,
    ) -> Option<PrincipalValue> {
        if kind == PrincipalKind::Aws && text == "*" {
            return Some(PrincipalValue::Any);
        }
        let text = text.to_owned();
        if self.variables && has_variable(&text) {
            self.variable_in_element(span, "a principal");
            return None;
        }
        if text.contains(['*', '?']) {
            self.error(
                Code::UnsupportedWildcardInPrincipal,
                span,
                format!("wildcards are not allowed in principal `{text}`"),
            )
            .help = Some("use `\"*\"` alone with a condition on `aws:PrincipalArn` instead".into());
            return None;
        }
        match kind {
            PrincipalKind::Aws => {
                if is_account_id(&text) {
                    return Some(PrincipalValue::Account(text));
                }
                let text = if is_aws_principal_arn(&text) {
                    match Arn::parse_owned(text) {
                        Ok(arn) => return Some(PrincipalValue::Arn(arn)),
                        Err((_, text)) => text,
                    }
                } else {
                    text
                };
                // IAM stores a role's or user's unique id (it shows one in place of the ARN of
                // a deleted principal); Access Analyzer warns (`INVALID_ROLE_REFERENCE`,
                // `INVALID_USER_REFERENCE`). It names no current principal: it matches nobody.
                if is_principal_unique_id(&text) {
                    return Some(PrincipalValue::Name(text));
                }
                self.error(
                    Code::InvalidPrincipalFormat,
                    span,
                    format!("`{text}` is not an AWS principal"),
                )
                .help = Some(
                    "use a 12-digit account id or the ARN of an account root, user, role, \
                     assumed-role session or federated user"
                        .into(),
                );
                None
            }
            PrincipalKind::Service => {
                if is_service_principal(&text) {
                    return Some(PrincipalValue::Name(text));
                }
                self.error(
                    Code::InvalidServicePrincipalFormat,
                    span,
                    format!("`{text}` is not a service principal"),
                )
                .help = Some("a service principal looks like `lambda.amazonaws.com`".into());
                None
            }
            PrincipalKind::Federated => {
                if is_federated_principal(&text) {
                    return Some(PrincipalValue::Name(text));
                }
                self.error(
                    Code::InvalidPrincipalFormat,
                    span,
                    format!("`{text}` is not a federated principal"),
                )
                .help = Some(
                    "use an identity provider name such as `cognito-identity.amazonaws.com` or \
                     the ARN of a SAML or OIDC provider"
                        .into(),
                );
                None
            }
            PrincipalKind::CanonicalUser => {
                if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Some(PrincipalValue::Name(text));
                }
                self.error(
                    Code::InvalidPrincipalFormat,
                    span,
                    format!("`{text}` is not a canonical user id"),
                );
                None
            }
        }
    }

    // ----- Condition ---------------------------------------------------------------------------

    fn conditions(&mut self, node: Node<'t>) -> Option<S::Conditions> {
        let Value::Object(blocks) = node.value() else {
            self.type_mismatch(node, "an object of condition operators");
            return None;
        };
        // One key per operator is the common case: sized for it, the list is allocated once.
        let mut entries = self.sink.conditions(blocks.len());
        let mut ok = true;
        for Member {
            key,
            key_span,
            value,
        } in blocks
        {
            ok &= self.with(Seg::Key(key_span), |this| {
                this.condition_block(key, key_span, value, &mut entries)
            });
        }
        ok.then_some(entries)
    }

    /// One `"Operator": {"key": values, ...}` block; returns whether it was valid.
    fn condition_block(
        &mut self,
        name: &str,
        name_span: Span,
        block: Node<'t>,
        entries: &mut S::Conditions,
    ) -> bool {
        let operator = match Operator::parse(name) {
            Ok(op) => Some(op),
            Err(err) => {
                let (code, help, message) = if let OperatorError::NullWithIfExists = err {
                    (
                        Code::NullWithIfExists,
                        Some("use `Null` without `IfExists`".to_owned()),
                        format!("`Null` cannot take the `IfExists` suffix (`{name}`)"),
                    )
                } else if let OperatorError::Unknown {
                    suggestion: Some(s),
                    ..
                } = &err
                {
                    (
                        Code::InvalidConditionOperator,
                        Some(format!("did you mean `{s}`?")),
                        err.to_string(),
                    )
                } else {
                    (Code::InvalidConditionOperator, None, err.to_string())
                };
                self.error(code, name_span, message).help = help;
                None
            }
        };
        let mut ok = operator.is_some();
        let Value::Object(keys) = block.value() else {
            self.type_mismatch(block, "an object of condition keys");
            return false;
        };
        let duplicates = if keys.len() <= SMALL && !any_repeated(&keys.map(|m| Some(m.key)), true) {
            Vec::new()
        } else {
            let listed: Vec<(&str, Span, usize)> = keys
                .enumerate()
                .map(|(i, m)| (m.key, m.key_span, i))
                .collect();
            find_duplicates(&listed, true)
        };
        let mut duplicates = duplicates.into_iter().peekable();
        for (
            index,
            Member {
                key,
                key_span,
                value,
            },
        ) in keys.enumerate()
        {
            let earlier = duplicates
                .next_if(|(dup, _)| *dup == index)
                .map(|(_, first)| first);
            ok &= self.with(Seg::Key(key_span), |this| {
                let mut key_ok = true;
                if let Some(first_span) = earlier {
                    this.error(
                        Code::DuplicateKeysWithDifferentCase,
                        key_span,
                        format!(
                            "condition key `{key}` appears twice under `{name}` with different case"
                        ),
                    )
                    .related = Some(first_span);
                    key_ok = false;
                }
                if this.variables && has_variable(key) {
                    this.variable_in_element(key_span, "a condition key");
                    key_ok = false;
                }
                let values = this.condition_values(operator, value);
                match (values, operator) {
                    (Some(values), Some(op)) if key_ok => {
                        this.sink.condition(
                            entries,
                            Spanned::new(op, name_span),
                            Spanned::new(key, key_span),
                            values,
                        );
                        true
                    }
                    _ => false,
                }
            });
        }
        ok
    }

    /// A scalar or an array of scalars, each typed for `operator` (when it is known).
    fn condition_values(
        &mut self,
        operator: Option<Operator>,
        node: Node<'t>,
    ) -> Option<OneOrMany<S::Value>> {
        match node.value() {
            Value::Array(items) => {
                let mut out = SmallVec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.enumerate() {
                    match self.with(Seg::Index(i), |this| this.condition_value(operator, item)) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(OneOrMany {
                    items: out,
                    is_list: true,
                })
            }
            _ => self.condition_value(operator, node).map(|v| OneOrMany {
                items: smallvec![v],
                is_list: false,
            }),
        }
    }

    fn condition_value(
        &mut self,
        operator: Option<Operator>,
        node: Node<'t>,
    ) -> Option<Spanned<S::Value>> {
        let span = node.span();
        let raw = match node.value() {
            Value::String(s) => Raw::String(s),
            Value::Number(n) => Raw::Number(n),
            Value::Bool(b) => Raw::Bool(b),
            Value::Null | Value::Array(_) | Value::Object(_) => {
                self.type_mismatch(node, "a string, number or boolean");
                return None;
            }
        };
        let typed = self.typed_value(operator?, raw, span)?;
        Some(Spanned::new(self.sink.value(raw, typed), span))
    }

    /// Parses one condition value for its operator's family.
    fn typed_value(&mut self, op: Operator, raw: Raw<'_>, span: Span) -> Option<TypedValue> {
        let base = op.base;
        let family = base.family();
        let text = raw.as_text();
        if self.variables && !base.allows_variables() && has_variable(text) {
            self.error(
                Code::InvalidVariableForOperator,
                span,
                format!(
                    "policy variables are not allowed in values of `{}`",
                    base.name()
                ),
            )
            .help = Some("variables work only with String and Arn operators".into());
            return None;
        }
        let is_string = matches!(raw, Raw::String(_));
        let typed = match family {
            OperatorFamily::String => {
                let opts = TemplateOptions {
                    variables: self.variables,
                    wildcards: base.uses_wildcards(),
                };
                match Template::parse(text, opts) {
                    Ok(t) => Some(TypedValue::String(t)),
                    Err(e) => {
                        self.variable_error(&e, text, span);
                        return None;
                    }
                }
            }
            OperatorFamily::Arn => {
                match ArnPattern::parse(text, ArnPatternMode::Condition, self.variables) {
                    Ok(p) => Some(TypedValue::Arn(p)),
                    Err(e) => {
                        self.arn_error(&e, text, span);
                        return None;
                    }
                }
            }
            OperatorFamily::Numeric => match raw {
                Raw::Bool(_) => None,
                _ => Decimal::parse(text).map(TypedValue::Numeric),
            },
            // A JSON number is epoch seconds; a string is a W3C date or epoch seconds (D-07).
            OperatorFamily::Date => match raw {
                Raw::Bool(_) => None,
                Raw::Number(n) => Instant::parse_epoch(n).map(TypedValue::Date),
                Raw::String(s) => Instant::parse(s).map(TypedValue::Date),
            },
            OperatorFamily::Bool => parse_bool(raw).map(TypedValue::Bool),
            OperatorFamily::Null => parse_bool(raw).map(TypedValue::Null),
            OperatorFamily::Binary if is_string => decode_base64(text).map(TypedValue::Binary),
            OperatorFamily::Ip if is_string => parse_cidr(text).map(TypedValue::Ip),
            OperatorFamily::Binary | OperatorFamily::Ip => None,
        };
        // IAM stores a value that does not parse for its operator (Access Analyzer reports it
        // as a general warning, `TYPE_MISMATCH_*`): keep it unparsed; lint reports it. String
        // and Arn values returned above.
        Some(typed.unwrap_or(TypedValue::Unparsed))
    }
}

/// Lists up to this long are checked for repeats pairwise, without allocating.
const SMALL: usize = 16;

/// Whether two of `items` have the same text (`None` never repeats), comparing every pair
/// (for short lists: the common case, where nothing repeats, allocates nothing).
fn any_repeated<'s>(
    texts: &(impl Iterator<Item = Option<&'s str>> + Clone),
    ignore_case: bool,
) -> bool {
    texts.clone().enumerate().any(|(i, a)| {
        a.is_some_and(|a| {
            texts.clone().take(i).any(|b| {
                b.is_some_and(|b| {
                    if ignore_case {
                        a.eq_ignore_ascii_case(b)
                    } else {
                        a == b
                    }
                })
            })
        })
    })
}

/// The entries of `items` (text, span, index) whose text equals an earlier entry's (ASCII case
/// ignored if asked), as (position in `items`, span of the first occurrence), in order.
/// Quadratic for a handful of entries, sorting for more (fuzzed inputs can hold thousands).
fn find_duplicates(items: &[(&str, Span, usize)], ignore_case: bool) -> Vec<(usize, Span)> {
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let mut out = Vec::new();
    if items.len() <= SMALL {
        for (i, (text, _, _)) in items.iter().enumerate() {
            let first = items.iter().take(i).find(|(other, _, _)| same(other, text));
            if let Some((_, span, _)) = first {
                out.push((i, *span));
            }
        }
        return out;
    }
    let mut order: Vec<(Cow<'_, str>, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, (text, _, _))| {
            let key = if ignore_case && text.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(text.to_ascii_lowercase())
            } else {
                Cow::Borrowed(*text)
            };
            (key, i)
        })
        .collect();
    // Stable: equal texts stay in document order, so the first of a run is the earliest.
    order.sort_by(|a, b| a.0.cmp(&b.0));
    for run in order.chunk_by(|a, b| a.0 == b.0) {
        let Some((_, first)) = run.first() else {
            continue;
        };
        let first_span = items
            .get(*first)
            .map_or(Span::empty(), |(_, span, _)| *span);
        out.extend(run.iter().skip(1).map(|(_, i)| (*i, first_span)));
    }
    out.sort_unstable_by_key(|(i, _)| *i);
    out
}

/// Element names allowed at the top level.
const TOP_LEVEL_ELEMENTS: &[&str] = &["Version", "Id", "Statement"];
/// Element names allowed in a statement.
const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
/// The keys of a principal map.
const PRINCIPAL_KEYS: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

/// How policies of a type are called in messages.
const fn type_phrase(ty: PolicyType) -> &'static str {
    match ty {
        PolicyType::Identity => "identity-based",
        PolicyType::Resource => "resource-based",
        PolicyType::Trust => "role trust",
        PolicyType::PermissionsBoundary => "permissions boundary",
        PolicyType::Session => "session",
        PolicyType::Scp => "service control",
        PolicyType::Rcp => "resource control",
    }
}

/// `a string`, `an array`, `null`, ... for messages.
fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Null => "`null`",
        Kind::True | Kind::False => "a boolean",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
    }
}

/// `true`/`false` as a JSON boolean or a string in any case.
fn parse_bool(raw: Raw<'_>) -> Option<bool> {
    match raw {
        Raw::Bool(b) => Some(b),
        Raw::String(s) => value::parse_bool(s),
        Raw::Number(_) => None,
    }
}

/// Twelve ASCII digits.
/// An IAM user's (`AIDA…`) or role's (`AROA…`) unique id: the prefix and upper-case letters
/// and digits
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids>).
pub(crate) fn is_principal_unique_id(text: &str) -> bool {
    (text.starts_with("AIDA") || text.starts_with("AROA"))
        && (16..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Splits `arn:partition:service:region:account:resource` (the one ARN splitter).
fn arn_parts(text: &str) -> Option<[&str; 5]> {
    crate::arn::ArnParts::split(text).map(|p| p.segments())
}

/// Whether a partition name looks like `aws`, `aws-cn`, `aws-us-gov`, ...
fn is_partition(p: &str) -> bool {
    p.starts_with("aws") && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// An account root, user, role, assumed-role session or federated-user ARN
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>).
fn is_aws_principal_arn(text: &str) -> bool {
    let Some([partition, service, region, account, resource]) = arn_parts(text) else {
        return false;
    };
    if !is_partition(partition) || !region.is_empty() || !is_account_id(account) {
        return false;
    }
    let named = |rest: &str| !rest.is_empty() && !rest.starts_with('/') && !rest.ends_with('/');
    match service {
        "iam" => {
            resource == "root"
                || resource.strip_prefix("user/").is_some_and(named)
                || resource.strip_prefix("role/").is_some_and(named)
        }
        "sts" => {
            if let Some(rest) = resource.strip_prefix("assumed-role/") {
                matches!(rest.split_once('/'), Some((role, session))
                    if !role.is_empty() && !session.is_empty() && !session.contains('/'))
            } else {
                resource
                    .strip_prefix("federated-user/")
                    .is_some_and(|n| !n.is_empty() && !n.contains('/'))
            }
        }
        _ => false,
    }
}

/// A service principal such as `lambda.amazonaws.com` or `logs.eu-west-1.amazonaws.com`.
fn is_service_principal(text: &str) -> bool {
    text.contains('.')
        && !text.starts_with('.')
        && !text.ends_with('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// A SAML/OIDC provider ARN, or an identity provider's domain name.
fn is_federated_principal(text: &str) -> bool {
    if text.starts_with("arn:") {
        let Some([partition, service, region, account, resource]) = arn_parts(text) else {
            return false;
        };
        return is_partition(partition)
            && service == "iam"
            && region.is_empty()
            && is_account_id(account)
            && (resource
                .strip_prefix("saml-provider/")
                .is_some_and(|n| !n.is_empty())
                || resource
                    .strip_prefix("oidc-provider/")
                    .is_some_and(|n| !n.is_empty()));
    }
    !text.is_empty()
        && text.contains('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'/')
}

/// The code for a [`VariableError`] and its byte range in `text`.
fn classify_variable_error(err: &VariableError, text: &str) -> (Code, (usize, usize)) {
    // `if let` rather than `match`: `VariableError` is non-exhaustive and may grow variants.
    if let VariableError::Empty { start, end } = err {
        (Code::EmptyVariable, (*start, *end))
    } else if let VariableError::Unclosed { start } = err {
        (Code::MissingBraceInVariable, (*start, text.len()))
    } else if let VariableError::Malformed { start, end, .. } = err {
        let var = text.get(*start..*end).unwrap_or_default();
        let inner = var.strip_prefix("${").unwrap_or(var);
        let inner = inner.strip_suffix('}').unwrap_or(inner);
        let code = match inner.split_once(',') {
            Some((_, default)) => {
                let d = default.trim();
                if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
                    Code::UnsupportedSymbolInVariable
                } else {
                    Code::MissingQuoteInVariable
                }
            }
            None if inner.trim().contains(char::is_whitespace) => Code::UnsupportedSpaceInVariable,
            None => Code::UnsupportedSymbolInVariable,
        };
        (code, (*start, *end))
    } else {
        (Code::UnsupportedSymbolInVariable, (0, text.len()))
    }
}

/// The span of bytes `start..end` of a JSON string's content, or the whole value when the
/// string holds escapes (then decoded offsets do not map to source bytes).
fn inner_span(value_span: Span, content: &str, start: usize, end: usize) -> Span {
    let no_escapes = value_span.len() as usize == content.len() + 2;
    if no_escapes && start <= end && end <= content.len() {
        let base = value_span.start as usize + 1;
        Span::from_usize(base + start, base + end)
    } else {
        value_span
    }
}

/// Renders path segments: `Statement[0].Condition.StringEquals["aws:SourceIp"]`.
fn render_path<'s>(text: &str, segs: impl IntoIterator<Item = &'s Seg>) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Name(name) => push_key(&mut out, name),
            Seg::Key(span) => {
                let raw = span.slice(text).unwrap_or_default();
                let key: Cow<'_, str> = serde_json::from_str::<String>(raw)
                    .map_or_else(|_| Cow::Borrowed(raw.trim_matches('"')), Cow::Owned);
                push_key(&mut out, &key);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Appends `.key` or `["key"]`.
fn push_key(out: &mut String, key: &str) {
    let simple = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if simple {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    } else {
        out.push('[');
        out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\"")));
        out.push(']');
    }
}

/// A JSON error as [`ParseErrors`], with the path of the container where it happened (and, for
/// a duplicate key, the key itself).
#[cold]
#[inline(never)]
fn json_error(text: &str, err: &JsonError) -> ParseErrors {
    let mut path = json_path_at(text, err.span().start as usize);
    if let JsonErrorKind::DuplicateKey { key } = err.kind() {
        push_key(&mut path, key);
    }
    let index = LineIndex::new(text);
    let error = ParseError::new(
        ParseErrorKind::JsonSyntax(err.kind().clone()),
        err.span(),
        index.line_col(text, err.span().start),
        path,
    )
    .with_related(err.related());
    ParseErrors::one(error)
}

/// The path of the innermost member or element being read at byte `offset`, found by
/// re-scanning the (valid) text before it. Used only for JSON errors.
fn json_path_at(text: &str, offset: usize) -> String {
    /// Where an object member stands.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Member {
        /// Before its `:` (the key may have been read).
        Key,
        /// After `:`, no value yet.
        Pending,
        /// Its value is being read (a string, or a nested container).
        Open,
        /// Its value is complete.
        Done,
    }
    enum Frame {
        Object { key: Option<String>, state: Member },
        Array { index: usize },
    }
    fn value_started(stack: &mut [Frame], done: bool) {
        if let Some(Frame::Object { state, .. }) = stack.last_mut()
            && *state != Member::Key
        {
            *state = if done { Member::Done } else { Member::Open };
        }
    }
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'{' | b'[' => {
                value_started(&mut stack, false);
                stack.push(if b == b'{' {
                    Frame::Object {
                        key: None,
                        state: Member::Key,
                    }
                } else {
                    Frame::Array { index: 0 }
                });
            }
            b'}' | b']' => {
                stack.pop();
                value_started(&mut stack, true);
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key, state }) => {
                    *key = None;
                    *state = Member::Key;
                }
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { state, .. }) = stack.last_mut() {
                    *state = Member::Pending;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < end {
                    match bytes.get(i) {
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        _ => i += 1,
                    }
                }
                let closed = i < end;
                match stack.last_mut() {
                    Some(Frame::Object {
                        key,
                        state: Member::Key,
                    }) if closed => {
                        let raw = text.get(start..=i).unwrap_or("");
                        *key = serde_json::from_str::<String>(raw).ok();
                    }
                    _ => value_started(&mut stack, closed),
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => value_started(&mut stack, true),
        }
        i += 1;
    }
    let mut out = String::new();
    let depth = stack.len();
    for (n, frame) in stack.iter().enumerate() {
        match frame {
            Frame::Object {
                key: Some(k),
                state,
            } if n + 1 < depth || matches!(state, Member::Pending | Member::Open) => {
                push_key(&mut out, k);
            }
            Frame::Object { .. } => {}
            Frame::Array { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Never called: errors are finished only when there is at least one, or when the document
/// produced no policy, which happens only with an error. Returns an error that says so, so the
/// document is refused rather than accepted.
#[cold]
#[inline(never)]
fn internal_error() -> ParseErrors {
    let kind = ParseErrorKind::Invalid {
        code: Code::JsonSyntaxError,
        message: "internal error: empty error list".into(),
    };
    ParseErrors::one(ParseError::new(
        kind,
        Span::empty(),
        LineCol { line: 1, column: 1 },
        String::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(texts: &[&'static str]) -> Vec<(&'static str, Span, usize)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, Span::from_usize(i * 10, i * 10 + 1), i))
            .collect()
    }

    #[test]
    fn find_duplicates_small_and_large_agree() {
        let small = items(&["a", "B", "b", "c", "A", "b"]);
        let exact = find_duplicates(&small, false);
        assert_eq!(exact, vec![(5, Span::from_usize(20, 21))]);
        let folded = find_duplicates(&small, true);
        assert_eq!(
            folded,
            vec![
                (2, Span::from_usize(10, 11)),
                (4, Span::from_usize(0, 1)),
                (5, Span::from_usize(10, 11)),
            ]
        );
        // Past the quadratic threshold the sorting path gives the same answers.
        let names: Vec<String> = (0..40).map(|i| format!("k{}", i % 25)).collect();
        let mut large: Vec<(&str, Span, usize)> = names
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), Span::from_usize(i, i + 1), i))
            .collect();
        large.push(("K3", Span::from_usize(99, 100), 40));
        let dups = find_duplicates(&large, true);
        let expected: Vec<(usize, Span)> = (25..40)
            .map(|i| (i, Span::from_usize(i - 25, i - 24)))
            .chain(std::iter::once((40, Span::from_usize(3, 4))))
            .collect();
        assert_eq!(dups, expected);
        assert_eq!(find_duplicates(&large, false).len(), 15);
    }

    #[test]
    fn json_path_at_names_the_member_being_read() {
        let text = r#"{"Statement":[{"Effect":"Allow"},{"Action":["a", "b"#;
        assert_eq!(json_path_at(text, text.len()), "Statement[1].Action[1]");
        let text = r#"{"Statement":{"Effect":"Allow","Resource":"*",}"#;
        // At the trailing comma's successor the member is complete: only the container.
        assert_eq!(json_path_at(text, text.len() - 1), "Statement");
        let text = r#"{"a b":{"c":"#;
        assert_eq!(json_path_at(text, text.len()), r#"["a b"].c"#);
        assert_eq!(json_path_at("", 0), "");
    }

    #[test]
    fn render_path_quotes_keys_that_are_not_simple() {
        let text = r#""aws:SourceIp""#;
        let segs = [
            Seg::Name("Statement"),
            Seg::Index(2),
            Seg::Name("Condition"),
            Seg::Key(Span::from_usize(0, text.len())),
        ];
        assert_eq!(
            render_path(text, &segs),
            r#"Statement[2].Condition["aws:SourceIp"]"#
        );
        let mut out = String::new();
        push_key(&mut out, "");
        push_key(&mut out, "x_1");
        assert_eq!(out, r#"[""].x_1"#);
    }

    #[test]
    fn path_stack_spills_past_its_inline_segments() {
        let mut path = Path::default();
        for i in 0..INLINE_PATH + 3 {
            path.push(Seg::Index(i));
        }
        assert_eq!(path.len(), INLINE_PATH + 3);
        let rendered: String = (0..INLINE_PATH + 3).map(|i| format!("[{i}]")).collect();
        assert_eq!(render_path("", path.segments()), rendered);
        path.truncate(INLINE_PATH + 1);
        assert_eq!(path.segments().count(), INLINE_PATH + 1);
        path.pop();
        path.pop();
        path.push(Seg::Name("Sid"));
        let mut want: String = (0..INLINE_PATH - 1).map(|i| format!("[{i}]")).collect();
        want.push_str(".Sid");
        assert_eq!(render_path("", path.segments()), want);
        while path.len() > 0 {
            path.pop();
        }
        path.pop();
        assert_eq!(path.segments().count(), 0);
    }

    #[test]
    fn escaped_element_names_and_condition_keys_are_read() {
        let text = r#"{"Versio\u006e": "2012-10-17", "Statement": {"\u0045ffect": "Allow",
            "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"String\u0045quals": {"aws:Principal\u0054ag/team": "red"}}}}"#;
        let policy = parse_policy(text, PolicyType::Identity).unwrap();
        assert!(policy.variables_enabled());
        let stmt = &policy.statements[0];
        assert_eq!(stmt.effect.value, Effect::Allow);
        assert_eq!(stmt.conditions[0].key.value, "aws:PrincipalTag/team");
        assert_eq!(stmt.conditions[0].key_lower, "aws:principaltag/team");
        let errors = parse_policy(
            r#"{"Statement": {"Effec\u0074": "Allow", "Action": "s3:GetObject", "Resource": "*", "\u0058": 1}}"#,
            PolicyType::Identity,
        )
        .unwrap_err();
        let found: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e.code(), e.path()))
            .collect();
        assert_eq!(found, ["INVALID_POLICY_ELEMENT Statement.X"]);
    }

    #[test]
    fn inner_span_falls_back_on_escapes() {
        let plain = Span::from_usize(10, 17); // "a${}b" with quotes
        assert_eq!(inner_span(plain, "a${}b", 1, 4), Span::from_usize(12, 15));
        let escaped = Span::from_usize(10, 22); // "\u0061${}b"
        assert_eq!(inner_span(escaped, "a${}b", 1, 4), escaped);
    }

    #[test]
    fn principal_formats() {
        assert!(is_aws_principal_arn("arn:aws:iam::111122223333:root"));
        assert!(is_aws_principal_arn(
            "arn:aws:iam::111122223333:role/path/to/r"
        ));
        assert!(is_aws_principal_arn(
            "arn:aws-us-gov:sts::111122223333:assumed-role/r/s"
        ));
        assert!(is_aws_principal_arn(
            "arn:aws:sts::111122223333:federated-user/bob"
        ));
        assert!(!is_aws_principal_arn("arn:aws:iam::111122223333:group/g"));
        assert!(!is_aws_principal_arn(
            "arn:aws:iam:us-east-1:111122223333:root"
        ));
        assert!(!is_aws_principal_arn("arn:aws:iam::11112222333:root"));
        assert!(!is_aws_principal_arn(
            "arn:aws:sts::111122223333:assumed-role/r"
        ));
        assert!(!is_aws_principal_arn("arn:aws:iam::111122223333:user/"));
        assert!(is_service_principal("logs.eu-west-1.amazonaws.com"));
        assert!(!is_service_principal("EC2"));
        assert!(is_federated_principal("accounts.google.com"));
        assert!(is_federated_principal(
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
        ));
        assert!(!is_federated_principal("arn:aws:iam::111122223333:role/x"));
        assert_eq!(parse_cidr("203.0.113.7").map(|n| n.prefix_len()), Some(32));
        assert_eq!(parse_cidr("2001:db8::1").map(|n| n.prefix_len()), Some(128));
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
    }

    #[test]
    fn finish_counts_lines_and_columns_like_line_index() {
        let text = "{\n  \"é\": 1,\n\t\"x\"\n}";
        let offsets: Vec<u32> = (0..=u32::try_from(text.len()).unwrap()).rev().collect();
        let mut model = Model::default();
        let mut lowerer = Lowerer {
            text,
            policy_type: PolicyType::Identity,
            variables: false,
            path: Path::default(),
            errors: Vec::new(),
            sids: SmallVec::new(),
            sink: &mut model,
        };
        for &o in &offsets {
            lowerer.error(Code::InvalidArn, Span::new(o, o), String::new());
        }
        let index = LineIndex::new(text);
        for e in lowerer.finish().iter() {
            assert_eq!(
                e.line_col(),
                index.line_col(text, e.span().start),
                "at {}",
                e.span().start
            );
        }
    }
}
