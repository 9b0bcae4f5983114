//! A strict RFC 8259 JSON reader that keeps the byte span of every key and value.
//!
//! Owns the spanned trees (the public [`Node`], [`JsonValue`], [`Member`]; the crate's flat
//! [`Tree`], which the policy reader walks), the reader [`parse`] and its error [`JsonError`].
//! Knows nothing about IAM. Objects keep their members in document order;
//! a repeated key is an error ([`JsonErrorKind::DuplicateKey`]) that points at both keys.

use crate::source::Span;

mod parse;

/// Resource bounds for reading JSON ([`parse_policy_with`](crate::parse_policy_with)). Every bound has its own error kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting depth of arrays and objects (the top-level value is depth 1).
    pub max_depth: usize,
    /// Maximum input size in bytes.
    pub max_size: usize,
}

impl Limits {
    /// The default depth limit: far beyond any real policy (AWS policies nest about 5 deep).
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// The default size cap: 1 MiB, fifty times the largest policy AWS stores (20,480 characters).
    pub const DEFAULT_MAX_SIZE: usize = 1 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_size: Self::DEFAULT_MAX_SIZE,
        }
    }
}

/// A JSON value with the byte span it was read from.
///
/// `K` is the type of strings and object keys (`parse` gives owned `String`s).
///
/// Equality ignores spans.
#[derive(Clone, Debug)]
pub struct Node<K = String> {
    /// The value.
    pub value: JsonValue<K>,
    /// The bytes of the value in the input, from its first to its last character.
    pub span: Span,
}

impl<K: PartialEq> PartialEq for Node<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// A JSON value (strings and object keys of type `K`; see [`Node`]).
#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue<K = String> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as its exact source text (for example `-1.50e3`).
    Number(String),
    /// A string with escapes decoded.
    String(K),
    /// An array.
    Array(Vec<Node<K>>),
    /// An object, members in document order. Keys are unique (duplicates are a parse error).
    Object(Vec<Member<K>>),
}

impl<K> JsonValue<K> {
    /// A short name of the value's JSON type, for messages: `null`, `boolean`, `number`,
    /// `string`, `array`, `object`.
    #[must_use]
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "boolean",
            Self::Number(_) => "number",
            Self::String(_) => "string",
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }
}

/// One `"key": value` member of an object.
#[derive(Clone, Debug)]
pub struct Member<K = String> {
    /// The key with escapes decoded.
    pub key: K,
    /// The span of the key including its quotes.
    pub key_span: Span,
    /// The value.
    pub value: Node<K>,
}

impl<K: PartialEq> PartialEq for Member<K> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.value == other.value
    }
}

/// What a node of a [`Tree`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    True,
    False,
    Number,
    String,
    Array,
    Object,
}

/// One value of a [`Tree`]: its kind and span, the key it is the value of (when its container
/// is an object), where its subtree ends, and (for a container) how many children it has.
#[derive(Clone, Copy, Debug)]
struct Flat {
    kind: Kind,
    /// The value's bytes.
    span: Span,
    /// The span of its key, quotes included (empty unless it is an object member's value).
    key: Span,
    /// The index of the first node after this one's subtree.
    next: u32,
    /// A container: its number of children. A string with escapes: its index in
    /// [`Tree::decoded`] plus one (0: read in place from the text).
    aux: u32,
    /// The key's index in [`Tree::decoded`] plus one when it has escapes (else 0).
    key_aux: u32,
}

/// A JSON document read into flat lists: every value in document order (a container before
/// its children), each with its span and the span of its key, in one vector; strings are
/// read from the input text in place, and only strings with escapes are decoded into a list of
/// their own. Reading a policy allocates one vector for the whole document (two when a string
/// has an escape). The crate's policy reader walks it through [`NodeRef`]s; [`parse`] builds
/// the public [`Node`] tree from it.
///
/// The node vector is reused: a thread keeps the last one it dropped (up to
/// [`SCRATCH_KEPT`] nodes) and the next read on that thread writes into it, so reading a
/// document in steady state allocates nothing for its structure.
#[derive(Debug)]
pub(crate) struct Tree<'a> {
    text: &'a str,
    nodes: Vec<Flat>,
    decoded: Vec<String>,
}

/// The most nodes of a vector a thread keeps for its next read (128 KiB).
const SCRATCH_KEPT: usize = 4096;

thread_local! {
    /// The node vector of the last tree dropped on this thread, empty, for the next read.
    static SCRATCH: std::cell::Cell<Vec<Flat>> = const { std::cell::Cell::new(Vec::new()) };
}

/// An empty node vector for a read of `text_len` bytes: the thread's kept one, or a new one.
fn scratch_nodes(text_len: usize) -> Vec<Flat> {
    let mut nodes = SCRATCH.with(std::cell::Cell::take);
    nodes.clear();
    // A policy has about one value per 20 bytes.
    nodes.reserve((text_len / 16).clamp(4, SCRATCH_KEPT));
    nodes
}

impl Drop for Tree<'_> {
    fn drop(&mut self) {
        if self.nodes.capacity() <= SCRATCH_KEPT {
            let nodes = std::mem::take(&mut self.nodes);
            // `try_with`: during thread teardown the vector is simply freed.
            let _ = SCRATCH.try_with(|kept| kept.set(nodes));
        }
    }
}

impl<'a> Tree<'a> {
    /// The top-level value.
    pub(crate) fn root(&self) -> NodeRef<'_> {
        NodeRef {
            tree: self,
            index: 0,
        }
    }

    fn node(&self, index: u32) -> Option<&Flat> {
        self.nodes.get(index as usize)
    }

    /// The text of a string whose span (quotes included) is `span` and whose decoded form is
    /// at `aux - 1` when `aux` is not zero.
    fn string(&self, span: Span, aux: u32) -> &str {
        match aux.checked_sub(1) {
            Some(i) => self.decoded.get(i as usize).map_or("", String::as_str),
            // INVARIANT: a string's span starts and ends at its quotes (ASCII), so the body
            // lies on character boundaries.
            None => self
                .text
                .get(span.start as usize + 1..(span.end as usize).saturating_sub(1))
                .unwrap_or_default(),
        }
    }
}

/// A value of a [`Tree`] (a cheap copyable reference).
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeRef<'t> {
    tree: &'t Tree<'t>,
    index: u32,
}

/// The contents of a [`NodeRef`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'t> {
    Null,
    Bool(bool),
    /// A number's source text.
    Number(&'t str),
    /// A string, escapes decoded.
    String(&'t str),
    Array(Items<'t>),
    Object(Members<'t>),
}

impl<'t> NodeRef<'t> {
    fn flat(self) -> Flat {
        self.tree.node(self.index).copied().unwrap_or(Flat {
            kind: Kind::Null,
            span: Span::empty(),
            key: Span::empty(),
            next: self.index.saturating_add(1),
            aux: 0,
            key_aux: 0,
        })
    }

    /// The value's bytes in the input.
    pub(crate) fn span(self) -> Span {
        self.flat().span
    }

    /// What the value is.
    pub(crate) fn kind(self) -> Kind {
        self.flat().kind
    }

    /// The value.
    pub(crate) fn value(self) -> Value<'t> {
        let flat = self.flat();
        let children = Children {
            tree: self.tree,
            at: self.index.saturating_add(1),
            left: flat.aux,
        };
        match flat.kind {
            Kind::Null => Value::Null,
            Kind::True => Value::Bool(true),
            Kind::False => Value::Bool(false),
            Kind::Number => Value::Number(flat.span.slice(self.tree.text).unwrap_or_default()),
            Kind::String => Value::String(self.tree.string(flat.span, flat.aux)),
            Kind::Array => Value::Array(Items(children)),
            Kind::Object => Value::Object(Members(children)),
        }
    }

    /// The string, if the value is one.
    pub(crate) fn as_str(self) -> Option<&'t str> {
        match self.value() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// The children of a container, in document order.
#[derive(Clone, Copy, Debug)]
struct Children<'t> {
    tree: &'t Tree<'t>,
    at: u32,
    left: u32,
}

impl<'t> Children<'t> {
    fn next_node(&mut self) -> Option<(NodeRef<'t>, Flat)> {
        self.left = self.left.checked_sub(1)?;
        let node = NodeRef {
            tree: self.tree,
            index: self.at,
        };
        let flat = node.flat();
        self.at = flat.next;
        Some((node, flat))
    }
}

/// The elements of an array.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Items<'t>(Children<'t>);

impl Items<'_> {
    /// How many elements are left.
    pub(crate) const fn len(&self) -> usize {
        self.0.left as usize
    }
}

impl<'t> Iterator for Items<'t> {
    type Item = NodeRef<'t>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next_node().map(|(node, _)| node)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl ExactSizeIterator for Items<'_> {}

/// One member of an object: the key (escapes decoded), its span (quotes included) and the
/// value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MemberRef<'t> {
    pub(crate) key: &'t str,
    pub(crate) key_span: Span,
    pub(crate) value: NodeRef<'t>,
}

/// The members of an object, in document order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Members<'t>(Children<'t>);

impl Members<'_> {
    /// How many members are left.
    pub(crate) const fn len(&self) -> usize {
        self.0.left as usize
    }
}

impl<'t> Iterator for Members<'t> {
    type Item = MemberRef<'t>;

    fn next(&mut self) -> Option<Self::Item> {
        let tree = self.0.tree;
        self.0.next_node().map(|(value, flat)| MemberRef {
            key: tree.string(flat.key, flat.key_aux),
            key_span: flat.key,
            value,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl ExactSizeIterator for Members<'_> {}

/// A container of the public tree being rebuilt from a [`Tree`] ([`Tree::to_node`]).
struct Building {
    /// Its flat index.
    index: u32,
    /// The index after its subtree.
    next: u32,
    span: Span,
    object: bool,
    items: Vec<Node>,
    members: Vec<Member>,
}

impl Tree<'_> {
    /// The public [`Node`] tree of the document, built without recursion (so that a deep
    /// document within a large depth limit cannot overflow the stack here either).
    fn to_node(&self) -> Node {
        let mut stack: Vec<Building> = Vec::new();
        let mut root = None;
        let mut index = 0u32;
        loop {
            while stack.last().is_some_and(|top| top.next <= index) {
                if let Some(done) = stack.pop() {
                    let value = if done.object {
                        JsonValue::Object(done.members)
                    } else {
                        JsonValue::Array(done.items)
                    };
                    let node = Node {
                        value,
                        span: done.span,
                    };
                    self.attach(&mut stack, done.index, node, &mut root);
                }
            }
            let Some(flat) = self.node(index) else {
                break;
            };
            let scalar = |value| Node {
                value,
                span: flat.span,
            };
            let node = match flat.kind {
                Kind::Array | Kind::Object => {
                    let object = flat.kind == Kind::Object;
                    let len = flat.aux as usize;
                    stack.push(Building {
                        index,
                        next: flat.next,
                        span: flat.span,
                        object,
                        items: Vec::with_capacity(if object { 0 } else { len }),
                        members: Vec::with_capacity(if object { len } else { 0 }),
                    });
                    None
                }
                Kind::Null => Some(scalar(JsonValue::Null)),
                Kind::True => Some(scalar(JsonValue::Bool(true))),
                Kind::False => Some(scalar(JsonValue::Bool(false))),
                Kind::Number => Some(scalar(JsonValue::Number(
                    flat.span.slice(self.text).unwrap_or_default().to_owned(),
                ))),
                Kind::String => Some(scalar(JsonValue::String(
                    self.string(flat.span, flat.aux).to_owned(),
                ))),
            };
            if let Some(node) = node {
                self.attach(&mut stack, index, node, &mut root);
            }
            index = index.saturating_add(1);
        }
        root.unwrap_or(Node {
            value: JsonValue::Null,
            span: Span::empty(),
        })
    }

    /// Adds `node` (flat index `index`) to the innermost container being rebuilt, or makes it
    /// the root.
    fn attach(&self, stack: &mut [Building], index: u32, node: Node, root: &mut Option<Node>) {
        match stack.last_mut() {
            Some(parent) if parent.object => {
                let (key, key_span) = self.node(index).map_or_else(
                    || (String::new(), Span::empty()),
                    |flat| (self.string(flat.key, flat.key_aux).to_owned(), flat.key),
                );
                parent.members.push(Member {
                    key,
                    key_span,
                    value: node,
                });
            }
            Some(parent) => parent.items.push(node),
            None => *root = Some(node),
        }
    }
}

/// Why a text is not acceptable JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input has more bytes than [`Limits::max_size`].
    #[error("document is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Input size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Arrays and objects nest deeper than [`Limits::max_depth`].
    #[error("nesting is deeper than the limit of {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The same key appears twice in one object; `related` points at the first.
    #[error("duplicate key `{key}`")]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// Any other syntax error.
    #[error("{0}")]
    Syntax(JsonSyntaxError),
}

/// What is wrong with the syntax; the `Display` text is the message shown to users.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonSyntaxError {
    /// The input ends inside a value.
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// Something else than what the grammar allows here.
    #[error("expected {0}")]
    Expected(JsonExpected),
    /// `true`, `false` or `null` misspelt, or a bare word, where a value must be.
    #[error("expected a value, found `{0}`")]
    UnknownWord(String),
    /// More than whitespace after the top-level value.
    #[error("trailing characters after the value")]
    TrailingCharacters,
    /// A `//` or `/*` comment.
    #[error("comments are not allowed")]
    Comment,
    /// A `,` before `]` or `}`.
    #[error("trailing comma")]
    TrailingComma,
    /// A string in single quotes.
    #[error("single-quoted strings are not allowed")]
    SingleQuotedString,
    /// A leading U+FEFF.
    #[error("byte-order mark is not allowed")]
    ByteOrderMark,
    /// A byte below 0x20 inside a string.
    #[error("unescaped control character U+{0:04X} in string")]
    ControlCharacter(u8),
    /// A `\` followed by something that is no escape; holds the text as written.
    #[error("invalid escape `{0}`")]
    InvalidEscape(String),
    /// `\u` not followed by four hex digits.
    #[error("invalid unicode escape: expected four hex digits after `\\u`")]
    InvalidUnicodeEscape,
    /// A `\uXXXX` surrogate without its pair; holds the escape as written.
    #[error("lone surrogate `{0}`")]
    LoneSurrogate(String),
    /// A number with a leading zero, such as `01`.
    #[error("leading zeros are not allowed")]
    LeadingZero,
    /// A number starting with `+`.
    #[error("a number cannot start with `+`")]
    PlusSign,
    /// A number starting with `.`.
    #[error("a number must start with a digit")]
    LeadingPoint,
    /// Bytes that are not UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// Bytes that are not UTF-8, starting with a UTF-16 byte-order mark.
    #[error("invalid UTF-8: the document starts with a UTF-16 byte-order mark")]
    Utf16,
    /// A broken reader invariant; never returned in practice, and never a panic.
    #[error("internal error: container mismatch")]
    Internal,
}

/// What the grammar wanted where a [`JsonSyntaxError::Expected`] was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum JsonExpected {
    /// A value.
    #[error("a value")]
    Value,
    /// A string key or `}` (right after `{`).
    #[error("a string key or `}}`")]
    KeyOrClose,
    /// A string key (after `,` in an object).
    #[error("a string key")]
    Key,
    /// `:` after a key.
    #[error("`:`")]
    Colon,
    /// `,` or `]` in an array.
    #[error("`,` or `]`")]
    CommaOrBracket,
    /// `,` or `}` in an object.
    #[error("`,` or `}}`")]
    CommaOrBrace,
    /// A digit after a leading `-`.
    #[error("a digit after `-`")]
    DigitAfterMinus,
    /// A digit after the decimal point.
    #[error("a digit after `.`")]
    DigitAfterPoint,
    /// A digit in the exponent.
    #[error("a digit in the exponent")]
    ExponentDigit,
}

/// A JSON syntax error with its location.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct JsonError {
    kind: JsonErrorKind,
    span: Span,
    related: Option<Span>,
}

impl JsonError {
    /// What went wrong.
    #[must_use]
    pub const fn kind(&self) -> &JsonErrorKind {
        &self.kind
    }

    /// Where: the offending bytes (empty at end of input).
    #[must_use]
    pub const fn span(&self) -> Span {
        self.span
    }

    /// A second location, for example the first occurrence of a duplicate key.
    #[must_use]
    pub const fn related(&self) -> Option<Span> {
        self.related
    }
}

/// Reads one JSON value (optionally surrounded by whitespace) from `text`.
///
/// Any JSON value is accepted at the top level. Numbers keep their source text, strings have
/// their escapes decoded, and every value and key carries its exact byte [`Span`]. The first
/// problem in document order is reported; [`Limits::max_size`] is checked before anything else.
///
/// ```
/// use iam_policy::unstable::json::{parse, JsonValue, Limits};
/// let node = parse(r#" {"Version": "2012-10-17"} "#, &Limits::default()).unwrap();
/// assert_eq!((node.span.start, node.span.end), (1, 26));
/// let JsonValue::Object(members) = &node.value else { unreachable!() };
/// assert_eq!(members[0].key, "Version");
/// assert_eq!((members[0].key_span.start, members[0].key_span.end), (2, 11));
///
/// let err = parse(r#"{"a": 1,}"#, &Limits::default()).unwrap_err();
/// assert_eq!(err.to_string(), "trailing comma");
/// assert_eq!((err.span().start, err.span().end), (7, 8));
/// ```
///
/// # Errors
///
/// Returns a [`JsonError`] for anything RFC 8259 does not allow (including a leading byte-order
/// mark), for a duplicate key, and when a [`Limits`] bound is exceeded. Never panics and does
/// not recurse: nesting is tracked on the heap, so no input can overflow the stack while
/// parsing. (Dropping or walking the returned tree recursively goes as deep as
/// `limits.max_depth`, so keep that limit modest.)
pub fn parse(text: &str, limits: &Limits) -> Result<Node, JsonError> {
    parse::parse(text, limits).map(|tree| tree.to_node())
}

/// [`parse`] into the crate's flat [`Tree`] (what the policy reader walks): one vector of
/// nodes, strings read from `text` in place unless they hold an escape.
///
/// # Errors
///
/// As [`parse`].
pub(crate) fn parse_tree<'a>(text: &'a str, limits: &Limits) -> Result<Tree<'a>, JsonError> {
    parse::parse(text, limits)
}

/// Whether `text` is exactly one JSON number (RFC 8259 §6) with nothing around it, by the
/// reader's own number grammar: for code that writes a number's text into a document.
pub(crate) fn is_number(text: &str) -> bool {
    let json_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    !text.starts_with(json_space)
        && !text.ends_with(json_space)
        && parse_tree(text, &Limits::default()).is_ok_and(|tree| tree.root().kind() == Kind::Number)
}

/// Like `parse`, for input that has not yet been checked to be UTF-8.
///
/// ```
/// use iam_policy::unstable::json::{parse_bytes, Limits};
/// let err = parse_bytes(b"[\"ok\", \"\xff\"]", &Limits::default()).unwrap_err();
/// assert_eq!(err.to_string(), "invalid UTF-8");
/// assert_eq!((err.span().start, err.span().end), (8, 9));
/// ```
///
/// # Errors
///
/// [`JsonErrorKind::TooLarge`] first, then invalid UTF-8 as a [`JsonErrorKind::Syntax`] error
/// whose span covers the first bad byte sequence, then everything `parse` reports.
pub fn parse_bytes(bytes: &[u8], limits: &Limits) -> Result<Node, JsonError> {
    if bytes.len() > limits.max_size {
        return Err(JsonError {
            kind: JsonErrorKind::TooLarge {
                size: bytes.len(),
                limit: limits.max_size,
            },
            span: Span::empty(),
            related: None,
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, limits),
        Err(error) => {
            let at = error.valid_up_to();
            let end = error
                .error_len()
                .map_or(bytes.len(), |len| at.saturating_add(len));
            let error = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                JsonSyntaxError::Utf16
            } else {
                JsonSyntaxError::InvalidUtf8
            };
            Err(JsonError {
                kind: JsonErrorKind::Syntax(error),
                span: Span::from_usize(at, end),
                related: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Node {
        match parse(text, &Limits::default()) {
            Ok(node) => node,
            Err(e) => panic!("{text:?} should parse, got {e} at {}", e.span),
        }
    }

    /// The message and span of the syntax error for `text`.
    #[test]
    fn syntax_errors_are_typed() {
        let kind = |text: &str| parse(text, &Limits::default()).unwrap_err().kind;
        assert_eq!(
            kind(r#"{"a": 1,}"#),
            JsonErrorKind::Syntax(JsonSyntaxError::TrailingComma)
        );
        assert_eq!(
            kind("[1 2]"),
            JsonErrorKind::Syntax(JsonSyntaxError::Expected(JsonExpected::CommaOrBracket))
        );
        assert_eq!(kind("[1 2]").to_string(), "expected `,` or `]`");
        assert_eq!(kind("{1}").to_string(), "expected a string key or `}`");
        assert_eq!(
            kind("nul"),
            JsonErrorKind::Syntax(JsonSyntaxError::UnknownWord("nul".into()))
        );
        assert_eq!(
            kind(r#""\q""#),
            JsonErrorKind::Syntax(JsonSyntaxError::InvalidEscape("\\q".into()))
        );
        assert_eq!(
            kind(r#""\u12""#).to_string(),
            "invalid unicode escape: expected four hex digits after `\\u`"
        );
    }

    fn syntax_err(text: &str) -> (String, u32, u32) {
        let e = parse(text, &Limits::default()).unwrap_err();
        assert!(
            matches!(e.kind, JsonErrorKind::Syntax(_)),
            "{text:?}: {:?}",
            e.kind
        );
        (e.to_string(), e.span.start, e.span.end)
    }

    fn members(node: &Node) -> &[Member] {
        match &node.value {
            JsonValue::Object(m) => m,
            other => panic!("not an object: {other:?}"),
        }
    }

    fn items(node: &Node) -> &[Node] {
        match &node.value {
            JsonValue::Array(v) => v,
            other => panic!("not an array: {other:?}"),
        }
    }

    fn end_of(text: &str) -> u32 {
        u32::try_from(text.len()).unwrap()
    }

    fn text_of(text: &str, span: Span) -> &str {
        span.slice(text).unwrap()
    }

    #[test]
    fn scalars_at_top_level() {
        assert_eq!(ok("null").value, JsonValue::Null);
        assert_eq!(ok("true").value, JsonValue::Bool(true));
        assert_eq!(ok(" false ").value, JsonValue::Bool(false));
        assert_eq!(ok("-1.50e3").value, JsonValue::Number("-1.50e3".into()));
        assert_eq!(ok("0").value, JsonValue::Number("0".into()));
        assert_eq!(ok("-0.0E-0").value, JsonValue::Number("-0.0E-0".into()));
        assert_eq!(ok("1E+2").value, JsonValue::Number("1E+2".into()));
        assert_eq!(ok("\"hi\"").value, JsonValue::String("hi".into()));
        assert_eq!(ok("[]").value, JsonValue::Array(vec![]));
        assert_eq!(ok("{}").value, JsonValue::Object(vec![]));
    }

    #[test]
    fn huge_exponent_is_kept_as_text() {
        assert_eq!(ok("1e999999").value, JsonValue::Number("1e999999".into()));
        let long = format!(
            "-{}.{}e-{}",
            "9".repeat(5000),
            "1".repeat(5000),
            "7".repeat(50)
        );
        assert_eq!(ok(&long).value, JsonValue::Number(long.clone()));
    }

    #[test]
    fn spans_are_exact() {
        let text = " {\"a\" : [1, \"x\\n\", {\"b\":null}, true] ,\"c\":-2.5e1}\t\n";
        let root = ok(text);
        assert_eq!(root.span, Span::from_usize(1, text.len() - 2));
        let m = members(&root);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].key, "a");
        assert_eq!(text_of(text, m[0].key_span), "\"a\"");
        assert_eq!(
            text_of(text, m[0].value.span),
            "[1, \"x\\n\", {\"b\":null}, true]"
        );
        let a = items(&m[0].value);
        let shown: Vec<&str> = a.iter().map(|n| text_of(text, n.span)).collect();
        assert_eq!(shown, ["1", "\"x\\n\"", "{\"b\":null}", "true"]);
        assert_eq!(a[1].value, JsonValue::String("x\n".into()));
        let inner = members(&a[2]);
        assert_eq!(text_of(text, inner[0].key_span), "\"b\"");
        assert_eq!(text_of(text, inner[0].value.span), "null");
        assert_eq!(text_of(text, m[1].key_span), "\"c\"");
        assert_eq!(text_of(text, m[1].value.span), "-2.5e1");
        assert_eq!(m[1].value.value, JsonValue::Number("-2.5e1".into()));
    }

    #[test]
    fn spans_count_bytes_of_multibyte_text() {
        let text = "{\"é\u{1F600}\":\"ü\"}";
        let root = ok(text);
        let m = members(&root);
        assert_eq!(m[0].key, "é\u{1F600}");
        assert_eq!((m[0].key_span.start, m[0].key_span.end), (1, 9));
        assert_eq!(text_of(text, m[0].value.span), "\"ü\"");
    }

    #[test]
    fn members_keep_document_order() {
        let root = ok(r#"{"z":1,"a":2,"m":3}"#);
        let keys: Vec<&str> = members(&root).iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn escapes_decode() {
        let root = ok(r#""a\"b\\c\/d\be\ff\ng\rh\ti\u0041\u00e9\u20AC\ud83d\ude00\u0000""#);
        assert_eq!(
            root.value,
            JsonValue::String("a\"b\\c/d\u{8}e\u{c}f\ng\rh\tiAé€\u{1F600}\u{0}".into())
        );
    }

    #[test]
    fn non_ascii_and_del_are_allowed_raw() {
        assert_eq!(
            ok("\"\u{7f}\u{2028}\u{ffff}\"").value,
            JsonValue::String("\u{7f}\u{2028}\u{ffff}".into())
        );
    }

    #[test]
    fn empty_input() {
        assert_eq!(syntax_err(""), ("unexpected end of input".into(), 0, 0));
        assert_eq!(
            syntax_err(" \n\t\r"),
            ("unexpected end of input".into(), 4, 4)
        );
    }

    #[test]
    fn end_of_input_points_at_end_and_back_at_opener() {
        let e = parse("{\"a\": [1, 2", &Limits::default()).unwrap_err();
        assert_eq!(e.to_string(), "unexpected end of input");
        assert_eq!((e.span.start, e.span.end), (11, 11));
        assert_eq!(e.related, Some(Span::new(6, 7)));
        let e = parse("[\"abc", &Limits::default()).unwrap_err();
        assert_eq!((e.span.start, e.span.end), (5, 5));
        assert_eq!(e.related, Some(Span::new(1, 2)));
        for text in [
            "[", "[1,", "{", "{\"a\"", "{\"a\":", "-", "1.", "1e", "1e+", "\"\\", "\"\\u12",
        ] {
            let (msg, start, end) = syntax_err(text);
            assert_eq!(msg, "unexpected end of input", "{text:?}");
            assert_eq!((start, end), (end_of(text), end_of(text)), "{text:?}");
        }
    }

    #[test]
    fn trailing_commas() {
        assert_eq!(syntax_err("[1,]"), ("trailing comma".into(), 2, 3));
        assert_eq!(syntax_err("[1 , \n]"), ("trailing comma".into(), 3, 4));
        assert_eq!(syntax_err(r#"{"a":1,}"#), ("trailing comma".into(), 6, 7));
        assert_eq!(syntax_err("[,1]"), ("expected a value".into(), 1, 2));
        assert_eq!(syntax_err("[1,,2]"), ("expected a value".into(), 3, 4));
        assert_eq!(
            syntax_err("{,}"),
            ("expected a string key or `}`".into(), 1, 2)
        );
    }

    #[test]
    fn missing_separators() {
        assert_eq!(syntax_err("[1 2]"), ("expected `,` or `]`".into(), 3, 4));
        assert_eq!(
            syntax_err(r#"{"a":1 "b":2}"#),
            ("expected `,` or `}`".into(), 7, 8)
        );
        assert_eq!(syntax_err(r#"{"a" 1}"#), ("expected `:`".into(), 5, 6));
        assert_eq!(
            syntax_err(r#"{"a":1,2}"#),
            ("expected a string key".into(), 7, 8)
        );
        assert_eq!(
            syntax_err("{1:2}"),
            ("expected a string key or `}`".into(), 1, 2)
        );
        assert_eq!(syntax_err("[1}"), ("expected `,` or `]`".into(), 2, 3));
        assert_eq!(
            syntax_err(r#"{"a":1]"#),
            ("expected `,` or `}`".into(), 6, 7)
        );
    }

    #[test]
    fn comments_are_rejected() {
        assert_eq!(
            syntax_err("// c\n1"),
            ("comments are not allowed".into(), 0, 2)
        );
        assert_eq!(
            syntax_err("[1 // c\n]"),
            ("comments are not allowed".into(), 3, 5)
        );
        assert_eq!(
            syntax_err("[1, /* c */ 2]"),
            ("comments are not allowed".into(), 4, 6)
        );
        assert_eq!(syntax_err("/"), ("expected a value".into(), 0, 1));
        assert_eq!(
            syntax_err("{\"a\" /**/: 1}"),
            ("comments are not allowed".into(), 5, 7)
        );
        assert_eq!(
            syntax_err("1 /* c */"),
            ("comments are not allowed".into(), 2, 4)
        );
    }

    #[test]
    fn single_quotes_are_rejected() {
        let msg = "single-quoted strings are not allowed";
        assert_eq!(syntax_err("'a'"), (msg.into(), 0, 1));
        assert_eq!(syntax_err("{'a':1}"), (msg.into(), 1, 2));
        assert_eq!(syntax_err(r#"{"a":1,'b':2}"#), (msg.into(), 7, 8));
        assert_eq!(syntax_err("['a']"), (msg.into(), 1, 2));
    }

    #[test]
    fn non_json_literals_are_rejected() {
        assert_eq!(
            syntax_err("NaN"),
            ("expected a value, found `NaN`".into(), 0, 3)
        );
        assert_eq!(
            syntax_err("[Infinity]"),
            ("expected a value, found `Infinity`".into(), 1, 9)
        );
        assert_eq!(
            syntax_err("-Infinity"),
            ("expected a digit after `-`".into(), 1, 2)
        );
        assert_eq!(
            syntax_err("True"),
            ("expected a value, found `True`".into(), 0, 4)
        );
        assert_eq!(
            syntax_err("nul"),
            ("expected a value, found `nul`".into(), 0, 3)
        );
        assert_eq!(
            syntax_err("undefined"),
            ("expected a value, found `undefined`".into(), 0, 9)
        );
        let long = "x".repeat(100);
        assert_eq!(syntax_err(&long), ("expected a value".into(), 0, 100));
        assert_eq!(
            syntax_err("truex"),
            ("trailing characters after the value".into(), 4, 5)
        );
    }

    #[test]
    fn bad_numbers() {
        let lz = "leading zeros are not allowed";
        assert_eq!(syntax_err("01"), (lz.into(), 0, 2));
        assert_eq!(syntax_err("-007.5"), (lz.into(), 1, 4));
        assert_eq!(syntax_err("[00]"), (lz.into(), 1, 3));
        assert_eq!(
            syntax_err("+1"),
            ("a number cannot start with `+`".into(), 0, 1)
        );
        assert_eq!(
            syntax_err(".5"),
            ("a number must start with a digit".into(), 0, 1)
        );
        assert_eq!(
            syntax_err("[1.]"),
            ("expected a digit after `.`".into(), 3, 4)
        );
        assert_eq!(
            syntax_err("1.e5"),
            ("expected a digit after `.`".into(), 2, 3)
        );
        assert_eq!(syntax_err("1e"), ("unexpected end of input".into(), 2, 2));
        assert_eq!(
            syntax_err("1e+]"),
            ("expected a digit in the exponent".into(), 3, 4)
        );
        assert_eq!(
            syntax_err("- 1"),
            ("expected a digit after `-`".into(), 1, 2)
        );
        assert_eq!(
            syntax_err("--1"),
            ("expected a digit after `-`".into(), 1, 2)
        );
        assert_eq!(
            syntax_err("0x10"),
            ("trailing characters after the value".into(), 1, 2)
        );
        assert_eq!(
            syntax_err("1.5.3"),
            ("trailing characters after the value".into(), 3, 4)
        );
        assert_eq!(
            syntax_err("1_000"),
            ("trailing characters after the value".into(), 1, 2)
        );
    }

    #[test]
    fn raw_control_characters_in_strings() {
        assert_eq!(
            syntax_err("\"a\nb\""),
            ("unescaped control character U+000A in string".into(), 2, 3)
        );
        assert_eq!(
            syntax_err("[\"\0\"]"),
            ("unescaped control character U+0000 in string".into(), 2, 3)
        );
        assert_eq!(
            syntax_err("\"x\\n\ty\""),
            ("unescaped control character U+0009 in string".into(), 4, 5)
        );
        assert_eq!(
            syntax_err("\"\u{1f}\""),
            ("unescaped control character U+001F in string".into(), 1, 2)
        );
    }

    #[test]
    fn bad_escapes() {
        assert_eq!(
            syntax_err(r#""a\xb""#),
            ("invalid escape `\\x`".into(), 2, 4)
        );
        assert_eq!(syntax_err(r#""\'""#), ("invalid escape `\\'`".into(), 1, 3));
        assert_eq!(
            syntax_err(r#""\U0041""#),
            ("invalid escape `\\U`".into(), 1, 3)
        );
        assert_eq!(syntax_err("\"\\é\""), ("invalid escape `\\é`".into(), 1, 4));
        let hex = "invalid unicode escape: expected four hex digits after `\\u`";
        assert_eq!(syntax_err(r#""\u12G4""#), (hex.into(), 1, 6));
        assert_eq!(syntax_err(r#""\u12""#), (hex.into(), 1, 6));
        assert_eq!(syntax_err(r#""\u""#), (hex.into(), 1, 4));
        assert_eq!(syntax_err(r#""\u+123""#), (hex.into(), 1, 4));
    }

    #[test]
    fn lone_surrogates() {
        assert_eq!(
            syntax_err(r#""\ud800""#),
            ("lone surrogate `\\ud800`".into(), 1, 7)
        );
        assert_eq!(
            syntax_err(r#""x\uDBFFy""#),
            ("lone surrogate `\\uDBFF`".into(), 2, 8)
        );
        assert_eq!(
            syntax_err(r#""\udc00""#),
            ("lone surrogate `\\udc00`".into(), 1, 7)
        );
        assert_eq!(
            syntax_err(r#""\ud800\u0041""#),
            ("lone surrogate `\\ud800`".into(), 1, 7)
        );
        assert_eq!(
            syntax_err(r#""\ud800\ud800""#),
            ("lone surrogate `\\ud800`".into(), 1, 7)
        );
        assert_eq!(
            syntax_err(r#""\ud800\n""#),
            ("lone surrogate `\\ud800`".into(), 1, 7)
        );
        assert_eq!(
            syntax_err(r#""\ud800\uZZZZ""#).0,
            "invalid unicode escape: expected four hex digits after `\\u`"
        );
        assert_eq!(
            ok(r#""\uDBFF\uDFFF""#).value,
            JsonValue::String("\u{10FFFF}".into())
        );
    }

    #[test]
    fn whitespace_is_only_the_four_rfc_characters() {
        assert_eq!(ok(" \t\r\n[ \t\r\n1 \t\r\n] \t\r\n").span, Span::new(4, 15));
        assert_eq!(syntax_err("\u{c}1"), ("expected a value".into(), 0, 1));
        assert_eq!(
            syntax_err("1\u{a0}"),
            ("trailing characters after the value".into(), 1, 3)
        );
        assert_eq!(
            syntax_err("[1,\u{2028}2]"),
            ("expected a value".into(), 3, 6)
        );
        assert_eq!(syntax_err("\u{b}[]"), ("expected a value".into(), 0, 1));
    }

    #[test]
    fn trailing_garbage() {
        assert_eq!(
            syntax_err("{} {}"),
            ("trailing characters after the value".into(), 3, 4)
        );
        assert_eq!(
            syntax_err("[]]"),
            ("trailing characters after the value".into(), 2, 3)
        );
        assert_eq!(
            syntax_err("1 2"),
            ("trailing characters after the value".into(), 2, 3)
        );
        assert_eq!(
            syntax_err("\"a\"\"b\""),
            ("trailing characters after the value".into(), 3, 4)
        );
        assert_eq!(
            syntax_err("null\0"),
            ("trailing characters after the value".into(), 4, 5)
        );
    }

    #[test]
    fn byte_order_mark() {
        assert_eq!(
            syntax_err("\u{feff}{}"),
            ("byte-order mark is not allowed".into(), 0, 3)
        );
        // Only at the start is it a BOM; elsewhere it is an unexpected character.
        assert_eq!(
            syntax_err("{}\u{feff}"),
            ("trailing characters after the value".into(), 2, 5)
        );
        assert_eq!(
            ok("\"\u{feff}\"").value,
            JsonValue::String("\u{feff}".into())
        );
    }

    #[test]
    fn duplicate_keys_point_at_both() {
        let text = r#"{"a": 1, "b": {"a": 2}, "a": 3}"#;
        let e = parse(text, &Limits::default()).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::DuplicateKey { key: "a".into() });
        assert_eq!(e.to_string(), "duplicate key `a`");
        assert_eq!(e.span, Span::new(24, 27));
        assert_eq!(e.related, Some(Span::new(1, 4)));
        // Keys compare after decoding escapes.
        let e = parse(r#"{"ab":1,"\u0061b":2}"#, &Limits::default()).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::DuplicateKey { key: "ab".into() });
        assert_eq!(
            (e.span, e.related),
            (Span::new(8, 17), Some(Span::new(1, 5)))
        );
        // Keys differing only in case are different keys.
        assert_eq!(members(&ok(r#"{"a":1,"A":2}"#)).len(), 2);
    }

    #[test]
    fn first_duplicate_in_document_order_wins() {
        // The outer duplicate comes before the inner one in the text.
        let e = parse(r#"{"x":1,"x":{"y":1,"y":2}}"#, &Limits::default()).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::DuplicateKey { key: "x".into() });
        // A key repeated three times: the second occurrence, related to the first.
        let e = parse(r#"{"k":1,"j":0,"k":2,"k":3}"#, &Limits::default()).unwrap_err();
        assert_eq!(
            (e.span, e.related),
            (Span::new(13, 16), Some(Span::new(1, 4)))
        );
        // A duplicate is reported before a later syntax error in the same object.
        let e = parse(r#"{"a":1,"a":2,}"#, &Limits::default()).unwrap_err();
        assert!(matches!(e.kind, JsonErrorKind::DuplicateKey { .. }));
    }

    #[test]
    fn duplicate_keys_in_large_objects() {
        // Past the hash threshold, both before and after the map is built.
        for dup_at in [3usize, 15, 16, 17, 500] {
            let mut text = String::from("{");
            for i in 0..600 {
                if i > 0 {
                    text.push(',');
                }
                let key = if i == 599 { dup_at } else { i };
                text.push_str(&format!("\"k{key}\":{i}"));
            }
            text.push('}');
            let e = parse(&text, &Limits::default()).unwrap_err();
            assert_eq!(
                e.kind,
                JsonErrorKind::DuplicateKey {
                    key: format!("k{dup_at}")
                }
            );
            let first = text.find(&format!("\"k{dup_at}\"")).unwrap();
            let second = text.rfind(&format!("\"k{dup_at}\"")).unwrap();
            let len = format!("\"k{dup_at}\"").len();
            assert_eq!(e.related, Some(Span::from_usize(first, first + len)));
            assert_eq!(e.span, Span::from_usize(second, second + len));
        }
    }

    #[test]
    fn many_distinct_keys_parse() {
        let body: Vec<String> = (0..100_000).map(|i| format!("\"key{i}\":{i}")).collect();
        let text = format!("{{{}}}", body.join(","));
        let root = parse(
            &text,
            &Limits {
                max_size: usize::MAX,
                ..Limits::default()
            },
        )
        .unwrap();
        let m = members(&root);
        assert_eq!(m.len(), 100_000);
        assert_eq!(m[99_999].key, "key99999");
        assert_eq!(m[99_999].value.value, JsonValue::Number("99999".into()));
    }

    #[test]
    fn depth_limit() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(parse("[[[1]]]", &limits).is_ok());
        assert!(parse("[{\"a\":[]}]", &limits).is_ok());
        let e = parse("[[[[1]]]]", &limits).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::TooDeep { limit: 3 });
        assert_eq!(e.span, Span::new(3, 4));
        assert_eq!(e.to_string(), "nesting is deeper than the limit of 3");
        // Empty containers count too.
        let e = parse(
            "{\"a\":[{}]}",
            &Limits {
                max_depth: 2,
                ..Limits::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.span),
            (JsonErrorKind::TooDeep { limit: 2 }, Span::new(6, 7))
        );
        // Depth 0 allows only scalars.
        let zero = Limits {
            max_depth: 0,
            ..Limits::default()
        };
        assert!(parse("1", &zero).is_ok());
        assert_eq!(
            parse("[]", &zero).unwrap_err().kind,
            JsonErrorKind::TooDeep { limit: 0 }
        );
        // Siblings do not add up.
        let wide = format!("[{}[]]", "[],".repeat(1000));
        assert!(
            parse(
                &wide,
                &Limits {
                    max_depth: 2,
                    ..Limits::default()
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn default_depth_limit_is_64() {
        let at = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&at(64), &Limits::default()).is_ok());
        let e = parse(&at(65), &Limits::default()).unwrap_err();
        assert_eq!(
            (e.kind, e.span),
            (JsonErrorKind::TooDeep { limit: 64 }, Span::new(64, 65))
        );
    }

    #[test]
    fn deep_nesting_within_a_large_limit_does_not_use_the_call_stack() {
        // 20,000 levels, all allowed: parsed iteratively on the heap.
        let n = 20_000;
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let limits = Limits {
            max_depth: n,
            ..Limits::default()
        };
        let mut node = parse(&text, &limits).unwrap();
        assert_eq!(node.span, Span::from_usize(0, 2 * n));
        // Take the tree apart iteratively so that dropping it does not recurse either.
        let mut depth = 1;
        while let JsonValue::Array(mut v) = std::mem::replace(&mut node.value, JsonValue::Null) {
            match v.pop() {
                Some(child) => {
                    depth += 1;
                    node = child;
                }
                None => break,
            }
        }
        assert_eq!(depth, n);
    }

    #[test]
    fn size_limit_is_checked_first() {
        let limits = Limits {
            max_size: 4,
            ..Limits::default()
        };
        assert!(parse("[1 ]", &limits).is_ok());
        let e = parse("[1, ", &limits).unwrap_err();
        assert_eq!(e.to_string(), "unexpected end of input");
        let e = parse("[1,]x", &limits).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::TooLarge { size: 5, limit: 4 });
        assert_eq!(e.span, Span::empty());
        assert_eq!(
            e.to_string(),
            "document is 5 bytes, more than the limit of 4"
        );
        let e = parse_bytes(b"\xff\xff\xff\xff\xff", &limits).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::TooLarge { size: 5, limit: 4 });
    }

    #[test]
    fn parse_bytes_reports_the_first_bad_byte() {
        let e = parse_bytes(b"{\"a\": \"x\xc3\x28\"}", &Limits::default()).unwrap_err();
        assert_eq!(e.to_string(), "invalid UTF-8");
        assert_eq!(e.span, Span::new(8, 9));
        // Truncated sequence at the very end: the span runs to the end.
        let e = parse_bytes(b"\"ab\xe2\x82", &Limits::default()).unwrap_err();
        assert_eq!(e.span, Span::new(3, 5));
        let e = parse_bytes(b"\xff\xfe[\x00]\x00", &Limits::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid UTF-8: the document starts with a UTF-16 byte-order mark"
        );
        assert_eq!(e.span, Span::new(0, 1));
        // Valid UTF-8 goes on to the JSON checks.
        let node = parse_bytes("[\"é\"]".as_bytes(), &Limits::default()).unwrap();
        assert_eq!(items(&node)[0].value, JsonValue::String("é".into()));
        let e = parse_bytes(b"\xef\xbb\xbf{}", &Limits::default()).unwrap_err();
        assert_eq!(e.to_string(), "byte-order mark is not allowed");
    }

    #[test]
    fn type_names() {
        let root = ok(r#"[null, true, 1, "s", [], {}]"#);
        let names: Vec<&str> = items(&root).iter().map(|n| n.value.type_name()).collect();
        assert_eq!(
            names,
            ["null", "boolean", "number", "string", "array", "object"]
        );
    }

    #[test]
    fn node_equality_ignores_spans() {
        assert_eq!(ok("[1, {\"a\": true}]"), ok(" [1,{\"a\":true}]"));
        assert_ne!(ok("[1]"), ok("[1.0]"));
    }

    #[test]
    fn long_strings_with_and_without_escapes() {
        let plain = "a".repeat(1 << 20);
        let text = format!("\"{plain}\"");
        let limits = Limits {
            max_size: 2 << 20,
            ..Limits::default()
        };
        assert_eq!(
            parse(&text, &limits).unwrap().value,
            JsonValue::String(plain)
        );
        let escaped = "ab\\n".repeat(100_000);
        let node = parse(&format!("\"{escaped}\""), &limits).unwrap();
        assert_eq!(node.value, JsonValue::String("ab\n".repeat(100_000)));
    }

    #[test]
    fn special_characters_are_found_at_every_offset() {
        for len in 0..40 {
            let prefix = "é".repeat(len / 2) + &"a".repeat(len % 2);
            let quoted = format!("\"{prefix}\\n{prefix}\"");
            assert_eq!(
                ok(&quoted).value,
                JsonValue::String(format!("{prefix}\n{prefix}"))
            );
            let raw = format!("\"{prefix}\u{1}\"");
            assert_eq!(syntax_err(&raw).1, 1 + u32::try_from(prefix.len()).unwrap());
            let open = format!("\"{prefix}");
            assert_eq!(syntax_err(&open).0, "unexpected end of input");
            let plain = format!("[\"{prefix}\",\"{prefix}\"]");
            assert_eq!(
                items(&ok(&plain))[1].value,
                JsonValue::String(prefix.clone())
            );
        }
    }
}
