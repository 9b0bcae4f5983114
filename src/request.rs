//! The request side: who asks to do what to which resource, in which context.
//!
//! Owns [`Request`], its builder, and the request [`Context`] (condition keys, compared without
//! regard to case, each absent, single-valued or multi-valued).

/// One scalar context value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContextScalar {
    /// A string.
    String(String),
    /// A number, as its decimal text.
    Number(String),
    /// A boolean.
    Bool(bool),
}

/// A context key's value: one scalar, or a set of them (a multi-valued key such as
/// `aws:TagKeys`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContextValue {
    /// A single-valued key.
    Single(ContextScalar),
    /// A multi-valued key; may be empty.
    Multi(Vec<ContextScalar>),
}

/// Condition keys and their values. Keys are stored lower-cased; look-ups take a lower-cased
/// key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Sorted by key, keys unique and lower-cased.
    entries: Vec<(String, ContextValue)>,
}

impl Context {
    /// An empty context.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (any case) to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        let key = key.to_ascii_lowercase();
        match self.entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => {
                if let Some(slot) = self.entries.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// The value of `key_lower` (already lower-cased), if present.
    #[must_use]
    pub fn get(&self, key_lower: &str) -> Option<&ContextValue> {
        self.entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key_lower))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The entries, sorted by lower-cased key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> + '_ {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// A request to authorize.
#[derive(Clone, Debug)]
pub struct Request {
    /// The context.
    pub context: Context,
}
