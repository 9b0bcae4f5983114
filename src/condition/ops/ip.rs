//! `IpAddress` and `NotIpAddress`. A request value is a string holding one IPv4 or IPv6
//! address (anything else makes the test unknown, D-05); an address never lies in a block of
//! the other family.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::Scalar;
use crate::condition::UnknownReason;
use crate::value::parse_ip;

/// The address `IpAddress` reads from a request value.
pub(crate) fn read(scalar: Scalar<'_>) -> Result<IpAddr, UnknownReason> {
    match scalar {
        Scalar::String(s) => parse_ip(s),
        Scalar::Number(_) | Scalar::Bool(_) => None,
    }
    .ok_or(UnknownReason::NotAnIpAddress)
}

/// Whether `address` lies in `block`.
#[inline]
#[must_use]
pub(crate) fn contains(block: &IpNet, address: &IpAddr) -> bool {
    block.contains(address)
}

/// A list of IP blocks compiled for one question, "does some block hold this address?": the
/// blocks of each family as sorted, disjoint address ranges (overlapping blocks merged), so
/// that the answer is one binary search however many blocks the policy lists. It gives the
/// answer of [`contains`] over the list: a block holds exactly the addresses from its network
/// address to its broadcast address, and an address never lies in a block of the other family.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IpSet {
    /// IPv4 ranges, first and last address inclusive, sorted and disjoint.
    v4: Box<[(u32, u32)]>,
    /// IPv6 ranges, likewise.
    v6: Box<[(u128, u128)]>,
}

/// Sorts inclusive ranges and merges those that overlap.
fn merged<T: Ord + Copy>(mut ranges: Vec<(T, T)>) -> Box<[(T, T)]> {
    ranges.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match out.last_mut() {
            Some(open) if first <= open.1 => open.1 = open.1.max(last),
            _ => out.push((first, last)),
        }
    }
    out.into_boxed_slice()
}

/// Whether a sorted list of disjoint inclusive ranges holds `address`.
#[inline]
fn holds<T: Ord + Copy>(ranges: &[(T, T)], address: T) -> bool {
    let after = ranges.partition_point(|&(first, _)| first <= address);
    after
        .checked_sub(1)
        .and_then(|at| ranges.get(at))
        .is_some_and(|&(_, last)| address <= last)
}

impl IpSet {
    /// The set of `blocks`.
    #[must_use]
    pub(crate) fn new<'a>(blocks: impl IntoIterator<Item = &'a IpNet>) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for block in blocks {
            match block {
                IpNet::V4(net) => v4.push((u32::from(net.network()), u32::from(net.broadcast()))),
                IpNet::V6(net) => v6.push((u128::from(net.network()), u128::from(net.broadcast()))),
            }
        }
        Self {
            v4: merged(v4),
            v6: merged(v6),
        }
    }

    /// Whether the set holds no block at all.
    #[must_use]
    pub(crate) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Whether some block holds `address` (the same answer as [`contains`] over the blocks).
    #[inline]
    #[must_use]
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        match address {
            IpAddr::V4(a) => self.contains_v4(a),
            IpAddr::V6(a) => holds(&self.v6, u128::from(a)),
        }
    }

    /// Whether some IPv4 block holds `address`.
    #[inline]
    #[must_use]
    pub(crate) fn contains_v4(&self, address: Ipv4Addr) -> bool {
        holds(&self.v4, u32::from(address))
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use ipnet::{Ipv4Net, Ipv6Net};
    use proptest::prelude::*;

    use super::*;

    fn block() -> impl Strategy<Value = IpNet> {
        prop_oneof![
            (any::<u32>(), 0u8..=32).prop_map(|(a, len)| {
                IpNet::V4(Ipv4Net::new(Ipv4Addr::from(a), len).unwrap_or_default())
            }),
            (any::<u128>(), 0u8..=128).prop_map(|(a, len)| {
                IpNet::V6(Ipv6Net::new(Ipv6Addr::from(a), len).unwrap_or_default())
            }),
        ]
    }

    proptest! {
        /// The set answers as a pass over the blocks does, for addresses inside, at the edges
        /// of and outside random blocks of both families.
        #[test]
        fn set_agrees_with_the_blocks(
            blocks in prop::collection::vec(block(), 0..40),
            probes in prop::collection::vec(any::<u128>(), 0..20),
        ) {
            let set = IpSet::new(&blocks);
            let mut addresses: Vec<IpAddr> = Vec::new();
            for b in &blocks {
                for a in [b.network(), b.broadcast()] {
                    addresses.push(a);
                    match a {
                        IpAddr::V4(v4) => {
                            let n = u32::from(v4);
                            addresses.push(IpAddr::V4(n.wrapping_add(1).into()));
                            addresses.push(IpAddr::V4(n.wrapping_sub(1).into()));
                        }
                        IpAddr::V6(v6) => {
                            let n = u128::from(v6);
                            addresses.push(IpAddr::V6(n.wrapping_add(1).into()));
                            addresses.push(IpAddr::V6(n.wrapping_sub(1).into()));
                        }
                    }
                }
            }
            for p in probes {
                addresses.push(IpAddr::V6(p.into()));
                addresses.push(IpAddr::V4(Ipv4Addr::from((p >> 96) as u32)));
            }
            for a in addresses {
                let want = blocks.iter().any(|b| contains(b, &a));
                prop_assert_eq!(set.contains(a), want, "{:?} in {:?}", a, blocks);
            }
            prop_assert_eq!(set.is_empty(), blocks.is_empty());
        }
    }
}
