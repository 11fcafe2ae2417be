//! `rpmdb-query`: prints the installed packages of an rpm database exactly as
//! `rpm -qa --qf ... | LC_ALL=C sort` does (package list, `--info` columns or `--files` columns),
//! reading the database without librpm. Sources: an image root, a database directory, or raw
//! header blobs (a directory of blob files or a `.tar.zst` of them).

/// See the workspace Cargo.toml: allocation-heavy parsing runs markedly faster on mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Parser;
use rpmdb::{query, Delivery};

#[derive(Parser, Debug)]
#[command(
    version,
    about = "List the packages of an rpm database like `rpm -qa --qf` (sorted)"
)]
struct Args {
    /// Root directory of an image; the database is located inside it like rpm does.
    #[arg(long, value_name = "DIR", group = "source")]
    root: Option<PathBuf>,
    /// A database directory (holding Packages, rpmdb.sqlite or Packages.db).
    #[arg(long, value_name = "PATH", group = "source")]
    dbpath: Option<PathBuf>,
    /// Raw header blobs: a directory of blob files (*.bin, *.header, *.blob, *.tar.zst)
    /// or one such file.
    #[arg(long, value_name = "DIR|FILE", group = "source")]
    blobs: Option<PathBuf>,
    /// Print the `--info` columns (header line + one sorted line per package).
    #[arg(long, conflicts_with = "files")]
    info: bool,
    /// Print the per-file columns (header line + one sorted line per file).
    #[arg(long)]
    files: bool,
}

/// Raw header blobs from a .tar.zst archive (every regular entry is a blob).
fn blobs_from_tar_zst(path: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let dec =
        zstd::Decoder::new(file).with_context(|| format!("zstd stream {}", path.display()))?;
    let mut archive = tar::Archive::new(dec);
    for entry in archive
        .entries()
        .with_context(|| format!("reading tar {}", path.display()))?
    {
        let mut entry = entry.with_context(|| format!("reading tar {}", path.display()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path()?.display().to_string();
        // The size field is untrusted: read at most one header's worth past the limit.
        let limit = rpmdb::backend::MAX_HEADER_BYTES;
        let mut blob = Vec::with_capacity(entry.size().min(1 << 20) as usize);
        std::io::Read::read_to_end(&mut std::io::Read::take(&mut entry, limit + 1), &mut blob)
            .with_context(|| format!("reading {name} in {}", path.display()))?;
        anyhow::ensure!(
            blob.len() as u64 <= limit,
            "{name} in {}: larger than the {limit}-byte header limit",
            path.display()
        );
        out.push((name, blob));
    }
    Ok(())
}

fn is_blob_file(name: &str) -> bool {
    [".bin", ".header", ".blob", ".tar.zst"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn load_blob_path(path: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    if path.to_string_lossy().ends_with(".tar.zst") {
        return blobs_from_tar_zst(path, out);
    }
    let blob = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    out.push((path.display().to_string(), blob));
    Ok(())
}

/// Header blobs from `--blobs`: one file, or every blob file of a directory (name order).
fn load_blobs(path: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    if meta.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("listing {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_blob_file(&p.to_string_lossy()))
            .collect();
        names.sort();
        for p in names {
            load_blob_path(&p, &mut out)?;
        }
    } else {
        load_blob_path(path, &mut out)?;
    }
    Ok(out)
}

/// Opens the database `--root` or `--dbpath` names.
fn open_database(args: &Args) -> Result<rpmdb::Database> {
    if let Some(root) = &args.root {
        let fs = rootfs::Rootfs::open(root)
            .with_context(|| format!("opening root {}", root.display()))?;
        rpmdb::Database::open(&fs)
            .with_context(|| format!("locating the rpm database in {}", root.display()))
    } else if let Some(dir) = &args.dbpath {
        rpmdb::Database::open_dbpath(dir)
            .with_context(|| format!("opening rpm database {}", dir.display()))
    } else {
        bail!("one of --root, --dbpath or --blobs is required");
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mode = if args.files {
        query::Mode::Files
    } else if args.info {
        query::Mode::Info
    } else {
        query::Mode::Packages
    };
    let formatted = match &args.blobs {
        Some(p) => query::format_blobs(load_blobs(p)?, mode),
        None => {
            // Blobs are formatted as the database is read, their buffers reused once formatted.
            let db = open_database(&args)?;
            query::format_stream(mode, |blobs, each| {
                db.for_each_header(blobs, &mut |d| match d {
                    Delivery::Header { name, blobs, start } => each(Delivery::Header {
                        name: query::Hnum(name),
                        blobs,
                        start,
                    }),
                    Delivery::Restart => each(Delivery::Restart),
                })
            })
            .with_context(|| format!("reading {}", db.path().display()))?
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let written = cli::stdout::unless_closed(formatted.write(&mut out).and_then(|_| out.flush()))
        .context("writing to stdout")?;
    if !written {
        // `rpmdb-query | head`: the reader has what it wanted.
        return Ok(());
    }
    for w in &formatted.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}
