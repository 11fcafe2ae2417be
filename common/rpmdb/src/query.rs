//! rpm-compatible query output: the exact lines `rpm -qa --qf ...` prints for the package list,
//! the `--info` columns and the per-file columns used by `rpmdb-query` and its tests
//! (formats: `%{FILEMODES:octal}`, `:fflags`, `:fstate`, "(none)" for absent tags).

use std::io::Write;

use crate::backend::Delivery;
use crate::error::Error;
use crate::files::Columns;
use crate::header::{Header, Numbers};
use crate::signature::signature_text;
use crate::tags;

/// Header line of the `--info` output.
pub const INFO_HEADER: &str = "NAME\tEPOCHNUM\tVERSION\tRELEASE\tARCH\tINSTALLTIME\tBUILDTIME\tVENDOR\tPACKAGER\tBUILDHOST\tLONGSIZE\tSOURCERPM\tLICENSE\tSIGNATURE";
/// Header line of the `--files` output.
pub const FILES_HEADER: &str = "NEVRA\tFILENAMES\tFILEMODES\tFILESIZES\tFILEDIGESTS\tFILEDIGESTALGO\tFILEMTIMES\tFILEUSERNAME\tFILEGROUPNAME\tFILEFLAGS\tFILESTATES\tFILELINKTOS\tFILEDEVICES\tFILERDEVS\tFILEINODES\tFILEVERIFYFLAGS\tFILECAPS";

const NONE: &[u8] = b"(none)";

fn push_str(out: &mut Vec<u8>, h: &Header, tag: u32) {
    out.extend_from_slice(h.string_bytes(tag).unwrap_or(NONE));
}

/// Appends `v` in base `radix` (8 or 10) without going through `fmt`.
fn push_radix(out: &mut Vec<u8>, mut v: u64, radix: u64) {
    let mut tmp = [0u8; 24];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % radix) as u8;
        v /= radix;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

fn push_num(out: &mut Vec<u8>, v: Option<u64>) {
    match v {
        Some(v) => push_radix(out, v, 10),
        None => out.extend_from_slice(NONE),
    }
}

/// `%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}` (no newline).
pub fn package_line(h: &Header, out: &mut Vec<u8>) {
    push_str(out, h, tags::NAME);
    out.push(b'\t');
    push_num(out, Some(h.u64(tags::EPOCH).unwrap_or(0)));
    for tag in [tags::VERSION, tags::RELEASE, tags::ARCH] {
        out.push(b'\t');
        push_str(out, h, tag);
    }
}

/// The `--info` columns ([`INFO_HEADER`]) of one package (no newline).
pub fn info_line(h: &Header, out: &mut Vec<u8>) {
    package_line(h, out);
    out.push(b'\t');
    push_num(out, h.u64(tags::INSTALLTIME));
    out.push(b'\t');
    push_num(out, h.u64(tags::BUILDTIME));
    for tag in [tags::VENDOR, tags::PACKAGER, tags::BUILDHOST] {
        out.push(b'\t');
        push_str(out, h, tag);
    }
    out.push(b'\t');
    push_num(out, h.u64(tags::LONGSIZE).or_else(|| h.u64(tags::SIZE)));
    for tag in [tags::SOURCERPM, tags::LICENSE] {
        out.push(b'\t');
        push_str(out, h, tag);
    }
    out.push(b'\t');
    out.extend_from_slice(signature_text(h).as_bytes());
}

fn fflags(out: &mut Vec<u8>, v: Option<u64>) {
    use tags::fileflags::*;
    let Some(v) = v else {
        out.extend_from_slice(NONE);
        return;
    };
    let v = v as u32;
    for (bit, c) in [
        (DOC, b'd'),
        (CONFIG, b'c'),
        (SPECFILE, b's'),
        (MISSINGOK, b'm'),
        (NOREPLACE, b'n'),
        (GHOST, b'g'),
        (LICENSE, b'l'),
        (README, b'r'),
        (ARTIFACT, b'a'),
    ] {
        if v & bit != 0 {
            out.push(c);
        }
    }
}

fn fstate(out: &mut Vec<u8>, v: Option<u64>) {
    let Some(v) = v else {
        out.extend_from_slice(NONE);
        return;
    };
    // FILESTATES is a CHAR array of signed values; -1 is "missing".
    let s: &[u8] = match v as u8 as i8 {
        0 => b"normal",
        1 => b"replaced",
        2 => b"not installed",
        3 => b"net shared",
        4 => b"wrong color",
        -1 => b"missing",
        _ => b"(unknown)",
    };
    out.extend_from_slice(s);
}

fn col_num(out: &mut Vec<u8>, c: &Option<Numbers<'_>>, i: usize) {
    push_num(out, c.as_ref().and_then(|n| n.get(i)));
}

fn col_str(out: &mut Vec<u8>, s: Option<&[u8]>) {
    out.extend_from_slice(s.unwrap_or(NONE));
}

/// Appends one line per file ([`FILES_HEADER`] columns, each ending in '\n') to `out`.
/// A header whose file arrays disagree in length is an error (rpm refuses to format it too).
pub fn file_lines(h: &Header, out: &mut Vec<u8>) -> Result<usize, Error> {
    let c = Columns::new(h)?;
    if c.len == 0 {
        return Ok(0);
    }
    let mut nevra = Vec::new();
    for (i, tag) in [tags::NAME, tags::VERSION, tags::RELEASE, tags::ARCH]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            nevra.push(if i == 3 { b'.' } else { b'-' });
        }
        push_str(&mut nevra, h, tag);
    }
    let mut algo = Vec::new();
    push_num(&mut algo, h.u64(tags::FILEDIGESTALGO));
    for (i, f) in c.strings().enumerate() {
        out.extend_from_slice(&nevra);
        out.push(b'\t');
        out.extend_from_slice(f.dir);
        out.extend_from_slice(f.base);
        out.push(b'\t');
        match c.modes.as_ref().and_then(|n| n.get(i)) {
            Some(m) => push_radix(out, m, 8),
            None => out.extend_from_slice(NONE),
        }
        out.push(b'\t');
        col_num(out, &c.sizes, i);
        out.push(b'\t');
        col_str(out, f.digest);
        out.push(b'\t');
        out.extend_from_slice(&algo);
        out.push(b'\t');
        col_num(out, &c.mtimes, i);
        out.push(b'\t');
        col_str(out, f.user);
        out.push(b'\t');
        col_str(out, f.group);
        out.push(b'\t');
        fflags(out, c.flags.as_ref().and_then(|n| n.get(i)));
        out.push(b'\t');
        fstate(out, c.states.as_ref().and_then(|n| n.get(i)));
        out.push(b'\t');
        col_str(out, f.linkto);
        out.push(b'\t');
        col_num(out, &c.devices, i);
        out.push(b'\t');
        col_num(out, &c.rdevs, i);
        out.push(b'\t');
        col_num(out, &c.inodes, i);
        out.push(b'\t');
        col_num(out, &c.verify_flags, i);
        out.push(b'\t');
        col_str(out, f.caps);
        out.push(b'\n');
    }
    Ok(c.len)
}

/// What [`write_headers`] and [`write_blobs`] print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    /// `NAME EPOCHNUM VERSION RELEASE ARCH`, no header line.
    Packages,
    /// [`INFO_HEADER`] + one line per package.
    Info,
    /// [`FILES_HEADER`] + one line per file.
    Files,
}

/// Worker threads for large inputs (header parsing, digest checks and formatting are
/// independent per header).
fn workers(items: usize) -> usize {
    if items < 32 {
        return 1;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4)
}

/// Runs `f` over contiguous chunks of `items` on up to [`workers`] threads; results in order.
fn chunked<T: Send, R: Send>(items: Vec<T>, n: usize, f: impl Fn(Vec<T>) -> R + Sync) -> Vec<R> {
    if n <= 1 {
        return vec![f(items)];
    }
    let per = items.len().div_ceil(n);
    let mut chunks = Vec::with_capacity(n);
    let mut it = items.into_iter();
    loop {
        let c: Vec<T> = it.by_ref().take(per).collect();
        if c.is_empty() {
            break;
        }
        chunks.push(c);
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| {
                let f = &f;
                s.spawn(move || f(c))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Parses one named blob; `Err(warning)` when rpm would skip it (corrupt, BAD digest).
fn load_one(name: String, blob: Vec<u8>) -> Result<(String, Header), String> {
    let h = Header::from_vec(blob).map_err(|e| format!("skipping {name}: {e}"))?;
    if let Some(reason) = crate::digest::skip_reason(&h) {
        return Err(format!("skipping {name}: {reason}"));
    }
    Ok((name, h))
}

/// Parses named header blobs and drops those rpm would skip (corrupt, BAD digest), with a
/// message naming the blob pushed to `warnings`. Order is preserved.
pub fn load_headers(
    blobs: impl IntoIterator<Item = (String, Vec<u8>)>,
    warnings: &mut Vec<String>,
) -> Vec<(String, Header)> {
    let blobs: Vec<_> = blobs.into_iter().collect();
    let n = workers(blobs.len());
    let results = chunked(blobs, n, |chunk| {
        chunk
            .into_iter()
            .map(|(name, blob)| load_one(name, blob))
            .collect::<Vec<_>>()
    });
    let mut out = Vec::new();
    for r in results.into_iter().flatten() {
        match r {
            Ok(h) => out.push(h),
            Err(w) => warnings.push(w),
        }
    }
    out
}

/// A buffer for the lines of headers whose blobs total `blob_bytes`.
fn line_buffer(mode: Mode, headers: usize, blob_bytes: usize) -> Vec<u8> {
    // File lines take roughly 0.6 bytes per header byte on real databases; reserving up front
    // avoids repeated reallocation of a buffer of tens of megabytes.
    let estimate = match mode {
        Mode::Files => blob_bytes / 5 * 3,
        _ => headers * 256,
    };
    Vec::with_capacity(estimate.max(1 << 12))
}

/// Appends the lines of one header to `buf` (a warning instead when its file list is
/// inconsistent).
fn format_one(name: &str, h: &Header, mode: Mode, buf: &mut Vec<u8>, warnings: &mut Vec<String>) {
    match mode {
        Mode::Files => {
            let mark = buf.len();
            if let Err(e) = file_lines(h, buf) {
                buf.truncate(mark);
                warnings.push(format!("{name}: cannot list files: {e}"));
            }
        }
        Mode::Info => {
            info_line(h, buf);
            buf.push(b'\n');
        }
        Mode::Packages => {
            package_line(h, buf);
            buf.push(b'\n');
        }
    }
}

/// Formats one chunk of headers into a buffer of lines.
fn format_chunk(headers: &[(String, Header)], mode: Mode) -> (Vec<u8>, Vec<String>) {
    let blob_bytes = headers.iter().map(|(_, h)| h.blob().len()).sum();
    let mut buf = line_buffer(mode, headers.len(), blob_bytes);
    let mut warnings = Vec::new();
    for (name, h) in headers {
        format_one(name, h, mode, &mut buf, &mut warnings);
    }
    (buf, warnings)
}

/// Writes headers like `rpm -qa --qf ... | LC_ALL=C sort` prints them (with the header line
/// for `Info`/`Files`) to `w`. A header whose file list is inconsistent contributes no file
/// lines and a warning (rpm refuses to format it too).
pub fn write_headers(
    headers: &[(String, Header)],
    mode: Mode,
    warnings: &mut Vec<String>,
    w: &mut impl Write,
) -> std::io::Result<()> {
    let n = workers(headers.len());
    let per = headers.len().div_ceil(n).max(1);
    let refs: Vec<&[(String, Header)]> = headers.chunks(per).collect();
    let parts = chunked(refs, n, |chunks| {
        chunks
            .into_iter()
            .map(|c| format_chunk(c, mode))
            .collect::<Vec<_>>()
    });
    let mut formatted = Formatted {
        mode,
        ..Formatted::default()
    };
    for (buf, warn) in parts.into_iter().flatten() {
        formatted.runs.push(Run::sorted(vec![buf]));
        warnings.extend(warn);
    }
    formatted.write(w)
}

/// Parses, checks and formats named header blobs on worker threads and writes the lines like
/// [`write_headers`]; the headers rpm would skip are reported in `warnings` as by
/// [`load_headers`]. The same output as those two in sequence, with less memory and time.
pub fn write_blobs(
    blobs: Vec<(String, Vec<u8>)>,
    mode: Mode,
    warnings: &mut Vec<String>,
    w: &mut impl Write,
) -> std::io::Result<()> {
    let formatted = format_stream(mode, |each| {
        for (name, mut blob) in blobs {
            each(Delivery::Header(name, &mut blob));
        }
        Ok::<(), std::convert::Infallible>(())
    });
    let Ok(formatted) = formatted;
    warnings.extend(formatted.warnings.iter().cloned());
    formatted.write(w)
}

/// The name of a database header in messages: `h# N`, as rpm prints instance numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hnum(pub u32);

impl std::fmt::Display for Hnum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "h# {}", self.0)
    }
}

/// The formatted lines of a set of headers, in sorted runs, and the warnings about headers
/// skipped or not formatted (in the order the source gave the headers).
#[derive(Debug, Default)]
pub struct Formatted {
    mode: Mode,
    runs: Vec<Run>,
    /// Messages about skipped headers.
    pub warnings: Vec<String>,
}

impl Formatted {
    /// Writes the mode's header line and then every line in the order `LC_ALL=C sort` gives
    /// (byte order), merging the sorted runs.
    pub fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        match self.mode {
            Mode::Packages => {}
            Mode::Info => writeln!(w, "{INFO_HEADER}")?,
            Mode::Files => writeln!(w, "{FILES_HEADER}")?,
        }
        let mut heads: Vec<(&Run, usize)> = self
            .runs
            .iter()
            .filter(|r| !r.lines.is_empty())
            .map(|r| (r, 0))
            .collect();
        while !heads.is_empty() {
            let mut min = 0;
            for k in 1..heads.len() {
                let (r, i) = heads[k];
                let (m, j) = heads[min];
                if r.line(i) < m.line(j) {
                    min = k;
                }
            }
            let (r, i) = heads[min];
            w.write_all(r.line(i))?;
            if i + 1 < r.lines.len() {
                heads[min].1 = i + 1;
            } else {
                heads.swap_remove(min);
            }
        }
        Ok(())
    }
}

/// Whole lines in buffers and their order: (buffer, start, end) of each line, sorted by the
/// bytes of the line.
#[derive(Debug, Default)]
struct Run {
    chunks: Vec<Vec<u8>>,
    lines: Vec<(usize, usize, usize)>,
}

impl Run {
    /// Splits `chunks` (whole lines, each ending in '\n') into lines and sorts them.
    fn sorted(chunks: Vec<Vec<u8>>) -> Run {
        let count = chunks.iter().map(|c| memchr::memchr_iter(b'\n', c).count());
        let mut lines = Vec::with_capacity(count.sum());
        for (c, buf) in chunks.iter().enumerate() {
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', buf) {
                lines.push((c, start, end + 1));
                start = end + 1;
            }
        }
        let line = |&(c, a, b): &(usize, usize, usize)| &chunks[c][a..b];
        lines.sort_unstable_by(|x, y| line(x).cmp(line(y)));
        Run { chunks, lines }
    }

    fn line(&self, i: usize) -> &[u8] {
        let (c, a, b) = self.lines[i];
        &self.chunks[c][a..b]
    }
}

/// Line buffers are filled up to this size each (one allocation per chunk, never regrown).
const CHUNK_BYTES: usize = 1 << 20;
/// Blobs read but not yet taken by a worker, at most (bounds the memory in flight).
const QUEUE: usize = 16;

/// One worker's share: lines in fixed-size chunks and (sequence number, warning) pairs, for
/// the headers of one delivery generation (a restart of the source starts a new one).
#[derive(Default)]
struct Share {
    generation: usize,
    chunks: Vec<Vec<u8>>,
    warnings: Vec<(usize, String)>,
}

/// What one worker hands back: its sorted lines and warnings, of one generation.
struct Finished {
    generation: usize,
    run: Run,
    warnings: Vec<(usize, String)>,
}

impl Share {
    /// The chunk to format the lines of a header of `blob_len` bytes into: the last one, or a
    /// new one when the last has less room left than twice the blob's size (a header's lines
    /// take about half its size, rarely more than all of it; a chunk that still runs out just
    /// grows).
    fn chunk_for(&mut self, blob_len: usize) -> &mut Vec<u8> {
        let need = blob_len.saturating_mul(2);
        let room = self.chunks.last().map_or(0, |c| c.capacity() - c.len());
        if room < need || self.chunks.is_empty() {
            self.chunks
                .push(Vec::with_capacity(CHUNK_BYTES.max(need.saturating_mul(2))));
        }
        let last = self.chunks.len() - 1;
        &mut self.chunks[last]
    }
}

/// Reads header blobs from `source` on this thread while worker threads parse, check and
/// format them (one pass per header, while its bytes are in cache). Blob buffers go back to
/// the source once formatted, so memory holds the lines and a few blobs, not the database.
/// `source` hands its sink each blob (see [`Delivery`] for the buffer contract); after a
/// [`Delivery::Restart`] only the headers delivered since count. Its error is returned as is,
/// and nothing formatted is kept then.
pub fn format_stream<N, E>(
    mode: Mode,
    source: impl FnOnce(&mut dyn FnMut(Delivery<'_, N>)) -> Result<(), E>,
) -> Result<Formatted, E>
where
    N: std::fmt::Display + Send,
{
    use std::sync::{mpsc, Arc, Mutex};
    let n = workers(usize::MAX);
    // (generation, sequence number, name, blob)
    let (jobs, queue) = mpsc::sync_channel::<(usize, usize, N, Vec<u8>)>(QUEUE);
    // Only the workers hold the queue: should they all stop, sending fails instead of blocking.
    let queue = Arc::new(Mutex::new(queue));
    let (recycle, recycled) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let recycle = recycle.clone();
                let queue = Arc::clone(&queue);
                s.spawn(move || {
                    let mut share = Share::default();
                    let mut warn = Vec::new();
                    loop {
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((generation, seq, name, blob)) = job else {
                            break;
                        };
                        if generation != share.generation {
                            // Jobs come in queue order: no job of an older generation follows.
                            share = Share {
                                generation,
                                ..Share::default()
                            };
                        }
                        match load_one(name.to_string(), blob) {
                            Ok((name, h)) => {
                                let chunk = share.chunk_for(h.blob().len());
                                format_one(&name, &h, mode, chunk, &mut warn);
                                let _ = recycle.send(h.into_blob());
                            }
                            Err(skip) => warn.push(skip),
                        }
                        share.warnings.extend(warn.drain(..).map(|w| (seq, w)));
                    }
                    // Each worker sorts its own lines: the sort runs in parallel, the writer
                    // only merges.
                    Finished {
                        generation: share.generation,
                        run: Run::sorted(share.chunks),
                        warnings: share.warnings,
                    }
                })
            })
            .collect();
        drop(recycle);
        drop(queue);
        let mut seq = 0;
        let mut generation = 0;
        let read = source(&mut |d| match d {
            Delivery::Header(name, blob) => {
                let spare = recycled.try_recv().unwrap_or_default();
                let blob = std::mem::replace(blob, spare);
                // Sending fails only when no worker is left (a panic, re-raised below).
                let _ = jobs.send((generation, seq, name, blob));
                seq += 1;
            }
            Delivery::Restart => generation += 1,
        });
        drop(jobs);
        let shares: Vec<Finished> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        read?;
        let mut formatted = Formatted {
            mode,
            ..Formatted::default()
        };
        let mut warnings = Vec::new();
        for share in shares.into_iter().filter(|s| s.generation == generation) {
            formatted.runs.push(share.run);
            warnings.extend(share.warnings);
        }
        warnings.sort_by_key(|(seq, _)| *seq);
        formatted.warnings = warnings.into_iter().map(|(_, w)| w).collect();
        Ok(formatted)
    })
}

/// [`write_headers`] into a byte vector.
pub fn render_headers(
    headers: &[(String, Header)],
    mode: Mode,
    warnings: &mut Vec<String>,
) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_headers(headers, mode, warnings, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header of one package without files: NAME, VERSION, RELEASE, ARCH strings.
    fn blob(name: &str) -> Vec<u8> {
        let tags = [
            (tags::NAME, name),
            (tags::VERSION, "1"),
            (tags::RELEASE, "1"),
            (tags::ARCH, "noarch"),
        ];
        let mut data = Vec::new();
        let mut index = Vec::new();
        for (tag, value) in tags {
            for v in [tag, crate::tags::types::STRING, data.len() as u32, 1] {
                index.extend_from_slice(&v.to_be_bytes());
            }
            data.extend_from_slice(value.as_bytes());
            data.push(0);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(tags.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(&index);
        out.extend_from_slice(&data);
        out
    }

    #[test]
    fn streamed_lines_are_sorted_and_skips_reported_in_source_order() {
        let mut names: Vec<String> = (0..200)
            .map(|i| format!("pkg{:03}", (i * 37) % 200))
            .collect();
        names.push("zz-last".into());
        let formatted = format_stream(Mode::Packages, |each| {
            for (i, n) in names.iter().enumerate() {
                let mut b = if i % 50 == 7 {
                    b"junk".to_vec()
                } else {
                    blob(n)
                };
                each(Delivery::Header(Hnum(i as u32 + 1), &mut b));
            }
            Ok::<(), ()>(())
        })
        .unwrap();
        let mut out = Vec::new();
        formatted.write(&mut out).unwrap();
        let mut expected: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 50 != 7)
            .map(|(_, n)| format!("{n}\t0\t1\t1\tnoarch\n"))
            .collect();
        expected.sort();
        assert_eq!(String::from_utf8(out).unwrap(), expected.concat());
        let skipped: Vec<&str> = formatted
            .warnings
            .iter()
            .map(|w| w.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            skipped,
            [
                "skipping h# 8",
                "skipping h# 58",
                "skipping h# 108",
                "skipping h# 158"
            ]
        );
    }

    #[test]
    fn after_a_restart_only_the_headers_delivered_since_count() {
        let formatted = format_stream(Mode::Packages, |each| {
            for i in 0..300 {
                each(Delivery::Header(Hnum(i), &mut blob(&format!("old{i}"))));
            }
            each(Delivery::Header(Hnum(300), &mut b"junk".to_vec()));
            each(Delivery::Restart);
            each(Delivery::Header(Hnum(1), &mut blob("new")));
            Ok::<(), ()>(())
        })
        .unwrap();
        let mut out = Vec::new();
        formatted.write(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "new\t0\t1\t1\tnoarch\n");
        assert!(formatted.warnings.is_empty(), "{:?}", formatted.warnings);
    }

    #[test]
    fn a_source_error_is_returned() {
        let r = format_stream(Mode::Files, |each| {
            for i in 0..100 {
                each(Delivery::Header(Hnum(i), &mut blob("p")));
            }
            Err("disk on fire")
        });
        assert_eq!(r.unwrap_err(), "disk on fire");
    }
}
