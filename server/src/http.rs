//! HTTP/1.1 listeners (plain and TLS) on top of hyper; each request is read with a size limit
//! and handled on the blocking pool (storage and decisions are synchronous).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::app::{App, MAX_BODY_BYTES, WireRequest};

/// Connections served at once per listener; more wait in the kernel's backlog.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long a client may take to send a request's headers, and then its body.
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
use crate::error::ApiError;

fn response(
    status: u16,
    content_type: &str,
    request_id: &str,
    body: String,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = hyper::header::HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-requestid", v);
    }
    r
}

async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    peer: SocketAddr,
    secure: bool,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let is_json = parts.headers.contains_key("x-amz-target");
    let collected =
        tokio::time::timeout(READ_TIMEOUT, Limited::new(body, MAX_BODY_BYTES).collect()).await;
    let body = match collected {
        Ok(Ok(b)) => b.to_bytes().to_vec(),
        Err(_) => {
            let e = ApiError::new(
                "RequestTimeoutException",
                408,
                "The request body was not received in time.",
            );
            let body = if is_json {
                e.json_body()
            } else {
                e.xml_body("")
            };
            return Ok(response(
                e.status,
                if is_json {
                    "application/x-amz-json-1.1"
                } else {
                    "text/xml"
                },
                "",
                body,
            ));
        }
        Ok(Err(_)) => {
            let e = ApiError::new(
                "RequestEntityTooLargeException",
                413,
                format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
            );
            let body = if is_json {
                e.json_body()
            } else {
                e.xml_body("")
            };
            return Ok(response(
                e.status,
                if is_json {
                    "application/x-amz-json-1.1"
                } else {
                    "text/xml"
                },
                "",
                body,
            ));
        }
    };
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // HTTP/1.1 clients send `Host`; take the URI's authority when one is absent.
    if !headers.iter().any(|(n, _)| n == "host")
        && let Some(a) = parts.uri.authority()
    {
        headers.push(("host".to_owned(), a.to_string()));
    }
    let wire = WireRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers,
        body,
        peer: peer.ip(),
        secure,
    };
    let answered = tokio::task::spawn_blocking(move || app.handle(&wire)).await;
    Ok(match answered {
        Ok(r) => response(r.status, r.content_type, &r.request_id, r.body),
        Err(_) => {
            let e = ApiError::internal("An error occurred on the server side.");
            response(e.status, "application/x-amz-json-1.1", "", e.json_body())
        }
    })
}

/// Serves plain HTTP on `listener` until the task is dropped.
pub async fn serve_http(app: Arc<App>, listener: TcpListener) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(Arc::clone(&app), req, peer, false));
            let _ = builder()
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

/// The HTTP/1.1 connection settings: a time limit on reading the headers.
fn builder() -> http1::Builder {
    let mut b = http1::Builder::new();
    b.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT);
    b
}

/// Serves HTTPS on `listener` with `acceptor`.
pub async fn serve_https(
    app: Arc<App>,
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let app = Arc::clone(&app);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(READ_TIMEOUT, acceptor.accept(stream)).await
            else {
                return;
            };
            let service = service_fn(move |req| handle(Arc::clone(&app), req, peer, true));
            let _ = builder().serve_connection(TokioIo::new(tls), service).await;
            drop(permit);
        });
    }
}

/// A TLS acceptor from PEM files, or from a self-signed certificate for `localhost` and
/// `127.0.0.1` generated now (its PEM is written to `write_cert_to` so clients can trust it).
///
/// # Errors
///
/// When the files cannot be read or the certificate is invalid.
pub fn tls_acceptor(
    cert_key: Option<(&std::path::Path, &std::path::Path)>,
    write_cert_to: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (certs, key): (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) = match cert_key {
        Some((cert, key)) => {
            let read =
                |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
            let certs = rustls_pemfile::certs(&mut read(cert)?.as_slice())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{}: {e}", cert.display()))?;
            let key = rustls_pemfile::private_key(&mut read(key)?.as_slice())
                .map_err(|e| format!("{}: {e}", key.display()))?
                .ok_or_else(|| format!("{}: no private key", key.display()))?;
            (certs, key)
        }
        None => {
            let generated = rcgen::generate_simple_self_signed(vec![
                "localhost".to_owned(),
                "127.0.0.1".to_owned(),
            ])
            .map_err(|e| e.to_string())?;
            std::fs::write(write_cert_to, generated.cert.pem())
                .map_err(|e| format!("{}: {e}", write_cert_to.display()))?;
            let key = PrivateKeyDer::try_from(generated.signing_key.serialize_der())
                .map_err(|e| e.to_string())?;
            (vec![generated.cert.der().clone()], key)
        }
    };
    #[expect(
        deprecated,
        reason = "ring has no post-quantum key exchange; aws-lc-rs would need cmake and NASM"
    )]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| e.to_string())?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
