//! Streaming XML input: opens plain or bzip2-compressed files, refuses DTDs (and so any
//! external entity), and hands small element subtrees to the caller while the reader streams.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Errors while reading an XML document.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("{path}: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("XML syntax error at byte {pos}: {msg}")]
    Syntax { pos: u64, msg: String },
    #[error("the document has a DOCTYPE declaration; DTDs and external entities are refused")]
    Dtd,
    #[error("{0}")]
    Invalid(String),
}

/// One element with its namespace family (the part after `#` of its namespace URI: "linux",
/// "independent"; "" for the core namespaces), attributes (local names), children and text.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Whether the content came (partly) from CDATA sections: whitespace-only text around them
    /// is then not part of the value (as oscap reads such elements).
    pub cdata: bool,
    pub family: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    pub text: String,
}

impl Node {
    /// Attribute value by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// First child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    /// The namespace family ("linux", "independent"), or "" for core namespaces.
    pub fn family(&self) -> &str {
        &self.family
    }
}

/// Largest document accepted after decompression (real vendor feeds are well under 1 GiB);
/// `SCANNER_OPENSCAP_MAX_FEED_BYTES` overrides it.
pub const DEFAULT_MAX_FEED_BYTES: u64 = 4 << 30;

/// Longest run of bytes without markup (`<` or `>`), i.e. one text node or tag, accepted. Real
/// content stays far below it; a decompression bomb hidden in one description does not.
pub const MAX_TEXT_RUN: u64 = 64 << 20;

fn max_feed_bytes() -> u64 {
    std::env::var("SCANNER_OPENSCAP_MAX_FEED_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_FEED_BYTES)
}

/// A reader that refuses documents over a size limit, or with a text run over
/// [`MAX_TEXT_RUN`], before the parser buffers them.
struct Bounded<R> {
    inner: R,
    path: String,
    total: u64,
    run: u64,
    max_total: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        self.total += n as u64;
        self.run = match chunk.iter().rposition(|b| *b == b'<' || *b == b'>') {
            Some(i) => (n - 1 - i) as u64,
            None => self.run + n as u64,
        };
        let too_large = |what: String| {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {what} (a decompression bomb?)", self.path),
            ))
        };
        if self.total > self.max_total {
            return too_large(format!(
                "larger than the {}-byte limit once decompressed (SCANNER_OPENSCAP_MAX_FEED_BYTES raises it)",
                self.max_total
            ));
        }
        if self.run > MAX_TEXT_RUN {
            return too_large(format!(
                "holds a text node larger than the {MAX_TEXT_RUN}-byte limit"
            ));
        }
        Ok(n)
    }
}

/// Opens a file, transparently decompressing bzip2 (detected by its `BZh` magic), bounded by
/// the size limits above.
pub fn open_maybe_bz2(path: &Path) -> Result<Box<dyn BufRead>, XmlError> {
    let open_err = |source| XmlError::Open {
        path: path.display().to_string(),
        source,
    };
    let mut f = File::open(path).map_err(open_err)?;
    let mut magic = [0u8; 3];
    let n = f.read(&mut magic).map_err(open_err)?;
    drop(f);
    let f = File::open(path).map_err(open_err)?;
    let inner: Box<dyn Read> = if n == 3 && &magic == b"BZh" {
        Box::new(bzip2::read::MultiBzDecoder::new(BufReader::new(f)))
    } else {
        Box::new(f)
    };
    Ok(Box::new(BufReader::with_capacity(
        1 << 16,
        Bounded {
            inner,
            path: path.display().to_string(),
            total: 0,
            run: 0,
            max_total: max_feed_bytes(),
        },
    )))
}

/// Deepest element nesting accepted inside one definition, test, object, state or variable
/// (real content nests a few levels; the bound keeps recursion over hostile input finite).
pub const MAX_DEPTH: usize = 64;

/// Most namespace declarations in scope at once (a repeated one counts each time: quick-xml
/// keeps every copy). quick-xml's namespace reader searches those in scope for the name of every
/// start and end tag: 10 000 declarations over 20 000 elements took 0.23 s, and the cost grows
/// with their product. Vendor feeds declare 5 or 6, on the root.
pub const MAX_NAMESPACES_IN_SCOPE: usize = 64;

/// Byte range of an element in the (decompressed) input: from its `<` to after its end tag.
pub type Span = (u64, u64);

/// Streams a document. `want(path)` is asked for every element start outside a wanted subtree,
/// with the local names of its ancestors and itself; when it returns true, the element's whole
/// subtree is built and passed to `emit(path_of_ancestors, node)` once its end tag is read.
/// Returns the span of the first `oval_definitions` element met outside wanted subtrees.
pub fn stream<R: BufRead>(
    input: R,
    mut want: impl FnMut(&[String]) -> bool,
    mut emit: impl FnMut(&[String], Node) -> Result<(), XmlError>,
) -> Result<Option<Span>, XmlError> {
    let mut reader = NsReader::from_reader(input);
    reader.config_mut().trim_text(false);
    reader.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    // Names of the open elements outside wanted subtrees.
    let mut path: Vec<String> = Vec::new();
    // Stack of nodes being built (only while inside a wanted subtree).
    let mut building: Vec<Node> = Vec::new();
    let mut defs_start: Option<(usize, u64)> = None;
    let mut defs_span: Option<Span> = None;
    let mut namespaces = xml_attrs::NamespaceScope::default();
    let syntax = |pos: u64, e: &dyn std::fmt::Display| XmlError::Syntax {
        pos,
        msg: e.to_string(),
    };
    loop {
        buf.clear();
        let pos = reader.buffer_position();
        let (ns, ev) = match reader.read_resolved_event_into(&mut buf) {
            Ok(x) => x,
            Err(e) => return Err(syntax(pos, &e)),
        };
        match ev {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(e) => {
                if namespaces.start(&e, true).in_scope > MAX_NAMESPACES_IN_SCOPE {
                    return Err(XmlError::Invalid(format!(
                        "more than {MAX_NAMESPACES_IN_SCOPE} XML namespace declarations in scope at once (at byte {pos})"
                    )));
                }
                let local = e.local_name();
                if building.is_empty() {
                    let name = String::from_utf8_lossy(local.as_ref()).into_owned();
                    if name == "oval_definitions" && defs_start.is_none() {
                        defs_start = Some((path.len(), pos));
                    }
                    path.push(name);
                    if !want(&path) {
                        continue;
                    }
                }
                if building.len() >= MAX_DEPTH {
                    return Err(XmlError::Invalid(format!(
                        "elements nested deeper than {MAX_DEPTH} levels"
                    )));
                }
                let family = match ns {
                    ResolveResult::Bound(n) => match n.as_ref().iter().rposition(|&b| b == b'#') {
                        Some(i) => String::from_utf8_lossy(&n.as_ref()[i + 1..]).into_owned(),
                        None => String::new(),
                    },
                    _ => String::new(),
                };
                let mut attrs = Vec::new();
                for a in xml_attrs::attributes(&e) {
                    let a = a.map_err(|e| syntax(pos, &e))?;
                    if a.key.as_ref().starts_with(b"xmlns") {
                        continue;
                    }
                    let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    let v = a.unescape_value().map_err(|e| syntax(pos, &e))?;
                    attrs.push((key, v.into_owned()));
                }
                let name = if building.is_empty() {
                    path.pop().unwrap_or_default()
                } else {
                    String::from_utf8_lossy(local.as_ref()).into_owned()
                };
                building.push(Node {
                    cdata: false,
                    family,
                    name,
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(_) => {
                namespaces.end();
                if let Some(node) = building.pop() {
                    if let Some(parent) = building.last_mut() {
                        parent.children.push(node);
                    } else {
                        emit(&path, node)?;
                    }
                    continue;
                }
                path.pop();
                if let Some((depth, start)) = defs_start {
                    if depth == path.len() && defs_span.is_none() {
                        defs_span = Some((start, reader.buffer_position()));
                    }
                }
            }
            Event::Text(t) => {
                if let Some(n) = building.last_mut() {
                    if n.cdata && t.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let s = t.unescape().map_err(|e| syntax(pos, &e))?;
                    n.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(n) = building.last_mut() {
                    if !n.cdata && n.text.bytes().all(|b| b.is_ascii_whitespace()) {
                        n.text.clear();
                    }
                    n.cdata = true;
                    n.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() || !building.is_empty() {
        return Err(XmlError::Invalid("document ends inside an element".into()));
    }
    Ok(defs_span)
}
