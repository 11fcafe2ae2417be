//! rpm-md repository metadata: repomd.xml, primary.xml and updateinfo.xml parsers, and the
//! decompression of metadata files by their extension.

pub mod decompress;
pub mod primary;
pub mod repomd;
pub mod updateinfo;

/// A metadata file could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("{file}: malformed XML: {message}")]
    Xml { file: String, message: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: read error: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// The local name of an XML element or attribute (namespace prefix dropped).
pub(crate) fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Attributes of a start tag as (local name, unescaped value) pairs.
pub(crate) fn attrs(
    e: &quick_xml::events::BytesStart,
    file: &str,
) -> Result<Vec<(Vec<u8>, String)>, MetadataError> {
    let mut out = Vec::new();
    for a in xml_attrs::attributes(e) {
        let a = a.map_err(|err| MetadataError::Xml {
            file: file.to_string(),
            message: err.to_string(),
        })?;
        let v = a
            .unescape_value()
            .map_err(|err| MetadataError::Xml {
                file: file.to_string(),
                message: err.to_string(),
            })?
            .into_owned();
        out.push((local(a.key.as_ref()).to_vec(), v));
    }
    Ok(out)
}

pub(crate) fn attr<'a>(attrs: &'a [(Vec<u8>, String)], key: &[u8]) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k.as_slice() == key)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn xml_err(file: &str, err: impl std::fmt::Display) -> MetadataError {
    MetadataError::Xml {
        file: file.to_string(),
        message: err.to_string(),
    }
}
