//! Formatted lines in the order `LC_ALL=C sort` gives them (byte order), sorted header by
//! header.
//!
//! Every file line of a package starts with `NEVRA<TAB>`. When no NEVRA holds a tab, these
//! prefixes are prefix-free, so two lines of different packages compare as their prefixes do
//! and all lines of one package stay together. So each header's lines are formatted where they
//! are kept and sorted there right away if they are not in order already (rpm stores a
//! package's files sorted by path, so they mostly are); writing sorts the
//! headers by prefix, writes each header's lines as one piece and merges only headers with the
//! same prefix (a package installed twice). The package and info lines (one per header) are
//! their own prefix. A tab or newline in a value spoils the argument (a newline splits a line
//! in two, as `sort` sees it): then every line is sorted on its own.

use std::io::Write;

use super::{header_lines, lines_room, Mode, FILES_HEADER, INFO_HEADER};
use crate::error::Error;
use crate::header::Header;

/// Lines are kept in buffers of at least this size (one allocation each).
const CHUNK_BYTES: usize = 1 << 20;

/// One header's lines, sorted, at `range` of a chunk; `key`: the length of the prefix that
/// places them among other headers' lines, if they have one.
struct Block {
    chunk: usize,
    range: std::ops::Range<usize>,
    key: Option<usize>,
}

/// The lines of the headers one worker formatted, each header's sorted.
#[derive(Default)]
pub(super) struct Lines {
    chunks: Vec<Vec<u8>>,
    blocks: Vec<Block>,
    /// A copy of one header's lines and the (start, end) of each, for the headers whose lines
    /// do not come out of the formatter in order (rpm stores a package's files sorted by path,
    /// so their lines usually do).
    scratch: Vec<u8>,
    order: Vec<(usize, usize)>,
}

impl Lines {
    /// Formats the lines of `h` at the end of a chunk, sorts them there if they are not in
    /// order already and keeps them. An inconsistent file list is an error and keeps nothing.
    pub(super) fn add(&mut self, h: &Header, mode: Mode) -> Result<(), Error> {
        let chunk = self.chunk_with_room(lines_room(h, mode));
        let start = self.chunks[chunk].len();
        let (key, lines) = header_lines(h, mode, &mut self.chunks[chunk])?;
        // File lines with a key all start with it: compare what follows.
        let skip = match (mode, key) {
            (Mode::Files, Some(k)) => k,
            _ => 0,
        };
        self.settle(chunk, start, key, lines, skip);
        Ok(())
    }

    /// The index of the last chunk if it has `room` bytes to spare, else of a new one with at
    /// least that much: chunks are filled, not regrown (which would copy them), unless a
    /// header's lines outgrow their room.
    fn chunk_with_room(&mut self, room: usize) -> usize {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= room);
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK_BYTES.max(room)));
        }
        self.chunks.len() - 1
    }

    /// Keeps the lines formatted at `chunk[start..]` as one block, sorted: `lines` of them as
    /// the format writes them, all starting with a `key` bytes long prefix if they have one,
    /// the first `skip` bytes the same in all.
    fn settle(
        &mut self,
        chunk: usize,
        start: usize,
        key: Option<usize>,
        lines: usize,
        skip: usize,
    ) {
        let bytes = &self.chunks[chunk][start..];
        if bytes.is_empty() {
            return;
        }
        // Every format ends its lines with a newline; a last line without one would be glued to
        // the next block's first line.
        debug_assert_eq!(
            bytes.last(),
            Some(&b'\n'),
            "formatted lines end with a newline"
        );
        let mut count = 0;
        let mut in_order = true;
        let mut prev: &[u8] = &[];
        let mut at = 0;
        for end in memchr::memchr_iter(b'\n', bytes) {
            // Without its newline (see `sort_key`).
            let rest = &bytes[(at + skip).min(end)..end];
            in_order &= count == 0 || prev <= rest;
            prev = rest;
            count += 1;
            at = end + 1;
        }
        if at < bytes.len() {
            in_order &= count == 0 || prev <= &bytes[(at + skip).min(bytes.len())..];
            count += 1;
        }
        // A newline inside a value made more lines than the format writes: no prefix then, and
        // the lines are sorted with everyone else's when written (their order here is moot).
        let key = key.filter(|_| count == lines);
        if key.is_some() && !in_order {
            self.sort_block(chunk, start, skip);
        }
        let end = self.chunks[chunk].len();
        self.blocks.push(Block {
            chunk,
            range: start..end,
            key,
        });
    }

    /// Sorts the lines at `chunk[start..]` in place (through a copy), comparing them from byte
    /// `skip` on.
    fn sort_block(&mut self, chunk: usize, start: usize, skip: usize) {
        let chunk = &mut self.chunks[chunk];
        self.scratch.clear();
        self.scratch.extend_from_slice(&chunk[start..]);
        let bytes = &self.scratch[..];
        self.order.clear();
        let mut at = 0;
        for end in memchr::memchr_iter(b'\n', bytes) {
            self.order.push((at, end + 1));
            at = end + 1;
        }
        if at < bytes.len() {
            self.order.push((at, bytes.len()));
        }
        self.order.sort_unstable_by(|a, b| {
            sort_key(&bytes[a.0 + skip..a.1]).cmp(sort_key(&bytes[b.0 + skip..b.1]))
        });
        chunk.truncate(start);
        for &(a, b) in &self.order {
            chunk.extend_from_slice(&bytes[a..b]);
        }
    }

    /// Each header's key (its prefix, if it has one) and its lines, sorted.
    fn blocks(&self) -> impl Iterator<Item = (Option<&[u8]>, &[u8])> {
        self.blocks.iter().map(|b| {
            let lines = &self.chunks[b.chunk][b.range.clone()];
            (b.key.map(|k| &lines[..k]), lines)
        })
    }
}

/// The formatted lines of a set of headers and the warnings about headers skipped or not
/// formatted (in the order the source gave the headers).
pub struct Formatted {
    pub(super) mode: Mode,
    pub(super) parts: Vec<Lines>,
    /// Messages about skipped headers.
    pub warnings: Vec<String>,
}

impl Formatted {
    /// Writes the mode's header line and then every line in the order `LC_ALL=C sort` gives
    /// (byte order).
    pub fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        match self.mode {
            Mode::Packages => {}
            Mode::Info => writeln!(w, "{INFO_HEADER}")?,
            Mode::Files => writeln!(w, "{FILES_HEADER}")?,
        }
        let blocks = || self.parts.iter().flat_map(Lines::blocks);
        let mut pieces: Vec<&[u8]> = Vec::new();
        if blocks().all(|(key, _)| key.is_some()) {
            let mut keyed: Vec<(&[u8], &[u8])> = blocks()
                .map(|(key, lines)| (key.unwrap_or_default(), lines))
                .collect();
            keyed.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for group in keyed.chunk_by(|a, b| a.0 == b.0) {
                if let [(_, lines)] = group {
                    pieces.push(lines);
                } else {
                    pieces.extend(sorted_lines(group.iter().map(|(_, lines)| *lines)));
                }
            }
        } else {
            pieces = sorted_lines(blocks().map(|(_, lines)| lines));
        }
        write_pieces(w, &pieces)
    }
}

/// Writes `pieces` in order, many per call (gathered, not copied into a buffer first).
fn write_pieces(w: &mut impl Write, pieces: &[&[u8]]) -> std::io::Result<()> {
    use std::io::IoSlice;
    for batch in pieces.chunks(1024) {
        let mut slices: Vec<IoSlice<'_>> = batch
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| IoSlice::new(p))
            .collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match w.write_vectored(rest) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// What `sort` compares of a line: its bytes without the newline (so `a` comes before
/// `a\x01`, whose first extra byte is below the newline's).
fn sort_key(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

/// The lines of `blocks`, all sorted together.
fn sorted_lines<'a>(blocks: impl Iterator<Item = &'a [u8]>) -> Vec<&'a [u8]> {
    let mut lines: Vec<&[u8]> = blocks
        .flat_map(|b| b.split_inclusive(|&c| c == b'\n'))
        .collect();
    lines.sort_unstable_by(|a, b| sort_key(a).cmp(sort_key(b)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of one block per (NEVRA, file suffixes), kept by `Lines::settle` as `Lines::add`
    /// hands them over: keyed by `NEVRA\t` unless the NEVRA holds a tab (`settle` itself drops
    /// the key of a block whose suffix holds a newline).
    fn formatted(packages: &[(&str, &[&str])]) -> Formatted {
        let mut lines = Lines::default();
        for (nevra, files) in packages {
            let text: String = files.iter().map(|f| format!("{nevra}\t{f}\n")).collect();
            let chunk = lines.chunk_with_room(text.len());
            let start = lines.chunks[chunk].len();
            lines.chunks[chunk].extend_from_slice(text.as_bytes());
            let plain = !nevra.contains(['\t', '\n']);
            let key = plain.then_some(nevra.len() + 1);
            lines.settle(chunk, start, key, files.len(), key.unwrap_or(0));
        }
        Formatted {
            mode: Mode::Packages,
            parts: vec![lines],
            warnings: Vec::new(),
        }
    }

    /// What `LC_ALL=C sort` prints for the same lines.
    fn sort_lines(packages: &[(&str, &[&str])]) -> Vec<u8> {
        let all: Vec<u8> = packages
            .iter()
            .flat_map(|(n, files)| files.iter().map(move |f| format!("{n}\t{f}\n")))
            .collect::<String>()
            .into_bytes();
        let mut lines: Vec<&[u8]> = all.split_inclusive(|&c| c == b'\n').collect();
        lines.sort_by(|a, b| sort_key(a).cmp(sort_key(b)));
        lines.concat()
    }

    fn written(f: &Formatted) -> Vec<u8> {
        let mut out = Vec::new();
        f.write(&mut out).unwrap();
        out
    }

    /// A writer that takes at most 7 bytes per call, from one slice or several.
    struct Dribble(Vec<u8>);

    impl Write for Dribble {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
            let mut n = 0;
            for b in bufs {
                let k = b.len().min(7 - n);
                self.0.extend_from_slice(&b[..k]);
                n += k;
                if n == 7 {
                    break;
                }
            }
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn pieces_are_written_whole_through_short_writes() {
        let pieces: Vec<Vec<u8>> = (0..3000)
            .map(|i| format!("{i}:{}\n", "x".repeat(i % 13)).into_bytes())
            .collect();
        // Empty pieces too, first and last (none is written by a call of its own).
        let empty: &[u8] = b"";
        let refs: Vec<&[u8]> = std::iter::once(empty)
            .chain(pieces.iter().map(|p| &p[..]))
            .chain([empty])
            .collect();
        let mut w = Dribble(Vec::new());
        write_pieces(&mut w, &refs).unwrap();
        assert_eq!(w.0, pieces.concat());
    }

    #[test]
    fn header_by_header_order_is_the_order_of_all_lines() {
        // NEVRAs that are prefixes of one another, bytes below and above the tab, a package
        // listed twice (its blocks merge), and paths that sort before the tab.
        let sets: &[&[(&str, &[&str])]] = &[
            &[
                ("a-1-1.x86_64", &["/b", "/a", "/a\u{1}"]),
                ("a-1-1.x86", &["/z", "/"]),
                ("a-1-1.x86_64", &["/0", "/c"]),
                ("a-1-1.x86\u{1}", &["/q"]),
                ("a-1-1.x86 ", &["/r", "/\u{7f}"]),
                ("A-1-1.noarch", &["/x"]),
                ("", &["/empty-name"]),
            ],
            // A tab in a NEVRA and a newline in a path: every line sorted on its own.
            &[
                ("t\tab-1-1.noarch", &["/a", "/b"]),
                ("t-1-1.noarch", &["/c\n/d", "/e"]),
                ("t", &["/f"]),
            ],
        ];
        for packages in sets {
            assert_eq!(
                String::from_utf8_lossy(&written(&formatted(packages))),
                String::from_utf8_lossy(&sort_lines(packages)),
                "{packages:?}"
            );
        }
    }
}
