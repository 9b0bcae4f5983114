//! Property tests of the matchers against independent oracles: `regex` (literals escaped,
//! `*` → `.*`, `?` → `.`, anchored, `(?s)`) and `glob::Pattern` (with `[`/`]` escaped).
//! `PROPTEST_CASES` raises the case count.
#![cfg(test)]

use iam_policy::unstable::variables::{Template, TemplateOptions};
use iam_policy::{Action, ActionPattern, ArnPattern, ArnPatternMode};
use iam_policy::{MatchStrategy, Wildcard};
use proptest::prelude::*;
use regex::Regex;

/// Characters for patterns: wildcards, regex/glob specials, `:`/`/`, and multi-byte text.
const PATTERN_CHARS: &[char] = &[
    'a', 'b', 'a', 'b', '*', '*', '?', ':', '/', '.', '[', ']', '$', '{', '\\', '(', '+', 'é', '😀',
];
/// Characters for texts (no wildcards needed, but they may appear as literals).
const TEXT_CHARS: &[char] = &[
    'a', 'b', 'a', 'b', ':', '/', '.', '[', ']', '$', '{', '\\', '(', '+', 'é', '😀', '*', '?',
];

fn string_of(
    chars: &'static [char],
    max: usize,
) -> impl proptest::strategy::Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(chars), 0..max).prop_map(|v| v.into_iter().collect())
}

/// The regex oracle for a `*`/`?` pattern; `star`/`one` are the regex fragments for the
/// wildcards.
fn glob_regex(pattern: &str, star: &str, one: &str) -> String {
    let mut re = String::new();
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(star),
            '?' => re.push_str(one),
            _ => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re
}

fn oracle(pattern: &str) -> Regex {
    Regex::new(&format!("(?s)^{}$", glob_regex(pattern, ".*", "."))).unwrap()
}

/// The `glob` crate's reading of an IAM pattern: `[`/`]` escaped, runs of `*` merged (glob
/// treats `**` specially).
fn glob_oracle(pattern: &str) -> Option<glob::Pattern> {
    let mut out = String::new();
    let mut prev_star = false;
    for c in pattern.chars() {
        match c {
            '[' => out.push_str("[[]"),
            ']' => out.push_str("[]]"),
            '*' if prev_star => {}
            _ => out.push(c),
        }
        prev_star = c == '*';
    }
    glob::Pattern::new(&out).ok()
}

/// A text that matches `pattern`: every `*` replaced by `fill`, every `?` by `one`.
fn realize(pattern: &str, fill: &str, one: char) -> String {
    let mut out = String::new();
    for c in pattern.chars() {
        match c {
            '*' => out.push_str(fill),
            '?' => out.push(one),
            _ => out.push(c),
        }
    }
    out
}

proptest! {
    #[test]
    fn wildcard_agrees_with_regex(
        pattern in string_of(PATTERN_CHARS, 12),
        text in string_of(TEXT_CHARS, 16),
        fill in string_of(TEXT_CHARS, 4),
        one in prop::sample::select(TEXT_CHARS),
        realized in any::<bool>(),
    ) {
        let text = if realized { realize(&pattern, &fill, one) } else { text };
        let w = Wildcard::new(&pattern);
        let want = oracle(&pattern).is_match(&text);
        prop_assert_eq!(w.is_match(&text), want, "pattern {:?} text {:?}", pattern, text);
        prop_assert_eq!(w.is_match_general(&text), want);
        if realized {
            prop_assert!(want);
        }
    }

    #[test]
    fn wildcard_agrees_with_glob(
        pattern in string_of(PATTERN_CHARS, 12),
        text in string_of(TEXT_CHARS, 16),
        fill in string_of(TEXT_CHARS, 4),
        one in prop::sample::select(TEXT_CHARS),
        realized in any::<bool>(),
    ) {
        let text = if realized { realize(&pattern, &fill, one) } else { text };
        let Some(g) = glob_oracle(&pattern) else {
            return Err(TestCaseError::reject("glob cannot read it"));
        };
        let want = g.matches_with(&text, glob::MatchOptions::new());
        prop_assert_eq!(Wildcard::new(&pattern).is_match(&text), want,
            "pattern {:?} text {:?}", pattern, text);
    }

    #[test]
    fn wildcard_ignore_case_agrees_with_regex(
        pattern in string_of(&['a', 'A', 'b', 'é', 'É', '*', '?', ':'], 10),
        text in string_of(&['a', 'A', 'b', 'B', 'é', 'É', ':'], 12),
    ) {
        let re = Regex::new(&format!("(?si)^{}$", glob_regex(&pattern, ".*", "."))).unwrap();
        prop_assert_eq!(Wildcard::new(&pattern).is_match_ignore_case(&text), re.is_match(&text));
    }

    #[test]
    fn every_strategy_agrees_with_general(
        lit in string_of(TEXT_CHARS, 5),
        shape in 0usize..6,
        text in string_of(TEXT_CHARS, 10),
        embed in any::<bool>(),
        pre in string_of(TEXT_CHARS, 3),
        post in string_of(TEXT_CHARS, 3),
    ) {
        let lit: String = lit.chars().filter(|c| !matches!(c, '*' | '?')).collect();
        let (pattern, strategy) = match shape {
            0 => (lit.clone(), MatchStrategy::Exact),
            1 => (format!("{lit}*"), MatchStrategy::Prefix),
            2 => (format!("*{lit}"), MatchStrategy::Suffix),
            3 => (format!("*{lit}*"), MatchStrategy::Contains),
            4 => ("*".to_owned(), MatchStrategy::Any),
            _ => (format!("{lit}?*"), MatchStrategy::General),
        };
        let w = Wildcard::new(&pattern);
        // An empty literal collapses `*{lit}*` into `*` and `{lit}*` into `*`.
        if !lit.is_empty() {
            prop_assert_eq!(w.strategy(), strategy);
        }
        let text = if embed { format!("{pre}{lit}{post}") } else { text };
        prop_assert_eq!(w.is_match(&text), w.is_match_general(&text));
        prop_assert_eq!(w.is_match(&text), oracle(&pattern).is_match(&text));
    }

    #[test]
    fn star_matches_everything(text in any::<String>()) {
        prop_assert!(Wildcard::new("*").is_match(&text));
        prop_assert!(Wildcard::new("**").is_match(&text));
        prop_assert!(Wildcard::new("*").is_match_ignore_case(&text));
    }

    #[test]
    fn literal_matches_only_itself(pattern in "[^*?]{0,12}", text in "[^*?]{0,12}") {
        let w = Wildcard::new(&pattern);
        prop_assert!(w.is_literal());
        prop_assert!(w.is_match(&pattern));
        prop_assert_eq!(w.is_match(&text), text == pattern);
    }

    #[test]
    fn question_marks_count_chars(n in 0usize..8, text in any::<String>()) {
        let w = Wildcard::new(&"?".repeat(n));
        prop_assert_eq!(w.is_match(&text), text.chars().count() == n);
    }
}

/// One element of a generated template.
#[derive(Clone, Debug)]
enum Part {
    /// Literal text (no `*`, `?`, `$`).
    Text(String),
    /// `*`.
    Star,
    /// `?`.
    One,
    /// `${key}` written with the given spelling of the key and padding.
    Var {
        key: usize,
        upper: bool,
        padded: bool,
    },
    /// `${key, 'default'}` for a key that has no value.
    Default(String),
    /// `${*}`, `${?}`, `${$}`.
    Fixed(char),
}

const KEYS: [&str; 3] = ["aws:username", "aws:principaltag/team", "s3:prefix"];

fn part() -> impl proptest::strategy::Strategy<Value = Part> {
    prop_oneof![
        3 => string_of(&['a', 'b', '/', ':', '.', 'é'], 4).prop_map(Part::Text),
        2 => Just(Part::Star),
        1 => Just(Part::One),
        2 => (0usize..3, any::<bool>(), any::<bool>())
            .prop_map(|(key, upper, padded)| Part::Var { key, upper, padded }),
        1 => string_of(&['a', 'b', '*', '?', '$', '}', ':'], 4).prop_map(Part::Default),
        1 => prop::sample::select(&['*', '?', '$'][..]).prop_map(Part::Fixed),
    ]
}

/// Values for the three keys; they may hold characters that would be wildcards.
fn values() -> impl proptest::strategy::Strategy<Value = [String; 3]> {
    let v = || string_of(&['a', 'b', '*', '?', '$', '/', 'é'], 4);
    (v(), v(), v()).prop_map(|(a, b, c)| [a, b, c])
}

/// The template text for `parts`.
fn template_text(parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(s) => out.push_str(s),
            Part::Star => out.push('*'),
            Part::One => out.push('?'),
            Part::Var { key, upper, padded } => {
                let key = KEYS[*key];
                let key = if *upper {
                    key.to_uppercase()
                } else {
                    key.to_owned()
                };
                if *padded {
                    out.push_str(&format!("${{ {key} }}"));
                } else {
                    out.push_str(&format!("${{{key}}}"));
                }
            }
            Part::Default(d) => {
                out.push_str(&format!("${{aws:missing, '{}'}}", d.replace('\'', "")))
            }
            Part::Fixed(c) => out.push_str(&format!("${{{c}}}")),
        }
    }
    out
}

/// The regex oracle for `parts` with variables substituted and escaped.
fn template_regex(parts: &[Part], values: &[String; 3]) -> Regex {
    let mut re = String::from("(?s)^");
    for p in parts {
        match p {
            Part::Text(s) => re.push_str(&regex::escape(s)),
            Part::Star => re.push_str(".*"),
            Part::One => re.push('.'),
            Part::Var { key, .. } => re.push_str(&regex::escape(&values[*key])),
            Part::Default(d) => re.push_str(&regex::escape(&d.replace('\'', ""))),
            Part::Fixed(c) => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re).unwrap()
}

/// A text matching `parts`: stars filled with `fill`, `?` with `x`.
fn template_realize(parts: &[Part], values: &[String; 3], fill: &str) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(s) => out.push_str(s),
            Part::Star => out.push_str(fill),
            Part::One => out.push('x'),
            Part::Var { key, .. } => out.push_str(&values[*key]),
            Part::Default(d) => out.push_str(&d.replace('\'', "")),
            Part::Fixed(c) => out.push(*c),
        }
    }
    out
}

const ALL: TemplateOptions = TemplateOptions {
    variables: true,
    wildcards: true,
};

proptest! {
    #[test]
    fn template_equals_substituted_and_escaped(
        parts in prop::collection::vec(part(), 0..8),
        values in values(),
        text in string_of(&['a', 'b', '/', ':', '*', '?', '$', 'x', 'é'], 14),
        fill in string_of(&['a', ':', '*'], 3),
        realized in any::<bool>(),
    ) {
        let src = template_text(&parts);
        let t = Template::parse(&src, ALL).unwrap();
        let text = if realized { template_realize(&parts, &values, &fill) } else { text };
        let resolve = |key: &str| KEYS.iter().position(|k| *k == key).map(|i| values[i].as_str());
        let want = template_regex(&parts, &values).is_match(&text);
        prop_assert_eq!(t.is_match(&text, false, resolve), Some(want), "template {:?} text {:?}", src, text);
        if realized {
            prop_assert!(want);
        }
        // A missing value (and no default) makes the answer unknown.
        let has_var = parts.iter().any(|p| matches!(p, Part::Var { .. }));
        prop_assert_eq!(t.is_match(&text, false, |_| None).is_none(), has_var);
    }

    #[test]
    fn template_without_variables_is_a_wildcard(pattern in string_of(PATTERN_CHARS, 12), text in string_of(TEXT_CHARS, 14)) {
        let like = TemplateOptions { variables: false, wildcards: true };
        let t = Template::parse(&pattern, like).unwrap();
        prop_assert_eq!(t.is_match(&text, false, |_| None), Some(Wildcard::new(&pattern).is_match(&text)));
        let equals = TemplateOptions { variables: false, wildcards: false };
        let t = Template::parse(&pattern, equals).unwrap();
        prop_assert_eq!(t.is_match(&text, false, |_| None), Some(text == pattern));
        prop_assert_eq!(t.literal_text(), Some(pattern.as_str()));
    }

    #[test]
    fn template_parse_never_panics(text in any::<String>()) {
        if let Err(e) = Template::parse(&text, ALL) {
            let span = e.span();
            prop_assert!(span.start <= text.len() && span.end <= text.len() && span.start <= span.end);
            prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
    }

    #[test]
    fn action_names_are_case_insensitive(
        service in "[a-z0-9][a-z0-9-]{0,8}",
        name in "[A-Za-z0-9_]{1,12}",
        flips in prop::collection::vec(any::<bool>(), 24),
        other in "[A-Za-z0-9_]{1,12}",
        wild in 0usize..3,
    ) {
        let flip = |s: &str| -> String {
            s.chars().zip(flips.iter().cycle()).map(|(c, &f)| if f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect()
        };
        let request = Action::parse(&format!("{}:{}", flip(&service), flip(&name))).unwrap();
        let exact = ActionPattern::parse(&format!("{service}:{name}")).unwrap();
        prop_assert!(exact.is_match(&request));
        prop_assert!(exact.is_match_str(request.as_str()));
        let other_req = Action::parse(&format!("{service}:{other}")).unwrap();
        prop_assert_eq!(exact.is_match(&other_req), other.eq_ignore_ascii_case(&name));
        // A wildcard form of the (flipped) name still matches the request.
        let first: String = name.chars().take(1).collect();
        let pattern = match wild {
            0 => format!("{}:{}*", service.to_uppercase(), flip(&first)),
            1 => format!("{service}:*"),
            _ => format!("{service}:{}", "?".repeat(name.chars().count())),
        };
        prop_assert!(ActionPattern::parse(&pattern).unwrap().is_match(&request), "{} / {}", pattern, request.as_str());
        prop_assert!(ActionPattern::parse("*").unwrap().is_match(&request));
        // Another service never matches.
        let foreign = ActionPattern::parse(&format!("x{service}:*")).unwrap();
        prop_assert!(!foreign.is_match(&request));
    }

    #[test]
    fn action_parse_never_panics(text in any::<String>()) {
        let _ = Action::parse(&text).map(|a| a.name().len());
        if let Ok(p) = ActionPattern::parse(&text) {
            prop_assert_eq!(p.as_str(), text.as_str());
        }
    }
}

/// A segment pattern over a small alphabet (no colon).
fn segment() -> impl proptest::strategy::Strategy<Value = String> {
    string_of(&['a', 'b', '-', '*', '?', '1'], 4)
}

/// A request segment (no colon).
fn req_segment() -> impl proptest::strategy::Strategy<Value = String> {
    string_of(&['a', 'b', '-', '1'], 4)
}

/// The ARN regex oracle: per segment, wildcards stay inside (`[^:]`), the resource part is
/// free; with `short`, missing segments are padded.
fn arn_regex(segments: &[String]) -> Regex {
    let mut re = String::from("(?s)^arn");
    for (i, seg) in segments.iter().enumerate() {
        re.push(':');
        if i == 4 {
            re.push_str(&glob_regex(seg, ".*", "."));
        } else {
            re.push_str(&glob_regex(seg, "[^:]*", "[^:]"));
        }
    }
    // Padding for a short pattern: one `[^:]*` per missing segment before the resource part.
    for _ in segments.len()..4 {
        re.push_str(":[^:]*");
    }
    if segments.len() < 5 {
        re.push_str(":.*");
    }
    re.push('$');
    Regex::new(&re).unwrap()
}

proptest! {
    #[test]
    fn arn_pattern_agrees_with_segment_oracle(
        partition in segment(),
        service in "[ab]{1,2}",
        region in segment(),
        account in segment(),
        resource in string_of(&['a', 'b', '/', ':', '*', '?'], 6),
        req in (req_segment(), "[ab]{1,2}", req_segment(), req_segment(), string_of(&['a', 'b', '/', ':'], 6)),
        realized in any::<bool>(),
    ) {
        let pattern = format!("arn:{partition}:{service}:{region}:{account}:{resource}");
        let resource_arn = if realized {
            format!("arn:{}:{service}:{}:{}:{}", realize(&partition, "a", 'b'), realize(&region, "", '1'),
                realize(&account, "ab", 'a'), realize(&resource, "a:/", 'b'))
        } else {
            format!("arn:{}:{}:{}:{}:{}", req.0, req.1, req.2, req.3, req.4)
        };
        let segs = [partition, service, region, account, resource];
        let want = arn_regex(&segs).is_match(&resource_arn);
        for mode in [ArnPatternMode::Resource, ArnPatternMode::Condition] {
            let p = ArnPattern::parse(&pattern, mode, true).unwrap();
            prop_assert_eq!(p.is_match(&resource_arn, |_| None), Some(want), "{:?} {} / {}", mode, pattern, resource_arn);
            prop_assert_eq!(p.is_match("*", |_| None), Some(false));
        }
        if realized {
            prop_assert!(want);
        }
    }

    #[test]
    fn short_arn_pattern_covers_below(
        segs in prop::collection::vec(segment(), 1..4),
        req in (req_segment(), "[ab]{1,2}", req_segment(), req_segment(), string_of(&['a', 'b', '/', ':'], 6)),
    ) {
        // Segment 1 is the service: keep it literal.
        let mut segs = segs;
        if let Some(service) = segs.get_mut(1) {
            *service = service.chars().filter(|c| !matches!(c, '*' | '?')).collect();
        }
        let mut pattern = format!("arn:{}", segs.join(":"));
        let trailing = pattern.ends_with('*');
        let p = ArnPattern::parse(&pattern, ArnPatternMode::Resource, true).unwrap();
        let resource_arn = format!("arn:{}:{}:{}:{}:{}", req.0, req.1, req.2, req.3, req.4);
        let want = trailing && arn_regex(&segs).is_match(&resource_arn);
        prop_assert_eq!(p.is_match(&resource_arn, |_| None), Some(want), "{} / {}", pattern, resource_arn);
        prop_assert_eq!(p.matches_nothing(), !trailing);
        // Condition mode never matches a short pattern.
        let c = ArnPattern::parse(&pattern, ArnPatternMode::Condition, true).unwrap();
        prop_assert_eq!(c.is_match(&resource_arn, |_| None), Some(false));
        // With a trailing `*` added, the pattern covers what the padded oracle says.
        if !trailing && segs.len() != 2 {
            pattern.push('*');
            let mut padded = segs.clone();
            if let Some(last) = padded.last_mut() { last.push('*'); }
            let p = ArnPattern::parse(&pattern, ArnPatternMode::Resource, true).unwrap();
            prop_assert_eq!(p.is_match(&resource_arn, |_| None), Some(arn_regex(&padded).is_match(&resource_arn)));
        }
    }

    #[test]
    fn arn_pattern_parse_never_panics(text in any::<String>(), vars in any::<bool>()) {
        for mode in [ArnPatternMode::Resource, ArnPatternMode::Condition] {
            if let Ok(p) = ArnPattern::parse(&text, mode, vars) {
                prop_assert_eq!(p.as_str(), text.as_str());
                let _ = p.is_match(&text, |_| Some("v"));
            } else if let Err(e) = ArnPattern::parse(&text, mode, vars)
                && let Some(span) = e.span()
            {
                prop_assert!(span.end <= text.len() && text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
        }
    }
}
