//! YAML templates into the template tree, with byte spans and tags, using `saphyr-parser`'s
//! event stream (it reports every node's start and end and keeps tags such as `!Ref`).
//!
//! The tree is built with an explicit stack (no recursion), bounded in depth and node count.
//! Aliases are refused: CloudFormation does not support them (and refusing them bounds the
//! work a document can ask for).

use crate::code::Code;
use saphyr_parser::{Event, Parser, ScalarStyle};

use super::tree::{Key, Kind, Node, Style};
use super::{IacError, Limits};
use crate::source::Span;

/// Byte offsets of a text by character index (the parser counts characters).
struct Offsets {
    /// `None` for ASCII text (character index = byte offset).
    table: Option<Vec<u32>>,
    len: u32,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        if text.is_ascii() {
            return Self { table: None, len };
        }
        let mut table: Vec<u32> = text
            .char_indices()
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        table.push(len);
        Self {
            table: Some(table),
            len,
        }
    }

    fn byte(&self, char_index: usize) -> u32 {
        match &self.table {
            None => u32::try_from(char_index).unwrap_or(u32::MAX).min(self.len),
            Some(t) => t.get(char_index).copied().unwrap_or(self.len),
        }
    }

    fn span(&self, s: &saphyr_parser::Span) -> Span {
        Span::new(self.byte(s.start.index()), self.byte(s.end.index()))
    }
}

/// A collection being built.
enum Open {
    Seq {
        start: Span,
        tag: Option<(String, Span)>,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        tag: Option<(String, Span)>,
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
    },
}

/// The tag of an event as one string (`!Ref`, `tag:yaml.org,2002:str`), and its span: the
/// parser's span of a tagged node starts at the tag, which runs to the next blank, bracket or
/// brace.
fn tag_of(tag: Option<&saphyr_parser::Tag>, text: &str, node: Span) -> Option<(String, Span)> {
    let tag = tag?;
    let name = format!("{}{}", tag.handle, tag.suffix);
    let from = text.get(node.start as usize..).unwrap_or_default();
    let span = if from.starts_with('!') {
        let len = from
            .find(|c: char| c.is_whitespace() || c == '[' || c == '{')
            .unwrap_or(from.len());
        Span::from_usize(node.start as usize, node.start as usize + len)
    } else {
        node
    };
    Some((name, span))
}

/// Reads one YAML document into a tree.
pub(crate) fn parse(text: &str, limits: &Limits) -> Result<Node, IacError> {
    if text.len() > limits.max_size {
        return Err(IacError::new(
            Code::TemplateSyntaxError,
            format!(
                "file is {} bytes, more than the limit of {}",
                text.len(),
                limits.max_size
            ),
            Span::empty(),
        ));
    }
    let offsets = Offsets::new(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    let mut documents = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, yspan) = event.map_err(|e| {
            let at = offsets.byte(e.marker().index());
            IacError::new(
                Code::TemplateSyntaxError,
                format!("invalid YAML: {}", e.info()),
                Span::new(at, at.saturating_add(1).min(offsets.len)),
            )
        })?;
        let span = offsets.span(&yspan);
        let done: Option<Node> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(IacError::new(
                        Code::TemplateSyntaxError,
                        "a template is one YAML document; this is a second one".to_owned(),
                        span,
                    ));
                }
                None
            }
            Event::Alias(_) => {
                return Err(IacError::new(
                    Code::UnsupportedYaml,
                    "YAML aliases are not supported in CloudFormation templates".to_owned(),
                    span,
                ));
            }
            Event::Scalar(value, style, _, tag) => {
                let tag = tag_of(tag.as_deref(), text, span);
                let core = tag
                    .as_ref()
                    .and_then(|(t, _)| t.strip_prefix("tag:yaml.org,2002:"));
                let kind = scalar(&value, style, core);
                // Core-schema tags (`!!str`) only choose the type.
                let tag = if core.is_some() { None } else { tag };
                Some(Node { kind, span, tag })
            }
            Event::SequenceStart(_, tag) => {
                push_open(&stack, limits)?;
                stack.push(Open::Seq {
                    start: span,
                    tag: tag_of(tag.as_deref(), text, span),
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(_, tag) => {
                push_open(&stack, limits)?;
                stack.push(Open::Map {
                    start: span,
                    tag: tag_of(tag.as_deref(), text, span),
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq { start, tag, items }) => {
                    let end = close_end(text, start, span, items.last().map(|n| n.span));
                    Some(Node {
                        kind: Kind::Seq(items),
                        span: Span::new(start.start, end),
                        tag: strip_core(tag),
                    })
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map {
                    start,
                    tag,
                    entries,
                    ..
                }) => {
                    let end = close_end(text, start, span, entries.last().map(|(_, n)| n.span));
                    Some(Node {
                        kind: Kind::Map(entries),
                        span: Span::new(start.start, end),
                        tag: strip_core(tag),
                    })
                }
                _ => None,
            },
        };
        let Some(node) = done else { continue };
        nodes += 1;
        if nodes > limits.max_nodes {
            return Err(IacError::new(
                Code::TemplateSyntaxError,
                format!("more than {} YAML nodes", limits.max_nodes),
                node.span,
            ));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => {
                    let (Kind::Str(k, _) | Kind::Number(k)) = &node.kind else {
                        let text = match &node.kind {
                            Kind::Null => "null".to_owned(),
                            Kind::Bool(b) => b.to_string(),
                            _ => {
                                return Err(IacError::new(
                                    Code::UnsupportedYaml,
                                    format!(
                                        "a mapping key must be a string, not a {}",
                                        node.type_name()
                                    ),
                                    node.span,
                                ));
                            }
                        };
                        *key = Some(Key {
                            text,
                            span: node.span,
                        });
                        continue;
                    };
                    if let Some((first, _)) = entries.iter().find(|(e, _)| e.text == *k) {
                        let _ = first;
                        return Err(IacError::new(
                            Code::TemplateSyntaxError,
                            format!("duplicate key `{k}`"),
                            node.span,
                        ));
                    }
                    *key = Some(Key {
                        text: k.clone(),
                        span: node.span,
                    });
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }
    root.ok_or_else(|| {
        IacError::new(
            Code::TemplateSyntaxError,
            "the file holds no YAML document".to_owned(),
            Span::empty(),
        )
    })
}

fn push_open(stack: &[Open], limits: &Limits) -> Result<(), IacError> {
    if stack.len() >= limits.max_depth {
        return Err(IacError::new(
            Code::TemplateSyntaxError,
            format!("nesting is deeper than the limit of {}", limits.max_depth),
            Span::empty(),
        ));
    }
    Ok(())
}

fn strip_core(tag: Option<(String, Span)>) -> Option<(String, Span)> {
    tag.filter(|(t, _)| !t.starts_with("tag:yaml.org,2002:"))
}

/// The end of a collection: the closing bracket of a flow collection, else the end of its last
/// item (a block collection's end event sits at the next token, possibly lines later).
fn close_end(text: &str, start: Span, end_event: Span, last: Option<Span>) -> u32 {
    // A tagged collection's start span begins at its tag (`!If [`).
    let flow = text
        .get(start.start as usize..start.end as usize)
        .is_some_and(|s| {
            let s = s.trim_end();
            s.ends_with('[') || s.ends_with('{')
        });
    if flow {
        end_event.end.max(start.end)
    } else {
        last.map_or(start.end, |l| l.end.max(start.end))
    }
}

/// The value of a scalar under the YAML 1.2 core schema (what CloudFormation reads), or as
/// the core tag `!!str`, `!!int`, ... says.
fn scalar(value: &str, style: ScalarStyle, core: Option<&str>) -> Kind {
    let string_style = match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    };
    if core == Some("str") || style != ScalarStyle::Plain {
        return Kind::Str(value.to_owned(), string_style);
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ if is_number(value) => Kind::Number(value.to_owned()),
        _ => Kind::Str(value.to_owned(), Style::Plain),
    }
}

/// Whether a plain scalar is a number of the JSON grammar (the YAML 1.2 JSON-compatible
/// numbers; octal and hex forms stay strings).
fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str, s: Span) -> &str {
        s.slice(text).unwrap()
    }

    #[test]
    fn spans_and_tags() {
        let text = "Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Arn: !GetAtt B.Arn\n    L: [a, \"b\"]\n    M: {k: v}\n    Blk: |\n      {\"x\": 1}\n    S: !Sub\n      - 'x${A}'\n      - A: 1\n";
        let root = parse(text, &Limits::default()).unwrap();
        let r = root.get("Resources").unwrap().get("R").unwrap();
        assert_eq!(r.get("Type").unwrap().as_str(), Some("AWS::S3::Bucket"));
        let arn = r.get("Arn").unwrap();
        assert_eq!(arn.tag.as_ref().unwrap().0, "!GetAtt");
        assert_eq!(show(text, arn.tag.as_ref().unwrap().1), "!GetAtt");
        assert_eq!(show(text, arn.span), "!GetAtt B.Arn");
        assert_eq!(show(text, r.get("L").unwrap().span), "[a, \"b\"]");
        let Kind::Seq(items) = &r.get("L").unwrap().kind else {
            panic!()
        };
        assert_eq!(show(text, items[1].span), "\"b\"");
        assert_eq!(show(text, r.get("M").unwrap().span), "{k: v}");
        let blk = r.get("Blk").unwrap();
        assert!(matches!(&blk.kind, Kind::Str(s, Style::Literal) if s == "{\"x\": 1}\n"));
        let sub = r.get("S").unwrap();
        assert_eq!(sub.tag.as_ref().unwrap().0, "!Sub");
        assert!(
            show(text, sub.span).starts_with("!Sub\n      - 'x${A}'"),
            "{:?}",
            show(text, sub.span)
        );
        assert_eq!(show(text, sub.tag.as_ref().unwrap().1), "!Sub");
        assert!(matches!(
            r.get("Type").unwrap().kind,
            Kind::Str(_, Style::Plain)
        ));
    }

    #[test]
    fn errors_are_located() {
        let text = "a: [1, 2\nb: c\n";
        let e = parse(text, &Limits::default()).unwrap_err();
        assert_eq!(e.code, "TEMPLATE_SYNTAX_ERROR");
        let e = parse("a: &x 1\nb: *x\n", &Limits::default()).unwrap_err();
        assert_eq!(e.code, "UNSUPPORTED_YAML");
        assert_eq!(e.span, Span::new(11, 13));
        let e = parse("a: 1\na: 2\n", &Limits::default()).unwrap_err();
        assert!(e.message.contains("duplicate key"), "{}", e.message);
        let deep = "[".repeat(10_000);
        let e = parse(&deep, &Limits::default()).unwrap_err();
        assert!(
            e.message.contains("deeper") || e.message.contains("recursion limit"),
            "{}",
            e.message
        );
    }

    #[test]
    fn non_ascii_offsets() {
        let text = "é: \"ü\"\nk: v\n";
        let root = parse(text, &Limits::default()).unwrap();
        assert_eq!(show(text, root.get("k").unwrap().span), "v");
    }

    #[test]
    fn core_schema_scalars() {
        assert!(matches!(
            scalar("true", ScalarStyle::Plain, None),
            Kind::Bool(true)
        ));
        assert!(matches!(
            scalar("123456789012", ScalarStyle::Plain, None),
            Kind::Number(_)
        ));
        assert!(matches!(
            scalar("2012-10-17", ScalarStyle::Plain, None),
            Kind::Str(..)
        ));
        assert!(matches!(
            scalar("0x1F", ScalarStyle::Plain, None),
            Kind::Str(..)
        ));
        assert!(matches!(
            scalar("true", ScalarStyle::SingleQuoted, None),
            Kind::Str(..)
        ));
        assert!(matches!(
            scalar("1", ScalarStyle::Plain, Some("str")),
            Kind::Str(..)
        ));
    }
}
