//! rpm-compatible query output: the exact lines `rpm -qa --qf ...` prints for the package list,
//! the `--info` columns and the per-file columns used by `rpmdb-query` and its tests
//! (formats: `%{FILEMODES:octal}`, `:fflags`, `:fstate`, "(none)" for absent tags), sorted as
//! `LC_ALL=C sort` sorts them ([`sorted`]), for headers streamed from a database and formatted
//! on worker threads ([`stream`]).

mod sorted;
mod stream;

pub use sorted::Formatted;
pub use stream::{
    format_blobs, format_stream, load_headers, render_headers, write_blobs, write_headers, Hnum,
};

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

/// Appends `v` in octal without going through `fmt`.
fn push_octal(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 24];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v & 7) as u8;
        v >>= 3;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

fn push_num(out: &mut Vec<u8>, v: Option<u64>) {
    match v {
        // Two digits per step (a third of the work of one division per digit; 380 000 numbers
        // for a 60 000-file database).
        Some(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
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

/// A numeric file column whose value mostly repeats from one file to the next (FILEMTIMES: the
/// files of a package share a few build times; FILEVERIFYFLAGS: nearly all 4294967295): the
/// text of the last value is kept and copied while the value stays the same.
struct Repeating<'h> {
    column: Option<Numbers<'h>>,
    value: Option<u64>,
    text: [u8; 20],
    len: usize,
}

impl<'h> Repeating<'h> {
    fn new(column: Option<Numbers<'h>>) -> Self {
        Repeating {
            column,
            value: None,
            text: [0; 20],
            len: 0,
        }
    }

    /// Appends the text of the value of file `i`, as [`col_num`] does.
    fn push(&mut self, out: &mut Vec<u8>, i: usize) {
        let Some(v) = self.column.as_ref().and_then(|n| n.get(i)) else {
            out.extend_from_slice(NONE);
            return;
        };
        if self.value != Some(v) {
            let mut buf = itoa::Buffer::new();
            let digits = buf.format(v).as_bytes();
            // A u64 has at most 20 digits.
            self.text[..digits.len()].copy_from_slice(digits);
            self.len = digits.len();
            self.value = Some(v);
        }
        out.extend_from_slice(&self.text[..self.len]);
    }
}

fn col_str(out: &mut Vec<u8>, s: Option<&[u8]>) {
    out.extend_from_slice(s.unwrap_or(NONE));
}

/// `%{=NAME}-%{=VERSION}-%{=RELEASE}.%{=ARCH}`, the first column of the file lines.
fn nevra(h: &Header) -> Vec<u8> {
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
    nevra
}

/// Appends the lines of one header in `mode` to `out`. Returns the length of the prefix all of
/// them start with that decides their place among other headers' lines (see [`sorted`]):
/// `NEVRA\t` for file lines (`None` when the NEVRA holds a tab or newline), the whole line
/// without its newline for the other modes; and how many lines the format writes (one per
/// file, or one). A newline inside a value makes more lines, as `sort` sees them, and spoils
/// the prefix too: the caller, which splits the lines anyway, compares the counts. A header
/// whose file list is inconsistent is an error and appends nothing (rpm refuses to format it
/// too).
fn header_lines(
    h: &Header,
    mode: Mode,
    out: &mut Vec<u8>,
) -> Result<(Option<usize>, usize), Error> {
    let mark = out.len();
    match mode {
        Mode::Files => {
            let nevra = nevra(h);
            let files = file_lines(h, &nevra, out).inspect_err(|_| out.truncate(mark))?;
            let plain = !nevra.iter().any(|&b| b == b'\t' || b == b'\n');
            Ok((plain.then_some(nevra.len() + 1), files))
        }
        Mode::Info | Mode::Packages => {
            if mode == Mode::Info {
                info_line(h, out);
            } else {
                package_line(h, out);
            }
            out.push(b'\n');
            Ok((Some(out.len() - mark - 1), 1))
        }
    }
}

/// About the bytes [`header_lines`] appends for `h` in `mode`, to make room for them: file lines
/// take their NEVRA and 90 to 210 bytes more in real databases (a path, a digest, numbers);
/// 256 covers most. At most [`MAX_ROOM`]: the file count is the header's word (its other
/// columns are only checked when the lines are made). Lines that outgrow the room still come
/// out whole.
fn lines_room(h: &Header, mode: Mode) -> usize {
    const LINE: usize = 4096;
    if mode != Mode::Files {
        return LINE;
    }
    // A string array's count was checked against its data when the header was parsed.
    let files = [tags::BASENAMES, tags::OLDFILENAMES]
        .into_iter()
        .find_map(|tag| h.string_array(tag))
        .map_or(0, |names| names.len());
    let nevra: usize = [tags::NAME, tags::VERSION, tags::RELEASE, tags::ARCH]
        .into_iter()
        .map(|tag| h.string_bytes(tag).map_or(NONE.len(), <[u8]>::len) + 1)
        .sum();
    files
        .saturating_mul(nevra + 256)
        .saturating_add(LINE)
        .min(MAX_ROOM)
}

/// The most room [`lines_room`] asks for (the lines of the largest real packages, some 100k
/// files, take more; their chunk grows).
const MAX_ROOM: usize = 16 << 20;

/// Appends one line per file ([`FILES_HEADER`] columns, each ending in '\n') to `out`; `nevra`
/// is the header's [`nevra`]. A header whose file arrays disagree in length is an error (rpm
/// refuses to format it too).
fn file_lines(h: &Header, nevra: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
    let c = Columns::new(h)?;
    if c.len == 0 {
        return Ok(0);
    }
    let mut algo = Vec::new();
    push_num(&mut algo, h.u64(tags::FILEDIGESTALGO));
    let mut mtimes = Repeating::new(c.mtimes);
    let mut verify_flags = Repeating::new(c.verify_flags);
    for (i, f) in c.strings().enumerate() {
        out.extend_from_slice(nevra);
        out.push(b'\t');
        out.extend_from_slice(f.dir);
        out.extend_from_slice(f.base);
        out.push(b'\t');
        match c.modes.as_ref().and_then(|n| n.get(i)) {
            Some(m) => push_octal(out, m),
            None => out.extend_from_slice(NONE),
        }
        out.push(b'\t');
        col_num(out, &c.sizes, i);
        out.push(b'\t');
        col_str(out, f.digest);
        out.push(b'\t');
        out.extend_from_slice(&algo);
        out.push(b'\t');
        mtimes.push(out, i);
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
        verify_flags.push(out, i);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept text is the text of the value of the file asked for: runs, changes back to an
    /// earlier value, the largest values, an index past the column, and no column at all.
    #[test]
    fn repeating_columns_print_what_col_num_prints() {
        use crate::tags::types::{INT32, STRING};
        let values: [u32; 9] = [7, 7, 4_294_967_295, 4_294_967_295, 7, 0, 0, 10, 7];
        let bytes = values.iter().flat_map(|v| v.to_be_bytes()).collect();
        let entries = vec![
            (tags::NAME, STRING, 1, b"p\0".to_vec()),
            (tags::FILEMTIMES, INT32, values.len() as u32, bytes),
        ];
        let blob = crate::header::tests::build(&entries, entries.len());
        let h = Header::parse(&blob).unwrap();
        for column in [h.numbers(tags::FILEMTIMES), None] {
            let mut repeating = Repeating::new(column);
            let (mut ours, mut plain) = (Vec::new(), Vec::new());
            for i in (0..=values.len()).chain([3, 3, 0]) {
                repeating.push(&mut ours, i);
                col_num(&mut plain, &column, i);
                ours.push(b'\t');
                plain.push(b'\t');
            }
            assert_eq!(String::from_utf8(ours), String::from_utf8(plain));
        }
    }
}
