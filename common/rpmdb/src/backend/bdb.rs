//! Read-only walker for rpm's Berkeley DB hash `Packages` file, without libdb.
//!
//! Walks the hash table bucket by bucket as rpm's own `bdb_ro` backend does: page 0 is the
//! hash meta page (byte order, version, page size, last page, max bucket, the `spares` table
//! mapping buckets to pages); each bucket is a chain of hash pages (types 2 and 13) holding
//! key/data item pairs; a data item is inline (`H_KEYDATA`) or a chain of overflow pages
//! (`H_OFFPAGE`). Keys are 4-byte header instance numbers in the writer's byte order; key 0
//! is rpm's instance counter and is skipped.
//!
//! Both byte orders and hash versions 8-10 are read, with any power-of-two page size from 512
//! to 65536 bytes. Hash version 7 (Berkeley DB 3.x) and btree files (RPM5) are reported as
//! unsupported. Every page number, offset and length is checked before use, every page is
//! visited at most once (so a cycle in a chain is an error, not a hang), and allocation is
//! bounded by the file size: a damaged file is a [`BackendError`] naming the page.

use std::io;
use std::path::Path;

use super::{BackendError, Delivery, HeaderSink, PageWindow, RawHeader, ReadAt, MAX_HEADER_BYTES};

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
/// Size of the generic header at the start of every non-meta page.
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// Length of an `H_OFFPAGE` item: type, 3 pad bytes, first page, total length.
const OFFPAGE_LEN: usize = 12;
/// Files larger than this are refused: no real rpm database comes near it.
pub const MAX_FILE_BYTES: u64 = 8 << 30;

/// Reads every header blob of a Berkeley DB hash `Packages` file, sorted by instance number.
/// `path` is only used in error messages.
pub fn read_headers<S: ReadAt + ?Sized>(
    src: &S,
    path: &Path,
) -> Result<Vec<RawHeader>, BackendError> {
    super::collect(|blobs, each| for_each_header(src, path, blobs, each))
}

/// Hands every header blob of a Berkeley DB hash `Packages` file to `each`, in hash order,
/// assembled at the end of `blobs` (see [`Delivery`]). `path` is only used in error messages.
pub fn for_each_header<S: ReadAt + ?Sized>(
    src: &S,
    path: &Path,
    blobs: &mut Vec<u8>,
    each: &mut HeaderSink<'_>,
) -> Result<(), BackendError> {
    HashDb::open(src, path)?.walk(blobs, each)
}

/// Byte-order aware field access.
#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u16(self, b: &[u8], off: usize) -> u16 {
        let a = [b[off], b[off + 1]];
        if self.big {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }

    fn u32(self, b: &[u8], off: usize) -> u32 {
        let a = [b[off], b[off + 1], b[off + 2], b[off + 3]];
        if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
}

struct HashDb<'a, S: ?Sized> {
    /// Hash pages and overflow chains, each read through its own window (a chain's pages are
    /// consecutive in files rpm writes, and read in one go).
    hash_pages: PageWindow<'a, S>,
    chain_pages: PageWindow<'a, S>,
    path: &'a Path,
    order: Order,
    pagesize: usize,
    lastpage: u32,
    maxbucket: u32,
    nelem: u32,
    spares: [u32; 32],
    /// Pages visited so far, by page number.
    seen: Vec<bool>,
    /// The current key (reused from item to item).
    key: Vec<u8>,
}

impl<'a, S: ReadAt + ?Sized> HashDb<'a, S> {
    fn open(src: &'a S, path: &'a Path) -> Result<Self, BackendError> {
        let corrupt = |reason: String| BackendError::corrupt(path, Some(0), reason);
        let size = src.size().map_err(|e| BackendError::io(path, e))?;
        if size > MAX_FILE_BYTES {
            return Err(BackendError::TooLarge {
                path: path.to_path_buf(),
                size,
                limit: MAX_FILE_BYTES,
            });
        }
        if size < 512 {
            return Err(BackendError::corrupt(
                path,
                None,
                format!("{size} bytes is too short for a Berkeley DB file (truncated?)"),
            ));
        }
        let mut meta = [0u8; 512];
        src.read_exact_at(&mut meta, 0)
            .map_err(|e| BackendError::io(path, e))?;
        let magic = u32::from_le_bytes([meta[12], meta[13], meta[14], meta[15]]);
        let order = if magic == HASH_MAGIC {
            Order { big: false }
        } else if magic == HASH_MAGIC.swap_bytes() {
            Order { big: true }
        } else if magic == BTREE_MAGIC || magic == BTREE_MAGIC.swap_bytes() {
            return Err(BackendError::unsupported(
                path,
                "Berkeley DB btree database (an RPM5-style Packages file); rpm 4 stores \
                 Packages as a Berkeley DB hash",
            ));
        } else {
            return Err(BackendError::unsupported(
                path,
                format!("not a Berkeley DB hash file (magic 0x{magic:08x} at offset 12)"),
            ));
        };
        let version = order.u32(&meta, 16);
        if !(8..=10).contains(&version) {
            return Err(BackendError::unsupported(
                path,
                format!(
                    "Berkeley DB hash version {version} (only versions 8-10, written by \
                     Berkeley DB 4.1 and later, are readable, as with rpm's bdb_ro)"
                ),
            ));
        }
        let pagesize = order.u32(&meta, 20);
        if !(512..=65536).contains(&pagesize) || !pagesize.is_power_of_two() {
            return Err(corrupt(format!("invalid page size {pagesize}")));
        }
        if meta[24] != 0 {
            return Err(BackendError::unsupported(
                path,
                format!("encrypted Berkeley DB (algorithm {})", meta[24]),
            ));
        }
        if meta[25] != P_HASHMETA {
            return Err(corrupt(format!(
                "page type {} where the hash meta page (type 8) belongs",
                meta[25]
            )));
        }
        let lastpage = order.u32(&meta, 32);
        let needed = (u64::from(lastpage) + 1) * u64::from(pagesize);
        if needed > size {
            return Err(corrupt(format!(
                "truncated: the meta page declares {} pages of {pagesize} bytes ({needed} bytes) \
                 but the file has {size} bytes",
                u64::from(lastpage) + 1
            )));
        }
        let maxbucket = order.u32(&meta, 72);
        if maxbucket >= lastpage {
            return Err(corrupt(format!(
                "max bucket {maxbucket} needs more pages than the {lastpage} data pages of the file"
            )));
        }
        let nelem = order.u32(&meta, 88);
        let mut spares = [0u32; 32];
        for (i, s) in spares.iter_mut().enumerate() {
            *s = order.u32(&meta, 96 + 4 * i);
        }
        Ok(HashDb {
            // Consecutive buckets are consecutive pages; a chain is read as far as its length
            // asks (chains are visited in hash order, not file order).
            hash_pages: PageWindow::new(src, pagesize as usize, size, PageWindow::<S>::SEQUENTIAL),
            chain_pages: PageWindow::new(src, pagesize as usize, size, 0),
            path,
            order,
            pagesize: pagesize as usize,
            lastpage,
            maxbucket,
            nelem,
            spares,
            // lastpage is bounded by the file size (checked above).
            seen: vec![false; lastpage as usize + 1],
            key: Vec::new(),
        })
    }

    fn corrupt(&self, page: u32, reason: impl Into<String>) -> BackendError {
        BackendError::corrupt(self.path, Some(u64::from(page)), reason)
    }

    /// Page holding the head of `bucket`'s chain (`bucket + spares[bits(bucket)]`).
    fn bucket_page(&self, bucket: u32) -> Result<u32, BackendError> {
        let bits = (u32::BITS - bucket.leading_zeros()) as usize;
        bucket
            .checked_add(self.spares[bits])
            .ok_or_else(|| self.corrupt(0, format!("bucket {bucket} maps past page 2^32")))
    }

    /// Reads page `pgno`, referenced from page `from`, visiting each page at most once: a hash
    /// page with the pages after it, or an overflow page with the `ahead` pages its chain needs.
    fn page(&mut self, pgno: u32, from: u32, chain: Option<u64>) -> Result<&[u8], BackendError> {
        if pgno == 0 || pgno > self.lastpage {
            return Err(self.corrupt(
                from,
                format!(
                    "reference to page {pgno}, outside the file's pages 1..={}",
                    self.lastpage
                ),
            ));
        }
        if std::mem::replace(&mut self.seen[pgno as usize], true) {
            return Err(self.corrupt(
                pgno,
                format!(
                    "page reached a second time (from page {from}): cycle or cross-linked chain"
                ),
            ));
        }
        let (window, ahead) = match chain {
            Some(ahead) => (&mut self.chain_pages, ahead),
            None => (&mut self.hash_pages, 0),
        };
        let path = self.path;
        window.page(u64::from(pgno), ahead).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                BackendError::corrupt(
                    path,
                    Some(u64::from(pgno)),
                    "truncated: page lies past the end of the file",
                )
            } else {
                BackendError::io(path, e)
            }
        })
    }

    fn walk(&mut self, blobs: &mut Vec<u8>, each: &mut HeaderSink<'_>) -> Result<(), BackendError> {
        let mut records = 0u64;
        // The current hash page, copied out of its window: reading its items' overflow chains
        // moves the windows on.
        let mut page = Vec::with_capacity(self.pagesize);
        for bucket in 0..=self.maxbucket {
            let mut pgno = self.bucket_page(bucket)?;
            let mut from = 0;
            let mut first = true;
            loop {
                page.clear();
                page.extend_from_slice(self.page(pgno, from, None)?);
                if first && page.iter().all(|&b| b == 0) {
                    // A bucket page Berkeley DB allocated but never initialised: empty bucket.
                    break;
                }
                first = false;
                if self.order.u32(&page, 8) != pgno {
                    return Err(self.corrupt(
                        pgno,
                        format!(
                            "page header names page {} (wrong page or garbage)",
                            self.order.u32(&page, 8)
                        ),
                    ));
                }
                let ptype = page[25];
                if ptype != P_HASH && ptype != P_HASH_UNSORTED {
                    return Err(self.corrupt(
                        pgno,
                        format!("page type {ptype} in the chain of hash bucket {bucket}"),
                    ));
                }
                records += self.items(&page, pgno, blobs, each)?;
                let next = self.order.u32(&page, 16);
                if next == 0 {
                    break;
                }
                from = pgno;
                pgno = next;
            }
        }
        if records == 0 && self.nelem != 0 {
            return Err(self.corrupt(
                0,
                format!(
                    "the meta page counts {} records but no bucket holds any",
                    self.nelem
                ),
            ));
        }
        Ok(())
    }

    /// Hands the key/data pairs of one hash page to `each` (the data appended to `blobs`);
    /// returns how many pairs it held.
    fn items(
        &mut self,
        page: &[u8],
        pgno: u32,
        blobs: &mut Vec<u8>,
        each: &mut HeaderSink<'_>,
    ) -> Result<u64, BackendError> {
        let order = self.order;
        let n = usize::from(order.u16(page, 20));
        let min_off = PAGE_HEADER + 2 * n;
        if min_off > self.pagesize {
            return Err(self.corrupt(pgno, format!("{n} entries do not fit in the page")));
        }
        if n % 2 != 0 {
            return Err(self.corrupt(
                pgno,
                format!("odd number of entries ({n}): a key without its data"),
            ));
        }
        let offset = |i: usize| usize::from(order.u16(page, PAGE_HEADER + 2 * i));
        let mut pairs = 0;
        for i in (0..n).step_by(2) {
            let koff = offset(i);
            let voff = offset(i + 1);
            let kend = if i == 0 { self.pagesize } else { offset(i - 1) };
            if !(min_off <= voff && voff < koff && koff < kend && kend <= self.pagesize) {
                return Err(self.corrupt(
                    pgno,
                    format!(
                        "entry {i}: item offsets (key {koff}, data {voff}, end {kend}) are out of \
                         order or outside {min_off}..{}",
                        self.pagesize
                    ),
                ));
            }
            pairs += 1;
            let mut key = std::mem::take(&mut self.key);
            key.clear();
            self.item(&page[koff..kend], pgno, i, &mut key)?;
            let hnum = match key.len() {
                4 => order.u32(&key, 0),
                _ => 0,
            };
            self.key = key;
            let start = blobs.len();
            self.item(&page[voff..koff], pgno, i + 1, blobs)?;
            if hnum != 0 {
                each(Delivery::Header {
                    name: hnum,
                    blobs,
                    start,
                });
            } else {
                // The record counter, not a header.
                blobs.truncate(start);
            }
        }
        Ok(pairs)
    }

    /// Appends the bytes of one item (inline or on overflow pages) to `out`.
    fn item(
        &mut self,
        item: &[u8],
        pgno: u32,
        idx: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), BackendError> {
        match item[0] {
            H_KEYDATA => {
                out.extend_from_slice(&item[1..]);
                Ok(())
            }
            H_OFFPAGE => {
                if item.len() != OFFPAGE_LEN {
                    return Err(self.corrupt(
                        pgno,
                        format!(
                            "entry {idx}: overflow reference of {} bytes (expected 12)",
                            item.len()
                        ),
                    ));
                }
                let first = self.order.u32(item, 4);
                let total = self.order.u32(item, 8);
                self.overflow(first, total, pgno, idx, out)
            }
            other => Err(self.corrupt(
                pgno,
                format!(
                    "entry {idx}: item type {other} (rpm's Packages holds only inline and \
                     overflow items)"
                ),
            )),
        }
    }

    /// Appends an overflow chain of declared length `total` to `out`.
    fn overflow(
        &mut self,
        first: u32,
        total: u32,
        from: u32,
        idx: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), BackendError> {
        let total = total as usize;
        let capacity = u64::from(self.lastpage) * (self.pagesize - PAGE_HEADER) as u64;
        if total == 0 || total as u64 > MAX_HEADER_BYTES || total as u64 > capacity {
            return Err(self.corrupt(
                from,
                format!("entry {idx}: implausible overflow item length {total}"),
            ));
        }
        // The length is bounded by the pages the file has (checked above): room for all of it
        // at once, not grown page by page (a 3 MB header made 1, 2 and 4 MB buffers).
        out.reserve(total);
        // Bytes an overflow page holds in a file rpm writes: the whole chain is read ahead.
        let per_page = (self.pagesize - PAGE_HEADER) as u64;
        let (order, path) = (self.order, self.path);
        let mut pgno = first;
        let mut prev = from;
        let end = out.len() + total;
        while out.len() < end {
            let remaining = end - out.len();
            let ahead = (remaining as u64).div_ceil(per_page).saturating_sub(1);
            let page = self.page(pgno, prev, Some(ahead))?;
            let corrupt =
                |reason: String| BackendError::corrupt(path, Some(u64::from(pgno)), reason);
            if order.u32(page, 8) != pgno {
                return Err(corrupt("overflow page header names another page".into()));
            }
            if page[25] != P_OVERFLOW {
                return Err(corrupt(format!(
                    "page type {} in an overflow chain",
                    page[25]
                )));
            }
            let used = usize::from(order.u16(page, 22));
            if used == 0 || PAGE_HEADER + used > page.len() || used > remaining {
                return Err(corrupt(format!(
                    "overflow page holds {used} bytes, {remaining} of the item remain"
                )));
            }
            out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + used]);
            prev = pgno;
            pgno = order.u32(page, 16);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Option<Vec<u8>> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/db")
            .join(name)
            .join("Packages");
        std::fs::read(p).ok()
    }

    #[test]
    fn bucket_to_page_uses_significant_bits() {
        let meta = HashDb::<[u8]> {
            hash_pages: PageWindow::new(&[][..], 4096, 0, 0),
            chain_pages: PageWindow::new(&[][..], 4096, 0, 0),
            path: Path::new("x"),
            order: Order { big: false },
            pagesize: 4096,
            lastpage: 100,
            maxbucket: 7,
            nelem: 0,
            spares: {
                let mut s = [0u32; 32];
                s[0] = 1;
                s[1] = 1;
                s[2] = 10;
                s[3] = 20;
                s
            },
            seen: Vec::new(),
            key: Vec::new(),
        };
        assert_eq!(meta.bucket_page(0).unwrap(), 1);
        assert_eq!(meta.bucket_page(1).unwrap(), 2);
        assert_eq!(meta.bucket_page(2).unwrap(), 12);
        assert_eq!(meta.bucket_page(3).unwrap(), 13);
        assert_eq!(meta.bucket_page(4).unwrap(), 24);
    }

    #[test]
    fn short_and_garbage_inputs_are_typed_errors() {
        let p = Path::new("/img/var/lib/rpm/Packages");
        for data in [vec![], vec![0u8; 100], vec![0u8; 4096], vec![0xffu8; 8192]] {
            let err = read_headers(&data[..], p).unwrap_err();
            assert!(
                err.to_string().starts_with("/img/var/lib/rpm/Packages: "),
                "{err}"
            );
        }
    }

    #[test]
    fn every_truncation_and_byte_flip_of_a_real_db_is_handled() {
        let Some(data) = fixture("libuuid-bdb") else {
            panic!("tests/fixtures/db/libuuid-bdb/Packages is missing");
        };
        let p = Path::new("Packages");
        let good = read_headers(&data[..], p).unwrap();
        assert_eq!(good.len(), 1);
        for cut in (0..data.len()).step_by(509) {
            let r = read_headers(&data[..cut], p);
            assert!(r.is_err() || r.unwrap().len() <= 1);
        }
        // Flip every byte of the meta page and a spread of bytes elsewhere: never a panic.
        let mut copy = data.clone();
        for off in (0..512).chain((512..data.len()).step_by(97)) {
            copy[off] ^= 0xff;
            let _ = read_headers(&copy[..], p);
            copy[off] = data[off];
        }
    }

    #[test]
    fn random_multi_byte_damage_never_panics() {
        let data = fixture("libuuid-bdb").expect("libuuid-bdb fixture");
        let p = Path::new("Packages");
        let mut rng = testkit::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next_u64();
        let mut errors = 0;
        for _ in 0..3000 {
            let mut copy = data.clone();
            for _ in 0..(next() % 8 + 1) {
                let off = (next() % copy.len() as u64) as usize;
                copy[off] = next() as u8;
            }
            if let Err(e) = read_headers(&copy[..], p) {
                assert!(e.to_string().starts_with("Packages: "), "{e}");
                errors += 1;
            }
        }
        assert!(errors > 0);
    }
}
