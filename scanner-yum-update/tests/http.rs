//! The same kind of scenario served over http and https from a tiny server on 127.0.0.1 (a
//! thread in the test, bounded in connections): plain http, https with a self-signed CA given
//! by `sslcacert`, and https that demands a client certificate (`sslclientcert`/`sslclientkey`).
//! Our answer must equal dnf's for each, and without the client certificate both must fail.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use yum_update::{output, scan_path, Cache, Overrides};

/// A file server on 127.0.0.1; stops when dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn respond(mut s: impl Read + Write, root: &Path) {
    let mut head = Vec::new();
    {
        let mut r = BufReader::new(&mut s);
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push(line);
            if head.len() > 100 {
                return;
            }
        }
    }
    let path = head
        .first()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let file = root.join(path.trim_start_matches('/'));
    let body = if path.contains("..") {
        None
    } else {
        fs::read(&file).ok()
    };
    let _ = match body {
        Some(b) => s
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    b.len()
                )
                .as_bytes(),
            )
            .and_then(|_| s.write_all(&b)),
        None => {
            s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
    };
    let _ = s.flush();
}

impl Server {
    fn start(root: PathBuf, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                if stop2.load(Ordering::SeqCst) || n > 2000 {
                    break;
                }
                let Ok(tcp) = conn else { continue };
                let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                match &tls {
                    None => respond(tcp, &root),
                    Some(cfg) => {
                        let Ok(conn) = rustls::ServerConnection::new(cfg.clone()) else {
                            continue;
                        };
                        let mut stream = rustls::StreamOwned::new(conn, tcp);
                        respond(&mut stream, &root);
                        stream.conn.send_close_notify();
                        let _ = stream.flush();
                    }
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    testkit::run(
        std::process::Command::new("openssl")
            .current_dir(dir)
            .args(args),
    )
    .unwrap();
}

/// A CA, a server certificate for 127.0.0.1/localhost and a client certificate.
fn certificates(dir: &Path) {
    fs::write(
        dir.join("srv.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    fs::write(dir.join("cli.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    let days = ["-days", "2"];
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=yum-update test CA",
            days[0],
            days[1],
        ],
    );
    for who in ["srv", "cli"] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{who}.key"),
                "-out",
                &format!("{who}.csr"),
                "-subj",
                "/CN=localhost",
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{who}.pem"),
                "-extfile",
                &format!("{who}.ext"),
                days[0],
                days[1],
            ],
        );
    }
}

fn server_config(dir: &Path, client_auth: bool) -> Arc<rustls::ServerConfig> {
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("srv.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("srv.key")).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_auth {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(dir.join("ca.pem")).unwrap() {
            roots.add(c.unwrap()).unwrap();
        }
        let v =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(v)
    } else {
        builder.with_no_client_auth()
    };
    Arc::new(builder.with_single_cert(certs, key).unwrap())
}

fn root_with_repo(t: &Path, name: &str, repo_section_text: String) -> PathBuf {
    let root = t.join(name);
    make_root(
        &root,
        &[
            "fake-release-9.4-1.noarch",
            "hello-1.0-1.x86_64",
            "multi-1.0-1.x86_64",
            "multi-1.0-1.i686",
            "oldname-1.0-1.noarch",
            "epochy-2.0-1.noarch",
        ],
        &[
            ("/etc/dnf/dnf.conf", "[main]\n".into()),
            ("/etc/yum.repos.d/net.repo", repo_section_text),
        ],
    );
    root
}

fn repo_section_no_baseurl(id: &str, extra: &str) -> String {
    format!("[{id}]\nname={id}\ngpgcheck=0\n{extra}\n")
}

fn same_answer(root: &Path) {
    let ours = scan_path(root, &Overrides::default(), &Cache::default());
    let theirs = dnf_check_update(root, "x86_64");
    match ours {
        Ok(o) => {
            assert_eq!(theirs.rc, 100, "dnf: {}", theirs.stderr);
            assert_eq!(output::updates_tsv(&o), theirs.updates, "{}", theirs.stdout);
            assert_eq!(output::obsoletes_tsv(&o), theirs.obsoletes);
        }
        Err(e) => panic!("we failed: {e}; dnf rc {}:\n{}", theirs.rc, theirs.stdout),
    }
}

#[test]
fn http_and_https_repositories() {
    for tool in ["rpm", "rpmbuild", "createrepo_c", "dnf", "openssl"] {
        if !testkit::require_tool(tool) {
            return;
        }
    }
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("www/repo");
    make_repo(
        &repo,
        &[
            "hello-1.1-1.x86_64",
            "multi-1.1-1.x86_64",
            "multi-1.1-1.i686",
            "newname-2.0-1.noarch",
            "epochy-1:1.0-1.noarch",
        ],
        &[],
    );
    let pki = t.path().join("pki");
    fs::create_dir_all(&pki).unwrap();
    certificates(&pki);
    let www = t.path().join("www");

    // Plain http.
    let plain = Server::start(www.clone(), None);
    let url = format!("http://127.0.0.1:{}/repo", plain.port);
    let root = root_with_repo(t.path(), "r-http", repo_section("web", &url, ""));
    same_answer(&root);
    // The same repo found through a mirrorlist and through a metalink pinning repomd.xml.
    fs::write(
        www.join("mirrors.txt"),
        format!(
            "# mirrors\nhttp://127.0.0.1:{}/nothing-here\n{url}\n",
            plain.port
        ),
    )
    .unwrap();
    let ml = format!("mirrorlist=http://127.0.0.1:{}/mirrors.txt\n", plain.port);
    let root = root_with_repo(
        t.path(),
        "r-mirrorlist",
        repo_section_no_baseurl("web", &ml),
    );
    same_answer(&root);
    let repomd = fs::read(repo.join("repodata/repomd.xml")).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&repomd))
    };
    let metalink = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/" xmlns:mm0="http://fedorahosted.org/mirrormanager">
 <files>
  <file name="repomd.xml">
   <size>{}</size>
   <verification><hash type="sha256">{sha}</hash></verification>
   <resources maxconnections="1">
    <url protocol="http" type="http" location="XX" preference="100">{url}/repodata/repomd.xml</url>
   </resources>
  </file>
 </files>
</metalink>
"#,
        repomd.len()
    );
    fs::write(www.join("metalink.xml"), &metalink).unwrap();
    let mlk = format!("metalink=http://127.0.0.1:{}/metalink.xml\n", plain.port);
    let root = root_with_repo(t.path(), "r-metalink", repo_section_no_baseurl("web", &mlk));
    same_answer(&root);
    // A metalink whose hash does not match repomd.xml: both refuse the repo.
    fs::write(
        www.join("metalink.xml"),
        metalink.replace(&sha, &"0".repeat(64)),
    )
    .unwrap();
    let ours = scan_path(&root, &Overrides::default(), &Cache::default());
    assert!(
        ours.is_err(),
        "a repomd.xml not matching the metalink was accepted"
    );
    assert_eq!(dnf_check_update(&root, "x86_64").rc, 1);
    drop(plain);

    // https, server verified with the repo's sslcacert.
    let tls = Server::start(www.clone(), Some(server_config(&pki, false)));
    let url = format!("https://localhost:{}/repo", tls.port);
    let ca = format!("sslcacert={}\n", pki.join("ca.pem").display());
    let root = root_with_repo(t.path(), "r-https", repo_section("web", &url, &ca));
    same_answer(&root);
    // sslverify=0 without the CA: accepted by both; with verification on and no CA: refused by
    // both (the bundled public roots do not know the test CA).
    let root_nv = root_with_repo(
        t.path(),
        "r-noverify",
        repo_section("web", &url, "sslverify=0\n"),
    );
    same_answer(&root_nv);
    let root_v = root_with_repo(t.path(), "r-verify", repo_section("web", &url, ""));
    assert!(scan_path(&root_v, &Overrides::default(), &Cache::default()).is_err());
    assert_eq!(dnf_check_update(&root_v, "x86_64").rc, 1);
    // The checksum-keyed download cache: filled, reused, and a corrupted entry replaced.
    let cachedir = t.path().join("cache");
    let first = scan_path(&root, &Overrides::default(), &Cache::with_dir(&cachedir)).unwrap();
    let mut cached: Vec<PathBuf> = fs::read_dir(&cachedir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cached.sort();
    assert!(
        cached.iter().any(|p| p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .contains("-primary.xml")),
        "{cached:?}"
    );
    fs::write(&cached[0], b"corrupted").unwrap();
    let again = scan_path(&root, &Overrides::default(), &Cache::with_dir(&cachedir)).unwrap();
    assert_eq!(output::updates_tsv(&first), output::updates_tsv(&again));
    assert_ne!(fs::read(&cached[0]).unwrap(), b"corrupted");
    drop(tls);

    // https demanding a client certificate.
    let mtls = Server::start(www.clone(), Some(server_config(&pki, true)));
    let url = format!("https://localhost:{}/repo", mtls.port);
    let with_cert = format!(
        "{ca}sslclientcert={}\nsslclientkey={}\n",
        pki.join("cli.pem").display(),
        pki.join("cli.key").display()
    );
    let root = root_with_repo(t.path(), "r-mtls", repo_section("web", &url, &with_cert));
    same_answer(&root);
    // Without the client certificate both fail.
    let root = root_with_repo(t.path(), "r-mtls-nocert", repo_section("web", &url, &ca));
    let ours = scan_path(&root, &Overrides::default(), &Cache::default());
    assert!(ours.is_err(), "the server demanded a client certificate");
    assert_eq!(dnf_check_update(&root, "x86_64").rc, 1);
    drop(mtls);
}
