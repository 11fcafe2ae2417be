//! SHA-1 and SHA-256 of the same byte stream in one pass.
//!
//! rpm checks every database header against both its SHA1HEADER and its SHA256HEADER: two
//! digests of the same bytes, some 25 MB per database. On x86-64 CPUs with the SHA extensions
//! each digest alone is bound by the latency of its round instruction (`sha1rnds4`,
//! `sha256rnds2`), not by throughput. Here one compression function takes each 64-byte block
//! through both algorithms with their two (independent) round chains interleaved instruction
//! by instruction, so the time per block approaches the longer chain instead of the sum of
//! both; the block is also loaded once for both. On Zen 4 that is ~143 cycles a block, against
//! ~250 for one digest after the other and ~180 for the two fed block by block in turn
//! (`examples/bench.rs`).
//!
//! Elsewhere (other CPUs, other architectures) the block functions of the `sha1` and `sha2`
//! crates do the work, one block of each in turn. The padding is the same for both digests (a
//! 0x80 byte, zeros, the bit length as a big-endian u64), so it is done once.
//!
//! ```
//! let (sha1, sha256) = twin_digest::sha1_and_sha256(&[b"a", b"", b"bc"]);
//! assert_eq!(sha1[..4], [0xa9, 0x99, 0x3e, 0x36]);
//! assert_eq!(sha256[..4], [0xba, 0x78, 0x16, 0xbf]);
//! ```

#[cfg(target_arch = "x86_64")]
mod ni;

use sha2::digest::generic_array::GenericArray;

/// Both digests, SHA-1 then SHA-256, of the concatenation of `pieces` (the stream may be cut
/// anywhere, empty pieces included).
pub fn sha1_and_sha256(pieces: &[&[u8]]) -> ([u8; 20], [u8; 32]) {
    let mut h = TwinHasher::new();
    for piece in pieces {
        h.update(piece);
    }
    h.finalize()
}

/// How blocks are compressed: chosen once per hasher.
#[derive(Clone, Copy, Debug)]
enum Backend {
    #[cfg(target_arch = "x86_64")]
    ShaNi(ni::ShaNi),
    Portable,
}

impl Backend {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(ni) = ni::ShaNi::detect() {
            return Backend::ShaNi(ni);
        }
        Backend::Portable
    }

    /// Runs the whole 64-byte blocks of `blocks` (`blocks.len() % 64 == 0`) through both states.
    #[inline]
    fn compress(self, h1: &mut [u32; 5], h256: &mut [u32; 8], blocks: &[u8]) {
        debug_assert!(blocks.len().is_multiple_of(64));
        match self {
            #[cfg(target_arch = "x86_64")]
            Backend::ShaNi(ni) => ni.compress(h1, h256, blocks),
            Backend::Portable => {
                for block in blocks.chunks_exact(64) {
                    let block = core::slice::from_ref(GenericArray::from_slice(block));
                    sha2::compress256(h256, block);
                    sha1::compress(h1, block);
                }
            }
        }
    }
}

/// Streaming SHA-1 and SHA-256 of one byte stream: [`update`](Self::update) with the pieces in
/// order, then [`finalize`](Self::finalize).
#[derive(Clone, Debug)]
pub struct TwinHasher {
    h1: [u32; 5],
    h256: [u32; 8],
    /// The stream's bytes past its last whole block (`buf[..buf_len]`).
    buf: [u8; 64],
    buf_len: usize,
    /// Bytes hashed so far, modulo 2^64 (the padding holds the length in bits, modulo 2^64).
    len: u64,
    backend: Backend,
}

impl Default for TwinHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl TwinHasher {
    /// A hasher of the empty stream, using the fastest way this CPU has.
    pub fn new() -> Self {
        Self::with_backend(Backend::detect())
    }

    fn with_backend(backend: Backend) -> Self {
        TwinHasher {
            h1: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0],
            h256: [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                0x5be0cd19,
            ],
            buf: [0; 64],
            buf_len: 0,
            len: 0,
            backend,
        }
    }

    /// Appends `data` to the stream.
    pub fn update(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            let take = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            self.backend
                .compress(&mut self.h1, &mut self.h256, &self.buf);
            self.buf_len = 0;
        }
        let whole = data.len() - data.len() % 64;
        let (blocks, rest) = data.split_at(whole);
        if !blocks.is_empty() {
            self.backend.compress(&mut self.h1, &mut self.h256, blocks);
        }
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    /// The SHA-1 and the SHA-256 of the stream.
    pub fn finalize(mut self) -> ([u8; 20], [u8; 32]) {
        // The rest of the stream, 0x80, zeros, and the length in bits: one block, or two when
        // fewer than 9 bytes are left in the first.
        let mut tail = [0u8; 128];
        let n = self.buf_len;
        tail[..n].copy_from_slice(&self.buf[..n]);
        tail[n] = 0x80;
        let end = if n < 56 { 64 } else { 128 };
        tail[end - 8..end].copy_from_slice(&self.len.wrapping_mul(8).to_be_bytes());
        self.backend
            .compress(&mut self.h1, &mut self.h256, &tail[..end]);

        let mut sha1 = [0u8; 20];
        for (out, h) in sha1.chunks_exact_mut(4).zip(self.h1) {
            out.copy_from_slice(&h.to_be_bytes());
        }
        let mut sha256 = [0u8; 32];
        for (out, h) in sha256.chunks_exact_mut(4).zip(self.h256) {
            out.copy_from_slice(&h.to_be_bytes());
        }
        (sha1, sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest as _, Sha1};
    use sha2::Sha256;
    use testkit::Rng;

    /// Every backend this CPU can run, the portable one first.
    fn backends() -> Vec<Backend> {
        #[allow(unused_mut)]
        let mut all = vec![Backend::Portable];
        #[cfg(target_arch = "x86_64")]
        if let Some(ni) = ni::ShaNi::detect() {
            if ni.has_avx() {
                all.push(Backend::ShaNi(ni));
            }
            all.push(Backend::ShaNi(ni.without_avx()));
        }
        all
    }

    fn expected(data: &[u8]) -> ([u8; 20], [u8; 32]) {
        (Sha1::digest(data).into(), Sha256::digest(data).into())
    }

    fn digest_with(backend: Backend, pieces: &[&[u8]]) -> ([u8; 20], [u8; 32]) {
        let mut h = TwinHasher::with_backend(backend);
        for piece in pieces {
            h.update(piece);
        }
        h.finalize()
    }

    /// `data` cut at random points, with some empty pieces.
    fn random_cuts<'a>(rng: &mut Rng, data: &'a [u8]) -> Vec<&'a [u8]> {
        let mut pieces = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let n = match rng.below(4) {
                0 => 0,
                1 => rng.below(130),
                2 => rng.below(4096),
                _ => rng.below(rest.len() + 1),
            }
            .min(rest.len());
            pieces.push(&rest[..n]);
            rest = &rest[n..];
        }
        pieces.push(rest);
        pieces
    }

    #[test]
    fn detection_picks_the_sha_extensions_when_the_cpu_has_them() {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("sha") && is_x86_feature_detected!("sse4.1") {
            assert!(matches!(Backend::detect(), Backend::ShaNi(_)));
            return;
        }
        assert!(matches!(Backend::detect(), Backend::Portable));
    }

    /// The forced portable path, on its own: it is what other CPUs run.
    #[test]
    fn portable_backend_matches_the_sha_crates() {
        let mut rng = Rng::new(1);
        let data = rng.bytes(70_000);
        for len in (0..=300).chain([4095, 4096, 4097, 65_536, 70_000]) {
            let want = expected(&data[..len]);
            assert_eq!(
                digest_with(Backend::Portable, &[&data[..len]]),
                want,
                "{len}"
            );
            let pieces = random_cuts(&mut rng, &data[..len]);
            assert_eq!(digest_with(Backend::Portable, &pieces), want, "{len}");
        }
    }

    #[test]
    fn every_backend_matches_the_sha_crates_for_every_length_to_1100() {
        let data = Rng::new(2).bytes(1100);
        for backend in backends() {
            for len in 0..=data.len() {
                let want = expected(&data[..len]);
                let got = digest_with(backend, &[&data[..len]]);
                assert_eq!(got, want, "{backend:?} len {len}");
                // Byte by byte: every block goes through the buffer.
                let bytes: Vec<&[u8]> = data[..len].chunks(1).collect();
                assert_eq!(digest_with(backend, &bytes), want, "{backend:?} len {len}");
            }
        }
    }

    #[test]
    fn every_backend_matches_on_random_cuts_of_megabytes() {
        let mut rng = Rng::new(3);
        let data = rng.bytes(3 << 20);
        for backend in backends() {
            for len in [data.len(), data.len() - 1, (1 << 20) + 55, (2 << 20) + 119] {
                let want = expected(&data[..len]);
                for _ in 0..3 {
                    let pieces = random_cuts(&mut rng, &data[..len]);
                    assert_eq!(digest_with(backend, &pieces), want, "{backend:?} len {len}");
                }
            }
        }
    }
}
