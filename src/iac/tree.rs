//! The template tree shared by JSON and YAML inputs: values with byte spans and YAML tags.

use crate::source::Span;

/// How a string scalar was written, to map positions inside it back to the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// A YAML plain scalar: the source bytes are the value.
    Plain,
    /// A YAML single-quoted scalar.
    SingleQuoted,
    /// A YAML double-quoted scalar, or a JSON string: escapes may differ from the value.
    DoubleQuoted,
    /// A YAML literal (`|`) block scalar.
    Literal,
    /// A YAML folded (`>`) block scalar.
    Folded,
}

/// A node of a template.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    /// The bytes of the node in the source (for a tagged node, from the tag on).
    pub span: Span,
    /// A YAML tag such as `!Ref` (handle and suffix joined), with its span.
    pub tag: Option<(String, Span)>,
}

/// A node's value.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    /// A number as written (JSON numbers; YAML plain scalars that look like one).
    Number(String),
    /// A string scalar.
    Str(String, Style),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key (always a string in templates).
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub text: String,
    pub span: Span,
}

impl Node {
    /// The value of key `k` of a mapping.
    pub fn get(&self, k: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(m) => m.iter().find(|(key, _)| key.text == k).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string of a string scalar without a tag.
    pub fn as_str(&self) -> Option<&str> {
        match (&self.kind, &self.tag) {
            (Kind::Str(s, _), None) => Some(s),
            _ => None,
        }
    }

    /// A short name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Number(_) => "number",
            Kind::Str(..) => "string",
            Kind::Seq(_) => "list",
            Kind::Map(_) => "mapping",
        }
    }
}

/// Converts a spanned JSON tree (a JSON template or plan) into a template tree.
pub(crate) fn from_json(node: &crate::json::Node) -> Node {
    use crate::json::JsonValue;
    let kind = match &node.value {
        JsonValue::Null => Kind::Null,
        JsonValue::Bool(b) => Kind::Bool(*b),
        JsonValue::Number(n) => Kind::Number(n.clone()),
        JsonValue::String(s) => Kind::Str(s.clone(), Style::DoubleQuoted),
        JsonValue::Array(items) => Kind::Seq(items.iter().map(from_json).collect()),
        JsonValue::Object(members) => Kind::Map(
            members
                .iter()
                .map(|m| {
                    (
                        Key {
                            text: m.key.clone(),
                            span: m.key_span,
                        },
                        from_json(&m.value),
                    )
                })
                .collect(),
        ),
    };
    Node {
        kind,
        span: node.span,
        tag: None,
    }
}
