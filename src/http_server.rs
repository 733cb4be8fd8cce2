//! The HTTP server around the actix application: explicit connection
//! limits, and problem bodies for the answers actix-http writes by itself
//! before any handler runs.
//!
//! actix-http answers a request head over 128 KiB (431), bytes that are not
//! HTTP (400) and a head not received in time (408) with a canned response
//! and no body, written straight to the socket. [`ProblemIo`] sits between
//! the dispatcher and the socket and replaces exactly those canned answers
//! (a status of 400, 408 or 431 with `content-length: 0` at the start of a
//! write: every answer of ours carries a body) with the same status as an
//! `application/problem+json` document with its stable `code`.

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_codec::{AsyncRead, AsyncWrite, ReadBuf};
use actix_http::{body::MessageBody, HttpService, Request};
use actix_rt::net::TcpStream;
use actix_service::{
    fn_service, map_config, IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt,
};
use actix_web::dev::{AppConfig, Server};
use actix_web::ResponseError;

use crate::config::HttpLimits;
use crate::error::ApiError;

/// Serves the application that `app` builds (one per worker) on `listener`.
pub fn serve<F, I, S, B>(
    listener: TcpListener,
    limits: HttpLimits,
    workers: usize,
    app: F,
) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<actix_http::Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let mut builder = actix_server::Server::build()
        // Per worker: beyond it the worker stops accepting until one closes.
        .max_concurrent_connections(limits.max_connections)
        .shutdown_timeout(30);
    if workers > 0 {
        builder = builder.workers(workers);
    }
    let server = builder
        .listen("samverkan", listener, move || {
            let factory = app()
                .into_factory()
                .map_err(|err| err.into().error_response());
            let factory = map_config(factory, |_| AppConfig::default());
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, actix_http::error::DispatchError>((ProblemIo::new(io), peer))
            })
            .and_then(
                HttpService::<ProblemIo, _, _>::build()
                    .keep_alive(Duration::from_millis(limits.keep_alive_ms))
                    .client_request_timeout(Duration::from_millis(limits.client_request_timeout_ms))
                    .client_disconnect_timeout(Duration::from_millis(
                        limits.client_disconnect_timeout_ms,
                    ))
                    .local_addr(addr)
                    .h1(factory),
            )
        })?
        .run();
    Ok(server)
}

/// A socket whose canned, bodiless error answers become problems.
pub struct ProblemIo {
    io: TcpStream,
    /// Bytes still to write in place of what the dispatcher handed over.
    pending: Vec<u8>,
    /// The path of the request whose head was read last, for `instance`
    /// (cleared when an answer is written).
    path: Option<String>,
}

impl ProblemIo {
    fn new(io: TcpStream) -> Self {
        ProblemIo {
            io,
            pending: Vec::new(),
            path: None,
        }
    }

    fn flush_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

/// The problem to send instead of a canned answer at the start of `buf`,
/// and where that answer ends.
fn canned(buf: &[u8]) -> Option<(ApiError, usize)> {
    let error = match buf.get(..13)? {
        b"HTTP/1.1 431 " => ApiError::HeaderFieldsTooLarge,
        b"HTTP/1.1 408 " => ApiError::RequestTimeout,
        b"HTTP/1.1 400 " => ApiError::MalformedRequest,
        _ => return None,
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    head.contains("\r\ncontent-length: 0\r\n")
        .then_some((error, end))
}

/// The path of a request line at the start of `bytes` (`GET /a?b HTTP/1.1`
/// gives `/a`), if the bytes begin one.
fn request_path(bytes: &[u8]) -> Option<String> {
    let line = &bytes[..bytes.len().min(8192)];
    let line = line.split(|&b| b == b'\r' || b == b'\n').next()?;
    let mut parts = line.split(|&b| b == b' ');
    let method = parts.next()?;
    let target = parts.next()?;
    if method.is_empty() || !method.iter().all(u8::is_ascii_uppercase) {
        return None;
    }
    let path = target.split(|&b| b == b'?').next()?;
    (path.first() == Some(&b'/') && path.iter().all(u8::is_ascii_graphic))
        .then(|| String::from_utf8_lossy(path).into_owned())
}

/// The problem document and the headers every problem carries (as
/// `request_context` adds them to a handler's): a request id, `API-Version`,
/// `nosniff`, and `instance` when the request line was read.
fn problem_response(error: &ApiError, canned_head: &[u8], path: Option<String>) -> Vec<u8> {
    let mut problem = error.problem();
    let request_id = uuid::Uuid::now_v7().to_string();
    problem.instance = path;
    problem.request_id = Some(request_id.clone());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let status = error.status_code();
    let date = String::from_utf8_lossy(canned_head)
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("date:"))
        .map(|l| format!("{l}\r\n"))
        .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\nx-request-id: {request_id}\r\napi-version: {}\r\nx-content-type-options: nosniff\r\n{date}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
        crate::API_VERSION,
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

impl AsyncRead for ProblemIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.io).poll_read(cx, buf))?;
        if let Some(path) = request_path(&buf.filled()[before..]) {
            self.path = Some(path);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ProblemIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.flush_pending(cx))?;
        if let Some((error, end)) = canned(buf) {
            tracing::info!(
                status = error.status_code().as_u16(),
                code = error.code().as_str(),
                "answered before any handler"
            );
            let path = self.path.take();
            let mut replacement = problem_response(&error, &buf[..end], path);
            replacement.extend_from_slice(&buf[end..]);
            self.pending = replacement;
            // Reported as written: the dispatcher is done with these bytes.
            let _ = self.flush_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        if buf.starts_with(b"HTTP/1.1 ") {
            // An answer of the application: the request read last is done.
            self.path = None;
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.flush_pending(cx))?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.flush_pending(cx))?;
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bodiless_canned_answers_are_replaced() {
        let canned_431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\ndate: x\r\n\r\n";
        let (error, end) = canned(canned_431).unwrap();
        assert_eq!(
            error.code(),
            crate::problem::ProblemCode::RequestHeaderFieldsTooLarge
        );
        assert_eq!(end, canned_431.len());
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\ncontent-type: application/problem+json\r\n\r\n{";
        assert!(canned(ours).is_none());
        assert!(canned(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }

    #[test]
    fn the_path_of_a_request_line_is_kept_for_instance() {
        assert_eq!(
            request_path(b"GET /api/v1/organisations?limit=5 HTTP/1.1\r\nHost: x\r\n").as_deref(),
            Some("/api/v1/organisations")
        );
        assert_eq!(request_path(b"Host: x\r\n"), None);
        assert_eq!(request_path(b"aaaa"), None);
        assert_eq!(request_path(b"GET http://x/ HTTP/1.1\r\n"), None);
    }
}
