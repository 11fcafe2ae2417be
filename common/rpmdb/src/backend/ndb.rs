//! Reader for SUSE's ndb `Packages.db` (rpm's `lib/backend/ndb/rpmpkg.c` layout).
//!
//! Everything is little-endian. The file starts with a 32-byte header (magic `RpmP`, version 0,
//! generation, number of 4096-byte slot pages, next package index); the slot pages hold 16-byte
//! slots (magic `Slot`, package index, first 16-byte block, block count; a slot whose block
//! offset is 0 is free). Each used slot points at a blob: a 16-byte head (magic `BlbS`, package
//! index, timestamp, length), the header blob, zero padding, and a 12-byte tail (adler32 of all
//! bytes before the tail, length again, magic `BlbE`). Every field is checked, the adler32
//! included (rpm itself only checks it when verifying), so damage is reported, not skipped.

use std::collections::HashSet;
use std::io;
use std::path::Path;

use super::{BackendError, Delivery, HeaderSink, RawHeader, ReadAt, MAX_HEADER_BYTES};

const FILE_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_HEAD_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const BLOB_TAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");
const HEADER_SIZE: usize = 32;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: u64 = 16;
const PAGE_SIZE: usize = 4096;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;
/// Files larger than this are refused: no real rpm database comes near it.
pub const MAX_FILE_BYTES: u64 = 8 << 30;

fn le32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// Adler-32 as in RFC 1950 (what rpmpkg.c uses for its blob checksums).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// One used slot of the slot table.
struct Slot {
    slotno: usize,
    pkgidx: u32,
    blkoff: u32,
    blkcnt: u32,
}

/// Reads every header blob of an ndb `Packages.db`, sorted by package index (hnum).
/// `path` is only used in error messages.
pub fn read_headers<S: ReadAt + ?Sized>(
    src: &S,
    path: &Path,
) -> Result<Vec<RawHeader>, BackendError> {
    super::collect(|blobs, each| for_each_header(src, path, blobs, each))
}

/// Hands every header blob of an ndb `Packages.db` to `each`, in package index order, copied
/// to the end of `blobs` (see [`Delivery`]). `path` is only used in error messages.
pub fn for_each_header<S: ReadAt + ?Sized>(
    src: &S,
    path: &Path,
    blobs: &mut Vec<u8>,
    each: &mut HeaderSink<'_>,
) -> Result<(), BackendError> {
    let corrupt = |reason: String| BackendError::corrupt(path, None, reason);
    let read = |buf: &mut [u8], off: u64| {
        src.read_exact_at(buf, off).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                corrupt(format!("truncated: nothing at byte offset {off}"))
            } else {
                BackendError::io(path, e)
            }
        })
    };
    let size = src.size().map_err(|e| BackendError::io(path, e))?;
    if size > MAX_FILE_BYTES {
        return Err(BackendError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    if size < PAGE_SIZE as u64 {
        return Err(corrupt(format!(
            "{size} bytes is too short for an ndb Packages.db (truncated?)"
        )));
    }
    if size % BLK_SIZE != 0 {
        return Err(corrupt(format!(
            "file size {size} is not a multiple of 16 (truncated?)"
        )));
    }
    let fileblks = size / BLK_SIZE;
    let mut head = [0u8; HEADER_SIZE];
    read(&mut head, 0)?;
    if le32(&head, 0) != FILE_MAGIC {
        return Err(BackendError::unsupported(
            path,
            "not an ndb package database (no RpmP magic)",
        ));
    }
    let version = le32(&head, 4);
    if version != 0 {
        return Err(BackendError::unsupported(
            path,
            format!("ndb Packages.db version {version} (only version 0 exists in rpm 4.18)"),
        ));
    }
    let slot_npages = le32(&head, 12);
    if slot_npages == 0 || u64::from(slot_npages) * PAGE_SIZE as u64 > size {
        return Err(corrupt(format!(
            "header declares {slot_npages} slot pages, the file has {size} bytes"
        )));
    }
    let min_blkoff = u64::from(slot_npages) * (PAGE_SIZE as u64 / BLK_SIZE);

    let mut slots = Vec::new();
    let mut seen = HashSet::new();
    let mut page = vec![0u8; PAGE_SIZE];
    for pg in 0..slot_npages as usize {
        read(&mut page, (pg * PAGE_SIZE) as u64)?;
        let start = if pg == 0 { HEADER_SIZE } else { 0 };
        for o in (start..PAGE_SIZE).step_by(SLOT_SIZE) {
            let slotno = (pg * PAGE_SIZE + o) / SLOT_SIZE;
            if le32(&page, o) != SLOT_MAGIC {
                return Err(corrupt(format!("slot {slotno}: bad slot magic")));
            }
            let blkoff = le32(&page, o + 8);
            if blkoff == 0 {
                continue;
            }
            let slot = Slot {
                slotno,
                pkgidx: le32(&page, o + 4),
                blkoff,
                blkcnt: le32(&page, o + 12),
            };
            if u64::from(slot.blkoff) + u64::from(slot.blkcnt) > fileblks {
                return Err(corrupt(format!(
                    "slot {slotno}: blob at block {} (+{} blocks) lies past the end of the file \
                     (truncated?)",
                    slot.blkoff, slot.blkcnt
                )));
            }
            if slot.pkgidx == 0 || slot.blkcnt == 0 || u64::from(slot.blkoff) < min_blkoff {
                return Err(corrupt(format!(
                    "slot {slotno}: invalid entry (package {}, block {}, {} blocks)",
                    slot.pkgidx, slot.blkoff, slot.blkcnt
                )));
            }
            if !seen.insert(slot.pkgidx) {
                return Err(corrupt(format!(
                    "slot {slotno}: package index {} appears in two slots",
                    slot.pkgidx
                )));
            }
            slots.push(slot);
        }
    }
    slots.sort_by_key(|s| s.pkgidx);

    let mut blob = Vec::new();
    for slot in &slots {
        let bytes = u64::from(slot.blkcnt) * BLK_SIZE;
        let min_blocks = (BLOB_HEAD + BLOB_TAIL) as u64 / BLK_SIZE + 1;
        if u64::from(slot.blkcnt) < min_blocks || bytes > MAX_HEADER_BYTES + 64 {
            return Err(corrupt(format!(
                "slot {}: implausible blob size of {} blocks",
                slot.slotno, slot.blkcnt
            )));
        }
        let offset = u64::from(slot.blkoff) * BLK_SIZE;
        if offset + bytes > size {
            // What the read would say, before a buffer that large is filled with zeros.
            return Err(corrupt(format!(
                "truncated: nothing at byte offset {offset}"
            )));
        }
        blob.clear();
        blob.resize(bytes as usize, 0);
        read(&mut blob, offset)?;
        let what = |reason: &str| {
            corrupt(format!(
                "package {} (slot {}, block {}): {reason}",
                slot.pkgidx, slot.slotno, slot.blkoff
            ))
        };
        if le32(&blob, 0) != BLOB_HEAD_MAGIC {
            return Err(what("bad blob head magic"));
        }
        if le32(&blob, 4) != slot.pkgidx {
            return Err(what("blob head names another package"));
        }
        let bloblen = le32(&blob, 12) as usize;
        let expected_blocks =
            (BLOB_HEAD as u64 + bloblen as u64 + BLOB_TAIL as u64).div_ceil(BLK_SIZE);
        if expected_blocks != u64::from(slot.blkcnt) {
            return Err(what(&format!(
                "blob length {bloblen} does not fit the slot's {} blocks",
                slot.blkcnt
            )));
        }
        let tail = blob.len() - BLOB_TAIL;
        if le32(&blob, tail + 8) != BLOB_TAIL_MAGIC {
            return Err(what("bad blob tail magic"));
        }
        if le32(&blob, tail + 4) as usize != bloblen {
            return Err(what("blob tail length differs from the head"));
        }
        let stored = le32(&blob, tail);
        let computed = adler32(&blob[..tail]);
        if stored != computed {
            return Err(what(&format!(
                "adler32 checksum mismatch (stored {stored:08x}, computed {computed:08x})"
            )));
        }
        let start = blobs.len();
        blobs.extend_from_slice(&blob[BLOB_HEAD..BLOB_HEAD + bloblen]);
        each(Delivery::Header {
            name: slot.pkgidx,
            blobs,
            start,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_matches_rfc1950_examples() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let big = vec![0xffu8; 100_000];
        // Reference value computed the slow way (mod after every byte).
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &big {
            a = (a + u64::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        assert_eq!(adler32(&big), ((b << 16) | a) as u32);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        let p = Path::new("Packages.db");
        for data in [
            vec![],
            vec![0u8; 4096],
            vec![0u8; 4097],
            b"RpmP".repeat(1024),
        ] {
            assert!(read_headers(&data[..], p).is_err());
        }
    }

    #[test]
    fn random_damage_to_a_built_database_never_panics() {
        // A well-formed two-package file built from the layout above, then damaged at random.
        let mut file = vec![0u8; PAGE_SIZE];
        file[0..4].copy_from_slice(b"RpmP");
        file[12..16].copy_from_slice(&1u32.to_le_bytes());
        for o in (HEADER_SIZE..PAGE_SIZE).step_by(SLOT_SIZE) {
            file[o..o + 4].copy_from_slice(b"Slot");
        }
        for (n, pkgidx) in [(0usize, 7u32), (1, 3)] {
            let blob: Vec<u8> = (0..100 + 37 * n).map(|i| i as u8).collect();
            let blkoff = (file.len() as u64 / BLK_SIZE) as u32;
            let mut b = Vec::new();
            b.extend_from_slice(b"BlbS");
            b.extend_from_slice(&pkgidx.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
            b.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            b.extend_from_slice(&blob);
            let pad = (16 - (b.len() + BLOB_TAIL) % 16) % 16;
            b.resize(b.len() + pad, 0);
            let sum = adler32(&b);
            b.extend_from_slice(&sum.to_le_bytes());
            b.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            b.extend_from_slice(b"BlbE");
            let slot = HEADER_SIZE + n * SLOT_SIZE;
            file[slot + 4..slot + 8].copy_from_slice(&pkgidx.to_le_bytes());
            file[slot + 8..slot + 12].copy_from_slice(&blkoff.to_le_bytes());
            file[slot + 12..slot + 16].copy_from_slice(&((b.len() / 16) as u32).to_le_bytes());
            file.extend_from_slice(&b);
        }
        let p = Path::new("Packages.db");
        let good = read_headers(&file[..], p).unwrap();
        assert_eq!(good.iter().map(|h| h.hnum).collect::<Vec<_>>(), [3, 7]);
        assert_eq!(good[1].blob.len(), 100);
        let mut rng = testkit::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = move || rng.next_u64();
        for _ in 0..3000 {
            let mut copy = file.clone();
            let off = (next() % copy.len() as u64) as usize;
            copy[off] ^= (next() as u8) | 1;
            match read_headers(&copy[..], p) {
                Err(e) => assert!(e.to_string().starts_with("Packages.db: "), "{e}"),
                // Only bytes no check covers (unused header fields, free slots' other fields).
                Ok(h) => assert!(h == good, "undetected damage at byte {off}"),
            }
        }
    }
}
