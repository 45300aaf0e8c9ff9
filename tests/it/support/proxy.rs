//! A CONNECT proxy on loopback, as a company network has one: it asks for
//! a username and password, resolves the names it is asked for itself
//! (here: every name leads to the stand-in) and records each CONNECT with
//! the program that sent it.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

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

/// The running proxy.
pub struct ConnectProxy {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Connect>>>,
}

impl ConnectProxy {
    /// A proxy that takes `user:password` (Basic) and tunnels to `route`.
    pub fn start(route: Ipv4Addr, user: &str, password: &str) -> ConnectProxy {
        use base64::Engine;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let record = record.clone();
                let expected = expected.clone();
                std::thread::spawn(move || {
                    let _ = tunnel(stream, route, &expected, &record);
                });
            }
        });
        ConnectProxy { addr, seen }
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

fn tunnel(
    client: TcpStream,
    route: Ipv4Addr,
    expected: &str,
    record: &Mutex<Vec<Connect>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (mut agent, mut auth) = (String::new(), String::new());
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "user-agent" => agent = v.trim().to_owned(),
                "proxy-authorization" => auth = v.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut client = client;
    if method != "CONNECT" {
        return client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
    }
    let admitted = auth == expected;
    record.lock().unwrap().push(Connect {
        target: target.to_owned(),
        agent,
        admitted,
    });
    if !admitted {
        return client.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    let port: u16 = target
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(443);
    let upstream = TcpStream::connect((route, port))?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let (mut up_read, mut up_write) = (upstream.try_clone()?, upstream);
    let mut down_write = client.try_clone()?;
    // What the client sent after its CONNECT and the reader already took.
    let buffered = reader.buffer().to_vec();
    up_write.write_all(&buffered)?;
    let mut down_read = reader.into_inner();
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut down_read, &mut up_write);
        let _ = up_write.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_read, &mut down_write);
    let _ = down_write.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
    Ok(())
}
