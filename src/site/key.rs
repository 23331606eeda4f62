//! Which site a document belongs to, for learning boilerplate: captures of one
//! site share its chrome, so lines recurring across them are learned and removed.
//!
//! A document with a URL belongs to its host by default (`news.example.com` and
//! `www.example.com` usually have different templates), or to its registrable
//! domain with `--site-key domain` (by the public suffix list, whose private
//! section keeps `alice.blogspot.com` apart from `bob.blogspot.com`). A document
//! without a URL, or any document with `--site-key dir`, belongs to the folder it
//! was read from, as for folders of captures.

use std::fmt;
use std::str::FromStr;

/// What groups documents into a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SiteKey {
    /// The URL's host (lower-cased, IDNA, without a leading `www.`); the folder
    /// when there is no URL.
    #[default]
    Host,
    /// The URL's registrable domain; the folder when there is no URL.
    Domain,
    /// The folder the document was read from, URL or not.
    Dir,
}

impl FromStr for SiteKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "host" => Ok(SiteKey::Host),
            "domain" => Ok(SiteKey::Domain),
            "dir" => Ok(SiteKey::Dir),
            _ => Err(format!("{s:?} is not a site key: use host, domain or dir")),
        }
    }
}

impl fmt::Display for SiteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SiteKey::Host => "host",
            SiteKey::Domain => "domain",
            SiteKey::Dir => "dir",
        })
    }
}

impl SiteKey {
    /// The site of a URL under this key, or `None` when the key is `dir` or the
    /// URL has no host (then the caller falls back to the folder).
    pub fn of_url(self, url: &str) -> Option<String> {
        if self == SiteKey::Dir {
            return None;
        }
        let host = host_of(url)?;
        match self {
            SiteKey::Host => Some(host),
            // An IP address or a bare suffix has no registrable domain.
            SiteKey::Domain if is_ip(&host) => Some(host),
            SiteKey::Domain => Some(psl::domain_str(&host).map(str::to_owned).unwrap_or(host)),
            SiteKey::Dir => None,
        }
    }
}

/// A URL's host, normalized: lower case, IDNA (punycode), no trailing dot, no
/// leading `www.`; a URL without a scheme (`example.com/page`) is read as http.
pub fn host_of(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("http://{url}")))
        .ok()?;
    let host = parsed
        .host_str()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    (!host.is_empty()).then(|| host.to_owned())
}

fn is_ip(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(
            host_of("https://WWW.Example.COM/a?b").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            host_of("http://news.example.com.:8080/").as_deref(),
            Some("news.example.com")
        );
        assert_eq!(host_of("example.org/page").as_deref(), Some("example.org"));
        assert_eq!(
            host_of("https://bücher.example/").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(host_of("mailto:someone@example.com"), None);
        assert_eq!(host_of(""), None);
    }

    #[test]
    fn domains_follow_the_public_suffix_list() {
        let d = |u: &str| SiteKey::Domain.of_url(u);
        assert_eq!(d("https://news.bbc.co.uk/x").as_deref(), Some("bbc.co.uk"));
        assert_eq!(
            d("https://a.b.example.com/").as_deref(),
            Some("example.com")
        );
        // The private section keeps one blog per subdomain.
        assert_eq!(
            d("https://alice.blogspot.com/").as_deref(),
            Some("alice.blogspot.com")
        );
        assert_eq!(d("http://192.0.2.1/page").as_deref(), Some("192.0.2.1"));
        assert_eq!(d("http://[2001:db8::1]/").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(
            SiteKey::Host.of_url("https://news.bbc.co.uk/x").as_deref(),
            Some("news.bbc.co.uk")
        );
        assert_eq!(SiteKey::Dir.of_url("https://news.bbc.co.uk/x"), None);
    }

    #[test]
    fn keys_parse_and_print() {
        for k in [SiteKey::Host, SiteKey::Domain, SiteKey::Dir] {
            assert_eq!(k.to_string().parse::<SiteKey>(), Ok(k));
        }
        assert!("url".parse::<SiteKey>().is_err());
    }
}
