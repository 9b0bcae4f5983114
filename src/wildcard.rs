//! IAM wildcard patterns: `*` matches any run of characters (including none), `?` exactly one.
//!
//! Owns [`Wildcard`]: a pattern classified once into the cheapest strategy that decides it
//! (exact, prefix, suffix, contains, any, general), matched without allocation and without
//! exponential backtracking. Knows nothing about ARNs or actions; case rules belong to the caller
//! (actions lower-case both sides before matching).
//!
//! The general matcher is shared with [`crate::variables::Template`]: it works on a stream of
//! tokens (literal text, `?`, `*`), cuts it at every `*` into segments, anchors the first segment
//! at the start of the text and the last at its end, and places every middle segment at its
//! leftmost occurrence in what is left. Leftmost placement is always safe (it leaves the most text
//! for the segments after it), so no choice is ever revisited: the cost is at most
//! `O(text × pattern)` and usually linear.
//!
//! Owners that keep many short patterns in one string (an ARN pattern's segments) classify
//! each into a `Shape` (strategy and the stars around its literal) and, for the rare general
//! ones, run the same segment algorithm directly on the pattern text (`glob_text`) instead of
//! keeping tokens.
//!
//! Semantics: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>.

mod literals;
mod pinned;
mod place;
mod relate;
mod set;

pub(crate) use literals::Literals;
pub(crate) use pinned::{Pinned, Present, Window};
pub(crate) use place::{Fits, Placement, each_byte};
pub(crate) use relate::{covers, intersects};
pub(crate) use set::WildcardSet;

use crate::bytes::{same_bytes, starts_with};

/// Whether `text` holds `*` or `?` (is a pattern rather than a literal).
#[must_use]
pub(crate) fn has_wildcard(text: &str) -> bool {
    text.bytes().any(|b| b == b'*' || b == b'?')
}

/// One token of a pattern being matched (borrowed, so variable values can take part).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok<'t> {
    /// Literal text (may be empty).
    Lit(&'t str),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, including none.
    Star,
    /// Matches nothing (a value that could not be produced); fails closed.
    Never,
}

/// Whether two characters are equal, optionally without regard to case (per character,
/// comparing the lower-case mappings, with an ASCII fast path).
#[inline]
fn char_eq(a: char, b: char, ignore_case: bool) -> bool {
    if a == b {
        return true;
    }
    if !ignore_case {
        return false;
    }
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(&b)
    } else {
        a.to_lowercase().eq(b.to_lowercase())
    }
}

/// `text` without the leading `lit`, or `None` when `text` does not start with it.
#[inline]
pub(crate) fn strip_lit_prefix<'x>(text: &'x str, lit: &str, ignore_case: bool) -> Option<&'x str> {
    if !ignore_case {
        return text.strip_prefix(lit);
    }
    let mut rest = text.chars();
    for p in lit.chars() {
        let t = rest.next()?;
        if !char_eq(p, t, true) {
            return None;
        }
    }
    Some(rest.as_str())
}

/// `text` without the trailing `lit`, or `None` when `text` does not end with it.
#[inline]
pub(crate) fn strip_lit_suffix<'x>(text: &'x str, lit: &str, ignore_case: bool) -> Option<&'x str> {
    if !ignore_case {
        return text.strip_suffix(lit);
    }
    let mut rest = text.chars();
    for p in lit.chars().rev() {
        let t = rest.next_back()?;
        if !char_eq(p, t, true) {
            return None;
        }
    }
    Some(rest.as_str())
}

/// Whether `text` equals `lit` (optionally without regard to case).
#[inline]
pub(crate) fn lit_eq(text: &str, lit: &str, ignore_case: bool) -> bool {
    if ignore_case {
        strip_lit_prefix(text, lit, true) == Some("")
    } else {
        text == lit
    }
}

/// `text` without its first character.
#[inline]
fn skip_one(text: &str) -> Option<&str> {
    let mut chars = text.chars();
    chars.next()?;
    Some(chars.as_str())
}

/// `text` without its last character.
#[inline]
fn drop_last(text: &str) -> Option<&str> {
    let mut chars = text.chars();
    chars.next_back()?;
    Some(chars.as_str())
}

/// The byte offset of the first occurrence of `lit` in `text` (a vectorized substring
/// search: the segment searches below run once per pattern over a request text).
#[inline]
fn find(text: &str, lit: &str) -> Option<usize> {
    memchr::memmem::find(text.as_bytes(), lit.as_bytes())
}

/// The byte offset of the last occurrence of `lit` in `text`.
#[inline]
fn rfind(text: &str, lit: &str) -> Option<usize> {
    memchr::memmem::rfind(text.as_bytes(), lit.as_bytes())
}

/// Matches a star-free segment at the start of `text`; returns what follows it.
fn seg_front<'t, 'x, P>(
    seg: &'t [P],
    tok: &impl Fn(&'t P) -> Tok<'t>,
    mut text: &'x str,
    ignore_case: bool,
) -> Option<&'x str> {
    for piece in seg {
        text = match tok(piece) {
            Tok::Lit(lit) => strip_lit_prefix(text, lit, ignore_case)?,
            Tok::One => skip_one(text)?,
            // A star cannot occur inside a segment; fail closed if it does.
            Tok::Star | Tok::Never => return None,
        };
    }
    Some(text)
}

/// Matches a star-free segment at the end of `text`; returns what precedes it.
fn seg_back<'t, 'x, P>(
    seg: &'t [P],
    tok: &impl Fn(&'t P) -> Tok<'t>,
    mut text: &'x str,
    ignore_case: bool,
) -> Option<&'x str> {
    for piece in seg.iter().rev() {
        text = match tok(piece) {
            Tok::Lit(lit) => strip_lit_suffix(text, lit, ignore_case)?,
            Tok::One => drop_last(text)?,
            Tok::Star | Tok::Never => return None,
        };
    }
    Some(text)
}

/// Finds the leftmost occurrence of a star-free segment in `window`; returns what follows it.
fn seg_find<'t, 'x, P>(
    seg: &'t [P],
    tok: &impl Fn(&'t P) -> Tok<'t>,
    window: &'x str,
    ignore_case: bool,
) -> Option<&'x str> {
    // A leading literal lets the substring search skip ahead (case-sensitive only).
    let lead = match seg.first().map(tok) {
        Some(Tok::Lit(lit)) if !ignore_case && !lit.is_empty() => Some(lit),
        _ => None,
    };
    let mut from = window;
    loop {
        let candidate = match lead {
            Some(lit) => {
                let at = find(from, lit)?;
                let (_, tail) = from.split_at_checked(at)?;
                tail
            }
            None => from,
        };
        if let Some(rest) = seg_front(seg, tok, candidate, ignore_case) {
            return Some(rest);
        }
        from = skip_one(candidate)?;
    }
}

/// Whether `text` matches the token stream `pieces` (`is_star` tells the `*` tokens apart
/// cheaply; `tok` yields every token). No allocation, no recursion.
pub(crate) fn glob<'t, P>(
    pieces: &'t [P],
    is_star: impl Fn(&P) -> bool,
    tok: impl Fn(&'t P) -> Tok<'t>,
    text: &str,
    ignore_case: bool,
) -> bool {
    let mut segments = pieces.split(|p| is_star(p));
    let first = segments.next().unwrap_or_default();
    let Some(last) = segments.next_back() else {
        // No star: the one segment must cover the whole text.
        return seg_front(first, &tok, text, ignore_case).is_some_and(str::is_empty);
    };
    let Some(rest) = seg_front(first, &tok, text, ignore_case) else {
        return false;
    };
    let Some(mut window) = seg_back(last, &tok, rest, ignore_case) else {
        return false;
    };
    for segment in segments {
        if segment.is_empty() {
            continue;
        }
        match seg_find(segment, &tok, window, ignore_case) {
            Some(rest) => window = rest,
            None => return false,
        }
    }
    true
}

/// A token of a general pattern (also built afresh by the reference matcher
/// [`Wildcard::is_match_general`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum WTok {
    /// Literal text (never empty).
    Lit(Box<str>),
    /// `?`.
    One,
    /// `*` (consecutive stars are merged).
    Star,
}

impl WTok {
    /// The borrowed token.
    fn tok(&self) -> Tok<'_> {
        match self {
            Self::Lit(lit) => Tok::Lit(lit),
            Self::One => Tok::One,
            Self::Star => Tok::Star,
        }
    }
}

/// Splits a pattern into tokens: literal runs, `?`, and `*` (runs of `*` merged into one).
fn tokenize(pattern: &str) -> Vec<WTok> {
    let mut tokens = Vec::new();
    let mut lit = String::new();
    for c in pattern.chars() {
        match c {
            '*' | '?' => {
                if !lit.is_empty() {
                    tokens.push(WTok::Lit(std::mem::take(&mut lit).into_boxed_str()));
                }
                if c == '?' {
                    tokens.push(WTok::One);
                } else if tokens.last() != Some(&WTok::Star) {
                    tokens.push(WTok::Star);
                }
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        tokens.push(WTok::Lit(lit.into_boxed_str()));
    }
    tokens
}

/// Matches a star-free piece of pattern text (literal text and `?`) at the start of `text`;
/// returns what follows it.
fn text_seg_front<'x>(seg: &str, mut text: &'x str, ignore_case: bool) -> Option<&'x str> {
    for (i, lit) in seg.split('?').enumerate() {
        if i > 0 {
            text = skip_one(text)?;
        }
        text = strip_lit_prefix(text, lit, ignore_case)?;
    }
    Some(text)
}

/// Matches a star-free piece of pattern text at the end of `text`; returns what precedes it.
fn text_seg_back<'x>(seg: &str, mut text: &'x str, ignore_case: bool) -> Option<&'x str> {
    for (i, lit) in seg.rsplit('?').enumerate() {
        if i > 0 {
            text = drop_last(text)?;
        }
        text = strip_lit_suffix(text, lit, ignore_case)?;
    }
    Some(text)
}

/// Finds the leftmost occurrence of a star-free piece of pattern text in `window`; returns
/// what follows it.
fn text_seg_find<'x>(seg: &str, window: &'x str, ignore_case: bool) -> Option<&'x str> {
    // A leading literal lets the substring search skip ahead (case-sensitive only).
    let lead = seg
        .split('?')
        .next()
        .filter(|l| !ignore_case && !l.is_empty());
    let mut from = window;
    loop {
        let candidate = match lead {
            Some(lit) => {
                let at = find(from, lit)?;
                let (_, tail) = from.split_at_checked(at)?;
                tail
            }
            None => from,
        };
        if let Some(rest) = text_seg_front(seg, candidate, ignore_case) {
            return Some(rest);
        }
        from = skip_one(candidate)?;
    }
}

/// Finds the rightmost occurrence of a star-free piece of pattern text in `window`; returns
/// what precedes it (the mirror of [`text_seg_find`]).
fn text_seg_rfind<'x>(seg: &str, window: &'x str, ignore_case: bool) -> Option<&'x str> {
    // A trailing literal lets the substring search skip back (case-sensitive only).
    let tail = seg
        .rsplit('?')
        .next()
        .filter(|l| !ignore_case && !l.is_empty());
    let mut upto = window;
    loop {
        let candidate = match tail {
            Some(lit) => {
                let at = rfind(upto, lit)?;
                upto.get(..at.checked_add(lit.len())?)?
            }
            None => upto,
        };
        if let Some(rest) = text_seg_back(seg, candidate, ignore_case) {
            return Some(rest);
        }
        upto = drop_last(candidate)?;
    }
}

/// Matches pattern text followed by a `*` (`pattern*`) at the start of `text`, ending as
/// early as it can: its first segment anchored at the start, every later one at its leftmost
/// occurrence in what is left (the segment algorithm of [`glob_text`]). Returns what follows
/// that earliest end, so that `pattern*Q` matches exactly when `*Q` matches some suffix of
/// what is returned; `None` when no prefix of `text` matches.
pub(crate) fn text_front<'x>(pattern: &str, text: &'x str, ignore_case: bool) -> Option<&'x str> {
    let mut segments = pattern.split('*');
    let first = segments.next().unwrap_or_default();
    let mut rest = text_seg_front(first, text, ignore_case)?;
    for segment in segments {
        if !segment.is_empty() {
            rest = text_seg_find(segment, rest, ignore_case)?;
        }
    }
    Some(rest)
}

/// The mirror of [`text_front`]: matches `*pattern` at the end of `text`, starting as late as
/// it can (its last segment anchored at the end, every earlier one at its rightmost occurrence
/// in what is left: leftmost placement read from the end). Returns what precedes that latest
/// start; `None` when no suffix of `text` matches.
pub(crate) fn text_back<'x>(pattern: &str, text: &'x str, ignore_case: bool) -> Option<&'x str> {
    let mut segments = pattern.rsplit('*');
    let last = segments.next().unwrap_or_default();
    let mut rest = text_seg_back(last, text, ignore_case)?;
    for segment in segments {
        if !segment.is_empty() {
            rest = text_seg_rfind(segment, rest, ignore_case)?;
        }
    }
    Some(rest)
}

/// The general matcher run directly on pattern text, where `*` and `?` are the wildcards and
/// every other character is literal: the same segment algorithm as [`glob`], without building
/// tokens (no allocation).
pub(crate) fn glob_text(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let mut segments = pattern.split('*');
    let first = segments.next().unwrap_or_default();
    let Some(last) = segments.next_back() else {
        // No star: the one segment must cover the whole text.
        return text_seg_front(first, text, ignore_case).is_some_and(str::is_empty);
    };
    let Some(rest) = text_seg_front(first, text, ignore_case) else {
        return false;
    };
    let Some(mut window) = text_seg_back(last, rest, ignore_case) else {
        return false;
    };
    for segment in segments {
        if segment.is_empty() {
            continue;
        }
        match text_seg_find(segment, window, ignore_case) {
            Some(rest) => window = rest,
            None => return false,
        }
    }
    true
}

/// The strategy a [`Wildcard`] was classified into when it was compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchStrategy {
    /// No wildcard: the text must equal the pattern.
    Exact,
    /// `abc*`: the text must start with the literal.
    Prefix,
    /// `*abc`: the text must end with the literal.
    Suffix,
    /// `*abc*`: the text must contain the literal.
    Contains,
    /// `*` (or `**`…): every text matches.
    Any,
    /// Anything else: the general segment matcher.
    General,
}

/// A pattern text classified once: its strategy, and how many `*` lead and trail it (the
/// literal of the simple strategies is what lies between), so that matching re-reads nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    /// The strategy.
    pub(crate) strategy: MatchStrategy,
    /// Leading stars (before the literal of `Suffix` and `Contains`).
    lead: u32,
    /// Trailing stars (after the literal of `Prefix` and `Contains`).
    trail: u32,
}

impl Shape {
    /// Plain text that must equal the pattern.
    pub(crate) const EXACT: Self = Self {
        strategy: MatchStrategy::Exact,
        lead: 0,
        trail: 0,
    };

    /// Classifies pattern text in which `*` and `?` are wildcards.
    pub(crate) fn classify(pattern: &str) -> Self {
        // One pass: stars before the first literal byte, the run of stars after the last one
        // so far, and whether a star sits between literal bytes.
        let (mut lead, mut trail, mut literal, mut inner) = (0usize, 0usize, false, false);
        for &b in pattern.as_bytes() {
            match b {
                b'?' => return Self::general(),
                b'*' if literal => trail += 1,
                b'*' => lead += 1,
                _ => {
                    inner |= trail > 0;
                    trail = 0;
                    literal = true;
                }
            }
        }
        let strategy = match (literal, inner, lead > 0, trail > 0) {
            (false, _, false, _) => MatchStrategy::Exact,
            (false, _, true, _) => MatchStrategy::Any,
            (true, true, _, _) => MatchStrategy::General,
            (true, false, false, false) => MatchStrategy::Exact,
            (true, false, false, true) => MatchStrategy::Prefix,
            (true, false, true, false) => MatchStrategy::Suffix,
            (true, false, true, true) => MatchStrategy::Contains,
        };
        match (u32::try_from(lead), u32::try_from(trail)) {
            (Ok(lead), Ok(trail)) => Self {
                strategy,
                lead,
                trail,
            },
            // Billions of stars: the general matcher reads the text itself.
            _ => Self::general(),
        }
    }

    /// The general strategy (the matcher reads the pattern text).
    const fn general() -> Self {
        Self {
            strategy: MatchStrategy::General,
            lead: 0,
            trail: 0,
        }
    }

    /// The literal of a simple strategy: `pattern` without its leading and trailing stars.
    #[inline]
    fn literal(self, pattern: &str) -> &str {
        let end = pattern.len().saturating_sub(self.trail as usize);
        pattern.get(self.lead as usize..end).unwrap_or_default()
    }

    /// [`literal`](Self::literal) as bytes (no character-boundary checks: the stars cut
    /// between characters anyway).
    #[inline]
    fn literal_bytes(self, pattern: &str) -> &[u8] {
        let bytes = pattern.as_bytes();
        let end = bytes.len().saturating_sub(self.trail as usize);
        bytes.get(self.lead as usize..end).unwrap_or_default()
    }

    /// Whether `text` matches `pattern`, which this shape was classified from. The general
    /// strategy runs [`glob_text`]; owners that match a general pattern often keep tokens
    /// instead. Case-sensitive comparisons work on bytes (a UTF-8 prefix, suffix or equality
    /// of bytes is one of characters).
    #[inline]
    pub(crate) fn is_match(self, pattern: &str, text: &str, ignore_case: bool) -> bool {
        if ignore_case {
            return self.is_match_ignore_case(pattern, text);
        }
        match self.strategy {
            MatchStrategy::Exact => text.as_bytes() == pattern.as_bytes(),
            MatchStrategy::Prefix => text.as_bytes().starts_with(self.literal_bytes(pattern)),
            MatchStrategy::Suffix => text.as_bytes().ends_with(self.literal_bytes(pattern)),
            MatchStrategy::Contains => text.contains(self.literal(pattern)),
            MatchStrategy::Any => true,
            MatchStrategy::General => glob_text(pattern, text, false),
        }
    }

    /// [`is_match`](Self::is_match) without regard to case.
    fn is_match_ignore_case(self, pattern: &str, text: &str) -> bool {
        match self.strategy {
            MatchStrategy::Exact => lit_eq(text, pattern, true),
            MatchStrategy::Prefix => strip_lit_prefix(text, self.literal(pattern), true).is_some(),
            MatchStrategy::Suffix => strip_lit_suffix(text, self.literal(pattern), true).is_some(),
            MatchStrategy::Contains => {
                let lit = self.literal(pattern);
                let mut from = text;
                loop {
                    if strip_lit_prefix(from, lit, true).is_some() {
                        break true;
                    }
                    match skip_one(from) {
                        Some(rest) => from = rest,
                        None => break false,
                    }
                }
            }
            MatchStrategy::Any => true,
            MatchStrategy::General => glob_text(pattern, text, true),
        }
    }
}

/// A [`Wildcard`] classified for matching bytes: the strategies without `?` compare bytes
/// (a literal that is valid UTF-8 can only match at character boundaries, so this is the
/// same as comparing characters); the general case matches the text as `&str`.
#[derive(Clone, Debug)]
pub(crate) enum BytePattern {
    /// `*`.
    Any,
    /// No wildcard.
    Exact(Box<[u8]>),
    /// `literal*`.
    Prefix(Box<[u8]>),
    /// `*literal`.
    Suffix(Box<[u8]>),
    /// `*literal*`.
    Contains(Box<[u8]>),
    /// Anything else (boxed: rare, and it keeps the common variants small).
    General(Box<Wildcard>),
}

impl BytePattern {
    /// Classifies `w`.
    pub(crate) fn new(w: &Wildcard) -> Self {
        let raw = w.as_str();
        let lit = |t: &str| Box::<[u8]>::from(t.as_bytes());
        match w.strategy() {
            MatchStrategy::Any => Self::Any,
            MatchStrategy::Exact => Self::Exact(lit(raw)),
            MatchStrategy::Prefix => Self::Prefix(lit(raw.trim_end_matches('*'))),
            MatchStrategy::Suffix => Self::Suffix(lit(raw.trim_start_matches('*'))),
            MatchStrategy::Contains => Self::Contains(lit(raw.trim_matches('*'))),
            _ => Self::General(Box::new(w.clone())),
        }
    }

    /// Whether `text` matches, case-sensitively.
    #[inline]
    pub(crate) fn matches(&self, text: &[u8]) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(lit) => same_bytes(text, lit),
            Self::Prefix(lit) => starts_with(text, lit),
            Self::Suffix(lit) => text
                .len()
                .checked_sub(lit.len())
                .and_then(|from| text.get(from..))
                .is_some_and(|tail| same_bytes(tail, lit)),
            Self::Contains(lit) => lit.is_empty() || text.windows(lit.len()).any(|w| w == &**lit),
            Self::General(w) => std::str::from_utf8(text).is_ok_and(|t| w.is_match(t)),
        }
    }
}

/// A compiled `*`/`?` pattern. Matching is case-sensitive and counts characters, not bytes.
///
/// `*` matches any run of characters, including none; `?` matches exactly one character (one
/// Unicode scalar value, whatever its UTF-8 length). Both may cross every character, including
/// `:` and `/`; callers that need segment rules (ARNs) match segment by segment.
///
/// A pattern is one string and a classification (plus a token list for the general
/// strategy): building one allocates once (more for the general strategy), matching never.
///
/// # Examples
///
/// ```
/// use iam_policy::Wildcard;
///
/// let pattern = Wildcard::new("prod/db-??????");
/// assert!(pattern.is_match("prod/db-AbCdEf"));
/// assert!(!pattern.is_match("prod/db-old-AbCdEf"));
/// assert!(Wildcard::new("get*").is_match("getsecretvalue"));
/// ```
#[derive(Clone, Debug)]
pub struct Wildcard {
    /// Holds the pattern text at `start..` (an [`ActionPattern`](crate::ActionPattern) keeps
    /// its whole text here, the pattern as written in front).
    buf: Box<str>,
    /// Where the pattern text starts in `buf`.
    start: usize,
    shape: Shape,
    /// The literal of the simple strategies (the whole pattern for `Exact`): a byte range of
    /// `buf`, so that a case-sensitive match compares bytes at once.
    lit: (usize, usize),
    /// The tokens of a general pattern (their literal text copied out, so that matching
    /// slices nothing).
    tokens: Option<Box<[WTok]>>,
}

impl PartialEq for Wildcard {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Wildcard {}

impl std::hash::Hash for Wildcard {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Wildcard {
    /// Compiles `pattern`, where `*` and `?` are wildcards and every other character is literal.
    #[must_use]
    pub fn new(pattern: &str) -> Self {
        Self::within(pattern.into(), 0)
    }

    /// Compiles the pattern `buf[start..]`, keeping the whole of `buf` (an `ActionPattern`
    /// stores its text as written in front of the lower-cased pattern). A `start` that is not
    /// a character boundary reads as an empty pattern.
    pub(crate) fn within(buf: Box<str>, start: usize) -> Self {
        let start = if buf.is_char_boundary(start) {
            start
        } else {
            buf.len()
        };
        let shape = Shape::classify(buf.get(start..).unwrap_or_default());
        let tokens = (shape.strategy == MatchStrategy::General)
            .then(|| tokenize(buf.get(start..).unwrap_or_default()).into_boxed_slice());
        let lit = (
            start.saturating_add(shape.lead as usize),
            buf.len().saturating_sub(shape.trail as usize),
        );
        Self {
            buf,
            start,
            shape,
            lit,
            tokens,
        }
    }

    /// The whole buffer the pattern lives in.
    pub(crate) fn buffer(&self) -> &str {
        &self.buf
    }

    /// The strategy-dispatched matcher.
    #[inline]
    fn matches(&self, text: &str, ignore_case: bool) -> bool {
        if let Some(tokens) = &self.tokens {
            return Self::matches_tokens(tokens, text, ignore_case);
        }
        if ignore_case {
            return self.shape.is_match(self.as_str(), text, true);
        }
        let lit = self
            .buf
            .as_bytes()
            .get(self.lit.0..self.lit.1)
            .unwrap_or_default();
        let text_bytes = text.as_bytes();
        match self.shape.strategy {
            MatchStrategy::Exact => text_bytes == lit,
            MatchStrategy::Prefix => text_bytes.starts_with(lit),
            MatchStrategy::Suffix => text_bytes.ends_with(lit),
            MatchStrategy::Any => true,
            MatchStrategy::Contains | MatchStrategy::General => {
                self.shape.is_match(self.as_str(), text, false)
            }
        }
    }

    /// The general matcher over the pattern's tokens.
    #[inline(never)]
    fn matches_tokens(tokens: &[WTok], text: &str, ignore_case: bool) -> bool {
        glob(
            tokens,
            |t| matches!(t, WTok::Star),
            WTok::tok,
            text,
            ignore_case,
        )
    }

    /// Whether `text` matches the whole pattern (case-sensitive).
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::Wildcard;
    ///
    /// let pattern = Wildcard::new("us-*-1");
    /// assert!(pattern.is_match("us-east-1"));
    /// assert!(!pattern.is_match("US-EAST-1"));
    /// ```
    #[must_use]
    pub fn is_match(&self, text: &str) -> bool {
        self.matches(text, false)
    }

    /// Whether `text` matches the whole pattern, comparing characters without regard to case
    /// (each character's lower-case mapping; `*` and `?` still count characters).
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::Wildcard;
    ///
    /// assert!(Wildcard::new("get*").is_match_ignore_case("GetSecretValue"));
    /// ```
    #[must_use]
    pub fn is_match_ignore_case(&self, text: &str) -> bool {
        self.matches(text, true)
    }

    /// The reference answer of the general matcher over freshly built tokens, whatever the
    /// strategy (allocates; meant for tests that check every strategy against it).
    #[doc(hidden)]
    #[must_use]
    pub fn is_match_general(&self, text: &str) -> bool {
        glob(
            &tokenize(self.as_str()),
            |t| matches!(t, WTok::Star),
            WTok::tok,
            text,
            false,
        )
    }

    /// The strategy chosen when the pattern was compiled.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::{MatchStrategy, Wildcard};
    ///
    /// assert_eq!(Wildcard::new("Get*").strategy(), MatchStrategy::Prefix);
    /// assert_eq!(Wildcard::new("*").strategy(), MatchStrategy::Any);
    /// assert_eq!(Wildcard::new("a?c").strategy(), MatchStrategy::General);
    /// ```
    #[must_use]
    pub fn strategy(&self) -> MatchStrategy {
        self.shape.strategy
    }

    /// The pattern text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// Whether the pattern has no wildcard (it then matches only itself).
    #[must_use]
    pub fn is_literal(&self) -> bool {
        self.shape.strategy == MatchStrategy::Exact
    }

    /// Whether the pattern matches every text (it is made of `*` only).
    #[must_use]
    pub fn is_any(&self) -> bool {
        self.shape.strategy == MatchStrategy::Any
    }
}

#[cfg(test)]
mod tests {
    use super::{MatchStrategy, Wildcard};

    /// `matches!(name, pattern, text)`: the pattern matches, on every path.
    macro_rules! matches {
        ($name:ident, $pat:expr, $text:expr) => {
            #[test]
            fn $name() {
                let w = Wildcard::new($pat);
                assert!(w.is_match($text), "{:?} should match {:?}", $pat, $text);
                assert!(
                    w.is_match_general($text),
                    "general: {:?} / {:?}",
                    $pat,
                    $text
                );
                assert!(
                    w.is_match_ignore_case($text),
                    "ic: {:?} / {:?}",
                    $pat,
                    $text
                );
            }
        };
    }

    /// `nmatches!(name, pattern, text)`: the pattern does not match, on every path.
    macro_rules! nmatches {
        ($name:ident, $pat:expr, $text:expr) => {
            #[test]
            fn $name() {
                let w = Wildcard::new($pat);
                assert!(
                    !w.is_match($text),
                    "{:?} should not match {:?}",
                    $pat,
                    $text
                );
                assert!(
                    !w.is_match_general($text),
                    "general: {:?} / {:?}",
                    $pat,
                    $text
                );
            }
        };
    }

    /// `imatches!(name, pattern, text)`: matches only when case is ignored.
    macro_rules! imatches {
        ($name:ident, $pat:expr, $text:expr) => {
            #[test]
            fn $name() {
                let w = Wildcard::new($pat);
                assert!(
                    !w.is_match($text),
                    "{:?} should not match {:?}",
                    $pat,
                    $text
                );
                assert!(
                    w.is_match_ignore_case($text),
                    "ic: {:?} / {:?}",
                    $pat,
                    $text
                );
            }
        };
    }

    /// `strategy!(name, pattern, MatchStrategy)`.
    macro_rules! strategy {
        ($name:ident, $pat:expr, $strategy:ident) => {
            #[test]
            fn $name() {
                assert_eq!(Wildcard::new($pat).strategy(), MatchStrategy::$strategy);
            }
        };
    }

    strategy!(strat_empty, "", Exact);
    strategy!(strat_exact, "abc", Exact);
    strategy!(strat_prefix, "abc*", Prefix);
    strategy!(strat_prefix_stars, "abc***", Prefix);
    strategy!(strat_suffix, "*abc", Suffix);
    strategy!(strat_contains, "*abc*", Contains);
    strategy!(strat_any, "*", Any);
    strategy!(strat_any_stars, "***", Any);
    strategy!(strat_one, "?", General);
    strategy!(strat_mid, "a*b", General);
    strategy!(strat_prefix_q, "a?*", General);

    matches!(exact, "abc", "abc");
    matches!(empty_empty, "", "");
    matches!(star_empty, "*", "");
    matches!(star_any, "*", "anything: at/all");
    matches!(stars_any, "**", "x");
    matches!(prefix, "Get*", "GetObject");
    matches!(prefix_empty_rest, "Get*", "Get");
    matches!(suffix, "*Acl", "GetObjectAcl");
    matches!(suffix_whole, "*Acl", "Acl");
    matches!(contains, "*Object*", "GetObjectAcl");
    matches!(contains_whole, "*Object*", "Object");
    matches!(star_mid, "s3:Get*Acl", "s3:GetObjectAcl");
    matches!(star_mid_empty, "s3:Get*Acl", "s3:GetAcl");
    matches!(one, "?", "x");
    matches!(one_multibyte, "?", "é");
    matches!(one_astral, "a?c", "a😀c");
    matches!(ones, "???", "abc");
    matches!(one_star, "?*", "a");
    matches!(star_one, "*?", "abc");
    matches!(mixed, "a*b?d*e", "aXXbcdYYe");
    matches!(colons, "a*z", "a:b:c/z");
    matches!(secret_six, "prod/db-??????", "prod/db-AbCdEf");
    matches!(secret_star, "prod/db-*", "prod/db-old-AbCdEf");
    matches!(
        s3_example,
        "bucket/*/test/*",
        "bucket/1/2/test/3/object.jpg"
    );
    matches!(s3_empty_dir, "bucket/*/test/*", "bucket//test/object.jpg");
    matches!(backtrack_needed, "*ab*ab", "aabab");
    matches!(overlap_prefix_suffix, "ab*ba", "aba_ba");
    matches!(adjacent_segments, "*a?b*", "xxa-bzz");
    matches!(unicode_lit, "é*ü", "éxyü");
    matches!(brackets_literal, "[a]*{b}", "[a]x{b}");
    matches!(dots_literal, "a.c", "a.c");
    matches!(repeated_segment, "*aa*aa*aa*", "aaaaaa");
    matches!(
        pathological_ok,
        "a*a*a*a*a*a*a*a*a",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );

    nmatches!(exact_differs, "abc", "abd");
    nmatches!(exact_longer, "abc", "abcd");
    nmatches!(empty_vs_text, "", "a");
    nmatches!(prefix_no, "Get*", "PutObject");
    nmatches!(prefix_short, "Get*", "Ge");
    nmatches!(suffix_no, "*Acl", "GetObject");
    nmatches!(contains_no, "*Object*", "GetObjAcl");
    nmatches!(one_empty, "?", "");
    nmatches!(one_two, "?", "ab");
    nmatches!(ones_short, "???", "ab");
    nmatches!(one_star_empty, "?*", "");
    nmatches!(overlap_too_short, "ab*ba", "aba");
    nmatches!(secret_six_long, "prod/db-??????", "prod/db-old-AbCdEf");
    nmatches!(secret_six_short, "prod/db-??????", "prod/db-AbCdE");
    nmatches!(secret_bare, "prod/db", "prod/db-AbCdEf");
    nmatches!(s3_no_dir, "bucket/*/test/*", "bucket/test/object.jpg");
    nmatches!(s3_dash_dir, "bucket/*/test/*", "bucket/1-test/object.jpg");
    nmatches!(case_sensitive, "getobject", "GetObject");
    nmatches!(repeated_segment_short, "*aa*aa*aa*", "aaaaa");
    nmatches!(
        pathological_fail,
        "a*a*a*a*a*a*a*a*b",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );
    nmatches!(mid_not_found, "a*xyz*b", "a-xy-z-b");
    nmatches!(mid_order, "*b*a*", "ab");

    imatches!(ic_exact, "getobject", "GetObject");
    imatches!(ic_prefix, "get*", "GETX");
    imatches!(ic_suffix, "*acl", "ObjectACL");
    imatches!(ic_contains, "*obj*", "GetOBJECT");
    imatches!(ic_general, "g?t*a", "GET-A");
    imatches!(ic_unicode, "é*", "É");
    imatches!(ic_kelvin, "k", "\u{212A}");

    #[test]
    fn pathological_long_text_is_fast() {
        let text = "a".repeat(64 * 1024);
        let mut pattern = "*a".repeat(40);
        pattern.push_str("*b");
        let started = std::time::Instant::now();
        let w = Wildcard::new(&pattern);
        assert!(!w.is_match(&text));
        assert!(!w.is_match_ignore_case(&text));
        let mut good = "*a".repeat(40);
        good.push('*');
        assert!(Wildcard::new(&good).is_match(&text));
        // Middle segments that need a scan at every position.
        let scan = Wildcard::new("*a?a?a?a?a?a?a?a?b*");
        assert!(!scan.is_match(&text));
        assert!(!scan.is_match_ignore_case(&text));
        // A guard against exponential backtracking (which would take years here), not a
        // speed figure: a linear matcher takes well under a second even on a loaded machine,
        // and the measured times live in the benches and `fuzz/README.md`.
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
    }

    #[test]
    fn text_matcher_agrees_with_the_token_matcher() {
        let patterns = [
            "",
            "*",
            "**",
            "?",
            "a",
            "a*",
            "*a",
            "*a*",
            "a?c",
            "a*b?d*e",
            "*ab*ab",
            "ab*ba",
            "*a?b*",
            "é*ü",
            "?*",
            "*?",
            "a*a*a*b",
            "prod/db-??????",
            "bucket/*/test/*",
            "*aa*aa*",
        ];
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "aabab",
            "aba_ba",
            "xxa-bzz",
            "éxyü",
            "aXXbcdYYe",
            "aaaaab",
            "prod/db-AbCdEf",
            "bucket//test/x",
            "bucket/1-test/x",
            "AB",
            "ÉXYÜ",
            "aaaa",
        ];
        for pattern in patterns {
            let tokens = super::tokenize(pattern);
            for text in texts {
                for ignore_case in [false, true] {
                    let want = super::glob(
                        &tokens,
                        |t| std::matches!(t, super::WTok::Star),
                        super::WTok::tok,
                        text,
                        ignore_case,
                    );
                    assert_eq!(
                        super::glob_text(pattern, text, ignore_case),
                        want,
                        "{pattern:?} / {text:?} / {ignore_case}"
                    );
                    let w = Wildcard::new(pattern);
                    let got = if ignore_case {
                        w.is_match_ignore_case(text)
                    } else {
                        w.is_match(text)
                    };
                    assert_eq!(got, want, "wildcard {pattern:?} / {text:?} / {ignore_case}");
                    assert_eq!(
                        super::Shape::classify(pattern).is_match(pattern, text, ignore_case),
                        want,
                        "shape {pattern:?} / {text:?} / {ignore_case}"
                    );
                }
            }
        }
    }

    #[test]
    fn accessors() {
        let w = Wildcard::new("a*");
        assert_eq!(w.as_str(), "a*");
        assert!(!w.is_literal());
        assert!(!w.is_any());
        assert!(Wildcard::new("abc").is_literal());
        assert!(Wildcard::new("**").is_any());
    }
}
