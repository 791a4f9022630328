//! The outside tools the tests read PDFs with: pdftotext, pdffonts, pdfinfo, pdftoppm
//! (poppler-utils) and zbarimg (zbar-tools). A missing tool fails the test with the command
//! that installs it; a test never passes without having looked at the PDF.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the PDFs of a test run are written; kept when `TDC_CERT_KEEP` names a folder.
pub struct Workspace {
    _temp: Option<tempfile::TempDir>,
    dir: PathBuf,
}

impl Workspace {
    pub fn new() -> Self {
        if let Some(dir) = std::env::var_os("TDC_CERT_KEEP") {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("create TDC_CERT_KEEP folder");
            return Self { _temp: None, dir };
        }
        let temp = tempfile::tempdir().expect("temporary folder");
        let dir = temp.path().to_path_buf();
        Self {
            _temp: Some(temp),
            dir,
        }
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).expect("write the PDF");
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn run(tool: &str, package: &str, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "`{tool}` could not be run ({err}). The certificate tests read the PDFs with it: \
             install Debian package `{package}` (run `bash .ci/test`, which installs the test \
             dependencies, or `apt-get install -y {package}`)"
            )
        });
    assert!(
        output.status.success(),
        "`{tool} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// `pdftotext -layout` of the whole document; pages are separated by form feeds.
pub fn pdftotext(pdf: &Path) -> String {
    run(
        "pdftotext",
        "poppler-utils",
        &["-enc", "UTF-8", "-layout", arg(pdf), "-"],
    )
}

/// The pages of `pdftotext -layout`.
pub fn pages(pdf: &Path) -> Vec<String> {
    let mut pages: Vec<String> = pdftotext(pdf).split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// One font of `pdffonts`: its name and whether it is embedded.
#[derive(Debug)]
pub struct FontRow {
    pub name: String,
    pub embedded: bool,
}

/// The fonts of `pdffonts`, read by the column positions of its dashed header line.
pub fn pdffonts(pdf: &Path) -> Vec<FontRow> {
    let out = run("pdffonts", "poppler-utils", &[arg(pdf)]);
    let mut lines = out.lines();
    let header = lines.next().expect("pdffonts header");
    let dashes = lines.next().expect("pdffonts dashes");
    let emb_start = header.find(" emb").expect("pdffonts has an emb column") + 1;
    // The columns are the runs of dashes; find the one starting at the emb header.
    let mut columns = Vec::new();
    let mut start = None;
    for (i, c) in dashes
        .char_indices()
        .chain(std::iter::once((dashes.len(), ' ')))
    {
        match (c, start) {
            ('-', None) => start = Some(i),
            (' ', Some(s)) => {
                columns.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    let (es, ee) = *columns
        .iter()
        .find(|(s, _)| *s == emb_start)
        .expect("emb column under its header");
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| FontRow {
            name: line
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned(),
            embedded: line.get(es..ee).map(str::trim) == Some("yes"),
        })
        .collect()
}

/// Number of pages (pdfinfo).
pub fn page_count(pdf: &Path) -> usize {
    let info = run("pdfinfo", "poppler-utils", &[arg(pdf)]);
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages:")
}

/// Page 1 at 150 dpi (pdftoppm), then the QR codes zbarimg decodes on it.
pub fn qr_codes_on_page_one(pdf: &Path, png_stem: &Path) -> Vec<String> {
    run(
        "pdftoppm",
        "poppler-utils",
        &[
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-png",
            arg(pdf),
            arg(png_stem),
        ],
    );
    let png = png_stem.with_extension("png");
    let output = Command::new("zbarimg")
        .args(["--raw", "-q", arg(&png)])
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "`zbarimg` could not be run ({err}). The certificate tests decode the QR code \
                 with it: install Debian package `zbar-tools` (run `bash .ci/test`, which \
                 installs the test dependencies, or `apt-get install -y zbar-tools`)"
            )
        });
    // zbarimg exits 4 when it finds no code: report that as "nothing decoded".
    String::from_utf8(output.stdout)
        .expect("zbarimg output is UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}
