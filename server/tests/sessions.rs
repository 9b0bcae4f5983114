//! Temporary credentials in the storage, in process (no sockets): they survive a new process
//! on the same database file, are never served past their expiry (from the cache or from the
//! storage), are pruned once expired, and a tampered row is refused.
//! The real-client and replica versions are in `clients/main.rs` and `postgres.rs`.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use iam_policy_server::app::{App, WireRequest, WireResponse};
use iam_policy_server::authz::{Identity, KeyEntry};
use iam_policy_server::crypto::Cipher;
use iam_policy_server::sessions;
use iam_policy_server::sigv4::{Credentials, SignedRequest, sign};
use iam_policy_server::storage::sqlite::SqliteStorage;

use common::Result;

const ADMIN: (&str, &str) = ("AKIAEXAMPLEADMIN0001", "admin-secret-key-for-demo-only");

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// A server state on the database file `db` (a new `App` on the same file is a restart).
fn app(db: &Path) -> Result<App> {
    common::app_on(Box::new(SqliteStorage::open(db)?))
}

/// A signed STS query-protocol call (form body).
fn sts(app: &App, creds: &Credentials, form: &str) -> WireResponse {
    let headers = vec![
        ("host".to_owned(), "127.0.0.1".to_owned()),
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        ),
    ];
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: form.as_bytes(),
    };
    let mut all = headers.clone();
    all.extend(sign(&req, creds, "us-east-1", "sts", now()));
    app.handle(&WireRequest {
        method: "POST".to_owned(),
        path: "/".to_owned(),
        query: String::new(),
        headers: all,
        body: form.as_bytes().to_vec(),
        peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
        secure: false,
    })
}

fn admin() -> Credentials {
    Credentials {
        access_key_id: ADMIN.0.to_owned(),
        secret_access_key: ADMIN.1.to_owned(),
        session_token: None,
    }
}

/// The text of `<tag>…</tag>` in an XML answer.
fn xml<'a>(body: &'a str, tag: &str) -> Result<&'a str> {
    let open = format!("<{tag}>");
    let start = body
        .find(&open)
        .ok_or_else(|| format!("no {tag} in {body}"))?
        + open.len();
    let len = body
        .get(start..)
        .and_then(|rest| rest.find(&format!("</{tag}>")))
        .ok_or("unclosed")?;
    Ok(body.get(start..start + len).ok_or("bad range")?)
}

fn assume(app: &App, session_name: &str) -> Result<Credentials> {
    let answer = sts(
        app,
        &admin(),
        &format!(
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fapp\
             &RoleSessionName={session_name}&Tags.member.1.Key=team&Tags.member.1.Value=payments"
        ),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    Ok(Credentials {
        access_key_id: xml(&answer.body, "AccessKeyId")?.to_owned(),
        secret_access_key: xml(&answer.body, "SecretAccessKey")?.to_owned(),
        session_token: Some(xml(&answer.body, "SessionToken")?.to_owned()),
    })
}

fn caller(app: &App, creds: &Credentials) -> (u16, String) {
    let r = sts(app, creds, "Action=GetCallerIdentity&Version=2011-06-15");
    (r.status, r.body)
}

#[test]
fn sessions_survive_a_new_process_and_are_stored_sealed() -> Result {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("secrets.db");
    let creds = {
        let first = app(&db)?;
        let creds = assume(&first, "durable")?;
        assert_eq!(caller(&first, &creds).0, 200);
        creds
    };
    // A new process on the same file (nothing cached) accepts them.
    let second = app(&db)?;
    let (status, body) = caller(&second, &creds);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        xml(&body, "Arn")?,
        "arn:aws:sts::111122223333:assumed-role/app/durable"
    );
    // Stored with the role and session name in clear, the rest sealed.
    let row = second
        .storage
        .get_session(&creds.access_key_id)?
        .ok_or("no row")?;
    assert_eq!(row.role_arn, "arn:aws:iam::111122223333:role/app");
    assert_eq!(row.session_name, "durable");
    assert!(row.expires > now() + 3000 && row.expires <= now() + 3600);
    let text = String::from_utf8_lossy(&row.sealed);
    assert!(!text.contains(&creds.secret_access_key));
    assert!(!text.contains(creds.session_token.as_deref().unwrap_or("-")));
    assert!(!text.contains("payments"), "session tags are sealed");
    // A wrong token is refused.
    let mut forged = creds.clone();
    forged.session_token = Some("forged".to_owned());
    let (status, body) = caller(&second, &forged);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("InvalidClientTokenId"), "{body}");
    // A process with another key cannot open the row: the credentials are refused.
    let mut other_key = app(&db)?;
    other_key.cipher = Cipher::new(&[8u8; 32]);
    assert_ne!(caller(&other_key, &creds).0, 200);
    Ok(())
}

#[test]
fn sessions_are_not_served_past_their_expiry_and_expired_rows_are_pruned() -> Result {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("secrets.db");
    let first = app(&db)?;
    let creds = assume(&first, "short")?;
    // Shorten the session in the issuing process's cache and in the storage, as if its hour
    // had passed: the cache does not serve it…
    let cached = first.authz.key(&creds.access_key_id)?.ok_or("not cached")?;
    let mut identity: Identity = (*cached.identity).clone();
    identity.expires = Some(now() - 1);
    let expired = KeyEntry {
        identity: Arc::new(identity),
        ..cached
    };
    first
        .authz
        .add_session(creds.access_key_id.clone(), expired.clone(), now() - 10)?;
    let (status, body) = caller(&first, &creds);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("ExpiredToken"), "{body}");
    // …nor does the storage, to a process that never saw it (the clear column is shortened;
    // the sealed expiry cannot be extended by editing the row).
    let mut row = first
        .storage
        .get_session(&creds.access_key_id)?
        .ok_or("no row")?;
    row.expires = now() - 1;
    let conn = rusqlite::Connection::open(&db)?;
    conn.execute(
        "UPDATE sessions SET expires = ?1 WHERE access_key_id = ?2",
        rusqlite::params![row.expires, row.access_key_id],
    )?;
    let second = app(&db)?;
    let (status, body) = caller(&second, &creds);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("ExpiredToken"), "{body}");
    let opened = sessions::open(&second, &row)?;
    assert_eq!(opened.identity.expires, Some(row.expires));
    // Pruned: the next issue (or a start) deletes expired rows; the key is then unknown.
    let fresh = assume(&second, "fresh")?;
    assert!(second.storage.get_session(&creds.access_key_id)?.is_none());
    assert!(second.storage.get_session(&fresh.access_key_id)?.is_some());
    let third = app(&db)?;
    let (status, body) = caller(&third, &creds);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("InvalidClientTokenId"), "{body}");
    assert_eq!(caller(&third, &fresh).0, 200);
    assert_eq!(third.storage.prune_sessions(now() + 7200)?, 1);
    Ok(())
}

/// A sealed session copied to another access key's row does not open.
#[test]
fn a_sealed_session_is_bound_to_its_key() -> Result {
    let dir = tempfile::tempdir()?;
    let app = app(&dir.path().join("secrets.db"))?;
    let one = assume(&app, "one")?;
    let two = assume(&app, "two")?;
    let mut row = app
        .storage
        .get_session(&one.access_key_id)?
        .ok_or("no row")?;
    row.access_key_id = two.access_key_id;
    assert!(sessions::open(&app, &row).is_err());
    Ok(())
}
