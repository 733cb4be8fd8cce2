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
}

impl ProblemIo {
    fn new(io: TcpStream) -> Self {
        ProblemIo {
            io,
            pending: Vec::new(),
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

fn problem_response(error: &ApiError, canned_head: &[u8]) -> Vec<u8> {
    let problem = error.problem();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let status = error.status_code();
    let date = String::from_utf8_lossy(canned_head)
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("date:"))
        .map(|l| format!("{l}\r\n"))
        .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\napi-version: {}\r\nx-content-type-options: nosniff\r\n{date}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
        crate::startup::API_VERSION,
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
        Pin::new(&mut self.io).poll_read(cx, buf)
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
                code = error.code(),
                "answered before any handler"
            );
            let mut replacement = problem_response(&error, &buf[..end]);
            replacement.extend_from_slice(&buf[end..]);
            self.pending = replacement;
            // Reported as written: the dispatcher is done with these bytes.
            let _ = self.flush_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
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
        assert_eq!(error.code(), "request_header_fields_too_large");
        assert_eq!(end, canned_431.len());
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\ncontent-type: application/problem+json\r\n\r\n{";
        assert!(canned(ours).is_none());
        assert!(canned(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
