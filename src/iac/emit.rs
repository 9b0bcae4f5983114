//! Resolved policy trees as JSON text, with a map from every value of the text back to the
//! template.

use crate::source::Span;

/// A resolved value: what the template means after intrinsic functions, with the template
/// span it came from.
#[derive(Clone, Debug)]
pub(crate) struct RNode {
    pub kind: RKind,
    /// Where in the template the value is written (for a computed value, the function).
    pub origin: Span,
    /// For a string written literally: the template offset of its first byte, when the
    /// template's bytes there are the value's bytes.
    pub exact: Option<u32>,
    /// Whether the value holds a placeholder.
    pub uncertain: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum RKind {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Seq(Vec<RNode>),
    Map(Vec<(String, Span, RNode)>),
}

impl RNode {
    pub fn str(s: String, origin: Span) -> Self {
        Self {
            kind: RKind::Str(s),
            origin,
            exact: None,
            uncertain: false,
        }
    }
}

/// One value of the JSON text: its range there and its span in the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seg {
    /// Range in the JSON text.
    pub text: Span,
    /// Span in the template.
    pub origin: Span,
    /// For a string copied byte for byte: (offset in the text of its first byte, template
    /// offset of its first byte, length).
    pub exact: Option<(u32, u32, u32)>,
}

/// The JSON text of a resolved tree, the recorded values, and the ranges of placeholders with
/// their JSON paths.
pub(crate) struct Emitted {
    pub text: String,
    pub segs: Vec<Seg>,
    pub uncertain: Vec<(Span, String)>,
}

/// Serialises `node` as compact JSON.
pub(crate) fn emit(node: &RNode) -> Emitted {
    let mut e = Emitted {
        text: String::new(),
        segs: Vec::new(),
        uncertain: Vec::new(),
    };
    let mut path = String::new();
    write(node, &mut e, &mut path);
    e.segs
        .sort_by_key(|s| (s.text.start, std::cmp::Reverse(s.text.end)));
    e
}

fn pos(s: &str) -> u32 {
    u32::try_from(s.len()).unwrap_or(u32::MAX)
}

fn write_str(s: &str, exact: Option<u32>, origin: Span, e: &mut Emitted) {
    let start = pos(&e.text);
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let copied = quoted.get(1..quoted.len().saturating_sub(1)) == Some(s);
    e.text.push_str(&quoted);
    let end = pos(&e.text);
    e.segs.push(Seg {
        text: Span::new(start, end),
        origin,
        exact: exact.filter(|_| copied).map(|at| (start + 1, at, pos(s))),
    });
}

fn write(node: &RNode, e: &mut Emitted, path: &mut String) {
    let start = pos(&e.text);
    match &node.kind {
        RKind::Null => e.text.push_str("null"),
        RKind::Bool(b) => e.text.push_str(if *b { "true" } else { "false" }),
        RKind::Num(n) => e.text.push_str(n),
        RKind::Str(s) => {
            write_str(s, node.exact, node.origin, e);
            if node.uncertain {
                e.uncertain
                    .push((Span::new(start, pos(&e.text)), path.clone()));
            }
            return;
        }
        RKind::Seq(items) => {
            e.text.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    e.text.push(',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write(item, e, path);
                path.truncate(len);
            }
            e.text.push(']');
        }
        RKind::Map(members) => {
            e.text.push('{');
            for (i, (key, key_span, value)) in members.iter().enumerate() {
                if i > 0 {
                    e.text.push(',');
                }
                let member_start = pos(&e.text);
                write_str(key, None, *key_span, e);
                e.text.push(':');
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                write(value, e, path);
                path.truncate(len);
                e.segs.push(Seg {
                    text: Span::new(member_start, pos(&e.text)),
                    origin: key_span.cover(value.origin),
                    exact: None,
                });
            }
            e.text.push('}');
        }
    }
    if node.uncertain {
        e.uncertain
            .push((Span::new(start, pos(&e.text)), path.clone()));
    }
    e.segs.push(Seg {
        text: Span::new(start, pos(&e.text)),
        origin: node.origin,
        exact: None,
    });
}

/// The template span of a span of the text: through the innermost recorded value containing
/// it (byte for byte inside a copied string).
pub(crate) fn map(segs: &[Seg], span: Span) -> Option<Span> {
    let mut best: Option<&Seg> = None;
    for s in segs {
        if s.text.start > span.start {
            break;
        }
        if span.end <= s.text.end && best.is_none_or(|b| s.text.len() <= b.text.len()) {
            best = Some(s);
        }
    }
    let seg = best?;
    if let Some((text_start, origin_start, len)) = seg.exact
        && span.start >= text_start
        && span.end <= text_start + len
    {
        return Some(Span::new(
            origin_start + (span.start - text_start),
            origin_start + (span.end - text_start),
        ));
    }
    Some(seg.origin)
}

/// The template offset of every byte of a JSON string literal's value, and one for its end.
///
/// `raw` is the literal with its quotes, starting at template offset `at`.
pub(crate) fn json_string_offsets(raw: &str, at: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 1usize; // after the opening quote
    let end = raw.len().saturating_sub(1);
    let off = |i: usize| at.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
    while i < end {
        let b = bytes.get(i).copied().unwrap_or(b'"');
        if b == b'\\' {
            let esc = bytes.get(i + 1).copied().unwrap_or(b'"');
            if esc == b'u' {
                let hex = |j: usize| {
                    raw.get(j..j + 4)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                };
                let mut width = 6usize;
                let mut cp = hex(i + 2).unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&cp)
                    && raw.get(i + 6..i + 8) == Some("\\u")
                    && let Some(lo) = hex(i + 8)
                {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF);
                    width = 12;
                }
                let n = char::from_u32(cp).map_or(3, char::len_utf8);
                for _ in 0..n {
                    out.push(off(i));
                }
                i += width;
            } else {
                out.push(off(i));
                i += 2;
            }
        } else {
            out.push(off(i));
            i += 1;
        }
    }
    out.push(off(end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_offsets_follow_escapes() {
        let raw = r#""a\"b\u00e9c""#;
        let offs = json_string_offsets(raw, 100);
        // a, ", b, é (2 bytes), c, end
        assert_eq!(offs, vec![101, 102, 104, 105, 105, 111, 112]);
    }

    #[test]
    fn maps_inside_copied_strings() {
        let node = RNode {
            kind: RKind::Map(vec![(
                "Action".to_owned(),
                Span::new(10, 16),
                RNode {
                    kind: RKind::Str("s3:Get".to_owned()),
                    origin: Span::new(18, 24),
                    exact: Some(18),
                    uncertain: false,
                },
            )]),
            origin: Span::new(8, 30),
            exact: None,
            uncertain: false,
        };
        let e = emit(&node);
        assert_eq!(e.text, r#"{"Action":"s3:Get"}"#);
        assert_eq!(map(&e.segs, Span::new(11, 17)), Some(Span::new(18, 24)));
        assert_eq!(map(&e.segs, Span::new(10, 18)), Some(Span::new(18, 24)));
        assert_eq!(map(&e.segs, Span::new(1, 9)), Some(Span::new(10, 16)));
        assert_eq!(map(&e.segs, Span::new(0, 0)), Some(Span::new(8, 30)));
    }
}
