//! The image's os-release(5) file (/etc/os-release, else /usr/lib/os-release), parsed with its
//! shell-like quoting rules.

use std::collections::BTreeMap;

use crate::{Error, Rootfs};

/// Largest os-release file read.
pub const MAX_SIZE: u64 = 1 << 20;

/// Identification of the image's operating system. Named fields are copies of `fields` entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub id: Option<String>,
    pub id_like: Option<String>,
    pub name: Option<String>,
    pub pretty_name: Option<String>,
    pub version: Option<String>,
    pub version_id: Option<String>,
    pub variant_id: Option<String>,
    pub platform_id: Option<String>,
    pub cpe_name: Option<String>,
    /// Every assignment of the file, later ones overriding earlier ones.
    pub fields: BTreeMap<String, String>,
}

/// Loads /etc/os-release, falling back to /usr/lib/os-release when the first does not exist.
/// Neither present: `Ok(None)`. Symlinks (the usual `/etc/os-release -> ../usr/lib/os-release`)
/// resolve inside the image.
pub fn load(root: &Rootfs) -> Result<Option<OsRelease>, Error> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        match root.read(path, MAX_SIZE) {
            Ok(bytes) => return Ok(Some(parse(&String::from_utf8_lossy(&bytes)))),
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

fn valid_key(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Unquotes one value: `'...'` is literal; inside `"..."` a backslash escapes `" \ $ `` ` and is kept
/// before any other character; outside quotes a backslash escapes the next character. Unquoted
/// trailing whitespace is dropped; quoted and unquoted parts concatenate as in the shell.
pub fn unquote(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.trim_start().chars().peekable();
    // Length of `out` up to the last character that was quoted or escaped (never trimmed).
    let mut keep = 0;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
                keep = out.len();
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => out.push(e),
                            Some(e) => {
                                out.push('\\');
                                out.push(e);
                            }
                            None => out.push('\\'),
                        },
                        c => out.push(c),
                    }
                }
                keep = out.len();
            }
            '\\' => {
                if let Some(e) = chars.next() {
                    out.push(e);
                    keep = out.len();
                }
            }
            c => {
                out.push(c);
                if !c.is_whitespace() {
                    keep = out.len();
                }
            }
        }
    }
    out.truncate(keep);
    out
}

/// Parses os-release text. Comment lines (`#`), blank lines and lines that are not `KEY=value`
/// with a valid variable name are ignored.
pub fn parse(text: &str) -> OsRelease {
    let mut fields = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !valid_key(key) {
            continue;
        }
        fields.insert(key.to_string(), unquote(value));
    }
    let get = |k: &str| fields.get(k).cloned();
    OsRelease {
        id: get("ID"),
        id_like: get("ID_LIKE"),
        name: get("NAME"),
        pretty_name: get("PRETTY_NAME"),
        version: get("VERSION"),
        version_id: get("VERSION_ID"),
        variant_id: get("VARIANT_ID"),
        platform_id: get("PLATFORM_ID"),
        cpe_name: get("CPE_NAME"),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_rules() {
        assert_eq!(unquote("fedora"), "fedora");
        assert_eq!(
            unquote("\"Fedora Linux 39 (Container Image)\""),
            "Fedora Linux 39 (Container Image)"
        );
        assert_eq!(unquote("'single $quoted \\n'"), "single $quoted \\n");
        assert_eq!(
            unquote(r#""a \"b\" \$c \\d \`e\` \x""#),
            r#"a "b" $c \d `e` \x"#
        );
        assert_eq!(unquote(r"plain\ escaped"), "plain escaped");
        assert_eq!(unquote("\"con\"'cat'enated"), "concatenated");
        assert_eq!(unquote("trailing   "), "trailing");
        assert_eq!(unquote("\"kept   \""), "kept   ");
        assert_eq!(unquote(""), "");
        assert_eq!(unquote("\"unterminated"), "unterminated");
    }

    #[test]
    fn parses_a_real_layout() {
        // Shape of Fedora/RHEL os-release files: quoted and bare values, a comment, junk.
        let text = "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"8.1 (Ootpa)\"\nID=\"rhel\"\n\
                    ID_LIKE=\"fedora\"\nVERSION_ID=\"8.1\"\nPLATFORM_ID=\"platform:el8\"\n\
                    # comment=1\nnot a line\n1BAD=x\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:8.1:GA\"\n\
                    ID=rhel\n";
        let os = parse(text);
        assert_eq!(os.id.as_deref(), Some("rhel"));
        assert_eq!(os.version_id.as_deref(), Some("8.1"));
        assert_eq!(os.name.as_deref(), Some("Red Hat Enterprise Linux"));
        assert_eq!(os.platform_id.as_deref(), Some("platform:el8"));
        assert_eq!(
            os.cpe_name.as_deref(),
            Some("cpe:/o:redhat:enterprise_linux:8.1:GA")
        );
        assert!(!os.fields.contains_key("1BAD"));
        assert!(!os.fields.contains_key("# comment"));
        assert_eq!(os.fields.len(), 7);
    }
}
