//! Direct reader of rpm's `Packages` table from the bytes of an SQLite 3 file, for the layout
//! rpm itself writes: UTF-8 text, the exact `CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY
//! AUTOINCREMENT,blob BLOB NOT NULL)` schema, and nothing pending in a WAL or rollback journal
//! (the caller checks that). It walks the table's b-tree (interior and leaf table pages,
//! overflow chains) as the file-format document describes, in rowid order.
//!
//! It only answers when it is sure to read what SQLite would: anything else (another schema,
//! a damaged tree, a cycle, a page past the end, a value that is not a BLOB, a row over the
//! size limits) is a [`Decline`], and the caller asks SQLite itself, whose answer (rows or a
//! precise error) then stands. Every offset and length is checked before use; every b-tree
//! page is visited at most once and an overflow chain is never followed past the length of
//! its payload, so no input makes it loop or panic. Pages are read through two small windows
//! (b-tree pages, and overflow chains with read-ahead over the pages a payload needs), so the
//! file is never held in memory whole; rows are handed out as they are read.

use super::super::{Delivery, HeaderSink, PageWindow, RawHeader, ReadAt, MAX_HEADER_BYTES};
use super::MAX_FILE_BYTES;

/// The `sql` rpm's `sqlite` backend leaves in `sqlite_master` for the `Packages` table.
const RPM_PACKAGES_SQL: &[u8] =
    b"CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)";
const PAGE_INTERIOR_TABLE: u8 = 0x05;
const PAGE_LEAF_TABLE: u8 = 0x0d;
/// SQLite's cursor depth limit (`BTCURSOR_MAX_DEPTH`): a deeper tree is corrupt to it.
const MAX_DEPTH: usize = 20;
/// rpm's schema has about 50 rows; far more is not rpm's (and the checks per row compare
/// against the rows before it).
const MAX_SCHEMA_ROWS: usize = 1000;

/// Why the direct reader leaves this file to SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decline(pub String);

fn decline<T>(why: impl Into<String>) -> Result<T, Decline> {
    Err(Decline(why.into()))
}

/// Visits one leaf cell: `(file, page, cell offset)`.
type CellVisitor<'v, F> = dyn FnMut(&mut F, &[u8], usize) -> Result<(), Decline> + 'v;

/// One database file with its page geometry, read through windows.
struct DbFile<'a, S: ?Sized> {
    /// Table b-tree pages, read one at a time: in files rpm writes, a leaf is followed by the
    /// overflow pages of its rows, which the chain window reads (reading ahead here read most
    /// of them twice: 40 MB for a 32 MB file).
    tree: PageWindow<'a, S>,
    /// Overflow chains, read ahead over the pages their payload needs (and the next rows').
    chains: PageWindow<'a, S>,
    page_size: usize,
    /// Usable bytes per page (page size minus the reserved tail).
    usable: usize,
    pages: u32,
}

/// A SQLite varint at `b[at..]`: (value, length), or None when it runs off the end.
fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let byte = *b.get(at + i)?;
        if i == 8 {
            return Some(((v << 8) | u64::from(byte), 9));
        }
        v = (v << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Bytes of a record value of serial type `t` (None for the reserved types 10 and 11).
fn serial_len(t: u64) -> Option<u64> {
    match t {
        0 | 8 | 9 => Some(0),
        1..=4 => Some(t),
        5 => Some(6),
        6 | 7 => Some(8),
        10 | 11 => None,
        _ => Some((t - 12) / 2),
    }
}

impl<'a, S: ReadAt + ?Sized> DbFile<'a, S> {
    fn open(src: &'a S) -> Result<DbFile<'a, S>, Decline> {
        let io = |e: std::io::Error| Decline(format!("reading the file: {e}"));
        let size = src.size().map_err(io)?;
        let mut head = [0u8; 100];
        if size < 100 {
            return decline("no SQLite 3 header");
        }
        src.read_exact_at(&mut head, 0).map_err(io)?;
        let bytes = &head[..];
        if &bytes[..16] != b"SQLite format 3\0" {
            return decline("no SQLite 3 header");
        }
        let page_size = match be16(bytes, 16).unwrap_or(0) {
            1 => 65536,
            n if (512..=32768).contains(&n) && n.is_power_of_two() => n,
            n => return decline(format!("page size {n}")),
        };
        if !(1..=2).contains(&bytes[18]) || !(1..=2).contains(&bytes[19]) {
            return decline("unknown file format version");
        }
        if bytes[21] != 64 || bytes[22] != 32 || bytes[23] != 32 {
            return decline("unusual payload fractions");
        }
        let usable = page_size - bytes[20] as usize;
        if usable < 480 {
            return decline("usable page size below 480");
        }
        // SQLite reads schema formats 1 to 4 (0: an empty schema, read as 1).
        if be32(bytes, 44).is_none_or(|f| f > 4) {
            return decline("unsupported schema format");
        }
        if be32(bytes, 56) != Some(1) {
            return decline("text encoding is not UTF-8");
        }
        // The in-header size is valid only when written by a SQLite that maintains it.
        let file_pages = size / page_size as u64;
        let header_pages = u64::from(be32(bytes, 28).unwrap_or(0));
        let valid = header_pages != 0 && be32(bytes, 24) == be32(bytes, 92);
        let pages = if valid { header_pages } else { file_pages };
        if pages > file_pages || pages > u64::from(u32::MAX) {
            return decline("database size beyond the end of the file");
        }
        Ok(DbFile {
            tree: PageWindow::new(src, page_size, size, 0),
            chains: PageWindow::new(src, page_size, size, PageWindow::<S>::SEQUENTIAL),
            page_size,
            usable,
            pages: pages as u32,
        })
    }

    /// The usable bytes of page `n` (1-based), through the b-tree window, or through the
    /// overflow window with `ahead` pages of read-ahead.
    fn page(&mut self, n: u32, chain_ahead: Option<u64>) -> Result<&[u8], Decline> {
        if n == 0 || n > self.pages {
            return decline(format!("page number {n} out of range"));
        }
        let usable = self.usable;
        let (window, ahead) = match chain_ahead {
            Some(ahead) => (&mut self.chains, ahead),
            None => (&mut self.tree, 0),
        };
        match window.page(u64::from(n) - 1, ahead) {
            Ok(page) => Ok(&page[..usable]),
            Err(e) => decline(format!("reading page {n}: {e}")),
        }
    }

    /// Visits the cells of every leaf of the table b-tree rooted at `root`, in key order:
    /// `each(file, page, cell_offset)`. Each page is visited once at most.
    fn walk_table(
        &mut self,
        root: u32,
        seen: &mut [bool],
        each: &mut CellVisitor<'_, Self>,
    ) -> Result<(), Decline> {
        let mut stack = vec![(root, 1usize)];
        // The current page, copied out of its window (its cells' overflow chains move it on).
        let mut page = Vec::with_capacity(self.usable);
        while let Some((n, depth)) = stack.pop() {
            if depth >= MAX_DEPTH {
                return decline("b-tree deeper than SQLite reads");
            }
            page.clear();
            page.extend_from_slice(self.page(n, None)?);
            let page = &page[..];
            let slot = &mut seen[n as usize];
            if *slot {
                return decline(format!("page {n} reached twice"));
            }
            *slot = true;
            let hdr = if n == 1 { 100 } else { 0 };
            let kind = *page.get(hdr).ok_or(Decline("short page".into()))?;
            let cells = be16(page, hdr + 3).ok_or(Decline("short page".into()))?;
            let (ptrs, interior) = match kind {
                // SQLite's limit on cells per page (MX_CELL).
                _ if cells > (self.page_size - 8) / 6 => {
                    return decline(format!("page {n}: {cells} cells"))
                }
                // SQLite refuses a child page without cells, and an interior root without
                // cells unless it is page 1.
                _ if cells == 0 && n != root => return decline(format!("page {n}: no cells")),
                PAGE_INTERIOR_TABLE if cells == 0 && n != 1 => {
                    return decline(format!("page {n}: interior root without cells"))
                }
                PAGE_LEAF_TABLE => (hdr + 8, false),
                PAGE_INTERIOR_TABLE => (hdr + 12, true),
                k => return decline(format!("page {n}: type {k:#x} in a table b-tree")),
            };
            if ptrs + 2 * cells > page.len() {
                return decline(format!("page {n}: cell pointers overrun the page"));
            }
            let cell = |i: usize| -> Result<usize, Decline> {
                let at = be16(page, ptrs + 2 * i).unwrap_or(0);
                if at < ptrs + 2 * cells || at >= page.len() {
                    return decline(format!("page {n}: cell {i} offset {at} out of range"));
                }
                Ok(at)
            };
            if interior {
                // Children pushed right to left so that they pop in key order.
                let right = be32(page, hdr + 8).unwrap_or(0);
                stack.push((right, depth + 1));
                for i in (0..cells).rev() {
                    let at = cell(i)?;
                    let child = be32(page, at).ok_or(Decline("short cell".into()))?;
                    stack.push((child, depth + 1));
                }
            } else {
                for i in 0..cells {
                    each(self, page, cell(i)?)?;
                }
            }
        }
        Ok(())
    }

    /// One leaf-table cell: its rowid and a reader of its payload.
    fn leaf_cell<'p>(&self, page: &'p [u8], at: usize) -> Result<(i64, Payload<'p>), Decline> {
        let short = || Decline("cell runs off its page".into());
        let (len, a) = varint(page, at).ok_or_else(short)?;
        let (rowid, b) = varint(page, at + a).ok_or_else(short)?;
        let start = at + a + b;
        let u = self.usable as u64;
        let x = u - 35;
        let local = if len <= x {
            len
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + (len - m) % (u - 4);
            if k <= x {
                k
            } else {
                m
            }
        } as usize;
        let end = start + local;
        let overflow = if (local as u64) < len {
            be32(page, end).ok_or_else(short)?
        } else {
            0
        };
        if end > page.len() {
            return Err(short());
        }
        Ok((
            rowid as i64,
            Payload {
                len,
                local: &page[start..end],
                overflow,
            },
        ))
    }

    /// Appends bytes `[from, from + n)` of `p` to `out`, following its overflow chain (read
    /// ahead over the pages the payload still needs).
    fn copy_payload(
        &mut self,
        p: &Payload<'_>,
        from: u64,
        n: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), Decline> {
        let end = from
            .checked_add(n)
            .filter(|&e| e <= p.len)
            .ok_or(Decline("value beyond its payload".into()))?;
        let take = |chunk: &[u8], pos: u64, out: &mut Vec<u8>| {
            let c_end = pos + chunk.len() as u64;
            if c_end > from && pos < end {
                let a = from.saturating_sub(pos) as usize;
                let b = (end.min(c_end) - pos) as usize;
                out.extend_from_slice(&chunk[a..b]);
            }
            c_end
        };
        let mut pos = take(p.local, 0, out); // payload offset after the chunk taken
        let mut next = p.overflow;
        let per_page = self.usable as u64 - 4;
        // An overflow chain is at most as long as the payload needs: no cycle can run forever.
        while pos < end {
            if next == 0 {
                return decline("overflow chain ends before its payload");
            }
            let ahead = (end - pos).div_ceil(per_page).saturating_sub(1);
            let room = (p.len - pos).min(per_page) as usize;
            let page = self.page(next, Some(ahead))?;
            next = be32(page, 0).unwrap_or(0);
            pos = take(&page[4..4 + room], pos, out);
        }
        Ok(())
    }

    /// The whole payload of `p` (bounded by the caller).
    fn payload(&mut self, p: &Payload<'_>) -> Result<Vec<u8>, Decline> {
        let mut out = Vec::with_capacity(p.len as usize);
        self.copy_payload(p, 0, p.len, &mut out)?;
        Ok(out)
    }
}

/// The payload of one cell: its local part and the first overflow page.
struct Payload<'a> {
    len: u64,
    local: &'a [u8],
    overflow: u32,
}

/// A decoded record header: (serial type, offset in the payload) per column.
fn record_columns(head: &[u8], payload_len: u64) -> Result<Vec<(u64, u64)>, Decline> {
    let bad = || Decline("malformed record header".into());
    let (hlen, mut at) = varint(head, 0).ok_or_else(bad)?;
    if hlen as usize > head.len() || hlen > payload_len {
        return Err(bad());
    }
    let mut off = hlen;
    let mut cols = Vec::new();
    while at < hlen as usize {
        let (t, n) = varint(head, at).ok_or_else(bad)?;
        at += n;
        let len = serial_len(t).ok_or_else(bad)?;
        cols.push((t, off));
        off = off.checked_add(len).ok_or_else(bad)?;
    }
    // SQLite's OP_Column: the values must end exactly where the payload does.
    if at != hlen as usize || off != payload_len {
        return Err(bad());
    }
    Ok(cols)
}

/// The value of an integer column (serial types 1-6: big-endian two's complement) of a whole
/// record `rec`, given its (serial type, offset) from [`record_columns`].
fn int_value(rec: &[u8], (t, off): (u64, u64)) -> Option<i64> {
    if !(1..=6).contains(&t) {
        return None;
    }
    let b = rec.get(off as usize..off as usize + serial_len(t)? as usize)?;
    let sign: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    Some(b.iter().fold(sign, |v, &x| (v << 8) | i64::from(x)))
}

/// Whether `name` is a name rpm gives an index table (`Basenames`, `Providename`, ...).
fn is_index_name(name: &[u8]) -> bool {
    name.first().is_some_and(u8::is_ascii_alphabetic)
        && name.iter().all(u8::is_ascii_alphanumeric)
        && name.len() <= 64
}

/// Whether one `sqlite_master` row is one rpm's sqlite backend creates, given the tables
/// already seen (SQLite parses every row's SQL when it opens the file, so anything else is
/// left to it).
fn is_rpm_schema_row(ty: &[u8], name: &[u8], tbl: &[u8], sql: &[u8], tables: &[Vec<u8>]) -> bool {
    let n = String::from_utf8_lossy(name);
    match ty {
        b"table" if name != tbl => false,
        b"table" if name == b"Packages" => sql == RPM_PACKAGES_SQL,
        b"table" if name == b"sqlite_sequence" => sql == b"CREATE TABLE sqlite_sequence(name,seq)",
        // `PRAGMA optimize` (rpm runs it on close) leaves ANALYZE's statistics table.
        b"table" if name == b"sqlite_stat1" => sql == b"CREATE TABLE sqlite_stat1(tbl,idx,stat)",
        b"table" => {
            is_index_name(name)
                && ["TEXT", "BLOB"].iter().any(|key| {
                    sql == format!(
                        "CREATE TABLE '{n}' (key '{key}' NOT NULL, hnum INTEGER NOT NULL, \
                         idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))"
                    )
                    .as_bytes()
                })
        }
        b"index" => {
            let t = String::from_utf8_lossy(tbl);
            is_index_name(tbl)
                && tables.iter().any(|seen| seen == tbl)
                && ["key", "hnum"].iter().any(|col| {
                    name == format!("{t}_{col}_idx").as_bytes()
                        && sql == format!("CREATE INDEX '{n}' ON '{t}'({col} ASC)").as_bytes()
                })
        }
        _ => false,
    }
}

/// The root page of rpm's `Packages` table, when `sqlite_master` holds exactly the rows rpm
/// creates (its `Packages` table, `sqlite_sequence`, its index tables and their indexes).
fn packages_root<S: ReadAt + ?Sized>(
    f: &mut DbFile<'_, S>,
    seen: &mut [bool],
) -> Result<u32, Decline> {
    let mut tables: Vec<Vec<u8>> = Vec::new();
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut roots: Vec<u32> = Vec::new();
    let mut packages = None;
    let pages = f.pages;
    f.walk_table(1, seen, &mut |f, page, at| {
        let (_, p) = f.leaf_cell(page, at)?;
        if p.len > 1 << 20 {
            return decline("oversized schema row");
        }
        if names.len() >= MAX_SCHEMA_ROWS {
            return decline("more schema rows than rpm writes");
        }
        let rec = f.payload(&p)?;
        let cols = record_columns(&rec, p.len)?;
        let text = |i: usize| -> Option<&[u8]> {
            let (t, off) = *cols.get(i)?;
            (t >= 13 && t % 2 == 1).then(|| &rec[off as usize..(off + (t - 13) / 2) as usize])
        };
        let (Some(ty), Some(name), Some(tbl), Some(sql)) = (text(0), text(1), text(2), text(4))
        else {
            return decline("sqlite_master row of another shape");
        };
        let root = cols
            .get(3)
            .and_then(|&col| int_value(&rec, col))
            .and_then(|r| u32::try_from(r).ok())
            .filter(|r| (2..=pages).contains(r) && !roots.contains(r) && cols.len() == 5)
            .ok_or(Decline("sqlite_master row of another shape".into()))?;
        if names.iter().any(|n| n.eq_ignore_ascii_case(name))
            || !is_rpm_schema_row(ty, name, tbl, sql, &tables)
        {
            return decline(format!(
                "schema row {:?} is not one rpm writes",
                String::from_utf8_lossy(name)
            ));
        }
        if ty == b"table" {
            tables.push(name.to_vec());
        }
        if name == b"Packages" {
            packages = Some(root);
        }
        names.push(name.to_vec());
        roots.push(root);
        Ok(())
    })?;
    packages.ok_or(Decline("no Packages table".into()))
}

/// Hands every row of rpm's `Packages` table to `each`, in hnum order, read straight from the
/// file, or declines. A decline can come after rows were handed out: the caller then restarts
/// its receiver (see [`Delivery::Restart`]).
pub fn for_each_row<S: ReadAt + ?Sized>(
    src: &S,
    blobs: &mut Vec<u8>,
    each: &mut HeaderSink<'_>,
) -> Result<(), Decline> {
    let mut f = DbFile::open(src)?;
    let mut seen = vec![false; f.pages as usize + 1];
    let root = packages_root(&mut f, &mut seen)?;
    // sqlite_master's pages may not be part of the Packages tree either.
    let mut last: Option<u32> = None;
    let mut total: u64 = 0;
    f.walk_table(root, &mut seen, &mut |f, page, at| {
        let (rowid, p) = f.leaf_cell(page, at)?;
        let hnum = u32::try_from(rowid)
            .ok()
            .filter(|&h| h != 0)
            .ok_or(Decline(format!("row with hnum {rowid}")))?;
        if last.is_some_and(|last| last >= hnum) {
            return decline("rows out of key order");
        }
        last = Some(hnum);
        // The record header sits in the local part for any row rpm writes (a few bytes).
        let cols = record_columns(p.local, p.len)?;
        let (t, off) = match cols.as_slice() {
            [(0, _), (t, off)] if *t >= 12 && t % 2 == 0 => (*t, *off),
            _ => return decline(format!("Packages row {hnum}: not (NULL, BLOB)")),
        };
        let len = (t - 12) / 2;
        total += len;
        if len > MAX_HEADER_BYTES || total > MAX_FILE_BYTES {
            return decline("rows over the size limits");
        }
        let start = blobs.len();
        blobs.reserve(len as usize);
        f.copy_payload(&p, off, len, blobs)?;
        each(Delivery::Header {
            name: hnum,
            blobs,
            start,
        });
        Ok(())
    })
}

/// Every row of rpm's `Packages` table, in hnum order, read straight from the file.
pub fn read_packages<S: ReadAt + ?Sized>(src: &S) -> Result<Vec<RawHeader>, Decline> {
    super::super::collect(|blobs, each| for_each_row(src, blobs, each))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_decode_like_sqlite() {
        assert_eq!(varint(&[0x05], 0), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00], 0), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9], 0), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81], 0), None);
    }

    #[test]
    fn garbage_is_declined_never_a_panic() {
        assert!(read_packages(&b""[..]).is_err());
        assert!(read_packages(&[0u8; 4096][..]).is_err());
        let mut b = vec![0u8; 8192];
        b[..16].copy_from_slice(b"SQLite format 3\0");
        b[16..18].copy_from_slice(&4096u16.to_be_bytes());
        assert!(read_packages(&b[..]).is_err());
    }
}
