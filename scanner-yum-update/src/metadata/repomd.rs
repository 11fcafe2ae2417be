//! repodata/repomd.xml: the index naming each metadata file with its checksum and location.

use super::{attr, attrs, local, xml_err, MetadataError};
use quick_xml::events::Event;

/// One `<data type=...>` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataEntry {
    pub kind: String,
    /// Checksum algorithm of the (compressed) file, e.g. "sha256".
    pub checksum_type: String,
    pub checksum: String,
    pub href: String,
    /// `xml:base` of the location, when set.
    pub base: Option<String>,
    pub size: Option<u64>,
}

/// The parsed repomd.xml.
#[derive(Debug, Clone, Default)]
pub struct Repomd {
    pub revision: Option<String>,
    pub data: Vec<DataEntry>,
}

impl Repomd {
    pub fn parse(xml: &[u8], file: &str) -> Result<Repomd, MetadataError> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        let mut buf = Vec::new();
        let mut out = Repomd::default();
        let mut cur: Option<DataEntry> = None;
        let mut text_of: Option<Vec<u8>> = None;
        let mut text = String::new();
        loop {
            match reader
                .read_event_into(&mut buf)
                .map_err(|e| xml_err(file, e))?
            {
                Event::Start(e) | Event::Empty(e) => {
                    let name = local(e.name().as_ref()).to_vec();
                    let a = attrs(&e, file)?;
                    match name.as_slice() {
                        b"data" => {
                            cur = Some(DataEntry {
                                kind: attr(&a, b"type").unwrap_or_default().to_string(),
                                checksum_type: String::new(),
                                checksum: String::new(),
                                href: String::new(),
                                base: None,
                                size: None,
                            })
                        }
                        b"checksum" => {
                            if let Some(c) = cur.as_mut() {
                                c.checksum_type = attr(&a, b"type").unwrap_or("sha256").to_string();
                            }
                            text_of = Some(name.clone());
                        }
                        b"location" => {
                            if let Some(c) = cur.as_mut() {
                                c.href = attr(&a, b"href").unwrap_or_default().to_string();
                                c.base = attr(&a, b"base").map(str::to_string);
                            }
                        }
                        b"size" | b"revision" => text_of = Some(name.clone()),
                        _ => {}
                    }
                    text.clear();
                }
                Event::Text(t) if text_of.is_some() => {
                    text.push_str(&t.unescape().map_err(|e| xml_err(file, e))?);
                }
                Event::End(e) => {
                    let name = local(e.name().as_ref()).to_vec();
                    if text_of.as_deref() == Some(name.as_slice()) {
                        let v = text.trim().to_string();
                        match (name.as_slice(), cur.as_mut()) {
                            (b"checksum", Some(c)) => c.checksum = v.to_ascii_lowercase(),
                            (b"size", Some(c)) => c.size = v.parse().ok(),
                            (b"revision", None) => out.revision = Some(v),
                            _ => {}
                        }
                        text_of = None;
                    }
                    if name == b"data" {
                        if let Some(c) = cur.take() {
                            out.data.push(c);
                        }
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if !out.data.iter().any(|d| d.kind == "primary") {
            return Err(MetadataError::Invalid {
                file: file.to_string(),
                message: "no primary metadata listed".into(),
            });
        }
        Ok(out)
    }

    /// The entry of a metadata type.
    pub fn get(&self, kind: &str) -> Option<&DataEntry> {
        self.data.iter().find(|d| d.kind == kind)
    }
}
