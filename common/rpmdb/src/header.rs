//! Parsing of one rpm header blob as stored in an rpm database (`il`, `dl`, index entries, data
//! store), with the immutable region (tag 63) and install-time "dribble" entries that override
//! same-tag region entries. Every count and offset is bounds-checked: malformed input gives
//! [`Error::BadHeader`], never a panic or a huge allocation. Values are read lazily from the blob.

use std::borrow::Cow;

use crate::error::Error;
use crate::tags::{self, types};

/// rpm's limit on the number of index entries (`HEADER_TAGS_MAX`).
const MAX_INDEX_ENTRIES: usize = 0xffff;
/// rpm's limit on the size of the data store (`HEADER_DATA_MAX`).
const MAX_DATA: usize = 0x0fff_ffff;
/// rpm's limit on the number of values of a tag other than BIN (`HEADER_ARRAY_MAX`).
const MAX_ARRAY: u32 = 0x000f_ffff;
const ENTRY_SIZE: usize = 16;
const REGION_TRAILER: usize = 16;

/// One index entry whose data has been located and measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    tag: u32,
    ty: u32,
    /// Offset of the value inside the data store.
    offset: u32,
    count: u32,
    /// Length in bytes of the value (strings included their NULs).
    len: u32,
}

/// The immutable region of a header: the first `ril` index entries and first `rdl` data bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Region tag (63 HEADERIMMUTABLE normally).
    pub tag: u32,
    /// Number of index entries inside the region.
    pub ril: u32,
    /// Number of data-store bytes inside the region.
    pub rdl: u32,
}

/// A parsed rpm header, over a blob it owns ([`Header::from_vec`]) or borrows
/// ([`Header::parse`]); accessors borrow from it.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    blob: Cow<'a, [u8]>,
    /// One entry per tag, sorted by tag; a dribble replaces a region entry of the same tag.
    entries: Vec<Entry>,
    il: usize,
    data_start: usize,
    region: Option<Region>,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn type_size(ty: u32) -> Option<usize> {
    match ty {
        types::NULL => Some(0),
        types::CHAR | types::INT8 | types::BIN => Some(1),
        types::INT16 => Some(2),
        types::INT32 => Some(4),
        types::INT64 => Some(8),
        _ => None,
    }
}

/// The position of the first NUL in `s`. Header strings are mostly short (user names, empty
/// link targets, base names): the first 16 bytes are tested 8 at a time in registers before
/// handing longer strings to `memchr`.
#[inline]
fn nul_pos(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while at < 16 {
        let Some(word) = s.get(at..at + 8) else {
            return memchr::memchr(0, &s[at..]).map(|i| at + i);
        };
        let v = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // The lowest set high bit marks the first zero byte (borrows only run upwards).
        let zero = v.wrapping_sub(LO) & !v & HI;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr::memchr(0, &s[at..]).map(|i| at + i)
}

/// Length of `count` NUL-terminated strings starting at `data[0]`, or None if they do not fit.
/// Most of a header is string arrays of short strings (base names, digests, user names): a
/// block holding fewer NULs than are still to be found is skipped by counting its NULs (with
/// SIMD), and only the last strings are walked one by one.
fn strings_len(data: &[u8], count: u32) -> Option<usize> {
    const BLOCK: usize = 256;
    let mut pos = 0usize;
    let mut left = count as usize;
    while left > 8 {
        let Some(block) = data.get(pos..pos + BLOCK) else {
            break;
        };
        let nuls = memchr::memchr_iter(0, block).count();
        if nuls >= left {
            break;
        }
        left -= nuls;
        pos += BLOCK;
    }
    for _ in 0..left {
        let nul = nul_pos(data.get(pos..)?)?;
        pos += nul + 1;
    }
    Some(pos)
}

impl Header<'static> {
    /// Parses a header blob (no 8-byte magic, as stored in rpm databases), taking ownership of
    /// it (no copy).
    pub fn from_vec(blob: Vec<u8>) -> Result<Header<'static>, Error> {
        Header::new(Cow::Owned(blob))
    }
}

impl<'a> Header<'a> {
    /// Parses a header blob (no 8-byte magic, as stored in rpm databases), borrowing it.
    pub fn parse(blob: &'a [u8]) -> Result<Header<'a>, Error> {
        Header::new(Cow::Borrowed(blob))
    }

    fn new(blob: Cow<'a, [u8]>) -> Result<Header<'a>, Error> {
        if blob.len() < 8 {
            return Err(Error::bad_header(format!(
                "blob of {} bytes is shorter than the 8-byte preamble",
                blob.len()
            )));
        }
        let il = be32(&blob, 0) as usize;
        let dl = be32(&blob, 4) as usize;
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return Err(Error::bad_header(format!(
                "index entry count {il} out of range"
            )));
        }
        if dl > MAX_DATA {
            return Err(Error::bad_header(format!("data length {dl} out of range")));
        }
        let data_start = 8 + il * ENTRY_SIZE;
        let expected = data_start + dl;
        if blob.len() != expected {
            return Err(Error::bad_header(format!(
                "blob size {} does not match 8 + 16 * il({il}) + dl({dl}) = {expected}",
                blob.len()
            )));
        }
        let data = &blob[data_start..];
        let region = Self::parse_region(&blob, il, data)?;

        let mut entries = Vec::with_capacity(il);
        // As rpm (hdrblobVerifyInfo): each entry's data starts where the one before it ends or
        // later, none runs into the region trailer, and known tags have their known types.
        let mut end = 0usize;
        // rpm cannot check the types of a signature header's tags.
        let typed =
            region.is_some_and(|r| matches!(r.tag, tags::HEADERIMMUTABLE | tags::HEADERIMAGE));
        for i in 0..il {
            let at = 8 + i * ENTRY_SIZE;
            let tag = be32(&blob, at);
            let ty = be32(&blob, at + 4);
            let offset = be32(&blob, at + 8);
            let count = be32(&blob, at + 12);
            if i == 0 && region.is_some() {
                continue; // the region tag itself, already checked
            }
            let entry = Self::check_entry(i, tag, ty, offset, count, data)?;
            if typed && crate::tagtypes::type_mismatch(tag, ty) {
                return Err(Error::bad_header(format!(
                    "index entry {i} (tag {tag}): type {ty}, not the type rpm gives the tag"
                )));
            }
            let start = offset as usize;
            if start < end {
                return Err(Error::bad_header(format!(
                    "index entry {i} (tag {tag}): data at {start} overlaps the entry before, \
                     which ends at {end}"
                )));
            }
            end = start + entry.len as usize;
            if let Some(r) = region {
                let rdl = r.rdl as usize;
                if end > rdl - REGION_TRAILER && start < rdl {
                    return Err(Error::bad_header(format!(
                        "index entry {i} (tag {tag}): data runs into the region trailer"
                    )));
                }
            }
            entries.push(entry);
        }
        // Stable sort keeps index order among equal tags; keep the last one (dribbles win).
        entries.sort_by_key(|e| e.tag);
        let mut unique: Vec<Entry> = Vec::with_capacity(entries.len());
        for e in entries {
            match unique.last_mut() {
                Some(last) if last.tag == e.tag => *last = e,
                _ => unique.push(e),
            }
        }
        // rpm: a dribble BASENAMES deletes a legacy OLDFILENAMES.
        if let Some(r) = region {
            let dribble_basenames =
                (r.ril as usize..il).any(|i| be32(&blob, 8 + i * ENTRY_SIZE) == tags::BASENAMES);
            if dribble_basenames {
                unique.retain(|e| e.tag != tags::OLDFILENAMES);
            }
        }
        Ok(Header {
            blob,
            entries: unique,
            il,
            data_start,
            region,
        })
    }

    fn parse_region(blob: &[u8], il: usize, data: &[u8]) -> Result<Option<Region>, Error> {
        let tag = be32(blob, 8);
        if !matches!(
            tag,
            tags::HEADERIMAGE | tags::HEADERSIGNATURES | tags::HEADERIMMUTABLE
        ) {
            return Ok(None); // legacy header without a region
        }
        let ty = be32(blob, 12);
        let offset = be32(blob, 16) as usize;
        let count = be32(blob, 20);
        if ty != types::BIN || count as usize != REGION_TRAILER {
            return Err(Error::bad_header(format!(
                "region tag {tag}: type {ty} count {count}, expected BIN 16"
            )));
        }
        let end = offset
            .checked_add(REGION_TRAILER)
            .filter(|&e| e <= data.len())
            .ok_or_else(|| {
                Error::bad_header(format!("region trailer offset {offset} out of range"))
            })?;
        let t_tag = be32(data, offset);
        let t_ty = be32(data, offset + 4);
        let t_off = be32(data, offset + 8) as i32;
        let t_count = be32(data, offset + 12);
        let tag_ok = t_tag == tag
            || (tag == tags::HEADERSIGNATURES && t_tag == tags::HEADERIMAGE)
            || (tag == tags::HEADERIMAGE && t_tag == tags::HEADERIMMUTABLE);
        if !tag_ok || t_ty != types::BIN || t_count as usize != REGION_TRAILER {
            return Err(Error::bad_header(format!(
                "region trailer: tag {t_tag} type {t_ty} count {t_count} does not match region tag {tag}"
            )));
        }
        let neg = t_off.checked_neg().filter(|n| *n > 0).map(|n| n as usize);
        let ril = match neg {
            Some(n) if n.is_multiple_of(ENTRY_SIZE) && n / ENTRY_SIZE <= il => n / ENTRY_SIZE,
            _ => {
                return Err(Error::bad_header(format!(
                    "region size: trailer offset {t_off} does not describe 1..={il} entries"
                )))
            }
        };
        Ok(Some(Region {
            tag,
            ril: ril as u32,
            rdl: end as u32,
        }))
    }

    fn check_entry(
        i: usize,
        tag: u32,
        ty: u32,
        offset: u32,
        count: u32,
        data: &[u8],
    ) -> Result<Entry, Error> {
        let bad = |what: String| Error::bad_header(format!("index entry {i} (tag {tag}): {what}"));
        if tag < tags::HEADERI18NTABLE {
            return Err(bad("tag number below 100".into()));
        }
        // rpm's bounds on counts (hdrchkCount, hdrchkArray).
        if count == 0 || count as usize > data.len() {
            return Err(bad(format!("count {count} out of range")));
        }
        if ty != types::BIN && count > MAX_ARRAY {
            return Err(bad(format!(
                "{count} values, over rpm's limit of {MAX_ARRAY}"
            )));
        }
        let off = offset as usize;
        if off > data.len() {
            return Err(bad(format!(
                "offset {off} beyond data length {}",
                data.len()
            )));
        }
        let rest = &data[off..];
        let len = match ty {
            types::STRING => {
                if count != 1 {
                    return Err(bad(format!("STRING with count {count}")));
                }
                strings_len(rest, 1)
            }
            types::STRING_ARRAY | types::I18NSTRING => {
                if count as usize > rest.len() {
                    return Err(bad(format!("string array count {count} out of range")));
                }
                strings_len(rest, count)
            }
            _ => {
                let size = type_size(ty).ok_or_else(|| bad(format!("unknown value type {ty}")))?;
                if size > 1 && !off.is_multiple_of(size) {
                    return Err(bad(format!("offset {off} misaligned for type {ty}")));
                }
                (count as usize)
                    .checked_mul(size)
                    .filter(|&l| l <= rest.len())
            }
        };
        let len = len.ok_or_else(|| {
            bad(format!(
                "{count} values of type {ty} overrun the data store"
            ))
        })?;
        if len == 0 {
            // A NULL value: rpm refuses data of no length.
            return Err(bad(format!("no data (type {ty})")));
        }
        Ok(Entry {
            tag,
            ty,
            offset,
            count,
            len: len as u32,
        })
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries
            .binary_search_by_key(&tag, |e| e.tag)
            .ok()
            .map(|i| &self.entries[i])
    }

    fn value(&self, e: &Entry) -> &[u8] {
        let start = self.data_start + e.offset as usize;
        &self.blob[start..start + e.len as usize]
    }

    /// The raw blob this header was parsed from.
    pub fn blob(&self) -> &[u8] {
        &self.blob
    }

    /// Gives the blob back (to reuse its buffer; a borrowed blob is copied).
    pub fn into_blob(self) -> Vec<u8> {
        self.blob.into_owned()
    }

    /// The immutable region, if the header has one (all rpm ≥ 4 headers do).
    pub fn region(&self) -> Option<Region> {
        self.region
    }

    /// Number of index entries in the blob (including the region tag and overridden entries).
    pub fn index_len(&self) -> usize {
        self.il
    }

    /// The tags present (after dribble override), ascending.
    pub fn tags(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.iter().map(|e| e.tag)
    }

    /// Whether the tag is present.
    pub fn has(&self, tag: u32) -> bool {
        self.entry(tag).is_some()
    }

    /// Type code (`tags::types`) and element count of a tag.
    pub fn type_count(&self, tag: u32) -> Option<(u32, u32)> {
        self.entry(tag).map(|e| (e.ty, e.count))
    }

    /// A STRING tag (or element 0 of an I18NSTRING / STRING_ARRAY) as bytes, without its NUL.
    pub fn string_bytes(&self, tag: u32) -> Option<&[u8]> {
        let e = self.entry(tag)?;
        match e.ty {
            types::STRING | types::STRING_ARRAY | types::I18NSTRING => {
                let v = self.value(e);
                let end = memchr::memchr(0, v).unwrap_or(v.len());
                Some(&v[..end])
            }
            _ => None,
        }
    }

    /// A string tag as `&str`; None when absent, not a string or not UTF-8.
    pub fn string(&self, tag: u32) -> Option<&str> {
        std::str::from_utf8(self.string_bytes(tag)?).ok()
    }

    /// A string tag, with invalid UTF-8 replaced (old headers are not always UTF-8).
    pub fn string_lossy(&self, tag: u32) -> Option<Cow<'_, str>> {
        self.string_bytes(tag).map(String::from_utf8_lossy)
    }

    /// The elements of a STRING_ARRAY / I18NSTRING (or a single STRING), lazily.
    pub fn string_array(&self, tag: u32) -> Option<StringArray<'_>> {
        let e = self.entry(tag)?;
        match e.ty {
            types::STRING | types::STRING_ARRAY | types::I18NSTRING => Some(StringArray {
                data: self.value(e),
                remaining: e.count as usize,
            }),
            _ => None,
        }
    }

    /// The elements of a string array, decoded lossily into owned strings.
    pub fn string_vec(&self, tag: u32) -> Option<Vec<String>> {
        self.string_array(tag)
            .map(|a| a.map(|s| String::from_utf8_lossy(s).into_owned()).collect())
    }

    /// An integer tag of any width (CHAR, INT8, INT16, INT32, INT64), lazily; values unsigned.
    pub fn numbers(&self, tag: u32) -> Option<Numbers<'_>> {
        let e = self.entry(tag)?;
        let width = match e.ty {
            types::CHAR | types::INT8 => 1,
            types::INT16 => 2,
            types::INT32 => 4,
            types::INT64 => 8,
            _ => return None,
        };
        Some(Numbers {
            data: self.value(e),
            width,
        })
    }

    /// The first value of an integer tag of at most 32 bits.
    pub fn u32(&self, tag: u32) -> Option<u32> {
        let n = self.numbers(tag)?;
        if n.width > 4 {
            return None;
        }
        n.get(0).map(|v| v as u32)
    }

    /// The first value of an integer tag of any width.
    pub fn u64(&self, tag: u32) -> Option<u64> {
        self.numbers(tag)?.get(0)
    }

    /// All values of an integer tag of at most 32 bits.
    pub fn u32_array(&self, tag: u32) -> Option<Vec<u32>> {
        let n = self.numbers(tag)?;
        if n.width > 4 {
            return None;
        }
        Some(n.iter().map(|v| v as u32).collect())
    }

    /// All values of an integer tag of any width.
    pub fn u64_array(&self, tag: u32) -> Option<Vec<u64>> {
        Some(self.numbers(tag)?.iter().collect())
    }

    /// The bytes of a BIN tag.
    pub fn bin(&self, tag: u32) -> Option<&[u8]> {
        let e = self.entry(tag)?;
        (e.ty == types::BIN).then(|| self.value(e))
    }
}

/// Lazy iterator over the NUL-terminated strings of a string-array value (bytes, no NUL).
#[derive(Clone, Debug)]
pub struct StringArray<'a> {
    data: &'a [u8],
    remaining: usize,
}

impl<'a> Iterator for StringArray<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // Lengths were validated at parse time; the fallback only guards against misuse.
        let end = nul_pos(self.data).unwrap_or(self.data.len());
        let s = &self.data[..end];
        self.data = self.data.get(end + 1..).unwrap_or(&[]);
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for StringArray<'_> {}

/// Lazy view of an integer array value (big-endian, 1/2/4/8 bytes per element).
#[derive(Clone, Copy, Debug)]
pub struct Numbers<'a> {
    data: &'a [u8],
    width: usize,
}

impl<'a> Numbers<'a> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len() / self.width
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per element (1, 2, 4 or 8).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Element `i`, zero-extended.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<u64> {
        let start = i.checked_mul(self.width)?;
        let b = self.data.get(start..start + self.width)?;
        Some(match self.width {
            1 => b[0] as u64,
            2 => u16::from_be_bytes([b[0], b[1]]) as u64,
            4 => u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64,
            _ => u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        })
    }

    /// All elements in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.get(i).unwrap_or(0))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The block-skipping `strings_len` ends where walking string by string ends, for every
    /// count, NUL density and length around the block size, and fails where it fails.
    #[test]
    fn strings_len_is_the_walk_of_the_strings() {
        let walk = |data: &[u8], count: u32| {
            let mut pos = 0;
            for _ in 0..count {
                pos += memchr::memchr(0, data.get(pos..)?)? + 1;
            }
            Some(pos)
        };
        let mut rng = testkit::Rng::new(0x2545_f491_4f6c_dd1d);
        for round in 0..3000 {
            let len = rng.below(1400);
            // One NUL in 2 .. one in 300 bytes.
            let every = 2 + round % 300;
            let data: Vec<u8> = (0..len)
                .map(|_| if rng.below(every) == 0 { 0 } else { b'a' })
                .collect();
            let nuls = data.iter().filter(|&&b| b == 0).count() as u32;
            for count in [
                0,
                1,
                2,
                8,
                9,
                nuls / 2,
                nuls.saturating_sub(1),
                nuls,
                nuls + 1,
            ] {
                assert_eq!(
                    strings_len(&data, count),
                    walk(&data, count),
                    "len {len}, {nuls} NULs, count {count}"
                );
            }
        }
    }

    #[test]
    fn nul_pos_finds_the_first_nul_like_a_plain_scan() {
        // Bytes around the SWAR trick's edge cases (0x01, 0x80, 0xff) before and after NULs.
        let fill = [b'a', 0x01, 0x80, 0xff, 0x7f];
        for len in 0..40 {
            for nul in (0..len).map(Some).chain([None]) {
                for f in fill {
                    let mut s = vec![f; len];
                    if let Some(n) = nul {
                        s[n] = 0;
                        if n + 1 < len {
                            s[n + 1] = 0; // a second NUL after the first
                        }
                    }
                    assert_eq!(nul_pos(&s), s.iter().position(|&b| b == 0), "{s:?}");
                }
            }
        }
    }

    /// Builds a blob from (tag, type, count, data) entries, with an immutable region covering
    /// the first `ril` of them.
    pub(crate) fn build(entries: &[(u32, u32, u32, Vec<u8>)], ril: usize) -> Vec<u8> {
        let mut data = Vec::new();
        let mut index = Vec::new();
        let push = |index: &mut Vec<[u32; 4]>, data: &mut Vec<u8>, e: &(u32, u32, u32, Vec<u8>)| {
            let align = type_size(e.1).unwrap_or(1).max(1);
            while !data.len().is_multiple_of(align) {
                data.push(0);
            }
            index.push([e.0, e.1, data.len() as u32, e.2]);
            data.extend_from_slice(&e.3);
        };
        let mut region_index = Vec::new();
        for e in &entries[..ril] {
            push(&mut region_index, &mut data, e);
        }
        let trailer_off = data.len() as u32;
        let neg = (-(((ril + 1) * 16) as i32)) as u32;
        for v in [tags::HEADERIMMUTABLE, types::BIN, neg, 16] {
            data.extend_from_slice(&v.to_be_bytes());
        }
        index.push([tags::HEADERIMMUTABLE, types::BIN, trailer_off, 16]);
        index.extend(region_index);
        for e in &entries[ril..] {
            push(&mut index, &mut data, e);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(index.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        for e in &index {
            for v in e {
                blob.extend_from_slice(&v.to_be_bytes());
            }
        }
        blob.extend_from_slice(&data);
        blob
    }

    fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    #[test]
    fn dribble_overrides_region_entry() {
        let blob = build(
            &[
                (tags::NAME, types::STRING, 1, s("old")),
                (
                    tags::INSTALLTIME,
                    types::INT32,
                    1,
                    5u32.to_be_bytes().to_vec(),
                ),
                (tags::NAME, types::STRING, 1, s("new")),
            ],
            2,
        );
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(tags::NAME), Some("new"));
        assert_eq!(h.u32(tags::INSTALLTIME), Some(5));
        let r = h.region().unwrap();
        assert_eq!(r.ril, 3);
    }

    #[test]
    fn string_arrays_and_numbers() {
        let mut arr = s("a");
        arr.extend(s("bc"));
        let blob = build(
            &[
                (tags::BASENAMES, types::STRING_ARRAY, 2, arr),
                (
                    tags::FILEMODES,
                    types::INT16,
                    2,
                    vec![0x41, 0xed, 0x81, 0xa4],
                ),
            ],
            2,
        );
        let h = Header::parse(&blob).unwrap();
        let v: Vec<&[u8]> = h.string_array(tags::BASENAMES).unwrap().collect();
        assert_eq!(v, vec![&b"a"[..], &b"bc"[..]]);
        assert_eq!(h.u32_array(tags::FILEMODES), Some(vec![0o40755, 0o100644]));
    }

    #[test]
    fn absurd_values_are_errors_not_panics() {
        let good = build(&[(tags::NAME, types::STRING, 1, s("x"))], 1);
        // Truncations at every length.
        for n in 0..good.len() {
            assert!(Header::parse(&good[..n]).is_err(), "truncated to {n}");
        }
        // Huge il / dl.
        let mut b = good.clone();
        b[0..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Header::parse(&b).is_err());
        let mut b = good.clone();
        b[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Header::parse(&b).is_err());
        // Every byte of the index set to 0xff, one at a time: must never panic.
        for i in 8..good.len() {
            let mut b = good.clone();
            b[i] = 0xff;
            let _ = Header::parse(&b);
            b[i] = 0x00;
            let _ = Header::parse(&b);
        }
        // A string array whose count exceeds the data.
        let blob = build(
            &[(tags::BASENAMES, types::STRING_ARRAY, 1_000_000, s("a"))],
            1,
        );
        assert!(matches!(Header::parse(&blob), Err(Error::BadHeader(_))));
        // An INT32 array overrunning the store.
        let blob = build(
            &[(tags::FILESIZES, types::INT32, 0x4000_0000, vec![0; 4])],
            1,
        );
        assert!(Header::parse(&blob).is_err());
        // Unknown type.
        let blob = build(&[(tags::NAME, 42, 1, s("x"))], 1);
        assert!(Header::parse(&blob).is_err());
    }
}
