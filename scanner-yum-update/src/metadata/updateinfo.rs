//! updateinfo.xml: advisories with their type, severity, dates, references and the package
//! versions that fix them.

use std::io::BufRead;

use super::{attr, attrs, local, xml_err, MetadataError};
use crate::model::Evr;
use quick_xml::events::Event;

/// A package named by an advisory: fixed in `name.arch` at `evr` or later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryPkg {
    pub name: String,
    pub arch: String,
    pub evr: Evr,
    /// True when the package's collection is tied to a module stream.
    pub modular: bool,
    /// The collection's module streams (`name:stream`); empty for non-modular collections.
    pub modules: Vec<String>,
}

/// A reference of an advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: String,
    pub id: String,
    pub href: String,
    pub title: String,
}

/// One `<update>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advisory {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub severity: String,
    pub issued: String,
    pub updated: String,
    pub description: String,
    pub references: Vec<Reference>,
    pub packages: Vec<AdvisoryPkg>,
}

impl Advisory {
    /// CVE ids from `<reference type="cve">`.
    pub fn cves(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .references
            .iter()
            .filter(|r| r.kind == "cve")
            .map(|r| r.id.clone())
            .collect();
        v.dedup();
        v
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    Id,
    Title,
    Severity,
    Description,
}

/// Parses a whole updateinfo.xml.
pub fn parse(input: impl BufRead, file: &str) -> Result<Vec<Advisory>, MetadataError> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut cur: Option<Advisory> = None;
    let mut field = Field::None;
    let mut depth_in_pkglist = false;
    let mut collection_modular = false;
    let mut collection_start = 0usize;
    let mut collection_modules: Vec<String> = Vec::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(file, e))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let qn = e.name();
                let name = local(qn.as_ref());
                let Some(adv) = cur.as_mut() else {
                    if name == b"update" {
                        let a = attrs(e, file)?;
                        // Per-update state starts fresh: nothing from a previous
                        // (possibly malformed) update may leak into this one.
                        field = Field::None;
                        depth_in_pkglist = false;
                        collection_modular = false;
                        collection_start = 0;
                        collection_modules.clear();
                        let adv = Advisory {
                            kind: attr(&a, b"type").unwrap_or_default().to_string(),
                            ..Default::default()
                        };
                        if empty {
                            // `<update/>` has no End event: it is complete already.
                            out.push(adv);
                        } else {
                            cur = Some(adv);
                        }
                    }
                    buf.clear();
                    continue;
                };
                match name {
                    b"id" if !depth_in_pkglist && !empty => field = Field::Id,
                    b"title" if !empty => field = Field::Title,
                    b"severity" if !empty => field = Field::Severity,
                    b"description" if !empty => field = Field::Description,
                    b"issued" | b"updated" => {
                        let a = attrs(e, file)?;
                        let d = attr(&a, b"date").unwrap_or_default().to_string();
                        if name == b"issued" {
                            adv.issued = d;
                        } else {
                            adv.updated = d;
                        }
                    }
                    b"reference" => {
                        let a = attrs(e, file)?;
                        adv.references.push(Reference {
                            kind: attr(&a, b"type").unwrap_or_default().to_string(),
                            id: attr(&a, b"id").unwrap_or_default().to_string(),
                            href: attr(&a, b"href").unwrap_or_default().to_string(),
                            title: attr(&a, b"title").unwrap_or_default().to_string(),
                        });
                    }
                    // An empty `<pkglist/>` has no End event: only a Start opens it.
                    b"pkglist" if !empty => depth_in_pkglist = true,
                    b"collection" => {
                        collection_modular = false;
                        collection_modules.clear();
                        collection_start = adv.packages.len();
                    }
                    b"module" if depth_in_pkglist => {
                        collection_modular = true;
                        let a = attrs(e, file)?;
                        let ms = format!(
                            "{}:{}",
                            attr(&a, b"name").unwrap_or_default(),
                            attr(&a, b"stream").unwrap_or_default()
                        );
                        collection_modules.push(ms);
                        for p in adv.packages.get_mut(collection_start..).unwrap_or_default() {
                            p.modular = true;
                            p.modules = collection_modules.clone();
                        }
                    }
                    b"package" if depth_in_pkglist => {
                        let a = attrs(e, file)?;
                        adv.packages.push(AdvisoryPkg {
                            name: attr(&a, b"name").unwrap_or_default().to_string(),
                            arch: attr(&a, b"arch").unwrap_or_default().to_string(),
                            evr: Evr::new(
                                attr(&a, b"epoch").and_then(|s| s.parse().ok()).unwrap_or(0),
                                attr(&a, b"version").unwrap_or_default(),
                                attr(&a, b"release").unwrap_or_default(),
                            ),
                            modular: collection_modular,
                            modules: collection_modules.clone(),
                        });
                    }
                    _ => {}
                }
            }
            Event::Text(ref t) => {
                if let (Some(adv), true) = (cur.as_mut(), field != Field::None) {
                    let s = t.unescape().map_err(|e| xml_err(file, e))?;
                    match field {
                        Field::Id => adv.id.push_str(&s),
                        Field::Title => adv.title.push_str(&s),
                        Field::Severity => adv.severity.push_str(&s),
                        Field::Description => adv.description.push_str(&s),
                        Field::None => {}
                    }
                }
            }
            Event::CData(ref t) => {
                if let (Some(adv), Field::Description) = (cur.as_mut(), field) {
                    adv.description.push_str(&String::from_utf8_lossy(t));
                }
            }
            Event::End(ref e) => {
                let qn = e.name();
                match local(qn.as_ref()) {
                    b"id" | b"title" | b"severity" | b"description" => field = Field::None,
                    b"pkglist" => depth_in_pkglist = false,
                    b"update" => {
                        if let Some(mut adv) = cur.take() {
                            adv.id = adv.id.trim().to_string();
                            adv.title = adv.title.trim().to_string();
                            adv.severity = adv.severity.trim().to_string();
                            out.push(adv);
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
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per-update parser state must not leak between updates: a `<module>` before any
    /// `<collection>` in a later update, an empty `<pkglist/>` and an empty `<update/>`
    /// used to panic (slice start past the end) or swallow the following updates.
    #[test]
    fn state_is_reset_per_update() {
        let xml = r#"<?xml version="1.0"?>
<updates>
  <update type="security"><id>A-1</id>
    <pkglist><collection>
      <package name="a" arch="x86_64" version="1" release="1" epoch="0"/>
      <package name="b" arch="x86_64" version="1" release="1" epoch="0"/>
    </collection><collection>
      <package name="c" arch="x86_64" version="1" release="1" epoch="0"/>
    </collection></pkglist>
  </update>
  <update type="bugfix"><id>A-2</id>
    <pkglist><module name="m" stream="s"/>
      <package name="d" arch="noarch" version="2" release="1"/>
    </pkglist>
  </update>
  <update type="bugfix"><id>A-3</id><pkglist/></update>
  <update type="enhancement"/>
  <update type="bugfix"><id>A-5</id>
    <references><reference type="cve" id="CVE-1" href="h" title="t"/></references>
  </update>
</updates>"#;
        let advs = parse(xml.as_bytes(), "updateinfo.xml").unwrap();
        let ids: Vec<&str> = advs.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["A-1", "A-2", "A-3", "", "A-5"]);
        assert_eq!(advs[0].packages.len(), 3);
        assert!(advs[0].packages.iter().all(|p| !p.modular));
        assert_eq!(advs[1].packages.len(), 1);
        assert!(advs[1].packages[0].modular);
        assert_eq!(advs[1].packages[0].modules, ["m:s"]);
        assert!(advs[2].packages.is_empty());
        assert_eq!(advs[3].kind, "enhancement");
        // The `<id>` of A-5 is outside any pkglist even though A-3's pkglist was empty.
        assert_eq!(advs[4].cves(), ["CVE-1"]);
    }
}
