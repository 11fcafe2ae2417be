//! `sha1_and_sha256` and `TwinHasher` against the FIPS 180 examples and the sha1/sha2 crates.

use sha1::{Digest as _, Sha1};
use sha2::Sha256;
use testkit::Rng;
use twin_digest::{sha1_and_sha256, TwinHasher};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hexes((sha1, sha256): ([u8; 20], [u8; 32])) -> (String, String) {
    (hex(&sha1), hex(&sha256))
}

fn expected(data: &[u8]) -> ([u8; 20], [u8; 32]) {
    (Sha1::digest(data).into(), Sha256::digest(data).into())
}

/// The FIPS 180-2 examples (appendices A and B): one block, two blocks, one million 'a'.
#[test]
fn fips_180_examples() {
    let cases: [(&[u8], &str, &str); 3] = [
        (
            b"abc",
            "a9993e364706816aba3e25717850c26c9cd0d89d",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            b"",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
    ];
    for (msg, sha1, sha256) in cases {
        let want = (sha1.to_string(), sha256.to_string());
        assert_eq!(hexes(sha1_and_sha256(&[msg])), want);
        let (a, b) = msg.split_at(msg.len() / 3);
        assert_eq!(hexes(sha1_and_sha256(&[a, b"", b])), want);
    }

    let million = vec![b'a'; 1_000_000];
    let want = (
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f".to_string(),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0".to_string(),
    );
    assert_eq!(hexes(sha1_and_sha256(&[&million])), want);
    let thousands: Vec<&[u8]> = million.chunks(1000).collect();
    assert_eq!(hexes(sha1_and_sha256(&thousands)), want);
    let odd: Vec<&[u8]> = million.chunks(997).collect();
    assert_eq!(hexes(sha1_and_sha256(&odd)), want);
}

/// Every length to 1100 (all the padding cases: 55, 56, 63, 64, 65, 119, 120, ...), whole and
/// cut in two at every 7th point.
#[test]
fn every_length_to_1100_matches_the_sha_crates() {
    let data = Rng::new(10).bytes(1100);
    for len in 0..=data.len() {
        let msg = &data[..len];
        let want = expected(msg);
        assert_eq!(sha1_and_sha256(&[msg]), want, "len {len}");
        for cut in (0..=len).step_by(7) {
            let (a, b) = msg.split_at(cut);
            assert_eq!(sha1_and_sha256(&[a, b]), want, "len {len} cut {cut}");
        }
    }
}

/// Random data cut at random points into many pieces, empty ones included.
#[test]
fn random_cuts_match_the_sha_crates() {
    let mut rng = Rng::new(11);
    for round in 0..300 {
        let len = match round % 3 {
            0 => rng.below(300),
            1 => rng.below(5000),
            _ => rng.below(200_000),
        };
        let data = rng.bytes(len);
        let mut pieces = Vec::new();
        let mut rest = &data[..];
        while !rest.is_empty() {
            let n = match rng.below(5) {
                0 => 0,
                1 => 1 + rng.below(3),
                2 => rng.below(130),
                3 => rng.below(3000),
                _ => rng.below(rest.len() + 1),
            }
            .min(rest.len());
            pieces.push(&rest[..n]);
            rest = &rest[n..];
        }
        if rng.below(2) == 0 {
            pieces.push(b"");
        }
        assert_eq!(sha1_and_sha256(&pieces), expected(&data), "round {round}");
    }
}

/// Several megabytes, the size of real headers and more, in rpm's three pieces (intro, index,
/// data).
#[test]
fn megabytes_match_the_sha_crates() {
    let mut rng = Rng::new(12);
    let data = rng.bytes(9 << 20);
    for len in [data.len(), (3 << 20) + 1, (5 << 20) + 63] {
        let msg = &data[..len];
        let index = 16 + rng.below(len / 4);
        let pieces = [&msg[..16], &msg[16..index], &msg[index..]];
        assert_eq!(sha1_and_sha256(&pieces), expected(msg), "len {len}");
    }
}

#[test]
fn hasher_streams_and_clones() {
    let data = Rng::new(13).bytes(5000);
    let mut h = TwinHasher::default();
    h.update(&data[..1234]);
    let fork = h.clone();
    h.update(&data[1234..]);
    assert_eq!(h.finalize(), expected(&data));
    assert_eq!(fork.finalize(), expected(&data[..1234]));
    assert_eq!(TwinHasher::new().finalize(), expected(b""));
}
