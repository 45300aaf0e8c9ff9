//! The properties the fuzz targets check, shared with the normal suite
//! (the `fuzz_inputs` module of `tests/it`), which runs them over the
//! seeds and over inputs fuzzing once found.

#![allow(dead_code)]

use std::path::Path;

use git_credential_bitbucket::config::{self, index, quick, Config};
use git_credential_bitbucket::protocol::{Request, Response};
use git_credential_bitbucket::remote::Remote;

/// Any input is refused or parsed into fields that hold no line break or
/// NUL, and an answer made of parsed fields reads back the same (nothing in
/// a value can inject a line).
pub fn protocol(data: &[u8]) {
    let Ok(req) = Request::parse(data) else {
        return;
    };
    let fields = [
        &req.protocol,
        &req.host,
        &req.path,
        &req.username,
        &req.authtype,
        &req.password_expiry_utc,
    ];
    for v in fields.into_iter().flatten() {
        assert!(
            !v.contains(['\n', '\r', '\0']),
            "a value holds a line break or NUL"
        );
    }
    for v in [&req.password, &req.credential, &req.oauth_refresh_token]
        .into_iter()
        .flatten()
    {
        assert!(!v.expose().contains(['\n', '\r', '\0']));
    }
    if req.require_origin().is_ok() {
        if let Some(remote) = Remote::classify(
            req.protocol.as_deref().unwrap(),
            req.host.as_deref().unwrap(),
            req.path.as_deref(),
        ) {
            for seg in remote.segments.iter().flatten() {
                assert!(
                    !seg.is_empty() && seg != "." && seg != "..",
                    "path segment {seg:?}"
                );
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
}

/// Any text is refused with a message or gives entries that survive being
/// written back and read again unchanged; and the quick reader of the
/// plain form, whenever it answers, answers what the toml crate reads.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(quick) = quick::read(text) {
        assert_eq!(
            Some(quick),
            quick::read_with_toml(text),
            "the quick reader and the toml crate disagree"
        );
    }
    let parsed = Config::parse(text, Path::new("config.toml"));
    // The index built in one pass holds what the whole file holds, and is
    // built whenever the quick reader reads a file that validates.
    match (index::entries_of_text(text), &parsed) {
        (Some(mut indexed), Ok(cfg)) => {
            let mut whole = cfg.entries.clone();
            indexed.sort_by(|a, b| a.name.cmp(&b.name));
            whole.sort_by(|a, b| a.name.cmp(&b.name));
            assert_eq!(indexed, whole, "the one-pass index differs from the file");
        }
        (Some(_), Err(e)) => panic!("the one-pass index accepted a file refused with: {e}"),
        (None, Ok(_)) => assert!(
            quick::read(text).is_none(),
            "the one-pass index declined a plain file that validates"
        ),
        (None, Err(_)) => {}
    }
    let Ok(cfg) = parsed else {
        return;
    };
    let mut names = std::collections::HashSet::new();
    for entry in &cfg.entries {
        assert!(names.insert(entry.name.clone()), "duplicate name accepted");
        assert!(!entry.name.contains('/') && entry.name != "." && entry.name != "..");
        let again = config::validate(entry.to_table(), &cfg.settings, config::DefinedIn::File)
            .expect("an accepted entry must validate again");
        assert_eq!(&again, entry);
        for seg in entry.prefix() {
            assert!(!seg.is_empty() && seg != "." && seg != "..");
        }
    }
}

/// Any scheme, host and path give a scope without empty or dot segments
/// and a lower-case host.
pub fn remote(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let (scheme, host, path) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next(),
    );
    let Some(remote) = Remote::classify(scheme, host, path) else {
        return;
    };
    assert_eq!(remote.origin.host, remote.origin.host.to_lowercase());
    assert_eq!(remote.segments.is_some(), path.is_some());
    for seg in remote.segments.iter().flatten() {
        assert!(
            !seg.is_empty() && seg != "." && seg != "..",
            "segment {seg:?}"
        );
        assert!(!seg.contains('/'));
    }
}
