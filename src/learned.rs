//! Credentials learned from git: what git asked the helper to `store` that
//! none of the user's entries supplied, and the rules that say which
//! learned credential answers a `get` and which ones an `erase` removes —
//! git's own storage helpers' rules, with one stricter choice (below).

use serde::{Deserialize, Serialize};

use crate::protocol::Request;
use crate::secret::Secret;

/// A credential that git asked the helper to keep (`store`), keyed like
/// git's own storage helpers key theirs: protocol, host, path, username.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Learned {
    /// `protocol`.
    pub protocol: String,
    /// `host`, with `:port` when git sent one.
    pub host: String,
    /// `path`, when git sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `username` (may be empty; empty when git sent none with a
    /// pre-encoded credential).
    pub username: String,
    /// `password` (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// `authtype` (git 2.46+), with `credential`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authtype: Option<String>,
    /// `credential`: the pre-encoded credential for `authtype`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Secret>,
    /// `password_expiry_utc`, as git sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_expiry_utc: Option<String>,
    /// `oauth_refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_refresh_token: Option<Secret>,
}

/// The content of `learned.toml`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnedFile {
    /// Learned credentials, oldest first.
    #[serde(default)]
    pub learned: Vec<Learned>,
}

impl Learned {
    /// What a `store` request asks to keep: a username and password, or
    /// (when git offered `capability[]=authtype`) an `authtype` and its
    /// `credential`, as git-credential-cache keeps them. `None` when it
    /// holds neither.
    pub fn from_request(req: &Request) -> Option<Learned> {
        let pair = req.offers("authtype") && req.authtype.is_some() && req.credential.is_some();
        if !pair && (req.username.is_none() || req.password.is_none()) {
            return None;
        }
        Some(Learned {
            protocol: req.protocol.clone().unwrap_or_default(),
            host: req.host.clone().unwrap_or_default(),
            path: req.path.clone(),
            username: req.username.clone().unwrap_or_default(),
            password: req.password.clone(),
            authtype: req.authtype.clone().filter(|_| pair),
            credential: req.credential.clone().filter(|_| pair),
            password_expiry_utc: req.password_expiry_utc.clone(),
            oauth_refresh_token: req.oauth_refresh_token.clone(),
        })
    }

    /// Whether this credential answers a `get`: protocol and host equal,
    /// its path (if it has one) the request's, the request's username (if
    /// any) its own, and — for one that is only an `authtype` credential —
    /// a caller that offered `capability[]=authtype`. Unlike
    /// git-credential-store, a credential learned for one path is never
    /// given to a request without that path.
    pub fn answers(&self, req: &Request) -> bool {
        Some(&self.protocol) == req.protocol.as_ref()
            && Some(&self.host) == req.host.as_ref()
            && (self.path.is_none() || self.path == req.path)
            && req.username.as_ref().is_none_or(|u| *u == self.username)
            && (self.password.is_some() || (self.credential.is_some() && req.offers("authtype")))
    }

    /// Whether an `erase` removes this credential: it matches every field
    /// the request gives (protocol, host, path, username, password,
    /// credential).
    pub fn erased_by(&self, req: &Request) -> bool {
        let same = |given: &Option<Secret>, kept: &Option<Secret>| {
            given.is_none() || given.as_ref() == kept.as_ref()
        };
        Some(&self.protocol) == req.protocol.as_ref()
            && Some(&self.host) == req.host.as_ref()
            && req
                .path
                .as_ref()
                .is_none_or(|p| self.path.as_ref() == Some(p))
            && req.username.as_ref().is_none_or(|u| *u == self.username)
            && same(&req.password, &self.password)
            && same(&req.credential, &self.credential)
    }

    /// Whether `other` has the same key, so that storing it replaces this.
    pub fn same_key(&self, other: &Learned) -> bool {
        self.protocol == other.protocol
            && self.host == other.host
            && self.path == other.path
            && self.username == other.username
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Request {
        Request::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn matching_rules() {
        let stored = Learned::from_request(&req(
            "protocol=https\nhost=h\npath=a/b.git\nusername=u\npassword=p\n",
        ))
        .unwrap();
        let hostwide =
            Learned::from_request(&req("protocol=https\nhost=h\nusername=v\npassword=q\n"))
                .unwrap();
        let get = [
            ("protocol=https\nhost=h\npath=a/b.git\n", true, true),
            ("protocol=https\nhost=h\n", false, true),
            ("protocol=https\nhost=h\npath=a/c.git\n", false, true),
            (
                "protocol=https\nhost=h\npath=a/b.git\nusername=u\n",
                true,
                false,
            ),
            ("protocol=http\nhost=h\npath=a/b.git\n", false, false),
        ];
        for (text, path_one, host_one) in get {
            assert_eq!(stored.answers(&req(text)), path_one, "{text}");
            assert_eq!(hostwide.answers(&req(text)), host_one, "{text}");
        }
        let erase = [
            ("protocol=https\nhost=h\n", true, true),
            ("protocol=https\nhost=h\npassword=p\n", true, false),
            ("protocol=https\nhost=h\npath=a/b.git\n", true, false),
            ("protocol=https\nhost=h\nusername=v\n", false, true),
        ];
        for (text, path_one, host_one) in erase {
            assert_eq!(stored.erased_by(&req(text)), path_one, "{text}");
            assert_eq!(hostwide.erased_by(&req(text)), host_one, "{text}");
        }
        assert!(Learned::from_request(&req("protocol=https\nhost=h\nusername=u\n")).is_none());
        let mut again = stored.clone();
        again.password = Some(Secret::from("new"));
        assert!(stored.same_key(&again) && !stored.same_key(&hostwide));
    }

    #[test]
    fn authtype_credentials_answer_only_callers_that_can_send_them() {
        let stored = Learned::from_request(&req(
            "capability[]=authtype\nauthtype=Bearer\ncredential=tok\nprotocol=https\nhost=h\n",
        ))
        .unwrap();
        assert_eq!(stored.username, "");
        assert!(stored.answers(&req("capability[]=authtype\nprotocol=https\nhost=h\n")));
        assert!(!stored.answers(&req("protocol=https\nhost=h\n")));
        assert!(!stored.answers(&req(
            "capability[]=authtype\nprotocol=https\nhost=h\nusername=u\n"
        )));
        // Without the capability offered, authtype is not kept.
        assert!(Learned::from_request(&req(
            "authtype=Bearer\ncredential=tok\nprotocol=https\nhost=h\n"
        ))
        .is_none());
        assert!(stored.erased_by(&req("protocol=https\nhost=h\ncredential=tok\n")));
        assert!(!stored.erased_by(&req("protocol=https\nhost=h\ncredential=other\n")));
    }
}
