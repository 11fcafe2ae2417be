//! Whole-package verification as `rpm -V` runs it (`verifyHeader`): every file checked in
//! parallel, the mtime result dropped for files owned by more than one installed package, and
//! only the lines rpm prints kept.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::hash::{Hash, Hasher};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use rayon::prelude::*;
use rootfs::Rootfs;

use crate::attrs::verify;
use crate::file::{FileResult, FileSpec, Verifier};
use crate::format;

/// How many installed packages own each path (rpm's Basenames index lookup, which matches
/// paths through their directories' real locations, e.g. `/lib/x` and `/usr/lib/x` when
/// `/lib` links to `usr/lib`). Keeps one 64-bit key per path.
#[derive(Debug, Default)]
pub struct SharedPaths {
    dirs: HashMap<Vec<u8>, u64>,
    counts: HashMap<u64, u32>,
}

fn split(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|b| *b == b'/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => (&[], path),
    }
}

fn hash_of(parts: &[&[u8]]) -> u64 {
    let mut h = DefaultHasher::new();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

impl SharedPaths {
    /// An empty map (every path then counts as owned once).
    pub fn new() -> SharedPaths {
        SharedPaths::default()
    }

    fn dir_key(&mut self, root: &Rootfs, dir: &[u8]) -> u64 {
        if let Some(k) = self.dirs.get(dir) {
            return *k;
        }
        let canon = root
            .resolve(Path::new(OsStr::from_bytes(dir)))
            .map(|p| p.into_os_string().into_vec())
            .unwrap_or_else(|_| {
                let end = dir.iter().rposition(|b| *b != b'/').map_or(0, |i| i + 1);
                dir[..end].to_vec()
            });
        let k = hash_of(&[&canon]);
        self.dirs.insert(dir.to_vec(), k);
        k
    }

    /// Records one owner (one package's file entry) of `path` (its exact bytes).
    pub fn add(&mut self, root: &Rootfs, path: &[u8]) {
        let (dir, base) = split(path);
        let dk = self.dir_key(root, dir);
        *self
            .counts
            .entry(hash_of(&[&dk.to_le_bytes(), base]))
            .or_insert(0) += 1;
    }

    /// How many recorded entries own `path` (0 when it was never added).
    pub fn owners(&self, path: &[u8]) -> u32 {
        let (dir, base) = split(path);
        let Some(dk) = self.dirs.get(dir) else {
            return 0;
        };
        self.counts
            .get(&hash_of(&[&dk.to_le_bytes(), base]))
            .copied()
            .unwrap_or(0)
    }
}

/// One line of `rpm -V` output for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the file in the list given to [`verify_files`].
    pub index: usize,
    /// The check outcome, after the shared-file mtime filter.
    pub result: FileResult,
    /// The exact bytes of the line rpm prints (without newline).
    pub line_bytes: Vec<u8>,
}

/// Verifies a package's files in parallel and returns, in file order, the lines `rpm -V`
/// would print. `shared` supplies the owner counts for the mtime filter.
pub fn verify_files(
    verifier: &Verifier<'_>,
    files: &[FileSpec<'_>],
    shared: &SharedPaths,
) -> Vec<Finding> {
    files
        .par_iter()
        .enumerate()
        .with_min_len(8)
        .filter_map(|(index, spec)| {
            let mut result = verifier.verify_file(spec);
            if result.failed & verify::MTIME != 0 && shared.owners(spec.path_bytes) > 1 {
                result.failed &= !verify::MTIME;
            }
            format::line_bytes(spec, &result).map(|line_bytes| Finding {
                index,
                result,
                line_bytes,
            })
        })
        .collect()
}
