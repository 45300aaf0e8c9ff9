//! A CONNECT proxy on loopback, as a company network has one: it asks for
//! a username and password, resolves the names it is asked for itself
//! (here: every name leads to the stand-in) and records each CONNECT with
//! the program that sent it. It listens in plain HTTP, or in TLS for an
//! `https://` proxy. And a SOCKS5 proxy, with a username and password,
//! that resolves names itself (`socks5h://`).

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One CONNECT the proxy was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// `host:port`, as asked.
    pub target: String,
    /// The `User-Agent` it was asked with.
    pub agent: String,
    /// Whether its credentials were the proxy's (else it got 407).
    pub admitted: bool,
}

/// A running proxy: where it listens and the CONNECTs it was asked.
pub struct Proxy {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Connect>>>,
}

impl Proxy {
    /// A plain-HTTP CONNECT proxy that takes `user:password` (Basic) and
    /// tunnels to `route`; spoken inside TLS with `tls` (an `https://`
    /// proxy) when given.
    pub fn connect(
        route: Ipv4Addr,
        user: &str,
        password: &str,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Proxy {
        use base64::Engine;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        Proxy::serve(move |stream, record| {
            let socket = stream.try_clone()?;
            match tls.clone() {
                Some(tls) => {
                    let conn = rustls::ServerConnection::new(tls).map_err(std::io::Error::other)?;
                    let client = rustls::StreamOwned::new(conn, stream);
                    tunnel(client, &socket, route, &expected, record)
                }
                None => tunnel(stream, &socket, route, &expected, record),
            }
        })
    }

    /// A SOCKS5 proxy (RFC 1928) that asks for `user` and `password` (RFC
    /// 1929), resolves names itself and tunnels every CONNECT to `route`.
    /// Its CONNECTs have no `agent`: SOCKS does not say.
    pub fn socks5(route: Ipv4Addr, user: &str, password: &str) -> Proxy {
        let credentials = (user.to_owned(), password.to_owned());
        Proxy::serve(move |stream, record| socks5(stream, route, &credentials, record))
    }

    /// Listens on a loopback port, each connection handled by `handle` in
    /// a thread of its own.
    fn serve(
        handle: impl Fn(TcpStream, &Mutex<Vec<Connect>>) -> std::io::Result<()> + Send + Sync + 'static,
    ) -> Proxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (record, handle) = (seen.clone(), Arc::new(handle));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (record, handle) = (record.clone(), handle.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, &record);
                });
            }
        });
        Proxy { addr, seen }
    }

    /// The CONNECTs so far.
    pub fn seen(&self) -> Vec<Connect> {
        self.seen.lock().unwrap().clone()
    }

    /// Forgets them.
    pub fn clear(&self) {
        self.seen.lock().unwrap().clear();
    }
}

/// The request head, read a byte at a time so nothing after it is taken.
fn head(client: &mut impl Read) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

fn tunnel(
    mut client: impl Read + Write,
    socket: &TcpStream,
    route: Ipv4Addr,
    expected: &str,
    record: &Mutex<Vec<Connect>>,
) -> std::io::Result<()> {
    let head = head(&mut client)?;
    let mut lines = head.lines();
    let mut parts = lines.next().unwrap_or_default().split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (mut agent, mut auth) = (String::new(), String::new());
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "user-agent" => agent = v.trim().to_owned(),
                "proxy-authorization" => auth = v.trim().to_owned(),
                _ => {}
            }
        }
    }
    if method != "CONNECT" {
        client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")?;
        return client.flush();
    }
    let admitted = auth == expected;
    record.lock().unwrap().push(Connect {
        target: target.to_owned(),
        agent,
        admitted,
    });
    if !admitted {
        client.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
        return client.flush();
    }
    let port: u16 = target
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(443);
    let upstream = TcpStream::connect((route, port))?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    client.flush()?;
    pump(client, socket, upstream)
}

/// Copies between `client` (over `socket`) and `upstream` until one ends.
fn pump(
    mut client: impl Read + Write,
    socket: &TcpStream,
    mut upstream: TcpStream,
) -> std::io::Result<()> {
    // Both ways in one thread (a TLS stream cannot be split): each side is
    // read with a short timeout, and what came is written to the other.
    let tick = Some(Duration::from_millis(5));
    socket.set_read_timeout(tick)?;
    upstream.set_read_timeout(tick)?;
    let mut buf = vec![0u8; 16 * 1024];
    let waiting =
        |e: &std::io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    loop {
        match client.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => upstream.write_all(&buf[..n])?,
            Err(e) if waiting(&e) => {}
            Err(_) => break,
        }
        match upstream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                client.write_all(&buf[..n])?;
                client.flush()?;
            }
            Err(e) if waiting(&e) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

fn read_n(stream: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

fn socks5(
    mut client: TcpStream,
    route: Ipv4Addr,
    (user, password): &(String, String),
    record: &Mutex<Vec<Connect>>,
) -> std::io::Result<()> {
    let greeting = read_n(&mut client, 2)?;
    let methods = read_n(&mut client, usize::from(greeting[1]))?;
    if greeting[0] != 5 || !methods.contains(&2) {
        return client.write_all(&[5, 0xff]);
    }
    client.write_all(&[5, 2])?;
    let head = read_n(&mut client, 2)?;
    let given_user = read_n(&mut client, usize::from(head[1]))?;
    let len = read_n(&mut client, 1)?;
    let given_password = read_n(&mut client, usize::from(len[0]))?;
    let admitted = given_user == user.as_bytes() && given_password == password.as_bytes();
    client.write_all(&[1, if admitted { 0 } else { 1 }])?;
    let request = read_n(&mut client, 4)?;
    let host = match request[3] {
        1 => read_n(&mut client, 4)?
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("."),
        3 => {
            let len = read_n(&mut client, 1)?;
            String::from_utf8_lossy(&read_n(&mut client, usize::from(len[0]))?).into_owned()
        }
        _ => return Ok(()),
    };
    let port = read_n(&mut client, 2)?;
    let port = u16::from_be_bytes([port[0], port[1]]);
    record.lock().unwrap().push(Connect {
        target: format!("{host}:{port}"),
        agent: String::new(),
        admitted,
    });
    if !admitted || request[1] != 1 {
        return Ok(());
    }
    let upstream = TcpStream::connect((route, port))?;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])?;
    let socket = client.try_clone()?;
    pump(client, &socket, upstream)
}
