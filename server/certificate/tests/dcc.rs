//! The DCC XML of realistic certificates, checked the way a receiving lab would: validated
//! against PTB's schema 3.1.2 with xmllint (offline, through the catalog in `shared/dcc`) and
//! read back with an XML parser, numbers and Vietnamese text compared exactly.
//!
//! The schemas are found through `TDC_DCC_SCHEMA_DIR`, or else in a `shared/dcc` folder
//! above this crate; without them (or without xmllint) the tests fail, they never skip.

// Numbers must come back bit for bit (shortest round-trip formatting), so exact float
// comparison is the point of these assertions, not an accident.
#![allow(clippy::float_cmp)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use tdc_certificate::{
    Amendment, CertificateDocument, CheckOutcome, Conclusion, DccInput, DccMeasurement,
    DocumentKind, EnvironmentalCondition, InstrumentIdentity, IssuingBody, Language, LocalizedText,
    Party, Procedure, ResultGroup, ResultRow, ResultsTable, Signatory, SignatoryRole, StandardUsed,
    UncertaintyStatement, Verdict, VerificationMode, dcc_xml, dsi_unit,
};

const SCHEMA: &str = "dcc-3.1.2.xsd";
const CERTIFICATE_ID: &str = "0196a3c2-7f41-7c3e-9d55-2b8f0e61a4d7";

// ---------------------------------------------------------------------------------------
// Documents (test data of TĐC Lạng Sơn, not a real job).

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn text(vi: &str, en: &str) -> LocalizedText {
    LocalizedText::new(vi, en)
}

/// A complete calibration certificate of an analytical balance (unit g), five points.
fn calibration_document() -> CertificateDocument {
    let issued = date(2026, 4, 8);
    let row = |point: &str, measured: &str, error: &str, u: &str| ResultRow {
        point: point.to_owned(),
        measured: Some(measured.to_owned()),
        error: Some(error.to_owned()),
        correction: None,
        mpe: None,
        expanded_uncertainty: Some(u.to_owned()),
        decision: None,
    };
    CertificateDocument {
        kind: DocumentKind::CalibrationCertificate,
        language: Language::Bilingual,
        issuing_body: IssuingBody {
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
        },
        number: "0045/2026/HC-TTTĐC".to_owned(),
        amendment: None,
        issue_date: issued,
        received_on: Some(date(2026, 4, 1)),
        performed_on: date(2026, 4, 6),
        qr_payload: "https://tdc.langson.gov.vn/v/Cb81ZtQe40Ra".to_owned(),
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
        environment: vec![
            EnvironmentalCondition {
                quantity: text("Nhiệt độ", "Temperature"),
                value: "24,1".to_owned(),
                unit: "°C".to_owned(),
            },
            EnvironmentalCondition {
                quantity: text("Độ ẩm tương đối", "Relative humidity"),
                value: "(55 ÷ 62)".to_owned(),
                unit: "%RH".to_owned(),
            },
            EnvironmentalCondition {
                quantity: text("Áp suất khí quyển", "Atmospheric pressure"),
                value: "≈ 101,3".to_owned(),
                unit: "kPa".to_owned(),
            },
        ],
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
            groups: vec![ResultGroup {
                title: None,
                rows: vec![
                    row("0,0000", "0,0000", "0,0", "0,12"),
                    row("50,0000", "50,0004", "+0,4", "0,14"),
                    row("100,0000", "100,0007", "+0,7", "0,17"),
                    row("150,0000", "150,0011", "+1,1", "0,21"),
                    row("200,0000", "200,0015", "+1,5", "0,25"),
                ],
            }],
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
        signatories: vec![
            Signatory {
                role: SignatoryRole::Technician,
                name: "Hoàng Văn Đức".to_owned(),
                title: Some(text("Kỹ thuật viên", "Technician")),
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
        ],
        chart_svg: None,
        remarks: vec![LocalizedText::vi(
            "Kết quả chỉ có giá trị với phương tiện đo được hiệu chuẩn.",
        )],
        signature_fingerprint: None,
    }
}

/// The calibration points in g: (nominal, measured, error, U), rounded as computed.
const CALIBRATION_POINTS: [(f64, f64, f64, f64); 5] = [
    (0.0, 0.0, 0.0, 0.000_12),
    (50.0, 50.000_4, 0.000_4, 0.000_14),
    (100.0, 100.000_7, 0.000_7, 0.000_17),
    (150.0, 150.001_1, 0.001_1, 0.000_21),
    (200.0, 200.001_5, 0.001_5, 0.000_25),
];

fn calibration_measurements() -> Vec<DccMeasurement> {
    CALIBRATION_POINTS
        .iter()
        .map(|&(nominal, measured, error, u)| DccMeasurement {
            point: format!("{nominal} g"),
            nominal,
            measured: Some(measured),
            error: Some(error),
            expanded_uncertainty: Some(u),
            coverage_factor: Some(2.0),
            coverage_probability: Some(0.9545),
            mpe: None,
            conformity: None,
        })
        .collect()
}

/// An amended verification certificate of a class III counter scale (unit kg).
fn verification_document() -> CertificateDocument {
    let mut doc = calibration_document();
    doc.kind = DocumentKind::VerificationCertificate;
    "0123/2026/KĐ-TTTĐC-SĐ1".clone_into(&mut doc.number);
    doc.amendment = Some(Amendment {
        revision: 1,
        supersedes: "0123/2026/KĐ-TTTĐC".to_owned(),
        reason: text(
            "Sửa số sản xuất ghi sai trên giấy chứng nhận trước",
            "Corrects the serial number misprinted on the earlier certificate",
        ),
    });
    doc.instrument = InstrumentIdentity {
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
    };
    doc.procedure = Procedure {
        id: "QT-KĐ-KL-15".to_owned(),
        document: "ĐLVN 15:2017".to_owned(),
        title: Some(text(
            "Cân đĩa – Quy trình kiểm định",
            "Counter scales – Verification procedure",
        )),
        method_summary: None,
    };
    doc.verification_mode = Some(VerificationMode::Periodic);
    doc.checks = vec![CheckOutcome {
        name: text("Kiểm tra bên ngoài", "External examination"),
        verdict: Verdict::Pass,
        note: Some(text("Nhãn hiệu, ký hiệu đầy đủ", "Markings complete")),
    }];
    doc.results = ResultsTable {
        point_label: Some(text("Tải trọng", "Load")),
        unit: "kg".to_owned(),
        error_unit: Some("g".to_owned()),
        groups: vec![ResultGroup {
            title: None,
            rows: VERIFICATION_POINTS
                .iter()
                .map(|(point, ..)| ResultRow {
                    point: (*point).to_owned(),
                    measured: Some("—".to_owned()),
                    error: Some("—".to_owned()),
                    correction: None,
                    mpe: Some("—".to_owned()),
                    expanded_uncertainty: None,
                    decision: Some(Verdict::Pass),
                })
                .collect(),
        }],
    };
    doc.uncertainty = None;
    doc.decision_rule = Some(text(
        "Chấp nhận đơn giản: đạt khi |E| ≤ MPE tại mọi điểm (ĐLVN 15:2017).",
        "Simple acceptance: pass when |E| ≤ MPE at every point (ĐLVN 15:2017).",
    ));
    doc.conclusion = Some(Conclusion {
        verdict: Verdict::Pass,
        statement: None,
        failure_reason: None,
    });
    doc.stamp_number = Some("26V.00318".to_owned());
    doc.valid_until = Some(date(2027, 4, 5));
    doc
}

/// (label, nominal kg, indication kg, error kg, MPE kg)
const VERIFICATION_POINTS: [(&str, f64, f64, f64, f64); 4] = [
    ("Min", 0.2, 0.2, 0.0, 0.005),
    ("1/4 Max", 7.5, 7.51, 0.01, 0.01),
    ("1/2 Max", 15.0, 15.0, 0.0, 0.01),
    ("Max", 30.0, 30.01, 0.01, 0.015),
];

fn verification_measurements() -> Vec<DccMeasurement> {
    VERIFICATION_POINTS
        .iter()
        .map(|&(point, nominal, measured, error, mpe)| DccMeasurement {
            point: point.to_owned(),
            nominal,
            measured: Some(measured),
            error: Some(error),
            expanded_uncertainty: None,
            coverage_factor: None,
            coverage_probability: None,
            mpe: Some(mpe),
            conformity: Some(Verdict::Pass),
        })
        .collect()
}

fn input<'a>(
    document: &'a CertificateDocument,
    unit: &'a str,
    measurements: &'a [DccMeasurement],
) -> DccInput<'a> {
    DccInput {
        document,
        unit,
        measurements,
        unique_identifier: CERTIFICATE_ID,
        signature: None,
    }
}

// ---------------------------------------------------------------------------------------
// Schema validation with xmllint.

fn schema_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TDC_DCC_SCHEMA_DIR") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join(SCHEMA).is_file(),
            "TDC_DCC_SCHEMA_DIR={} does not contain {SCHEMA}",
            dir.display()
        );
        return dir;
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared").join("dcc"))
        .find(|dir| dir.join(SCHEMA).is_file())
        .unwrap_or_else(|| {
            panic!(
                "the DCC schemas were not found: no shared/dcc/{SCHEMA} above {}; set \
                 TDC_DCC_SCHEMA_DIR to the folder holding {SCHEMA}, SI_Format-2.1.0.xsd and \
                 catalog.xml",
                env!("CARGO_MANIFEST_DIR")
            )
        })
}

/// Runs xmllint against the DCC schema and fails the test with its messages.
fn assert_schema_valid(name: &str, xml: &str) {
    let dir = schema_dir();
    let temp = tempfile::tempdir().expect("temporary folder");
    let file = temp.path().join(format!("{name}.xml"));
    std::fs::write(&file, xml).expect("write the DCC");
    let output = Command::new("xmllint")
        .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
        .arg("--nonet")
        .arg("--noout")
        .arg("--schema")
        .arg(dir.join(SCHEMA))
        .arg(&file)
        .output()
        .unwrap_or_else(|err| {
            panic!("xmllint could not be run ({err}); install it: apt-get install libxml2-utils")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let numbered = xml
            .lines()
            .enumerate()
            .map(|(i, line)| format!("{:4} {line}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        panic!("{name}: the DCC does not validate against {SCHEMA}:\n{stderr}\n{numbered}");
    }
    assert!(
        stderr.contains("validates"),
        "{name}: xmllint did not report a validation: {stderr}"
    );
}

// ---------------------------------------------------------------------------------------
// Reading the XML back.

#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn open(start: &BytesStart) -> Self {
        let attributes = start
            .attributes()
            .map(|attribute| {
                let attribute = attribute.expect("well-formed attribute");
                (
                    String::from_utf8(attribute.key.as_ref().to_vec()).expect("UTF-8 name"),
                    attribute
                        .unescape_value()
                        .expect("attribute value")
                        .into_owned(),
                )
            })
            .collect();
        Self {
            name: String::from_utf8(start.name().as_ref().to_vec()).expect("UTF-8 name"),
            attributes,
            ..Self::default()
        }
    }

    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The first child of each name along `path`.
    fn at(&self, path: &[&str]) -> &Node {
        let mut node = self;
        for name in path {
            node = node
                .children
                .iter()
                .find(|child| child.name == *name)
                .unwrap_or_else(|| panic!("<{}> has no <{name}> (path {path:?})", node.name));
        }
        node
    }

    /// All descendants named `name` (depth first).
    fn all<'a>(&'a self, name: &str, found: &mut Vec<&'a Node>) {
        for child in &self.children {
            if child.name == name {
                found.push(child);
            }
            child.all(name, found);
        }
    }

    /// The `dcc:content` in `lang` (`None`: without a lang attribute).
    fn content(&self, lang: Option<&str>) -> &str {
        self.children("dcc:content")
            .find(|content| content.attribute("lang") == lang)
            .map_or_else(
                || panic!("<{}> has no content in {lang:?}: {self:#?}", self.name),
                |content| content.text.as_str(),
            )
    }

    fn number(&self) -> f64 {
        self.text
            .parse()
            .unwrap_or_else(|err| panic!("<{}>{}: {err}", self.name, self.text))
    }
}

fn parse(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let top = stack.last_mut().expect("an open element");
        match event {
            Event::Start(start) => stack.push(Node::open(&start)),
            Event::Empty(start) => top.children.push(Node::open(&start)),
            Event::End(_) => {
                let node = stack.pop().expect("an open element");
                stack
                    .last_mut()
                    .expect("a parent element")
                    .children
                    .push(node);
            }
            Event::Text(text) => top.text.push_str(&text.decode().expect("UTF-8 text")),
            Event::GeneralRef(reference) => {
                if reference.is_char_ref() {
                    let c = reference
                        .resolve_char_ref()
                        .expect("valid character reference")
                        .expect("a character");
                    top.text.push(c);
                } else {
                    let name = reference.decode().expect("UTF-8 entity name");
                    let resolved =
                        resolve_predefined_entity(&name).expect("only predefined entities");
                    top.text.push_str(resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "every element is closed");
    let mut document = stack.pop().expect("the document");
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.remove(0)
}

/// The `dcc:list` of each test point, in order.
fn test_points(root: &Node) -> Vec<&Node> {
    root.at(&[
        "dcc:measurementResults",
        "dcc:measurementResult",
        "dcc:results",
        "dcc:result",
        "dcc:data",
        "dcc:list",
    ])
    .children("dcc:list")
    .collect()
}

/// The `si:real` of the quantity with `ref_type` in one point.
fn real<'a>(point: &'a Node, ref_type: &str) -> &'a Node {
    point
        .children("dcc:quantity")
        .find(|quantity| quantity.attribute("refType") == Some(ref_type))
        .unwrap_or_else(|| panic!("no quantity {ref_type} in {point:#?}"))
        .at(&["si:real"])
}

fn statement<'a>(root: &'a Node, ref_type: &str) -> &'a Node {
    root.at(&["dcc:administrativeData", "dcc:statements"])
        .children("dcc:statement")
        .find(|statement| statement.attribute("refType") == Some(ref_type))
        .unwrap_or_else(|| panic!("no statement {ref_type}"))
}

// ---------------------------------------------------------------------------------------
// The tests.

#[test]
fn a_calibration_certificate_validates_and_keeps_its_numbers() {
    let doc = calibration_document();
    let measurements = calibration_measurements();
    let xml = dcc_xml(&input(&doc, "g", &measurements)).expect("the DCC is written");
    assert_schema_valid("calibration", &xml);

    let root = parse(&xml);
    assert_eq!(root.name, "dcc:digitalCalibrationCertificate");
    assert_eq!(root.attribute("schemaVersion"), Some("3.1.2"));
    assert_eq!(root.attribute("xmlns:dcc"), Some("https://ptb.de/dcc"));
    assert_eq!(root.attribute("xmlns:si"), Some("https://ptb.de/si"));

    let core = root.at(&["dcc:administrativeData", "dcc:coreData"]);
    assert_eq!(
        core.at(&["dcc:uniqueIdentifier"]).text,
        "0045/2026/HC-TTTĐC"
    );
    assert_eq!(
        core.at(&["dcc:identifications", "dcc:identification", "dcc:value"])
            .text,
        CERTIFICATE_ID
    );
    assert_eq!(core.at(&["dcc:receiptDate"]).text, "2026-04-01");
    assert_eq!(core.at(&["dcc:beginPerformanceDate"]).text, "2026-04-06");
    assert_eq!(core.at(&["dcc:performanceLocation"]).text, "laboratory");

    let item = root.at(&["dcc:administrativeData", "dcc:items", "dcc:item"]);
    let name = item.at(&["dcc:name"]);
    assert_eq!(name.content(Some("vi")), "Cân phân tích");
    assert_eq!(name.content(Some("en")), "Analytical balance");
    assert_eq!(
        item.at(&["dcc:identifications", "dcc:identification", "dcc:value"])
            .text,
        "C318453012"
    );

    let points = test_points(&root);
    assert_eq!(points.len(), CALIBRATION_POINTS.len());
    let point = points[2];
    assert_eq!(point.at(&["dcc:name"]).content(None), "100 g");
    let nominal = real(point, "basic_nominalValue");
    assert_eq!(nominal.at(&["si:value"]).number(), 100.0);
    assert_eq!(nominal.at(&["si:unit"]).text, r"\gram");
    assert_eq!(
        real(point, "basic_measuredValue")
            .at(&["si:value"])
            .number(),
        100.000_7
    );
    let error = real(point, "basic_measurementError");
    assert_eq!(error.at(&["si:value"]).text, "0.0007");
    assert_eq!(error.at(&["si:value"]).number(), 0.000_7);
    let unc = error.at(&["si:expandedUnc"]);
    assert_eq!(unc.at(&["si:uncertainty"]).number(), 0.000_17);
    assert_eq!(unc.at(&["si:coverageFactor"]).number(), 2.0);
    assert_eq!(unc.at(&["si:coverageProbability"]).number(), 0.9545);

    // Environment: a number, a range, and a text that is not a number.
    let conditions: Vec<&Node> = root
        .at(&[
            "dcc:measurementResults",
            "dcc:measurementResult",
            "dcc:influenceConditions",
        ])
        .children("dcc:influenceCondition")
        .collect();
    assert_eq!(conditions.len(), 3);
    let temperature = conditions[0].at(&["dcc:data", "dcc:quantity", "si:real"]);
    assert_eq!(temperature.at(&["si:value"]).number(), 24.1);
    assert_eq!(temperature.at(&["si:unit"]).text, r"\degreecelsius");
    let humidity: Vec<f64> = conditions[1]
        .at(&["dcc:data"])
        .children("dcc:quantity")
        .map(|quantity| quantity.at(&["si:real", "si:value"]).number())
        .collect();
    assert_eq!(humidity, [55.0, 62.0]);
    assert_eq!(
        conditions[2]
            .at(&["dcc:data", "dcc:quantity", "dcc:noQuantity"])
            .content(None),
        "≈ 101,3 kPa"
    );

    let equipment = root.at(&[
        "dcc:measurementResults",
        "dcc:measurementResult",
        "dcc:measuringEquipments",
        "dcc:measuringEquipment",
    ]);
    let identifications: Vec<&str> = equipment
        .at(&["dcc:identifications"])
        .children("dcc:identification")
        .map(|id| id.at(&["dcc:value"]).text.as_str())
        .collect();
    assert_eq!(identifications, ["QC-E2-01", "V01.KL.0912/2025"]);
}

#[test]
fn an_amended_verification_certificate_states_conformity_and_what_it_replaces() {
    let doc = verification_document();
    let measurements = verification_measurements();
    let dcc = DccInput {
        signature: Some(("tdc-2026-01", "c2lnbmF0dXJlIG9mIHRoZSBjb250ZW50")),
        ..input(&doc, "kg", &measurements)
    };
    let xml = dcc_xml(&dcc).expect("the DCC is written");
    assert_schema_valid("verification", &xml);

    let root = parse(&xml);
    let amendment = statement(&root, "tdc_amendment");
    assert_eq!(amendment.at(&["dcc:reference"]).text, "0123/2026/KĐ-TTTĐC");
    let reason = amendment.at(&["dcc:declaration"]);
    assert_eq!(
        reason.content(Some("vi")),
        "Sửa số sản xuất ghi sai trên giấy chứng nhận trước"
    );
    assert_eq!(
        reason.content(Some("en")),
        "Corrects the serial number misprinted on the earlier certificate"
    );
    assert!(
        amendment
            .at(&["dcc:data", "dcc:text"])
            .content(Some("en"))
            .contains("supersedes certificate No. 0123/2026/KĐ-TTTĐC"),
    );

    let conclusion = statement(&root, "tdc_conclusion");
    assert_eq!(conclusion.at(&["dcc:conformity"]).text, "pass");
    assert_eq!(conclusion.at(&["dcc:norm"]).text, "ĐLVN 15:2017");
    assert_eq!(
        statement(&root, "tdc_stamp")
            .at(&["dcc:data", "dcc:text"])
            .content(None),
        "26V.00318"
    );
    assert_eq!(
        statement(&root, "tdc_validUntil").at(&["dcc:date"]).text,
        "2027-04-05"
    );
    let signature = statement(&root, "tdc_signature");
    assert_eq!(signature.at(&["dcc:reference"]).text, "tdc-2026-01");
    assert_eq!(
        signature.at(&["dcc:data", "dcc:text"]).content(None),
        "c2lnbmF0dXJlIG9mIHRoZSBjb250ZW50"
    );

    let points = test_points(&root);
    assert_eq!(points.len(), VERIFICATION_POINTS.len());
    for (point, (label, nominal, measured, error, mpe)) in points.iter().zip(VERIFICATION_POINTS) {
        assert_eq!(point.at(&["dcc:name"]).content(None), label);
        assert_eq!(
            real(point, "basic_nominalValue").at(&["si:value"]).number(),
            nominal
        );
        assert_eq!(
            real(point, "basic_measurementError")
                .at(&["si:value"])
                .number(),
            error
        );
        assert_eq!(
            real(point, "basic_measuredValue")
                .at(&["si:value"])
                .number(),
            measured
        );
        assert_eq!(
            real(point, "tdc_maximumPermissibleError")
                .at(&["si:value"])
                .number(),
            mpe
        );
        let meta = point.at(&["dcc:measurementMetaData", "dcc:metaData"]);
        assert_eq!(meta.attribute("refType"), Some("basic_conformity"));
        assert_eq!(meta.at(&["dcc:conformity"]).text, "pass");
    }
    assert_eq!(
        real(points[0], "basic_nominalValue").at(&["si:unit"]).text,
        r"\kilo\gram"
    );
}

#[test]
fn vietnamese_text_and_markup_characters_round_trip_exactly() {
    let owner = r#"Công ty TNHH "Ánh Dương" <Đo lường & Thử nghiệm> – chi nhánh Đồng Đăng's"#;
    let address = "Số 7 ngõ 12, phường Đông Kinh, tỉnh Lạng Sơn\nKi-ốt <A&B>";
    let mut doc = calibration_document();
    doc.owner = Party {
        name: owner.to_owned(),
        address: address.to_owned(),
    };
    doc.instrument.name = text("Cân phân tích điện tử “Ưu việt”", "Analytical balance");
    let measurements = calibration_measurements();
    let xml = dcc_xml(&input(&doc, "g", &measurements)).expect("the DCC is written");
    assert!(
        !xml.contains("<Đo lường"),
        "markup characters are escaped, not copied"
    );
    assert_schema_valid("round-trip", &xml);

    let root = parse(&xml);
    let customer = root.at(&["dcc:administrativeData", "dcc:customer"]);
    assert_eq!(customer.at(&["dcc:name"]).content(None), owner);
    assert_eq!(
        customer.at(&["dcc:location", "dcc:further"]).content(None),
        address
    );
    assert_eq!(
        root.at(&[
            "dcc:administrativeData",
            "dcc:items",
            "dcc:item",
            "dcc:name"
        ])
        .content(Some("vi")),
        "Cân phân tích điện tử “Ưu việt”"
    );
    let mut persons = Vec::new();
    root.all("dcc:person", &mut persons);
    let names: Vec<&str> = persons
        .iter()
        .map(|person| person.at(&["dcc:name"]).content(None))
        .collect();
    assert_eq!(names, ["Hoàng Văn Đức", "Nông Quốc Khánh"]);
}

#[test]
fn an_unknown_unit_is_refused_naming_the_unit() {
    let doc = calibration_document();
    let measurements = calibration_measurements();
    let err = dcc_xml(&input(&doc, "xyz", &measurements)).expect_err("no D-SI unit for xyz");
    assert!(
        err.problems().iter().any(|problem| problem.field == "unit"),
        "{err}"
    );
    assert!(
        err.to_string().contains(r#"unit: no D-SI unit for "xyz""#),
        "{err}"
    );
}

#[test]
fn units_map_to_their_d_si_notation() {
    assert_eq!(dsi_unit("kg"), Some(r"\kilo\gram"));
    assert_eq!(dsi_unit("g"), Some(r"\gram"));
    assert_eq!(dsi_unit("mg"), Some(r"\milli\gram"));
    assert_eq!(dsi_unit("°C"), Some(r"\degreecelsius"));
    assert_eq!(dsi_unit("kPa"), Some(r"\kilo\pascal"));
    assert_eq!(dsi_unit("MPa"), Some(r"\mega\pascal"));
    assert_eq!(dsi_unit("%RH"), Some(r"\percent"));
    assert_eq!(dsi_unit("mL"), Some(r"\milli\litre"));
    assert_eq!(dsi_unit("mmHg"), Some(r"\mmHg"));
    assert_eq!(dsi_unit("xyz"), None);
    assert_eq!(dsi_unit(""), None);
}

#[test]
fn numbers_the_d_si_format_cannot_hold_are_refused_with_their_paths() {
    let doc = calibration_document();
    let mut measurements = calibration_measurements();
    measurements[0].nominal = f64::NAN;
    measurements[1].coverage_factor = None;
    measurements[2].coverage_probability = Some(95.0);
    measurements[3].expanded_uncertainty = Some(-0.1);
    let err = dcc_xml(&input(&doc, "g", &measurements)).expect_err("invalid numbers");
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "measurements[0].nominal",
            "measurements[1].coverage_factor",
            "measurements[2].coverage_probability",
            "measurements[3].expanded_uncertainty",
        ],
        "{err}"
    );
}

#[test]
fn a_document_that_may_not_be_printed_may_not_be_exported() {
    let mut doc = calibration_document();
    doc.instrument.serial = " ".to_owned();
    doc.owner.name = "Công ty\u{1}".to_owned();
    let measurements = calibration_measurements();
    let err = dcc_xml(&input(&doc, "g", &measurements)).expect_err("incomplete document");
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["document.instrument.serial", "document.owner.name"],
        "{err}"
    );
}
