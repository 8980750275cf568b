//! Who the client is, for rate limits: the socket's peer, or, behind a trusted reverse proxy,
//! the address that proxy saw (`X-Forwarded-For`).
//!
//! The header is only believed when the peer is a configured proxy: anyone else could write
//! any address in it and get a fresh quota with every request. Each proxy appends the address
//! it received the request from, so the list is read from the right and the first address
//! that is not itself a trusted proxy is the client; what lies left of it was written by the
//! client and is ignored.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use ipnet::IpNet;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// The header reverse proxies append the client's address to.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Arc<[IpNet]>,
}

impl TrustedProxies {
    /// Trusts the addresses in `nets`.
    pub fn new(nets: &[IpNet]) -> Self {
        Self { nets: nets.into() }
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        // Several header lines are one list, in order (RFC 9110 §5.3).
        let hops = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect::<Vec<_>>();
        // The closest hop known so far: the peer, then each trusted proxy found on the way.
        let mut closest = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // Garbage (an `unknown`, a typo) ends what can be believed.
                return closest;
            };
            if !self.contains(ip) {
                return ip;
            }
            closest = ip;
        }
        closest
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>()
        .ok()
        .map(|addr| canonical(addr.ip()))
}

/// IPv4 addresses written as IPv6 (`::ffff:1.2.3.4`, from a dual-stack socket) as plain IPv4,
/// so that one client has one key and proxy lists match either way.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The rate-limit key of a client: its IPv4 address, or its IPv6 /64 network, since one
/// subscriber usually holds a whole /64 and could otherwise take a new address per request.
pub fn rate_key(client: IpAddr) -> IpAddr {
    match canonical(client) {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The rate limiters' key extractor: [`rate_key`] of the client [`TrustedProxies::client`]
/// finds.
///
/// The peer comes from the `ConnectInfo<SocketAddr>` that `run` serves with. A service
/// embedded without it has no peer address: those requests share one key (`0.0.0.0`), so they
/// are still limited, together.
#[derive(Debug, Clone)]
pub struct ClientKey {
    proxies: TrustedProxies,
}

impl ClientKey {
    /// Keys requests by client, believing `proxies`.
    pub fn new(proxies: TrustedProxies) -> Self {
        Self { proxies }
    }

    /// The key of `request`'s client, as the rate limiters see it (also what the per-client
    /// upload cap counts by).
    pub fn key_of<T>(&self, request: &Request<T>) -> IpAddr {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        rate_key(self.proxies.client(peer, request.headers()))
    }
}

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<Self::Key, GovernorError> {
        Ok(self.key_of(request))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    fn proxies(nets: &[&str]) -> TrustedProxies {
        let nets: Vec<IpNet> = nets
            .iter()
            .map(|n| n.parse().unwrap_or_else(|_| IpNet::from(ip(n))))
            .collect();
        TrustedProxies::new(&nets)
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            none.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            trusted.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.0.2.7"]);
        // The client claims 1.1.1.1; the outer proxy (192.0.2.7) saw 203.0.113.9 and the
        // inner one (10.0.0.2) saw the outer one.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "192.0.2.7"]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &headers), ip("203.0.113.9"));
    }

    #[test]
    fn ports_mapped_addresses_and_garbage_are_handled() {
        let trusted = proxies(&["10.0.0.1"]);
        assert_eq!(
            trusted.client(ip("::ffff:10.0.0.1"), &forwarded(&["203.0.113.9:4711"])),
            ip("203.0.113.9")
        );
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &forwarded(&["[2001:db8::5]:443"])),
            ip("2001:db8::5")
        );
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &forwarded(&["203.0.113.9, unknown"])),
            ip("10.0.0.1")
        );
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // Only proxies in the list: the leftmost one is the closest known hop.
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &forwarded(&["10.0.0.1"])),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_network() {
        assert_eq!(rate_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            rate_key(ip("2001:db8:1:2:bbbb::9")),
            rate_key(ip("2001:db8:1:2:aaaa::1"))
        );
        assert_ne!(
            rate_key(ip("2001:db8:1:3::1")),
            rate_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(rate_key(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(rate_key(ip("203.0.113.9")), ip("203.0.113.9"));
    }

    #[test]
    fn the_extractor_reads_the_connect_info() {
        let key = ClientKey::new(proxies(&["127.0.0.1"]));
        let mut request = Request::builder()
            .header(X_FORWARDED_FOR, "203.0.113.9")
            .body(())
            .unwrap();
        assert_eq!(key.extract(&request).unwrap(), ip("0.0.0.0"));
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5000))));
        assert_eq!(key.extract(&request).unwrap(), ip("203.0.113.9"));
    }
}
