//! Streaming decompression of metadata files, chosen by file name extension as librepo does:
//! `.gz`, `.xz`, `.zst`, `.bz2`, anything else read as is (`.zck` is refused).

use std::io::{BufRead, BufReader, Read};

/// Wraps `inner` in the decoder its file name calls for.
pub fn reader_for<'a>(
    name: &str,
    inner: impl Read + 'a,
) -> Result<Box<dyn BufRead + 'a>, std::io::Error> {
    const BUF: usize = 256 * 1024;
    let r: Box<dyn BufRead + 'a> = if name.ends_with(".gz") {
        Box::new(BufReader::with_capacity(
            BUF,
            flate2::read::MultiGzDecoder::new(BufReader::new(inner)),
        ))
    } else if name.ends_with(".xz") {
        Box::new(BufReader::with_capacity(
            BUF,
            xz2::read::XzDecoder::new_multi_decoder(BufReader::new(inner)),
        ))
    } else if name.ends_with(".bz2") {
        Box::new(BufReader::with_capacity(
            BUF,
            bzip2::read::MultiBzDecoder::new(BufReader::new(inner)),
        ))
    } else if name.ends_with(".zst") {
        let d = ruzstd::decoding::StreamingDecoder::new(BufReader::new(inner))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        Box::new(BufReader::with_capacity(BUF, d))
    } else if name.ends_with(".zck") {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "zchunk metadata is not supported",
        ));
    } else {
        Box::new(BufReader::with_capacity(BUF, inner))
    };
    Ok(r)
}
