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

fn push_num(out: &mut Vec<u8>, v: Option<u64>) {
    match v {
        Some(v) => {
            let _ = write!(out, "{v}");
        }
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
            Some(m) => {
                let _ = write!(out, "{m:o}");
            }
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

/// What [`render`] prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `NAME EPOCHNUM VERSION RELEASE ARCH`, no header line.
    Packages,
    /// [`INFO_HEADER`] + one line per package.
    Info,
    /// [`FILES_HEADER`] + one line per file.
    Files,
}

/// Parses named header blobs and drops those rpm would skip (corrupt, BAD digest), with a
/// message naming the blob pushed to `warnings`.
pub fn load_headers(
    blobs: impl IntoIterator<Item = (String, Vec<u8>)>,
    warnings: &mut Vec<String>,
) -> Vec<(String, Header)> {
    let mut out = Vec::new();
    for (name, blob) in blobs {
        let h = match Header::from_vec(blob) {
            Ok(h) => h,
            Err(e) => {
                warnings.push(format!("skipping {name}: {e}"));
                continue;
            }
        };
        if let crate::digest::DigestCheck::Bad(which) = crate::digest::check(&h) {
            let what: Vec<String> = which
                .iter()
                .map(|w| format!("Header {w} digest: BAD"))
                .collect();
            warnings.push(format!("skipping {name}: {}", what.join(", ")));
            continue;
        }
        out.push((name, h));
    }
    out
}

/// Renders headers like `rpm -qa --qf ... | LC_ALL=C sort` (with the header line for
/// `Info`/`Files`). A header whose file list is inconsistent contributes no file lines and a
/// warning (rpm refuses to format it too).
pub fn render_headers(
    headers: &[(String, Header)],
    mode: Mode,
    warnings: &mut Vec<String>,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(1 << 16);
    for (name, h) in headers {
        match mode {
            Mode::Files => {
                let mark = buf.len();
                if let Err(e) = file_lines(h, &mut buf) {
                    buf.truncate(mark);
                    warnings.push(format!("{name}: cannot list files: {e}"));
                }
            }
            Mode::Info => {
                info_line(h, &mut buf);
                buf.push(b'\n');
            }
            Mode::Packages => {
                package_line(h, &mut buf);
                buf.push(b'\n');
            }
        }
    }
    let mut lines: Vec<&[u8]> = buf.split_inclusive(|&b| b == b'\n').collect();
    lines.sort_unstable();
    let head = match mode {
        Mode::Packages => "",
        Mode::Info => INFO_HEADER,
        Mode::Files => FILES_HEADER,
    };
    let mut out = Vec::with_capacity(buf.len() + head.len() + 1);
    if !head.is_empty() {
        out.extend_from_slice(head.as_bytes());
        out.push(b'\n');
    }
    for l in lines {
        out.extend_from_slice(l);
    }
    out
}

/// [`load_headers`] then [`render_headers`].
pub fn render(
    blobs: impl IntoIterator<Item = (String, Vec<u8>)>,
    mode: Mode,
    warnings: &mut Vec<String>,
) -> Vec<u8> {
    let headers = load_headers(blobs, warnings);
    render_headers(&headers, mode, warnings)
}
