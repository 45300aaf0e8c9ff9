//! git's HTTP settings for one URL, read as git reads them: `http.*` and
//! `http.<url>.*` through `git config --get-urlmatch`, with git's
//! environment variables above them and the proxy variables below
//! `http.proxy`.

use std::path::PathBuf;

/// Where a setting came from, to name it in a message.
pub type Source = &'static str;

/// The settings of git's HTTP transport that decide how the helper
/// reaches a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GitHttp {
    /// The CA file, and what set it.
    pub ca_info: Option<(PathBuf, Source)>,
    /// The directory of CA files, and what set it.
    pub ca_path: Option<(PathBuf, Source)>,
    /// Certificates are not verified, and what said so.
    pub no_verify: Option<Source>,
    /// The proxy URL, and what set it (never printed with its password).
    pub proxy: Option<(String, Source)>,
    /// The CA file an `https://` proxy is checked against (else the
    /// system store), and what set it.
    pub proxy_ca_info: Option<(PathBuf, Source)>,
    /// Hosts reached without the proxy (`NO_PROXY`).
    pub no_proxy: Vec<String>,
    /// The client certificate file, and what set it.
    pub ssl_cert: Option<(PathBuf, Source)>,
    /// The client key file (else the key is in the certificate file),
    /// and what set it.
    pub ssl_key: Option<(PathBuf, Source)>,
    /// `http.sslCertType` when it is not PEM.
    pub ssl_cert_type: Option<String>,
}

impl GitHttp {
    /// The settings for `url`, from git's configuration and the process
    /// environment. When git cannot be run, its environment variables
    /// alone.
    pub fn for_url(url: &str) -> GitHttp {
        let config = crate::git::http_config_for(url).unwrap_or_default();
        let home = dirs::home_dir();
        GitHttp::from_parts(
            &config,
            |name| std::env::var(name).ok(),
            home.as_deref(),
            url.starts_with("https:"),
        )
    }

    /// The settings from `config` (`git config --get-urlmatch http`
    /// lines: lower-case key, space, value), the environment `env` and
    /// the home directory that `~/` means.
    pub fn from_parts(
        config: &str,
        env: impl Fn(&str) -> Option<String>,
        home: Option<&std::path::Path>,
        https: bool,
    ) -> GitHttp {
        let mut out = GitHttp::default();
        let path = |value: &str| match (value.strip_prefix("~/"), home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(value),
        };
        let mut proxy_set = false;
        for line in config.lines() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "http.sslcainfo" => out.ca_info = Some((path(value), "http.sslCAInfo")),
                "http.sslcapath" => out.ca_path = Some((path(value), "http.sslCAPath")),
                "http.sslverify" => {
                    out.no_verify = (!is_true(value)).then_some("http.sslVerify=false");
                }
                "http.proxy" => {
                    proxy_set = true;
                    out.proxy = (!value.is_empty()).then(|| (value.to_owned(), "http.proxy"));
                }
                "http.proxysslcainfo" => {
                    out.proxy_ca_info = Some((path(value), "http.proxySSLCAInfo"));
                }
                "http.sslcert" => out.ssl_cert = Some((path(value), "http.sslCert")),
                "http.sslkey" => out.ssl_key = Some((path(value), "http.sslKey")),
                "http.sslcerttype" => {
                    out.ssl_cert_type =
                        (!value.eq_ignore_ascii_case("pem")).then(|| value.to_owned());
                }
                _ => {}
            }
        }
        let set = |name: &'static str| env(name).filter(|v| !v.is_empty()).map(|v| (v, name));
        if let Some((v, name)) = set("GIT_SSL_CAINFO") {
            out.ca_info = Some((PathBuf::from(v), name));
        }
        if let Some((v, name)) = set("GIT_SSL_CAPATH") {
            out.ca_path = Some((PathBuf::from(v), name));
        }
        if let Some((v, name)) = set("GIT_PROXY_SSL_CAINFO") {
            out.proxy_ca_info = Some((PathBuf::from(v), name));
        }
        if env("GIT_SSL_NO_VERIFY").is_some() {
            out.no_verify = Some("GIT_SSL_NO_VERIFY");
        }
        if let Some((v, name)) = set("GIT_SSL_CERT") {
            out.ssl_cert = Some((PathBuf::from(v), name));
        }
        if let Some((v, name)) = set("GIT_SSL_KEY") {
            out.ssl_key = Some((PathBuf::from(v), name));
        }
        if !proxy_set {
            // The lower-case name wins, as in git and curl.
            let names: &[&'static str] = if https {
                &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
            } else {
                &["http_proxy", "all_proxy", "ALL_PROXY"]
            };
            out.proxy = names.iter().find_map(|n| set(n));
        }
        if out.proxy.is_some() {
            let list = env("no_proxy")
                .or_else(|| env("NO_PROXY"))
                .unwrap_or_default();
            out.no_proxy = list
                .split([',', ' '])
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect();
        }
        out
    }

    /// The proxy for `host`, unless `NO_PROXY` names it: curl's rule,
    /// where a name covers itself and every name under it, a leading dot
    /// changes nothing and `*` covers all.
    pub fn proxy_for(&self, host: &str) -> Option<&(String, Source)> {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let skipped = self.no_proxy.iter().any(|entry| {
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            entry == "*"
                || host == entry
                || host
                    .strip_suffix(entry)
                    .is_some_and(|head| head.ends_with('.'))
        });
        if skipped {
            return None;
        }
        self.proxy.as_ref()
    }
}

/// git's boolean: false for `false`, `no`, `off`, `0` and the empty value.
fn is_true(value: &str) -> bool {
    !matches!(
        value.to_ascii_lowercase().as_str(),
        "false" | "no" | "off" | "0" | ""
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn read(config: &str, env: &[(&str, &str)]) -> GitHttp {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        GitHttp::from_parts(
            config,
            |name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            Some(Path::new("/home/u")),
            true,
        )
    }

    #[test]
    fn environment_variables_stand_above_the_configuration() {
        let config = "http.sslcainfo ~/ca.pem\nhttp.sslverify true\nhttp.sslcapath /etc/cas\n";
        let s = read(config, &[]);
        assert_eq!(
            s.ca_info,
            Some((PathBuf::from("/home/u/ca.pem"), "http.sslCAInfo"))
        );
        assert_eq!(
            s.ca_path,
            Some((PathBuf::from("/etc/cas"), "http.sslCAPath"))
        );
        assert_eq!(s.no_verify, None);
        let s = read("http.proxysslcainfo /etc/proxy-ca.pem", &[]);
        assert_eq!(
            s.proxy_ca_info,
            Some((PathBuf::from("/etc/proxy-ca.pem"), "http.proxySSLCAInfo"))
        );
        let s = read("http.proxysslcainfo /x", &[("GIT_PROXY_SSL_CAINFO", "/y")]);
        assert_eq!(
            s.proxy_ca_info,
            Some((PathBuf::from("/y"), "GIT_PROXY_SSL_CAINFO"))
        );
        let s = read(
            config,
            &[("GIT_SSL_CAINFO", "/ci/ca.pem"), ("GIT_SSL_NO_VERIFY", "")],
        );
        assert_eq!(
            s.ca_info,
            Some((PathBuf::from("/ci/ca.pem"), "GIT_SSL_CAINFO"))
        );
        assert_eq!(s.no_verify, Some("GIT_SSL_NO_VERIFY"));
        assert_eq!(
            read("http.sslverify off", &[]).no_verify,
            Some("http.sslVerify=false")
        );
    }

    #[test]
    fn http_proxy_comes_before_the_variables_and_an_empty_one_turns_them_off() {
        let env = [
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
            ("ALL_PROXY", "http://all:3128"),
            ("NO_PROXY", "internal.example, .corp.example"),
        ];
        let s = read("", &env);
        assert_eq!(s.proxy, Some(("http://lower:3128".into(), "https_proxy")));
        let s = read("http.proxy http://git:8080", &env);
        assert_eq!(s.proxy, Some(("http://git:8080".into(), "http.proxy")));
        assert_eq!(read("http.proxy ", &env).proxy, None);
        assert_eq!(
            read("", &[("ALL_PROXY", "http://all:3128")]).proxy,
            Some(("http://all:3128".into(), "ALL_PROXY"))
        );
        for host in [
            "internal.example",
            "git.internal.example",
            "a.corp.example",
            "corp.example",
        ] {
            assert_eq!(s.proxy_for(host), None, "{host}");
        }
        for host in ["bitbucket.org", "notinternal.example", "example"] {
            assert!(s.proxy_for(host).is_some(), "{host}");
        }
        let all = read("", &[("https_proxy", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(all.proxy_for("bitbucket.org"), None);
    }

    #[test]
    fn client_certificates_and_their_type() {
        let s = read(
            "http.sslcert /c.pem\nhttp.sslkey /k.pem\nhttp.sslcerttype P12\n",
            &[("GIT_SSL_KEY", "/other.pem")],
        );
        assert_eq!(s.ssl_cert, Some((PathBuf::from("/c.pem"), "http.sslCert")));
        assert_eq!(
            s.ssl_key,
            Some((PathBuf::from("/other.pem"), "GIT_SSL_KEY"))
        );
        assert_eq!(s.ssl_cert_type.as_deref(), Some("P12"));
        assert_eq!(read("http.sslcerttype pem", &[]).ssl_cert_type, None);
    }
}
