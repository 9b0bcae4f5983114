//! Templates grouped by their lead: `L${V}R_1`, `L${V}R_2`, … (literal text `L`, then the same
//! variable `V` with the same default, nothing else before it). A request text matches one of
//! them exactly when it starts with `L`, then with `V`'s value (or its default), and the text
//! after that matches one of the remainders `R_i` (the template's glob matches its leading
//! literal tokens one character at a time from the start: `wildcard::strip_lit_prefix`). So a
//! group resolves `V` and compares its lead once per request text, and its remainders are a
//! value list of their own, indexed as the entry's values are ([`index_strings`]: literal
//! remainders sorted, the others keyed by their literal text, matched as a `WildcardSet`, or
//! grouped by their own lead). Without this, each such template was resolved and tried once
//! per request text, and templates that begin with a variable offer no prefix key.

use std::collections::HashMap;

use super::{At, Keyed, Kind, Source, folded_byte, index_strings, strings_any};
use crate::condition::ops::string;
use crate::variables::{Part, Template};
use crate::wildcard::{strip_lit_prefix, strip_lit_suffix};

/// Templates sharing a lead form a group from this many on.
const LEAD_FROM: usize = 2;

/// Templates sharing a trail (their last variable and the literal text after it) form a
/// group from this many on...
/// (Lower in unit tests, so that random lists form such groups.)
const TAIL_FROM: usize = if cfg!(test) { 3 } else { 8 };

/// ... and a list has at most this many such groups (the largest), each tried for every
/// request text whose end its literal trail matches: a request text costs a few groups, not
/// one per variable of the list. (Lower in unit tests, so that random lists pass it.)
const TAILS_MAX: usize = if cfg!(test) { 3 } else { 8 };

/// How deep groups nest (`${a}${b}${c}…`: a group's remainders group by their own lead);
/// deeper remainders are tried one by one in their group. Bounds the recursion of building
/// and matching whatever the number of variables in a template.
const MAX_DEPTH: usize = 4;

/// Templates of their own with their index: a group's remainders, or the resource parts of a
/// group of ARN patterns (`engine::index::ArnGroup`).
#[derive(Clone, Debug)]
pub(super) struct TemplateList {
    templates: Box<[Template]>,
    /// Their index (`Kind::Strings`, or `Kind::Folded` without regard to case).
    index: Kind,
    /// The templates the index does not hold, tried one by one.
    rest: Box<[At]>,
}

impl TemplateList {
    /// The templates indexed (`index_strings`); `depth` as for [`Leads::build`].
    pub(super) fn new(templates: Vec<Template>, like: bool, fold: bool, depth: usize) -> Self {
        let mut rest = Vec::new();
        let index = {
            let list = templates
                .iter()
                .enumerate()
                .filter_map(|(at, t)| Some((At::try_from(at).ok()?, t)))
                .collect();
            let source = Source::Remainders(&templates);
            index_strings(list, source, like, fold, depth, &mut rest, None)
        };
        Self {
            templates: templates.into_boxed_slice(),
            index,
            rest: rest.into_boxed_slice(),
        }
    }

    /// Whether `text` matches one of the templates (the answer of trying each).
    pub(super) fn any<'a>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        let source = Source::Remainders(&self.templates);
        strings_any(&self.index, source, text, resolve)
            || self.rest.iter().any(|&at| {
                source
                    .template(at)
                    .is_some_and(|t| string::matches(text, t, fold, resolve))
            })
    }

    /// How many templates there are.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.templates.len()
    }
}

/// One group: the lead, the variable, the remainders and their index.
#[derive(Clone, Debug)]
struct Lead {
    /// `L`, the fixed variables (`${*}`, …) replaced.
    lead: Box<str>,
    /// `V`'s key (ASCII-lower-cased) and default.
    key: Box<str>,
    default: Option<Box<str>>,
    /// The text after `${V}` of each template, parsed with the template's options.
    remainders: TemplateList,
}

impl Lead {
    /// Whether `text` matches one of the group's templates (the answer of trying each).
    fn matches<'a>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        let (key, default) = (&*self.key, self.default.as_deref());
        strip_fixed(
            text,
            &self.lead,
            key,
            default,
            fold,
            resolve,
            strip_lit_prefix,
        )
        .is_some_and(|after| self.remainders.any(after, fold, resolve))
    }
}

/// One group by its trail: `R_1${V}T`, `R_2${V}T`, … (the same last variable `V`, with the
/// same default, then the same literal text `T`, nothing else after it). A request text
/// matches one of them exactly when it ends with `T`, before that with `V`'s value (or its
/// default), and the text before that matches one of the remainders `R_i`: a text matched by a
/// template ending in literal text is a text matched by the rest followed by that literal text
/// (compared one character at a time from the end, as the glob compares its last segment).
/// So the templates of a list that each hold literal text of their own before one shared
/// variable (`<i>-${aws:PrincipalTag/team}`) cost one resolution and one comparison per
/// request text, then a look-up among the remainders, rather than resolving them all anew
/// whenever the variable has a value (`resolved`).
#[derive(Clone, Debug)]
struct Tail {
    /// `T`, the fixed variables (`${*}`, …) replaced.
    trail: Box<str>,
    /// `V`'s key (ASCII-lower-cased) and default.
    key: Box<str>,
    default: Option<Box<str>>,
    /// The text before `${V}` of each template, parsed with the template's options.
    remainders: TemplateList,
}

impl Tail {
    /// Whether `text` matches one of the group's templates (the answer of trying each).
    fn matches<'a>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        let (key, default) = (&*self.key, self.default.as_deref());
        strip_fixed(
            text,
            &self.trail,
            key,
            default,
            fold,
            resolve,
            strip_lit_suffix,
        )
        .is_some_and(|before| self.remainders.any(before, fold, resolve))
    }
}

/// The part of `text` left once a group's fixed literal `lit` and then its variable's value
/// (the request's, else the default) are stripped from one end (`strip`: from the front for a
/// [`Lead`], from the back for a [`Tail`]); `None` when they are not there, or when the variable
/// has no value and no default (such a template matches nothing).
fn strip_fixed<'t, 'a>(
    text: &'t str,
    lit: &str,
    key: &str,
    default: Option<&str>,
    fold: bool,
    resolve: impl Fn(&str) -> Option<&'a str>,
    strip: fn(&'t str, &str, bool) -> Option<&'t str>,
) -> Option<&'t str> {
    let value = resolve(key).or(default)?;
    strip(text, lit, fold).and_then(|rest| strip(rest, value, fold))
}

/// What ends a template: the literal text after its last variable, that variable's key and
/// default, and the template before it, parsed with the template's options (`None`: a
/// wildcard follows the last variable, there is none, or the text before it does not parse
/// to the template's own parts before it).
fn tail(template: &Template) -> Option<(&str, &str, Option<&str>, Template)> {
    let parts = template.parts();
    let (before, key, default, trail) = match parts.as_slice() {
        [before @ .., Part::Var { key, default, .. }] => (before, *key, *default, ""),
        [
            before @ ..,
            Part::Var { key, default, .. },
            Part::Lit(trail),
        ] => (before, *key, *default, *trail),
        _ => return None,
    };
    let last = template.variable_infos().last()?;
    if last.key != key || last.default != default {
        return None;
    }
    let text = template.as_str().get(..last.span.start)?;
    let remainder = Template::parse(text, template.options()).ok()?;
    (remainder.parts() == before).then_some((trail, key, default, remainder))
}

/// The groups of a String index ([`Kind::Strings`], [`Kind::Folded`]).
#[derive(Clone, Debug, Default)]
pub(super) struct Leads {
    groups: Box<[Lead]>,
    /// The groups by their lead (ASCII-lower-cased without regard to case).
    keyed: Keyed,
    /// The groups without a lead to key them (empty, or not ASCII without regard to case).
    loose: Box<[At]>,
    /// The groups by their trail, of the templates no lead groups ([`Tail`]).
    tails: Box<[Tail]>,
    /// The trail groups by their trail, reversed (ASCII-lower-cased without regard to case).
    tails_keyed: Keyed,
    /// The trail groups without a trail to key them.
    tails_loose: Box<[At]>,
}

/// What starts a template: its literal lead, the key and default of its first variable, and
/// where its text continues after that variable (`None`: a wildcard comes first, or no
/// variable).
fn head(template: &Template) -> Option<(&str, &str, Option<&str>, usize)> {
    let mut lead = "";
    for part in template.parts() {
        match part {
            // Literal text is merged: one part at most before the variable.
            Part::Lit(text) if lead.is_empty() => lead = text,
            Part::Var { key, default, end } => return Some((lead, key, default, end)),
            _ => return None,
        }
    }
    None
}

impl Leads {
    /// Groups the templates (position, template; none literal) that share their lead with
    /// [`LEAD_FROM`] − 1 or more others; returns the groups and the templates left over.
    /// `depth` is how many groups this list is nested in.
    pub(super) fn build(
        templates: Vec<(At, &Template)>,
        like: bool,
        fold: bool,
        depth: usize,
    ) -> (Self, Vec<(At, &Template)>) {
        if depth >= MAX_DEPTH {
            return (Self::default(), templates);
        }
        let mut shared: HashMap<(&str, &str, Option<&str>), Vec<usize>> = HashMap::new();
        for (i, (_, template)) in templates.iter().enumerate() {
            if let Some((lead, key, default, _)) = head(template) {
                shared.entry((lead, key, default)).or_default().push(i);
            }
        }
        let mut shared: Vec<_> = shared
            .into_iter()
            .filter(|(_, members)| members.len() >= LEAD_FROM)
            .collect();
        // In list order (the groups came out of a hash map).
        shared.sort_unstable_by_key(|(_, members)| members.first().copied());
        let mut grouped = vec![false; templates.len()];
        let mut groups = Vec::new();
        let mut keys = Vec::new();
        let mut loose = Vec::new();
        for ((lead, key, default), members) in shared {
            let Ok(id) = At::try_from(groups.len()) else {
                break;
            };
            let mut remainders = Vec::with_capacity(members.len());
            for &i in &members {
                let Some(&(_, template)) = templates.get(i) else {
                    continue;
                };
                let remainder = head(template)
                    .and_then(|(.., end)| template.as_str().get(end..))
                    .and_then(|text| Template::parse(text, template.options()).ok());
                if let (Some(remainder), Some(flag)) = (remainder, grouped.get_mut(i)) {
                    remainders.push(remainder);
                    *flag = true;
                }
            }
            let folded = if fold {
                lead.is_ascii().then(|| lead.to_ascii_lowercase())
            } else {
                Some(lead.to_owned())
            };
            match folded.filter(|lead| !lead.is_empty()) {
                Some(lead) => keys.push((lead.into_bytes().into_boxed_slice(), id)),
                None => loose.push(id),
            }
            groups.push(Lead {
                lead: lead.into(),
                key: key.into(),
                default: default.map(Box::from),
                remainders: TemplateList::new(remainders, like, fold, depth + 1),
            });
        }
        let left: Vec<(At, &Template)> = templates
            .into_iter()
            .zip(grouped)
            .filter(|(_, grouped)| !grouped)
            .map(|(template, _)| template)
            .collect();
        let (tails, tails_keyed, tails_loose, left) = Self::tails(left, like, fold, depth);
        let leads = Self {
            groups: groups.into_boxed_slice(),
            keyed: Keyed::new(keys),
            loose: loose.into_boxed_slice(),
            tails,
            tails_keyed,
            tails_loose,
        };
        (leads, left)
    }

    /// Groups the templates that share their trail with [`TAIL_FROM`] − 1 or more others
    /// (the [`TAILS_MAX`] largest groups); returns the groups, keyed and loose, and the
    /// templates left over.
    #[expect(
        clippy::type_complexity,
        reason = "the parts of `Leads` that hold the trail groups, and what is left"
    )]
    fn tails(
        templates: Vec<(At, &Template)>,
        like: bool,
        fold: bool,
        depth: usize,
    ) -> (Box<[Tail]>, Keyed, Box<[At]>, Vec<(At, &Template)>) {
        let mut ends: Vec<Option<(&str, &str, Option<&str>, Template)>> =
            templates.iter().map(|(_, t)| tail(t)).collect();
        let mut shared: HashMap<(&str, &str, Option<&str>), Vec<usize>> = HashMap::new();
        for (i, end) in ends.iter().enumerate() {
            if let Some((trail, key, default, _)) = end {
                shared.entry((trail, key, *default)).or_default().push(i);
            }
        }
        let mut shared: Vec<_> = shared
            .into_iter()
            .filter(|(_, members)| members.len() >= TAIL_FROM)
            .collect();
        // The largest first, then in list order (the groups came out of a hash map).
        shared.sort_unstable_by_key(|(_, members)| {
            (std::cmp::Reverse(members.len()), members.first().copied())
        });
        shared.truncate(TAILS_MAX);
        // Owned, so that `ends` can give up its remainders.
        let shared: Vec<((Box<str>, Box<str>, Option<Box<str>>), Vec<usize>)> = shared
            .into_iter()
            .map(|((trail, key, default), members)| {
                ((trail.into(), key.into(), default.map(Box::from)), members)
            })
            .collect();
        let mut grouped = vec![false; templates.len()];
        let mut tails = Vec::new();
        let mut keys = Vec::new();
        let mut loose = Vec::new();
        for ((trail, key, default), members) in shared {
            let Ok(id) = At::try_from(tails.len()) else {
                break;
            };
            let mut remainders = Vec::with_capacity(members.len());
            for &i in &members {
                let remainder = ends.get_mut(i).and_then(Option::take);
                if let (Some((.., remainder)), Some(flag)) = (remainder, grouped.get_mut(i)) {
                    remainders.push(remainder);
                    *flag = true;
                }
            }
            let folded = if fold {
                trail.is_ascii().then(|| trail.to_ascii_lowercase())
            } else {
                Some(trail.to_string())
            };
            match folded.filter(|trail| !trail.is_empty()) {
                Some(trail) => keys.push((trail.bytes().rev().collect(), id)),
                None => loose.push(id),
            }
            tails.push(Tail {
                trail,
                key,
                default,
                remainders: TemplateList::new(remainders, like, fold, depth + 1),
            });
        }
        let left = templates
            .into_iter()
            .zip(grouped)
            .filter(|(_, grouped)| !grouped)
            .map(|(template, _)| template)
            .collect();
        (
            tails.into_boxed_slice(),
            Keyed::new(keys),
            loose.into_boxed_slice(),
            left,
        )
    }

    /// Whether `text` matches a template of some group (`fold`: without regard to case).
    pub(super) fn any<'a>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        self.any_lead(text, fold, resolve) || self.any_tail(text, fold, resolve)
    }

    /// Whether `text` matches a template of some group by its lead.
    fn any_lead<'a>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        if self.groups.is_empty() {
            return false;
        }
        let test = |id: At| {
            self.groups
                .get(id as usize)
                .is_some_and(|group| group.matches(text, fold, resolve))
        };
        let keyed = if fold {
            self.keyed.any(text.chars().map(folded_byte), test)
        } else {
            self.keyed.any(text.bytes(), test)
        };
        keyed || self.loose.iter().any(|&id| test(id))
    }

    /// Whether `text` matches a template of some group by its trail.
    fn any_tail<'a>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        if self.tails.is_empty() {
            return false;
        }
        let test = |id: At| {
            self.tails
                .get(id as usize)
                .is_some_and(|group| group.matches(text, fold, resolve))
        };
        let keyed = if fold {
            self.tails_keyed
                .any(text.chars().rev().map(folded_byte), test)
        } else {
            self.tails_keyed.any(text.bytes().rev(), test)
        };
        keyed || self.tails_loose.iter().any(|&id| test(id))
    }

    /// How many groups by their lead there are.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.groups.len()
    }

    /// How many groups by their trail there are.
    #[cfg(test)]
    pub(super) fn tails_len(&self) -> usize {
        self.tails.len()
    }
}
