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
use std::marker::PhantomData;

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

/// The end of a request text that a group compares from: the front for the groups by lead
/// ([`Front`]), the back for the groups by trail ([`Back`]). One walk serves both
/// ([`Groups::any`]); the side-specific steps are these.
trait End {
    /// `text` without the literal `lit` at this end (`fold`: without regard to case).
    fn strip<'t>(text: &'t str, lit: &str, fold: bool) -> Option<&'t str>;
    /// Whether `test` holds for some value of `keyed` whose key starts `text` read from this
    /// end (`fold`: each character folded, [`folded_byte`]).
    fn walk(keyed: &Keyed, text: &str, fold: bool, test: impl FnMut(At) -> bool) -> bool;
    /// The key of a group's literal (folded when so), as [`End::walk`] reads it.
    fn key(lit: String) -> Box<[u8]>;
}

/// Groups by lead: `L${V}R_1`, `L${V}R_2`, … (module docs).
#[derive(Clone, Copy, Debug, Default)]
struct Front;

/// Groups by trail: `R_1${V}T`, `R_2${V}T`, … (the same last variable `V`, with the same
/// default, then the same literal text `T`, nothing else after it). A request text matches
/// one of them exactly when it ends with `T`, before that with `V`'s value (or its default),
/// and the text before that matches one of the remainders `R_i`: a text matched by a template
/// ending in literal text is a text matched by the rest followed by that literal text
/// (compared one character at a time from the end, as the glob compares its last segment).
/// So the templates of a list that each hold literal text of their own before one shared
/// variable (`<i>-${aws:PrincipalTag/team}`) cost one resolution and one comparison per
/// request text, then a look-up among the remainders, rather than resolving them all anew
/// whenever the variable has a value (`resolved`).
#[derive(Clone, Copy, Debug, Default)]
struct Back;

impl End for Front {
    #[inline]
    fn strip<'t>(text: &'t str, lit: &str, fold: bool) -> Option<&'t str> {
        strip_lit_prefix(text, lit, fold)
    }

    #[inline]
    fn walk(keyed: &Keyed, text: &str, fold: bool, test: impl FnMut(At) -> bool) -> bool {
        if fold {
            keyed.any(text.chars().map(folded_byte), test)
        } else {
            keyed.any(text.bytes(), test)
        }
    }

    fn key(lit: String) -> Box<[u8]> {
        lit.into_bytes().into_boxed_slice()
    }
}

impl End for Back {
    #[inline]
    fn strip<'t>(text: &'t str, lit: &str, fold: bool) -> Option<&'t str> {
        strip_lit_suffix(text, lit, fold)
    }

    #[inline]
    fn walk(keyed: &Keyed, text: &str, fold: bool, test: impl FnMut(At) -> bool) -> bool {
        if fold {
            keyed.any(text.chars().rev().map(folded_byte), test)
        } else {
            keyed.any(text.bytes().rev(), test)
        }
    }

    fn key(lit: String) -> Box<[u8]> {
        lit.bytes().rev().collect()
    }
}

/// One group: its literal (`L` of a lead, `T` of a trail), the variable, the remainders and
/// their index.
#[derive(Clone, Debug)]
struct Group {
    /// The literal, the fixed variables (`${*}`, …) replaced.
    lit: Box<str>,
    /// `V`'s key (ASCII-lower-cased) and default.
    key: Box<str>,
    default: Option<Box<str>>,
    /// The rest of each template (after `${V}` of a lead, before it for a trail), parsed
    /// with the template's options.
    remainders: TemplateList,
}

impl Group {
    /// Whether `text` matches one of the group's templates (the answer of trying each): the
    /// literal, then the variable's value (the request's, else the default), stripped from
    /// `E`'s end, and the rest matched by a remainder. A variable without a value or a default
    /// matches nothing.
    #[inline]
    fn matches<'a, E: End>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        let Some(value) = resolve(&self.key).or(self.default.as_deref()) else {
            return false;
        };
        E::strip(text, &self.lit, fold)
            .and_then(|rest| E::strip(rest, value, fold))
            .is_some_and(|rest| self.remainders.any(rest, fold, resolve))
    }
}

/// The groups of one end: by their literal read from that end (ASCII-lower-cased without
/// regard to case), and those without a literal to key them.
#[derive(Clone, Debug)]
struct Groups<E> {
    groups: Box<[Group]>,
    keyed: Keyed,
    /// The groups without a literal to key them (empty, or not ASCII without regard to
    /// case).
    loose: Box<[At]>,
    end: PhantomData<E>,
}

impl<E> Default for Groups<E> {
    fn default() -> Self {
        Self {
            groups: Box::default(),
            keyed: Keyed::default(),
            loose: Box::default(),
            end: PhantomData,
        }
    }
}

/// What a group's templates share at one end: the literal, the variable's key and its
/// default.
type Shared<'t> = (&'t str, &'t str, Option<&'t str>);

/// The templates' shared ends: each `(literal, key, default)` that `from` or more of the
/// templates have (their positions, in list order), in no particular order.
fn shared<'t>(
    ends: impl Iterator<Item = Option<Shared<'t>>>,
    from: usize,
) -> Vec<(Shared<'t>, Vec<usize>)> {
    let mut shared: HashMap<Shared<'t>, Vec<usize>> = HashMap::new();
    for (i, end) in ends.enumerate() {
        if let Some(end) = end {
            shared.entry(end).or_default().push(i);
        }
    }
    shared
        .into_iter()
        .filter(|(_, members)| members.len() >= from)
        .collect()
}

/// The templates not `grouped`.
fn ungrouped<'t>(templates: Vec<(At, &'t Template)>, grouped: &[bool]) -> Vec<(At, &'t Template)> {
    templates
        .into_iter()
        .zip(grouped)
        .filter(|(_, grouped)| !**grouped)
        .map(|(template, _)| template)
        .collect()
}

impl<E: End> Groups<E> {
    /// One group per shared end (in the order given), of its members' remainders
    /// (`remainder`, by position; a member without one is left out); marks the members
    /// grouped. `depth` as for [`Leads::build`].
    fn new(
        shared: Vec<(Shared<'_>, Vec<usize>)>,
        mut remainder: impl FnMut(usize) -> Option<Template>,
        grouped: &mut [bool],
        (like, fold, depth): (bool, bool, usize),
    ) -> Self {
        let mut groups = Vec::new();
        let mut keys = Vec::new();
        let mut loose = Vec::new();
        for ((lit, key, default), members) in shared {
            let Ok(id) = At::try_from(groups.len()) else {
                break;
            };
            let mut remainders = Vec::with_capacity(members.len());
            for i in members {
                if let (Some(remainder), Some(flag)) = (remainder(i), grouped.get_mut(i)) {
                    remainders.push(remainder);
                    *flag = true;
                }
            }
            let folded = if fold {
                lit.is_ascii().then(|| lit.to_ascii_lowercase())
            } else {
                Some(lit.to_owned())
            };
            match folded.filter(|lit| !lit.is_empty()) {
                Some(lit) => keys.push((E::key(lit), id)),
                None => loose.push(id),
            }
            groups.push(Group {
                lit: lit.into(),
                key: key.into(),
                default: default.map(Box::from),
                remainders: TemplateList::new(remainders, like, fold, depth + 1),
            });
        }
        Self {
            groups: groups.into_boxed_slice(),
            keyed: Keyed::new(keys),
            loose: loose.into_boxed_slice(),
            end: PhantomData,
        }
    }

    /// Whether `text` matches a template of some group (`fold`: without regard to case).
    #[inline]
    fn any<'a>(
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
                .is_some_and(|group| group.matches::<E>(text, fold, resolve))
        };
        E::walk(&self.keyed, text, fold, test) || self.loose.iter().any(|&id| test(id))
    }
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
    /// The groups by their lead.
    leads: Groups<Front>,
    /// The groups by their trail, of the templates no lead groups.
    tails: Groups<Back>,
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
    /// [`LEAD_FROM`] − 1 or more others, then those left that share their trail with
    /// [`TAIL_FROM`] − 1 or more others (the [`TAILS_MAX`] largest groups); returns the groups
    /// and the templates left over. `depth` is how many groups this list is nested in.
    pub(super) fn build(
        templates: Vec<(At, &Template)>,
        like: bool,
        fold: bool,
        depth: usize,
    ) -> (Self, Vec<(At, &Template)>) {
        if depth >= MAX_DEPTH {
            return (Self::default(), templates);
        }
        let options = (like, fold, depth);
        let heads = templates
            .iter()
            .map(|&(_, t)| head(t).map(|(lead, key, default, _)| (lead, key, default)));
        let mut by_lead = shared(heads, LEAD_FROM);
        // In list order (the groups came out of a hash map).
        by_lead.sort_unstable_by_key(|(_, members)| members.first().copied());
        let mut grouped = vec![false; templates.len()];
        let after_lead = |i: usize| {
            let &(_, template) = templates.get(i)?;
            let (.., end) = head(template)?;
            let text = template.as_str().get(end..)?;
            Template::parse(text, template.options()).ok()
        };
        let leads = Groups::new(by_lead, after_lead, &mut grouped, options);
        let templates = ungrouped(templates, &grouped);

        let mut ends: Vec<_> = templates.iter().map(|&(_, t)| tail(t)).collect();
        let trails = ends.iter().map(|end| {
            end.as_ref()
                .map(|&(trail, key, default, _)| (trail, key, default))
        });
        let mut by_trail = shared(trails, TAIL_FROM);
        // The largest first, then in list order (the groups came out of a hash map).
        by_trail.sort_unstable_by_key(|(_, members)| {
            (std::cmp::Reverse(members.len()), members.first().copied())
        });
        by_trail.truncate(TAILS_MAX);
        let mut grouped = vec![false; templates.len()];
        let before_trail = |i: usize| Some(ends.get_mut(i)?.take()?.3);
        let tails = Groups::new(by_trail, before_trail, &mut grouped, options);
        (Self { leads, tails }, ungrouped(templates, &grouped))
    }

    /// Whether `text` matches a template of some group (`fold`: without regard to case).
    pub(super) fn any<'a>(
        &self,
        text: &str,
        fold: bool,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        self.leads.any(text, fold, resolve) || self.tails.any(text, fold, resolve)
    }

    /// How many groups by their lead there are.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.leads.groups.len()
    }

    /// How many groups by their trail there are.
    #[cfg(test)]
    pub(super) fn tails_len(&self) -> usize {
        self.tails.groups.len()
    }
}
