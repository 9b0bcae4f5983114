//! Hostile requests at the request limits against the longest condition value lists a policy
//! can hold: time per decision for every operator family, `ForAllValues:` and `ForAnyValue:`
//! (and a single value as long as the context allows), with the policy list as long as
//!
//! - a managed identity policy holds (6,144 characters),
//! - a resource policy holds (20,480 characters, the largest document AWS stores),
//! - the parser accepts (`Limits::DEFAULT_MAX_SIZE`, 1 MiB).
//!
//! Each request holds [`MAX_CONTEXT_VALUES`] values of about 1,000 bytes each (the
//! [`MAX_CONTEXT_BYTES`] budget shared out), chosen to make the decision do the most work:
//! for `ForAllValues:` every value matches (so every value is tested), for `ForAnyValue:` none
//! does (likewise). Every decision is checked against the expected one before timing.
//!
//! `cargo bench --bench adversarial` first prints a table (median and slowest of 31
//! decisions per case, 5 for a case over 50 ms, wall clock) and says which cases take 1 ms or more, then runs criterion
//! on the same cases (criterion options after `--`, e.g. `-- --quick`; a filter selects
//! cases). `IAM_POLICY_ADVERSARIAL_TABLE=1` prints the table only;
//! `IAM_POLICY_ADVERSARIAL_TABLE=<text>` the rows whose label holds `<text>`.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    reason = "a benchmark program: it prints its findings, and a failure is a failed run"
)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion};
use iam_policy::unstable::json::Limits;
use iam_policy::unstable::request::{MAX_CONTEXT_BYTES, MAX_CONTEXT_VALUES};
use iam_policy::{
    CompiledPolicySet, ContextScalar, ContextValue, Decision, ParseOptions, PolicyKind, PolicySet,
    PolicyType, PreparedRequest, Request, parse_policy_with,
};

/// How a request is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `ForAllValues:`, every request value matching some policy value.
    AllHit,
    /// `ForAnyValue:`, no request value matching.
    AnyMiss,
    /// No qualifier: one request value of nearly the whole byte budget, matching nothing.
    OneLong,
}

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Self::AllHit => "ForAllValues (all match)",
            Self::AnyMiss => "ForAnyValue (none match)",
            Self::OneLong => "single 255 KiB value",
        }
    }
}

/// One operator family's worst case.
struct Case {
    name: &'static str,
    operator: &'static str,
    /// Policy value `i`.
    value: fn(usize) -> String,
    /// A matching request value, near policy value `i`, about `len` bytes where the family
    /// allows.
    hit: fn(usize, usize) -> ContextScalar,
    /// A request value matching no policy value, about `len` bytes (request value `j`).
    miss: fn(usize, usize) -> ContextScalar,
    /// Which shapes apply (a single long value only where text length matters).
    one_long: bool,
}

fn text(s: String) -> ContextScalar {
    ContextScalar::String(s)
}

fn pad(s: &str, len: usize, with: char) -> String {
    let mut out = s.to_owned();
    while out.len() < len {
        out.push(with);
    }
    out
}

/// Policy value `i` of the lists whose patterns share their literals: `*ab<i × ?>cd*`.
fn sharing(i: usize) -> String {
    format!("*ab{}cd*", "?".repeat(i))
}

/// A text matched by pattern `i % 900` of [`sharing`] (every list holds that many or more),
/// within the byte budget.
fn sharing_hit(i: usize) -> String {
    format!("ab{}cd", "z".repeat(i % 900))
}

/// `len` characters dense in both literals of [`sharing`]: every `ab` is followed by a `cd`,
/// never within the longest pattern's reach (blocks of 350 `ab`, 1,442 `z`, 350 `cd`).
fn dense(len: usize) -> String {
    let block = format!(
        "{}{}{}",
        "ab".repeat(350),
        "z".repeat(1_442),
        "cd".repeat(350)
    );
    block
        .repeat(len / block.len() + 1)
        .chars()
        .take(len)
        .collect()
}

/// The byte after pattern `i`'s `?` in the rows with more than four gating bytes: one of
/// twenty letters.
fn gate_letter(i: usize) -> char {
    char::from(b'a' + (i % 20) as u8)
}

/// Literal text longer than the 16 bytes a gated pass reads before a position.
const LONG_ANCHOR: &str = "0123456789abcdef";

/// The letters of the frames of shared letters: 40 of them (no `x`, `y`, `z`).
const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwABCDEFGHIJKLMNOPQ";

/// The pair of letters of pattern `i`.
fn letters(i: usize) -> (char, char) {
    let n = LETTERS.len();
    (char::from(LETTERS[i % n]), char::from(LETTERS[i / n % n]))
}

/// The segment `<a>?<b>` of pattern `i`.
fn letter_pair(i: usize) -> String {
    let (a, b) = letters(i);
    format!("{a}?{b}")
}

/// `head`, then `y0y1y2…` up to `len` bytes.
fn keys_after(head: &str, len: usize) -> String {
    let mut s = String::from(head);
    let mut j = 1;
    while s.len() < len {
        s.push_str(&format!("y{j}"));
        j += 1;
    }
    s.truncate(len);
    s
}

/// `head`, then `-0-1-2…` up to `len` bytes.
fn dashed(head: &str, len: usize) -> String {
    let mut s = String::from(head);
    let mut j = 0;
    while s.len() < len {
        s.push_str(&format!("-{j}"));
        j += 1;
    }
    s.truncate(len);
    s
}

const CASES: &[Case] = &[
    Case {
        name: "StringEquals",
        operator: "StringEquals",
        value: |i| format!("v{i}"),
        hit: |i, _| text(format!("v{i}")),
        miss: |j, len| text(pad(&format!("v{j}-"), len, 'z')),
        one_long: true,
    },
    Case {
        name: "StringEqualsIgnoreCase",
        operator: "StringEqualsIgnoreCase",
        value: |i| format!("t{i}"),
        hit: |i, _| text(format!("T{i}")),
        // Non-ASCII text: its lower-case mapping is compared, not a plain pass.
        miss: |j, len| text(pad(&format!("T{j}\u{212A}"), len, '\u{212A}')),
        one_long: true,
    },
    Case {
        name: "StringLike, literal values",
        operator: "StringLike",
        value: |i| format!("v{i}"),
        hit: |i, _| text(format!("v{i}")),
        miss: |j, len| text(pad(&format!("v{j}-"), len, 'z')),
        one_long: true,
    },
    Case {
        name: "StringLike, prefix patterns `p<i>*x?y`",
        operator: "StringLike",
        value: |i| format!("p{i}*x?y"),
        hit: |i, len| text(format!("{}xay", pad(&format!("p{i}"), len - 3, 'z'))),
        miss: |j, len| text(pad(&format!("p{j}"), len, 'z')),
        one_long: true,
    },
    Case {
        name: "StringLike, suffix patterns `*-<i>`",
        operator: "StringLike",
        value: |i| format!("*-{i}"),
        hit: |i, len| text(format!("{}-{i}", "z".repeat(len.saturating_sub(8)))),
        miss: |j, len| text(format!("{}-{j}q", "z".repeat(len.saturating_sub(8)))),
        one_long: true,
    },
    Case {
        name: "StringLike, inner patterns `*-<i>-*`",
        operator: "StringLike",
        value: |i| format!("*-{i}-*"),
        hit: |i, len| text(pad(&format!("z-{i}-"), len, 'z')),
        miss: |_, len| text("z".repeat(len)),
        one_long: true,
    },
    Case {
        // Not keyed apart: every pattern holds the same literals (`ab`, `cd`), so a text
        // holding `ab` tries them all (the residual case in DESIGN.md).
        name: "StringLike, patterns sharing their literals `*ab<?...>cd*`",
        operator: "StringLike",
        value: sharing,
        hit: |i, len| text(pad(&sharing_hit(i), len, 'z')),
        miss: |_, len| text(pad("ab", len, 'z')),
        one_long: true,
    },
    Case {
        // The same list against text dense in both literals: every `ab` is followed by a
        // `cd`, but never within the longest pattern's reach (blocks of 350 `ab`, 1,442 `z`,
        // 350 `cd`), so each literal occurs thousands of times and nothing matches.
        name: "StringLike, patterns sharing their literals, dense text",
        operator: "StringLike",
        value: sharing,
        hit: |i, len| text(pad(&sharing_hit(i), len, 'z')),
        miss: |_, len| text(dense(len)),
        one_long: true,
    },
    Case {
        // Keys found in the text at every character, several at once (each key ending at a
        // position is a suffix of the longest there), none of whose patterns match: the key
        // pass cannot stop early (most keys never occur).
        name: "StringLike, inner keys `*<i>?x*`, digit text",
        operator: "StringLike",
        value: |i| format!("*{i}?x*"),
        hit: |i, len| text(pad(&format!("{i}zx"), len, 'z')),
        miss: |_, len| {
            text(
                "0123456789"
                    .repeat(len / 10 + 1)
                    .chars()
                    .take(len)
                    .collect(),
            )
        },
        one_long: true,
    },
    Case {
        // The same list against text dense in the keys and in `x` (the byte each pattern
        // needs after its key: more than a quarter of the text), with no match: many
        // positions to check.
        name: "StringLike, inner keys `*<i>?x*`, digit text dense in `x`",
        operator: "StringLike",
        value: |i| format!("*{i}?x*"),
        hit: |i, len| text(pad(&format!("{i}zx"), len, 'z')),
        miss: |_, len| text("123zzxx".repeat(len / 7 + 1).chars().take(len).collect()),
        one_long: true,
    },
    Case {
        // Two floating segments (`{i}?x`, then `y`), pinned to the key as well: the text
        // after the key's segment (`y*`) is matched once per text (DESIGN.md, "Inner keys
        // that occur everywhere").
        name: "StringLike, inner keys `*<i>?x*y*`, digit text",
        operator: "StringLike",
        value: |i| format!("*{i}?x*y*"),
        hit: |i, len| text(pad(&format!("{i}zxy"), len, 'z')),
        miss: |_, len| {
            text(
                "0123456789"
                    .repeat(len / 10 + 1)
                    .chars()
                    .take(len)
                    .collect(),
            )
        },
        one_long: true,
    },
    Case {
        // Each pattern with its own text after its key's segment (`y<i>`, the key chosen, as
        // the longest of the keys no other pattern shares): the text before it (`*<i>?x`)
        // is a frame of its own, searched once per text for every key found (DESIGN.md,
        // "Inner keys that occur everywhere"). The text holds every key and no `x`.
        name: "StringLike, inner keys with a text of their own around them `*<i>?x*y<i>*`",
        operator: "StringLike",
        value: |i| format!("*{i}?x*y{i}*"),
        hit: |i, len| text(pad(&format!("{i}zxy{i}"), len, 'z')),
        miss: |_, len| {
            let mut s = String::new();
            let mut j = 0;
            while s.len() < len {
                s.push_str(&format!("y{j}"));
                j += 1;
            }
            s.truncate(len);
            text(s)
        },
        one_long: true,
    },
    Case {
        // The same list against the same text with one `x` in front: every frame's bytes
        // occur (`Pinned::needs`), but no frame's segment (`<i>?x`: nothing precedes the
        // `x`), which the one pass placing every frame finds through the `x` before any key
        // is walked (DESIGN.md, "Inner keys that occur everywhere").
        name: "StringLike, inner keys with a text of their own around them, the text holding one `x`",
        operator: "StringLike",
        value: |i| format!("*{i}?x*y{i}*"),
        hit: |i, len| text(pad(&format!("{i}zxy{i}"), len, 'z')),
        miss: |_, len| {
            let mut s = String::from("x");
            let mut j = 0;
            while s.len() < len {
                s.push_str(&format!("y{j}"));
                j += 1;
            }
            s.truncate(len);
            text(s)
        },
        one_long: true,
    },
    Case {
        // The same list against the same text with `0?x` in front: the segment of pattern 0's
        // frame occurs, so the keys are walked, each key found placing its frame from the
        // one pass over the text (DESIGN.md, "Inner keys that occur everywhere").
        name: "StringLike, inner keys with a text of their own around them, the text holding one `0?x`",
        operator: "StringLike",
        value: |i| format!("*{i}?x*y{i}*"),
        hit: |i, len| text(pad(&format!("{i}zxy{i}"), len, 'z')),
        miss: |_, len| {
            let mut s = String::from("y00zx");
            let mut j = 1;
            while s.len() < len {
                s.push_str(&format!("y{j}"));
                j += 1;
            }
            s.truncate(len);
            text(s)
        },
        one_long: true,
    },
    Case {
        // The same with one non-ASCII character: the bytes gating the pass no longer stand at
        // a fixed distance, so the keys are walked and, past a few frames, the segments too.
        name: "StringLike, inner keys with a text of their own around them, the text holding `é` and one `x`",
        operator: "StringLike",
        value: |i| format!("*{i}?x*y{i}*"),
        hit: |i, len| text(pad(&format!("{i}zxy{i}"), len, 'z')),
        miss: |_, len| {
            let mut s = String::from("éx");
            let mut j = 0;
            while s.len() < len {
                s.push_str(&format!("y{j}"));
                j += 1;
            }
            s.truncate(len);
            text(s)
        },
        one_long: true,
    },
    Case {
        // The list above with a byte of its own after each pattern's `?` (twenty letters, more
        // than the four a gated pass searches for), the text holding `0?a` in front: the keys
        // are walked, each key found placing its frame (DESIGN.md, "Inner keys that occur
        // everywhere").
        name: "StringLike, inner keys with a text of their own, more than four gating bytes `*<i>?<c>*y<i>*`",
        operator: "StringLike",
        value: |i| format!("*{i}?{}*y{i}*", gate_letter(i)),
        hit: |i, len| text(pad(&format!("{i}z{}y{i}", gate_letter(i)), len, 'z')),
        miss: |_, len| text(keys_after("y00za", len)),
        one_long: true,
    },
    Case {
        // The same shape with an anchor of more than 16 bytes in each frame's segment (no
        // gated pass), the text holding pattern 0's segment in front.
        name: "StringLike, inner keys with a text of their own, anchors over 16 bytes `*p<i>-0123456789abcdef?x*y<i>*`",
        operator: "StringLike",
        value: |i| format!("*p{i}-{LONG_ANCHOR}?x*y{i}*"),
        hit: |i, len| text(pad(&format!("p{i}-{LONG_ANCHOR}zxy{i}"), len, 'z')),
        miss: |_, len| text(keys_after(&format!("yp0-{LONG_ANCHOR}zx"), len)),
        one_long: true,
    },
    Case {
        // Frames whose segments are pairs of letters `<a>?<b>` (40 letters): every piece is
        // shared by 40 segments, so each letter of the text is an anchor that brings 40
        // segments to check, and the text (letters in pairs between the keys, never two
        // apart) holds every key and no segment.
        name: "StringLike, inner keys with frames of shared letters `*<a>?<b>*y<i>*`",
        operator: "StringLike",
        value: |i| format!("*{}*y{i}*", letter_pair(i)),
        hit: |i, len| {
            let (a, b) = letters(i);
            text(pad(&format!("{a}z{b}y{i}"), len, 'z'))
        },
        miss: |_, len| {
            let mut s = String::new();
            let mut j = 0;
            while s.len() < len {
                let (a, b) = letters(j);
                s.push_str(&format!("{a}{b}y{j}"));
                j += 1;
            }
            s.truncate(len);
            text(s)
        },
        one_long: true,
    },
    Case {
        // ARN patterns keyed inside their resource part, each tried in full once per text
        // where its key occurs: the text holds every key, and each pattern then searches the
        // rest of the text for a `q` it lacks.
        name: "ArnLike, inner keys in dense text `arn:aws:s3:::*-<i>-*q*`",
        operator: "ArnLike",
        value: |i| format!("arn:aws:s3:::*-{i}-*q*"),
        hit: |i, len| text(pad(&format!("arn:aws:s3:::-{i}-q"), len, 'z')),
        miss: |_, len| text(dashed("arn:aws:s3:::", len)),
        one_long: true,
    },
    Case {
        // The same for values with a policy variable (tried once per text where their key
        // occurs).
        name: "StringLike, a policy variable and inner keys in dense text `${aws:PrincipalTag/team}*-<i>-*q*`",
        operator: "StringLike",
        value: |i| format!("${{aws:PrincipalTag/team}}*-{i}-*q*"),
        hit: |i, len| text(pad(&format!("ops-{i}-q"), len, 'z')),
        miss: |_, len| text(dashed("ops", len)),
        one_long: true,
    },
    Case {
        // A policy variable before the wildcards: no literal key, each value resolved and
        // tried on its own.
        name: "StringLike, values with a policy variable `${aws:PrincipalTag/team}*-<i>-*`",
        operator: "StringLike",
        value: |i| format!("${{aws:PrincipalTag/team}}*-{i}-*"),
        hit: |i, len| text(pad(&format!("ops-{i}-"), len, 'z')),
        miss: |_, len| text(pad("ops", len, 'z')),
        one_long: true,
    },
    Case {
        // Every value begins with the same variable, and their remainders share their
        // literals: one group (the variable resolved once per request value), whose
        // remainders form one set.
        name: "StringLike, a policy variable then shared literals `${aws:PrincipalTag/team}*ab<?...>cd*`",
        operator: "StringLike",
        value: |i| format!("${{aws:PrincipalTag/team}}{}", sharing(i)),
        hit: |i, len| text(pad(&format!("ops{}", sharing_hit(i)), len, 'z')),
        miss: |_, len| text(pad("opsab", len, 'z')),
        one_long: true,
    },
    Case {
        // Literal text only between variables, against text dense in the separators.
        name: "StringLike, literals between variables `${aws:PrincipalTag/team}-<i>-${aws:PrincipalTag/team}*`",
        operator: "StringLike",
        value: |i| format!("${{aws:PrincipalTag/team}}-{i}-${{aws:PrincipalTag/team}}*"),
        hit: |i, len| text(pad(&format!("ops-{i}-ops"), len, 'z')),
        miss: |_, len| {
            text(
                format!("ops{}", "-0-1-2-3-4-5-6-7-8-9".repeat(len / 20 + 1))
                    .chars()
                    .take(len)
                    .collect(),
            )
        },
        one_long: true,
    },
    Case {
        // Beginning and ending with a variable, digits between, against digit text.
        name: "StringEquals, a variable at both ends `${aws:PrincipalTag/team}<i>${aws:PrincipalTag/team}`",
        operator: "StringEquals",
        value: |i| format!("${{aws:PrincipalTag/team}}{i}${{aws:PrincipalTag/team}}"),
        hit: |i, _| text(format!("ops{i}ops")),
        miss: |_, len| {
            text(
                format!("ops{}", "0123456789".repeat(len / 10 + 1))
                    .chars()
                    .take(len)
                    .collect(),
            )
        },
        one_long: true,
    },
    Case {
        name: "StringEqualsIgnoreCase, values with a policy variable `${aws:PrincipalTag/team}-<i>`",
        operator: "StringEqualsIgnoreCase",
        value: |i| format!("${{aws:PrincipalTag/team}}-{i}"),
        hit: |i, _| text(format!("OPS-{i}")),
        miss: |j, len| text(pad(&format!("OPS-{j}-"), len, '\u{212A}')),
        one_long: true,
    },
    Case {
        // A variable of its own per value, each with a default: nothing is shared, and a
        // variable's value is known only with the request.
        name: "StringEquals, a distinct variable per value `${aws:PrincipalTag/t<i>, 'v<i>'}`",
        operator: "StringEquals",
        value: |i| format!("${{aws:PrincipalTag/t{i}, 'v{i}'}}"),
        hit: |i, _| text(format!("v{i}")),
        miss: |j, len| text(pad(&format!("v{j}-"), len, 'z')),
        one_long: true,
    },
    Case {
        // The same after a literal prefix that every value shares, without regard to case.
        // (The single long value goes to the unqualified compiled path, which reads the
        // request value as text once per condition, not once per policy value.)
        name: "StringEqualsIgnoreCase, a shared prefix then a distinct variable `p-${aws:PrincipalTag/t<i>, 'v<i>'}`",
        operator: "StringEqualsIgnoreCase",
        value: |i| format!("p-${{aws:PrincipalTag/t{i}, 'v{i}'}}"),
        hit: |i, _| text(format!("P-V{i}")),
        miss: |j, len| text(pad(&format!("P-V{j}-"), len, '\u{212A}')),
        one_long: true,
    },
    Case {
        // A distinct variable then a wildcard: no literal text to key, no lead to share;
        // resolved once per decision and entered by the head before the wildcard.
        name: "StringLike, a distinct variable then a wildcard `${aws:PrincipalTag/t<i>, 'v<i>'}*`",
        operator: "StringLike",
        value: |i| format!("${{aws:PrincipalTag/t{i}, 'v{i}'}}*"),
        hit: |i, _| text(format!("v{i}-x")),
        miss: |j, len| text(pad(&format!("w{j}-"), len, 'z')),
        one_long: true,
    },
    Case {
        // Literal text of its own then one variable that has a value: no lead to share, and
        // every value names a variable the request sets, so each decision resolves every value
        // anew (not only those naming a variable with a value, as above).
        name: "StringEquals, literal text of its own then a shared variable `<i>-${aws:PrincipalTag/team}`",
        operator: "StringEquals",
        value: |i| format!("{i}-${{aws:PrincipalTag/team}}"),
        hit: |i, _| text(format!("{i}-ops")),
        miss: |j, len| text(pad(&format!("{j}-opz-"), len, 'z')),
        one_long: true,
    },
    Case {
        name: "StringEquals, values with a policy variable",
        operator: "StringEquals",
        value: |i| format!("${{aws:PrincipalTag/team}}-{i}"),
        hit: |i, _| text(format!("ops-{i}")),
        miss: |j, len| text(pad(&format!("ops-{j}-"), len, 'z')),
        one_long: true,
    },
    Case {
        name: "NumericEquals",
        operator: "NumericEquals",
        value: |i| i.to_string(),
        hit: |i, _| text(i.to_string()),
        miss: |j, _| text(format!("{j}.5")),
        one_long: false,
    },
    Case {
        name: "NumericLessThan",
        operator: "NumericLessThan",
        value: |i| i.to_string(),
        hit: |i, _| text(format!("-{i}")),
        miss: |j, _| text(format!("{}", 10_000_000 + j)),
        one_long: false,
    },
    Case {
        name: "DateEquals",
        operator: "DateEquals",
        value: |i| (1_767_225_600 + i).to_string(),
        hit: |i, _| text((1_767_225_600 + i).to_string()),
        miss: |j, _| text(format!("{}.5", 1_767_225_600 + j)),
        one_long: false,
    },
    Case {
        name: "DateGreaterThan",
        operator: "DateGreaterThan",
        value: |i| (1_767_225_600 + i).to_string(),
        hit: |_, _| text("2030-01-01T00:00:00Z".to_owned()),
        miss: |_, _| text("2020-01-01T00:00:00Z".to_owned()),
        one_long: false,
    },
    Case {
        name: "ArnLike, resource prefixes",
        operator: "ArnLike",
        value: |i| format!("arn:aws:s3:::b{i}/*"),
        hit: |i, len| text(pad(&format!("arn:aws:s3:::b{i}/"), len, 'k')),
        miss: |j, len| text(pad(&format!("arn:aws:s3:::b{j}x/"), len, 'k')),
        one_long: true,
    },
    Case {
        name: "ArnEquals, accounts",
        operator: "ArnEquals",
        value: |i| format!("arn:aws:iam::{:012}:role/*", i),
        hit: |i, len| text(pad(&format!("arn:aws:iam::{i:012}:role/"), len, 'r')),
        miss: |j, len| text(pad(&format!("arn:aws:iam::{j:012}:user/"), len, 'r')),
        one_long: true,
    },
    Case {
        name: "ArnLike, inner patterns `arn:aws:s3:::*-<i>-*`",
        operator: "ArnLike",
        value: |i| format!("arn:aws:s3:::*-{i}-*"),
        hit: |i, len| text(pad(&format!("arn:aws:s3:::z-{i}-"), len, 'z')),
        miss: |_, len| text(pad("arn:aws:s3:::", len, 'z')),
        one_long: true,
    },
    Case {
        // The StringLike rows above as ARN patterns: every pattern shares its first five
        // components and its literals (`s3`, `ab`, `cd`), so they form one group whose
        // resource parts are matched together.
        name: "ArnLike, patterns sharing their literals `arn:aws:s3:::*ab<?...>cd*`",
        operator: "ArnLike",
        value: |i| format!("arn:aws:s3:::{}", sharing(i)),
        hit: |i, len| text(pad(&format!("arn:aws:s3:::{}", sharing_hit(i)), len, 'z')),
        miss: |_, len| text(pad("arn:aws:s3:::ab", len, 'z')),
        one_long: true,
    },
    Case {
        // The same list against a resource part dense in both literals, never within the
        // longest pattern's reach (as for the StringLike dense-text row).
        name: "ArnLike, patterns sharing their literals, dense text",
        operator: "ArnLike",
        value: |i| format!("arn:aws:s3:::{}", sharing(i)),
        hit: |i, len| text(pad(&format!("arn:aws:s3:::{}", sharing_hit(i)), len, 'z')),
        miss: |_, len| text(format!("arn:aws:s3:::{}", dense(len.saturating_sub(13)))),
        one_long: true,
    },
    Case {
        name: "ArnLike, values with a policy variable `arn:aws:s3:::${aws:PrincipalTag/team}/<i>/*`",
        operator: "ArnLike",
        value: |i| format!("arn:aws:s3:::${{aws:PrincipalTag/team}}/{i}/*"),
        hit: |i, len| text(pad(&format!("arn:aws:s3:::ops/{i}/"), len, 'k')),
        miss: |j, len| text(pad(&format!("arn:aws:s3:::ops/{j}x/"), len, 'k')),
        one_long: true,
    },
    Case {
        // ARN patterns that begin their resource part with a variable, then share their
        // literals (as the StringLike row above).
        name: "ArnLike, a policy variable then shared literals `arn:aws:s3:::${aws:PrincipalTag/team}/*ab<?...>cd*`",
        operator: "ArnLike",
        value: |i| format!("arn:aws:s3:::${{aws:PrincipalTag/team}}/{}", sharing(i)),
        hit: |i, len| {
            text(pad(
                &format!("arn:aws:s3:::ops/{}", sharing_hit(i)),
                len,
                'z',
            ))
        },
        miss: |_, len| text(pad("arn:aws:s3:::ops/ab", len, 'z')),
        one_long: true,
    },
    Case {
        name: "IpAddress",
        operator: "IpAddress",
        value: |i| format!("10.{}.{}.0/24", i / 256 % 256, i % 256),
        hit: |i, _| text(format!("10.{}.{}.9", i / 256 % 256, i % 256)),
        miss: |j, _| text(format!("2001:db8::{:x}", j)),
        one_long: false,
    },
    Case {
        name: "BinaryEquals",
        operator: "BinaryEquals",
        value: |i| base64(&format!("v{i}")),
        hit: |i, _| text(base64(&format!("v{i}"))),
        miss: |j, len| text(base64(&pad(&format!("w{j}"), len * 3 / 4, 'z'))),
        one_long: true,
    },
    Case {
        name: "Bool",
        operator: "Bool",
        value: |_| "true".to_owned(),
        hit: |_, _| text("true".to_owned()),
        miss: |_, _| text("false".to_owned()),
        one_long: false,
    },
];

/// Standard base64 with padding (a bench-local encoder, so the bench needs no dependency).
fn base64(s: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A policy document size limit.
#[derive(Clone, Copy)]
struct Size {
    label: &'static str,
    chars: usize,
}

const SIZES: &[Size] = &[
    Size {
        label: "managed 6,144",
        chars: 6_144,
    },
    Size {
        label: "resource 20,480",
        chars: 20_480,
    },
    Size {
        label: "parser 1 MiB",
        chars: Limits::DEFAULT_MAX_SIZE,
    },
];

const KEY: &str = "app:k";

/// The document with as many values of `case` as fit in `chars` characters (compact JSON),
/// and how many that is.
fn document(case: &Case, operator: &str, chars: usize) -> (String, usize) {
    let head = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"{operator}":{{"{KEY}":["#
    );
    let tail = "]}}}}";
    let mut body = String::new();
    let mut count = 0;
    loop {
        let value = serde_json::Value::String((case.value)(count)).to_string();
        let extra = value.len() + usize::from(count > 0);
        if head.len() + body.len() + extra + tail.len() > chars {
            break;
        }
        if count > 0 {
            body.push(',');
        }
        body.push_str(&value);
        count += 1;
    }
    (format!("{head}{body}{tail}"), count)
}

/// One benchmark: the compiled policy, the prepared request and the expected decision.
struct Setup {
    label: String,
    values: usize,
    compiled: CompiledPolicySet,
    prepared: PreparedRequest,
    want: Decision,
}

fn setup(case: &Case, shape: Shape, size: Size) -> Setup {
    let operator = match shape {
        Shape::AllHit => format!("ForAllValues:{}", case.operator),
        Shape::AnyMiss => format!("ForAnyValue:{}", case.operator),
        Shape::OneLong => case.operator.to_owned(),
    };
    let (doc, m) = document(case, &operator, size.chars);
    let options = ParseOptions::default();
    let policy = parse_policy_with(&doc, PolicyType::Identity, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let mut set = PolicySet::new();
    set.add(PolicyKind::Identity, policy);
    let compiled = set.compile();
    // The byte budget shared by the request values, less room for the keys and the tag.
    let budget = MAX_CONTEXT_BYTES - 1_024;
    let value = match shape {
        Shape::AllHit => {
            let len = budget / MAX_CONTEXT_VALUES;
            ContextValue::Multi(
                (0..MAX_CONTEXT_VALUES)
                    .map(|j| (case.hit)((m - 1) - j * (m - 1) / MAX_CONTEXT_VALUES, len))
                    .collect(),
            )
        }
        Shape::AnyMiss => {
            let len = budget / MAX_CONTEXT_VALUES;
            ContextValue::Multi(
                (0..MAX_CONTEXT_VALUES)
                    .map(|j| (case.miss)(j, len))
                    .collect(),
            )
        }
        Shape::OneLong => ContextValue::Single((case.miss)(0, budget)),
    };
    let request = Request::builder()
        .principal("arn:aws:iam::111122223333:user/alice")
        .action("s3:GetObject")
        .resource("arn:aws:s3:::b/k")
        .context_value(
            "aws:PrincipalTag/team",
            ContextValue::Single(text("ops".to_owned())),
        )
        .context_value(KEY, value)
        .build()
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let want = if shape == Shape::AllHit {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    };
    let got = compiled.evaluate(&request).decision();
    assert_eq!(got, want, "{} {} {}", case.name, shape.label(), size.label);
    let prepared = PreparedRequest::new(request);
    assert_eq!(compiled.evaluate_prepared(&prepared).decision(), want);
    Setup {
        label: label(case, shape, size),
        values: m,
        compiled,
        prepared,
        want,
    }
}

fn label(case: &Case, shape: Shape, size: Size) -> String {
    format!("{} / {} / {}", case.name, shape.label(), size.label)
}

/// Every case whose label holds `filter` (all without one).
fn setups(filter: Option<&str>) -> Vec<Setup> {
    let mut out = Vec::new();
    for case in CASES {
        for shape in [Shape::AllHit, Shape::AnyMiss, Shape::OneLong] {
            if shape == Shape::OneLong && !case.one_long {
                continue;
            }
            for &size in SIZES {
                if filter.is_none_or(|f| label(case, shape, size).contains(f)) {
                    out.push(setup(case, shape, size));
                }
            }
        }
    }
    out
}

/// One timed decision: a function of its own, so that callgrind can count its instructions
/// (`--toggle-collect='*profiled_decide*'`).
#[inline(never)]
fn profiled_decide(s: &Setup) -> Decision {
    black_box(&s.compiled)
        .evaluate_prepared(black_box(&s.prepared))
        .decision()
}

/// One row of the table: its median in ms. A function of its own, so that callgrind can write
/// one profile per row (`--dump-after='*profiled_row*'`).
#[inline(never)]
fn profiled_row(s: &Setup, forced_runs: Option<usize>) -> f64 {
    // 31 decisions, or 5 for a case so slow that 31 would hold the table up for minutes.
    let decide = || {
        let start = Instant::now();
        let d = black_box(&s.compiled)
            .evaluate_prepared(black_box(&s.prepared))
            .decision();
        assert_eq!(d, s.want);
        start.elapsed().as_secs_f64()
    };
    let runs = match forced_runs {
        Some(n) => n,
        None if decide() > 0.05 => 5,
        None => 31,
    };
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let d = profiled_decide(s);
            let t = start.elapsed().as_secs_f64() * 1e3;
            assert_eq!(d, s.want);
            t
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let slowest = times[times.len() - 1];
    println!(
        "| {} | {} | {median:.3} ms | {slowest:.3} ms |",
        s.label, s.values
    );
    median
}

/// Prints the table: median and slowest of 31 decisions per case (5 past 50 ms;
/// `IAM_POLICY_ADVERSARIAL_RUNS=<n>`: `n` each, for instruction counts per decision:
/// `valgrind --tool=callgrind --toggle-collect='*profiled_decide*'`, the total over `n`).
fn table(setups: &[Setup]) {
    let forced_runs = std::env::var("IAM_POLICY_ADVERSARIAL_RUNS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0);
    println!("| case | policy values | median | slowest |");
    println!("| --- | ---: | ---: | ---: |");
    let mut over = Vec::new();
    for s in setups {
        if profiled_row(s, forced_runs) >= 1.0 {
            over.push(&s.label);
        }
    }
    if over.is_empty() {
        println!("every case under 1 ms (median)");
    } else {
        println!("{} case(s) at 1 ms or more (median):", over.len());
        for label in over {
            println!("  {label}");
        }
    }
}

fn bench(c: &mut Criterion, setups: &[Setup]) {
    let mut group = c.benchmark_group("adversarial");
    group.sample_size(10);
    for s in setups {
        group.bench_function(BenchmarkId::from_parameter(&s.label), |b| {
            b.iter(|| {
                black_box(&s.compiled)
                    .evaluate_prepared(black_box(&s.prepared))
                    .decision()
            });
        });
    }
    group.finish();
}

fn main() {
    let only = std::env::var("IAM_POLICY_ADVERSARIAL_TABLE").ok();
    let setups = setups(only.as_deref().filter(|f| *f != "1"));
    table(&setups);
    if only.is_some() {
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &setups);
    c.final_summary();
}
