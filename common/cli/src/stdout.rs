//! Standard output of the command-line tools. When the reader of a pipe goes away
//! (`rpmdb-query --files | head`), a C tool is ended quietly by SIGPIPE; Rust ignores that
//! signal, so the write fails instead ("Broken pipe", or a panic in `println!`). The tools
//! treat that failure as the end of their output, not as an error, as ripgrep does.

use std::io::{self, Write};

/// The outcome of a write to standard output: Ok(true) when written, Ok(false) when the
/// reader has gone away (nothing more is worth writing), other errors as they are.
pub fn unless_closed(written: io::Result<()>) -> io::Result<bool> {
    match written {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to standard output and flushes it. Ok(false) when the reader has gone away
/// (nothing more is worth writing); other write errors are returned.
pub fn print(bytes: &[u8]) -> io::Result<bool> {
    let mut out = io::stdout().lock();
    unless_closed(out.write_all(bytes).and_then(|_| out.flush()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_broken_pipe_counts_as_a_closed_reader() {
        assert!(unless_closed(Ok(())).unwrap());
        assert!(!unless_closed(Err(io::ErrorKind::BrokenPipe.into())).unwrap());
        for other in [io::ErrorKind::PermissionDenied, io::ErrorKind::StorageFull] {
            assert_eq!(unless_closed(Err(other.into())).unwrap_err().kind(), other);
        }
    }
}
