//! Renders realistic documents and reads the PDFs back with the tools a person would trust:
//! pdftotext (the Vietnamese text, diacritics intact), pdffonts (every font embedded),
//! pdftoppm + zbarimg (the printed QR code decodes to the verification URL).

mod fixtures;
mod tools;

use tdc_certificate::{
    CertificateDocument, DocumentKind, RenderError, Renderer, Verdict, chart_svg, render_pdf,
};
use tools::Workspace;

/// The text with runs of spaces collapsed, so a label and its value read as one phrase.
fn collapsed(text: &str) -> String {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_contains_all(text: &str, expected: &[&str]) {
    let text = collapsed(text);
    let missing: Vec<&&str> = expected.iter().filter(|s| !text.contains(**s)).collect();
    assert!(missing.is_empty(), "missing {missing:?} in:\n{text}");
}

fn render(ws: &Workspace, name: &str, doc: &CertificateDocument) -> std::path::PathBuf {
    let pdf = render_pdf(doc).unwrap_or_else(|err| panic!("{name} renders: {err}"));
    assert!(pdf.starts_with(b"%PDF-"), "{name} is a PDF");
    ws.write(&format!("{name}.pdf"), &pdf)
}

fn assert_fonts_embedded(pdf: &std::path::Path) {
    let fonts = tools::pdffonts(pdf);
    assert!(!fonts.is_empty(), "the PDF uses fonts");
    let not_embedded: Vec<_> = fonts.iter().filter(|f| !f.embedded).collect();
    assert!(
        not_embedded.is_empty(),
        "fonts not embedded: {not_embedded:?}"
    );
    assert!(
        fonts
            .iter()
            .all(|f| f.name.contains("NotoSerif") || f.name.contains("NotoSansMath")),
        "only the bundled Noto fonts are used: {fonts:?}"
    );
}

fn assert_qr_decodes(ws: &Workspace, pdf: &std::path::Path, name: &str, url: &str) {
    let codes = tools::qr_codes_on_page_one(pdf, &ws.path(&format!("{name}-page1")));
    assert_eq!(
        codes,
        vec![url.to_owned()],
        "the QR code on page 1 carries the URL"
    );
}

#[test]
fn a_verification_certificate_prints_its_vietnamese_labels_fonts_and_qr_code() {
    let ws = Workspace::new();
    let doc = fixtures::verification_certificate();
    let pdf = render(&ws, "verification", &doc);

    let text = tools::pdftotext(&pdf);
    assert_contains_all(
        &text,
        &[
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "TRUNG TÂM KỸ THUẬT TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG",
            "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
            fixtures::VERIFICATION_NUMBER,
            "Tên phương tiện đo",
            "Cân không tự động (Cân đĩa điện tử)",
            "Đặc trưng kỹ thuật đo lường",
            "Max = 30 kg; Min = 200 g",
            "e = d = 10 g",
            "Cấp chính xác: III",
            "Cơ sở sử dụng",
            "Hộ kinh doanh Nguyễn Thị Hường",
            "ĐLVN 15:2017",
            "Chế độ kiểm định",
            "Định kỳ",
            "Đạt yêu cầu kỹ thuật đo lường",
            "Số tem kiểm định",
            fixtures::STAMP_NUMBER,
            "Có hiệu lực đến",
            "12/03/2027",
            "Người thực hiện",
            "Người soát lại",
            "Thủ trưởng đơn vị",
            "Lạng Sơn, ngày 16 tháng 03 năm 2026",
            "Nông Quốc Khánh",
            "KẾT QUẢ KIỂM ĐỊNH",
            "Bộ quả cân chuẩn cấp chính xác",
            "Viện Đo lường Việt Nam (VMI)",
            "Nhiệt độ: 24,1 °C",
            "Quy tắc quyết định",
            "|E| ≤ MPE",
            "Sai số cho phép lớn",
            "30,010",
            "VILAS 1234",
            "Ed25519",
            "tdc-2026-01",
            "Trang 1 / 2",
            "Trang 2 / 2",
        ],
    );
    assert!(
        !text.contains("VERIFICATION CERTIFICATE"),
        "Vietnamese only"
    );
    assert_fonts_embedded(&pdf);
    assert_qr_decodes(&ws, &pdf, "verification", fixtures::VERIFICATION_URL);
}

#[test]
fn an_english_certificate_uses_english_labels() {
    let ws = Workspace::new();
    let pdf = render(&ws, "english", &fixtures::english_certificate());
    let text = tools::pdftotext(&pdf);
    assert_contains_all(
        &text,
        &[
            "SOCIALIST REPUBLIC OF VIET NAM",
            "VERIFICATION CERTIFICATE",
            fixtures::VERIFICATION_NUMBER,
            "Metrological characteristics",
            "Verification stamp No.",
            "Valid until",
            "Meets the metrological requirements",
            "Lạng Sơn, 16 March 2026",
            "Page 1 / 2",
        ],
    );
    assert!(!text.contains("GIẤY CHỨNG NHẬN"), "no Vietnamese title");
    assert_fonts_embedded(&pdf);
}

#[test]
fn a_calibration_certificate_states_u_with_k_and_the_coverage_probability() {
    let ws = Workspace::new();
    let doc = fixtures::calibration_certificate();
    let pdf = render(&ws, "calibration", &doc);
    let text = tools::pdftotext(&pdf);
    assert_contains_all(
        &text,
        &[
            "GIẤY CHỨNG NHẬN HIỆU CHUẨN",
            fixtures::CALIBRATION_NUMBER,
            "Cân phân tích",
            "KẾT QUẢ HIỆU CHUẨN",
            "Trước hiệu chỉnh",
            "Sau hiệu chỉnh",
            "Độ không đảm bảo đo mở rộng U",
            "Số hiệu chính",
            "hệ số phủ k = 2",
            "xấp xỉ 95 %",
            "200,0015",
            "0,25",
            "Viện Đo lường Việt Nam (VMI)",
        ],
    );
    // No conformity statement was asked for: no verdict column, no stamp, no validity.
    assert!(!text.contains("Số tem kiểm định"));
    assert!(!text.contains("Đánh giá"));
    assert_fonts_embedded(&pdf);
    assert_qr_decodes(&ws, &pdf, "calibration", fixtures::CALIBRATION_URL);
}

#[test]
fn a_notice_of_failure_says_why_and_issues_no_stamp() {
    let ws = Workspace::new();
    let doc = fixtures::notice_of_failure();
    let pdf = render(&ws, "notice", &doc);
    let text = tools::pdftotext(&pdf);
    assert_contains_all(
        &text,
        &[
            "THÔNG BÁO KẾT QUẢ KIỂM ĐỊNH KHÔNG ĐẠT",
            fixtures::NOTICE_NUMBER,
            "Kính gửi: Hộ kinh doanh Nguyễn Thị Hường",
            "Không đạt yêu cầu kỹ thuật đo lường",
            "vượt sai số cho phép lớn nhất",
            "Không đạt",
            "không được dán tem kiểm định",
            "Người thực hiện",
        ],
    );
    assert!(!text.contains("Có hiệu lực đến"));
    assert_fonts_embedded(&pdf);
    assert_qr_decodes(&ws, &pdf, "notice", fixtures::NOTICE_URL);
}

#[test]
fn a_verification_record_prints_checks_and_conclusion() {
    let ws = Workspace::new();
    let mut doc = fixtures::verification_certificate();
    doc.kind = DocumentKind::VerificationRecord;
    doc.number = "2266/BB-KĐ-TTTĐC".to_owned();
    let pdf = render(&ws, "record", &doc);
    assert_contains_all(
        &tools::pdftotext(&pdf),
        &[
            "BIÊN BẢN KIỂM ĐỊNH",
            "2266/BB-KĐ-TTTĐC",
            "Kiểm tra bên ngoài",
            "Kiểm tra kỹ thuật",
            "Kiểm tra đo lường",
            "Đạt yêu cầu kỹ thuật đo lường",
            "Số tem kiểm định: 26V.00318",
        ],
    );
    assert_fonts_embedded(&pdf);
}

#[test]
fn a_bilingual_certificate_with_60_rows_breaks_the_table_and_repeats_its_header() {
    let ws = Workspace::new();
    let doc = fixtures::bilingual_certificate_with_60_rows();
    assert_eq!(doc.results.row_count(), 60);
    let pdf = render(&ws, "bilingual", &doc);

    let pages = tools::pages(&pdf);
    let count = tools::page_count(&pdf);
    assert!(
        count >= 3,
        "60 rows need more than one results page, got {count}"
    );
    assert_eq!(pages.len(), count);
    for (i, page) in pages.iter().enumerate() {
        assert_contains_all(
            page,
            &[
                fixtures::BILINGUAL_NUMBER,
                &format!("Trang / Page {} / {count}", i + 1),
            ],
        );
    }
    // The table header is repeated on every page the table reaches.
    let with_table: Vec<usize> = (0..pages.len())
        .filter(|&i| collapsed(&pages[i]).contains("Decreasing load") || pages[i].contains("1,000"))
        .collect();
    let with_header = pages
        .iter()
        .filter(|p| {
            let p = collapsed(p);
            p.contains("Giá trị đo được") && p.contains("Measured value")
        })
        .count();
    assert!(
        with_header >= 2,
        "header on each table page ({with_table:?})"
    );

    let text = tools::pdftotext(&pdf);
    assert_contains_all(
        &text,
        &[
            "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
            "VERIFICATION CERTIFICATE",
            "Tên phương tiện đo",
            "Measuring instrument",
            "Số tem kiểm định",
            "Verification stamp No.",
            "Có hiệu lực đến",
            "Valid until",
            "Người thực hiện",
            "Người soát lại",
            "Thủ trưởng đơn vị",
            "Socialist Republic of Viet Nam",
            "Tải giảm / Decreasing load",
            "Non-automatic weighing instrument",
        ],
    );
    // Row 60 is the last decreasing load, 1 kg.
    let last = collapsed(&pages[pages.len() - 1]);
    assert!(
        collapsed(&text).contains("60 1,000 1,000 0 5 Đạt / Pass"),
        "row 60 printed; last page:\n{last}"
    );
    assert_fonts_embedded(&pdf);
    assert_qr_decodes(&ws, &pdf, "bilingual", fixtures::BILINGUAL_URL);
}

#[test]
fn rendering_is_deterministic() {
    let doc = fixtures::verification_certificate();
    let first = render_pdf(&doc).expect("renders");
    let second = render_pdf(&doc).expect("renders again");
    assert!(first == second, "the same content gives the same bytes");
    // A re-render in a fresh renderer (cold caches) gives the same bytes as well.
    let third = Renderer::default().render_pdf(&doc).expect("renders");
    assert!(first == third, "a fresh renderer gives the same bytes");
}

#[test]
fn the_pdf_declares_pdf_a_2b_and_its_issue_date() {
    let doc = fixtures::verification_certificate();
    let pdf = render_pdf(&doc).expect("renders");
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("<pdfaid:part>2</pdfaid:part>") || raw.contains("pdfaid:part=\"2\""),
        "XMP declares PDF/A part 2"
    );
    assert!(
        raw.contains("<pdfaid:conformance>B</pdfaid:conformance>")
            || raw.contains("pdfaid:conformance=\"B\""),
        "XMP declares conformance B"
    );
    assert!(
        raw.contains("2026-03-16T00:00:00+07:00"),
        "creation date is the issue date"
    );
}

#[test]
fn missing_required_fields_are_all_named() {
    let mut doc = fixtures::verification_certificate();
    doc.instrument.serial = String::new();
    doc.stamp_number = None;
    doc.valid_until = None;
    doc.results.groups[0].rows[2].mpe = None;
    let err = render_pdf(&doc).expect_err("incomplete content is refused");
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "instrument.serial",
            "results.groups[0].rows[2].mpe",
            "stamp_number",
            "valid_until",
        ]
    );
    let message = err.to_string();
    assert!(
        message.contains("instrument.serial: is required"),
        "{message}"
    );
    assert!(message.contains("stamp_number: is required"), "{message}");
}

#[test]
fn a_verification_certificate_is_refused_for_a_failed_verification() {
    let mut doc = fixtures::notice_of_failure();
    doc.kind = DocumentKind::VerificationCertificate;
    doc.stamp_number = Some("26V.00319".to_owned());
    doc.valid_until = doc.issue_date.checked_add_months(chrono::Months::new(12));
    let err = render_pdf(&doc).expect_err("a failed verification has no certificate");
    assert!(
        err.problems()
            .iter()
            .any(|p| p.field == "conclusion.verdict" && p.message.contains("notice_of_failure")),
        "{err}"
    );
}

#[test]
fn a_calibration_with_a_conformity_statement_needs_a_decision_rule() {
    let mut doc = fixtures::calibration_certificate();
    doc.results.groups[1].rows[0].decision = Some(Verdict::Pass);
    let err = render_pdf(&doc).expect_err("conformity without a decision rule");
    assert!(
        err.problems().iter().any(|p| p.field == "decision_rule"),
        "{err}"
    );
}

#[test]
fn a_broken_template_names_its_line() {
    let renderer = Renderer::with_template("#let data = json(\"/data.json\")\n\n#data.nope");
    let err = renderer
        .render_pdf(&fixtures::verification_certificate())
        .expect_err("the template fails");
    assert!(matches!(err, RenderError::Template(_)), "{err:?}");
    assert!(err.to_string().contains("template line 3"), "{err}");
}

#[test]
fn the_chart_is_plain_svg_text_without_font_files() {
    let svg = fixtures::verification_certificate()
        .chart_svg
        .expect("the fixture has a chart");
    assert!(svg.starts_with("<svg"), "an SVG document");
    assert!(
        svg.contains("font-family=\"Noto Serif\""),
        "text names the bundled family"
    );
    assert!(svg.contains("Sai số (g)") && svg.contains("Tải trọng (kg)"));
    assert!(
        !svg.contains("@font-face") && !svg.contains("<image"),
        "no embedded fonts or rasters"
    );
    // An empty chart still draws its axes.
    let empty = chart_svg(&[], &tdc_certificate::ChartLabels::bilingual("g", "g"));
    assert!(empty.contains("<svg") && empty.contains("Nominal value"));
}

#[test]
fn the_only_fonts_are_the_bundled_noto_fonts() {
    assert_eq!(
        tdc_certificate::bundled_font_families(),
        ["Noto Serif", "Noto Sans Math"]
    );
}

fn test_report() -> tdc_certificate::RecordDocument {
    use tdc_certificate::{
        Field, LocalizedText, RecordConclusion, RecordDocument, RecordKind, RecordSignatory,
        Section, Table, TableRow,
    };
    let cols = |names: &[(&str, &str)]| {
        names
            .iter()
            .map(|(vi, en)| LocalizedText::new(*vi, *en))
            .collect::<Vec<_>>()
    };
    let row = |cells: &[&str], flagged: bool| TableRow {
        cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        flagged,
    };
    RecordDocument {
        kind: RecordKind::TestReport,
        language: tdc_certificate::Language::Vi,
        title: LocalizedText::new("Phiếu kết quả thử nghiệm", "Test report"),
        form_number: Some("BM 7.8-01".into()),
        number: "0042/2026/TN-TTTĐC".into(),
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        issuing_body: fixtures::issuing_body(),
        addressee: Some("Chi cục Quản lý thị trường Lạng Sơn".into()),
        preamble: vec![],
        sections: vec![
            Section {
                heading: LocalizedText::new("Thông tin mẫu", "Sample"),
                fields: vec![
                    Field::new("Tên mẫu", "Sample", "Xăng RON 95-III"),
                    Field::new("Mã mẫu", "Sample code", "M26-0117"),
                ],
                table: None,
                text: None,
            },
            Section {
                heading: LocalizedText::new("Kết quả thử nghiệm", "Results"),
                fields: vec![],
                table: Some(Table {
                    columns: cols(&[
                        ("Chỉ tiêu", "Characteristic"),
                        ("Phương pháp", "Method"),
                        ("Kết quả", "Result"),
                        ("Giới hạn", "Limit"),
                        ("Đánh giá", "Assessment"),
                    ]),
                    widths: vec![],
                    rows: vec![
                        row(
                            &["Trị số octan (RON)", "TCVN 6706", "95,4", "≥ 95", "Đạt"],
                            false,
                        ),
                        row(
                            &[
                                "Hàm lượng benzen, % thể tích",
                                "TCVN 6703",
                                "2,6",
                                "≤ 2,5",
                                "Không đạt",
                            ],
                            true,
                        ),
                    ],
                    flag_legend: Some(LocalizedText::new(
                        "Chỉ tiêu không phù hợp",
                        "Nonconforming characteristic",
                    )),
                }),
                text: None,
            },
        ],
        conclusion: Some(RecordConclusion {
            verdict: Some(Verdict::Fail),
            text: LocalizedText::new(
                "Mẫu không phù hợp QCVN 1:2022/BKHCN",
                "The sample does not conform",
            ),
            details: vec![],
        }),
        remarks: vec![],
        signatories: vec![
            RecordSignatory {
                role: LocalizedText::new("Người thử nghiệm", "Analyst"),
                name: "Hoàng Văn Dũng".into(),
                title: None,
            },
            RecordSignatory {
                role: LocalizedText::new("Thủ trưởng đơn vị", "Head of organisation"),
                name: "Lương Thị Thu".into(),
                title: None,
            },
        ],
        qr_payload: "https://tdc.langson.gov.vn/v/RPT42".into(),
        amendment: None,
        signature_fingerprint: None,
    }
}

#[test]
fn a_test_report_prints_its_form_results_flagged_row_and_qr_code() {
    let ws = Workspace::new();
    let doc = test_report();
    let pdf = tdc_certificate::render_record_pdf(&doc).expect("the report renders");
    let path = ws.write("report.pdf", &pdf);
    let text = tools::pdftotext(&path);
    assert_contains_all(
        &text,
        &[
            "PHIẾU KẾT QUẢ THỬ NGHIỆM",
            "0042/2026/TN-TTTĐC",
            "BM 7.8-01",
            "Kính gửi: Chi cục Quản lý thị trường Lạng Sơn",
            "Xăng RON 95-III",
            "% thể tích (*)",
            "(*) Chỉ tiêu không phù hợp",
            "Không đạt – Mẫu không phù hợp QCVN 1:2022/BKHCN",
            "Lạng Sơn, ngày 20 tháng 11 năm 2026",
            "Lương Thị Thu",
        ],
    );
    assert_fonts_embedded(&path);
    assert_qr_decodes(&ws, &path, "report", &doc.qr_payload);
}

#[test]
fn a_record_with_a_ragged_table_is_refused_naming_the_row() {
    let mut doc = test_report();
    if let Some(table) = doc.sections[1].table.as_mut() {
        table.rows[1].cells.pop();
    }
    doc.number = " ".into();
    let err = tdc_certificate::render_record_pdf(&doc).expect_err("refused");
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["number", "sections[1].table.rows[1].cells"]);
}
