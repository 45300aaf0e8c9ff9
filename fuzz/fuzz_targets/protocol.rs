//! The protocol parser: any input is refused or parsed into fields that
//! hold no line break or NUL, and an answer made of parsed fields reads
//! back the same (nothing in a value can inject a line).
#![no_main]

use git_credential_bitbucket::protocol::{Request, Response};
use git_credential_bitbucket::remote::Remote;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = Request::parse(data) else { return };
    let fields = [&req.protocol, &req.host, &req.path, &req.username, &req.authtype, &req.password_expiry_utc];
    for v in fields.into_iter().flatten() {
        assert!(!v.contains(['\n', '\r', '\0']), "a value holds a line break or NUL");
    }
    for v in [&req.password, &req.credential, &req.oauth_refresh_token].into_iter().flatten() {
        assert!(!v.expose().contains(['\n', '\r', '\0']));
    }
    if req.require_origin().is_ok() {
        if let Some(remote) = Remote::classify(req.protocol.as_deref().unwrap(), req.host.as_deref().unwrap(), req.path.as_deref()) {
            for seg in remote.scope.iter().flatten() {
                assert!(!seg.is_empty() && seg != "." && seg != "..", "scope segment {seg:?}");
            }
        }
    }
    let answer = Response {
        username: req.username.clone(),
        password: req.password.clone(),
        password_expiry_utc: req.password_expiry_utc.clone(),
        ..Response::default()
    };
    let mut out = Vec::new();
    answer.write_to(&mut out).unwrap();
    let back = Request::parse(&out).expect("an answer must parse");
    if !answer.is_empty() {
        assert_eq!(back.username, req.username);
        assert_eq!(back.password, req.password);
        assert_eq!(back.password_expiry_utc, req.password_expiry_utc);
        assert_eq!(back.host, None, "a value injected a host line");
    }
});
