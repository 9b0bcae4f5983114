//! The reader behind [`super::parse`]: a hand-written descent over the input bytes that
//! writes a flat [`Tree`].
//!
//! Every value becomes one entry of one vector, in document order (a container before its
//! children); a container's entry is completed (its child count and the index after its
//! subtree) when it closes. Nesting is tracked on an explicit stack of open containers
//! ([`Open`], in a vector the thread keeps for its next read: [`OpenStack`]) instead of the call
//! stack, so no input can overflow the thread's stack while parsing, whatever
//! [`Limits::max_depth`] says. Strings without escapes are not copied (the tree reads them
//! from the input by their spans); strings with escapes are decoded out of line into a list of
//! their own.
//!
//! Errors are reported in document order: the first problem the reader meets is the one
//! returned, including duplicate keys, which are checked as each key is read.

use std::collections::HashMap;

use super::{Flat, JsonError, JsonErrorKind, JsonExpected, JsonSyntaxError, Kind, Limits, Tree};
use crate::source::Span;

/// Objects with at least this many members look up duplicate keys in a hash map; smaller
/// objects (nearly all of them) compare against each earlier key, which is faster there.
const HASH_THRESHOLD: usize = 16;

/// Longest word (for example `Infinity`) quoted in a "found `...`" message.
const MAX_QUOTED_WORD: usize = 32;

/// The capacity of the open-container vector a thread keeps for its next read (deeper than
/// any policy; a deeper document's larger vector is freed after its read).
const OPEN_KEPT: usize = 64;

thread_local! {
    /// The open-container vector of the thread's last read (empty), see [`OpenStack`].
    static OPEN: std::cell::Cell<Vec<Open>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The reader's stack of open containers: a vector taken from the thread's last read and
/// given back (emptied) when the read ends, so that a read allocates none (a plain vector's
/// `last`/`push`/`pop` also cost less than an inline small vector's, which checks where its
/// items are on every access).
struct OpenStack(Vec<Open>);

impl OpenStack {
    fn new() -> Self {
        let mut open = OPEN.with(std::cell::Cell::take);
        open.clear();
        Self(open)
    }
}

impl Drop for OpenStack {
    fn drop(&mut self) {
        if self.0.capacity() <= OPEN_KEPT {
            let mut open = std::mem::take(&mut self.0);
            open.clear();
            // `try_with`: during thread teardown the vector is simply freed.
            let _ = OPEN.try_with(|kept| kept.set(open));
        }
    }
}

impl std::ops::Deref for OpenStack {
    type Target = Vec<Open>;

    fn deref(&self) -> &Vec<Open> {
        &self.0
    }
}

impl std::ops::DerefMut for OpenStack {
    fn deref_mut(&mut self) -> &mut Vec<Open> {
        &mut self.0
    }
}

/// An array or object that has been opened and not yet closed.
struct Open {
    /// Its entry in the tree.
    node: u32,
    /// Offset of its `[` or `{`.
    open: usize,
    /// Whether it is an object.
    object: bool,
    /// Children finished so far.
    count: u32,
    /// An object: the span of the key whose value is being read (quotes included) and its
    /// decoded text's index plus one (0 when it has no escapes).
    key: Span,
    key_aux: u32,
    /// An object: the first span of every key so far, once the object is large enough to
    /// need it.
    #[expect(
        clippy::box_collection,
        reason = "boxed so that every frame stays small: only large objects build a map"
    )]
    index: Option<Box<HashMap<String, Span>>>,
}

/// The error for a broken reader invariant (a node index out of range); never returned in
/// practice, and never a panic.
#[cold]
fn internal(open: usize) -> JsonError {
    syntax(JsonSyntaxError::Internal, open, open + 1)
}

/// Parser state over one input.
struct Reader<'a> {
    /// The whole input.
    text: &'a str,
    /// The input as bytes (same length and offsets as `text`).
    bytes: &'a [u8],
    /// Offset of the next byte to read.
    pos: usize,
    /// Maximum number of open containers.
    max_depth: usize,
    /// The open containers, outermost first.
    stack: OpenStack,
    /// The offset of the innermost open container, for "unexpected end of input" errors.
    innermost: Option<usize>,
    /// The tree being written (its node vector goes back to the thread's scratch if the
    /// read fails).
    tree: Tree<'a>,
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

/// A node index as stored in the tree.
fn to_index(index: usize) -> u32 {
    // INVARIANT: a tree has at most one node per input byte, and spans already cap inputs at
    // `u32::MAX` bytes; a larger count saturates and `Tree` lookups then miss (never panic).
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// Reads `text` as one JSON value into a flat tree; see [`super::parse`].
pub(super) fn parse<'a>(text: &'a str, limits: &Limits) -> Result<Tree<'a>, JsonError> {
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
        stack: OpenStack::new(),
        innermost: None,
        tree: Tree {
            text,
            nodes: super::scratch_nodes(text.len()),
            decoded: Vec::new(),
        },
    };
    reader.document()?;
    reader.skip_ws();
    if reader.pos < reader.bytes.len() {
        return Err(reader.unexpected(JsonSyntaxError::TrailingCharacters, None));
    }
    Ok(reader.tree)
}

impl<'a> Reader<'a> {
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
        if self.stack.len() >= self.max_depth {
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

    /// Appends a value's node (the value of the pending key when the innermost container is
    /// an object); returns its index.
    fn push(&mut self, kind: Kind, start: usize, end: usize, aux: u32) -> u32 {
        let index = to_index(self.tree.nodes.len());
        let (key, key_aux) = match self.stack.last() {
            Some(open) if open.object => (open.key, open.key_aux),
            _ => (Span::empty(), 0),
        };
        self.tree.nodes.push(Flat {
            kind,
            span: Span::from_usize(start, end),
            key,
            next: index.saturating_add(1),
            aux,
            key_aux,
        });
        index
    }

    /// Opens a container at `start` (its node written now, completed when it closes); an
    /// object's first key is `key`.
    fn open(&mut self, object: bool, start: usize, key: Span, key_aux: u32) {
        let kind = if object { Kind::Object } else { Kind::Array };
        let node = self.push(kind, start, start + 1, 0);
        self.stack.push(Open {
            node,
            open: start,
            object,
            count: 0,
            key,
            key_aux,
            index: None,
        });
        self.innermost = Some(start);
    }

    /// Closes the innermost open container at the read position (just past its `]` or `}`),
    /// completing its node.
    fn close(&mut self) -> Result<(), JsonError> {
        let Some(open) = self.stack.pop() else {
            return Err(internal(self.pos));
        };
        let next = to_index(self.tree.nodes.len());
        let end = self.pos;
        let Some(node) = self.tree.nodes.get_mut(open.node as usize) else {
            return Err(internal(open.open));
        };
        node.span = Span::from_usize(open.open, end);
        node.next = next;
        node.aux = open.count;
        self.innermost = self.stack.last().map(|o| o.open);
        Ok(())
    }

    /// The text of the string with span `span` (quotes included) and decoded index `aux`.
    fn string_text(&self, span: Span, aux: u32) -> &str {
        match aux.checked_sub(1) {
            Some(i) => self.tree.decoded.get(i as usize).map_or("", String::as_str),
            None => self.slice(
                span.start as usize + 1,
                (span.end as usize).saturating_sub(1),
            ),
        }
    }

    /// Fails if `key` (span `key_span`, decoded index `key_aux`) is already a key of the
    /// innermost open object; remembers it otherwise.
    fn check_duplicate(&mut self, key_span: Span, key_aux: u32) -> Result<(), JsonError> {
        let Some(open) = self.stack.last() else {
            return Ok(());
        };
        let key = self.string_text(key_span, key_aux);
        let first = match &open.index {
            Some(map) => map.get(key).copied(),
            None => {
                let mut at = open.node.saturating_add(1) as usize;
                let mut found = None;
                for _ in 0..open.count {
                    let Some(member) = self.tree.nodes.get(at) else {
                        break;
                    };
                    if self.string_text(member.key, member.key_aux) == key {
                        found = Some(member.key);
                        break;
                    }
                    at = member.next as usize;
                }
                found
            }
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
        let count = open.count as usize;
        let map = match &open.index {
            Some(_) => None,
            None if count + 1 >= HASH_THRESHOLD => {
                let mut map = HashMap::with_capacity(2 * HASH_THRESHOLD);
                let mut at = open.node.saturating_add(1) as usize;
                for _ in 0..count {
                    let Some(member) = self.tree.nodes.get(at) else {
                        break;
                    };
                    map.insert(
                        self.string_text(member.key, member.key_aux).to_owned(),
                        member.key,
                    );
                    at = member.next as usize;
                }
                Some(Box::new(map))
            }
            None => return Ok(()),
        };
        let key = key.to_owned();
        if let Some(open) = self.stack.last_mut() {
            if let Some(map) = map {
                open.index = Some(map);
            }
            if let Some(index) = &mut open.index {
                index.insert(key, key_span);
            }
        }
        Ok(())
    }

    /// Reads one value, with everything nested in it, starting at the read position.
    fn document(&mut self) -> Result<(), JsonError> {
        'value: loop {
            self.skip_ws();
            let start = self.pos;
            match self.peek() {
                Some(b'[') => {
                    self.check_depth(start)?;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        self.push(Kind::Array, start, self.pos, 0);
                    } else {
                        self.open(false, start, Span::empty(), 0);
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
                            self.push(Kind::Object, start, self.pos, 0);
                        }
                        Some(b'"') => {
                            // Read before the object counts as open (as every key is: an
                            // error in a key points back at the enclosing container).
                            let (key, key_aux) = self.key()?;
                            self.open(true, start, key, key_aux);
                            continue 'value;
                        }
                        _ => return Err(self.bad_key(JsonExpected::KeyOrClose, start)),
                    }
                }
                Some(b'"') => {
                    let aux = self.string()?;
                    self.push(Kind::String, start, self.pos, aux);
                }
                Some(b'-' | b'0'..=b'9') => {
                    let end = self.number()?;
                    self.push(Kind::Number, start, end, 0);
                }
                Some(_) => {
                    let kind = self.literal()?;
                    self.push(kind, start, self.pos, 0);
                }
                None => return Err(self.eof(self.innermost_open())),
            }
            // A value is finished: hand it to the open containers, closing every one that
            // ends here.
            loop {
                let Some(open) = self.stack.last_mut() else {
                    return Ok(());
                };
                open.count = open.count.saturating_add(1);
                let (at, object) = (open.open, open.object);
                self.skip_ws();
                match (self.peek(), object) {
                    (Some(b','), _) => {
                        let comma = self.pos;
                        self.pos += 1;
                        self.skip_ws();
                        match (self.peek(), object) {
                            (Some(b']'), false) | (Some(b'}'), true) => {
                                return Err(syntax(
                                    JsonSyntaxError::TrailingComma,
                                    comma,
                                    comma + 1,
                                ));
                            }
                            (_, false) => continue 'value,
                            (Some(b'"'), true) => {
                                self.innermost = self
                                    .stack
                                    .len()
                                    .checked_sub(2)
                                    .and_then(|outer| self.stack.get(outer).map(|o| o.open));
                                let (key, key_aux) = self.key()?;
                                self.innermost = Some(at);
                                self.check_duplicate(key, key_aux)?;
                                if let Some(open) = self.stack.last_mut() {
                                    open.key = key;
                                    open.key_aux = key_aux;
                                }
                                continue 'value;
                            }
                            (_, true) => return Err(self.bad_key(JsonExpected::Key, at)),
                        }
                    }
                    (Some(b']'), false) | (Some(b'}'), true) => {
                        self.pos += 1;
                        self.close()?;
                    }
                    (_, false) => {
                        return Err(self.unexpected(
                            JsonSyntaxError::Expected(JsonExpected::CommaOrBracket),
                            Some(at),
                        ));
                    }
                    (_, true) => {
                        return Err(self.unexpected(
                            JsonSyntaxError::Expected(JsonExpected::CommaOrBrace),
                            Some(at),
                        ));
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

    /// Reads a key (at a `"`), the whitespace after it and the `:`; returns the key's span
    /// (quotes included) and its decoded index plus one (0 when it has no escapes).
    #[inline]
    fn key(&mut self) -> Result<(Span, u32), JsonError> {
        let start = self.pos;
        let aux = self.string()?;
        let span = Span::from_usize(start, self.pos);
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected(
                JsonSyntaxError::Expected(JsonExpected::Colon),
                self.innermost_open(),
            ));
        }
        self.pos += 1;
        Ok((span, aux))
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

    /// Reads a string at a `"`; the read position ends after the closing quote. Returns 0
    /// when the string has no escapes (the tree reads it in place), else the index of its
    /// decoded text in `decoded` plus one.
    #[inline]
    fn string(&mut self) -> Result<u32, JsonError> {
        let open = self.pos;
        let body = open + 1;
        let i = self.scan_plain(body);
        if self.bytes.get(i) == Some(&b'"') {
            // No escapes: the whole body at once.
            self.pos = i + 1;
            return Ok(0);
        }
        let decoded = self.string_escaped(open, i)?;
        self.tree.decoded.push(decoded);
        Ok(to_index(self.tree.decoded.len()))
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

    /// Reads a number at a `-` or digit, returns the offset after it (the tree keeps its text by its span).
    fn number(&mut self) -> Result<usize, JsonError> {
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
        Ok(i)
    }

    /// Reads `true`, `false` or `null`, or explains what is there instead of a value.
    fn literal(&mut self) -> Result<Kind, JsonError> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        for (word, value) in [
            (&b"true"[..], Kind::True),
            (b"false", Kind::False),
            (b"null", Kind::Null),
        ] {
            if rest.starts_with(word) {
                self.pos = start + word.len();
                return Ok(value);
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
