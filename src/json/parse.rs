//! The reader behind [`super::parse`]: a hand-written descent over the input bytes.
//!
//! Nesting is tracked on an explicit heap stack of open containers ([`Frame`]) instead of the
//! call stack, so no input can overflow the thread's stack while parsing, whatever
//! [`Limits::max_depth`] says. Each open container collects its finished elements or members
//! in its own vector; the innermost one stays out of the stack, so adding a value to it moves
//! no frame. Strings without escapes are read in place (the hot path is inlined; decoding
//! escapes is out of line), and the tree's string type can borrow them from the input. (One shared scratch vector with an exact copy per container was tried and
//! was slower: its growth makes large requests that send glibc malloc down its slow paths.)
//!
//! Errors are reported in document order: the first problem the reader meets is the one
//! returned, including duplicate keys, which are checked as each key is read.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{
    JsonError, JsonErrorKind, JsonExpected, JsonSyntaxError, JsonValue, Limits, Member, Node,
};
use crate::source::Span;

/// Objects with at least this many members look up duplicate keys in a hash map; smaller
/// objects (nearly all of them) compare against each earlier key, which is faster there.
const HASH_THRESHOLD: usize = 16;

/// Longest word (for example `Infinity`) quoted in a "found `...`" message.
const MAX_QUOTED_WORD: usize = 32;

/// The type of strings and object keys in a tree being read: an owned `String`, or a `Cow`
/// that borrows strings without escapes from the input.
pub(crate) trait Key<'a>: AsRef<str> + Default + Sized {
    /// The string read from the input: borrowed when it has no escapes.
    fn from_text(text: Cow<'a, str>) -> Self;
}

impl<'a> Key<'a> for String {
    fn from_text(text: Cow<'a, str>) -> Self {
        text.into_owned()
    }
}

impl<'a> Key<'a> for Cow<'a, str> {
    fn from_text(text: Cow<'a, str>) -> Self {
        text
    }
}

/// An array or object that has been opened and not yet closed.
enum Frame<K> {
    /// An array and its elements so far.
    Array {
        /// Offset of the `[`.
        open: usize,
        /// The elements read so far.
        items: Vec<Node<K>>,
    },
    /// An object and its members so far, reading the value of `key`.
    Object {
        /// Offset of the `{`.
        open: usize,
        /// The members read so far.
        members: Vec<Member<K>>,
        /// The key whose value is being read.
        key: K,
        /// The span of that key, quotes included.
        key_span: Span,
        /// First span of every key so far, once the object is large enough to need it.
        #[expect(
            clippy::box_collection,
            reason = "boxed so that every frame stays small: only large objects build a map"
        )]
        index: Option<Box<HashMap<String, Span>>>,
    },
}

impl<K> Frame<K> {
    /// Offset of the container's `[` or `{`.
    fn open(&self) -> usize {
        match *self {
            Self::Array { open, .. } | Self::Object { open, .. } => open,
        }
    }
}

/// The error for a broken reader invariant (the innermost container is not the kind being
/// closed); never returned in practice, and never a panic.
#[cold]
fn internal(open: usize) -> JsonError {
    syntax(JsonSyntaxError::Internal, open, open + 1)
}

/// Parser state over one input.
struct Reader<'a, K> {
    /// The whole input.
    text: &'a str,
    /// The input as bytes (same length and offsets as `text`).
    bytes: &'a [u8],
    /// Offset of the next byte to read.
    pos: usize,
    /// Maximum number of open containers.
    max_depth: usize,
    /// The open containers other than the innermost one, outermost first.
    stack: Vec<Frame<K>>,
    /// How many containers are open.
    depth: usize,
    /// The offset of the innermost open container, for "unexpected end of input" errors.
    innermost: Option<usize>,
}

/// A syntax error over `start..end`.
fn syntax(error: JsonSyntaxError, start: usize, end: usize) -> JsonError {
    JsonError {
        kind: JsonErrorKind::Syntax(error),
        span: Span::from_usize(start, end),
        related: None,
    }
}

/// Eight copies of byte `b`.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte of `word` (read little-endian) that is `"`, `\` or below `0x20`.
///
/// The classic "has a zero byte" trick: `x - 0x01…01` borrows out of a byte exactly when the
/// byte is zero (or a borrow arrives from the byte below). Borrows only travel upwards, so the
/// lowest flagged byte is always a true match; higher flags may be false positives, and callers
/// use only the lowest.
const fn special_bytes(word: u64) -> u64 {
    const HIGH: u64 = splat(0x80);
    const LOW: u64 = splat(0x01);
    let quote = word ^ splat(b'"');
    let backslash = word ^ splat(b'\\');
    let zero_quote = quote.wrapping_sub(LOW) & !quote;
    let zero_backslash = backslash.wrapping_sub(LOW) & !backslash;
    let control = word.wrapping_sub(splat(0x20)) & !word;
    (zero_quote | zero_backslash | control) & HIGH
}

/// A one-byte span at `at`.
fn byte_span(at: usize) -> Span {
    Span::from_usize(at, at.saturating_add(1))
}

/// Fails if `key` is already a key among `earlier`, the members of the same object so far.
#[expect(
    clippy::box_collection,
    reason = "the map lives boxed in `Frame::Object`; see there"
)]
fn check_duplicate<K: AsRef<str>>(
    earlier: &[Member<K>],
    key: &str,
    key_span: Span,
    index: &mut Option<Box<HashMap<String, Span>>>,
) -> Result<(), JsonError> {
    let first = match index {
        Some(map) => map.get(key).copied(),
        None => earlier
            .iter()
            .find(|m| m.key.as_ref() == key)
            .map(|m| m.key_span),
    };
    if let Some(first) = first {
        return Err(JsonError {
            kind: JsonErrorKind::DuplicateKey {
                key: key.to_owned(),
            },
            span: key_span,
            related: Some(first),
        });
    }
    match index {
        Some(map) => {
            map.insert(key.to_owned(), key_span);
        }
        None if earlier.len() + 1 >= HASH_THRESHOLD => {
            let mut map: HashMap<String, Span> = earlier
                .iter()
                .map(|m| (m.key.as_ref().to_owned(), m.key_span))
                .collect();
            map.insert(key.to_owned(), key_span);
            *index = Some(Box::new(map));
        }
        None => {}
    }
    Ok(())
}

/// Reads `text` as one JSON value; see [`super::parse`].
pub(super) fn parse<'a, K: Key<'a>>(text: &'a str, limits: &Limits) -> Result<Node<K>, JsonError> {
    if text.len() > limits.max_size {
        return Err(JsonError {
            kind: JsonErrorKind::TooLarge {
                size: text.len(),
                limit: limits.max_size,
            },
            span: Span::empty(),
            related: None,
        });
    }
    if text.starts_with('\u{FEFF}') {
        return Err(syntax(
            JsonSyntaxError::ByteOrderMark,
            0,
            '\u{FEFF}'.len_utf8(),
        ));
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        max_depth: limits.max_depth,
        stack: Vec::new(),
        depth: 0,
        innermost: None,
    };
    let node = reader.document()?;
    reader.skip_ws();
    if reader.pos < reader.bytes.len() {
        return Err(reader.unexpected(JsonSyntaxError::TrailingCharacters, None));
    }
    Ok(node)
}

impl<'a, K: Key<'a>> Reader<'a, K> {
    /// The byte at the read position.
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The text between two offsets that the reader found on character boundaries.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        // INVARIANT: callers pass offsets of ASCII bytes (or the ends of the input), which are
        // always character boundaries, so `get` never returns `None` here.
        self.text.get(start..end).unwrap_or_default()
    }

    /// Offset one past the character that starts at `at` (at most the input length).
    fn char_end(&self, at: usize) -> usize {
        let len = self
            .text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(1, char::len_utf8);
        at.saturating_add(len).min(self.bytes.len())
    }

    /// Skips the four whitespace characters of RFC 8259.
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// "unexpected end of input" at the end, pointing back at the construct left open.
    fn eof(&self, open: Option<usize>) -> JsonError {
        let end = self.bytes.len();
        let mut error = syntax(JsonSyntaxError::UnexpectedEnd, end, end);
        error.related = open.map(byte_span);
        error
    }

    /// An error at the read position: `expected`, unless the input ends there or a comment
    /// starts there, which get their own messages.
    fn unexpected(&self, expected: JsonSyntaxError, open: Option<usize>) -> JsonError {
        let at = self.pos;
        match (self.peek(), self.bytes.get(at + 1)) {
            (None, _) => self.eof(open),
            (Some(b'/'), Some(b'/' | b'*')) => syntax(JsonSyntaxError::Comment, at, at + 2),
            _ => syntax(expected, at, self.char_end(at)),
        }
    }

    /// Fails with `TooDeep` if opening a container at `at` would exceed the depth limit.
    fn check_depth(&self, at: usize) -> Result<(), JsonError> {
        if self.depth >= self.max_depth {
            return Err(JsonError {
                kind: JsonErrorKind::TooDeep {
                    limit: self.max_depth,
                },
                span: byte_span(at),
                related: None,
            });
        }
        Ok(())
    }

    /// The innermost open container, for "unexpected end of input" errors.
    fn innermost_open(&self) -> Option<usize> {
        self.innermost
    }

    /// Makes `frame` the innermost open container (`top`), moving the one it is nested in to
    /// the stack.
    fn open(&mut self, top: &mut Option<Frame<K>>, frame: Frame<K>) {
        self.innermost = Some(frame.open());
        if let Some(outer) = top.replace(frame) {
            self.stack.push(outer);
        }
        self.depth += 1;
    }

    /// Closes the innermost open container: returns it, and makes the one it is nested in the
    /// innermost again.
    fn close(&mut self, top: &mut Option<Frame<K>>) -> Option<Frame<K>> {
        let closed = std::mem::replace(top, self.stack.pop());
        self.innermost = top.as_ref().map(Frame::open);
        self.depth = self.depth.saturating_sub(1);
        closed
    }

    /// Reads one value, with everything nested in it, starting at the read position.
    ///
    /// The innermost open container lives in `top`, outside the stack, so that adding a value
    /// to it moves no frame; only opening and closing a container touch the stack.
    fn document(&mut self) -> Result<Node<K>, JsonError> {
        let mut top: Option<Frame<K>> = None;
        'value: loop {
            self.skip_ws();
            let start = self.pos;
            let mut node = match self.peek() {
                Some(b'[') => {
                    self.check_depth(start)?;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Node {
                            value: JsonValue::Array(Vec::new()),
                            span: Span::from_usize(start, self.pos),
                        }
                    } else {
                        let frame = Frame::Array {
                            open: start,
                            items: Vec::new(),
                        };
                        self.open(&mut top, frame);
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    self.check_depth(start)?;
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some(b'}') => {
                            self.pos += 1;
                            Node {
                                value: JsonValue::Object(Vec::new()),
                                span: Span::from_usize(start, self.pos),
                            }
                        }
                        Some(b'"') => {
                            // Read before the object counts as open (as every key is: an
                            // error in a key points back at the enclosing container).
                            let (key, key_span) = self.key()?;
                            let frame = Frame::Object {
                                open: start,
                                members: Vec::new(),
                                key,
                                key_span,
                                index: None,
                            };
                            self.open(&mut top, frame);
                            continue 'value;
                        }
                        _ => return Err(self.bad_key(JsonExpected::KeyOrClose, start)),
                    }
                }
                Some(b'"') => {
                    let value = K::from_text(self.string()?);
                    Node {
                        value: JsonValue::String(value),
                        span: Span::from_usize(start, self.pos),
                    }
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => self.literal()?,
                None => return Err(self.eof(self.innermost_open())),
            };
            // Hand the finished value to the open containers, closing every one that ends here.
            loop {
                let Some(frame) = top.as_mut() else {
                    return Ok(node);
                };
                match frame {
                    Frame::Array { open, items } => {
                        let open = *open;
                        items.push(node);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                let comma = self.pos;
                                self.pos += 1;
                                self.skip_ws();
                                if self.peek() == Some(b']') {
                                    return Err(syntax(
                                        JsonSyntaxError::TrailingComma,
                                        comma,
                                        comma + 1,
                                    ));
                                }
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let Some(Frame::Array { items, .. }) = self.close(&mut top) else {
                                    return Err(internal(open));
                                };
                                node = Node {
                                    value: JsonValue::Array(items),
                                    span: Span::from_usize(open, self.pos),
                                };
                            }
                            _ => {
                                return Err(self.unexpected(
                                    JsonSyntaxError::Expected(JsonExpected::CommaOrBracket),
                                    Some(open),
                                ));
                            }
                        }
                    }
                    Frame::Object {
                        open,
                        members,
                        key,
                        key_span,
                        index,
                    } => {
                        let open = *open;
                        members.push(Member {
                            key: std::mem::take(key),
                            key_span: *key_span,
                            value: node,
                        });
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                let comma = self.pos;
                                self.pos += 1;
                                self.skip_ws();
                                match self.peek() {
                                    Some(b'"') => {
                                        self.innermost = self.stack.last().map(Frame::open);
                                        let (next, next_span) = self.key()?;
                                        self.innermost = Some(open);
                                        check_duplicate(members, next.as_ref(), next_span, index)?;
                                        *key = next;
                                        *key_span = next_span;
                                        continue 'value;
                                    }
                                    Some(b'}') => {
                                        return Err(syntax(
                                            JsonSyntaxError::TrailingComma,
                                            comma,
                                            comma + 1,
                                        ));
                                    }
                                    _ => return Err(self.bad_key(JsonExpected::Key, open)),
                                }
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let Some(Frame::Object { members, .. }) = self.close(&mut top)
                                else {
                                    return Err(internal(open));
                                };
                                node = Node {
                                    value: JsonValue::Object(members),
                                    span: Span::from_usize(open, self.pos),
                                };
                            }
                            _ => {
                                return Err(self.unexpected(
                                    JsonSyntaxError::Expected(JsonExpected::CommaOrBrace),
                                    Some(open),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }

    /// The error for something other than a string where a key must be.
    fn bad_key(&self, expected: JsonExpected, open: usize) -> JsonError {
        if self.peek() == Some(b'\'') {
            return syntax(JsonSyntaxError::SingleQuotedString, self.pos, self.pos + 1);
        }
        self.unexpected(JsonSyntaxError::Expected(expected), Some(open))
    }

    /// Reads a key (at a `"`), the whitespace after it and the `:`.
    #[inline]
    fn key(&mut self) -> Result<(K, Span), JsonError> {
        let start = self.pos;
        let key = K::from_text(self.string()?);
        let span = Span::from_usize(start, self.pos);
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected(
                JsonSyntaxError::Expected(JsonExpected::Colon),
                self.innermost_open(),
            ));
        }
        self.pos += 1;
        Ok((key, span))
    }

    /// Offset of the first `"`, `\` or control character at or after `from`, or the end.
    ///
    /// Looks at eight bytes at a time: policy strings are mostly plain text.
    fn scan_plain(&self, from: usize) -> usize {
        let rest = self.bytes.get(from..).unwrap_or_default();
        let (words, tail) = rest.as_chunks::<8>();
        let mut offset = from;
        for word in words {
            let mask = special_bytes(u64::from_le_bytes(*word));
            if mask != 0 {
                // The lowest flagged byte is always a real match (see `special_bytes`).
                return offset + (mask.trailing_zeros() / 8) as usize;
            }
            offset += 8;
        }
        tail.iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .map_or(self.bytes.len(), |p| offset + p)
    }

    /// Reads a string at a `"` and returns it with escapes decoded (borrowed from the input
    /// when it has none); the read position ends after the closing quote.
    #[inline]
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let open = self.pos;
        let body = open + 1;
        let i = self.scan_plain(body);
        if self.bytes.get(i) == Some(&b'"') {
            // No escapes: the whole body at once.
            self.pos = i + 1;
            return Ok(Cow::Borrowed(self.slice(body, i)));
        }
        self.string_escaped(open, i).map(Cow::Owned)
    }

    /// The rest of [`string`](Self::string) for a string whose body (from `open + 1`) has a
    /// `\`, a control character or no end at `i`; kept out of line.
    #[inline(never)]
    fn string_escaped(&mut self, open: usize, mut i: usize) -> Result<String, JsonError> {
        let body = open + 1;
        let mut out = String::with_capacity(i - body + 16);
        let mut run = body;
        loop {
            match self.bytes.get(i) {
                Some(b'"') => {
                    out.push_str(self.slice(run, i));
                    self.pos = i + 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(self.slice(run, i));
                    i = self.escape(i, &mut out, open)?;
                    run = i;
                }
                Some(&b) if b < 0x20 => {
                    return Err(syntax(JsonSyntaxError::ControlCharacter(b), i, i + 1));
                }
                Some(_) => i += 1,
                None => return Err(self.eof(Some(open))),
            }
            i = self.scan_plain(i);
        }
    }

    /// Decodes the escape whose `\` is at `at` into `out`; returns the offset after it.
    fn escape(&self, at: usize, out: &mut String, open: usize) -> Result<usize, JsonError> {
        let decoded = match self.bytes.get(at + 1) {
            None => return Err(self.eof(Some(open))),
            Some(b'u') => return self.unicode_escape(at, out, open),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(_) => {
                let end = self.char_end(at + 1);
                let shown = self.slice(at, end);
                return Err(syntax(
                    JsonSyntaxError::InvalidEscape(shown.to_owned()),
                    at,
                    end,
                ));
            }
        };
        out.push(decoded);
        Ok(at + 2)
    }

    /// Reads the four hex digits of a `\u` escape whose `\` is at `at`.
    fn hex4(&self, at: usize, open: usize) -> Result<u32, JsonError> {
        let mut code = 0u32;
        for i in at + 2..at + 6 {
            let digit = match self.bytes.get(i) {
                None => return Err(self.eof(Some(open))),
                Some(&b) => char::from(b).to_digit(16),
            };
            match digit {
                Some(d) => code = code * 16 + d,
                None => {
                    return Err(syntax(
                        JsonSyntaxError::InvalidUnicodeEscape,
                        at,
                        self.char_end(i),
                    ));
                }
            }
        }
        Ok(code)
    }

    /// Decodes a `\uXXXX` escape (or a surrogate pair of them) at `at` into `out`.
    fn unicode_escape(&self, at: usize, out: &mut String, open: usize) -> Result<usize, JsonError> {
        let lone = || {
            let shown = self.slice(at, at + 6);
            syntax(JsonSyntaxError::LoneSurrogate(shown.to_owned()), at, at + 6)
        };
        let code = self.hex4(at, open)?;
        let scalar = match code {
            0xD800..=0xDBFF => {
                let next = at + 6;
                if self.bytes.get(next) != Some(&b'\\') || self.bytes.get(next + 1) != Some(&b'u') {
                    return Err(lone());
                }
                let low = self.hex4(next, open)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(lone());
                }
                let scalar = 0x1_0000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                out.push(char::from_u32(scalar).ok_or_else(lone)?);
                return Ok(next + 6);
            }
            0xDC00..=0xDFFF => return Err(lone()),
            other => other,
        };
        out.push(char::from_u32(scalar).ok_or_else(lone)?);
        Ok(at + 6)
    }

    /// Offset after the ASCII digits starting at `from`.
    fn digits_end(&self, from: usize) -> usize {
        self.bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|b| !b.is_ascii_digit()))
            .map_or(self.bytes.len(), |p| from + p)
    }

    /// Requires at least one digit at `at`; returns the offset after the digits.
    fn required_digits(&self, at: usize, expected: JsonExpected) -> Result<usize, JsonError> {
        match self.bytes.get(at) {
            Some(b) if b.is_ascii_digit() => Ok(self.digits_end(at)),
            None => Err(self.eof(self.innermost_open())),
            Some(_) => Err(syntax(
                JsonSyntaxError::Expected(expected),
                at,
                self.char_end(at),
            )),
        }
    }

    /// Reads a number at a `-` or digit, keeping its text.
    fn number(&mut self) -> Result<Node<K>, JsonError> {
        let start = self.pos;
        let int = if self.peek() == Some(b'-') {
            start + 1
        } else {
            start
        };
        let mut i = self.required_digits(int, JsonExpected::DigitAfterMinus)?;
        if self.bytes.get(int) == Some(&b'0') && i > int + 1 {
            return Err(syntax(JsonSyntaxError::LeadingZero, int, i));
        }
        if self.bytes.get(i) == Some(&b'.') {
            i = self.required_digits(i + 1, JsonExpected::DigitAfterPoint)?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = self.bytes.get(i) {
                i += 1;
            }
            i = self.required_digits(i, JsonExpected::ExponentDigit)?;
        }
        self.pos = i;
        Ok(Node {
            value: JsonValue::Number(self.slice(start, i).to_owned()),
            span: Span::from_usize(start, i),
        })
    }

    /// Reads `true`, `false` or `null`, or explains what is there instead of a value.
    fn literal(&mut self) -> Result<Node<K>, JsonError> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        for (word, value) in [
            (&b"true"[..], JsonValue::Bool(true)),
            (b"false", JsonValue::Bool(false)),
            (b"null", JsonValue::Null),
        ] {
            if rest.starts_with(word) {
                self.pos = start + word.len();
                return Ok(Node {
                    value,
                    span: Span::from_usize(start, self.pos),
                });
            }
        }
        let open = self.innermost_open();
        Err(match rest.first() {
            Some(b'\'') => syntax(JsonSyntaxError::SingleQuotedString, start, start + 1),
            Some(b'+') => syntax(JsonSyntaxError::PlusSign, start, start + 1),
            Some(b'.') => syntax(JsonSyntaxError::LeadingPoint, start, start + 1),
            Some(b) if b.is_ascii_alphabetic() => {
                let len = rest
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .unwrap_or(rest.len());
                let end = start + len;
                if len <= MAX_QUOTED_WORD {
                    let word = self.slice(start, end);
                    syntax(JsonSyntaxError::UnknownWord(word.to_owned()), start, end)
                } else {
                    syntax(JsonSyntaxError::Expected(JsonExpected::Value), start, end)
                }
            }
            _ => self.unexpected(JsonSyntaxError::Expected(JsonExpected::Value), open),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Index of the first special byte, the slow way.
    fn naive(bytes: [u8; 8]) -> Option<usize> {
        bytes
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
    }

    fn fast(bytes: [u8; 8]) -> Option<usize> {
        let mask = special_bytes(u64::from_le_bytes(bytes));
        (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize)
    }

    #[test]
    fn special_bytes_finds_the_first_match() {
        // Every byte value at every position, among neighbours that provoke borrows.
        for b in 0..=255u8 {
            for pos in 0..8 {
                for filler in [
                    b'a', 0x00, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x80, 0xff,
                ] {
                    let mut bytes = [filler; 8];
                    bytes[pos] = b;
                    assert_eq!(fast(bytes), naive(bytes), "{bytes:?}");
                }
            }
        }
        // Pseudo-random words over an alphabet of edge bytes.
        let alphabet = [
            0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x5d, 0x7f, 0x80, 0xc3, 0xff, b'a',
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bytes = [0u8; 8];
            for (i, slot) in bytes.iter_mut().enumerate() {
                *slot = alphabet[usize::try_from((state >> (i * 5)) % 13).unwrap()];
            }
            assert_eq!(fast(bytes), naive(bytes), "{bytes:?}");
        }
    }
}
