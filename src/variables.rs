//! Policy variables: `${key}`, `${key, 'default'}` and the fixed `${*}`, `${?}`, `${$}`.
//!
//! Owns [`Template`]: a string split once into literal text, wildcards and variables, and
//! matched against request text with the variables filled in from the request, without
//! allocating. A substituted value is always literal text: a `*` inside a tag value is not a
//! wildcard. The fixed variables `${*}`, `${?}` and `${$}` are the literal characters `*`, `?`
//! and `$`, never wildcards.
//!
//! Key names are case-insensitive and stored ASCII-lower-cased (as [`crate::Context`] stores
//! its keys). Spaces around the key and around the quoted default are trimmed (project decision
//! 7; the linter warns about them); a space inside the key is an error, as in Access Analyzer.
//!
//! Semantics: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>.

use std::ops::Range;

use crate::wildcard::{MatchStrategy, Shape, Tok, glob, lit_eq};

/// How a [`Template`] reads its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TemplateOptions {
    /// Recognise `${...}` (only under `"Version": "2012-10-17"` and only where variables are
    /// allowed); when false, `${` is literal text.
    pub variables: bool,
    /// `*` and `?` are wildcards (Like operators, ARN patterns); when false they are literal.
    pub wildcards: bool,
}

/// Why a `${...}` is malformed. Offsets are byte offsets into the template's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VariableError {
    /// `${}` or `${ }`.
    #[error("empty policy variable")]
    #[non_exhaustive]
    Empty {
        /// Byte range of the variable in the text.
        start: usize,
        /// End of the range.
        end: usize,
    },
    /// `${` without a closing `}`.
    #[error("policy variable is not closed with `}}`")]
    #[non_exhaustive]
    Unclosed {
        /// Byte offset of `${`.
        start: usize,
    },
    /// A default value not in single quotes, or another malformed variable.
    #[error("malformed policy variable: {reason}")]
    #[non_exhaustive]
    Malformed {
        /// Byte range of the variable in the text.
        start: usize,
        /// End of the range.
        end: usize,
        /// What is wrong, for example "the default value must be in single quotes".
        reason: String,
    },
}

impl VariableError {
    /// The byte range the error points at: the whole variable, or the `${` of an unclosed one.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::{Template, TemplateOptions};
    ///
    /// let options = TemplateOptions { variables: true, wildcards: false };
    /// let err = Template::parse("a/${}", options).unwrap_err();
    /// assert_eq!(err.span(), 2..5);
    /// ```
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        match self {
            Self::Empty { start, end } | Self::Malformed { start, end, .. } => *start..*end,
            Self::Unclosed { start } => *start..start.saturating_add(2),
        }
    }

    /// The same error with its offsets moved by `by` bytes (for a template that is a part of a
    /// longer text, such as the resource part of an ARN).
    #[must_use]
    pub fn offset_by(self, by: usize) -> Self {
        match self {
            Self::Empty { start, end } => Self::Empty {
                start: start.saturating_add(by),
                end: end.saturating_add(by),
            },
            Self::Unclosed { start } => Self::Unclosed {
                start: start.saturating_add(by),
            },
            Self::Malformed { start, end, reason } => Self::Malformed {
                start: start.saturating_add(by),
                end: end.saturating_add(by),
                reason,
            },
        }
    }
}

/// A named variable inside a template. Ranges are byte offsets into the owner's buffer.
#[derive(Clone, Debug)]
pub(crate) struct Var {
    /// The key, ASCII-lower-cased, spaces trimmed.
    key: Range<usize>,
    /// The default value (inside the quotes), if any.
    default: Option<Range<usize>>,
    /// Index among the variables of the same plan (slot in the match-time cache).
    slot: usize,
    /// Byte range of `${...}` in the buffer.
    span: Range<usize>,
    /// Whether spaces were trimmed around the key or the default.
    padded: bool,
}

/// One piece of a template that holds `${...}`.
#[derive(Clone, Debug)]
pub(crate) enum Piece {
    /// Literal text (never empty; adjacent literal text is merged), a range of the buffer.
    Lit(Range<usize>),
    /// `*`.
    Star,
    /// `?`.
    One,
    /// `${key}` or `${key, 'default'}`.
    Var(Var),
}

/// A part of a template, for code that reads a template's shape rather than matching it (the
/// condition value index, `engine::index`): literal text (the fixed `${*}`, `${?}`, `${$}`
/// already replaced, adjacent literal text merged, never empty), a wildcard, or a named
/// variable. [`Template::parts`] lists them in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part<'t> {
    /// Literal text.
    Lit(&'t str),
    /// `*` (runs of `*` are one part).
    Star,
    /// `?`.
    One,
    /// `${key}` or `${key, 'default'}`: the ASCII-lower-cased key, the default, and where the
    /// template's text continues after it (a byte offset into [`Template::as_str`]).
    Var {
        key: &'t str,
        default: Option<&'t str>,
        end: usize,
    },
}

/// A variable as seen by the linter: key, default and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VariableInfo<'t> {
    /// The key, ASCII-lower-cased.
    pub key: &'t str,
    /// The default value, if any.
    pub default: Option<&'t str>,
    /// Byte range of `${...}` in the template's text.
    pub span: Range<usize>,
    /// Whether spaces around the key or the default were trimmed (`${ aws:username }`).
    pub padded: bool,
}

/// What [`parse_variable`] found. Ranges are offsets in the whole text.
enum Parsed {
    /// `${*}`, `${?}`, `${$}`.
    Fixed(char),
    /// A named variable: the trimmed key as written, the default inside its quotes.
    Named {
        key: Range<usize>,
        default: Option<Range<usize>>,
        padded: bool,
    },
}

/// Parses the variable at the start of `rest` (which starts with `${`); `start` is its offset
/// in the whole text. Returns what it is and its length in bytes.
fn parse_variable(rest: &str, start: usize) -> Result<(Parsed, usize), VariableError> {
    let unclosed = || VariableError::Unclosed { start };
    let body = rest.get(2..).ok_or_else(unclosed)?;
    // Offset (in the whole text) of a suffix of `rest`.
    let at = |tail: &str| start + (rest.len() - tail.len());
    // Offset (in the whole text) just past the first `}` at or after `from` in `body`, if any.
    let close_after = |from: usize| -> Option<usize> {
        let tail = body.get(from..)?;
        let at = tail.find('}')?;
        Some(start + 2 + from + at + 1)
    };
    let stop = body.find([',', '}']).ok_or_else(unclosed)?;
    let (key_raw, after_key) = body.split_at_checked(stop).ok_or_else(unclosed)?;
    let malformed = |end: usize, reason: &str| VariableError::Malformed {
        start,
        end,
        reason: reason.to_owned(),
    };
    let (default, padded_default, end) = if let Some(after_brace) = after_key.strip_prefix('}') {
        (None, false, at(after_brace))
    } else {
        // After the comma: optional spaces, then a quoted default, then optional spaces, `}`.
        let after_comma = after_key.get(1..).unwrap_or_default();
        let comma_at = stop + 1;
        let Some(quoted) = after_comma.trim_start().strip_prefix('\'') else {
            return Err(close_after(comma_at).map_or_else(unclosed, |end| {
                malformed(end, "the default value must be in single quotes")
            }));
        };
        let Some(close) = quoted.find('\'') else {
            return Err(close_after(comma_at).map_or_else(unclosed, |end| {
                malformed(end, "the default value is missing its closing quote")
            }));
        };
        let value_start = at(quoted);
        let (_, after_value) = quoted.split_at_checked(close).ok_or_else(unclosed)?;
        let after_quote = after_value.get(1..).unwrap_or_default();
        let trimmed = after_quote.trim_start();
        let Some(after_brace) = trimmed.strip_prefix('}') else {
            let from = body.len() - after_quote.len();
            return Err(close_after(from).map_or_else(unclosed, |end| {
                malformed(end, "unexpected text after the default value")
            }));
        };
        (
            Some(value_start..value_start + close),
            trimmed.len() != after_quote.len(),
            at(after_brace),
        )
    };
    let key = key_raw.trim();
    if key.is_empty() {
        return Err(VariableError::Empty { start, end });
    }
    if let Some(bad) = key.chars().find(|&c| {
        c.is_whitespace() || (matches!(c, '$' | '{' | '}' | '\'' | '*' | '?') && key.len() > 1)
    }) {
        let reason = if bad.is_whitespace() {
            "a variable name cannot contain spaces".to_owned()
        } else {
            format!("invalid character `{bad}` in the variable name")
        };
        return Err(VariableError::Malformed { start, end, reason });
    }
    let len = end - start;
    let fixed = match key {
        "*" => Some('*'),
        "?" => Some('?'),
        "$" => Some('$'),
        _ => None,
    };
    if let Some(c) = fixed {
        if default.is_some() {
            return Err(malformed(end, "a fixed variable takes no default value"));
        }
        return Ok((Parsed::Fixed(c), len));
    }
    let key_start = start + 2 + (key_raw.len() - key_raw.trim_start().len());
    Ok((
        Parsed::Named {
            key: key_start..key_start + key.len(),
            default,
            padded: key.len() != key_raw.len() || padded_default,
        },
        len,
    ))
}

/// The offset of the first `${` in `text` (a byte scan: cheaper than a substring search for
/// the short texts of a policy).
pub(crate) fn find_variable(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    loop {
        let at = from + bytes.get(from..)?.iter().position(|&b| b == b'$')?;
        if bytes.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
}

/// Whether `text` holds `${`.
pub(crate) fn has_variable(text: &str) -> bool {
    find_variable(text).is_some()
}

/// The byte length of the variable at the start of `rest` (which starts with `${`), or the
/// error that makes it malformed; used by callers that split text outside variables.
pub(crate) fn variable_len(rest: &str, start: usize) -> Result<usize, VariableError> {
    parse_variable(rest, start).map(|(_, len)| len)
}

/// How many variables [`Template::is_match`] keeps on the stack; more are looked up again.
const CACHED: usize = 8;

/// The text of `range` in `buf` (empty if the range is not valid, which cannot happen for the
/// ranges a plan was compiled with).
fn at<'b>(buf: &'b str, range: &Range<usize>) -> &'b str {
    buf.get(range.clone()).unwrap_or_default()
}

/// Literal text being collected while a plan is compiled: a range of the source while it is a
/// contiguous part of it, an owned string once a fixed variable (`${*}`) joins it.
#[derive(Default)]
struct LitRun {
    /// Start and end in the source, while contiguous.
    range: Option<Range<usize>>,
    /// The text, once it stopped being contiguous.
    owned: Option<String>,
}

impl LitRun {
    /// Adds the source text `range`.
    fn push_source(&mut self, src: &str, range: Range<usize>) {
        if let Some(owned) = &mut self.owned {
            owned.push_str(at(src, &range));
        } else if let Some(run) = &mut self.range {
            run.end = range.end;
        } else {
            self.range = Some(range);
        }
    }

    /// Adds a character that is not in the source at this place.
    fn push_char(&mut self, src: &str, c: char) {
        let owned = self.owned.get_or_insert_with(|| {
            self.range
                .take()
                .map_or_else(String::new, |r| at(src, &r).to_owned())
        });
        owned.push(c);
    }

    /// Ends the run: its range in the final buffer (`src` followed by `extra`), if not empty.
    fn flush(&mut self, src: &str, extra: &mut String, pieces: &mut Vec<Piece>) {
        let range = match (self.range.take(), self.owned.take()) {
            (_, Some(owned)) => place(src, extra, &owned),
            (Some(range), None) => range,
            (None, None) => return,
        };
        if !range.is_empty() {
            pieces.push(Piece::Lit(range));
        }
    }
}

/// Appends `text` to `extra`; returns its range in the final buffer (`src` then `extra`).
fn place(src: &str, extra: &mut String, text: &str) -> Range<usize> {
    let start = src.len() + extra.len();
    extra.push_str(text);
    start..start + text.len()
}

/// How a template's text is matched, compiled once. Ranges are byte offsets into the owner's
/// buffer: the source text followed by the text compiling added (lower-cased keys, literal
/// runs that hold a fixed variable).
#[derive(Clone, Debug)]
pub(crate) enum Plan {
    /// No `${...}` and no general wildcard pattern: the text itself is the pattern, matched
    /// with this shape (always exact when `*` and `?` are not wildcards).
    Plain(Shape),
    /// Literal runs, wildcards and variables.
    Pieces(Box<[Piece]>),
}

impl Plan {
    /// Compiles `src[start..end]` under `options`. Text the plan needs that is not in `src`
    /// is appended to `extra`, which the owner stores right after `src`. Error offsets are
    /// offsets in `src`.
    pub(crate) fn compile(
        src: &str,
        start: usize,
        end: usize,
        options: TemplateOptions,
        extra: &mut String,
    ) -> Result<Self, VariableError> {
        let text = src.get(start..end).unwrap_or_default();
        if !(options.variables && has_variable(text)) {
            let shape = if options.wildcards {
                Shape::classify(text)
            } else {
                Shape::EXACT
            };
            // A general pattern gets pieces, so that matching does not re-read its text.
            if shape.strategy != MatchStrategy::General {
                return Ok(Self::Plain(shape));
            }
        }
        let mut pieces = Vec::new();
        let mut lit = LitRun::default();
        let mut slot = 0;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            let pos = start + (text.len() - rest.len());
            let advance = if options.variables && rest.starts_with("${") {
                let (parsed, len) = parse_variable(rest, pos)?;
                match parsed {
                    Parsed::Fixed(c) => lit.push_char(src, c),
                    Parsed::Named {
                        key,
                        default,
                        padded,
                    } => {
                        lit.flush(src, extra, &mut pieces);
                        let key_text = at(src, &key);
                        let key = if key_text.bytes().any(|b| b.is_ascii_uppercase()) {
                            place(src, extra, &key_text.to_ascii_lowercase())
                        } else {
                            key
                        };
                        pieces.push(Piece::Var(Var {
                            key,
                            default,
                            slot,
                            span: pos..pos + len,
                            padded,
                        }));
                        slot += 1;
                    }
                }
                len
            } else if options.wildcards && c == '*' {
                lit.flush(src, extra, &mut pieces);
                if !matches!(pieces.last(), Some(Piece::Star)) {
                    pieces.push(Piece::Star);
                }
                1
            } else if options.wildcards && c == '?' {
                lit.flush(src, extra, &mut pieces);
                pieces.push(Piece::One);
                1
            } else {
                let len = c.len_utf8();
                lit.push_source(src, pos..pos + len);
                len
            };
            rest = rest.get(advance..).unwrap_or_default();
        }
        lit.flush(src, extra, &mut pieces);
        Ok(Self::Pieces(pieces.into_boxed_slice()))
    }

    /// The named variables.
    fn vars(&self) -> impl Iterator<Item = &Var> + '_ {
        let pieces: &[Piece] = match self {
            Self::Plain(_) => &[],
            Self::Pieces(pieces) => pieces,
        };
        pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            _ => None,
        })
    }

    /// The variables: (lower-cased key, default), read from `buf`.
    pub(crate) fn variables<'a>(
        &'a self,
        buf: &'a str,
    ) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        self.vars()
            .map(move |v| (at(buf, &v.key), v.default.as_ref().map(|d| at(buf, d))))
    }

    /// Whether the plan holds a named variable.
    pub(crate) fn has_variables(&self) -> bool {
        self.vars().next().is_some()
    }

    /// Whether every variable has a value from `resolve` or a default.
    pub(crate) fn is_resolvable<'a>(
        &self,
        buf: &str,
        resolve: impl Fn(&str) -> Option<&'a str>,
    ) -> bool {
        self.vars()
            .all(|v| v.default.is_some() || resolve(at(buf, &v.key)).is_some())
    }

    /// Whether `text` matches the plan compiled from `buf[region]`; see [`Template::is_match`].
    pub(crate) fn is_match<'a>(
        &self,
        buf: &str,
        region: Range<usize>,
        text: &str,
        ignore_case: bool,
        resolve: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<bool> {
        let pieces = match self {
            Self::Plain(shape) => {
                return Some(shape.is_match(at(buf, &region), text, ignore_case));
            }
            Self::Pieces(pieces) => pieces,
        };
        let value =
            |v: &Var| resolve(at(buf, &v.key)).or_else(|| v.default.as_ref().map(|d| at(buf, d)));
        let mut cache: [&str; CACHED] = [""; CACHED];
        for var in self.vars() {
            let found = value(var)?;
            if let Some(slot) = cache.get_mut(var.slot) {
                *slot = found;
            }
        }
        match &**pieces {
            [] => return Some(text.is_empty()),
            [Piece::Lit(lit)] => return Some(lit_eq(text, at(buf, lit), ignore_case)),
            _ => {}
        }
        let cache = &cache;
        let value = &value;
        Some(glob(
            pieces,
            |p| matches!(p, Piece::Star),
            |p| match p {
                Piece::Lit(lit) => Tok::Lit(at(buf, lit)),
                Piece::Star => Tok::Star,
                Piece::One => Tok::One,
                Piece::Var(v) => match cache.get(v.slot) {
                    Some(found) => Tok::Lit(found),
                    None => value(v).map_or(Tok::Never, Tok::Lit),
                },
            },
            text,
            ignore_case,
        ))
    }
}

/// A string with literal parts, wildcards and policy variables, parsed once.
///
/// The template keeps one string (its text, then any lower-cased variable key it needs); a
/// template without `${...}` allocates nothing else, and matching never allocates.
///
/// # Examples
///
/// ```
/// use iam_policy::{Template, TemplateOptions};
///
/// let options = TemplateOptions { variables: true, wildcards: true };
/// let t = Template::parse("home/${aws:username}/*", options)?;
/// let resolve = |key: &str| (key == "aws:username").then_some("alice");
/// assert_eq!(t.is_match("home/alice/notes.txt", false, resolve), Some(true));
/// assert_eq!(t.is_match("home/bob/notes.txt", false, resolve), Some(false));
/// // No value and no default: the answer is unknown.
/// assert_eq!(t.is_match("home/alice/x", false, |_| None), None);
/// # Ok::<(), iam_policy::VariableError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Template {
    /// The owner text: the template's text at `start..end` (an ARN pattern keeps its whole
    /// text here), then the text the plan added.
    buf: Box<str>,
    start: usize,
    end: usize,
    options: TemplateOptions,
    plan: Plan,
}

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str() && self.options == other.options
    }
}
impl Eq for Template {}

impl std::hash::Hash for Template {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
        self.options.hash(state);
    }
}

/// `src` followed by `extra`, as one exactly-sized string (reusing `src`'s allocation when
/// it can).
pub(crate) fn join(mut src: String, extra: &str) -> Box<str> {
    if !extra.is_empty() {
        src.reserve_exact(extra.len());
        src.push_str(extra);
    }
    src.into_boxed_str()
}

impl Template {
    /// Parses `text` under `options`.
    ///
    /// # Errors
    ///
    /// A [`VariableError`] for a malformed `${...}` when `options.variables` is set: `${}`
    /// ([`VariableError::Empty`]), a missing `}` ([`VariableError::Unclosed`]), a default not
    /// in single quotes, a space inside the key ([`VariableError::Malformed`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::{Template, TemplateOptions, VariableError};
    ///
    /// let options = TemplateOptions { variables: true, wildcards: true };
    /// let t = Template::parse("${aws:PrincipalTag/team, 'company-wide'}", options)?;
    /// assert_eq!(t.variables().collect::<Vec<_>>(), [("aws:principaltag/team", Some("company-wide"))]);
    /// assert!(matches!(
    ///     Template::parse("${aws:username", options),
    ///     Err(VariableError::Unclosed { start: 0, .. })
    /// ));
    /// # Ok::<(), VariableError>(())
    /// ```
    pub fn parse(text: &str, options: TemplateOptions) -> Result<Self, VariableError> {
        let mut extra = String::new();
        let plan = Plan::compile(text, 0, text.len(), options, &mut extra)?;
        let mut buf = String::with_capacity(text.len() + extra.len());
        buf.push_str(text);
        Ok(Self::from_parts(
            join(buf, &extra),
            0..text.len(),
            options,
            plan,
        ))
    }

    /// A template over `buf[region]`, with `plan` compiled from it (see [`Plan::compile`]).
    pub(crate) fn from_parts(
        buf: Box<str>,
        region: Range<usize>,
        options: TemplateOptions,
        plan: Plan,
    ) -> Self {
        Self {
            buf,
            start: region.start,
            end: region.end,
            options,
            plan,
        }
    }

    /// The whole owner text (see the `buf` field).
    pub(crate) fn buffer(&self) -> &str {
        &self.buf
    }

    /// Where the template's text ends in [`buffer`](Self::buffer).
    pub(crate) fn end_of_text(&self) -> usize {
        self.end
    }

    /// The text as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// The options the template was parsed with.
    #[must_use]
    pub fn options(&self) -> TemplateOptions {
        self.options
    }

    /// Whether the template holds at least one variable other than `${*}`, `${?}`, `${$}`.
    #[must_use]
    pub fn has_variables(&self) -> bool {
        self.plan.has_variables()
    }

    /// Whether the template holds a `*` or `?` wildcard (never true without
    /// `options.wildcards`).
    #[must_use]
    pub fn has_wildcards(&self) -> bool {
        match &self.plan {
            Plan::Plain(shape) => shape.strategy != MatchStrategy::Exact,
            Plan::Pieces(pieces) => pieces.iter().any(|p| matches!(p, Piece::Star | Piece::One)),
        }
    }

    /// Whether the template is plain text: no wildcard and no variable (the fixed `${*}`,
    /// `${?}`, `${$}` count as text).
    #[must_use]
    pub fn is_literal(&self) -> bool {
        match &self.plan {
            Plan::Plain(shape) => shape.strategy == MatchStrategy::Exact,
            Plan::Pieces(pieces) => pieces.iter().all(|p| matches!(p, Piece::Lit(_))),
        }
    }

    /// The text the template stands for when it [is literal](Self::is_literal), with the
    /// fixed variables replaced (`a${*}` gives `a*`); `None` otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::{Template, TemplateOptions};
    ///
    /// let options = TemplateOptions { variables: true, wildcards: true };
    /// assert_eq!(Template::parse("a${*}", options)?.literal_text(), Some("a*"));
    /// assert_eq!(Template::parse("a*", options)?.literal_text(), None);
    /// # Ok::<(), iam_policy::VariableError>(())
    /// ```
    #[must_use]
    pub fn literal_text(&self) -> Option<&str> {
        match &self.plan {
            Plan::Plain(shape) => (shape.strategy == MatchStrategy::Exact).then(|| self.as_str()),
            Plan::Pieces(pieces) => match &**pieces {
                [] => Some(""),
                [Piece::Lit(lit)] => Some(at(&self.buf, lit)),
                _ => None,
            },
        }
    }

    /// The variables in order of appearance: (ASCII-lower-cased key, default value).
    pub fn variables(&self) -> impl Iterator<Item = (&str, Option<&str>)> + '_ {
        self.plan.variables(&self.buf)
    }

    /// The variables with their spans and whether they were written with spaces (for lint).
    pub fn variable_infos(&self) -> impl Iterator<Item = VariableInfo<'_>> + '_ {
        self.plan.vars().map(|v| VariableInfo {
            key: at(&self.buf, &v.key),
            default: v.default.as_ref().map(|d| at(&self.buf, d)),
            span: v.span.start.saturating_sub(self.start)..v.span.end.saturating_sub(self.start),
            padded: v.padded,
        })
    }

    /// The template's parts in order ([`Part`]): what the plan compiled, or for a template
    /// without `${...}` its text split at the wildcards.
    pub(crate) fn parts(&self) -> Vec<Part<'_>> {
        let pieces = match &self.plan {
            Plan::Pieces(pieces) => pieces,
            Plan::Plain(_) => {
                let text = self.as_str();
                if !self.options.wildcards {
                    return [Part::Lit(text)]
                        .into_iter()
                        .filter(|_| !text.is_empty())
                        .collect();
                }
                let mut parts = Vec::new();
                let mut rest = text;
                while let Some(at) = rest.find(['*', '?']) {
                    let (lit, tail) = rest.split_at(at);
                    if !lit.is_empty() {
                        parts.push(Part::Lit(lit));
                    }
                    let wildcard = if tail.starts_with('*') {
                        Part::Star
                    } else {
                        Part::One
                    };
                    if !(wildcard == Part::Star && parts.last() == Some(&Part::Star)) {
                        parts.push(wildcard);
                    }
                    rest = tail.get(1..).unwrap_or_default();
                }
                if !rest.is_empty() {
                    parts.push(Part::Lit(rest));
                }
                return parts;
            }
        };
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Lit(lit) => Part::Lit(at(&self.buf, lit)),
                Piece::Star => Part::Star,
                Piece::One => Part::One,
                Piece::Var(v) => Part::Var {
                    key: at(&self.buf, &v.key),
                    default: v.default.as_ref().map(|d| at(&self.buf, d)),
                    end: v.span.end.saturating_sub(self.start),
                },
            })
            .collect()
    }

    /// Whether every variable has a value from `resolve` or a default.
    pub fn is_resolvable<'a>(&self, resolve: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.plan.is_resolvable(&self.buf, resolve)
    }

    /// Whether `text` matches the template, with each variable replaced by `resolve(key)`
    /// (`key` lower-cased) or its default. `ignore_case` compares without regard to case (per
    /// character, by lower-case mapping). `None` when a variable has neither a value nor a
    /// default. A value is literal text: a `*` in it matches only `*`.
    ///
    /// Does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use iam_policy::{Template, TemplateOptions};
    ///
    /// let options = TemplateOptions { variables: true, wildcards: true };
    /// let t = Template::parse("team-${aws:PrincipalTag/team}", options)?;
    /// // The tag value `*` is not a wildcard.
    /// assert_eq!(t.is_match("team-red", false, |_| Some("*")), Some(false));
    /// assert_eq!(t.is_match("team-*", false, |_| Some("*")), Some(true));
    /// assert_eq!(t.is_match("TEAM-RED", true, |_| Some("red")), Some(true));
    /// # Ok::<(), iam_policy::VariableError>(())
    /// ```
    pub fn is_match<'a>(
        &self,
        text: &str,
        ignore_case: bool,
        resolve: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<bool> {
        self.plan
            .is_match(&self.buf, self.start..self.end, text, ignore_case, resolve)
    }
}

#[cfg(test)]
mod tests {
    use super::{Template, TemplateOptions, VariableError};

    const ALL: TemplateOptions = TemplateOptions {
        variables: true,
        wildcards: true,
    };
    const VARS: TemplateOptions = TemplateOptions {
        variables: true,
        wildcards: false,
    };
    const LIKE: TemplateOptions = TemplateOptions {
        variables: false,
        wildcards: true,
    };
    const PLAIN: TemplateOptions = TemplateOptions {
        variables: false,
        wildcards: false,
    };

    /// The test context: a few lower-cased keys.
    fn ctx(key: &str) -> Option<&'static str> {
        match key {
            "aws:username" => Some("alice"),
            "aws:principaltag/team" => Some("red"),
            "star" => Some("*"),
            "q" => Some("?"),
            "empty" => Some(""),
            "colon" => Some("a:b"),
            _ => None,
        }
    }

    /// `tmatch!(name, options, template, text => Some(bool))`.
    macro_rules! tmatch {
        ($name:ident, $opts:expr, $tpl:expr, $text:expr => $want:expr) => {
            #[test]
            fn $name() {
                let t = Template::parse($tpl, $opts).unwrap();
                assert_eq!(
                    t.is_match($text, false, ctx),
                    $want,
                    "{:?} / {:?}",
                    $tpl,
                    $text
                );
            }
        };
    }

    /// `tmatch_ic!(name, options, template, text => Some(bool))`: ignoring case.
    macro_rules! tmatch_ic {
        ($name:ident, $opts:expr, $tpl:expr, $text:expr => $want:expr) => {
            #[test]
            fn $name() {
                let t = Template::parse($tpl, $opts).unwrap();
                assert_eq!(
                    t.is_match($text, true, ctx),
                    $want,
                    "{:?} / {:?}",
                    $tpl,
                    $text
                );
            }
        };
    }

    /// `terr!(name, options, template, error pattern)`.
    macro_rules! terr {
        ($name:ident, $opts:expr, $tpl:expr, $err:pat) => {
            #[test]
            fn $name() {
                let got = Template::parse($tpl, $opts);
                assert!(matches!(got, Err($err)), "{:?} gave {:?}", $tpl, got);
            }
        };
    }

    tmatch!(lit_eq, ALL, "abc", "abc" => Some(true));
    tmatch!(lit_ne, ALL, "abc", "abC" => Some(false));
    tmatch!(empty_tpl, ALL, "", "" => Some(true));
    tmatch!(empty_tpl_text, ALL, "", "x" => Some(false));
    tmatch!(var_only, ALL, "${aws:username}", "alice" => Some(true));
    tmatch!(var_only_no, ALL, "${aws:username}", "bob" => Some(false));
    tmatch!(var_key_case, ALL, "${AWS:UserName}", "alice" => Some(true));
    tmatch!(var_in_path, ALL, "home/${aws:username}/*", "home/alice/a/b" => Some(true));
    tmatch!(var_in_path_no, ALL, "home/${aws:username}/*", "home/alicex/a" => Some(false));
    tmatch!(var_after_star, ALL, "*/${aws:username}", "x/y/alice" => Some(true));
    tmatch!(var_mid_stars, ALL, "*${aws:username}*", "xxalicexx" => Some(true));
    tmatch!(var_mid_stars_no, ALL, "*${aws:username}*", "xxalicxx" => Some(false));
    tmatch!(var_missing, ALL, "home/${aws:userid}", "home/x" => None);
    tmatch!(var_missing_even_if_mismatch, ALL, "nope${aws:userid}", "home/x" => None);
    tmatch!(var_default, ALL, "${aws:userid, 'nobody'}", "nobody" => Some(true));
    tmatch!(var_default_unused, ALL, "${aws:username, 'nobody'}", "alice" => Some(true));
    tmatch!(var_default_unused_no, ALL, "${aws:username, 'nobody'}", "nobody" => Some(false));
    tmatch!(var_default_spaces, ALL, "${ aws:userid ,  'a b' }", "a b" => Some(true));
    tmatch!(var_padded, ALL, "${ aws:username }", "alice" => Some(true));
    tmatch!(var_default_star_literal, ALL, "${aws:userid, '*'}", "x" => Some(false));
    tmatch!(var_default_star_self, ALL, "${aws:userid, '*'}", "*" => Some(true));
    tmatch!(value_star_literal, ALL, "a${star}", "abc" => Some(false));
    tmatch!(value_star_self, ALL, "a${star}", "a*" => Some(true));
    tmatch!(value_q_literal, ALL, "a${q}", "ab" => Some(false));
    tmatch!(value_empty, ALL, "a${empty}b", "ab" => Some(true));
    tmatch!(value_colon, ALL, "x:${colon}", "x:a:b" => Some(true));
    tmatch!(fixed_star, ALL, "a${*}", "a*" => Some(true));
    tmatch!(fixed_star_not_wild, ALL, "a${*}", "abc" => Some(false));
    tmatch!(fixed_q_not_wild, ALL, "a${?}", "ab" => Some(false));
    tmatch!(fixed_q, ALL, "a${?}", "a?" => Some(true));
    tmatch!(fixed_dollar, ALL, "${$}{x}", "${x}" => Some(true));
    tmatch!(fixed_padded, ALL, "${ * }", "*" => Some(true));
    tmatch!(wild_star, ALL, "a*", "abc" => Some(true));
    tmatch!(wild_one, ALL, "a?c", "abc" => Some(true));
    tmatch!(wild_one_no, ALL, "a?c", "abbc" => Some(false));
    tmatch!(no_wild_star, VARS, "a*", "abc" => Some(false));
    tmatch!(no_wild_star_self, VARS, "a*", "a*" => Some(true));
    tmatch!(no_wild_q, VARS, "a?", "a?" => Some(true));
    tmatch!(no_vars_literal, LIKE, "${aws:username}*", "${aws:username}x" => Some(true));
    tmatch!(no_vars_literal_no, LIKE, "${aws:username}", "alice" => Some(false));
    tmatch!(plain_all_literal, PLAIN, "${x}*?", "${x}*?" => Some(true));
    tmatch!(plain_unclosed_ok, PLAIN, "${x", "${x" => Some(true));
    tmatch!(lone_dollar, ALL, "a$b{c}", "a$b{c}" => Some(true));
    tmatch!(many_vars, ALL,
        "${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}-${aws:principaltag/team}*",
        "alicealicealicealicealicealicealicealicealice-red!" => Some(true));
    tmatch!(many_vars_no, ALL,
        "${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}-${aws:principaltag/team}*",
        "alicealicealicealicealicealicealicealicealice-blue" => Some(false));
    tmatch_ic!(ic_var, ALL, "HOME/${aws:username}", "home/ALICE" => Some(true));
    tmatch_ic!(ic_lit, VARS, "Prod", "pROD" => Some(true));
    tmatch_ic!(ic_wild, ALL, "P*d?", "prrrDX" => Some(true));
    tmatch_ic!(ic_unicode, VARS, "ÉCOLE", "école" => Some(true));
    tmatch_ic!(ic_no, VARS, "abc", "abd" => Some(false));

    terr!(
        err_empty,
        ALL,
        "a${}",
        VariableError::Empty { start: 1, end: 4 }
    );
    terr!(
        err_empty_spaces,
        ALL,
        "${  }",
        VariableError::Empty { start: 0, end: 5 }
    );
    terr!(
        err_empty_default,
        ALL,
        "${, 'x'}",
        VariableError::Empty { .. }
    );
    terr!(
        err_unclosed,
        ALL,
        "ab${aws:username",
        VariableError::Unclosed { start: 2 }
    );
    terr!(
        err_unclosed_default,
        ALL,
        "${a, 'x'",
        VariableError::Unclosed { start: 0 }
    );
    terr!(
        err_unquoted_default,
        ALL,
        "${a, x}",
        VariableError::Malformed {
            start: 0,
            end: 7,
            ..
        }
    );
    terr!(
        err_double_quoted,
        VARS,
        "${a, \"x\"}",
        VariableError::Malformed { .. }
    );
    terr!(
        err_no_close_quote,
        ALL,
        "${a, 'x}",
        VariableError::Malformed { .. }
    );
    terr!(
        err_after_default,
        ALL,
        "${a, 'x' y}",
        VariableError::Malformed { .. }
    );
    terr!(
        err_space_in_key,
        ALL,
        "${aws: username}",
        VariableError::Malformed { .. }
    );
    terr!(err_nested, ALL, "${a${b}}", VariableError::Malformed { .. });
    terr!(
        err_wild_key,
        ALL,
        "${aws:*}",
        VariableError::Malformed { .. }
    );
    terr!(
        err_fixed_default,
        ALL,
        "${*, 'x'}",
        VariableError::Malformed { .. }
    );

    #[test]
    fn error_messages() {
        let e = Template::parse("${a, x}", ALL).unwrap_err();
        assert_eq!(
            e.to_string(),
            "malformed policy variable: the default value must be in single quotes"
        );
        assert_eq!(e.span(), 0..7);
        assert_eq!(e.offset_by(10).span(), 10..17);
        let e = Template::parse("${x", ALL).unwrap_err();
        assert_eq!(e.to_string(), "policy variable is not closed with `}`");
        assert_eq!(e.span(), 0..2);
        assert_eq!(
            Template::parse("${}", ALL).unwrap_err().to_string(),
            "empty policy variable"
        );
    }

    #[test]
    fn accessors() {
        let t = Template::parse("a/${ AWS:UserName }/${*}/${x, 'd'}*", ALL).unwrap();
        assert_eq!(t.as_str(), "a/${ AWS:UserName }/${*}/${x, 'd'}*");
        assert!(t.has_variables());
        assert!(t.has_wildcards());
        assert!(!t.is_literal());
        assert_eq!(t.literal_text(), None);
        assert_eq!(
            t.variables().collect::<Vec<_>>(),
            [("aws:username", None), ("x", Some("d"))]
        );
        let infos: Vec<_> = t.variable_infos().collect();
        assert_eq!(infos.len(), 2);
        assert_eq!(infos[0].span, 2..19);
        assert!(infos[0].padded);
        assert_eq!(infos[1].span, 25..34);
        assert!(!infos[1].padded);
        assert!(t.is_resolvable(ctx));
        assert!(!t.is_resolvable(|_| None));
        assert_eq!(t.options(), ALL);

        let lit = Template::parse("x${*}${?}${$}", ALL).unwrap();
        assert!(lit.is_literal());
        assert!(!lit.has_variables());
        assert!(!lit.has_wildcards());
        assert_eq!(lit.literal_text(), Some("x*?$"));
        assert_eq!(Template::parse("", ALL).unwrap().literal_text(), Some(""));
        assert_eq!(
            Template::parse("a*", VARS).unwrap().literal_text(),
            Some("a*")
        );
    }

    #[test]
    fn pathological_template_is_fast() {
        let text = "a".repeat(64 * 1024);
        let mut tpl = "*${aws:username}".repeat(20);
        tpl.push_str("*b");
        let t = Template::parse(&tpl, ALL).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(t.is_match(&text, false, |_| Some("a")), Some(false));
        assert_eq!(t.is_match(&text, true, |_| Some("A")), Some(false));
        // A guard against exponential backtracking (which would take years here), not a
        // speed figure: a linear matcher takes well under a second even on a loaded machine,
        // and the measured times live in the benches and `fuzz/README.md`.
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
    }
}
