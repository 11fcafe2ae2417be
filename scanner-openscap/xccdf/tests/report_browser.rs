//! The HTML report as a person sees it: rendered by headless Chromium (Debian's `chromium`,
//! driven through `chromedriver` over WebDriver), screenshotted, and clicked. The report of a
//! real oscap RHEL 8 standard run (shared fixtures) must show its rule rows in the result
//! colours, hide every passing row and only those when the "pass" filter is unticked, and
//! reveal a failed rule's remediation when its summary is clicked. The screenshots are kept
//! under the target directory (`report-browser-*.png`) for a human look.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use base64::Engine as _;
use openscap_xccdf::{arf, html, Engine, XccdfResult};
use serde_json::{json, Value};

/// Background colours of the report's result classes (html.rs's stylesheet).
const FAIL_RGB: [u8; 3] = [0xf8, 0xd7, 0xda];
const PASS_RGB: [u8; 3] = [0xd4, 0xed, 0xda];
const NOTCHECKED_RGB: [u8; 3] = [0xff, 0xf3, 0xcd];

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process, killed on drop.
struct Driver {
    child: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(v) = driver.call("GET", "/status", None) {
                if v["ready"] == true {
                    return driver;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One WebDriver command; returns its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let req =
            ureq::request(method, &format!("{}{path}", self.base)).timeout(Duration::from_secs(60));
        let resp = match body {
            Some(b) => req
                .set("Content-Type", "application/json")
                .send_string(&b.to_string()),
            None => req.call(),
        };
        let text = match resp {
            Ok(r) => r.into_string().map_err(|e| e.to_string())?,
            Err(ureq::Error::Status(code, r)) => {
                return Err(format!(
                    "{method} {path}: HTTP {code}: {}",
                    r.into_string().unwrap_or_default()
                ))
            }
            Err(e) => return Err(format!("{method} {path}: {e}")),
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        Ok(v["value"].clone())
    }
}

/// A browser session on a page.
struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}

impl<'a> Session<'a> {
    fn new(driver: &'a Driver, profile_dir: &Path) -> Session<'a> {
        // The flags a headless Chromium needs as root on a machine without a network.
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,4000",
            &format!("--user-data-dir={}", profile_dir.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium(), "args": args}
        }}});
        let v = driver
            .call("POST", "/session", Some(caps))
            .expect("a Chromium session");
        Session {
            driver,
            id: v["sessionId"].as_str().expect("sessionId").to_string(),
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.driver
            .call(method, &format!("/session/{}{path}", self.id), body)
            .unwrap()
    }

    /// Elements matching `css` under `scope` (`""` for the document, `/element/<id>` inside).
    fn find(&self, scope: &str, css: &str) -> Vec<String> {
        let v = self.cmd(
            "POST",
            &format!("{scope}/elements"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e[ELEMENT_KEY].as_str().unwrap().to_string())
            .collect()
    }

    fn elements(&self, css: &str) -> Vec<String> {
        self.find("", css)
    }

    /// Elements matching `css` inside element `el`.
    fn elements_in(&self, el: &str, css: &str) -> Vec<String> {
        self.find(&format!("/element/{el}"), css)
    }

    fn element(&self, css: &str) -> String {
        let all = self.elements(css);
        assert!(!all.is_empty(), "no element matches {css}");
        all[0].clone()
    }

    fn displayed(&self, el: &str) -> bool {
        self.cmd("GET", &format!("/element/{el}/displayed"), None) == true
    }

    fn click(&self, el: &str) {
        self.cmd("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    fn text(&self, el: &str) -> String {
        self.cmd("GET", &format!("/element/{el}/text"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A PNG screenshot of one element, saved as `name` under the target directory.
    fn screenshot(&self, el: &str, name: &str) -> Image {
        let b64 = self.cmd("GET", &format!("/element/{el}/screenshot"), None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        std::fs::write(shots_dir().join(name), &png).unwrap();
        Image::decode(&png)
    }
}

fn chromium() -> String {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or(&"chromium")
        .to_string()
}

fn shots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Decoded RGB(A) pixels.
struct Image {
    width: u32,
    height: u32,
    channels: usize,
    pixels: Vec<u8>,
}

impl Image {
    fn decode(png_bytes: &[u8]) -> Image {
        let decoder = png::Decoder::new(png_bytes);
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("unexpected PNG colour type {other:?}"),
        };
        pixels.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            channels,
            pixels,
        }
    }

    /// How many pixels have exactly this colour.
    fn count(&self, rgb: [u8; 3]) -> usize {
        self.pixels
            .chunks_exact(self.channels)
            .filter(|p| p[..3] == rgb)
            .count()
    }
}

#[test]
fn report_renders_filters_and_expands_in_chromium() {
    let Some(arf_bytes) = common::fixture_arf("rhel8-standard-container-arf.xml.gz") else {
        return;
    };
    if !testkit::require_tool("chromedriver") || !testkit::require_tool("chromium") {
        return;
    }
    let r = arf::read_arf(&arf_bytes, Engine::Oscap).unwrap();
    let counts = r.counts();
    let n = |res| counts.get(&res).copied().unwrap_or(0);
    // The fixture has rows of every colour this test looks for.
    assert!(n(XccdfResult::Fail) > 0 && n(XccdfResult::Pass) > 0);
    assert!(n(XccdfResult::NotChecked) > 0);

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html::render(&r)).unwrap();
    let driver = Driver::start();
    let s = Session::new(&driver, &dir.path().join("chromium-profile"));
    s.cmd(
        "POST",
        "/url",
        Some(json!({"url": format!("file://{}", page.display())})),
    );
    let title = s.cmd("GET", "/title", None);
    assert!(
        title.as_str().unwrap().contains("standard"),
        "title {title}"
    );

    // Every selected rule has a visible row, and the first is a failure (worst first).
    let rows = s.elements("#rules tr[class^=r-]");
    assert_eq!(rows.len(), r.selected().count());
    assert!(rows.iter().all(|el| s.displayed(el)));
    let first = s.text(&rows[0]);
    assert!(first.starts_with("fail"), "first row: {first}");

    // The rules table, as rendered: failures red, passes green, notchecked yellow.
    let table = s.element("#rules");
    let before = s.screenshot(&table, "report-browser-all.png");
    assert!(before.width >= 600 && before.height >= 20 * rows.len() as u32);
    let (fail_px, pass_px) = (before.count(FAIL_RGB), before.count(PASS_RGB));
    assert!(fail_px > 0, "no failure-coloured pixels");
    assert!(pass_px > 0, "no pass-coloured pixels");
    assert!(
        before.count(NOTCHECKED_RGB) > 0,
        "no notchecked-coloured pixels"
    );
    // More passing than failing rules: more green than red.
    assert_eq!(
        pass_px > fail_px,
        n(XccdfResult::Pass) > n(XccdfResult::Fail)
    );

    // A failed rule's remediation is folded away until its summary is clicked.
    let (row, fix) = s
        .elements("#rules tr.r-fail")
        .into_iter()
        .find_map(|row| {
            let fix = s.elements_in(&row, "pre.fix").into_iter().next()?;
            Some((row, fix))
        })
        .expect("a failed rule with a remediation");
    assert!(!s.displayed(&fix));
    s.click(&s.elements_in(&row, "summary")[0]);
    assert!(s.displayed(&fix), "remediation not shown after the click");
    let shown = s.text(&fix);
    let rule = r
        .rules
        .iter()
        .find(|x| x.result == XccdfResult::Fail && s.text(&row).contains(x.title.trim()))
        .expect("the clicked row names a failed rule");
    let expected = rule.remediation.as_deref().expect("its remediation");
    // WebDriver's element text renders a tab as a space.
    assert_eq!(shown.trim(), expected.trim().replace('\t', " "));

    // Unticking "pass" hides every passing row and nothing else.
    s.click(&s.element("label[for=show-pass]"));
    for el in s.elements("#rules tr.r-pass") {
        assert!(!s.displayed(&el));
    }
    let still: usize = s
        .elements("#rules tr[class^=r-]")
        .iter()
        .filter(|el| s.displayed(el))
        .count();
    assert_eq!(still, r.selected().count() - n(XccdfResult::Pass));
    let after = s.screenshot(&s.element("#rules"), "report-browser-no-pass.png");
    assert_eq!(after.count(PASS_RGB), 0, "pass rows still painted");
    assert!(after.count(FAIL_RGB) > 0);

    // Ticking it again brings them back.
    s.click(&s.element("label[for=show-pass]"));
    let again = s.screenshot(&s.element("#rules"), "report-browser-again.png");
    assert!(again.count(PASS_RGB) > 0);
}
