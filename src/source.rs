//! Byte spans into policy text and their conversion to line and column.
//!
//! Owns [`Span`], [`LineCol`] and [`LineIndex`]. Knows nothing about JSON or IAM.

use std::fmt;

/// A half-open byte range `start..end` into the text a value was parsed from.
///
/// Spans are `u32`: inputs are capped well below 4 GiB by [`crate::json::Limits`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    #[must_use]
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }

    /// A span from `usize` offsets, saturating at `u32::MAX`.
    #[must_use]
    pub fn from_usize(start: usize, end: usize) -> Self {
        Self {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The empty span at the start of the text (used for "the whole document" errors).
    #[must_use]
    pub const fn empty() -> Self {
        Self { start: 0, end: 0 }
    }

    /// Length in bytes.
    #[must_use]
    pub const fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no bytes.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn cover(self, other: Self) -> Self {
        Self {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The text under the span, or `None` if it lies outside `text` or off a character boundary.
    #[must_use]
    pub fn slice(self, text: &str) -> Option<&str> {
        text.get(self.start as usize..self.end as usize)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A 1-based line and column.
///
/// `column` counts Unicode scalar values (characters) from the start of the line, so a tab or
/// a multi-byte character each count as one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    /// Line number, starting at 1. Lines end at `\n`.
    pub line: u32,
    /// Column number in characters, starting at 1.
    pub column: u32,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Converts byte offsets into [`LineCol`] for one text.
///
/// ```
/// use iam_policy::LineIndex;
/// let text = "{\n  \"a\": 1\n}";
/// let index = LineIndex::new(text);
/// let lc = index.line_col(text, 4);
/// assert_eq!((lc.line, lc.column), (2, 3));
/// ```
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset at which each line starts; the first entry is 0.
    line_starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        Self { line_starts }
    }

    /// The line and column of byte `offset` in `text` (the text this index was built from).
    ///
    /// An offset past the end maps to the end; an offset inside a multi-byte character maps to
    /// that character.
    #[must_use]
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let before = text
            .as_bytes()
            .get(line_start as usize..offset as usize)
            .unwrap_or(&[]);
        let chars = before.iter().filter(|&&b| starts_char(b)).count();
        LineCol {
            line: u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            column: u32::try_from(chars + 1).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of a [`LineCol`], or `None` if the line does not exist.
    #[must_use]
    pub fn offset(&self, text: &str, at: LineCol) -> Option<u32> {
        let start = *self.line_starts.get((at.line as usize).checked_sub(1)?)?;
        let line = text.get(start as usize..)?;
        let mut col = 1u32;
        for (i, ch) in line.char_indices() {
            if col == at.column {
                return u32::try_from(start as usize + i).ok();
            }
            if ch == '\n' {
                return None;
            }
            col += 1;
        }
        (col == at.column).then(|| u32::try_from(text.len()).ok())?
    }

    /// The text of line `line` (1-based) without its line ending.
    #[must_use]
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> Option<&'t str> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(idx)? as usize;
        let end = self
            .line_starts
            .get(idx + 1)
            .map_or(text.len(), |&e| e as usize);
        let s = text.get(start..end)?;
        Some(s.trim_end_matches(['\n', '\r']))
    }
}

/// Whether byte `b` starts a character: every byte that is not a UTF-8 continuation byte does.
/// Columns count these.
const fn starts_char(b: u8) -> bool {
    (b & 0xC0) != 0x80
}

/// Turns byte offsets, mostly in increasing order, into [`LineCol`]s in one pass over the text,
/// counting as [`LineIndex`] does (for many locations in one long line, where a [`LineIndex`]
/// would rescan the line for each).
#[derive(Clone, Debug)]
pub(crate) struct LineCursor<'t> {
    bytes: &'t [u8],
    at: usize,
    here: LineCol,
}

impl<'t> LineCursor<'t> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: 0,
            here: LineCol { line: 1, column: 1 },
        }
    }

    /// The line and column of byte `offset`, clamped to the end of the text. An offset before
    /// the previous one starts over from the beginning.
    pub(crate) fn line_col(&mut self, offset: u32) -> LineCol {
        let target = (offset as usize).min(self.bytes.len());
        if target < self.at {
            *self = Self {
                bytes: self.bytes,
                at: 0,
                here: LineCol { line: 1, column: 1 },
            };
        }
        for &b in self.bytes.get(self.at..target).unwrap_or_default() {
            if b == b'\n' {
                self.here.line = self.here.line.saturating_add(1);
                self.here.column = 1;
            } else if starts_char(b) {
                self.here.column = self.here.column.saturating_add(1);
            }
        }
        self.at = target;
        self.here
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let text = "ab\ncé\u{1F600}x";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(text, 3), LineCol { line: 2, column: 1 });
        // 'x' is after c (1 byte), é (2 bytes), emoji (4 bytes)
        let x = u32::try_from(text.find('x').unwrap()).unwrap();
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 4 });
        assert_eq!(idx.offset(text, LineCol { line: 2, column: 4 }), Some(x));
        assert_eq!(idx.line_text(text, 1), Some("ab"));
    }

    #[test]
    fn cursor_counts_as_the_index_does() {
        let text = "ab\ncé\u{1F600}x\n\n  y";
        let idx = LineIndex::new(text);
        let mut cursor = LineCursor::new(text);
        let len = u32::try_from(text.len()).unwrap();
        for offset in (0..=len + 2).chain([5, 0, 9, 3]) {
            assert_eq!(
                cursor.line_col(offset),
                idx.line_col(text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn line_col_past_end_clamps() {
        let text = "a\nb";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 99), LineCol { line: 2, column: 2 });
    }
}
