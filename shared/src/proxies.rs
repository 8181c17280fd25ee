//! The proxies whose forwarding headers (`X-Forwarded-For`, `-Host`, `-Proto`) are believed
//! (`TRUSTED_PROXIES`): the backend and the :3000 server both read them through this type.
//! From anyone else those headers are ignored, or a client could pick the address it is
//! throttled by, or the host name it is checked against. Plain `std::net`: compiles for wasm.

use std::net::{IpAddr, SocketAddr};

/// Addresses and networks, e.g. `127.0.0.1, ::1, 10.0.0.0/8, fd00::/8`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn parse(text: &str) -> Result<Self, String> {
        let (address, prefix) = text.split_once('/').map_or((text, None), |(a, p)| (a, Some(p)));
        let address: IpAddr = address.parse().map_err(|_| format!("`{text}` is not an IP address or network"))?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("`{text}` has an invalid prefix length (0 to {bits} for that address)"))?,
        };
        Ok(Network { address, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let (network, ip, bits) = match (self.address, ip) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => (network.to_bits().into(), ip.to_bits().into(), 32),
            (IpAddr::V6(network), IpAddr::V6(ip)) => (network.to_bits(), ip.to_bits(), 128),
            _ => return false,
        };
        let differing: u128 = network ^ ip;
        // A /0 shifts by the whole width: everything matches.
        differing.checked_shr(u32::from(bits - self.prefix)).unwrap_or(0) == 0
    }
}

impl TrustedProxies {
    /// Nobody: every forwarding header is ignored.
    pub fn none() -> Self {
        TrustedProxies(Vec::new())
    }

    /// A proxy on the same machine (`cargo xtask dev`: the :3000 server in front of the API).
    pub fn loopback() -> Self {
        Self::parse("127.0.0.0/8, ::1").expect("static list parses")
    }

    /// A comma-separated list of addresses and CIDR networks; empty entries are skipped.
    pub fn parse(list: &str) -> Result<Self, String> {
        let entries = list.split(',').map(str::trim).filter(|entry| !entry.is_empty());
        entries.map(Network::parse).collect::<Result<_, _>>().map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        // An IPv4 client of a dual-stack socket shows as `::ffff:10.0.0.5`.
        let ip = ip.to_canonical();
        self.0.iter().any(|network| network.contains(ip))
    }

    /// Whether some entry is `0.0.0.0/0` or `::/0`: then anyone may say who the client is.
    pub fn trusts_any_address(&self) -> bool {
        self.0.iter().any(|network| network.prefix == 0)
    }

    /// The client's address: the peer itself unless it is a trusted proxy; then, walking
    /// `X-Forwarded-For` (all its lines, in order) from the right, the first address that is
    /// not a trusted proxy. What lies left of it was written by the client and is ignored.
    pub fn client_ip<'a>(&self, peer: IpAddr, forwarded_for: impl IntoIterator<Item = &'a str>) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = forwarded_for.into_iter().flat_map(|line| line.split(',')).collect();
        for hop in hops.into_iter().rev() {
            // Something unreadable: the last proxy that spoke is the best we know.
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }

    /// What a single-valued forwarding header (`X-Forwarded-Host`, `X-Forwarded-Proto`) says,
    /// when the peer that sent it is a trusted proxy; `None` from anyone else. A list keeps
    /// its first value: the one the outermost proxy wrote.
    pub fn forwarded<'a>(&self, peer: Option<IpAddr>, header: Option<&'a str>) -> Option<&'a str> {
        peer.filter(|peer| self.trusts(*peer))?;
        header?.split(',').next().map(str::trim).filter(|value| !value.is_empty())
    }
}

/// One `X-Forwarded-For` entry: `203.0.113.7`, `2001:db8::1`, or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let ip = hop.parse::<IpAddr>().or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip())).ok()?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn lists_of_addresses_and_networks_parse_and_match() {
        let trusted = TrustedProxies::parse(" 10.0.0.0/8, 192.168.1.7 ,, fd00::/8, ::1").unwrap();
        for inside in ["10.0.0.1", "10.255.255.255", "192.168.1.7", "fd12::3", "::1", "::ffff:10.1.2.3"] {
            assert!(trusted.trusts(ip(inside)), "{inside}");
        }
        for outside in ["11.0.0.1", "192.168.1.8", "fe80::1", "127.0.0.1", "203.0.113.9"] {
            assert!(!trusted.trusts(ip(outside)), "{outside}");
        }
        assert!(!trusted.trusts_any_address());
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::none());
        assert!(TrustedProxies::parse("0.0.0.0/0").unwrap().trusts(ip("203.0.113.9")));
        assert!(TrustedProxies::parse("::/0").unwrap().trusts_any_address());
        assert!(TrustedProxies::parse("172.16.0.0/12").unwrap().trusts(ip("172.31.255.1")));
        assert!(!TrustedProxies::parse("172.16.0.0/12").unwrap().trusts(ip("172.32.0.1")));
    }

    #[test]
    fn invalid_entries_are_refused_by_name() {
        for bad in ["10.0.0.0/33", "::/129", "10.0.0/8", "localhost", "10.0.0.0/", "10.0.0.0/-1", "*"] {
            let error = TrustedProxies::parse(&format!("127.0.0.1, {bad}")).unwrap_err();
            assert!(error.contains(bad), "{bad}: {error}");
        }
    }

    #[test]
    fn loopback_covers_the_whole_loopback_range_and_nothing_else() {
        let loopback = TrustedProxies::loopback();
        assert!(loopback.trusts(ip("127.0.0.1")) && loopback.trusts(ip("127.9.9.9")) && loopback.trusts(ip("::1")));
        assert!(!loopback.trusts(ip("10.0.0.1")) && !loopback.trusts(ip("172.17.0.2")));
    }

    #[test]
    fn the_client_is_the_right_most_address_that_is_not_a_trusted_proxy() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let client = |peer: &str, lines: &[&str]| trusted.client_ip(ip(peer), lines.iter().copied()).to_string();
        assert_eq!(client("203.0.113.9", &["1.2.3.4"]), "203.0.113.9", "an untrusted peer cannot forge");
        assert_eq!(client("127.0.0.1", &[]), "127.0.0.1");
        assert_eq!(client("127.0.0.1", &["198.51.100.7"]), "198.51.100.7");
        assert_eq!(client("127.0.0.1", &["1.2.3.4, 198.51.100.7, 10.0.0.3"]), "198.51.100.7", "forged left part");
        assert_eq!(client("127.0.0.1", &["1.2.3.4", "198.51.100.7, 10.0.0.3"]), "198.51.100.7", "several lines");
        assert_eq!(client("10.0.0.2", &["10.0.0.9, 10.0.0.3"]), "10.0.0.9", "only proxies: the farthest");
        assert_eq!(client("127.0.0.1", &["1.2.3.4, garbage, 10.0.0.3"]), "10.0.0.3", "stops at what it cannot read");
        assert_eq!(client("127.0.0.1", &["[2001:db8::7]:4711"]), "2001:db8::7");
        assert_eq!(client("::ffff:127.0.0.1", &["::ffff:198.51.100.7"]), "198.51.100.7");
    }

    #[test]
    fn forwarded_hosts_and_schemes_are_taken_only_from_trusted_peers() {
        let trusted = TrustedProxies::loopback();
        assert_eq!(trusted.forwarded(Some(ip("127.0.0.1")), Some("deala.example")), Some("deala.example"));
        assert_eq!(trusted.forwarded(Some(ip("127.0.0.1")), Some("https, http")), Some("https"));
        assert_eq!(trusted.forwarded(Some(ip("127.0.0.1")), Some(" ")), None);
        assert_eq!(trusted.forwarded(Some(ip("127.0.0.1")), None), None);
        assert_eq!(trusted.forwarded(Some(ip("203.0.113.9")), Some("deala.example")), None);
        assert_eq!(trusted.forwarded(None, Some("deala.example")), None);
    }
}
