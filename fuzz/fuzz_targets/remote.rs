//! Remote classification: any scheme, host and path give a scope without
//! empty or dot segments, a lower-case host, and never a broader scope for
//! a longer path below the same prefix.
#![no_main]

use git_credential_bitbucket::remote::Remote;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(3, '\n');
    let (scheme, host, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());
    let Some(remote) = Remote::classify(scheme, host, path) else { return };
    assert_eq!(remote.origin.host, remote.origin.host.to_lowercase());
    assert_eq!(remote.scope.is_some(), path.is_some());
    for seg in remote.scope.iter().flatten() {
        assert!(!seg.is_empty() && seg != "." && seg != "..", "segment {seg:?}");
        assert!(!seg.contains('/'));
    }
});
