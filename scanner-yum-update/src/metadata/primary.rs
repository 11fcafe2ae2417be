//! primary.xml streamed package by package: name, arch, EVR, provides and obsoletes of each
//! package (the only fields the update computation needs), without holding the document in
//! memory.
//!
//! The document is tokenized by a small scanner over a chunk buffer instead of quick-xml's
//! buffered reader (which copies every event and allocates per attribute): it gives exactly the
//! events and errors quick-xml 0.37 gives with `trim_text(true)` (same tag and quote rules,
//! same end-tag check, attributes and text still decoded by quick-xml), borrowing everything
//! from its buffer and unescaping only the few values the computation reads. At the first `<!`
//! (comment, CDATA, DOCTYPE), which createrepo_c never writes, the rest of the document goes to
//! quick-xml's own reader. The tests compare both with the plain quick-xml parser.

use std::borrow::Cow;
use std::io::{BufRead, Read};

use super::{local, xml_err, MetadataError};
use crate::model::{Dep, Evr};
use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::escape::unescape;
use quick_xml::events::{BytesStart, Event};

/// One package of primary.xml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryPkg {
    pub name: String,
    pub arch: String,
    pub evr: Evr,
    pub obsoletes: Vec<Dep>,
    /// Names of the package's provides, each followed by a newline (one allocation per
    /// package; modular masking matches them, see [`PrimaryPkg::provide_names`]).
    pub provides: String,
}

impl PrimaryPkg {
    /// The names the package provides.
    pub fn provide_names(&self) -> impl Iterator<Item = &str> {
        self.provides.lines()
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Text {
    None,
    Name,
    Arch,
}

/// Size of each read from the input (the size quick-xml's reader was fed with before, so that
/// a failing read happens at the same place of the document).
const READ: usize = 64 * 1024;

/// Where a parse puts the packages it reads.
pub trait Sink {
    /// The package count the document declares (`<metadata packages="N">`): a hint, which a
    /// damaged or hostile document can get wrong. Given at most once, before any package.
    fn declared(&mut self, _count: u64) {}
    /// The next package.
    fn package(&mut self, p: PrimaryPkg);
}

/// At most this many packages are reserved for on a document's word (a full Fedora or RHEL
/// repository has tens of thousands; beyond, the vector grows as usual).
const MAX_RESERVE: u64 = 1 << 17;

impl Sink for Vec<PrimaryPkg> {
    fn declared(&mut self, count: u64) {
        // Reserved once, before the packages arrive: no regrowth copying them over and over.
        if self.is_empty() {
            self.reserve(count.min(MAX_RESERVE) as usize);
        }
    }

    fn package(&mut self, p: PrimaryPkg) {
        self.push(p);
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn declared(&mut self, count: u64) {
        (**self).declared(count)
    }

    fn package(&mut self, p: PrimaryPkg) {
        (**self).package(p)
    }
}

/// A closure as a [`Sink`].
struct Each<F>(F);

impl<F: FnMut(PrimaryPkg)> Sink for Each<F> {
    fn package(&mut self, p: PrimaryPkg) {
        (self.0)(p)
    }
}

/// Parses primary.xml from `input`, calling `each` per package.
pub fn parse(
    input: impl BufRead,
    file: &str,
    each: impl FnMut(PrimaryPkg),
) -> Result<u64, MetadataError> {
    parse_with(input, file, Each(each), READ, false)
}

/// Parses primary.xml from `input` into `sink`.
pub fn parse_into(
    input: impl BufRead,
    file: &str,
    sink: &mut impl Sink,
) -> Result<u64, MetadataError> {
    parse_with(input, file, sink, READ, false)
}

/// [`parse`] with an explicit read size; `quick_xml_only` hands the whole document to
/// quick-xml's reader (the reference the scanner is tested against).
fn parse_with(
    input: impl BufRead,
    file: &str,
    sink: impl Sink,
    read_size: usize,
    quick_xml_only: bool,
) -> Result<u64, MetadataError> {
    let mut h = Handler::new(file, sink);
    let mut open = Open::default();
    if quick_xml_only {
        read_events(
            &mut quick_xml::Reader::from_reader(input),
            &mut h,
            &mut open,
        )?;
        return h.finish();
    }
    // (quick-xml drops a UTF-8 BOM at the start; here it is text outside any package, which
    // nothing reads either.)
    let mut s = Chunks {
        input,
        buf: vec![0; 4 * read_size],
        pos: 0,
        end: 0,
        read_size,
    };
    scan(&mut s, &mut h, &mut open)?;
    h.finish()
}

/// What the parse keeps of the elements it has seen.
struct Handler<'f, S> {
    file: &'f str,
    sink: S,
    cur: Option<PrimaryPkg>,
    text: Text,
    in_obsoletes: bool,
    in_provides: bool,
    count: u64,
    seen_root: bool,
}

/// A start tag as handed to [`Handler::start`].
enum Tag<'a> {
    /// Read by quick-xml.
    Read(&'a BytesStart<'a>),
    /// Read by the scanner: the whole `<...>` and the name length of its content.
    Raw { tag: &'a [u8], name_len: usize },
}

impl Tag<'_> {
    /// Runs `f` on the tag's attributes.
    fn with<T>(
        &self,
        file: &str,
        f: impl FnOnce(&Attrs) -> Result<T, MetadataError>,
    ) -> Result<T, MetadataError> {
        match *self {
            Tag::Read(e) => f(&Attrs::Xml(e)),
            Tag::Raw { tag, name_len } => {
                let content = &tag[1..tag.len() - 1];
                let content = content.strip_suffix(b"/").unwrap_or(content);
                match std::str::from_utf8(content) {
                    Ok(s) => {
                        let mut pairs = [(&b""[..], ""); 8];
                        match plain_attrs(&s[name_len..], &mut pairs) {
                            Some(n) => f(&Attrs::Plain(&pairs[..n])),
                            None => f(&Attrs::Xml(&BytesStart::from_content(s, name_len))),
                        }
                    }
                    // Not UTF-8: let quick-xml read the tag itself (it only decodes values).
                    Err(_) => match quick_xml::Reader::from_reader(tag).read_event() {
                        Ok(Event::Start(e)) | Ok(Event::Empty(e)) => f(&Attrs::Xml(&e)),
                        _ => Err(MetadataError::Invalid {
                            file: file.to_string(),
                            message: "unreadable start tag".into(),
                        }),
                    },
                }
            }
        }
    }
}

/// The attributes of a start tag.
enum Attrs<'a> {
    /// Plainly written ones (see [`plain_attrs`]), as (name, raw value).
    Plain(&'a [(&'a [u8], &'a str)]),
    /// Any others, read by quick-xml.
    Xml(&'a BytesStart<'a>),
}

impl Attrs<'_> {
    /// The values of attributes `keys` (local names; the first of each wins), every attribute
    /// decoded and unescaped as the full attribute list would be (so that a bad one fails).
    fn values<const N: usize>(
        &self,
        file: &str,
        keys: [&[u8]; N],
    ) -> Result<[Option<Cow<'_, str>>; N], MetadataError> {
        let mut out = [const { None }; N];
        let mut put = |key: &[u8], v| {
            let key = local(key);
            if let Some(i) = keys.iter().position(|k| *k == key) {
                if out[i].is_none() {
                    out[i] = Some(v);
                }
            }
        };
        match self {
            Attrs::Plain(pairs) => {
                for (k, v) in pairs.iter() {
                    put(
                        k,
                        unescape(v).map_err(|e| xml_err(file, XmlError::Escape(e)))?,
                    );
                }
            }
            Attrs::Xml(e) => {
                for a in xml_attrs::attributes(e) {
                    let a = a.map_err(|err| xml_err(file, err))?;
                    let v = a.unescape_value().map_err(|err| xml_err(file, err))?;
                    put(a.key.as_ref(), v);
                }
            }
        }
        Ok(out)
    }

    /// Calls `f` with the unescaped value of each attribute named `key` (qualified name),
    /// malformed attributes skipped.
    fn each_named(
        &self,
        file: &str,
        key: &[u8],
        mut f: impl FnMut(&str),
    ) -> Result<(), MetadataError> {
        match self {
            Attrs::Plain(pairs) => {
                for (_, v) in pairs.iter().filter(|(k, _)| *k == key) {
                    f(&unescape(v).map_err(|e| xml_err(file, XmlError::Escape(e)))?);
                }
            }
            Attrs::Xml(e) => {
                for a in xml_attrs::attributes(e).flatten() {
                    if a.key.as_ref() == key {
                        f(&a.unescape_value().map_err(|e| xml_err(file, e))?);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Splits the attributes of tag content `s` (after the name) into `out` when they are plainly
/// written — `name="value"` or `name='value'`, names distinct, at most `out.len()` — and
/// returns their number; None otherwise. Such attributes are exactly what quick-xml reads
/// from them (its rules, without the branches that end in errors or in leniency).
fn plain_attrs<'a>(s: &'a str, out: &mut [(&'a [u8], &'a str)]) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n = 0;
    loop {
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        if i == b.len() {
            return Some(n);
        }
        let k = i;
        while i < b.len() && b[i] != b'=' && !is_ws(b[i]) {
            i += 1;
        }
        if i == k || i == b.len() || b[i] != b'=' {
            return None;
        }
        let key = &b[k..i];
        let quote = *b.get(i + 1)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let v = i + 2;
        i = v + b[v..].iter().position(|&c| c == quote)?;
        if n == out.len() || out[..n].iter().any(|(k, _)| *k == key) {
            return None;
        }
        out[n] = (key, &s[v..i]);
        n += 1;
        i += 1;
    }
}

impl<'f, S: Sink> Handler<'f, S> {
    /// A handler at the start of a document, handing each package to `sink`.
    fn new(file: &'f str, sink: S) -> Self {
        Handler {
            file,
            sink,
            cur: None,
            text: Text::None,
            in_obsoletes: false,
            in_provides: false,
            count: 0,
            seen_root: false,
        }
    }

    /// The package count once the whole document was read.
    fn finish(self) -> Result<u64, MetadataError> {
        if !self.seen_root {
            return Err(MetadataError::Invalid {
                file: self.file.to_string(),
                message: "not a primary.xml (no <metadata> element)".into(),
            });
        }
        Ok(self.count)
    }

    fn wants_text(&self) -> bool {
        self.text != Text::None && self.cur.is_some()
    }

    fn start(&mut self, qname: &[u8], empty: bool, tag: Tag) -> Result<(), MetadataError> {
        let file = self.file;
        match local(qname) {
            b"metadata" => {
                if !self.seen_root && self.count == 0 {
                    // A hint only: an unreadable count is no error.
                    let mut declared = None;
                    let _ = tag.with(file, |a| {
                        a.each_named(file, b"packages", |v| {
                            declared = declared.or(v.trim().parse::<u64>().ok())
                        })
                    });
                    if let Some(n) = declared {
                        self.sink.declared(n);
                    }
                }
                self.seen_root = true
            }
            b"package" => {
                self.cur = Some(PrimaryPkg {
                    name: String::new(),
                    arch: String::new(),
                    evr: Evr::new(0, "", ""),
                    obsoletes: Vec::new(),
                    provides: String::new(),
                })
            }
            b"name" if self.cur.is_some() && !empty => self.text = Text::Name,
            b"arch" if self.cur.is_some() && !empty => self.text = Text::Arch,
            b"version" => {
                if let Some(p) = self.cur.as_mut() {
                    p.evr = tag.with(file, |a| {
                        let [epoch, ver, rel] = a.values(file, [b"epoch", b"ver", b"rel"])?;
                        Ok(Evr::new(
                            epoch.and_then(|s| s.parse().ok()).unwrap_or(0),
                            ver.as_deref().unwrap_or_default(),
                            rel.as_deref().unwrap_or_default(),
                        ))
                    })?;
                }
            }
            b"obsoletes" if !empty => self.in_obsoletes = true,
            b"provides" if !empty => self.in_provides = true,
            b"entry" if self.in_provides => {
                if let Some(p) = self.cur.as_mut() {
                    tag.with(file, |a| {
                        a.each_named(file, b"name", |v| {
                            p.provides.push_str(v);
                            p.provides.push('\n');
                        })
                    })?;
                }
            }
            b"entry" if self.in_obsoletes => {
                if let Some(p) = self.cur.as_mut() {
                    let dep = tag.with(file, |a| {
                        let [name, flags, epoch, ver, rel] =
                            a.values(file, [b"name", b"flags", b"epoch", b"ver", b"rel"])?;
                        Ok(Dep::from_xml(
                            name.as_deref().unwrap_or_default(),
                            flags.as_deref(),
                            epoch.as_deref(),
                            ver.as_deref(),
                            rel.as_deref(),
                        ))
                    })?;
                    p.obsoletes.push(dep);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Text (already unescaped) while [`Self::wants_text`].
    fn text(&mut self, s: &str) {
        if let Some(p) = self.cur.as_mut() {
            match self.text {
                Text::Name => p.name.push_str(s),
                Text::Arch => p.arch.push_str(s),
                Text::None => {}
            }
        }
    }

    fn end(&mut self, qname: &[u8]) -> Result<(), MetadataError> {
        match local(qname) {
            b"name" | b"arch" => self.text = Text::None,
            b"obsoletes" => self.in_obsoletes = false,
            b"provides" => self.in_provides = false,
            b"package" => {
                if let Some(p) = self.cur.take() {
                    self.count += 1;
                    if p.name.is_empty() {
                        return Err(MetadataError::Invalid {
                            file: self.file.to_string(),
                            message: "package without a name".into(),
                        });
                    }
                    self.sink.package(p);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The names of the open elements, for quick-xml's end-tag check (done here for both readers:
/// quick-xml's reader gets the document only part of the way in).
#[derive(Default)]
struct Open {
    names: Vec<u8>,
    starts: Vec<usize>,
}

impl Open {
    fn push(&mut self, name: &[u8]) {
        self.starts.push(self.names.len());
        self.names.extend_from_slice(name);
    }

    /// Closes the innermost element with end tag name `found`, failing as quick-xml does.
    fn pop(&mut self, found: &[u8]) -> Result<(), XmlError> {
        let decode = |b: &[u8]| std::str::from_utf8(b).unwrap_or_default().to_string();
        let Some(start) = self.starts.pop() else {
            return Err(XmlError::IllFormed(IllFormedError::UnmatchedEndTag(
                decode(found),
            )));
        };
        let expected = &self.names[start..];
        if expected != found {
            return Err(XmlError::IllFormed(IllFormedError::MismatchedEndTag {
                expected: decode(expected),
                found: decode(found),
            }));
        }
        self.names.truncate(start);
        Ok(())
    }
}

/// The input and the part of it read but not consumed yet (`buf[pos..end]`).
struct Chunks<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    read_size: usize,
}

impl<R: Read> Chunks<R> {
    /// Reads more after `end`, keeping `buf[pos..end]` (which may move to the front); false at
    /// the end of the input.
    fn more(&mut self) -> std::io::Result<bool> {
        if self.buf.len() - self.end < self.read_size {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            if self.buf.len() - self.end < self.read_size {
                let n = (self.buf.len() * 2).max(self.end + self.read_size);
                self.buf.resize(n, 0);
            }
        }
        loop {
            match self
                .input
                .read(&mut self.buf[self.end..self.end + self.read_size])
            {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Offset from `pos` of the `>` ending the tag at `pos`, searched from offset `from` with
    /// quick-xml's rule (a `>` inside single or double quotes does not count); None when the
    /// input ends first.
    fn tag_end(&mut self, mut from: usize) -> std::io::Result<Option<usize>> {
        let mut quote = 0u8;
        loop {
            if let Some(i) = find_tag_end(&self.buf[self.pos + from..self.end], &mut quote) {
                return Ok(Some(from + i));
            }
            from = self.end - self.pos;
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// Offset from `pos` of the `>` ending the processing instruction at `pos` (the first `>`
    /// after a `?`, that of `<?` included, as quick-xml reads it); None when the input ends
    /// first.
    fn pi_end(&mut self) -> std::io::Result<Option<usize>> {
        let mut from = 2;
        loop {
            let hay = &self.buf[self.pos..self.end];
            for i in memchr::memchr_iter(b'>', &hay[from..]) {
                if hay[from + i - 1] == b'?' {
                    return Ok(Some(from + i));
                }
            }
            from = self.end - self.pos;
            if !self.more()? {
                return Ok(None);
            }
        }
    }
}

/// The first `>` of `hay` outside quotes (`quote`: the quote open at its start, 0 for none;
/// left as it is at the end when there is no such `>`), eight bytes at a time: tags are short,
/// and their quotes many, for a memchr call per quote.
fn find_tag_end(hay: &[u8], quote: &mut u8) -> Option<usize> {
    /// A mask whose lowest set bit is the high bit of the first byte of `w` equal to `b` (bits
    /// above it may be set wrongly).
    fn first_eq(w: u64, b: u8) -> u64 {
        const LO: u64 = 0x0101_0101_0101_0101;
        let x = w ^ (LO * u64::from(b));
        x.wrapping_sub(LO) & !x & (LO << 7)
    }
    let mut i = 0;
    while i < hay.len() {
        let at = match hay.get(i..i + 8) {
            Some(chunk) => {
                let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
                let m = if *quote == 0 {
                    first_eq(w, b'>') | first_eq(w, b'"') | first_eq(w, b'\'')
                } else {
                    first_eq(w, *quote)
                };
                if m == 0 {
                    i += 8;
                    continue;
                }
                i + (m.trailing_zeros() / 8) as usize
            }
            None => {
                let c = hay[i];
                if (*quote == 0 && !matches!(c, b'>' | b'"' | b'\''))
                    || (*quote != 0 && c != *quote)
                {
                    i += 1;
                    continue;
                }
                i
            }
        };
        match (*quote, hay[at]) {
            (0, b'>') => return Some(at),
            (0, q) => *quote = q,
            _ => *quote = 0,
        }
        i = at + 1;
    }
    None
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

/// `b` without leading and trailing XML whitespace.
fn trim(b: &[u8]) -> &[u8] {
    let Some(s) = b.iter().position(|&c| !is_ws(c)) else {
        return &[];
    };
    let e = b.iter().rposition(|&c| !is_ws(c)).map_or(s, |e| e + 1);
    &b[s..e]
}

/// Decodes and unescapes text as quick-xml's `BytesText::unescape` does.
fn unescape_text(raw: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    match std::str::from_utf8(raw) {
        Ok(s) => unescape(s).map_err(XmlError::Escape),
        Err(e) => Err(XmlError::Encoding(e.into())),
    }
}

/// The scanner: text, start, empty and end tags, and processing instructions; hands over to
/// quick-xml at `<!` and wherever quick-xml has to report an error.
fn scan<R: BufRead, S: Sink>(
    s: &mut Chunks<R>,
    h: &mut Handler<S>,
    open: &mut Open,
) -> Result<(), MetadataError> {
    let file = h.file;
    let io = |e: std::io::Error| xml_err(file, XmlError::from(e));
    loop {
        // Usually only whitespace up to the next tag.
        match s.buf[s.pos..s.end].iter().position(|&c| !is_ws(c)) {
            Some(k) if s.buf[s.pos + k] == b'<' => s.pos += k,
            _ => {
                if !text(s, h)? {
                    return Ok(());
                }
            }
        }
        if s.end - s.pos < 2 && !s.more().map_err(io)? {
            return handover_at(s, h, open);
        }
        match s.buf[s.pos + 1] {
            b'!' => return handover_at(s, h, open),
            b'?' => match s.pi_end().map_err(io)? {
                // `<?>` is an error.
                Some(gt) if gt > 2 => s.pos += gt + 1,
                _ => return handover_at(s, h, open),
            },
            b'/' => {
                let Some(gt) = s.tag_end(1).map_err(io)? else {
                    return handover_at(s, h, open);
                };
                let content = &s.buf[s.pos + 2..s.pos + gt];
                let name = match content.iter().rposition(|&c| !is_ws(c)) {
                    Some(p) => &content[..p + 1],
                    None => content,
                };
                open.pop(name).map_err(|e| xml_err(file, e))?;
                h.end(name)?;
                s.pos += gt + 1;
            }
            _ => {
                let Some(gt) = s.tag_end(1).map_err(io)? else {
                    return handover_at(s, h, open);
                };
                let tag = &s.buf[s.pos..s.pos + gt + 1];
                let content = &tag[1..gt];
                let (empty, content) = match content.strip_suffix(b"/") {
                    Some(c) => (true, c),
                    None => (false, content),
                };
                let name_len = content
                    .iter()
                    .position(|&c| is_ws(c))
                    .unwrap_or(content.len());
                let name = &content[..name_len];
                if !empty {
                    open.push(name);
                }
                h.start(name, empty, Tag::Raw { tag, name_len })?;
                s.pos += gt + 1;
            }
        }
    }
}

/// Text up to the next `<` (kept only while the handler wants it), leaving `s.pos` at that
/// `<`; false at the end of the input.
fn text<R: BufRead, S: Sink>(s: &mut Chunks<R>, h: &mut Handler<S>) -> Result<bool, MetadataError> {
    let file = h.file;
    let mut from = 0;
    let lt = loop {
        if let Some(i) = memchr::memchr(b'<', &s.buf[s.pos + from..s.end]) {
            break s.pos + from + i;
        }
        // Kept from its first non-blank byte on (leading whitespace is trimmed anyway, and
        // quick-xml does not buffer it either: a bomb of spaces stays out of memory).
        let keep = match h.wants_text() {
            true => s.buf[s.pos..s.end].iter().position(|&c| !is_ws(c)),
            false => None,
        };
        match keep {
            Some(i) => {
                s.pos += i;
                from = s.end - s.pos;
            }
            None => {
                s.pos = s.end;
                from = 0;
            }
        }
        if !s.more().map_err(|e| xml_err(file, XmlError::from(e)))? {
            let t = trim(&s.buf[s.pos..s.end]);
            if !t.is_empty() && h.wants_text() {
                let t = unescape_text(t).map_err(|e| xml_err(file, e))?;
                h.text(&t);
            }
            return Ok(false);
        }
    };
    let t = trim(&s.buf[s.pos..lt]);
    if !t.is_empty() && h.wants_text() {
        let t = unescape_text(t).map_err(|e| xml_err(file, e))?;
        h.text(&t);
    }
    s.pos = lt;
    Ok(true)
}

/// Hands the rest of the input, from `s.pos`, to quick-xml's reader.
fn handover_at<R: BufRead, S: Sink>(
    s: &mut Chunks<R>,
    h: &mut Handler<S>,
    open: &mut Open,
) -> Result<(), MetadataError> {
    let rest = std::io::Cursor::new(s.buf[s.pos..s.end].to_vec());
    let mut reader = quick_xml::Reader::from_reader(rest.chain(&mut s.input));
    read_events(&mut reader, h, open)
}

/// The events of quick-xml's reader (positioned at a `<`, or at the start of the document).
fn read_events<R: BufRead, S: Sink>(
    reader: &mut quick_xml::Reader<R>,
    h: &mut Handler<S>,
    open: &mut Open,
) -> Result<(), MetadataError> {
    let file = h.file;
    let config = reader.config_mut();
    config.trim_text(true);
    // The end-tag check is `Open`'s: elements opened before the handover are not in the
    // reader's own list.
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut buf = Vec::with_capacity(4096);
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(file, e))?;
        match ev {
            Event::Start(ref e) => {
                open.push(e.name().as_ref());
                h.start(e.name().as_ref(), false, Tag::Read(e))?;
            }
            Event::Empty(ref e) => h.start(e.name().as_ref(), true, Tag::Read(e))?,
            Event::Text(ref t) if h.wants_text() => {
                let s = t.unescape().map_err(|e| xml_err(file, e))?;
                h.text(&s);
            }
            Event::End(ref e) => {
                open.pop(e.name().as_ref()).map_err(|e| xml_err(file, e))?;
                h.end(e.name().as_ref())?;
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser as it was before the scanner: quick-xml's buffered reader with its own
    /// end-tag check, every attribute collected. The reference the scanner must agree with.
    fn reference(input: &[u8], file: &str) -> Result<(Vec<PrimaryPkg>, u64), String> {
        use crate::metadata::{attr, attrs};
        let mut reader = quick_xml::Reader::from_reader(input);
        reader.config_mut().trim_text(true);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        let mut cur: Option<PrimaryPkg> = None;
        let mut text = Text::None;
        let (mut in_obsoletes, mut in_provides, mut seen_root) = (false, false, false);
        let mut count = 0u64;
        let err = |e: MetadataError| e.to_string();
        loop {
            let ev = reader
                .read_event_into(&mut buf)
                .map_err(|e| err(xml_err(file, e)))?;
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let qn = e.name();
                    match local(qn.as_ref()) {
                        b"metadata" => seen_root = true,
                        b"package" => {
                            cur = Some(PrimaryPkg {
                                name: String::new(),
                                arch: String::new(),
                                evr: Evr::new(0, "", ""),
                                obsoletes: Vec::new(),
                                provides: String::new(),
                            })
                        }
                        b"name" if cur.is_some() && !empty => text = Text::Name,
                        b"arch" if cur.is_some() && !empty => text = Text::Arch,
                        b"version" => {
                            if let Some(p) = cur.as_mut() {
                                let a = attrs(e, file).map_err(err)?;
                                p.evr = Evr::new(
                                    attr(&a, b"epoch").and_then(|s| s.parse().ok()).unwrap_or(0),
                                    attr(&a, b"ver").unwrap_or_default(),
                                    attr(&a, b"rel").unwrap_or_default(),
                                );
                            }
                        }
                        b"obsoletes" if !empty => in_obsoletes = true,
                        b"provides" if !empty => in_provides = true,
                        b"entry" if in_provides => {
                            if let Some(p) = cur.as_mut() {
                                for a in xml_attrs::attributes(e).flatten() {
                                    if a.key.as_ref() == b"name" {
                                        let v = a
                                            .unescape_value()
                                            .map_err(|e| err(xml_err(file, e)))?;
                                        p.provides.push_str(&v);
                                        p.provides.push('\n');
                                    }
                                }
                            }
                        }
                        b"entry" if in_obsoletes => {
                            if let Some(p) = cur.as_mut() {
                                let a = attrs(e, file).map_err(err)?;
                                p.obsoletes.push(Dep::from_xml(
                                    attr(&a, b"name").unwrap_or_default(),
                                    attr(&a, b"flags"),
                                    attr(&a, b"epoch"),
                                    attr(&a, b"ver"),
                                    attr(&a, b"rel"),
                                ));
                            }
                        }
                        _ => {}
                    }
                }
                Event::Text(ref t) if text != Text::None => {
                    if let Some(p) = cur.as_mut() {
                        let s = t.unescape().map_err(|e| err(xml_err(file, e)))?;
                        match text {
                            Text::Name => p.name.push_str(&s),
                            Text::Arch => p.arch.push_str(&s),
                            Text::None => {}
                        }
                    }
                }
                Event::End(ref e) => match local(e.name().as_ref()) {
                    b"name" | b"arch" => text = Text::None,
                    b"obsoletes" => in_obsoletes = false,
                    b"provides" => in_provides = false,
                    b"package" => {
                        if let Some(p) = cur.take() {
                            count += 1;
                            if p.name.is_empty() {
                                return Err(format!("{file}: package without a name"));
                            }
                            out.push(p);
                        }
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if !seen_root {
            return Err(format!("{file}: not a primary.xml (no <metadata> element)"));
        }
        Ok((out, count))
    }

    fn ours(
        input: &[u8],
        read_size: usize,
        quick_xml_only: bool,
    ) -> Result<(Vec<PrimaryPkg>, u64), String> {
        let mut out = Vec::new();
        parse_with(input, "p.xml", &mut out, read_size, quick_xml_only)
            .map(|n| (out, n))
            .map_err(|e| e.to_string())
    }

    /// Both readers, at several read sizes (tokens split across reads), against the reference.
    fn check(doc: &[u8]) -> Result<(Vec<PrimaryPkg>, u64), String> {
        let want = reference(doc, "p.xml");
        for quick_xml_only in [false, true] {
            for read_size in [1, 2, 3, 7, 64, READ] {
                let got = ours(doc, read_size, quick_xml_only);
                assert_eq!(
                    got,
                    want,
                    "read size {read_size}, quick-xml only {quick_xml_only}, document:\n{}",
                    String::from_utf8_lossy(doc)
                );
            }
        }
        want
    }

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">"#;

    const PKG: &str = r#"<package type="rpm">
  <name>foo</name>
  <arch>x86_64</arch>
  <version epoch="1" ver="2.0" rel="3.el9"/>
  <checksum type="sha256" pkgid="YES">abc</checksum>
  <summary>a &lt;summary&gt; &amp; more</summary>
  <description>text with > and " and ' inside</description>
  <location href="foo-2.0-3.el9.x86_64.rpm"/>
  <format>
    <rpm:license>MIT</rpm:license>
    <rpm:provides>
      <rpm:entry name="foo" flags="EQ" epoch="1" ver="2.0" rel="3.el9"/>
      <rpm:entry name="foo(x86-64)" flags="EQ" epoch="1" ver="2.0" rel="3.el9"/>
      <rpm:entry name="config(foo) &amp; more"/>
      <rpm:entry name='single "quoted"' flags='EQ' ver="1"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="libc.so.6()(64bit)"/>
      <rpm:entry name="bar" flags="GE" ver="1"/>
    </rpm:requires>
    <rpm:obsoletes>
      <rpm:entry name="foo-old" flags="LT" epoch="0" ver="2.0"/>
      <rpm:entry name="foo-older"/>
    </rpm:obsoletes>
    <file>/usr/bin/foo</file>
  </format>
</package>
<package type="rpm"><name>bar</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/></package>"#;

    fn doc(body: &str) -> Vec<u8> {
        format!("{HEAD}\n{body}\n</metadata>\n").into_bytes()
    }

    #[test]
    fn reads_name_arch_evr_provides_and_obsoletes() {
        let (pkgs, n) = check(&doc(PKG)).unwrap();
        assert_eq!(n, 2);
        let foo = &pkgs[0];
        assert_eq!((foo.name.as_str(), foo.arch.as_str()), ("foo", "x86_64"));
        assert_eq!(foo.evr, Evr::new(1, "2.0", "3.el9"));
        assert_eq!(
            foo.provide_names().collect::<Vec<_>>(),
            [
                "foo",
                "foo(x86-64)",
                "config(foo) & more",
                "single \"quoted\""
            ]
        );
        assert_eq!(foo.obsoletes.len(), 2);
        assert_eq!(foo.obsoletes[0].name, "foo-old");
        assert_eq!(foo.obsoletes[0].flags, crate::model::SENSE_LESS);
        assert_eq!(pkgs[1].name, "bar");
    }

    /// The count `<metadata>` declares sizes a vector sink up front, within a bound; a
    /// count that does not read as a number is no error (it is only a hint).
    #[test]
    fn vec_sink_reserves_the_declared_count_within_a_bound() {
        let parse_vec = |d: &[u8]| {
            let mut v = Vec::new();
            let n = parse_into(d, "p.xml", &mut v).unwrap();
            (n, v)
        };
        let (n, v) = parse_vec(&doc(PKG));
        assert_eq!((n, v.len()), (2, 2));
        assert!(v.capacity() >= 2);
        let with = |attr: &str| {
            String::from_utf8(doc(PKG))
                .unwrap()
                .replace("packages=\"2\"", attr)
        };
        let (n, v) = parse_vec(with("packages=\"99999999999\"").as_bytes());
        assert_eq!(n, 2);
        assert!(v.capacity() >= MAX_RESERVE as usize && v.capacity() < 2 * MAX_RESERVE as usize);
        for odd in [
            "packages=\"x\"",
            "packages=\"&bad;\"",
            "packages=\"-1\"",
            "",
        ] {
            let (n, v) = parse_vec(with(odd).as_bytes());
            assert_eq!((n, v.len()), (2, 2), "{odd}");
            assert_eq!(v, parse_vec(&doc(PKG)).1);
        }
    }

    /// The count comes at most once, and never after a package: the first `<metadata>` of a
    /// document that starts with a package, or holds a second one, says nothing.
    #[test]
    fn declared_count_comes_once_and_before_the_packages() {
        #[derive(Default)]
        struct Log(Vec<String>);
        impl Sink for Log {
            fn declared(&mut self, count: u64) {
                self.0.push(format!("declared {count}"));
            }
            fn package(&mut self, p: PrimaryPkg) {
                self.0.push(p.name);
            }
        }
        let log = |d: &str| {
            let mut l = Log::default();
            parse_into(d.as_bytes(), "p.xml", &mut l).unwrap();
            l.0
        };
        let pkg = |n: &str| format!("<package><name>{n}</name></package>");
        assert_eq!(
            log(&format!(
                "<metadata packages=\"3\"><metadata packages=\"9\">{}</metadata>{}</metadata>",
                pkg("a"),
                pkg("b")
            )),
            ["declared 3", "a", "b"]
        );
        assert_eq!(
            log(&format!("{}<metadata packages=\"5\"/>", pkg("a"))),
            ["a"]
        );
    }

    /// Documents where the scanner's shortcuts could go wrong: each must give what quick-xml
    /// gives (packages or the same error message).
    #[test]
    fn agrees_with_quick_xml_on_tricky_documents() {
        let bodies = [
            // Comments, CDATA and a DOCTYPE (the scanner hands over at `<!`).
            "<!-- <package><name>x</name></package> --><package><name>a</name><arch>noarch</arch></package>",
            "<package><name>a<!-- c -->b</name><arch><![CDATA[x86_64]]></arch></package>",
            "<package><name><![CDATA[cd]]>ata</name><arch>noarch</arch></package>",
            "<package><description><![CDATA[</package><package>]]></description><name>n</name></package>",
            // Entities in text and attributes; bad entities.
            "<package><name>a&amp;b&#65;&#x42;</name><arch>noarch</arch><version ver=\"1&lt;2\" rel=\"&quot;\"/></package>",
            "<package><name>&lol;</name></package>",
            "<package><name>ok</name><version ver=\"&bad;\"/></package>",
            "<package><name>ok</name><description>&bad; is not decoded</description></package>",
            // Namespace prefixes and attribute quoting.
            "<a:package><a:name>p</a:name><b:arch>noarch</b:arch><x:version x:epoch='2' ver='1' rel=\"1\"/></a:package>",
            "<package><name>q</name><version epoch = \"3\" ver='a\"b' rel=\"c'd\" /></package>",
            "<package><name>q</name><version ver=\"1>2\" rel='3>4'/></package>",
            "<package><name>q</name><version epoch=\"3\" ver='a\"b' rel=\"c'd\"/></package>",
            "<package><name>q</name><version epoch=\"3\"ver='1'rel=\"2\"/></package>",
            "<package><name>q</name><version epoch=\"3\" ver='1' rel/></package>",
            "<package><name>q</name><version =\"3\" ver='1'/></package>",
            "<package><name>q</name><version a=\"1\" b=\"1\" c=\"1\" d=\"1\" e=\"1\" f=\"1\" g=\"1\" h=\"1\" ver=\"9\"/></package>",
            "<package><name>q</name><version ver=\"1\" ver=\"2\"/></package>",
            "<package><name>q</name><version a:ver=\"1\" b:ver=\"2\"/></package>",
            "<package><name>q</name><version ver=1/></package>",
            "<package><name>q</name><version ver=\"1/></package>",
            "<package><name>q</name><format><rpm:provides><rpm:entry name=\"x\" name=\"y\"/><rpm:entry bad name=\"z\"/></rpm:provides></format></package>",
            "<package><name>q</name><format><rpm:obsoletes><rpm:entry name=\"o\" flags=\"LE\" ver=\"&#x31;\"/></rpm:obsoletes></format></package>",
            // Whitespace, empty and odd tags.
            "<package>\n\t<name>\n  spaced name \r\n</name><arch/><version/></package>",
            "<package><name/><name>late</name></package>",
            "<package><name></name></package>",
            "<package ><name >n</name ><arch\t>noarch</arch\n></package\n>",
            "<package><name>n</name></package   >",
            "<package><name>n</name><  ></  ></package>",
            "<package><name>n</name><  ></></package>",
            "<package><name>n</name><></></package>",
            "<package><name>n</name></ package>",
            "<package><name>n</name></package attr=\">\">",
            // Ill-formed: mismatched, unmatched, unclosed.
            "<package><name>n</arch></package>",
            "<package><name>n</name></package></metadata></metadata>",
            "<package><name>n</name>",
            "<package><name>n",
            "<package><name>n</name></package><",
            "<package><name>n</name></package><pack",
            "<package><name>n</name></package></pack",
            "<package><name>n</name></package><pack attr='>",
            "<package><name>n</name></package><!",
            "<package><name>n</name></package><!x>",
            "<package><name>n</name></package><!-- unclosed",
            "<package><name>n</name></package><![CDATA[ unclosed",
            "<package><name>n</name></package><?pi ",
            "<package><name>n</name></package><?>",
            "<package><name>n</name></package><?pi?>",
            "<!DOCTYPE x [<!ENTITY e \"v\">]><package><name>&e;</name></package>",
            "<!DOCTYPE><package><name>n</name></package>",
            "<package><name>no end",
            "<package><arch>noarch</arch></package>",
            "<package><name>a</name><package><name>b</name></package></package>",
            "text before <package><name>t</name></package> text after",
        ];
        for b in bodies {
            check(&doc(b)).ok();
        }
        // Whole documents: no root, BOM, trailing text, non-UTF-8 bytes, empty input.
        let docs: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"<other/>".to_vec(),
            b"<metadata/>".to_vec(),
            b"\xEF\xBB\xBF<metadata><package><name>bom</name></package></metadata>".to_vec(),
            b"<metadata><package><name>a</name></package></metadata> trailing".to_vec(),
            b"<metadata><package><name>a\xFF</name></package></metadata>".to_vec(),
            b"<metadata><package><name>a</name><summary>\xFF</summary></package></metadata>"
                .to_vec(),
            b"<metadata><package><name>a</name><version ver=\"\xFF\"/></package></metadata>"
                .to_vec(),
            b"<metadata><package><name>a</name><version x=\"\xFF\" ver=\"1\"/></package></metadata>"
                .to_vec(),
            b"<metadata><package><name>a</name><format><provides><entry x=\"\xFF\" name=\"p\"/></provides></format></package></metadata>"
                .to_vec(),
            b"<metadata><package><name>a</name></package></metadata\xFF>".to_vec(),
            b"<metadata><package><name>a</name></package></other\xFF>".to_vec(),
            b"<metadata><package><name>a</name></package></metadata><".to_vec(),
        ];
        for d in docs {
            check(&d).ok();
        }
    }

    /// Whitespace before the text of `<name>` (as in a compression bomb) is dropped as it is
    /// read, not buffered: the scanner's buffer stays at its initial size.
    #[test]
    fn leading_whitespace_of_wanted_text_is_not_buffered() {
        let spaces = std::io::repeat(b' ').take(8 << 20);
        let input = std::io::BufReader::new(
            (&b"<metadata><package><name>"[..])
                .chain(spaces)
                .chain(&b" n </name></package></metadata>"[..]),
        );
        let mut out = Vec::new();
        let mut h = Handler::new("p.xml", Each(|p: PrimaryPkg| out.push(p.name)));
        let mut s = Chunks {
            input,
            buf: vec![0; 4 * 1024],
            pos: 0,
            end: 0,
            read_size: 1024,
        };
        scan(&mut s, &mut h, &mut Open::default()).unwrap();
        assert_eq!(h.count, 1);
        assert_eq!(s.buf.len(), 4 * 1024);
        drop(h);
        assert_eq!(out, ["n"]);
    }

    /// Random damage to a realistic document (bytes inserted, deleted, replaced by markup
    /// characters, spans repeated): the scanner and quick-xml agree on every variant.
    #[test]
    fn agrees_with_quick_xml_on_damaged_documents() {
        let base = doc(&format!(
            "{PKG}<!-- c --><package><name>c</name><arch>src</arch><version ver=\"1\"/></package>"
        ));
        let base_plain = doc(PKG);
        let alphabet = b"<>/?!\"'&;= \n-[]x:\xFF";
        let mut rng = testkit::Rng::new(0x9E37_79B9_7F4A_7C15);
        let mut rnd = |n: usize| rng.below(n);
        let mut oks = 0;
        for round in 0..3000 {
            let mut d = if round % 2 == 0 {
                base.clone()
            } else {
                base_plain.clone()
            };
            for _ in 0..1 + rnd(3) {
                let at = rnd(d.len());
                match rnd(4) {
                    0 => d.insert(at, alphabet[rnd(alphabet.len())]),
                    1 => {
                        d.remove(at);
                    }
                    2 => d[at] = alphabet[rnd(alphabet.len())],
                    _ => {
                        let len = rnd(40).min(d.len() - at);
                        let span = d[at..at + len].to_vec();
                        let to = rnd(d.len());
                        d.splice(to..to, span);
                    }
                }
            }
            let want = reference(&d, "p.xml");
            oks += usize::from(want.is_ok());
            for (read_size, quick_xml_only) in [(READ, false), (5, false), (READ, true)] {
                assert_eq!(
                    ours(&d, read_size, quick_xml_only),
                    want,
                    "read size {read_size}, document:\n{}",
                    String::from_utf8_lossy(&d)
                );
            }
        }
        // Both outcomes were exercised.
        assert!(oks > 100 && oks < 2900, "{oks} of 3000 parsed");
    }
}
