//! Positional reads from a database file: an open `File` (already opened through the rootfs
//! API) or an in-memory byte slice (unit tests, fuzzing), and the page window the backends
//! read pages through.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Random-access, read-only byte source.
pub trait ReadAt {
    /// Total length in bytes.
    fn size(&self) -> io::Result<u64>;
    /// Fills `buf` from `offset`; a short read is an `UnexpectedEof` error.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

impl ReadAt for File {
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        FileExt::read_exact_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        let end = start
            .checked_add(buf.len())
            .filter(|&end| end <= self.len())
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(&self[start..end]);
        Ok(())
    }
}

impl ReadAt for Vec<u8> {
    fn size(&self) -> io::Result<u64> {
        self.as_slice().size()
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }
}

/// Pages of a file read through one reusable buffer: a page that is not in the buffer is read
/// together with the pages its reader says it will want next (the rest of an overflow chain,
/// say), so a database is read in a few hundred reads without holding the whole file in memory.
/// Read-ahead is bounded: once the pages read ahead add up to twice the file, pages are read one
/// at a time, so no access pattern makes it copy much more than the file.
pub struct PageWindow<'s, S: ?Sized> {
    src: &'s S,
    page_size: usize,
    /// Pages read at least.
    min_pages: u64,
    /// Pages wholly inside the file.
    file_pages: u64,
    buf: Vec<u8>,
    /// Page number of `buf[0]` and pages held.
    first: u64,
    held: usize,
    /// Bytes that may still be read ahead.
    budget: u64,
}

impl<'s, S: ReadAt + ?Sized> PageWindow<'s, S> {
    /// Read-ahead stops at this many bytes per read.
    pub const MAX_READ: usize = 1 << 20;
    /// A read-ahead for pages mostly visited in file order: a read costs several microseconds
    /// whatever its size, and the pages after one are usually the next ones wanted.
    pub const SEQUENTIAL: usize = 64 << 10;

    /// A window over `src` (of `size` bytes) in pages of `page_size` bytes (0-based; the
    /// backends pass their checked page size, 0 is taken as 1). Each read takes at least
    /// `min_read` bytes (whole pages; [`PageWindow::SEQUENTIAL`] for pages visited in file
    /// order, 0 for pages only read ahead as asked).
    pub fn new(src: &'s S, page_size: usize, size: u64, min_read: usize) -> Self {
        let page_size = page_size.max(1);
        PageWindow {
            src,
            page_size,
            min_pages: (min_read / page_size).max(1) as u64,
            file_pages: size / page_size as u64,
            buf: Vec::new(),
            first: 0,
            held: 0,
            budget: size.saturating_mul(2),
        }
    }

    /// Page `n` (bytes `n * page_size ..`), read with up to `ahead` following pages when it is
    /// not held already. A page not wholly inside the file is `UnexpectedEof`.
    pub fn page(&mut self, n: u64, ahead: u64) -> io::Result<&[u8]> {
        if n < self.first || n >= self.first + self.held as u64 {
            if n >= self.file_pages {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let max = (Self::MAX_READ / self.page_size).max(1) as u64;
            let want = ahead.saturating_add(1).max(self.min_pages);
            let mut want = want.min(max).min(self.file_pages - n);
            let extra = (want - 1) * self.page_size as u64;
            if extra > self.budget {
                want = 1;
            } else {
                self.budget -= extra;
            }
            let len = want as usize * self.page_size;
            if self.buf.len() < len {
                if want > self.min_pages {
                    // A read-ahead: reserve the largest read this window can make (at most
                    // the file's whole pages) the first time, so read-ahead never reallocates.
                    let most = (max.min(self.file_pages) as usize * self.page_size).max(len);
                    self.buf.reserve_exact(most - self.buf.len());
                }
                self.buf.resize(len, 0);
            }
            self.held = 0;
            self.src
                .read_exact_at(&mut self.buf[..len], n * self.page_size as u64)?;
            self.first = n;
            self.held = want as usize;
        }
        let at = (n - self.first) as usize * self.page_size;
        Ok(&self.buf[at..at + self.page_size])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A byte source that counts the bytes read from it.
    struct Counted<'a> {
        bytes: &'a [u8],
        read: Cell<u64>,
    }

    impl ReadAt for Counted<'_> {
        fn size(&self) -> io::Result<u64> {
            self.bytes.size()
        }

        fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
            self.read.set(self.read.get() + buf.len() as u64);
            self.bytes.read_exact_at(buf, offset)
        }
    }

    #[test]
    fn window_pages_are_the_file_pages_and_read_ahead_is_bounded() {
        let page = 512;
        let file: Vec<u8> = (0..page * 300 + 100).map(|i| (i * 7 % 251) as u8).collect();
        let src = Counted {
            bytes: &file,
            read: Cell::new(0),
        };
        let mut w = PageWindow::new(&src, page, file.len() as u64, 0);
        // A sequential chain, a backward jump, then a hostile pattern that asks for the most
        // read-ahead possible at every page.
        let mut visits: Vec<(u64, u64)> = (0..40).map(|n| (n, 40 - n)).collect();
        visits.push((5, 0));
        visits.extend((0..300).rev().map(|n| (n, u64::MAX)));
        for (n, ahead) in visits {
            let got = w.page(n, ahead).unwrap();
            let start = n as usize * page;
            assert_eq!(got, &file[start..start + page], "page {n}");
        }
        // Whole pages only: the 100 bytes after the last one are no page.
        assert!(w.page(300, 0).is_err());
        // Twice the file in read-ahead, plus one page per visit at most.
        let bound = 2 * file.len() as u64 + 341 * page as u64;
        assert!(src.read.get() <= bound, "{} > {bound}", src.read.get());
        // A chain read in one go costs one read of its pages.
        let src = Counted {
            bytes: &file,
            read: Cell::new(0),
        };
        let mut w = PageWindow::new(&src, page, file.len() as u64, 0);
        for n in 10..20 {
            w.page(n, 19 - n).unwrap();
        }
        assert_eq!(src.read.get(), 10 * page as u64);
    }
}
