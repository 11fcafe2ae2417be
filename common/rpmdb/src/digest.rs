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

fn feed_region<D: sha1::Digest>(h: &Header, ril: usize, rdl: usize, d: &mut D) {
    let blob = h.blob();
    let data_start = 8 + h.index_len() * 16;
    d.update(HEADER_MAGIC);
    d.update((ril as u32).to_be_bytes());
    d.update((rdl as u32).to_be_bytes());
    d.update(&blob[8..8 + ril * 16]);
    d.update(&blob[data_start..data_start + rdl]);
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
    let mut bad = Vec::new();
    let mut any = false;
    if let Some(want) = h.string_bytes(tags::SHA256HEADER) {
        any = true;
        let mut d = Sha256::new();
        feed_region(h, ril, rdl, &mut d);
        if !hex(&d.finalize()).as_bytes().eq_ignore_ascii_case(want) {
            bad.push("SHA256");
        }
    }
    if let Some(want) = h.string_bytes(tags::SHA1HEADER) {
        any = true;
        let mut d = Sha1::new();
        feed_region(h, ril, rdl, &mut d);
        if !hex(&d.finalize()).as_bytes().eq_ignore_ascii_case(want) {
            bad.push("SHA1");
        }
    }
    match (any, bad.is_empty()) {
        (false, _) => DigestCheck::NotPresent,
        (true, true) => DigestCheck::Ok,
        (true, false) => DigestCheck::Bad(bad),
    }
}
