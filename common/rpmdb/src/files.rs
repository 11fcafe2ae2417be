//! The file list of a package: per-file columns (BASENAMES/DIRNAMES/DIRINDEXES or legacy
//! OLDFILENAMES, sizes, modes, digests, owners, flags, states, caps, ...) read from a header and
//! checked for consistent lengths, and the typed [`FileEntry`] built from them.

use crate::error::Error;
use crate::header::{Header, Numbers};
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
    pub path: String,
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

/// The raw per-file columns of a header, each None when its tag is absent.
pub(crate) struct Columns<'h> {
    pub len: usize,
    names: Names<'h>,
    pub sizes: Option<Numbers<'h>>,
    pub long_sizes: Option<Numbers<'h>>,
    pub states: Option<Numbers<'h>>,
    pub modes: Option<Numbers<'h>>,
    pub rdevs: Option<Numbers<'h>>,
    pub mtimes: Option<Numbers<'h>>,
    pub digests: Option<Vec<&'h [u8]>>,
    pub linktos: Option<Vec<&'h [u8]>>,
    pub flags: Option<Numbers<'h>>,
    pub users: Option<Vec<&'h [u8]>>,
    pub groups: Option<Vec<&'h [u8]>>,
    pub verify_flags: Option<Numbers<'h>>,
    pub devices: Option<Numbers<'h>>,
    pub inodes: Option<Numbers<'h>>,
    pub langs: Option<Vec<&'h [u8]>>,
    pub colors: Option<Numbers<'h>>,
    pub caps: Option<Vec<&'h [u8]>>,
}

enum Names<'h> {
    None,
    Split {
        dirs: Vec<&'h [u8]>,
        indexes: Numbers<'h>,
        bases: Vec<&'h [u8]>,
    },
    Old(Vec<&'h [u8]>),
}

impl<'h> Columns<'h> {
    /// Reads and cross-checks the file columns of a header.
    pub fn new(h: &'h Header) -> Result<Columns<'h>, Error> {
        let strings = |tag| h.string_array(tag).map(|a| a.collect::<Vec<_>>());
        let names = match (
            h.string_array(tags::BASENAMES),
            h.string_array(tags::OLDFILENAMES),
        ) {
            (Some(bases), _) => {
                let bases: Vec<&[u8]> = bases.collect();
                let dirs = strings(tags::DIRNAMES).ok_or(Error::MissingTag {
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
            (None, Some(old)) => Names::Old(old.collect()),
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

    /// Appends the path of file `i` to `out`.
    pub fn push_path(&self, i: usize, out: &mut Vec<u8>) {
        match &self.names {
            Names::None => {}
            Names::Split {
                dirs,
                indexes,
                bases,
            } => {
                let d = indexes.get(i).unwrap_or(0) as usize;
                out.extend_from_slice(dirs.get(d).copied().unwrap_or_default());
                out.extend_from_slice(bases[i]);
            }
            Names::Old(v) => out.extend_from_slice(v[i]),
        }
    }

    fn num(col: &Option<Numbers<'h>>, i: usize) -> Option<u64> {
        col.as_ref().and_then(|n| n.get(i))
    }

    fn text(col: &Option<Vec<&'h [u8]>>, i: usize) -> Option<String> {
        col.as_ref()
            .and_then(|v| v.get(i))
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// The typed entry of file `i`.
    pub fn entry(&self, i: usize, algo: DigestAlgo) -> FileEntry {
        let mut path = Vec::new();
        self.push_path(i, &mut path);
        FileEntry {
            path: String::from_utf8_lossy(&path).into_owned(),
            size: Self::num(&self.long_sizes, i)
                .or_else(|| Self::num(&self.sizes, i))
                .unwrap_or(0),
            mode: Self::num(&self.modes, i).unwrap_or(0) as u16,
            rdev: Self::num(&self.rdevs, i).unwrap_or(0) as u32,
            mtime: Self::num(&self.mtimes, i).unwrap_or(0) as u32,
            digest: Self::text(&self.digests, i).unwrap_or_default(),
            digest_algo: algo,
            linkto: Self::text(&self.linktos, i).unwrap_or_default(),
            flags: Self::num(&self.flags, i).unwrap_or(0) as u32,
            user: Self::text(&self.users, i).unwrap_or_default(),
            group: Self::text(&self.groups, i).unwrap_or_default(),
            verify_flags: Self::num(&self.verify_flags, i).unwrap_or(0) as u32,
            state: Self::num(&self.states, i).map(|s| s as u8),
            caps: Self::text(&self.caps, i),
            color: Self::num(&self.colors, i).unwrap_or(0) as u32,
            inode: Self::num(&self.inodes, i).unwrap_or(0) as u32,
            device: Self::num(&self.devices, i).unwrap_or(0) as u32,
            lang: Self::text(&self.langs, i).unwrap_or_default(),
        }
    }
}

/// The typed file list of a header.
pub fn files(h: &Header) -> Result<Vec<FileEntry>, Error> {
    let c = Columns::new(h)?;
    let algo = DigestAlgo::from_code(h.u32(tags::FILEDIGESTALGO));
    Ok((0..c.len).map(|i| c.entry(i, algo)).collect())
}
