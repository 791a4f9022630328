//! Render time of the verification certificate (issue 6: median < 50 ms, ≥ 20× faster than
//! LibreOffice headless converting an equivalent document, both measured in the same run).
//!
//! `cargo bench -p tdc-certificate --bench render [-- N]` prints:
//! - the first render of the process (fonts parsed, template compiled from cold);
//! - median and p99 over N renders (default 50) of the same document, and of N documents
//!   that differ in their number (what a server issuing certificates does);
//! - when `soffice` is installed: median and p99 of LibreOffice converting the same content
//!   as HTML to PDF (one `soffice --headless --convert-to pdf` per document, a warm user
//!   profile), and the ratio. Without LibreOffice it says so and prints our figures only.

#[path = "../tests/render/fixtures.rs"]
mod fixtures;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tdc_certificate::{CertificateDocument, Verdict, render_pdf};

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(50);
    let doc = fixtures::verification_certificate();

    let start = Instant::now();
    let pdf = render_pdf(&doc).expect("the certificate renders");
    let cold = start.elapsed();
    println!(
        "tdc-certificate: verification certificate (2 pages), {} bytes",
        pdf.len()
    );
    println!("  first render (cold)          {}", ms(cold));

    let same = measure(runs, |_| {
        render_pdf(&doc).expect("renders");
    });
    report(&format!("same document × {runs}"), &same);

    let distinct = measure(runs, |i| {
        let mut doc = doc.clone();
        doc.number = format!("{:04}/2026/KĐ-TTTĐC", 500 + i);
        render_pdf(&doc).expect("renders");
    });
    report(&format!("distinct documents × {runs}"), &distinct);
    let ours = median(&distinct);
    println!(
        "  target median < 50 ms: {}",
        if ours < Duration::from_millis(50) {
            "met"
        } else {
            "NOT met"
        }
    );

    match libreoffice(&doc, runs.min(10)) {
        Ok(times) => {
            report(&format!("LibreOffice HTML → PDF × {}", times.len()), &times);
            let ratio = median(&times).as_secs_f64() / ours.as_secs_f64();
            println!(
                "  ratio LibreOffice / tdc-certificate (medians): {ratio:.0}× (target ≥ 20×: {})",
                if ratio >= 20.0 { "met" } else { "NOT met" }
            );
        }
        Err(why) => println!("LibreOffice comparison skipped: {why}"),
    }
}

fn measure(runs: usize, mut f: impl FnMut(usize)) -> Vec<Duration> {
    (0..runs)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed()
        })
        .collect()
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn p99(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = (sorted.len() * 99).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn report(what: &str, times: &[Duration]) {
    println!(
        "  {what:<28} median {}  p99 {}",
        ms(median(times)),
        ms(p99(times))
    );
}

fn ms(d: Duration) -> String {
    format!("{:8.1} ms", d.as_secs_f64() * 1000.0)
}

/// Converts the same content as HTML with LibreOffice headless, `runs` times (after one
/// warm-up that creates the user profile).
fn libreoffice(doc: &CertificateDocument, runs: usize) -> Result<Vec<Duration>, String> {
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|tool| Command::new(tool).arg("--version").output().is_ok())
        .ok_or("`soffice` is not installed (apt-get install -y libreoffice-writer-nogui)")?;
    let dir = tempfile::tempdir().map_err(|err| err.to_string())?;
    let html = dir.path().join("certificate.html");
    std::fs::write(&html, equivalent_html(doc)).map_err(|err| err.to_string())?;
    let profile = format!("file://{}/profile", dir.path().display());
    let convert = |out: &Path| -> Result<Duration, String> {
        let start = Instant::now();
        let status = Command::new(soffice)
            .arg(format!("-env:UserInstallation={profile}"))
            .args(["--headless", "--norestore", "--infilter=HTML (StarWriter)"])
            .args(["--convert-to", "pdf:writer_pdf_Export"])
            .arg("--outdir")
            .arg(out)
            .arg(&html)
            .output()
            .map_err(|err| err.to_string())?;
        let elapsed = start.elapsed();
        let pdf = out.join("certificate.pdf");
        if !status.status.success() || !pdf.exists() {
            return Err(format!(
                "soffice failed: {}",
                String::from_utf8_lossy(&status.stderr)
            ));
        }
        Ok(elapsed)
    };
    convert(&dir.path().join("warm-up"))?;
    (0..runs)
        .map(|i| convert(&dir.path().join(format!("run-{i}"))))
        .collect()
}

/// The certificate's content as a plain HTML page (same fields, same results table).
fn equivalent_html(doc: &CertificateDocument) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><style>\
         body{font-family:'Noto Serif';font-size:10pt} table{border-collapse:collapse;width:100%}\
         td,th{border:1px solid #666;padding:2px 4px;text-align:center}</style></head><body>",
    );
    let body = &doc.issuing_body;
    let _ = write!(
        html,
        "<table><tr><td>{}<br><b>{}</b><br>{}</td><td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>\
         <br><u>Độc lập - Tự do - Hạnh phúc</u></td></tr></table>\
         <h2 style=\"text-align:center\">GIẤY CHỨNG NHẬN KIỂM ĐỊNH</h2><p style=\"text-align:center\">Số: {}</p>",
        body.parent.as_ref().map_or("", |p| p.vi.as_str()),
        body.name.vi,
        body.address,
        doc.number
    );
    let i = &doc.instrument;
    let fields = [
        ("Tên phương tiện đo", i.name.vi.clone()),
        ("Kiểu", i.model.clone()),
        ("Số", i.serial.clone()),
        ("Cơ sở sản xuất", i.manufacturer.clone()),
        ("Đặc trưng kỹ thuật đo lường", i.measuring_range.clone()),
        (
            "Cơ sở sử dụng",
            format!("{}, {}", doc.owner.name, doc.owner.address),
        ),
        ("Phương pháp thực hiện", doc.procedure.document.clone()),
        ("Kết luận", "Đạt yêu cầu kỹ thuật đo lường".to_owned()),
        (
            "Số tem kiểm định",
            doc.stamp_number.clone().unwrap_or_default(),
        ),
        (
            "Có hiệu lực đến",
            doc.valid_until
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
        ),
    ];
    html.push_str("<table>");
    for (label, value) in fields {
        let _ = write!(
            html,
            "<tr><td style=\"text-align:left\">{label}</td><td style=\"text-align:left\">{value}</td></tr>"
        );
    }
    html.push_str("</table><p>Người thực hiện — Người soát lại — Thủ trưởng đơn vị</p>");
    html.push_str("<h3 style=\"page-break-before:always\">KẾT QUẢ KIỂM ĐỊNH</h3><table><tr><th>TT</th><th>Tải trọng</th><th>Giá trị đo được</th><th>Sai số</th><th>MPE (±)</th><th>Đánh giá</th></tr>");
    for (n, (_, row)) in doc
        .results
        .groups
        .iter()
        .flat_map(|g| g.rows.iter().map(move |r| (g, r)))
        .enumerate()
    {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            n + 1,
            row.point,
            row.measured.as_deref().unwrap_or("-"),
            row.error.as_deref().unwrap_or("-"),
            row.mpe.as_deref().unwrap_or("-"),
            if row.decision == Some(Verdict::Fail) {
                "Không đạt"
            } else {
                "Đạt"
            }
        );
    }
    html.push_str("</table>");
    if let Some(svg) = &doc.chart_svg {
        html.push_str(svg);
    }
    html.push_str("</body></html>");
    html
}
