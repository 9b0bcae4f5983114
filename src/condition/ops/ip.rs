//! `IpAddress` and `NotIpAddress`. A request value is a string holding one IPv4 or IPv6
//! address (anything else makes the test unknown, D-05); an address never lies in a block of
//! the other family.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

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

/// Whether an IPv6 `address` lies in `block` (the same answer as [`contains`]).
#[inline]
#[must_use]
pub(crate) fn contains_v6(block: &Ipv6Net, address: &Ipv6Addr) -> bool {
    block.contains(address)
}

/// An IPv4 block compiled to integers: network and mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct V4Block {
    network: u32,
    mask: u32,
}

impl V4Block {
    /// The block of `net`.
    #[must_use]
    pub(crate) fn new(net: Ipv4Net) -> Self {
        let mask = u32::from(net.netmask());
        Self {
            network: u32::from(net.network()) & mask,
            mask,
        }
    }

    /// Whether `address` lies in the block (the same answer as [`contains`]).
    #[inline(always)]
    #[must_use]
    pub(crate) fn contains(self, address: Ipv4Addr) -> bool {
        u32::from(address) & self.mask == self.network
    }
}
