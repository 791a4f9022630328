//! Realistic documents of TĐC Lạng Sơn used by the tests and the bench: a class III
//! non-automatic weighing instrument (Max 30 kg, e = 10 g) verified under ĐLVN 15:2017, an
//! analytical balance calibrated with as-found / as-left results, a failed verification and
//! a bilingual certificate with 60 result rows.
//!
//! MPEs follow OIML R 76-1 Table 6 for class III (domain-rules.md §3.3): ±0,5 e up to 500 e,
//! ±1 e up to 2 000 e, ±1,5 e above; with e = 10 g that is ±5 g to 5 kg, ±10 g to 20 kg and
//! ±15 g to 30 kg. The numbers are test data, not a real job.

#![allow(dead_code)] // the bench uses only some of them

use chrono::NaiveDate;
use tdc_certificate::{
    CertificateDocument, ChartLabels, ChartPoint, CheckOutcome, Conclusion, DocumentKind,
    EnvironmentalCondition, InstrumentIdentity, IssuingBody, Language, LocalizedText, Party,
    Procedure, ResultGroup, ResultRow, ResultsTable, Signatory, SignatoryRole,
    SignatureFingerprint, StandardUsed, UncertaintyStatement, Verdict, VerificationMode, chart_svg,
};

pub const VERIFICATION_NUMBER: &str = "0123/2026/KĐ-TTTĐC";
pub const VERIFICATION_URL: &str = "https://tdc.langson.gov.vn/v/7Hq2KxW9pLm3";
pub const CALIBRATION_NUMBER: &str = "0045/2026/HC-TTTĐC";
pub const CALIBRATION_URL: &str = "https://tdc.langson.gov.vn/v/Cb81ZtQe40Ra";
pub const NOTICE_NUMBER: &str = "0017/2026/TB-TTTĐC";
pub const NOTICE_URL: &str = "https://tdc.langson.gov.vn/v/Nf5Ud2Jm6SxE";
pub const BILINGUAL_NUMBER: &str = "0124/2026/KĐ-TTTĐC";
pub const BILINGUAL_URL: &str = "https://tdc.langson.gov.vn/v/Bi60RowsAbCd";
pub const STAMP_NUMBER: &str = "26V.00318";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn text(vi: &str, en: &str) -> LocalizedText {
    LocalizedText::new(vi, en)
}

pub fn issuing_body() -> IssuingBody {
    IssuingBody {
        parent: Some(text(
            "Sở Khoa học và Công nghệ tỉnh Lạng Sơn",
            "Lang Son Department of Science and Technology",
        )),
        name: text(
            "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
            "Technical Centre for Standards, Metrology and Quality",
        ),
        address: "Số 9 đường Lê Lợi, phường Lương Văn Tri, tỉnh Lạng Sơn".to_owned(),
        phone: Some("0205 3812 345".to_owned()),
        email: Some("ttkt.tdc@langson.gov.vn".to_owned()),
        accreditation: Some("VILAS 1234".to_owned()),
        designation: Some("Quyết định chỉ định số 123/QĐ-TĐC".to_owned()),
        locality: "Lạng Sơn".to_owned(),
    }
}

fn scale() -> InstrumentIdentity {
    InstrumentIdentity {
        name: text("Cân không tự động", "Non-automatic weighing instrument"),
        category: Some(text("Cân đĩa điện tử", "electronic counter scale")),
        manufacturer: "Công ty TNHH Cân điện tử Việt Nhật (Việt Nam)".to_owned(),
        model: "VNC-30".to_owned(),
        serial: "VN2406-01187".to_owned(),
        year_of_manufacture: Some("2024".to_owned()),
        measuring_range: "Max = 30 kg; Min = 200 g".to_owned(),
        resolution: Some("e = d = 10 g".to_owned()),
        accuracy_class: Some("III".to_owned()),
        other: vec![],
    }
}

fn owner() -> Party {
    Party {
        name: "Hộ kinh doanh Nguyễn Thị Hường – chợ Đông Kinh".to_owned(),
        address: "Ki-ốt 112, chợ Đông Kinh, phường Đông Kinh, tỉnh Lạng Sơn".to_owned(),
    }
}

fn weighing_procedure() -> Procedure {
    Procedure {
        id: "QT-KĐ-KL-15".to_owned(),
        document: "ĐLVN 15:2017".to_owned(),
        title: Some(text(
            "Cân đĩa – Quy trình kiểm định",
            "Counter scales – Verification procedure",
        )),
        method_summary: Some(text(
            "So sánh số chỉ của cân với khối lượng của quả cân chuẩn cấp chính xác F2 tại 8 điểm tải tăng dần; kiểm tra độ lệch tâm tại 10 kg.",
            "The indications are compared with F2 reference weights at 8 increasing loads; eccentricity is tested at 10 kg.",
        )),
    }
}

fn environment() -> Vec<EnvironmentalCondition> {
    vec![
        EnvironmentalCondition {
            quantity: text("Nhiệt độ", "Temperature"),
            value: "24,1".to_owned(),
            unit: "°C".to_owned(),
        },
        EnvironmentalCondition {
            quantity: text("Độ ẩm tương đối", "Relative humidity"),
            value: "62".to_owned(),
            unit: "%RH".to_owned(),
        },
    ]
}

fn weights_f2() -> StandardUsed {
    StandardUsed {
        code: "QC-F2-03".to_owned(),
        name: text(
            "Bộ quả cân chuẩn cấp chính xác F2 (1 g ÷ 20 kg)",
            "F2 reference weight set (1 g to 20 kg)",
        ),
        certificate_number: "V01.KL.1187/2025".to_owned(),
        traceability: text(
            "Viện Đo lường Việt Nam (VMI)",
            "Vietnam Metrology Institute (VMI)",
        ),
        valid_until: Some(date(2027, 1, 20)),
    }
}

fn external_checks(technical: Verdict) -> Vec<CheckOutcome> {
    vec![
        CheckOutcome {
            name: text("Kiểm tra bên ngoài", "External examination"),
            verdict: Verdict::Pass,
            note: Some(text("Nhãn hiệu, ký hiệu đầy đủ", "Markings complete")),
        },
        CheckOutcome {
            name: text("Kiểm tra kỹ thuật", "Technical examination"),
            verdict: technical,
            note: None,
        },
    ]
}

fn signatories(issued: NaiveDate) -> Vec<Signatory> {
    vec![
        Signatory {
            role: SignatoryRole::Technician,
            name: "Hoàng Văn Đức".to_owned(),
            title: Some(text("Kiểm định viên", "Verifier")),
            signed_on: Some(issued),
        },
        Signatory {
            role: SignatoryRole::Reviewer,
            name: "Lương Thị Thu Trang".to_owned(),
            title: None,
            signed_on: Some(issued),
        },
        Signatory {
            role: SignatoryRole::Approver,
            name: "Nông Quốc Khánh".to_owned(),
            title: Some(text(
                "KT. Giám đốc – Phó Giám đốc",
                "p.p. Director – Deputy Director",
            )),
            signed_on: Some(issued),
        },
    ]
}

/// (nominal kg, indication kg, error g, MPE g)
const WEIGHING_POINTS: [(&str, &str, &str, &str); 8] = [
    ("0,200", "0,200", "0", "5"),
    ("1,000", "1,000", "0", "5"),
    ("5,000", "5,000", "0", "5"),
    ("10,000", "10,010", "+10", "10"),
    ("15,000", "15,000", "0", "10"),
    ("20,000", "20,010", "+10", "10"),
    ("25,000", "24,990", "−10", "15"),
    ("30,000", "30,010", "+10", "15"),
];

fn row(point: &str, measured: &str, error: &str, mpe: &str, decision: Verdict) -> ResultRow {
    ResultRow {
        point: point.to_owned(),
        measured: Some(measured.to_owned()),
        error: Some(error.to_owned()),
        correction: None,
        mpe: Some(mpe.to_owned()),
        expanded_uncertainty: None,
        decision: Some(decision),
    }
}

fn parse(value: &str) -> f64 {
    value
        .replace('−', "-")
        .replace(',', ".")
        .parse()
        .expect("test values are numbers")
}

fn weighing_chart(points: &[(&str, &str, &str, &str)], labels: &ChartLabels) -> String {
    let points: Vec<ChartPoint> = points
        .iter()
        .map(|(nominal, _, error, mpe)| ChartPoint {
            nominal: parse(nominal),
            error: parse(error),
            mpe: parse(mpe),
            expanded_uncertainty: Some(2.9),
        })
        .collect();
    chart_svg(&points, labels)
}

fn vi_chart_labels() -> ChartLabels {
    ChartLabels {
        x_axis: "Tải trọng (kg)".to_owned(),
        y_axis: "Sai số (g)".to_owned(),
        error: "Sai số".to_owned(),
        mpe: "± Sai số cho phép".to_owned(),
        uncertainty: "U (k = 2)".to_owned(),
        decimal_comma: true,
    }
}

/// The verification certificate of the class III counter scale, in Vietnamese.
pub fn verification_certificate() -> CertificateDocument {
    let issued = date(2026, 3, 16);
    let rows = WEIGHING_POINTS
        .iter()
        .map(|(p, m, e, mpe)| row(p, m, e, mpe, Verdict::Pass))
        .collect();
    let eccentricity = (1..=5)
        .map(|position| {
            row(
                &format!("10,000 (vị trí {position})"),
                if position == 3 { "10,010" } else { "10,000" },
                if position == 3 { "+10" } else { "0" },
                "10",
                Verdict::Pass,
            )
        })
        .collect();
    CertificateDocument {
        kind: DocumentKind::VerificationCertificate,
        language: Language::Vi,
        issuing_body: issuing_body(),
        number: VERIFICATION_NUMBER.to_owned(),
        amendment: None,
        issue_date: issued,
        received_on: Some(date(2026, 3, 12)),
        performed_on: date(2026, 3, 13),
        qr_payload: VERIFICATION_URL.to_owned(),
        instrument: scale(),
        owner: owner(),
        procedure: weighing_procedure(),
        verification_mode: Some(VerificationMode::Periodic),
        place: "Phòng thí nghiệm Khối lượng, Trung tâm Kỹ thuật TĐC Lạng Sơn".to_owned(),
        environment: environment(),
        standards: vec![weights_f2()],
        checks: external_checks(Verdict::Pass),
        results: ResultsTable {
            point_label: Some(text("Tải trọng", "Load")),
            unit: "kg".to_owned(),
            error_unit: Some("g".to_owned()),
            groups: vec![
                ResultGroup {
                    title: Some(text(
                        "Phép thử độ đúng (tải tăng)",
                        "Weighing test (increasing loads)",
                    )),
                    rows,
                },
                ResultGroup {
                    title: Some(text("Phép thử độ lệch tâm", "Eccentricity test")),
                    rows: eccentricity,
                },
            ],
        },
        uncertainty: None,
        decision_rule: Some(text(
            "Chấp nhận đơn giản: phương tiện đo đạt khi |E| ≤ MPE tại mọi điểm kiểm tra (ĐLVN 15:2017).",
            "Simple acceptance: the instrument passes when |E| ≤ MPE at every test point (ĐLVN 15:2017).",
        )),
        conclusion: Some(Conclusion {
            verdict: Verdict::Pass,
            statement: None,
            failure_reason: None,
        }),
        stamp_number: Some(STAMP_NUMBER.to_owned()),
        valid_until: Some(date(2027, 3, 12)),
        signatories: signatories(issued),
        chart_svg: Some(weighing_chart(&WEIGHING_POINTS, &vi_chart_labels())),
        remarks: vec![LocalizedText::vi(
            "Kẹp chì niêm phong số 0318 tại vít hiệu chỉnh dưới đáy cân.",
        )],
        signature_fingerprint: Some(SignatureFingerprint {
            key_id: "tdc-2026-01".to_owned(),
            digest: "sha256:9f2c4a1b7e03d5c8".to_owned(),
        }),
    }
}

/// The same certificate with English labels.
pub fn english_certificate() -> CertificateDocument {
    let mut doc = verification_certificate();
    doc.language = Language::En;
    doc
}

/// A calibration certificate of an analytical balance with as-found and as-left results.
pub fn calibration_certificate() -> CertificateDocument {
    let issued = date(2026, 4, 8);
    let cal_row = |nominal: &str, measured: &str, error: &str, u: &str| ResultRow {
        point: nominal.to_owned(),
        measured: Some(measured.to_owned()),
        error: Some(error.to_owned()),
        correction: Some(if error.starts_with('+') {
            error.replacen('+', "−", 1)
        } else if error.starts_with('−') {
            error.replacen('−', "+", 1)
        } else {
            error.to_owned()
        }),
        mpe: None,
        expanded_uncertainty: Some(u.to_owned()),
        decision: None,
    };
    let as_found = vec![
        cal_row("0,0000", "0,0000", "0,0", "0,12"),
        cal_row("50,0000", "50,0004", "+0,4", "0,14"),
        cal_row("100,0000", "100,0007", "+0,7", "0,17"),
        cal_row("150,0000", "150,0011", "+1,1", "0,21"),
        cal_row("200,0000", "200,0015", "+1,5", "0,25"),
    ];
    let as_left = vec![
        cal_row("0,0000", "0,0000", "0,0", "0,12"),
        cal_row("50,0000", "50,0001", "+0,1", "0,14"),
        cal_row("100,0000", "100,0001", "+0,1", "0,17"),
        cal_row("150,0000", "149,9999", "−0,1", "0,21"),
        cal_row("200,0000", "200,0002", "+0,2", "0,25"),
    ];
    CertificateDocument {
        kind: DocumentKind::CalibrationCertificate,
        language: Language::Vi,
        issuing_body: issuing_body(),
        number: CALIBRATION_NUMBER.to_owned(),
        amendment: None,
        issue_date: issued,
        received_on: Some(date(2026, 4, 1)),
        performed_on: date(2026, 4, 6),
        qr_payload: CALIBRATION_URL.to_owned(),
        instrument: InstrumentIdentity {
            name: text("Cân phân tích", "Analytical balance"),
            category: None,
            manufacturer: "Mettler Toledo (Thụy Sĩ)".to_owned(),
            model: "MS204TS/00".to_owned(),
            serial: "C318453012".to_owned(),
            year_of_manufacture: Some("2021".to_owned()),
            measuring_range: "(0 ÷ 220) g".to_owned(),
            resolution: Some("d = 0,1 mg".to_owned()),
            accuracy_class: Some("I".to_owned()),
            other: vec![],
        },
        owner: Party {
            name: "Công ty Cổ phần Xi măng Đồng Bành".to_owned(),
            address: "Thị trấn Chi Lăng, huyện Chi Lăng, tỉnh Lạng Sơn".to_owned(),
        },
        procedure: Procedure {
            id: "QTHC-KL-02".to_owned(),
            document: "ĐLVN 284:2016".to_owned(),
            title: Some(text(
                "Cân phân tích, cân kỹ thuật – Quy trình hiệu chuẩn",
                "Analytical and technical balances – Calibration procedure",
            )),
            method_summary: Some(text(
                "So sánh trực tiếp với quả cân chuẩn cấp chính xác E2; mỗi điểm đo lặp 3 lần.",
                "Direct comparison with E2 reference weights; three repeats per point.",
            )),
        },
        verification_mode: None,
        place: "Phòng thí nghiệm Khối lượng, Trung tâm Kỹ thuật TĐC Lạng Sơn".to_owned(),
        environment: environment(),
        standards: vec![StandardUsed {
            code: "QC-E2-01".to_owned(),
            name: text(
                "Bộ quả cân chuẩn E2 (1 mg ÷ 200 g)",
                "E2 reference weight set (1 mg to 200 g)",
            ),
            certificate_number: "V01.KL.0912/2025".to_owned(),
            traceability: text(
                "Viện Đo lường Việt Nam (VMI)",
                "Vietnam Metrology Institute (VMI)",
            ),
            valid_until: Some(date(2026, 11, 30)),
        }],
        checks: vec![],
        results: ResultsTable {
            point_label: None,
            unit: "g".to_owned(),
            error_unit: Some("mg".to_owned()),
            groups: vec![
                ResultGroup {
                    title: Some(text("Trước hiệu chỉnh", "As found")),
                    rows: as_found,
                },
                ResultGroup {
                    title: Some(text("Sau hiệu chỉnh", "As left")),
                    rows: as_left,
                },
            ],
        },
        uncertainty: Some(UncertaintyStatement {
            expanded_uncertainty: None,
            coverage_factor: "2".to_owned(),
            coverage_probability: "95 %".to_owned(),
            text: None,
        }),
        decision_rule: None,
        conclusion: None,
        stamp_number: None,
        valid_until: None,
        signatories: signatories(issued),
        chart_svg: None,
        remarks: vec![text(
            "Cân đã được hiệu chỉnh bằng quả cân nội trước khi đo kết quả sau hiệu chỉnh.",
            "The balance was adjusted with its internal weight before the as-left measurements.",
        )],
        signature_fingerprint: Some(SignatureFingerprint {
            key_id: "tdc-2026-01".to_owned(),
            digest: "sha256:41d07be2c9a05f16".to_owned(),
        }),
    }
}

/// The notice of failure of the counter scale: +20 g at 20 kg against an MPE of ±10 g.
pub fn notice_of_failure() -> CertificateDocument {
    let mut doc = verification_certificate();
    doc.kind = DocumentKind::NoticeOfFailure;
    NOTICE_NUMBER.clone_into(&mut doc.number);
    NOTICE_URL.clone_into(&mut doc.qr_payload);
    doc.stamp_number = None;
    doc.valid_until = None;
    doc.remarks = vec![];
    let failed = [
        ("0,200", "0,200", "0", "5", Verdict::Pass),
        ("1,000", "1,000", "0", "5", Verdict::Pass),
        ("5,000", "5,010", "+10", "5", Verdict::Fail),
        ("10,000", "10,010", "+10", "10", Verdict::Pass),
        ("15,000", "15,010", "+10", "10", Verdict::Pass),
        ("20,000", "20,020", "+20", "10", Verdict::Fail),
    ];
    doc.results.groups = vec![ResultGroup {
        title: None,
        rows: failed
            .iter()
            .map(|(p, m, e, mpe, v)| row(p, m, e, mpe, *v))
            .collect(),
    }];
    doc.chart_svg = None;
    doc.conclusion = Some(Conclusion {
        verdict: Verdict::Fail,
        statement: None,
        failure_reason: Some(text(
            "Sai số tại 5 kg (+10 g) và 20 kg (+20 g) vượt sai số cho phép lớn nhất.",
            "The errors at 5 kg (+10 g) and 20 kg (+20 g) exceed the maximum permissible error.",
        )),
    });
    doc
}

/// A bilingual certificate with 60 result rows (30 increasing and 30 decreasing loads).
pub fn bilingual_certificate_with_60_rows() -> CertificateDocument {
    let mut doc = verification_certificate();
    doc.language = Language::Bilingual;
    BILINGUAL_NUMBER.clone_into(&mut doc.number);
    BILINGUAL_URL.clone_into(&mut doc.qr_payload);
    let mpe = |kg: u32| match kg {
        0..=5 => "5",
        6..=20 => "10",
        _ => "15",
    };
    let load_row = |kg: u32, step: u32| {
        let error = match (kg + step) % 4 {
            1 => "+10",
            3 => "−10",
            _ => "0",
        };
        let error = if mpe(kg) == "5" { "0" } else { error };
        let measured = match error {
            "+10" => format!("{kg},010"),
            "−10" => format!("{},990", kg - 1),
            _ => format!("{kg},000"),
        };
        row(
            &format!("{kg},000"),
            &measured,
            error,
            mpe(kg),
            Verdict::Pass,
        )
    };
    doc.results.groups = vec![
        ResultGroup {
            title: Some(text("Tải tăng", "Increasing load")),
            rows: (1..=30).map(|kg| load_row(kg, 0)).collect(),
        },
        ResultGroup {
            title: Some(text("Tải giảm", "Decreasing load")),
            rows: (1..=30).rev().map(|kg| load_row(kg, 1)).collect(),
        },
    ];
    let points: Vec<(String, String, String, String)> = doc
        .results
        .groups
        .iter()
        .flat_map(|g| &g.rows)
        .map(|r| {
            (
                r.point.clone(),
                r.measured.clone().unwrap_or_default(),
                r.error.clone().unwrap_or_default(),
                r.mpe.clone().unwrap_or_default(),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str, &str)> = points
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    doc.chart_svg = Some(weighing_chart(
        &borrowed,
        &ChartLabels::bilingual("kg", "g"),
    ));
    doc
}
