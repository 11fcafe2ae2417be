//! The file list of a package: per-file columns (BASENAMES/DIRNAMES/DIRINDEXES or legacy
//! OLDFILENAMES, sizes, modes, digests, owners, flags, states, caps, ...) read from a header and
//! checked for consistent lengths, and the typed [`FileEntry`] built from them.

use crate::error::Error;
use crate::header::{Header, Numbers, StringArray};
use crate::tags;

/// Algorithm of the FILEDIGESTS values (FILEDIGESTALGO; absent means MD5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlgo {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Sha224,
    /// A code rpm does not know.
    Unknown(u32),
}

impl DigestAlgo {
    /// From the FILEDIGESTALGO value (OpenPGP hash algorithm numbers); None = absent = MD5.
    pub fn from_code(code: Option<u32>) -> DigestAlgo {
        match code {
            None | Some(1) => DigestAlgo::Md5,
            Some(2) => DigestAlgo::Sha1,
            Some(8) => DigestAlgo::Sha256,
            Some(9) => DigestAlgo::Sha384,
            Some(10) => DigestAlgo::Sha512,
            Some(11) => DigestAlgo::Sha224,
            Some(n) => DigestAlgo::Unknown(n),
        }
    }
}

/// One file of an installed package, as recorded in its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// The path as text (bytes that are not UTF-8 read as U+FFFD; see `path_bytes`).
    pub path: String,
    /// The path's bytes when they are not UTF-8 (old packages), else None.
    pub path_bytes: Option<Vec<u8>>,
    /// LONGFILESIZES, else FILESIZES, else 0.
    pub size: u64,
    /// Full st_mode including the type bits.
    pub mode: u16,
    pub rdev: u32,
    pub mtime: u32,
    /// Hex digest, "" if none (non-regular files).
    pub digest: String,
    pub digest_algo: DigestAlgo,
    /// Symlink target, "" otherwise.
    pub linkto: String,
    /// The symlink target's bytes when they are not UTF-8, else None.
    pub linkto_bytes: Option<Vec<u8>>,
    /// RPMFILE_* bits (`tags::fileflags`).
    pub flags: u32,
    pub user: String,
    pub group: String,
    /// Which verify checks apply; 0 when the tag is absent (as rpm 4.18).
    pub verify_flags: u32,
    /// FILESTATES value (`tags::filestates`); None when the header has no states.
    pub state: Option<u8>,
    /// FILECAPS text; None when the header has no FILECAPS tag ("" = no caps).
    pub caps: Option<String>,
    pub color: u32,
    pub inode: u32,
    pub device: u32,
    pub lang: String,
}

/// The raw per-file columns of a header, each None when its tag is absent. Integer columns
/// are read by index; string columns are walked in file order by [`Columns::strings`] (no
/// per-column vectors: a header lists thousands of files).
pub(crate) struct Columns<'h> {
    pub len: usize,
    names: Names<'h>,
    pub sizes: Option<Numbers<'h>>,
    pub long_sizes: Option<Numbers<'h>>,
    pub states: Option<Numbers<'h>>,
    pub modes: Option<Numbers<'h>>,
    pub rdevs: Option<Numbers<'h>>,
    pub mtimes: Option<Numbers<'h>>,
    digests: Option<StringArray<'h>>,
    linktos: Option<StringArray<'h>>,
    pub flags: Option<Numbers<'h>>,
    users: Option<StringArray<'h>>,
    groups: Option<StringArray<'h>>,
    pub verify_flags: Option<Numbers<'h>>,
    pub devices: Option<Numbers<'h>>,
    pub inodes: Option<Numbers<'h>>,
    langs: Option<StringArray<'h>>,
    pub colors: Option<Numbers<'h>>,
    caps: Option<StringArray<'h>>,
}

enum Names<'h> {
    None,
    Split {
        dirs: Vec<&'h [u8]>,
        indexes: Numbers<'h>,
        bases: StringArray<'h>,
    },
    Old(StringArray<'h>),
}

/// The string columns of one file (`dir` + `base` is its path; `dir` is empty for a legacy
/// OLDFILENAMES path, which is whole in `base`).
pub(crate) struct FileStrings<'h> {
    pub dir: &'h [u8],
    pub base: &'h [u8],
    pub digest: Option<&'h [u8]>,
    pub linkto: Option<&'h [u8]>,
    pub user: Option<&'h [u8]>,
    pub group: Option<&'h [u8]>,
    pub lang: Option<&'h [u8]>,
    pub caps: Option<&'h [u8]>,
}

impl<'h> Columns<'h> {
    /// Reads and cross-checks the file columns of a header.
    pub fn new(h: &'h Header) -> Result<Columns<'h>, Error> {
        let strings = |tag| h.string_array(tag);
        let names = match (
            h.string_array(tags::BASENAMES),
            h.string_array(tags::OLDFILENAMES),
        ) {
            (Some(bases), _) => {
                let dirs: Vec<&[u8]> =
                    strings(tags::DIRNAMES)
                        .map(Iterator::collect)
                        .ok_or(Error::MissingTag {
                            tag: tags::DIRNAMES,
                            name: "DIRNAMES",
                        })?;
                let indexes = h.numbers(tags::DIRINDEXES).ok_or(Error::MissingTag {
                    tag: tags::DIRINDEXES,
                    name: "DIRINDEXES",
                })?;
                if indexes.len() != bases.len() {
                    return Err(Error::BadTag {
                        tag: tags::DIRINDEXES,
                        what: format!(
                            "{} dir indexes for {} basenames",
                            indexes.len(),
                            bases.len()
                        ),
                    });
                }
                if let Some(bad) = indexes.iter().find(|&i| i as usize >= dirs.len()) {
                    return Err(Error::BadTag {
                        tag: tags::DIRINDEXES,
                        what: format!("dir index {bad} beyond {} dirnames", dirs.len()),
                    });
                }
                Names::Split {
                    dirs,
                    indexes,
                    bases,
                }
            }
            (None, Some(old)) => Names::Old(old),
            (None, None) => Names::None,
        };
        let len = match &names {
            Names::None => 0,
            Names::Split { bases, .. } => bases.len(),
            Names::Old(v) => v.len(),
        };
        let c = Columns {
            len,
            names,
            sizes: h.numbers(tags::FILESIZES),
            long_sizes: h.numbers(tags::LONGFILESIZES),
            states: h.numbers(tags::FILESTATES),
            modes: h.numbers(tags::FILEMODES),
            rdevs: h.numbers(tags::FILERDEVS),
            mtimes: h.numbers(tags::FILEMTIMES),
            digests: strings(tags::FILEDIGESTS),
            linktos: strings(tags::FILELINKTOS),
            flags: h.numbers(tags::FILEFLAGS),
            users: strings(tags::FILEUSERNAME),
            groups: strings(tags::FILEGROUPNAME),
            verify_flags: h.numbers(tags::FILEVERIFYFLAGS),
            devices: h.numbers(tags::FILEDEVICES),
            inodes: h.numbers(tags::FILEINODES),
            langs: strings(tags::FILELANGS),
            colors: h.numbers(tags::FILECOLORS),
            caps: strings(tags::FILECAPS),
        };
        if len > 0 {
            c.check_lengths()?;
        }
        Ok(c)
    }

    fn check_lengths(&self) -> Result<(), Error> {
        let nums = [
            (tags::FILESIZES, &self.sizes),
            (tags::LONGFILESIZES, &self.long_sizes),
            (tags::FILESTATES, &self.states),
            (tags::FILEMODES, &self.modes),
            (tags::FILERDEVS, &self.rdevs),
            (tags::FILEMTIMES, &self.mtimes),
            (tags::FILEFLAGS, &self.flags),
            (tags::FILEVERIFYFLAGS, &self.verify_flags),
            (tags::FILEDEVICES, &self.devices),
            (tags::FILEINODES, &self.inodes),
            (tags::FILECOLORS, &self.colors),
        ];
        let strs = [
            (tags::FILEDIGESTS, &self.digests),
            (tags::FILELINKTOS, &self.linktos),
            (tags::FILEUSERNAME, &self.users),
            (tags::FILEGROUPNAME, &self.groups),
            (tags::FILELANGS, &self.langs),
            (tags::FILECAPS, &self.caps),
        ];
        let lens = nums
            .iter()
            .map(|(t, n)| (*t, n.map(|n| n.len())))
            .chain(strs.iter().map(|(t, s)| (*t, s.as_ref().map(|s| s.len()))));
        for (tag, n) in lens {
            if let Some(n) = n {
                if n != self.len {
                    return Err(Error::BadTag {
                        tag,
                        what: format!("{n} values for {} files", self.len),
                    });
                }
            }
        }
        Ok(())
    }

    /// The string columns of every file, in file order.
    pub fn strings(&self) -> impl Iterator<Item = FileStrings<'h>> + '_ {
        let mut bases = match &self.names {
            Names::None => None,
            Names::Split { bases, .. } => Some(bases.clone()),
            Names::Old(paths) => Some(paths.clone()),
        };
        let mut cols = [
            self.digests.clone(),
            self.linktos.clone(),
            self.users.clone(),
            self.groups.clone(),
            self.langs.clone(),
            self.caps.clone(),
        ];
        (0..self.len).map(move |i| {
            let dir = match &self.names {
                Names::Split { dirs, indexes, .. } => {
                    let d = indexes.get(i).unwrap_or(0) as usize;
                    dirs.get(d).copied().unwrap_or_default()
                }
                _ => &[],
            };
            let base = bases.as_mut().and_then(Iterator::next).unwrap_or_default();
            let [digest, linkto, user, group, lang, caps] =
                cols.each_mut().map(|c| c.as_mut().and_then(Iterator::next));
            FileStrings {
                dir,
                base,
                digest,
                linkto,
                user,
                group,
                lang,
                caps,
            }
        })
    }

    fn num(col: &Option<Numbers<'h>>, i: usize) -> Option<u64> {
        col.as_ref().and_then(|n| n.get(i))
    }

    /// The typed entries of every file.
    pub fn entries(&self, algo: DigestAlgo) -> Vec<FileEntry> {
        let text = |s: Option<&[u8]>| s.map(|s| String::from_utf8_lossy(s).into_owned());
        self.strings()
            .enumerate()
            .map(|(i, s)| {
                let mut path = Vec::with_capacity(s.dir.len() + s.base.len());
                path.extend_from_slice(s.dir);
                path.extend_from_slice(s.base);
                // The text, and the exact bytes only when they are not UTF-8 (validated once).
                let (path, path_bytes) = match String::from_utf8(path) {
                    Ok(text) => (text, None),
                    Err(e) => {
                        let bytes = e.into_bytes();
                        (String::from_utf8_lossy(&bytes).into_owned(), Some(bytes))
                    }
                };
                let linkto_bytes = s
                    .linkto
                    .filter(|b| std::str::from_utf8(b).is_err())
                    .map(<[u8]>::to_vec);
                FileEntry {
                    path,
                    path_bytes,
                    linkto_bytes,
                    size: Self::num(&self.long_sizes, i)
                        .or_else(|| Self::num(&self.sizes, i))
                        .unwrap_or(0),
                    mode: Self::num(&self.modes, i).unwrap_or(0) as u16,
                    rdev: Self::num(&self.rdevs, i).unwrap_or(0) as u32,
                    mtime: Self::num(&self.mtimes, i).unwrap_or(0) as u32,
                    digest: text(s.digest).unwrap_or_default(),
                    digest_algo: algo,
                    linkto: text(s.linkto).unwrap_or_default(),
                    flags: Self::num(&self.flags, i).unwrap_or(0) as u32,
                    user: text(s.user).unwrap_or_default(),
                    group: text(s.group).unwrap_or_default(),
                    verify_flags: Self::num(&self.verify_flags, i).unwrap_or(0) as u32,
                    state: Self::num(&self.states, i).map(|s| s as u8),
                    caps: text(s.caps),
                    color: Self::num(&self.colors, i).unwrap_or(0) as u32,
                    inode: Self::num(&self.inodes, i).unwrap_or(0) as u32,
                    device: Self::num(&self.devices, i).unwrap_or(0) as u32,
                    lang: text(s.lang).unwrap_or_default(),
                }
            })
            .collect()
    }
}

impl FileEntry {
    /// The path's exact bytes.
    pub fn path_raw(&self) -> &[u8] {
        self.path_bytes.as_deref().unwrap_or(self.path.as_bytes())
    }

    /// The symlink target's exact bytes ("" unless a symlink).
    pub fn linkto_raw(&self) -> &[u8] {
        self.linkto_bytes
            .as_deref()
            .unwrap_or(self.linkto.as_bytes())
    }
}

/// The typed file list of a header.
pub fn files(h: &Header) -> Result<Vec<FileEntry>, Error> {
    let c = Columns::new(h)?;
    let algo = DigestAlgo::from_code(h.u32(tags::FILEDIGESTALGO));
    Ok(c.entries(algo))
}
