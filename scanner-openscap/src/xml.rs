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

/// One element with its resolved namespace URI, attributes (local names), children and text.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub ns: String,
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
    /// The namespace suffix after `#` ("linux", "independent"), or "" for core namespaces.
    pub fn family(&self) -> &str {
        self.ns.rsplit_once('#').map(|(_, f)| f).unwrap_or("")
    }
}

/// Opens a file, transparently decompressing bzip2 (detected by its `BZh` magic).
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
    if n == 3 && &magic == b"BZh" {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            bzip2::read::MultiBzDecoder::new(BufReader::new(f)),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }
}

/// Streams a document. `want(path)` is asked for every element start with the local names of
/// its ancestors and itself; when it returns true, the element's whole subtree is built and
/// passed to `emit(path_of_ancestors, node)` once its end tag is read.
pub fn stream<R: BufRead>(
    input: R,
    mut want: impl FnMut(&[String]) -> bool,
    mut emit: impl FnMut(&[String], Node) -> Result<(), XmlError>,
) -> Result<(), XmlError> {
    let mut reader = NsReader::from_reader(input);
    reader.config_mut().trim_text(false);
    reader.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    // Stack of nodes being built (only while inside a wanted subtree).
    let mut building: Vec<Node> = Vec::new();
    let syntax = |r: &NsReader<R>, e: &dyn std::fmt::Display| XmlError::Syntax {
        pos: r.buffer_position(),
        msg: e.to_string(),
    };
    loop {
        buf.clear();
        let pos = reader.buffer_position();
        let (ns, ev) = match reader.read_resolved_event_into(&mut buf) {
            Ok(x) => x,
            Err(e) => {
                return Err(XmlError::Syntax {
                    pos,
                    msg: e.to_string(),
                })
            }
        };
        match ev {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                path.push(local.clone());
                if !building.is_empty() || want(&path) {
                    let ns = match ns {
                        ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
                        _ => String::new(),
                    };
                    let mut attrs = Vec::new();
                    for a in e.attributes() {
                        let a = a.map_err(|e| syntax(&reader, &e))?;
                        let key = a.key.local_name();
                        let key = String::from_utf8_lossy(key.as_ref()).into_owned();
                        if a.key.as_ref().starts_with(b"xmlns") {
                            continue;
                        }
                        let v = a.unescape_value().map_err(|e| syntax(&reader, &e))?;
                        attrs.push((key, v.into_owned()));
                    }
                    building.push(Node {
                        ns,
                        name: local,
                        attrs,
                        children: Vec::new(),
                        text: String::new(),
                    });
                }
            }
            Event::End(_) => {
                if let Some(node) = building.pop() {
                    if let Some(parent) = building.last_mut() {
                        parent.children.push(node);
                    } else {
                        path.pop();
                        emit(&path, node)?;
                        continue;
                    }
                }
                path.pop();
            }
            Event::Text(t) => {
                if let Some(n) = building.last_mut() {
                    let s = t.unescape().map_err(|e| syntax(&reader, &e))?;
                    n.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(n) = building.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(XmlError::Invalid("document ends inside an element".into()));
    }
    Ok(())
}
