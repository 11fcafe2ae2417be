//! Throughput of SHA-1 + SHA-256 over ~25 MB of header-sized streams:
//!   (a) the sha1 crate, then the sha2 crate, each over the whole stream;
//!   (b) per 64-byte block of the stream, `sha256.update(block); sha1.update(block)`;
//!   (c) `twin_digest::sha1_and_sha256`.
//! Each stream is cut like an rpm header digest: 16 bytes of intro, the index, the data.
//!
//! `cargo run --release --example bench [-- runs]`

use std::hint::black_box;
use std::time::Instant;

use sha1::{Digest as _, Sha1};
use sha2::Sha256;
use testkit::Rng;

fn scheme_a(pieces: &[&[u8]]) -> ([u8; 20], [u8; 32]) {
    let mut s1 = Sha1::new();
    for p in pieces {
        s1.update(p);
    }
    let mut s256 = Sha256::new();
    for p in pieces {
        s256.update(p);
    }
    (s1.finalize().into(), s256.finalize().into())
}

fn scheme_b(pieces: &[&[u8]]) -> ([u8; 20], [u8; 32]) {
    let (mut s1, mut s256) = (Sha1::new(), Sha256::new());
    let mut at = 0usize;
    for piece in pieces {
        let mut rest = *piece;
        while !rest.is_empty() {
            let n = (64 - at % 64).min(rest.len());
            s256.update(&rest[..n]);
            s1.update(&rest[..n]);
            at += n;
            rest = &rest[n..];
        }
    }
    (s1.finalize().into(), s256.finalize().into())
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(15, |s| s.parse().expect("runs"));
    let mut rng = Rng::new(42);
    let total = 25 << 20;
    let data: Vec<u8> = rng.bytes(total);
    // Header sizes: mostly 5-100 KB, some 100 KB-1 MB, a few up to 3 MB.
    let mut streams: Vec<[&[u8]; 3]> = Vec::new();
    let mut at = 0;
    while at < total {
        let size = match rng.below(100) {
            0..=84 => 5_000 + rng.below(95_000),
            85..=97 => 100_000 + rng.below(900_000),
            _ => 1_000_000 + rng.below(2_000_000),
        };
        let h = &data[at..(at + size).min(total)];
        at += h.len();
        let intro = &h[..16.min(h.len())];
        let index_end = (16 + h.len() / 20).min(h.len());
        streams.push([intro, &h[intro.len()..index_end], &h[index_end..]]);
    }
    println!("{} streams, {} bytes, {} runs", streams.len(), total, runs);
    for s in &streams {
        let want = scheme_a(s);
        assert_eq!(scheme_b(s), want);
        assert_eq!(twin_digest::sha1_and_sha256(s), want);
    }
    type Scheme = fn(&[&[u8]]) -> ([u8; 20], [u8; 32]);
    let schemes: [(&str, Scheme); 3] = [
        ("(a) sha1 then sha2", scheme_a),
        ("(b) blockwise alternate", scheme_b),
        ("(c) twin-digest", twin_digest::sha1_and_sha256),
    ];
    let mut best = [f64::MAX; 3];
    for _ in 0..runs {
        for (i, (_, f)) in schemes.iter().enumerate() {
            let t = Instant::now();
            for s in &streams {
                black_box(f(black_box(s)));
            }
            best[i] = best[i].min(t.elapsed().as_secs_f64());
        }
    }
    for ((name, _), secs) in schemes.iter().zip(best) {
        println!(
            "{name:26} {:6.2} ms  {:5.2} GB/s",
            secs * 1e3,
            total as f64 / secs / 1e9
        );
    }
}
