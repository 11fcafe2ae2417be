//! dnf's INI dialect as libdnf 0.69 reads it (the facts, verified against dnf 4.14 in the
//! differential tests):
//! - `[section]` headers (the name is kept as written, spaces included; after `]` only blanks
//!   or a `#`/`;` comment may follow, except that the line's last non-blank byte is not looked
//!   at: `[m]x` passes, `[m]é` does not); a section named twice is one section, later keys
//!   overriding earlier ones in place;
//! - `key=value` lines start in column 0; the key is case-sensitive, blanks around `=` and at
//!   the end of the line are dropped; line breaks at the end of a value are dropped unless it
//!   has nothing else; a value wrapped in matching `"` or `'` loses them;
//! - an indented line continues the value above it (after a `\n`), comment-like text included;
//!   a line of blanks only adds an empty line to a value being continued;
//! - an empty line, or a `#`/`;` in column 0, ends a value: an indented line after it is an
//!   error;
//! - a line without `=`, a key line before any section, an indented line that continues
//!   nothing, a missing `]`, `[]`, or text after a header make the whole file unreadable: dnf
//!   then skips that `.repo` file (and fails on its main configuration file).

use std::collections::HashMap;
use std::fmt;

/// One section with its keys in file order. Names, keys and values are read as UTF-8, an
/// invalid sequence replaced by U+FFFD; keys and sections are told apart by their bytes, as
/// libdnf does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    entries: Vec<(String, String)>,
    /// Where each key (as bytes) is in `entries`: a hostile file may hold many keys.
    index: HashMap<Vec<u8>, usize>,
}

impl Section {
    fn new(name: &[u8]) -> Section {
        Section {
            name: String::from_utf8_lossy(name).into_owned(),
            ..Section::default()
        }
    }

    /// The keys and their values in file order (a key set twice keeps its first place).
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The value set for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.index
            .get(key.as_bytes())
            .map(|&i| self.entries[i].1.as_str())
    }

    fn set(&mut self, key: &[u8], value: String) {
        match self.index.get(key) {
            Some(&i) => self.entries[i].1 = value,
            None => {
                self.index.insert(key.to_vec(), self.entries.len());
                let key = String::from_utf8_lossy(key).into_owned();
                self.entries.push((key, value));
            }
        }
    }
}

/// Why a file cannot be read as dnf's INI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IniErrorKind {
    MissingBracket,
    EmptySectionName,
    TextAfterSection,
    MissingSectionHeader,
    IllegalContinuationLine,
    MissingKey,
    MissingEqual,
}

/// A syntax error and its (1-based) line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct IniError {
    pub line: usize,
    pub kind: IniErrorKind,
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            IniErrorKind::MissingBracket => "missing ']'",
            IniErrorKind::EmptySectionName => "empty section name",
            IniErrorKind::TextAfterSection => "text after section",
            IniErrorKind::MissingSectionHeader => "missing section header",
            IniErrorKind::IllegalContinuationLine => "illegal continuation line",
            IniErrorKind::MissingKey => "missing key",
            IniErrorKind::MissingEqual => "missing '='",
        };
        write!(f, "{what} at line {}", self.line)
    }
}

fn blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r')
}

/// The value as stored: trailing line breaks dropped (unless there is nothing else: libdnf
/// keeps a value made only of line breaks whole), then one pair of matching quotes.
fn finish_value(v: &[u8]) -> String {
    let v = match v.iter().rposition(|&c| c != b'\n') {
        Some(last) => &v[..=last],
        None => v,
    };
    let v = match v {
        [q, inner @ .., r] if q == r && matches!(q, b'"' | b'\'') => inner,
        _ => v,
    };
    String::from_utf8_lossy(v).into_owned()
}

/// Parses a whole file.
pub fn parse(text: &str) -> Result<Vec<Section>, IniError> {
    parse_bytes(text.as_bytes())
}

/// Parses a whole file given as bytes, as libdnf reads it: bytes that are not UTF-8 only
/// matter in names, keys and values (where they read as U+FFFD) and after a section header.
pub fn parse_bytes(text: &[u8]) -> Result<Vec<Section>, IniError> {
    let mut out: Vec<Section> = Vec::new();
    // Where each section is in `out`: a hostile file may hold many sections.
    let mut by_name: HashMap<&[u8], usize> = HashMap::new();
    let mut current: Option<usize> = None;
    // The key whose value may still continue on the next lines.
    let mut pending: Option<(&[u8], Vec<u8>)> = None;
    let flush =
        |out: &mut Vec<Section>, current: Option<usize>, p: &mut Option<(&[u8], Vec<u8>)>| {
            if let (Some((k, v)), Some(s)) = (p.take(), current) {
                out[s].set(k, finish_value(&v));
            }
        };
    for (n, raw) in text.split(|&c| c == b'\n').enumerate() {
        let line_no = n + 1;
        let err = |kind| IniError {
            line: line_no,
            kind,
        };
        let line = if n == 0 {
            raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)
        } else {
            raw
        };
        if matches!(line.first(), None | Some(b'#' | b';')) {
            flush(&mut out, current, &mut pending);
            continue;
        }
        let Some(start) = line.iter().position(|&c| !blank(c)) else {
            if let Some((_, v)) = pending.as_mut() {
                v.push(b'\n');
            }
            continue;
        };
        let end = line.iter().rposition(|&c| !blank(c)).map_or(0, |i| i + 1);
        let body = &line[start..end];
        if start == 0 || body.starts_with(b"[") {
            flush(&mut out, current, &mut pending);
        }
        if let Some(inner) = body.strip_prefix(b"[") {
            let close = inner
                .iter()
                .position(|&c| c == b']')
                .ok_or(err(IniErrorKind::MissingBracket))?;
            if close == 0 {
                return Err(err(IniErrorKind::EmptySectionName));
            }
            // What follows `]`, up to (not including) the line's last non-blank byte: libdnf
            // checks bytes, so one ASCII character (or one byte that is not UTF-8) is let
            // through but no multibyte character.
            let after = &inner[close + 1..];
            for &c in &after[..after.len().saturating_sub(1)] {
                if c == b'#' || c == b';' {
                    break;
                }
                if !blank(c) {
                    return Err(err(IniErrorKind::TextAfterSection));
                }
            }
            let name = &inner[..close];
            current = Some(*by_name.entry(name).or_insert_with(|| {
                out.push(Section::new(name));
                out.len() - 1
            }));
            continue;
        }
        if current.is_none() {
            return Err(err(IniErrorKind::MissingSectionHeader));
        }
        if start > 0 {
            let (_, v) = pending
                .as_mut()
                .ok_or(err(IniErrorKind::IllegalContinuationLine))?;
            v.push(b'\n');
            v.extend_from_slice(body);
            continue;
        }
        if line.starts_with(b"=") {
            return Err(err(IniErrorKind::MissingKey));
        }
        let eq = line
            .iter()
            .position(|&c| c == b'=')
            .ok_or(err(IniErrorKind::MissingEqual))?;
        let key_end = line[..eq]
            .iter()
            .rposition(|&c| c != b' ' && c != b'\t')
            .map_or(0, |i| i + 1);
        let key = &line[..key_end];
        let rest = &line[eq + 1..];
        let value = match rest.iter().position(|&c| c != b' ' && c != b'\t') {
            None => &[][..],
            Some(i) => {
                let from = eq + 1 + i;
                if from < end {
                    &line[from..end]
                } else if from == end {
                    &[][..]
                } else {
                    // only `\r` and blanks after `=`: libdnf keeps them from the first `\r`
                    &line[from..]
                }
            }
        };
        pending = Some((key, value.to_vec()));
    }
    flush(&mut out, current, &mut pending);
    Ok(out)
}

/// A list option (libdnf `OptionStringList`): items separated by spaces, commas or line
/// breaks (not tabs); `a , b` and a separator before a line break count once; other repeated
/// separators give empty items.
pub fn list(value: &str) -> Vec<String> {
    let b = value.as_bytes();
    let sep = |c: u8| matches!(c, b' ' | b',' | b'\n');
    let skip_spaces = |mut i: usize| {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        i
    };
    let mut out = Vec::new();
    let mut start = skip_spaces(0);
    while start < b.len() {
        let Some(off) = b[start..].iter().position(|&c| sep(c)) else {
            out.push(value[start..].to_string());
            break;
        };
        let mut end = start + off;
        out.push(value[start..end].to_string());
        start = skip_spaces(end + 1);
        if start < b.len() && b[start] == b',' && b[end] == b' ' {
            end = start;
            start = skip_spaces(start + 1);
        }
        if start < b.len() && b[start] == b'\n' && matches!(b[end], b' ' | b',') {
            start = skip_spaces(start + 1);
        }
    }
    out
}

/// A boolean option as libdnf accepts it; None when not a boolean.
pub fn boolean(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> IniErrorKind {
        parse(text).unwrap_err().kind
    }

    #[test]
    fn continuation_comments_and_merged_sections() {
        let s = parse("# c\n[main]\nexclude=a b\n  c,d\n  # e\n; x\n[r1]\nbaseurl = 'file:///x'  \n[main]\nexclude=z\nX=1\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].entries.len(), 2);
        assert_eq!(s[0].get("exclude"), Some("z"));
        assert_eq!(s[0].get("X"), Some("1"));
        assert_eq!(s[0].get("x"), None);
        assert_eq!(s[1].get("baseurl"), Some("file:///x"));
        let s = parse("[m]\nexclude=a b\n  c,d\n  # e\n \n").unwrap();
        assert_eq!(
            list(s[0].get("exclude").unwrap()),
            ["a", "b", "c", "d", "#", "e"]
        );
        let s = parse("\u{feff}[ m ] # c\r\nk=\r\n[n]x\n[o] ;é\n[p]#é\n[q]x \r\r\n").unwrap();
        assert_eq!(s[0].name, " m ");
        assert_eq!(s[0].get("k"), Some(""));
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, [" m ", "n", "o", "p", "q"]);
    }

    #[test]
    fn values_of_line_breaks_only() {
        // What libdnf 0.69 stores for these (python3-libdnf's ConfigParser).
        for (text, value) in [
            ("[m]\nk=\n \n", "\n"),
            ("[m]\nk=\n \n \n", "\n\n"),
            ("[m]\nk=\n \n\n", "\n"),
            ("[m]\nk=\n \n \n\n \n", "\n\n"),
            ("[m]\nk= \n\t\n", "\n"),
            ("[m]\nk=\r\n \r\n \r\n", "\n\n"),
            ("[m]\nk=\n ", "\n"),
            ("[m]\nk=\n \n#c\n", "\n"),
            ("[m]\nk=\n  \n x\n", "\n\nx"),
            ("[m]\nk=a\n \n", "a"),
            ("[m]\nk='\n \n '\n", "\n\n"),
            ("[m]\nk=''\n \n", ""),
            ("[m]\nk='\n  \n", "'"),
            ("[m]\nk=\n \nk=\n", ""),
        ] {
            let s = parse(text).unwrap();
            assert_eq!(s[0].get("k"), Some(value), "{text:?}");
        }
        let s = parse("[m]\nk=\n \n[n]\n[m]\nj=\n \n \n").unwrap();
        assert_eq!(
            s[0].entries(),
            [("k".into(), "\n".into()), ("j".into(), "\n\n".into())]
        );
    }

    #[test]
    fn bytes_that_are_not_utf8() {
        // As libdnf 0.69 reads them (python3-libdnf's ConfigParser).
        let s = parse_bytes(b"[m]\xff\nk=a\xff\n").unwrap();
        assert_eq!(s[0].name, "m");
        assert_eq!(s[0].get("k"), Some("a\u{fffd}"));
        let kind = |t: &[u8]| parse_bytes(t).unwrap_err().kind;
        assert_eq!(kind(b"[m]\xe2\x82\n"), IniErrorKind::TextAfterSection);
        assert_eq!(kind(b"[m]\xef\xbf\xbd\n"), IniErrorKind::TextAfterSection);
        let s = parse_bytes(b"[\xff]\nk=1\n[\xfe]\nk=2\n[\xff]\nj=3\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "\u{fffd}");
        assert_eq!(
            s[0].entries(),
            [("k".into(), "1".into()), ("j".into(), "3".into())]
        );
        assert_eq!(s[1].name, "\u{fffd}");
        assert_eq!(s[1].entries(), [("k".into(), "2".into())]);
        let s = parse_bytes(b"[m]\nk\xff=1\nk\xfe=2\n").unwrap();
        assert_eq!(
            s[0].entries(),
            [
                ("k\u{fffd}".into(), "1".into()),
                ("k\u{fffd}".into(), "2".into())
            ]
        );
        assert_eq!(s[0].get("k\u{fffd}"), None);
    }

    #[test]
    fn errors() {
        assert_eq!(
            kind("[m]\nk=a\n\n  b\n"),
            IniErrorKind::IllegalContinuationLine
        );
        assert_eq!(
            kind("[m]\nk=a\n#\n  b\n"),
            IniErrorKind::IllegalContinuationLine
        );
        assert_eq!(kind("[m]\nno equals\n"), IniErrorKind::MissingEqual);
        assert_eq!(kind("[m]\n=v\n"), IniErrorKind::MissingKey);
        assert_eq!(kind("k=v\n[m]\n"), IniErrorKind::MissingSectionHeader);
        assert_eq!(kind("[m\n"), IniErrorKind::MissingBracket);
        assert_eq!(kind("[]\n"), IniErrorKind::EmptySectionName);
        assert_eq!(kind("[m] xy\n"), IniErrorKind::TextAfterSection);
        assert_eq!(kind("[m]é\n"), IniErrorKind::TextAfterSection);
        assert_eq!(kind("[m] é \r\n"), IniErrorKind::TextAfterSection);
        assert_eq!(kind("[m]€\n"), IniErrorKind::TextAfterSection);
        assert_eq!(kind("[m]é#\n"), IniErrorKind::TextAfterSection);
        assert_eq!(kind("[m]\n  k=v\n"), IniErrorKind::IllegalContinuationLine);
    }

    #[test]
    fn many_keys_and_sections() {
        // Lookups by key or section name must not scan: a hostile image's files may be big.
        use std::fmt::Write;
        let mut text = String::from("[big]\n");
        for i in 0..200_000 {
            writeln!(text, "k{i}=v{i}").unwrap();
        }
        for i in (0..200_000).step_by(1000) {
            writeln!(text, "k{i}=w{i}").unwrap();
        }
        for i in 0..100_000 {
            writeln!(text, "[s{i}]\nk=a{i}").unwrap();
        }
        for i in (0..100_000).rev().step_by(10) {
            writeln!(text, "[s{i}]\nj=b{i}\n[big]\nk{i}=x{i}").unwrap();
        }
        let s = parse(&text).unwrap();
        assert_eq!(s.len(), 100_001);
        let big = &s[0];
        assert_eq!(big.name, "big");
        assert_eq!(big.entries().len(), 200_000);
        assert_eq!(big.entries()[1000], ("k1000".into(), "w1000".into()));
        assert_eq!(big.entries()[1009], ("k1009".into(), "x1009".into()));
        assert_eq!(big.entries()[199_999], ("k199999".into(), "v199999".into()));
        assert_eq!(big.get("k150000"), Some("w150000"));
        assert_eq!(big.get("k99999"), Some("x99999"));
        assert_eq!(big.get("k99998"), Some("v99998"));
        assert_eq!(big.get("k200000"), None);
        for (n, i) in [(10, 9), (50_000, 49_999), (100_000, 99_999)] {
            assert_eq!(s[n].name, format!("s{i}"));
            assert_eq!(s[n].entries().len(), 2);
            assert_eq!(s[n].get("k"), Some(format!("a{i}").as_str()));
            assert_eq!(s[n].get("j"), Some(format!("b{i}").as_str()));
        }
        assert_eq!(s[1].entries(), [("k".into(), "a0".into())]);
    }

    #[test]
    fn lists() {
        assert_eq!(list(" a , b,c\nd"), ["a", "b", "c", "d"]);
        assert_eq!(list("a,\n b \n"), ["a", "b"]);
        assert_eq!(list("a,,b"), ["a", "", "b"]);
        assert_eq!(list(", a"), ["", "a"]);
        assert_eq!(list("a\tb"), ["a\tb"]);
        assert!(list("").is_empty());
        assert!(list("   ").is_empty());
    }
}
