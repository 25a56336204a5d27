//! Who the client is: the socket peer, or, when the peer is a trusted proxy
//! (`OMNICRM_TRUSTED_PROXIES`), the nearest untrusted hop of `X-Forwarded-For`.
//! Forwarded addresses from anyone else are ignored, so a client cannot pick its own
//! rate-limit bucket or the address recorded with its consent.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use ipnet::IpNet;
use omnicrm_domain::consents::RequestOrigin;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Networks whose `X-Forwarded-For` is believed (none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Trusts these networks.
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    /// Parses a comma-separated list of addresses (`10.0.0.7`) and networks
    /// (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|entry| {
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address given the socket peer and the `X-Forwarded-For` values.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let mut client = peer?.to_canonical();
        if !self.trusts(client) {
            return Some(client);
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.into_iter().rev() {
            // A hop we cannot read ends the walk at the last proxy that vouched for it.
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim_matches('"');
    IpAddr::from_str(hop)
        .ok()
        .or_else(|| SocketAddr::from_str(hop).ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// Where `req` came from, for consent records: client address and user agent.
pub fn request_origin(req: &HttpRequest, trusted: &TrustedProxies) -> RequestOrigin {
    RequestOrigin {
        ip_address: client_ip(req, trusted).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// The client address of `req` under the app's trusted proxies.
pub fn client_ip(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let forwarded: Vec<&str> = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .collect();
    trusted.client_ip(req.peer_addr().map(|a| a.ip()), &forwarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_forward() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(Some(ip("203.0.113.9")), &["198.51.100.1"]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn trusted_proxies_yield_the_nearest_untrusted_hop() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        assert_eq!(
            trusted.client_ip(
                Some(ip("127.0.0.1")),
                &["198.51.100.1, 203.0.113.5", "10.1.2.3"]
            ),
            Some(ip("203.0.113.5"))
        );
        assert_eq!(
            trusted.client_ip(Some(ip("127.0.0.1")), &["[2001:db8::1]:443"]),
            Some(ip("2001:db8::1"))
        );
        // No header: the proxy itself.
        assert_eq!(
            trusted.client_ip(Some(ip("127.0.0.1")), &[]),
            Some(ip("127.0.0.1"))
        );
        // Garbage stops the walk at the proxy that forwarded it.
        assert_eq!(
            trusted.client_ip(Some(ip("127.0.0.1")), &["203.0.113.5, nonsense"]),
            Some(ip("127.0.0.1"))
        );
        // IPv4-mapped IPv6 peers count as IPv4.
        assert_eq!(
            trusted.client_ip(Some(ip("::ffff:127.0.0.1")), &["203.0.113.7"]),
            Some(ip("203.0.113.7"))
        );
    }

    #[test]
    fn parse_reports_bad_entries() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
    }
}
