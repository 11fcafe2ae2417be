//! The OpenPGP signature summary of a header as `rpm -qi` prints it
//! ("RSA/SHA256, Tue Jan 21 08:25:32 2020, Key ID 70af9e8139db7c82"): a minimal parser of one
//! OpenPGP signature packet (v3 or v4) that extracts algorithms, creation time and issuer.

use crate::header::Header;
use crate::tags;

/// What `%{RSAHEADER:pgpsig}` shows: algorithms, creation time, issuer key id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `"<pubkey algo>/<hash algo>"`, e.g. `"RSA/SHA256"`.
    pub algo: String,
    /// Creation time, seconds since the epoch.
    pub time: i64,
    /// Issuer key id, 16 lowercase hex digits.
    pub key_id: String,
}

/// The signature tags rpm's `--info` looks at, in its order of preference.
pub const SIGNATURE_TAGS: [u32; 4] = [tags::DSAHEADER, tags::RSAHEADER, tags::SIGGPG, tags::SIGPGP];

fn pubkey_name(a: u8) -> &'static str {
    match a {
        1 => "RSA",
        2 => "RSA(Encrypt-Only)",
        3 => "RSA(Sign-Only)",
        16 => "Elgamal(Encrypt-Only)",
        17 => "DSA",
        18 => "Elliptic Curve",
        19 => "ECDSA",
        20 => "Elgamal",
        21 => "Diffie-Hellman (X9.42)",
        22 => "EdDSA",
        _ => "Unknown public key algorithm",
    }
}

fn hash_name(a: u8) -> &'static str {
    match a {
        1 => "MD5",
        2 => "SHA1",
        3 => "RIPEMD160",
        5 => "MD2",
        6 => "TIGER192",
        7 => "HAVAL-5-160",
        8 => "SHA256",
        9 => "SHA384",
        10 => "SHA512",
        11 => "SHA224",
        _ => "Unknown hash algorithm",
    }
}

/// Reads an OpenPGP packet header; returns (tag, body).
fn packet(data: &[u8]) -> Option<(u8, &[u8])> {
    let first = *data.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let (tag, hlen, blen): (u8, usize, usize) = if first & 0x40 != 0 {
        let o1 = *data.get(1)? as usize;
        match o1 {
            0..=191 => (first & 0x3f, 2, o1),
            192..=223 => (
                first & 0x3f,
                3,
                ((o1 - 192) << 8) + *data.get(2)? as usize + 192,
            ),
            255 => {
                let b = data.get(2..6)?;
                (
                    first & 0x3f,
                    6,
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                )
            }
            _ => return None, // partial body lengths are not valid for signatures
        }
    } else {
        let tag = (first >> 2) & 0x0f;
        match first & 3 {
            0 => (tag, 2, *data.get(1)? as usize),
            1 => {
                let b = data.get(1..3)?;
                (tag, 3, u16::from_be_bytes([b[0], b[1]]) as usize)
            }
            2 => {
                let b = data.get(1..5)?;
                (
                    tag,
                    5,
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                )
            }
            _ => (tag, 1, data.len() - 1),
        }
    };
    let body = data.get(hlen..hlen.checked_add(blen)?)?;
    Some((tag, body))
}

/// Walks v4 subpackets, filling creation time (hashed area only) and the first issuer.
fn subpackets(
    mut d: &[u8],
    hashed: bool,
    time: &mut Option<u32>,
    issuer: &mut Option<[u8; 8]>,
) -> Option<()> {
    while !d.is_empty() {
        let o1 = d[0] as usize;
        let (hl, len): (usize, usize) = match o1 {
            0..=191 => (1, o1),
            192..=254 => (2, ((o1 - 192) << 8) + *d.get(1)? as usize + 192),
            _ => {
                let b = d.get(1..5)?;
                (5, u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            }
        };
        let body = d.get(hl..hl.checked_add(len)?)?;
        d = &d[hl + len..];
        let (&ty, val) = body.split_first()?;
        match ty & 0x7f {
            2 if hashed && time.is_none() => {
                let b = val.get(..4)?;
                *time = Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            }
            16 if issuer.is_none() => {
                *issuer = Some(val.get(..8)?.try_into().ok()?);
            }
            _ => {}
        }
    }
    Some(())
}

impl Signature {
    /// Parses one OpenPGP signature packet; None when it is not one (rpm then prints
    /// "(not an OpenPGP signature)").
    pub fn parse(data: &[u8]) -> Option<Signature> {
        let (tag, body) = packet(data)?;
        if tag != 2 {
            return None;
        }
        let (&version, rest) = body.split_first()?;
        let (pk, hash, time, issuer) = match version {
            3 => {
                // hashed length (5), sigtype, time(4), keyid(8), pk algo, hash algo, left16
                if *rest.first()? != 5 {
                    return None;
                }
                let time = u32::from_be_bytes(rest.get(2..6)?.try_into().ok()?);
                let issuer: [u8; 8] = rest.get(6..14)?.try_into().ok()?;
                (*rest.get(14)?, *rest.get(15)?, Some(time), Some(issuer))
            }
            4 => {
                let pk = *rest.get(1)?;
                let hash = *rest.get(2)?;
                let hlen = u16::from_be_bytes(rest.get(3..5)?.try_into().ok()?) as usize;
                let hashed = rest.get(5..5 + hlen)?;
                let after = &rest[5 + hlen..];
                let ulen = u16::from_be_bytes(after.get(..2)?.try_into().ok()?) as usize;
                let unhashed = after.get(2..2 + ulen)?;
                let (mut time, mut issuer) = (None, None);
                subpackets(hashed, true, &mut time, &mut issuer)?;
                subpackets(unhashed, false, &mut time, &mut issuer)?;
                (pk, hash, time, issuer)
            }
            _ => return None,
        };
        let key_id = issuer
            .unwrap_or([0; 8])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(Signature {
            algo: format!("{}/{}", pubkey_name(pk), hash_name(hash)),
            time: time.unwrap_or(0) as i64,
            key_id,
        })
    }

    /// The first signature tag rpm's `--info` would show, parsed.
    pub fn from_header(h: &Header) -> Option<Signature> {
        let tag = SIGNATURE_TAGS.iter().find(|&&t| h.has(t))?;
        Signature::parse(h.bin(*tag)?)
    }

    /// "RSA/SHA256, Tue Jan 21 08:25:32 2020, Key ID 70af9e8139db7c82" (date in UTC, C locale).
    pub fn summary(&self) -> String {
        format!(
            "{}, {}, Key ID {}",
            self.algo,
            ctime_utc(self.time),
            self.key_id
        )
    }
}

/// The "Signature" column of `rpm -qi` for a header: the summary of the first of DSAHEADER,
/// RSAHEADER, SIGGPG, SIGPGP present, "(not an OpenPGP signature)" if that one does not parse,
/// "(none)" if there is none. Dates are printed in UTC.
pub fn signature_text(h: &Header) -> String {
    let Some(&tag) = SIGNATURE_TAGS.iter().find(|&&t| h.has(t)) else {
        return "(none)".to_string();
    };
    match h.bin(tag).and_then(Signature::parse) {
        Some(s) => s.summary(),
        None => "(not an OpenPGP signature)".to_string(),
    }
}

/// Formats seconds since the epoch like C's `strftime("%c")` in the C locale, in UTC:
/// "Tue Jan  5 08:25:32 2020".
pub fn ctime_utc(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil-from-days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        WD[days.rem_euclid(7) as usize],
        MO[(month - 1) as usize],
        day,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        year
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_matches_c_locale() {
        assert_eq!(ctime_utc(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(ctime_utc(1_613_221_348), "Sat Feb 13 13:02:28 2021");
    }

    #[test]
    fn garbage_is_not_a_signature() {
        assert_eq!(Signature::parse(&[]), None);
        assert_eq!(Signature::parse(&[0x89, 0xff]), None);
        assert_eq!(Signature::parse(&[0xc2, 0xff, 0xff]), None);
    }
}
