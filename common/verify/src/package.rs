//! Whole-package verification as `rpm -V` runs it (`verifyHeader`): every file checked in
//! parallel, the mtime result dropped for files owned by more than one installed package, and
//! only the lines rpm prints kept.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

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
    dirs: HashMap<String, u64>,
    counts: HashMap<u64, u32>,
}

fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
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

    fn dir_key(&mut self, root: &Rootfs, dir: &str) -> u64 {
        if let Some(k) = self.dirs.get(dir) {
            return *k;
        }
        let canon = root
            .resolve(dir)
            .map(|p| p.as_os_str().as_encoded_bytes().to_vec())
            .unwrap_or_else(|_| dir.trim_end_matches('/').as_bytes().to_vec());
        let k = hash_of(&[&canon]);
        self.dirs.insert(dir.to_string(), k);
        k
    }

    /// Records one owner (one package's file entry) of `path`.
    pub fn add(&mut self, root: &Rootfs, path: &str) {
        let (dir, base) = split(path);
        let dk = self.dir_key(root, dir);
        *self
            .counts
            .entry(hash_of(&[&dk.to_le_bytes(), base.as_bytes()]))
            .or_insert(0) += 1;
    }

    /// How many recorded entries own `path` (0 when it was never added).
    pub fn owners(&self, path: &str) -> u32 {
        let (dir, base) = split(path);
        let Some(dk) = self.dirs.get(dir) else {
            return 0;
        };
        self.counts
            .get(&hash_of(&[&dk.to_le_bytes(), base.as_bytes()]))
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
    /// The exact line rpm prints (without newline).
    pub line: String,
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
            if result.failed & verify::MTIME != 0 && shared.owners(spec.path) > 1 {
                result.failed &= !verify::MTIME;
            }
            format::line(spec, &result).map(|line| Finding {
                index,
                result,
                line,
            })
        })
        .collect()
}
