//! primary.xml streamed package by package: name, arch, EVR and obsoletes of each package
//! (the only fields the update computation needs), without holding the document in memory.

use std::io::BufRead;

use super::{attr, attrs, local, xml_err, MetadataError};
use crate::model::{Dep, Evr};
use quick_xml::events::Event;

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

/// Parses primary.xml from `input`, calling `each` per package.
pub fn parse(
    input: impl BufRead,
    file: &str,
    mut each: impl FnMut(PrimaryPkg),
) -> Result<u64, MetadataError> {
    let mut reader = quick_xml::Reader::from_reader(input);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::with_capacity(4096);
    let mut cur: Option<PrimaryPkg> = None;
    let mut text = Text::None;
    let mut in_obsoletes = false;
    let mut in_provides = false;
    let mut count = 0u64;
    let mut seen_root = false;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(file, e))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let qn = e.name();
                let name = local(qn.as_ref());
                match name {
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
                            let a = attrs(e, file)?;
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
                            for a in e.attributes().flatten() {
                                if a.key.as_ref() == b"name" {
                                    let v = a.unescape_value().map_err(|e| xml_err(file, e))?;
                                    p.provides.push_str(&v);
                                    p.provides.push('\n');
                                }
                            }
                        }
                    }
                    b"entry" if in_obsoletes => {
                        if let Some(p) = cur.as_mut() {
                            let a = attrs(e, file)?;
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
                    let s = t.unescape().map_err(|e| xml_err(file, e))?;
                    match text {
                        Text::Name => p.name.push_str(&s),
                        Text::Arch => p.arch.push_str(&s),
                        Text::None => {}
                    }
                }
            }
            Event::End(ref e) => {
                let qn = e.name();
                match local(qn.as_ref()) {
                    b"name" | b"arch" => text = Text::None,
                    b"obsoletes" => in_obsoletes = false,
                    b"provides" => in_provides = false,
                    b"package" => {
                        if let Some(p) = cur.take() {
                            count += 1;
                            if p.name.is_empty() {
                                return Err(MetadataError::Invalid {
                                    file: file.to_string(),
                                    message: "package without a name".into(),
                                });
                            }
                            each(p);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !seen_root {
        return Err(MetadataError::Invalid {
            file: file.to_string(),
            message: "not a primary.xml (no <metadata> element)".into(),
        });
    }
    Ok(count)
}
