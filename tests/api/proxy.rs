//! A tiny TCP proxy on loopback that the tests own, to make database faults
//! without touching the shared database server: `down` closes every
//! connection through it and refuses new ones (the database is away),
//! `cut` closes every open connection but accepts new ones (a restart),
//! `slow` holds every chunk of bytes before passing it on, `up` heals.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Up,
    Down,
    /// Every chunk, either way, waits this long before it is passed on.
    Slow(Duration),
}

struct Shared {
    mode: Mutex<Mode>,
    /// Bumped by `down`: connections of an older generation close.
    generation: AtomicU64,
    stop: AtomicBool,
}

pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream` (host:port).
    pub fn start(upstream: &str) -> Proxy {
        let upstream: SocketAddr = upstream
            .to_socket_addrs()
            .expect("upstream address")
            .next()
            .expect("upstream resolves");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Up),
            generation: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        thread::spawn(move || {
            while !s.stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        if s.mode() == Mode::Down {
                            drop(client);
                            continue;
                        }
                        let Ok(server) =
                            TcpStream::connect_timeout(&upstream, Duration::from_secs(2))
                        else {
                            continue;
                        };
                        let generation = s.generation.load(Ordering::Relaxed);
                        for (from, to) in [
                            (client.try_clone().unwrap(), server.try_clone().unwrap()),
                            (server, client),
                        ] {
                            let s = s.clone();
                            thread::spawn(move || pump(from, to, &s, generation));
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Proxy { addr, shared }
    }

    /// The database is away: every connection through the proxy is closed
    /// and new ones are closed as soon as they are accepted.
    pub fn down(&self) {
        *self.shared.mode.lock().unwrap() = Mode::Down;
        self.shared.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Every connection through the proxy is closed (as when the server
    /// restarts), but new ones are accepted.
    pub fn cut(&self) {
        self.shared.generation.fetch_add(1, Ordering::Relaxed);
    }

    pub fn slow(&self, delay: Duration) {
        *self.shared.mode.lock().unwrap() = Mode::Slow(delay);
    }

    pub fn up(&self) {
        *self.shared.mode.lock().unwrap() = Mode::Up;
    }

    /// `url` with its `host:port` replaced by the proxy's address.
    pub fn rewrite(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let at = rest.find('@').map(|i| i + 1).unwrap_or(0);
        let end = rest[at..]
            .find(['/', '?'])
            .map(|i| i + at)
            .unwrap_or(rest.len());
        format!("{scheme}://{}{}{}", &rest[..at], self.addr, &rest[end..])
    }
}

/// `host:port` of a postgres URL.
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").expect("a URL").1;
    let at = rest.find('@').map(|i| i + 1).unwrap_or(0);
    let end = rest[at..]
        .find(['/', '?'])
        .map(|i| i + at)
        .unwrap_or(rest.len());
    let host_port = &rest[at..end];
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.down();
    }
}

impl Shared {
    fn mode(&self) -> Mode {
        *self.mode.lock().unwrap()
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared, generation: u64) {
    from.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut buf = [0u8; 16 * 1024];
    let close = |from: &TcpStream, to: &TcpStream| {
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    };
    loop {
        if shared.generation.load(Ordering::Relaxed) != generation
            || shared.stop.load(Ordering::Relaxed)
        {
            return close(&from, &to);
        }
        match from.read(&mut buf) {
            Ok(0) => return close(&from, &to),
            Ok(n) => {
                if let Mode::Slow(delay) = shared.mode() {
                    thread::sleep(delay);
                }
                if shared.generation.load(Ordering::Relaxed) != generation
                    || to.write_all(&buf[..n]).is_err()
                {
                    return close(&from, &to);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return close(&from, &to),
        }
    }
}
