//! A DNS server on a loopback address of its own, port 53 (UDP), that
//! answers A questions for the names it is given and nothing else: what a
//! machine's resolver reaches through `/etc/resolv.conf`, so a lookup goes
//! through nsswitch.conf's `dns` as on a real machine, not `/etc/hosts`.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The running server; it stops when dropped.
pub struct DnsStub {
    /// Where it listens (port 53).
    pub ip: Ipv4Addr,
    stop: Arc<AtomicBool>,
}

impl DnsStub {
    /// Answers each of `names` (lower case, no trailing dot) with its
    /// address, on a free loopback address; other names get NXDOMAIN.
    pub fn start(names: &[(&str, Ipv4Addr)]) -> DnsStub {
        let table: HashMap<String, Ipv4Addr> =
            names.iter().map(|(n, ip)| ((*n).to_owned(), *ip)).collect();
        let pid = std::process::id();
        let socket = (1..250u8)
            .map(|n| Ipv4Addr::new(127, 200, (pid % 250) as u8, n))
            .find_map(|ip| UdpSocket::bind(SocketAddr::from((ip, 53))).ok())
            .expect("no loopback address with port 53 free (binding it needs root)");
        socket
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        let ip = match socket.local_addr().unwrap() {
            SocketAddr::V4(a) => *a.ip(),
            SocketAddr::V6(_) => unreachable!(),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !stopped.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if let Some(reply) = answer(&buf[..n], &table) {
                    let _ = socket.send_to(&reply, from);
                }
            }
        });
        DnsStub { ip, stop }
    }
}

impl Drop for DnsStub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The reply to the query `q`: the address for an A question of a known
/// name, no answer for another type of a known name, NXDOMAIN otherwise.
fn answer(q: &[u8], table: &HashMap<String, Ipv4Addr>) -> Option<Vec<u8>> {
    if q.len() < 12 || u16::from_be_bytes([q[4], q[5]]) != 1 {
        return None;
    }
    // The question: labels, then type and class.
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = *q.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*q.get(at)?, *q.get(at + 1)?]);
    let question_end = at + 4;
    let question = q.get(12..question_end)?;
    let known = table.get(&labels.join("."));
    let a = known.filter(|_| qtype == 1);
    let mut reply = Vec::with_capacity(question_end + 16);
    reply.extend_from_slice(&q[0..2]);
    // QR, the query's RD, RA; NXDOMAIN for a name it does not know.
    let rcode = if known.is_some() { 0 } else { 3 };
    reply.extend_from_slice(&[0x80 | (q[2] & 0x01), 0x80 | rcode]);
    reply.extend_from_slice(&[0, 1, 0, u8::from(a.is_some()), 0, 0, 0, 0]);
    reply.extend_from_slice(question);
    if let Some(ip) = a {
        // The name by a pointer to the question, A, IN, TTL 60, 4 bytes.
        reply.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        reply.extend_from_slice(&ip.octets());
    }
    Some(reply)
}

#[test]
fn the_stub_answers_what_it_knows_and_refuses_the_rest() {
    let table = HashMap::from([("bitbucket.org".to_owned(), Ipv4Addr::new(127, 1, 2, 3))]);
    let query = |name: &str, qtype: u8| {
        let mut q = vec![0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split('.') {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.extend_from_slice(&[0, 0, qtype, 0, 1]);
        q
    };
    let reply = answer(&query("BitBucket.org", 1), &table).unwrap();
    assert_eq!(&reply[0..2], &[0xab, 0xcd]);
    assert_eq!(reply[3] & 0x0f, 0);
    assert_eq!(&reply[6..8], &[0, 1]);
    assert_eq!(&reply[reply.len() - 4..], &[127, 1, 2, 3]);
    let aaaa = answer(&query("bitbucket.org", 28), &table).unwrap();
    assert_eq!((aaaa[3] & 0x0f, aaaa[7]), (0, 0));
    let other = answer(&query("evil.example", 1), &table).unwrap();
    assert_eq!((other[3] & 0x0f, other[7]), (3, 0));
}
