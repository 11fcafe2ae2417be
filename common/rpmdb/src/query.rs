//! rpm-compatible query output: the exact lines `rpm -qa --qf ...` prints for the package list,
//! the `--info` columns and the per-file columns used by `rpmdb-query` and its tests
//! (formats: `%{FILEMODES:octal}`, `:fflags`, `:fstate`, "(none)" for absent tags).

use std::io::Write;

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

fn col_str(out: &mut Vec<u8>, c: &Option<Vec<&[u8]>>, i: usize) {
    out.extend_from_slice(c.as_ref().and_then(|v| v.get(i).copied()).unwrap_or(NONE));
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
    for i in 0..c.len {
        out.extend_from_slice(&nevra);
        out.push(b'\t');
        c.push_path(i, out);
        out.push(b'\t');
        match c.modes.as_ref().and_then(|n| n.get(i)) {
            Some(m) => push_radix(out, m, 8),
            None => out.extend_from_slice(NONE),
        }
        out.push(b'\t');
        col_num(out, &c.sizes, i);
        out.push(b'\t');
        col_str(out, &c.digests, i);
        out.push(b'\t');
        out.extend_from_slice(&algo);
        out.push(b'\t');
        col_num(out, &c.mtimes, i);
        out.push(b'\t');
        col_str(out, &c.users, i);
        out.push(b'\t');
        col_str(out, &c.groups, i);
        out.push(b'\t');
        fflags(out, c.flags.as_ref().and_then(|n| n.get(i)));
        out.push(b'\t');
        fstate(out, c.states.as_ref().and_then(|n| n.get(i)));
        out.push(b'\t');
        col_str(out, &c.linktos, i);
        out.push(b'\t');
        col_num(out, &c.devices, i);
        out.push(b'\t');
        col_num(out, &c.rdevs, i);
        out.push(b'\t');
        col_num(out, &c.inodes, i);
        out.push(b'\t');
        col_num(out, &c.verify_flags, i);
        out.push(b'\t');
        col_str(out, &c.caps, i);
        out.push(b'\n');
    }
    Ok(c.len)
}

/// What [`write_headers`] and [`write_blobs`] print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
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
    let parts: Vec<(Vec<u8>, Vec<String>)> = parts.into_iter().flatten().collect();
    write_sorted(&parts, mode, warnings, w)
}

/// Parses, checks and formats named header blobs in one pass per worker (each header is
/// formatted while its bytes are still in cache, then dropped) and writes the lines like
/// [`write_headers`]; the headers rpm would skip are reported in `warnings` as by
/// [`load_headers`]. The same output as those two in sequence, with less memory and time.
pub fn write_blobs(
    blobs: Vec<(String, Vec<u8>)>,
    mode: Mode,
    warnings: &mut Vec<String>,
    w: &mut impl Write,
) -> std::io::Result<()> {
    let n = workers(blobs.len());
    let parts = chunked(blobs, n, |chunk| {
        let blob_bytes = chunk.iter().map(|(_, b)| b.len()).sum();
        let mut buf = line_buffer(mode, chunk.len(), blob_bytes);
        let mut warn = Vec::new();
        for (name, blob) in chunk {
            match load_one(name, blob) {
                Ok((name, h)) => format_one(&name, &h, mode, &mut buf, &mut warn),
                Err(skip) => warn.push(skip),
            }
        }
        (buf, warn)
    });
    write_sorted(&parts, mode, warnings, w)
}

/// Sorts the lines of formatted buffers and writes them after the mode's header line.
fn write_sorted(
    parts: &[(Vec<u8>, Vec<String>)],
    mode: Mode,
    warnings: &mut Vec<String>,
    w: &mut impl Write,
) -> std::io::Result<()> {
    let mut lines: Vec<&[u8]> = Vec::new();
    for (buf, warn) in parts {
        warnings.extend(warn.iter().cloned());
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', buf) {
            lines.push(&buf[start..=end]);
            start = end + 1;
        }
    }
    lines.sort_unstable();
    match mode {
        Mode::Packages => {}
        Mode::Info => writeln!(w, "{INFO_HEADER}")?,
        Mode::Files => writeln!(w, "{FILES_HEADER}")?,
    }
    for l in lines {
        w.write_all(l)?;
    }
    Ok(())
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
