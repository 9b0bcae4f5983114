//! Finding `${...}` policy variables in policy strings, for the variable checks.
//!
//! The parser already refuses malformed variables under version `2012-10-17`; lint needs to see
//! the well-formed ones too: where they appear under a version that does not support them, and
//! whether their names carry spaces that the engine trims.

/// One `${...}` in a string: byte offsets of `$` and one past `}`, and the text between the
/// braces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Var<'a> {
    /// Offset of `$`.
    pub start: usize,
    /// Offset one past `}`.
    pub end: usize,
    /// The text between `${` and `}`.
    pub inner: &'a str,
}

impl<'a> Var<'a> {
    /// The variable name: the text before a `,` default, untrimmed.
    pub fn raw_name(&self) -> &'a str {
        self.inner
            .split_once(',')
            .map_or(self.inner, |(name, _)| name)
    }
}

/// Every complete `${...}` in `text`, left to right (an unclosed `${` ends the scan).
pub(crate) fn scan(text: &str) -> impl Iterator<Item = Var<'_>> {
    let mut from = 0usize;
    std::iter::from_fn(move || {
        let rest = text.get(from..)?;
        let open = rest.find("${")?;
        let start = from + open;
        let body_start = start + 2;
        let body = text.get(body_start..)?;
        let close = body.find('}')?;
        let inner = body.get(..close)?;
        let end = body_start + close + 1;
        from = end;
        Some(Var { start, end, inner })
    })
}

/// `text` with every complete `${...}` removed (for checks on the literal parts only).
pub(crate) fn strip(text: &str) -> std::borrow::Cow<'_, str> {
    replace(text, "")
}

/// `text` with every complete `${...}` replaced by `*` (an over-approximation of what it can
/// match, for intersection tests).
pub(crate) fn widen(text: &str) -> std::borrow::Cow<'_, str> {
    replace(text, "*")
}

/// `text` with every complete `${...}` replaced by `with`.
fn replace<'t>(text: &'t str, with: &str) -> std::borrow::Cow<'t, str> {
    if !text.contains("${") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0usize;
    for var in scan(text) {
        out.push_str(text.get(last..var.start).unwrap_or_default());
        out.push_str(with);
        last = var.end;
    }
    out.push_str(text.get(last..).unwrap_or_default());
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_variables() {
        let text = "a/${aws:username}/${ aws:PrincipalTag/x, 'd'}/${";
        let vars: Vec<_> = scan(text).collect();
        assert_eq!(vars.len(), 2);
        assert_eq!(vars[0].inner, "aws:username");
        assert_eq!(
            text.get(vars[0].start..vars[0].end),
            Some("${aws:username}")
        );
        assert_eq!(vars[1].raw_name(), " aws:PrincipalTag/x");
        assert_eq!(strip(text), "a///${");
        assert_eq!(widen("x/${a}/y"), "x/*/y");
        assert_eq!(widen("plain"), "plain");
    }
}
