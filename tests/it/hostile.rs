//! Hostile and malformed requests, each with the exact outcome: refused
//! with which message, or answered with what. None may make the helper
//! hand a credential to a remote outside its scope.

use crate::support::*;

const CONFIG: &str = r#"
[[credential]]
name = "repo"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/repo"
secret = "env:REPO_TOKEN"

[[credential]]
name = "dc"
kind = "http-token"
scope = "project"
url = "https://git.example.com:8443/scm/PROJ/"
secret = "env:DC_TOKEN"
"#;

const REPO_ANSWER: &str = "username=x-token-auth\npassword=ATCTT-hostile-repo\n";

const DC_ANSWER: &str =
    "capability[]=authtype\nauthtype=Bearer\ncredential=BBDC-hostile-dc\nephemeral=1\n";

enum Want {
    /// Exit 0, exactly this on stdout, nothing on stderr.
    Answer(&'static str),
    /// Exit 0, nothing on stdout or stderr.
    Nothing,
    /// Exit 0, nothing on stdout, one stderr line containing this.
    NothingWithNote(&'static str),
    /// Exit 1, nothing on stdout, one stderr line containing this.
    Refused(&'static str),
}

fn long_wwwauth(tail: &str) -> String {
    format!("wwwauth[]=Basic realm=\"{}\"{tail}", "A".repeat(1100))
}

#[test]
fn hostile_requests_have_exact_outcomes() {
    let mut user = User::new();
    user.write_config(CONFIG);
    user.env("REPO_TOKEN", "ATCTT-hostile-repo");
    user.env("DC_TOKEN", "BBDC-hostile-dc");
    let repo = "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\n";
    let cases: Vec<(&str, String, Want)> = vec![
        ("a plain request", format!("{repo}\n"), Want::Answer(REPO_ANSWER)),
        ("no trailing blank line", repo.to_owned(), Want::Answer(REPO_ANSWER)),
        ("empty input", String::new(), Want::Refused("it names no protocol")),
        ("CR in a value", "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\r\n\n".into(), Want::Refused("the value of `path` contains a carriage return")),
        ("CR in url=", "url=https://bitbucket.org/acme/repo.git\r\n\n".into(), Want::Refused("the value of `url` contains a carriage return")),
        ("NUL in a value", "protocol=https\nhost=bitbucket.org\0evil.example\n\n".into(), Want::Refused("the value of `host` contains a NUL byte")),
        ("LF encoded in url=", "url=https://bitbucket.org/acme/repo.git%0Ahost=evil.example\n\n".into(), Want::Refused("the url value is not a URL git could have sent")),
        ("NUL encoded in url=", "url=https://bitbucket.org%00.evil.example/acme/repo.git\n\n".into(), Want::Refused("the url value is not a URL git could have sent")),
        ("CR encoded in url=", "url=https://bitbucket.org/acme/repo.git%0d\n\n".into(), Want::Refused("the url value is not a URL git could have sent")),
        ("a 64 KiB + 1 line", format!("{repo}wwwauth[]={}\n\n", "x".repeat(64 * 1024 + 1 - "wwwauth[]=".len())), Want::Refused("line 4 is longer than 64 KiB")),
        ("a line of exactly 64 KiB", format!("{repo}wwwauth[]={}\n\n", "x".repeat(64 * 1024 - "wwwauth[]=".len())), Want::Answer(REPO_ANSWER)),
        ("1 MiB + 1 of input", format!("{repo}{}", "wwwauth[]=abc\n".repeat(1024 * 1024 / 14 + 1)), Want::Refused("the input is longer than 1 MiB")),
        ("invalid UTF-8", String::new(), Want::Refused("line 3 is not valid UTF-8")),
        ("a long wwwauth[] that ends in host=evil.example", format!("{repo}{}\n\n", long_wwwauth("host=evil.example")), Want::Answer(REPO_ANSWER)),
        ("a long wwwauth[] that ends in host=bitbucket.org", format!("protocol=https\nhost=evil.example\npath=acme/repo.git\n{}\n\n", long_wwwauth("host=bitbucket.org")), Want::Nothing),
        ("duplicated host, the last one ours", "protocol=https\nhost=evil.example\nhost=bitbucket.org\npath=acme/repo.git\n\n".into(), Want::Answer(REPO_ANSWER)),
        ("duplicated host, the last one foreign", "protocol=https\nhost=bitbucket.org\nhost=evil.example\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("url= with userinfo", "url=https://mallory:guess@bitbucket.org/acme/repo.git\n\n".into(), Want::Answer(REPO_ANSWER)),
        ("url= after host= replaces it", "host=bitbucket.org\nurl=https://evil.example/acme/repo.git\n\n".into(), Want::Nothing),
        ("url= naming userinfo and another host", "url=https://bitbucket.org@evil.example/acme/repo.git\n\n".into(), Want::Nothing),
        ("url= with an encoded / and .. leaving the repository", "url=https://bitbucket.org/acme/repo%2F..%2F..%2Fevil%2Frepo.git\n\n".into(), Want::Nothing),
        ("a path with .. segments leaving the repository", "protocol=https\nhost=bitbucket.org\npath=acme/repo/../../evil/repo.git\n\n".into(), Want::Nothing),
        // curl sends dot segments as written: the server may resolve them
        // differently, so no path that holds one gets a credential.
        ("a path with .. segments back into the repository", "protocol=https\nhost=bitbucket.org\npath=acme/other/../repo.git\n\n".into(), Want::Nothing),
        ("a path with a . segment", "protocol=https\nhost=bitbucket.org\npath=acme/./repo.git\n\n".into(), Want::Nothing),
        ("url= with %2e%2e segments", "url=https://bitbucket.org/mallory/x/%2e%2e/%2E%2E/acme/repo.git\n\n".into(), Want::Nothing),
        // git and curl end the authority at the first of / ? #.
        ("url= with ? before an @", "url=https://evil.example?@bitbucket.org/acme/repo.git\n\n".into(), Want::Nothing),
        ("url= with # before an @", "url=https://evil.example#@bitbucket.org/acme/repo.git\n\n".into(), Want::Nothing),
        ("a path that only shares a prefix", "protocol=https\nhost=bitbucket.org\npath=acme/repo-evil.git\n\n".into(), Want::Nothing),
        ("a sibling repository", "protocol=https\nhost=bitbucket.org\npath=acme/other.git\n\n".into(), Want::Nothing),
        ("an upper-case host", "protocol=https\nhost=BitBucket.ORG\npath=acme/repo.git\n\n".into(), Want::Answer(REPO_ANSWER)),
        ("an IDN look-alike host", "protocol=https\nhost=bitbück\u{e9}t.org\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("a punycode look-alike host", "protocol=https\nhost=xn--bitbcket-t2a.org\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("a host that ends in ours", "protocol=https\nhost=evilbitbucket.org\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("a host with ours as a label", "protocol=https\nhost=bitbucket.org.evil.example\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("a port other than the entry's", "protocol=https\nhost=bitbucket.org:8443\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("the Data Center port", "capability[]=authtype\nprotocol=https\nhost=git.example.com:8443\npath=scm/proj/repo.git\n\n".into(), Want::Answer(DC_ANSWER)),
        ("the Data Center host on the default port", "protocol=https\nhost=git.example.com\npath=scm/PROJ/repo.git\n\n".into(), Want::Nothing),
        ("another Data Center project", "protocol=https\nhost=git.example.com:8443\npath=scm/PROJ2/repo.git\n\n".into(), Want::Nothing),
        ("plain http to a host it holds a token for", "protocol=http\nhost=bitbucket.org\npath=acme/repo.git\n\n".into(), Want::NothingWithNote("refusing to send a credential for bitbucket.org over plain http")),
        ("plain http to another host", "protocol=http\nhost=example.com\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("a protocol that is not http", "protocol=ssh\nhost=bitbucket.org\npath=acme/repo.git\n\n".into(), Want::Nothing),
        ("a line without =", format!("{repo}garbage\n\n"), Want::Refused("line 4 is not of the form key=value")),
    ];
    let mut failures = Vec::new();
    for (name, input, want) in cases {
        // The one input that cannot be a Rust string.
        let bytes = if name == "invalid UTF-8" {
            let mut b = b"protocol=https\nhost=bitbucket.org\npath=acme/".to_vec();
            b.extend_from_slice(&[0xff, 0xfe]);
            b.extend_from_slice(b"\n\n");
            b
        } else {
            input.into_bytes()
        };
        let out = user.helper_bytes(&["get"], &bytes);
        let (code, so, se) = (out.status.code(), stdout(&out), stderr(&out));
        let ok = match &want {
            Want::Answer(a) => code == Some(0) && so == *a && se.is_empty(),
            Want::Nothing => code == Some(0) && so.is_empty() && se.is_empty(),
            Want::NothingWithNote(n) => {
                code == Some(0) && so.is_empty() && se.lines().count() == 1 && se.contains(n)
            }
            Want::Refused(m) => {
                code == Some(1) && so.is_empty() && se.lines().count() == 1 && se.contains(m)
            }
        };
        if !ok {
            failures.push(format!(
                "{name}: exit {code:?}, stdout {so:?}, stderr {se:?}"
            ));
        }
        for token in ["ATCTT-hostile-repo", "BBDC-hostile-dc"] {
            assert!(!se.contains(token), "{name}: a token on stderr");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
