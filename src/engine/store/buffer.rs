//! [`RequestBuffer`]: the per-call path of a server. One request after another is built,
//! checked and prepared in the same memory, from the caller's borrowed strings; once the
//! buffer's texts are long enough, nothing is allocated.

use super::{PreparedRequest, SessionPolicy};
use crate::engine::prepared::NewValue;
use crate::request::{
    ContextKey, ContextLimit, ContextScalar, ContextValue, MAX_CONTEXT_BYTES, MAX_CONTEXT_KEYS,
    MAX_CONTEXT_VALUES, Parts, Pool, Request, RequestError,
};

/// A context key as a setter is given it: a name in any case, or made ahead of time.
#[derive(Clone, Copy)]
enum Key<'k> {
    Name(&'k str),
    Made(&'k ContextKey),
}

impl Key<'_> {
    /// Bytes of the name.
    fn len(self) -> usize {
        match self {
            Self::Name(name) => name.len(),
            Self::Made(key) => key.as_str().len(),
        }
    }

    /// The name, lower-cased (for an error).
    fn lower(self) -> String {
        match self {
            Self::Name(name) => name.to_ascii_lowercase(),
            Self::Made(key) => key.as_str().to_owned(),
        }
    }
}

/// A context value built into the buffer, with how many list values were left out (counted,
/// not copied) past the limit.
struct Made<'v>(NewValue<'v>, usize);

impl<'v> From<NewValue<'v>> for Made<'v> {
    fn from(value: NewValue<'v>) -> Self {
        Self(value, 0)
    }
}

impl From<(Vec<ContextScalar>, usize)> for Made<'_> {
    fn from((list, more): (Vec<ContextScalar>, usize)) -> Self {
        Self(NewValue::List(list), more)
    }
}

/// A reusable request: each call builds, checks and prepares the next request in the memory
/// of the previous one, borrowing the caller's strings (the whole per-call path of a server:
/// build, prepare, decide, with no allocation once the buffer has seen requests as long as
/// the current one). Keep one per worker thread.
///
/// The request it prepares is the one [`RequestBuilder`](crate::RequestBuilder) would build
/// from the same parts (same checks, same errors, same derived keys) followed by
/// [`PreparedRequest::new`]; it is handed out only when it was built without error, so a
/// request that failed a check can never be decided.
///
/// ```
/// use iam_policy::{Decision, PolicyStore, RequestBuffer};
///
/// let store = PolicyStore::new();
/// store.set_principal_policies("arn:aws:iam::111122223333:role/app", &[r#"{
///     "Version":"2012-10-17","Statement":{"Effect":"Allow",
///     "Action":"secretsmanager:GetSecretValue","Resource":"*",
///     "Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"#], None)?;
/// let mut buffer = RequestBuffer::new();
/// for session in ["s1", "s2"] {
///     let principal = format!("arn:aws:sts::111122223333:assumed-role/app/{session}");
///     let request = buffer
///         .request()
///         .principal(&principal)
///         .action("secretsmanager:GetSecretValue")
///         .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
///         .context_bool("aws:SecureTransport", true)
///         .context_string("aws:SourceIp", "10.1.2.3")
///         .prepare()?;
///     assert_eq!(store.evaluate_prepared(request).decision(), Decision::Allow);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RequestBuffer {
    prepared: PreparedRequest,
    pool: Pool,
}

impl Default for RequestBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestBuffer {
    /// An empty buffer.
    #[must_use]
    pub fn new() -> Self {
        let mut prepared = PreparedRequest::empty(Request::empty());
        prepared.buffered = true;
        Self {
            prepared,
            pool: Pool::default(),
        }
    }

    /// Starts the next request (the previous one's memory is reused).
    pub fn request<'a>(&mut self) -> BufferedRequest<'_, 'a> {
        let prepared = &mut self.prepared;
        prepared.session = None;
        prepared.whole.take();
        prepared.prepared.begin();
        BufferedRequest {
            buffer: self,
            parts: Parts::default(),
            bytes: 0,
            overflow: None,
        }
    }
}

/// The request being built in a [`RequestBuffer`]: the same parts as
/// [`RequestBuilder`](crate::RequestBuilder), borrowed (the principal, action, resource and
/// accounts until [`prepare`](Self::prepare); context texts are copied into the buffer as they
/// are given).
#[derive(Debug)]
#[must_use = "a request is used through `prepare`"]
pub struct BufferedRequest<'b, 'a> {
    buffer: &'b mut RequestBuffer,
    parts: Parts<'a>,
    /// Bytes of context text given so far (an upper bound: replaced keys still count).
    bytes: usize,
    /// The first context limit exceeded; later context values are ignored.
    overflow: Option<RequestError>,
}

impl<'b, 'a> BufferedRequest<'b, 'a> {
    /// The caller: an IAM or STS ARN, a service name, or `anonymous`/`*`.
    pub const fn principal(mut self, principal: &'a str) -> Self {
        self.parts.principal = Some(principal);
        self
    }

    /// The caller's account, if it must be given explicitly (it must then equal the ARN's).
    pub const fn principal_account(mut self, account: &'a str) -> Self {
        self.parts.principal_account = Some(account);
        self
    }

    /// The action, `service:ActionName` (any case).
    pub const fn action(mut self, action: &'a str) -> Self {
        self.parts.action = Some(action);
        self
    }

    /// The resource ARN, or `*`.
    pub const fn resource(mut self, resource: &'a str) -> Self {
        self.parts.resource = Some(resource);
        self
    }

    /// The resource's account (needed for S3 ARNs of another account).
    pub const fn resource_account(mut self, account: &'a str) -> Self {
        self.parts.resource_account = Some(account);
        self
    }

    /// The session policy of the caller's session (see
    /// [`PreparedRequest::with_session_policy`]).
    pub fn session_policy(self, session: &SessionPolicy) -> Self {
        self.buffer.prepared.session = Some(session.clone());
        self
    }

    /// Sets a context key (any case) to a string.
    pub fn context_string(self, key: &str, value: &str) -> Self {
        self.set(Key::Name(key), |_| NewValue::Text(value, false))
    }

    /// Sets a context key to a number, given as its decimal text.
    pub fn context_number(self, key: &str, text: &str) -> Self {
        self.set(Key::Name(key), |_| NewValue::Text(text, true))
    }

    /// Sets a context key to a boolean.
    pub fn context_bool(self, key: &str, value: bool) -> Self {
        self.set(Key::Name(key), |_| NewValue::Bool(value))
    }

    /// Sets a multi-valued context key holding strings.
    pub fn context_strings<'v>(self, key: &str, values: impl IntoIterator<Item = &'v str>) -> Self {
        self.set(Key::Name(key), |pool| strings(pool, values))
    }

    /// Sets a context key to a copy of `value`.
    pub fn context_value(self, key: &str, value: &ContextValue) -> Self {
        self.set(Key::Name(key), |pool| match value {
            ContextValue::Single(ContextScalar::String(s)) => Made(NewValue::Text(s, false), 0),
            ContextValue::Single(ContextScalar::Number(s)) => Made(NewValue::Text(s, true), 0),
            ContextValue::Single(ContextScalar::Bool(b)) => Made(NewValue::Bool(*b), 0),
            ContextValue::Multi(values) => {
                let mut list = pool.list();
                list.extend(values.iter().take(MAX_CONTEXT_VALUES + 1).map(|v| match v {
                    ContextScalar::String(s) => ContextScalar::String(pool.string(s)),
                    ContextScalar::Number(s) => ContextScalar::Number(pool.string(s)),
                    ContextScalar::Bool(b) => ContextScalar::Bool(*b),
                }));
                let more = values.len().saturating_sub(MAX_CONTEXT_VALUES + 1);
                Made(NewValue::List(list), more)
            }
        })
    }

    /// [`context_string`](Self::context_string) for a key made ahead of time (neither
    /// lower-cased nor hashed per call).
    pub fn key_string(self, key: &ContextKey, value: &str) -> Self {
        self.set(Key::Made(key), |_| NewValue::Text(value, false))
    }

    /// [`context_number`](Self::context_number) for a key made ahead of time.
    pub fn key_number(self, key: &ContextKey, text: &str) -> Self {
        self.set(Key::Made(key), |_| NewValue::Text(text, true))
    }

    /// [`context_bool`](Self::context_bool) for a key made ahead of time.
    pub fn key_bool(self, key: &ContextKey, value: bool) -> Self {
        self.set(Key::Made(key), |_| NewValue::Bool(value))
    }

    /// [`context_strings`](Self::context_strings) for a key made ahead of time.
    pub fn key_strings<'v>(
        self,
        key: &ContextKey,
        values: impl IntoIterator<Item = &'v str>,
    ) -> Self {
        self.set(Key::Made(key), |pool| strings(pool, values))
    }

    /// Sets `key` to the value `make` builds (with how many values were left out of a list
    /// past the limit), unless a context limit is exceeded (module docs of
    /// [`request`](crate::request), "Limits"): past one, nothing more is copied and
    /// [`prepare`](Self::prepare) fails.
    fn set<'v, V: Into<Made<'v>>>(
        mut self,
        key: Key<'_>,
        make: impl FnOnce(&mut Pool) -> V,
    ) -> Self {
        if self.overflow.is_some() {
            return self;
        }
        let RequestBuffer { prepared, pool } = &mut *self.buffer;
        let p = &mut prepared.prepared;
        let mark = p.arena_len();
        // The key is appended lower-cased (and taken back if it was set before).
        let (key_range, hash) = match key {
            Key::Name(name) => p.key(name),
            Key::Made(made) => (p.append(made.as_str().as_bytes()), made.hash()),
        };
        let found = p.find(hash, key_range);
        if found.is_some() {
            p.truncate(mark);
        }
        if found.is_none() && p.len() >= MAX_CONTEXT_KEYS {
            let error = RequestError::ContextTooLarge {
                limit: ContextLimit::Keys,
                key: None,
                found: p.len() + 1,
                max: MAX_CONTEXT_KEYS,
            };
            p.truncate(mark);
            self.overflow = Some(error);
            return self;
        }
        let Made(value, left_out) = make(pool).into();
        if let NewValue::List(list) = &value
            && list.len() + left_out > MAX_CONTEXT_VALUES
        {
            let error = RequestError::ContextTooLarge {
                limit: ContextLimit::Values,
                key: Some(key.lower()),
                found: list.len() + left_out,
                max: MAX_CONTEXT_VALUES,
            };
            if let NewValue::List(list) = value {
                pool.recycle_value(ContextValue::Multi(list));
            }
            p.truncate(mark);
            self.overflow = Some(error);
            return self;
        }
        let value_bytes = value.len();
        self.bytes = self.bytes.saturating_add(key.len() + value_bytes);
        if self.bytes > MAX_CONTEXT_BYTES {
            // The count is an upper bound; recount exactly (rare: only past the limit).
            self.bytes = p.context_bytes(found) + key.len() + value_bytes;
            if self.bytes > MAX_CONTEXT_BYTES {
                let error = RequestError::ContextTooLarge {
                    limit: ContextLimit::Bytes,
                    key: None,
                    found: self.bytes,
                    max: MAX_CONTEXT_BYTES,
                };
                if let NewValue::List(list) = value {
                    pool.recycle_value(ContextValue::Multi(list));
                }
                p.truncate(mark);
                self.overflow = Some(error);
                return self;
            }
        }
        p.set(found, key_range, hash, value, pool);
        self
    }

    /// Checks and prepares the request: the checks of
    /// [`RequestBuilder::build`](crate::RequestBuilder::build), then the preparation of
    /// [`PreparedRequest::new`], in the buffer's memory.
    ///
    /// # Errors
    ///
    /// The [`RequestError`] `build` would return for the same parts. The buffer is then
    /// unusable until the next [`RequestBuffer::request`].
    pub fn prepare(self) -> Result<&'b PreparedRequest, RequestError> {
        if let Some(error) = self.overflow {
            return Err(error);
        }
        let RequestBuffer { prepared, pool } = self.buffer;
        prepared.request.fill_core(&self.parts)?;
        prepared.finish(pool);
        Ok(prepared)
    }
}

/// A list of strings for a multi-valued key, its texts from `pool`, with how many values were
/// left out past the limit (at most one more than the limit is copied; the rest are only
/// counted).
fn strings<'v>(
    pool: &mut Pool,
    values: impl IntoIterator<Item = &'v str>,
) -> (Vec<ContextScalar>, usize) {
    let mut list = pool.list();
    let mut values = values.into_iter();
    list.extend(
        values
            .by_ref()
            .take(MAX_CONTEXT_VALUES + 1)
            .map(|v| ContextScalar::String(pool.string(v))),
    );
    let more = values.count();
    (list, more)
}
