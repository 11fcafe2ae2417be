//! Header digest check: SHA1HEADER / SHA256HEADER over the immutable region, as rpm verifies a
//! database header on read. A header whose digest is BAD is skipped by rpm (`rpm -qa` omits it).
//! Both digests are taken in one pass ([`twin_digest`]).

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
    // Most headers carry both; one pass gives both, whichever are wanted.
    let (sha1, sha256) = twin_digest::sha1_and_sha256(&pieces);
    let matches = |got: &[u8], want: &[u8]| hex(got).as_bytes().eq_ignore_ascii_case(want);
    let mut bad = Vec::new();
    if want256.is_some_and(|want| !matches(&sha256, want)) {
        bad.push("SHA256");
    }
    if want1.is_some_and(|want| !matches(&sha1, want)) {
        bad.push("SHA1");
    }
    if bad.is_empty() {
        DigestCheck::Ok
    } else {
        DigestCheck::Bad(bad)
    }
}
