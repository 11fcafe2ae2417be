//! Formatting many headers on worker threads: from blobs streamed out of a database as it is
//! read ([`format_stream`]), or from blobs and headers already in memory.

use std::io::Write;

use super::sorted::{Formatted, Lines};
use super::Mode;
use crate::backend::Delivery;
use crate::header::Header;

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

/// The header parsed from the blob `name`, or the warning saying why rpm skips it (corrupt,
/// BAD digest).
fn checked<'a>(
    name: &dyn std::fmt::Display,
    parsed: Result<Header<'a>, crate::error::Error>,
) -> Result<Header<'a>, String> {
    let h = parsed.map_err(|e| format!("skipping {name}: {e}"))?;
    match crate::digest::skip_reason(&h) {
        Some(reason) => Err(format!("skipping {name}: {reason}")),
        None => Ok(h),
    }
}

/// Parses one named blob; `Err(warning)` when rpm would skip it.
fn load_one(name: String, blob: Vec<u8>) -> Result<(String, Header<'static>), String> {
    let h = checked(&name, Header::from_vec(blob))?;
    Ok((name, h))
}

/// Parses named header blobs and drops those rpm would skip (corrupt, BAD digest), with a
/// message naming the blob pushed to `warnings`. Order is preserved.
pub fn load_headers(
    blobs: impl IntoIterator<Item = (String, Vec<u8>)>,
    warnings: &mut Vec<String>,
) -> Vec<(String, Header<'static>)> {
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

/// Formats and keeps the lines of one header; `Err(warning)` instead when its file list is
/// inconsistent.
fn add_lines(
    lines: &mut Lines,
    name: &dyn std::fmt::Display,
    h: &Header,
    mode: Mode,
) -> Result<(), String> {
    lines
        .add(h, mode)
        .map_err(|e| format!("{name}: cannot list files: {e}"))
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
    let refs: Vec<&(String, Header)> = headers.iter().collect();
    let parts = chunked(refs, workers(headers.len()), |chunk| {
        let mut lines = Lines::default();
        let mut warn = Vec::new();
        for (name, h) in chunk {
            if let Err(w) = add_lines(&mut lines, name, h, mode) {
                warn.push(w);
            }
        }
        (lines, warn)
    });
    let mut formatted = Formatted {
        mode,
        parts: Vec::new(),
        warnings: Vec::new(),
    };
    for (lines, warn) in parts {
        formatted.parts.push(lines);
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
    let formatted = format_blobs(blobs, mode);
    warnings.extend(formatted.warnings.iter().cloned());
    formatted.write(w)
}

/// [`format_stream`] over named header blobs already in memory (rpmdb-query `--blobs`).
pub fn format_blobs(blobs: Vec<(String, Vec<u8>)>, mode: Mode) -> Formatted {
    let Ok(formatted) = format_stream(mode, |buf, each| {
        for (name, blob) in blobs {
            let start = buf.len();
            buf.extend_from_slice(&blob);
            each(Delivery::Header {
                name,
                blobs: buf,
                start,
            });
        }
        Ok::<(), std::convert::Infallible>(())
    });
    formatted
}

/// The name of a database header in messages: `h# N`, as rpm prints instance numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hnum(pub u32);

impl std::fmt::Display for Hnum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "h# {}", self.0)
    }
}

/// Headers are handed to the workers in batches of this many bytes or headers, whichever
/// comes first (a hand-over costs a wake-up; a small header's work is less).
const BATCH_BYTES: usize = 256 << 10;
const BATCH_HEADERS: usize = 64;
/// Batches read but not yet taken by a worker, at most (bounds the memory in flight).
const QUEUE: usize = 2;

/// Headers of one delivery generation (a restart of the source starts a new one), their blobs
/// packed one after the other in the buffer the source assembled them in: a few buffers of
/// one size go round between the reader and the workers, instead of a buffer per header, each
/// sized to the largest header it ever carried.
struct Batch<N> {
    generation: usize,
    blobs: Vec<u8>,
    /// (sequence number, name, the blob's bytes in `blobs`)
    headers: Vec<(usize, N, std::ops::Range<usize>)>,
}

/// One worker's share of the headers of one delivery generation: their lines, and (sequence
/// number, warning) pairs.
#[derive(Default)]
struct Share {
    generation: usize,
    lines: Lines,
    warnings: Vec<(usize, String)>,
}

/// Parses and checks one named blob and formats its lines into `share` (a warning instead
/// when rpm would skip it, or its file list is inconsistent).
fn format_one(
    share: &mut Share,
    seq: usize,
    name: &dyn std::fmt::Display,
    blob: &[u8],
    mode: Mode,
) {
    let added = checked(name, Header::parse(blob))
        .and_then(|h| add_lines(&mut share.lines, name, &h, mode));
    if let Err(w) = added {
        share.warnings.push((seq, w));
    }
}

/// Reads header blobs from `source` on this thread while worker threads parse, check and
/// format them (one pass per header, while its bytes are in cache). `source` assembles the
/// blobs at the end of the buffer it is given and hands its sink each one (see [`Delivery`]);
/// a few blobs make a batch, whose buffer goes to a worker while the source gets another, and
/// comes back once formatted: memory holds the lines and a few batches, not the database.
/// After a [`Delivery::Restart`] only the headers delivered since count. The source's error
/// is returned as is, and nothing formatted is kept then.
pub fn format_stream<N, E>(
    mode: Mode,
    source: impl FnOnce(&mut Vec<u8>, &mut dyn FnMut(Delivery<'_, N>)) -> Result<(), E>,
) -> Result<Formatted, E>
where
    N: std::fmt::Display + Send,
{
    use std::sync::{mpsc, Arc, Mutex};
    let n = workers(usize::MAX);
    // Handing headers over one by one would cost a wake-up each, more than a small header's
    // own work.
    let (jobs, queue) = mpsc::sync_channel::<Batch<N>>(QUEUE);
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
                    loop {
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(batch) = job else {
                            break;
                        };
                        if batch.generation != share.generation {
                            // Jobs come in queue order: no job of an older generation follows.
                            share = Share {
                                generation: batch.generation,
                                ..Share::default()
                            };
                        }
                        for (seq, name, range) in &batch.headers {
                            format_one(&mut share, *seq, name, &batch.blobs[range.clone()], mode);
                        }
                        // A buffer a huge header made huge is not kept.
                        if batch.blobs.capacity() <= 4 * BATCH_BYTES {
                            let _ = recycle.send(batch.blobs);
                        }
                    }
                    share
                })
            })
            .collect();
        drop(recycle);
        drop(queue);
        let mut seq = 0;
        let mut generation = 0;
        // The next buffer: a recycled one, emptied, or a new one (twice a batch, so that a
        // batch just short of full still takes most headers whole).
        let buffer = || {
            let mut b = recycled
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(2 * BATCH_BYTES));
            b.clear();
            b
        };
        // The current batch: its blobs are in the buffer the source assembles them in.
        let mut blobs = buffer();
        let ours: *const Vec<u8> = &blobs;
        let mut headers = Vec::new();
        // Sending fails only when no worker is left (a panic, re-raised below).
        let read = source(&mut blobs, &mut |d| match d {
            Delivery::Header { name, blobs, start } => {
                // The last batch is sent from `blobs` once the source is done.
                debug_assert!(
                    std::ptr::eq(&*blobs, ours),
                    "the source assembles blobs in the buffer it was given"
                );
                headers.push((seq, name, start..blobs.len()));
                seq += 1;
                if blobs.len() >= BATCH_BYTES || headers.len() >= BATCH_HEADERS {
                    let _ = jobs.send(Batch {
                        generation,
                        blobs: std::mem::replace(blobs, buffer()),
                        headers: std::mem::take(&mut headers),
                    });
                }
            }
            Delivery::Restart => {
                // Nothing of the old generation counts any more (its bytes still in the
                // buffer are not referred to).
                generation += 1;
                headers.clear();
            }
        });
        if !headers.is_empty() {
            let _ = jobs.send(Batch {
                generation,
                blobs,
                headers,
            });
        }
        drop(jobs);
        let shares: Vec<Share> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        read?;
        let mut formatted = Formatted {
            mode,
            parts: Vec::new(),
            warnings: Vec::new(),
        };
        let mut warnings = Vec::new();
        for share in shares.into_iter().filter(|s| s.generation == generation) {
            formatted.parts.push(share.lines);
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
    use crate::tags;

    /// Hands `blob` to `each` as a backend does: assembled at the end of `buf`.
    fn deliver(
        each: &mut dyn FnMut(Delivery<'_, Hnum>),
        buf: &mut Vec<u8>,
        name: Hnum,
        blob: &[u8],
    ) {
        let start = buf.len();
        buf.extend_from_slice(blob);
        each(Delivery::Header {
            name,
            blobs: buf,
            start,
        });
    }

    /// A header of one package without files: NAME, VERSION, RELEASE, ARCH strings.
    fn blob(name: &str) -> Vec<u8> {
        files_blob(name, "noarch", &[])
    }

    #[test]
    fn streamed_lines_are_sorted_and_skips_reported_in_source_order() {
        let mut names: Vec<String> = (0..200)
            .map(|i| format!("pkg{:03}", (i * 37) % 200))
            .collect();
        names.push("zz-last".into());
        let formatted = format_stream(Mode::Packages, |buf, each| {
            for (i, n) in names.iter().enumerate() {
                let b = if i % 50 == 7 {
                    b"junk".to_vec()
                } else {
                    blob(n)
                };
                deliver(each, buf, Hnum(i as u32 + 1), &b);
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

    /// A header of one package with `files` (whole paths; none: no file tags at all).
    fn files_blob(name: &str, arch: &str, files: &[&str]) -> Vec<u8> {
        use crate::tags::types::{INT32, STRING, STRING_ARRAY};
        let z = |v: &str| [v.as_bytes(), &[0]].concat();
        let mut entries = vec![
            (tags::NAME, STRING, 1, z(name)),
            (tags::VERSION, STRING, 1, z("1")),
            (tags::RELEASE, STRING, 1, z("1")),
            (tags::ARCH, STRING, 1, z(arch)),
        ];
        if !files.is_empty() {
            let (mut dirs, mut indexes, mut bases) = (Vec::<&str>::new(), Vec::new(), Vec::new());
            for f in files {
                let (dir, base) = f.split_at(f.rfind('/').map_or(0, |i| i + 1));
                let i = dirs.iter().position(|d| *d == dir).unwrap_or_else(|| {
                    dirs.push(dir);
                    dirs.len() - 1
                });
                indexes.extend_from_slice(&(i as u32).to_be_bytes());
                bases.extend(z(base));
            }
            let n = files.len() as u32;
            entries.push((tags::BASENAMES, STRING_ARRAY, n, bases));
            let dir_bytes = dirs.iter().flat_map(|d| z(d)).collect();
            entries.push((tags::DIRNAMES, STRING_ARRAY, dirs.len() as u32, dir_bytes));
            entries.push((tags::DIRINDEXES, INT32, n, indexes));
        }
        crate::header::tests::build(&entries, entries.len())
    }

    /// What `LC_ALL=C sort` prints for the lines of `blobs` in `mode` (the real sort).
    fn sorted_by_sort(blobs: &[Vec<u8>], mode: Mode) -> Vec<u8> {
        use std::io::Write as _;
        let mut lines = Vec::new();
        for b in blobs {
            let h = Header::from_vec(b.clone()).unwrap();
            super::super::header_lines(&h, mode, &mut lines).unwrap();
        }
        let mut sort = std::process::Command::new("sort")
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("coreutils sort");
        sort.stdin.take().unwrap().write_all(&lines).unwrap();
        sort.wait_with_output().unwrap().stdout
    }

    /// Our output for `blobs` in `mode`, without the header line.
    fn ours(blobs: &[Vec<u8>], mode: Mode) -> Vec<u8> {
        let formatted = format_stream(mode, |buf, each| {
            for (i, b) in blobs.iter().enumerate() {
                deliver(each, buf, Hnum(i as u32), b);
            }
            Ok::<(), ()>(())
        })
        .unwrap();
        let mut out = Vec::new();
        formatted.write(&mut out).unwrap();
        match mode {
            Mode::Packages => out,
            _ => out[memchr::memchr(b'\n', &out).unwrap() + 1..].to_vec(),
        }
    }

    /// Values that end where another goes on with a byte below the newline's, tabs and
    /// newlines in values, packages listed twice: ordered exactly as the real `sort` orders
    /// the same lines, through the per-header keys and through the fallback.
    #[test]
    fn lines_come_out_as_the_real_sort_orders_them() {
        let packages = [
            files_blob("p", "noarch", &[]),
            files_blob("p", "noarch\u{1}", &[]),
            files_blob("p", "noarch\t", &[]),
            files_blob("p", "noarch", &[]),
            files_blob("p\tq", "x", &[]),
            files_blob("o", "", &[]),
        ];
        let mut with_newline = packages.to_vec();
        with_newline.push(files_blob("p\nq", "x", &[]));
        let files = [
            files_blob("a", "x86_64", &["/b", "/a", "/a\u{1}", "/a\t", "/"]),
            files_blob("a", "x86", &["/z", "/a/b"]),
            files_blob("a", "x86_64", &["/0", "/a"]),
            files_blob("a", "x86\u{1}", &["/q"]),
            files_blob("b", "noarch", &[]),
        ];
        let mut tab_in_nevra = files.to_vec();
        tab_in_nevra.push(files_blob("a\tb", "noarch", &["/c"]));
        let mut newline_in_path = files.to_vec();
        newline_in_path.push(files_blob("n", "noarch", &["/c\n/d", "/e"]));
        for (what, blobs, mode) in [
            ("packages", &packages[..], Mode::Packages),
            ("info", &packages[..], Mode::Info),
            ("packages, a newline", &with_newline[..], Mode::Packages),
            ("files", &files[..], Mode::Files),
            ("files, a tab in a NEVRA", &tab_in_nevra[..], Mode::Files),
            (
                "files, a newline in a path",
                &newline_in_path[..],
                Mode::Files,
            ),
        ] {
            assert_eq!(
                String::from_utf8_lossy(&ours(blobs, mode)),
                String::from_utf8_lossy(&sorted_by_sort(blobs, mode)),
                "{what}"
            );
        }
    }

    /// Headers larger than a batch buffer between small ones, and lines far longer than the
    /// room made for them: every line comes out, in `sort`'s order.
    #[test]
    fn big_headers_and_long_lines_come_out_whole() {
        let long = format!("/{}", "x".repeat(1_200_000));
        let many: Vec<String> = (0..50_000)
            .map(|i| format!("/usr/share/doc/package/f{i:05}"))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut blobs = Vec::new();
        for i in 0..40 {
            blobs.push(files_blob(&format!("p{i}"), "x86_64", &["/a", "/b"]));
            if i % 13 == 5 {
                blobs.push(files_blob(&format!("big{i}"), "noarch", &many));
                blobs.push(files_blob(&format!("long{i}"), "noarch", &["/c", &long]));
            }
        }
        assert!(blobs.iter().any(|b| b.len() > 4 * BATCH_BYTES));
        assert_eq!(
            ours(&blobs, Mode::Files),
            sorted_by_sort(&blobs, Mode::Files)
        );
    }

    /// A header that claims a million files (all its names empty, as many as rpm allows) and
    /// has no other file column: the room made for its lines stays bounded, and it gets a
    /// warning, not lines.
    #[test]
    fn a_huge_file_count_gets_bounded_room() {
        use crate::tags::types::{STRING, STRING_ARRAY};
        let z = |v: &str| [v.as_bytes(), &[0]].concat();
        let files = 1_000_000;
        let entries = vec![
            (tags::NAME, STRING, 1, z("p")),
            (tags::VERSION, STRING, 1, z("1")),
            (tags::RELEASE, STRING, 1, z("1")),
            (tags::ARCH, STRING, 1, z("x86_64")),
            (
                tags::BASENAMES,
                STRING_ARRAY,
                files,
                vec![0; files as usize],
            ),
        ];
        let b = crate::header::tests::build(&entries, entries.len());
        let h = Header::parse(&b).unwrap();
        assert_eq!(
            super::super::lines_room(&h, Mode::Files),
            super::super::MAX_ROOM
        );
        let formatted = format_blobs(vec![("huge".into(), b.clone())], Mode::Files);
        let mut out = Vec::new();
        formatted.write(&mut out).unwrap();
        assert_eq!(out, [super::super::FILES_HEADER.as_bytes(), b"\n"].concat());
        assert!(
            formatted.warnings[0].starts_with("huge: cannot list files"),
            "{:?}",
            formatted.warnings
        );
    }

    #[test]
    fn after_a_restart_only_the_headers_delivered_since_count() {
        let formatted = format_stream(Mode::Packages, |buf, each| {
            for i in 0..300 {
                deliver(each, buf, Hnum(i), &blob(&format!("old{i}")));
            }
            deliver(each, buf, Hnum(300), b"junk");
            each(Delivery::Restart);
            deliver(each, buf, Hnum(1), &blob("new"));
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
        let r = format_stream(Mode::Files, |buf, each| {
            for i in 0..100 {
                deliver(each, buf, Hnum(i), &blob("p"));
            }
            Err("disk on fire")
        });
        assert_eq!(r.err(), Some("disk on fire"));
    }
}
