//! Streaming file digests in every algorithm FILEDIGESTALGO can name (MD5, SHA-1, SHA-224,
//! SHA-256, SHA-384, SHA-512), read through a fixed-size buffer so memory stays flat whatever
//! the file size.

use std::io::Read;

use sha2::Digest as _;

use crate::attrs::algo;

/// Read buffer size for hashing.
const BUF_SIZE: usize = 128 * 1024;

/// One running hash.
enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha224(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha224(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// The algorithm rpm actually uses for a FILEDIGESTALGO value: unknown values (and an absent
/// tag, passed as 0) fall back to MD5, as `rpmfilesPopulate` does.
pub fn effective_algo(raw: u32) -> u32 {
    match raw {
        algo::MD5 | algo::SHA1 | algo::SHA224 | algo::SHA256 | algo::SHA384 | algo::SHA512 => raw,
        _ => algo::MD5,
    }
}

/// Digest length in bytes of an (effective) algorithm.
pub fn digest_len(algo_id: u32) -> usize {
    match effective_algo(algo_id) {
        algo::SHA1 => 20,
        algo::SHA224 => 28,
        algo::SHA256 => 32,
        algo::SHA384 => 48,
        algo::SHA512 => 64,
        _ => 16,
    }
}

fn hasher(algo_id: u32) -> Hasher {
    match effective_algo(algo_id) {
        algo::SHA1 => Hasher::Sha1(sha1::Sha1::new()),
        algo::SHA224 => Hasher::Sha224(sha2::Sha224::new()),
        algo::SHA256 => Hasher::Sha256(sha2::Sha256::new()),
        algo::SHA384 => Hasher::Sha384(sha2::Sha384::new()),
        algo::SHA512 => Hasher::Sha512(sha2::Sha512::new()),
        _ => Hasher::Md5(md5::Md5::new()),
    }
}

/// Hashes everything `reader` yields with the given rpm algorithm, streaming.
pub fn digest_reader(algo_id: u32, mut reader: impl Read) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut h = hasher(algo_id);
    BUF.with(|cell| {
        let mut buf = cell.borrow_mut();
        if buf.len() < BUF_SIZE {
            buf.resize(BUF_SIZE, 0);
        }
        loop {
            match reader.read(&mut buf[..]) {
                Ok(0) => break,
                Ok(n) => h.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })?;
    Ok(h.finish())
}

/// Hashes a whole regular file, streaming through a buffer to end of file (whatever the
/// caller's stat said). Never mapped: a file truncated by someone else while it is hashed (a live
/// `--rootfs` tree) would raise SIGBUS in a mapping and kill every target of the run; a read
/// just ends early.
pub fn digest_file(algo_id: u32, file: &std::fs::File, _size: u64) -> std::io::Result<Vec<u8>> {
    digest_reader(algo_id, file)
}

/// The expected digest as rpm holds it in memory: the hex string decoded, all zeros for an
/// empty string, `None` when the string is not a digest of this algorithm's length (rpm then
/// has no digests for the package and reports every checked file as changed).
pub fn expected_digest(algo_id: u32, hex_digest: &str) -> Option<Vec<u8>> {
    let len = digest_len(algo_id);
    if hex_digest.is_empty() {
        return Some(vec![0; len]);
    }
    if hex_digest.len() != len * 2 {
        return None;
    }
    hex::decode(hex_digest).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_for_abc() {
        // Standard test vectors for the message "abc" (FIPS 180 / RFC 1321 appendices).
        let cases = [
            (algo::MD5, "900150983cd24fb0d6963f7d28e17f72"),
            (algo::SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                algo::SHA224,
                "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
            ),
            (
                algo::SHA256,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
        ];
        for (a, want) in cases {
            let got = digest_reader(a, &b"abc"[..]).unwrap();
            assert_eq!(hex::encode(got), want, "algo {a}");
        }
        assert_eq!(digest_reader(algo::SHA384, &b"abc"[..]).unwrap().len(), 48);
        assert_eq!(digest_reader(algo::SHA512, &b"abc"[..]).unwrap().len(), 64);
        // Unknown algorithm numbers fall back to MD5 like rpm.
        assert_eq!(
            hex::encode(digest_reader(77, &b"abc"[..]).unwrap()),
            "900150983cd24fb0d6963f7d28e17f72"
        );
    }

    #[test]
    fn a_file_over_many_buffers_hashes_like_its_bytes() {
        use std::io::{Seek, Write};
        let mut f = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..(3 << 20) + 17).map(|i| (i * 7) as u8).collect();
        f.write_all(&data).unwrap();
        for a in [algo::MD5, algo::SHA1, algo::SHA256, algo::SHA512] {
            f.rewind().unwrap();
            let streamed = digest_file(a, &f, data.len() as u64).unwrap();
            assert_eq!(streamed, digest_reader(a, &data[..]).unwrap());
        }
    }

    #[test]
    fn expected_digest_forms() {
        assert_eq!(expected_digest(algo::MD5, ""), Some(vec![0; 16]));
        assert_eq!(expected_digest(algo::SHA256, "abcd"), None);
        assert_eq!(
            expected_digest(algo::MD5, "900150983cd24fb0d6963f7d28e17f72")
                .unwrap()
                .len(),
            16
        );
    }
}
