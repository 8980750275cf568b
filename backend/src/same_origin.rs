//! Requests only the site's own pages may make (starting a Checkout, reporting telemetry).
//!
//! A browser tells where a request comes from: `Sec-Fetch-Site` (every current browser) and
//! `Origin` (on every cross-origin request and every `POST`). Another site's page can post to
//! these routes with either header saying so; it is refused before it costs anything (a
//! request to Stripe's API, a count in the metrics). A request with neither header does not
//! come from a browser: it cannot carry a visitor's ambient authority, and the per-client
//! quotas bound what it costs.

use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// The fetch-metadata header.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// The origins a request may come from besides the one it was sent to (`Host`): the public
/// URL the site is reached at, when a proxy rewrites `Host`.
#[derive(Debug, Clone, Default)]
pub struct SiteOrigins {
    public: Option<String>,
}

impl SiteOrigins {
    /// Also accepts the origin of `public_url` (`https://example.com/app` → `https://example.com`).
    pub fn new(public_url: Option<&str>) -> Self {
        Self {
            public: public_url.and_then(licence::audience),
        }
    }

    /// Whether a request with `headers` (sent to `uri`) comes from this site's pages, or
    /// from no browser at all.
    pub fn allows(&self, uri: &Uri, headers: &HeaderMap) -> bool {
        if let Some(site) = headers.get(SEC_FETCH_SITE) {
            // `none`: the user's own action (a bookmark, the address bar), not another page.
            if !matches!(site.as_bytes(), b"same-origin" | b"none") {
                return false;
            }
        }
        let Some(origin) = headers.get(ORIGIN) else {
            return true;
        };
        // `null` (a sandboxed frame, a `data:` page, a redirect from another origin) and
        // anything that is not an http(s) origin are no origin of this site.
        let Some(origin) = origin.to_str().ok().and_then(licence::audience) else {
            return false;
        };
        if self.public.as_deref() == Some(origin.as_str()) {
            return true;
        }
        let host = uri
            .authority()
            .map(|a| a.as_str())
            .or_else(|| headers.get(HOST).and_then(|h| h.to_str().ok()));
        // The request's own origin: the host it was sent to, with the origin's scheme (the
        // server cannot see TLS that ends at a proxy in front of it).
        let scheme = origin
            .split_once("://")
            .map_or("http", |(scheme, _)| scheme);
        host.and_then(|host| licence::audience(&format!("{scheme}://{host}")))
            .is_some_and(|own| own == origin)
    }
}

/// 403 `cross_origin`.
pub fn refusal() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "cross_origin",
        "Cross-origin request",
        "this request is only accepted from the site's own pages",
    )
}

/// Middleware: refuses a request another site's page made.
pub async fn require(State(site): State<SiteOrigins>, request: Request, next: Next) -> Response {
    if site.allows(request.uri(), request.headers()) {
        next.run(request).await
    } else {
        tracing::info!("refused a cross-origin request");
        refusal().into_response()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn path() -> Uri {
        Uri::from_static("/api/v1/checkout")
    }

    #[test]
    fn the_sites_own_pages_and_non_browsers_are_allowed() {
        let site = SiteOrigins::default();
        for pairs in [
            &[][..],
            &[("host", "example.com")],
            &[("host", "example.com"), ("origin", "http://example.com")],
            &[("host", "example.com:80"), ("origin", "http://EXAMPLE.com")],
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin"),
            ],
            &[("sec-fetch-site", "same-origin")],
            &[("sec-fetch-site", "none")],
        ] {
            assert!(site.allows(&path(), &headers(pairs)), "{pairs:?}");
        }
    }

    #[test]
    fn other_sites_are_refused() {
        let site = SiteOrigins::default();
        for pairs in [
            &[("host", "example.com"), ("origin", "https://evil.example")][..],
            &[("host", "example.com"), ("origin", "null")],
            &[
                ("host", "example.com"),
                ("origin", "https://example.com.evil.example"),
            ],
            &[
                ("host", "example.com:8080"),
                ("origin", "http://example.com"),
            ],
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[
                ("host", "example.com"),
                ("origin", "http://example.com"),
                ("sec-fetch-site", "cross-site"),
            ],
            &[("origin", "https://example.com")], // no host to compare with
        ] {
            assert!(!site.allows(&path(), &headers(pairs)), "{pairs:?}");
        }
    }

    #[test]
    fn the_public_origin_is_accepted_behind_a_proxy_that_rewrites_host() {
        let site = SiteOrigins::new(Some("https://mpp2xml.example/app/"));
        let behind_proxy = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://mpp2xml.example"),
        ]);
        assert!(site.allows(&path(), &behind_proxy));
        let other = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!site.allows(&path(), &other));
    }
}
