//! The x86-64 SHA extensions path: each 64-byte block goes through SHA-1 and SHA-256 in one
//! function body, the two round chains (`sha1rnds4`, `sha256rnds2`) interleaved so that one
//! runs while the other waits on its latency.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_extract_epi32, _mm_loadu_si128, _mm_set_epi32,
    _mm_set_epi8, _mm_sha1msg1_epu32, _mm_sha1msg2_epu32, _mm_sha1nexte_epu32, _mm_sha1rnds4_epu32,
    _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32,
    _mm_shuffle_epi8, _mm_xor_si128,
};

/// Proof that the CPU has the features the compression functions here are compiled for: only
/// [`ShaNi::detect`] makes one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShaNi {
    /// The CPU has AVX too: the same code with VEX (three-operand) encodings, which saves the
    /// register copies that the two-operand forms need (some 10% faster on Zen 4).
    avx: bool,
}

impl ShaNi {
    /// `Some` when this CPU runs the SHA extensions path (std caches the detection).
    pub(crate) fn detect() -> Option<Self> {
        let ok = is_x86_feature_detected!("sha")
            && is_x86_feature_detected!("sse2")
            && is_x86_feature_detected!("ssse3")
            && is_x86_feature_detected!("sse4.1");
        ok.then(|| ShaNi {
            avx: is_x86_feature_detected!("avx"),
        })
    }

    /// The same CPU's SSE-only path (its features are a subset of those `self` proves).
    #[cfg(test)]
    pub(crate) fn without_avx(self) -> Self {
        ShaNi { avx: false }
    }

    /// Whether the AVX-encoded copy runs.
    #[cfg(test)]
    pub(crate) fn has_avx(self) -> bool {
        self.avx
    }

    /// Runs every 64-byte block of `blocks` (a whole number of blocks) through both states.
    #[inline]
    pub(crate) fn compress(self, h1: &mut [u32; 5], h256: &mut [u32; 8], blocks: &[u8]) {
        if self.avx {
            // SAFETY: `detect` found every feature `compress_avx` enables on this CPU (`avx`
            // only when `self.avx`), and a `ShaNi` comes only from `detect`.
            unsafe { compress_avx(h1, h256, blocks) }
        } else {
            // SAFETY: as above, for the features of `compress_sse`.
            unsafe { compress_sse(h1, h256, blocks) }
        }
    }
}

/// [`compress_both`] compiled with AVX encodings.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1,avx")]
fn compress_avx(h1: &mut [u32; 5], h256: &mut [u32; 8], blocks: &[u8]) {
    compress_both::<true>(h1, h256, blocks);
}

/// [`compress_both`] for CPUs without AVX.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress_sse(h1: &mut [u32; 5], h256: &mut [u32; 8], blocks: &[u8]) {
    compress_both::<false>(h1, h256, blocks);
}

/// SHA-256 round constants.
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// `[x0, x1, x2, x3]` as a vector with `x0` in lane 3 (the SHA instructions' word order).
#[inline]
#[target_feature(enable = "sse2")]
fn lanes(x0: u32, x1: u32, x2: u32, x3: u32) -> __m128i {
    _mm_set_epi32(x0 as i32, x1 as i32, x2 as i32, x3 as i32)
}

/// `K[4g..4g + 4]`, the round constants of rounds `4g..4g + 4`, lane 0 first.
#[inline]
#[target_feature(enable = "sse2")]
fn k4(g: usize) -> __m128i {
    lanes(K[4 * g + 3], K[4 * g + 2], K[4 * g + 1], K[4 * g])
}

/// The block's four 16-byte quarters, as they lie in memory.
#[inline]
#[target_feature(enable = "sse2")]
fn load(block: &[u8; 64]) -> [__m128i; 4] {
    let (q0, q1, q2, q3) = (&block[..16], &block[16..32], &block[32..48], &block[48..]);
    // SAFETY: each `q` is a 16-byte slice, and an unaligned 16-byte load reads exactly that.
    unsafe {
        [
            _mm_loadu_si128(q0.as_ptr().cast()),
            _mm_loadu_si128(q1.as_ptr().cast()),
            _mm_loadu_si128(q2.as_ptr().cast()),
            _mm_loadu_si128(q3.as_ptr().cast()),
        ]
    }
}

/// SHA-1 message words `W[t..t+4]` (first word in lane 3) from `W[t-16..]`, `W[t-12..]`,
/// `W[t-8..]`, `W[t-4..]`.
#[inline]
#[target_feature(enable = "sha,sse2")]
fn sha1_schedule(w16: __m128i, w12: __m128i, w8: __m128i, w4: __m128i) -> __m128i {
    _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w16, w12), w8), w4)
}

/// SHA-256 message words `W[t..t+4]` (first word in lane 0) from `W[t-16..]`, `W[t-12..]`,
/// `W[t-8..]`, `W[t-4..]`.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3")]
fn sha256_schedule(w16: __m128i, w12: __m128i, w8: __m128i, w4: __m128i) -> __m128i {
    // W[t-7..t-3]: the top three words of `w8` and the first of `w4`.
    let w7 = _mm_alignr_epi8::<4>(w4, w8);
    _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w16, w12), w7), w4)
}

/// Compresses each 64-byte block of `blocks` into the SHA-1 state `h1` and the SHA-256 state
/// `h256`. `blocks.len()` is a multiple of 64 (a trailing partial block would be ignored).
///
/// `AVX` only makes two copies, one per caller ([`compress_avx`], [`compress_sse`]), so that
/// each is inlined into its caller and compiled with that caller's features. (Not inlined, it
/// would still be right, with SSE encodings only.)
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress_both<const AVX: bool>(h1: &mut [u32; 5], h256: &mut [u32; 8], blocks: &[u8]) {
    debug_assert!(blocks.len().is_multiple_of(64));
    // Byte order: SHA-1 wants the block's first word in lane 3 (the whole quarter reversed),
    // SHA-256 its first word in lane 0 (each word byte-swapped in place).
    let swap1 = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let swap256 = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);

    // SHA-1: A, B, C, D in lanes 3..0 of `abcd`; E in lane 3 of `e` (its other lanes zero).
    let mut abcd = lanes(h1[0], h1[1], h1[2], h1[3]);
    let mut e = lanes(h1[4], 0, 0, 0);
    // SHA-256: the layout `sha256rnds2` works on, A, B, E, F and C, D, G, H in lanes 3..0.
    let mut abef = lanes(h256[0], h256[1], h256[4], h256[5]);
    let mut cdgh = lanes(h256[2], h256[3], h256[6], h256[7]);

    for block in blocks.chunks_exact(64) {
        let block: &[u8; 64] = block.try_into().expect("chunks_exact(64)");
        let q = load(block);
        let mut w1 = q.map(|x| _mm_shuffle_epi8(x, swap1));
        let mut w256 = q.map(|x| _mm_shuffle_epi8(x, swap256));
        let (abcd0, e0, abef0, cdgh0) = (abcd, e, abef, cdgh);
        // SHA-1's A..D from before the previous four rounds: its A, rotated, is E now.
        let mut before = abcd;

        // SHA-1 rounds 4g..4g+4. Four rounds move A to E (rotated by 30), so `sha1nexte` of
        // the state four rounds back gives E plus the first message word.
        macro_rules! sha1_rounds {
            ($g:literal) => {{
                let ew = if $g == 0 {
                    _mm_add_epi32(e, w1[0])
                } else {
                    _mm_sha1nexte_epu32(before, w1[$g % 4])
                };
                if $g < 16 {
                    // W[4g+16..], computed four steps ahead, in the place of W[4g..].
                    w1[$g % 4] = sha1_schedule(
                        w1[$g % 4],
                        w1[($g + 1) % 4],
                        w1[($g + 2) % 4],
                        w1[($g + 3) % 4],
                    );
                }
                before = abcd;
                abcd = _mm_sha1rnds4_epu32::<{ $g / 5 }>(abcd, ew);
            }};
        }
        // SHA-256 rounds 4g..4g+4: two `sha256rnds2`, each of which leaves the old A, B, E, F
        // as the new C, D, G, H; so the two registers swap roles and swap back.
        macro_rules! sha256_rounds {
            ($g:literal) => {{
                let wk = _mm_add_epi32(w256[$g % 4], k4($g));
                if $g < 12 {
                    w256[$g % 4] = sha256_schedule(
                        w256[$g % 4],
                        w256[($g + 1) % 4],
                        w256[($g + 2) % 4],
                        w256[($g + 3) % 4],
                    );
                }
                cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
                abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32::<0x0e>(wk));
            }};
        }

        // 20 SHA-1 steps and 16 SHA-256 steps, dealt out in proportion to the length of
        // their chains (a `sha1rnds4` takes 6 cycles, a `sha256rnds2` 4 on Zen 4). The two
        // share one execution unit (`sha1rnds4` holds it 2 cycles, `sha256rnds2` 1), so the
        // chains still delay each other a little: ~143 cycles a block against 128 for SHA-256
        // alone and 120 for SHA-1 alone.
        sha1_rounds!(0);
        sha256_rounds!(0);
        sha1_rounds!(1);
        sha256_rounds!(1);
        sha1_rounds!(2);
        sha256_rounds!(2);
        sha1_rounds!(3);
        sha256_rounds!(3);
        sha1_rounds!(4);
        sha1_rounds!(5);
        sha256_rounds!(4);
        sha1_rounds!(6);
        sha256_rounds!(5);
        sha1_rounds!(7);
        sha256_rounds!(6);
        sha1_rounds!(8);
        sha256_rounds!(7);
        sha1_rounds!(9);
        sha1_rounds!(10);
        sha256_rounds!(8);
        sha1_rounds!(11);
        sha256_rounds!(9);
        sha1_rounds!(12);
        sha256_rounds!(10);
        sha1_rounds!(13);
        sha256_rounds!(11);
        sha1_rounds!(14);
        sha1_rounds!(15);
        sha256_rounds!(12);
        sha1_rounds!(16);
        sha256_rounds!(13);
        sha1_rounds!(17);
        sha256_rounds!(14);
        sha1_rounds!(18);
        sha256_rounds!(15);
        sha1_rounds!(19);

        e = _mm_sha1nexte_epu32(before, e0);
        abcd = _mm_add_epi32(abcd, abcd0);
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    *h1 = [
        _mm_extract_epi32::<3>(abcd) as u32,
        _mm_extract_epi32::<2>(abcd) as u32,
        _mm_extract_epi32::<1>(abcd) as u32,
        _mm_extract_epi32::<0>(abcd) as u32,
        _mm_extract_epi32::<3>(e) as u32,
    ];
    *h256 = [
        _mm_extract_epi32::<3>(abef) as u32,
        _mm_extract_epi32::<2>(abef) as u32,
        _mm_extract_epi32::<3>(cdgh) as u32,
        _mm_extract_epi32::<2>(cdgh) as u32,
        _mm_extract_epi32::<1>(abef) as u32,
        _mm_extract_epi32::<0>(abef) as u32,
        _mm_extract_epi32::<1>(cdgh) as u32,
        _mm_extract_epi32::<0>(cdgh) as u32,
    ];
}
