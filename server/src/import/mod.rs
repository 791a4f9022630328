//! Import of measuring instruments from a CSV or XLSX file ("nhập danh sách phương tiện đo"):
//! bytes in, validated [`InstrumentRow`]s or *every* problem found out. No I/O, no clock.
//!
//! Decisions:
//! - **All or nothing.** [`parse_instruments`] returns rows only when the whole file is clean,
//!   so the caller stores them in one transaction and nothing is ever half-imported. Problems
//!   carry the row number a person sees in a spreadsheet (header = row 1) and the column's
//!   canonical name: `row 12, serial`.
//! - **Two stages.** A reader turns the file into a sheet of raw `Cell`s (CSV text, or XLSX
//!   cells with their types: numbers, date cells, errors); the rules of each column then turn
//!   cells into values. The readers never trust the input: damaged archives, binary garbage and
//!   over-long rows become problems, never panics.
//! - **The first worksheet** of a workbook is read, streamed cell by cell, so a sheet whose used
//!   range is huge but sparse costs only its cells, and reading stops past [`MAX_DATA_ROWS`].
//! - **Text is compared in NFC**, case-insensitively: Vietnamese typed with a "Unicode tổ hợp"
//!   keyboard (decomposed) matches the same words typed precomposed.
//! - **Categories are the statutory list** (`calibration_profiles::cycles`): a code, or the
//!   Vietnamese or English name, becomes the code.
//! - A CSV row with fewer fields than the header is read with its trailing cells empty (Excel
//!   drops trailing separators in some rows); a row with more non-empty fields than the header
//!   is refused, as its values are probably shifted.

pub mod dossiers;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader as _, Xlsx};
use calibration_profiles::cycles::cycles;
use calibration_profiles::problems::Problems;
use calibration_profiles::units::{Quantity, QuantityKind, Unit, UnitError};
use chrono::{Datelike as _, Days, NaiveDate};
use unicode_normalization::UnicodeNormalization as _;

/// Largest number of data rows (non-empty rows below the header) one file may hold.
pub const MAX_DATA_ROWS: usize = 100_000;

/// `progress` is called after every this many validated rows (and once at the end).
const PROGRESS_EVERY: usize = 1000;

/// Cells beyond this many columns are not stored, only noted as out of place.
const MAX_COLUMNS: usize = 100;

/// One validated instrument, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentRow {
    /// The spreadsheet row it came from (header = row 1).
    pub row: usize,
    /// Serial number (số máy), as written, trimmed.
    pub serial: String,
    /// Category code of the statutory list, e.g. `analytical-balance`.
    pub category: String,
    /// Manufacturer (hãng sản xuất).
    pub maker: Option<String>,
    /// Model or type designation (kiểu).
    pub model: Option<String>,
    /// Measuring range as written ("0–300 mmHg", "Max 220 g"); it names a known unit.
    pub measuring_range: Option<String>,
    /// Scale interval d (giá trị độ chia).
    pub resolution: Option<Quantity>,
    /// Verification scale interval e (giá trị độ chia kiểm).
    pub verification_interval: Option<Quantity>,
    /// Accuracy class as written (I, II, E2, M1, 0.5 …).
    pub accuracy_class: Option<String>,
    /// Organisation using the instrument (đơn vị sử dụng).
    pub owner: Option<String>,
    /// Its tax code (mã số thuế): 10 digits, or 10 digits + `-` + 3 digits for a branch.
    pub owner_tax_code: Option<String>,
    /// Where the instrument is used (vị trí).
    pub location: Option<String>,
    /// Date of the last verification (ngày kiểm định).
    pub last_verified_on: Option<NaiveDate>,
    /// End of its validity (hạn kiểm định); never before `last_verified_on`.
    pub next_due_on: Option<NaiveDate>,
}

/// The file formats that can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// The format named by a file's extension, any case: `DS-can.XLSX` is XLSX; `ds.xls`
    /// (Excel 97–2003) is none.
    #[must_use]
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("csv") {
            Some(Self::Csv)
        } else if ext.eq_ignore_ascii_case("xlsx") {
            Some(Self::Xlsx)
        } else {
            None
        }
    }
}

/// Reads and validates a whole file of instruments.
///
/// Returns every row when the file has no problem, otherwise every problem found (each bad
/// cell of each row, header problems, duplicates). `progress(done, total)` is called while
/// rows are validated, every 1000 rows and once at the end, so a progress bar can follow.
pub fn parse_instruments(
    format: FileFormat,
    bytes: &[u8],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<InstrumentRow>, Problems> {
    let (header, data, mut problems) = read_table::<Column>(format, bytes)?;
    let categories = CategoryIndex::new();
    let mut rows = Vec::with_capacity(data.len());
    let mut seen = Seen::new();
    let total = data.len();
    for (i, line) in data.iter().enumerate() {
        if let Some(r) = validate_row(line, &header, &categories, &mut seen, &mut problems) {
            rows.push(r);
        }
        let done = i + 1;
        if done % PROGRESS_EVERY == 0 && done != total {
            progress(done, total);
        }
    }
    progress(total, total);
    problems.into_result(rows)
}

// ---------------------------------------------------------------------------------------------
// Raw sheet

/// The header and data rows of a file of `C` rows, with the problems found so far (header
/// problems, unreadable rows); `Err` when the file cannot be read at all.
fn read_table<C: ColumnSet>(
    format: FileFormat,
    bytes: &[u8],
) -> Result<(Header<C>, Vec<Line>, Problems), Problems> {
    let sheet = read_sheet(format, bytes)?;
    let mut problems = sheet.problems;
    let mut lines = sheet.lines.into_iter();
    let Some(header_line) = lines.next() else {
        problems.at(
            "",
            format!(
                "the file is empty: expected a header row ({}, …) and one row per {}",
                C::all()
                    .iter()
                    .take(2)
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                C::row_noun()
            ),
        );
        return Err(problems);
    };
    let data: Vec<Line> = lines.collect();
    let header = Header::parse(&header_line, &data, &mut problems);
    if data.is_empty() {
        problems.at(
            format!("row {}", header_line.row),
            format!("no {} rows below the header", C::row_noun()),
        );
    }
    Ok((header, data, problems))
}

/// The non-empty rows of a CSV or XLSX file, or why it cannot be read.
fn read_sheet(format: FileFormat, bytes: &[u8]) -> Result<Sheet, Problems> {
    match format {
        FileFormat::Csv => read_csv(bytes),
        FileFormat::Xlsx => read_xlsx(bytes),
    }
}

/// A cell as the file holds it, before any column rule.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    /// Trimmed, NFC text.
    Text(String),
    Number(f64),
    /// An XLSX date cell; `None` when it is no day of the calendar (Excel's 29/02/1900).
    Date(Option<NaiveDate>),
    /// An XLSX time-span cell (`[h]:mm`).
    Duration,
    Bool(bool),
    /// A spreadsheet error value such as `#REF!`.
    Error(String),
}

impl Cell {
    fn text(s: &str) -> Self {
        let t: String = s.trim().nfc().collect();
        if t.is_empty() {
            Self::Empty
        } else {
            Self::Text(t)
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    /// The text a person sees in the cell, for text columns and messages.
    fn display(&self) -> String {
        match self {
            Self::Empty | Self::Duration => String::new(),
            Self::Text(t) => t.clone(),
            Self::Number(n) => number_text(*n),
            Self::Date(d) => d.map(format_date).unwrap_or_default(),
            Self::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Self::Error(e) => e.clone(),
        }
    }
}

/// A number as a spreadsheet shows it by default: whole numbers without a decimal point.
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// One non-empty row of the sheet.
#[derive(Debug)]
struct Line {
    /// Spreadsheet row number.
    row: usize,
    cells: Vec<Cell>,
    /// Index of the first non-empty cell beyond [`MAX_COLUMNS`], when there is one.
    beyond: Option<usize>,
}

impl Line {
    fn cell(&self, index: usize) -> &Cell {
        self.cells.get(index).unwrap_or(&Cell::Empty)
    }
}

/// The non-empty rows of a file (the first one is the header) and the problems found reading.
#[derive(Debug, Default)]
struct Sheet {
    lines: Vec<Line>,
    problems: Problems,
}

impl Sheet {
    /// Adds a row; refuses the file once it holds more than [`MAX_DATA_ROWS`] data rows.
    fn push(&mut self, line: Line) -> Result<(), Problems> {
        if line.cells.iter().all(Cell::is_empty) && line.beyond.is_none() {
            return Ok(());
        }
        if self.lines.len() > MAX_DATA_ROWS {
            return Err(one_problem(
                "",
                format!(
                    "the file has more than {MAX_DATA_ROWS} data rows: split it into files \
                     of at most {MAX_DATA_ROWS} rows and import them one by one"
                ),
            ));
        }
        self.lines.push(line);
        Ok(())
    }
}

fn one_problem(path: impl Into<String>, message: impl Into<String>) -> Problems {
    let mut p = Problems::default();
    p.at(path, message);
    p
}

/// Spreadsheet column letters of a 0-based index: 0 → A, 26 → AA.
fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        // rem < 26, so the byte is an ASCII capital letter.
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// CSV

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Compound File Binary: Excel 97–2003 `.xls`.
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn read_csv(bytes: &[u8]) -> Result<Sheet, Problems> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(CFB_MAGIC) {
        return Err(one_problem(
            "",
            "this is an Excel workbook, not a CSV text file: import it as XLSX (a file ending in .xlsx)",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].split(|b| *b == b'\n').count();
        one_problem(
            format!("row {line}"),
            "the file is not UTF-8 text: in Excel use File › Save As › \"CSV UTF-8 (Comma \
             delimited)\", in LibreOffice choose the character set \"Unicode (UTF-8)\"",
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    let mut record = csv::StringRecord::new();
    let mut rows = RowCounter::default();
    let mut width = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                sheet.problems.at(
                    format!("row {}", rows.last_row + 1),
                    format!("not valid CSV: {e}"),
                );
                return Err(sheet.problems);
            }
        }
        let row = rows.row_of(text.as_bytes(), &record);
        let cells: Vec<Cell> = record.iter().map(Cell::text).collect();
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let header_width = *width.get_or_insert(cells.len());
        let extra = cells
            .iter()
            .skip(header_width)
            .filter(|c| !c.is_empty())
            .count();
        if extra > 0 {
            sheet.problems.at(
                format!("row {row}"),
                format!(
                    "{} fields, but the header has {header_width}: a value holding the \
                     delimiter must be put in double quotes",
                    cells.len()
                ),
            );
            continue;
        }
        let beyond = (MAX_COLUMNS..cells.len()).find(|i| !cells[*i].is_empty());
        let mut cells = cells;
        cells.truncate(MAX_COLUMNS);
        sheet.push(Line { row, cells, beyond })?;
    }
    Ok(sheet)
}

/// Spreadsheet row numbers of CSV records. The csv reader skips blank lines and its positions
/// do not count them, yet a spreadsheet shows them as rows; and a line break inside a quoted
/// value is no new row. So: row = 1 + line breaks before the record's first byte − line breaks
/// inside the values of the records before it.
#[derive(Debug, Default)]
struct RowCounter {
    /// Bytes before `cursor` are counted in `breaks`.
    cursor: usize,
    breaks: usize,
    inner: usize,
    last_row: usize,
}

impl RowCounter {
    fn row_of(&mut self, text: &[u8], record: &csv::StringRecord) -> usize {
        // The reported position may lie before the terminator or blank lines that precede
        // the record; its first byte is the first one that ends no line.
        let mut start = record
            .position()
            .map_or(self.cursor, |p| to_usize(p.byte()))
            .clamp(self.cursor, text.len());
        while text.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            start += 1;
        }
        self.breaks += line_breaks(&text[self.cursor..start]);
        self.cursor = start;
        let row = (self.breaks + 1)
            .saturating_sub(self.inner)
            .max(self.last_row + 1);
        self.inner += record
            .iter()
            .map(|f| line_breaks(f.as_bytes()))
            .sum::<usize>();
        self.last_row = row;
        row
    }
}

/// Line breaks in `bytes`: `\r\n`, `\n` or a lone `\r`.
fn line_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// `;` when the header line (the first line not blank, outside quotes) holds more semicolons
/// than commas, else `,`.
fn detect_delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in text.trim_start().chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

// ---------------------------------------------------------------------------------------------
// XLSX

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, Problems> {
    if bytes.starts_with(CFB_MAGIC) {
        return Err(one_problem(
            "",
            "this is an Excel 97–2003 workbook (.xls): open it in Excel or LibreOffice and save \
             it as .xlsx",
        ));
    }
    let damaged = |e: &dyn std::fmt::Display| {
        one_problem(
            "",
            format!(
                "the file cannot be read as an XLSX workbook ({e}): it may be damaged or \
                 incomplete; open it in Excel or LibreOffice and save it again as .xlsx"
            ),
        )
    };
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| damaged(&e))?;
    let Some(name) = book.sheet_names().first().cloned() else {
        return Err(one_problem("", "the workbook has no worksheet"));
    };
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| damaged(&e))?;
    // Rows may come in any order in a hand-made file; a map puts them back in order.
    let mut rows: BTreeMap<u32, Line> = BTreeMap::new();
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => return Err(damaged(&e)),
        };
        let value = xlsx_cell(cell.get_value());
        if value.is_empty() {
            continue;
        }
        let (r, c) = cell.get_position();
        let c = usize::try_from(c).unwrap_or(usize::MAX);
        if !rows.contains_key(&r) && rows.len() > MAX_DATA_ROWS {
            return Err(one_problem(
                "",
                format!(
                    "the file has more than {MAX_DATA_ROWS} data rows: split it into files \
                     of at most {MAX_DATA_ROWS} rows and import them one by one"
                ),
            ));
        }
        let line = rows.entry(r).or_insert_with(|| Line {
            row: usize::try_from(r).map_or(usize::MAX, |r| r.saturating_add(1)),
            cells: Vec::new(),
            beyond: None,
        });
        if c < MAX_COLUMNS {
            if line.cells.len() <= c {
                line.cells.resize(c + 1, Cell::Empty);
            }
            line.cells[c] = value;
        } else if line.beyond.is_none_or(|b| c < b) {
            line.beyond = Some(c);
        }
    }
    let mut sheet = Sheet::default();
    for line in rows.into_values() {
        sheet.push(line)?;
    }
    Ok(sheet)
}

fn xlsx_cell(v: &DataRef<'_>) -> Cell {
    match v {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::text(s),
        DataRef::SharedString(s) => Cell::text(s),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_duration() => Cell::Duration,
        DataRef::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(NaiveDate::from_ymd_opt(
                i32::from(y),
                u32::from(m),
                u32::from(d),
            ))
        }
        // ISO 8601 text of a `t="d"` cell: its date part.
        DataRef::DateTimeIso(s) => Cell::Date(s.get(..10).and_then(parse_iso_date)),
        DataRef::DurationIso(_) => Cell::Duration,
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

// ---------------------------------------------------------------------------------------------
// Header

/// The columns one kind of import file may hold (instruments, dossiers…): each has a
/// canonical name, the headings accepted for it and whether it is required.
pub(crate) trait ColumnSet: Copy + Eq + std::hash::Hash + 'static {
    /// Every column, in the order they are listed to a person.
    fn all() -> &'static [Self];
    /// Accepted header texts: canonical name first, then the Vietnamese heading of the
    /// Centre's forms, then other spellings. Compared after [`fold_header`].
    fn headers(self) -> &'static [&'static str];
    fn required(self) -> bool;
    /// What a row of this file is ("instrument", "dossier"), for messages.
    fn row_noun() -> &'static str;

    /// Canonical name, used in problem paths.
    fn name(self) -> &'static str {
        self.headers()[0]
    }

    fn from_header(text: &str) -> Option<Self> {
        let key = fold_header(text);
        Self::all()
            .iter()
            .copied()
            .find(|c| c.headers().iter().any(|h| fold_header(h) == key))
    }
}

/// The columns an instrument import file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Serial,
    Category,
    Maker,
    Model,
    MeasuringRange,
    Resolution,
    VerificationInterval,
    AccuracyClass,
    Owner,
    OwnerTaxCode,
    Location,
    LastVerifiedOn,
    NextDueOn,
}

impl ColumnSet for Column {
    fn all() -> &'static [Self] {
        &Self::ALL
    }

    fn headers(self) -> &'static [&'static str] {
        self.headings()
    }

    fn required(self) -> bool {
        matches!(self, Column::Serial | Column::Category)
    }

    fn row_noun() -> &'static str {
        "instrument"
    }
}

impl Column {
    const ALL: [Column; 13] = [
        Column::Serial,
        Column::Category,
        Column::Maker,
        Column::Model,
        Column::MeasuringRange,
        Column::Resolution,
        Column::VerificationInterval,
        Column::AccuracyClass,
        Column::Owner,
        Column::OwnerTaxCode,
        Column::Location,
        Column::LastVerifiedOn,
        Column::NextDueOn,
    ];

    fn headings(self) -> &'static [&'static str] {
        match self {
            Column::Serial => &[
                "serial",
                "Số máy",
                "serial number",
                "số sê-ri",
                "số seri",
                "số hiệu",
            ],
            Column::Category => &["category", "Loại", "loại phương tiện đo"],
            Column::Maker => &[
                "maker",
                "Hãng sản xuất",
                "manufacturer",
                "nhà sản xuất",
                "hãng sx",
            ],
            Column::Model => &["model", "Kiểu", "kiểu loại", "ký hiệu"],
            Column::MeasuringRange => &["measuring_range", "Phạm vi đo", "range"],
            Column::Resolution => &["resolution", "Giá trị độ chia", "d", "độ phân giải"],
            Column::VerificationInterval => &[
                "verification_interval",
                "Giá trị độ chia kiểm",
                "e",
                "độ chia kiểm",
            ],
            Column::AccuracyClass => &["accuracy_class", "Cấp chính xác", "class", "ccx"],
            Column::Owner => &["owner", "Đơn vị sử dụng", "chủ sở hữu"],
            Column::OwnerTaxCode => &["owner_tax_code", "Mã số thuế", "tax code", "mst"],
            Column::Location => &["location", "Vị trí", "địa điểm", "nơi lắp đặt"],
            Column::LastVerifiedOn => &["last_verified_on", "Ngày kiểm định"],
            Column::NextDueOn => &["next_due_on", "Hạn kiểm định", "hiệu lực đến"],
        }
    }
}

/// Headings of columns that are read past on purpose: the running number (số thứ tự) every
/// Vietnamese table starts with. Any other unknown heading is a problem, so that no data a
/// person expects to be imported is dropped silently.
const IGNORED_HEADERS: &[&str] = &["stt", "tt", "số thứ tự", "no."];

/// Lower case, NFC, `_` read as a space, runs of spaces as one.
fn fold_header(text: &str) -> String {
    fold(&text.replace('_', " "))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower case in NFC, for comparing what people type.
fn fold(text: &str) -> String {
    text.nfc().collect::<String>().to_lowercase()
}

/// Where each known column sits in the file.
#[derive(Debug)]
struct Header<C: ColumnSet = Column> {
    position: HashMap<C, usize>,
    /// Number of header cells; values further right have no heading.
    width: usize,
}

impl<C: ColumnSet> Header<C> {
    fn parse(line: &Line, data: &[Line], problems: &mut Problems) -> Self {
        let at = |i: usize| format!("row {}, column {}", line.row, column_letters(i));
        let mut position: HashMap<C, usize> = HashMap::new();
        for (i, cell) in line.cells.iter().enumerate() {
            let text = cell.display();
            if text.is_empty() {
                let rows: Vec<String> = data
                    .iter()
                    .filter(|l| !l.cell(i).is_empty())
                    .map(|l| l.row.to_string())
                    .take(6)
                    .collect();
                if !rows.is_empty() {
                    let more = if rows.len() > 5 { ", …" } else { "" };
                    problems.at(
                        at(i),
                        format!(
                            "the heading is empty but rows {}{more} hold values there: name the column or delete the values",
                            rows[..rows.len().min(5)].join(", ")
                        ),
                    );
                }
                continue;
            }
            if IGNORED_HEADERS.contains(&fold_header(&text).as_str()) {
                continue;
            }
            match C::from_header(&text) {
                Some(col) => {
                    if let Some(first) = position.get(&col) {
                        problems.at(
                            at(i),
                            format!(
                                "column `{text}` is {} again; it is already column {}",
                                col.name(),
                                column_letters(*first)
                            ),
                        );
                    } else {
                        position.insert(col, i);
                    }
                }
                None => problems.at(
                    at(i),
                    format!(
                        "unknown column `{text}`; the known columns are {}",
                        known_columns::<C>()
                    ),
                ),
            }
        }
        if let Some(b) = line.beyond {
            problems.at(
                at(b),
                format!("a heading beyond the {MAX_COLUMNS} columns an import file may have"),
            );
        }
        for col in C::all().iter().copied().filter(|c| c.required()) {
            if !position.contains_key(&col) {
                problems.at(
                    format!("row {}", line.row),
                    format!(
                        "the required column {} (`{}`) is missing from the header",
                        col.name(),
                        col.headers()[1]
                    ),
                );
            }
        }
        Header {
            position,
            width: line.cells.len(),
        }
    }
}

fn known_columns<C: ColumnSet>() -> String {
    let mut s = String::new();
    for (i, c) in C::all().iter().copied().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{} ({})", c.name(), c.headers()[1]);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Rows

/// Why a cell was refused; the text becomes the problem's message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum FieldError {
    #[error("is required")]
    Missing,
    #[error("the cell holds the spreadsheet error {0}: put the value itself in it")]
    SpreadsheetError(String),
    #[error(
        "`{0}` is not a category of the statutory list: write its code (e.g. `analytical-balance`) or its Vietnamese name (e.g. `Cân phân tích`)"
    )]
    UnknownCategory(String),
    #[error("`{0}` is not a date: write dd/mm/yyyy (e.g. 05/03/2026) or yyyy-mm-dd")]
    NotADate(String),
    #[error("`{0}` is not a day of the calendar")]
    NoSuchDay(String),
    #[error("{0} is not a plausible date: the year must be between 1900 and 2199")]
    ImplausibleYear(String),
    #[error("`{0}` is not a quantity: {1}")]
    UnknownUnit(String, UnitError),
    #[error("`{0}` is not a quantity: write a number and its unit, e.g. `0.1 mg`")]
    NotAQuantity(String),
    #[error("`{0}` has no unit: write it with its unit, e.g. `0.1 mg`")]
    NoUnit(String),
    #[error("`{0}` must be greater than zero")]
    NotPositive(String),
    #[error("`{0}` names no known unit: write e.g. `0–300 mmHg` or `Max 220 g`")]
    RangeWithoutUnit(String),
    #[error(
        "`{0}` is not a tax code: 10 digits, or 10 digits, `-` and 3 digits for a branch (e.g. 4900123456-001)"
    )]
    TaxCode(String),
    #[error(
        "`{0}` is not a tax code: 10 digits expected; the cell is a number, so a leading zero may have been dropped — format the column as Text"
    )]
    TaxCodeAsNumber(String),
    #[error("{due} is before last_verified_on {last}")]
    DueBeforeVerified { due: String, last: String },
    #[error("`{serial}` of category {category} is also in row {first}")]
    Duplicate {
        serial: String,
        category: &'static str,
        first: usize,
    },
}

fn path(row: usize, col: Column) -> String {
    format!("row {row}, {}", col.name())
}

/// Codes and names of the statutory categories, folded, mapped to their code.
#[derive(Debug)]
struct CategoryIndex(HashMap<String, &'static str>);

impl CategoryIndex {
    fn new() -> Self {
        let mut map: HashMap<String, &'static str> = HashMap::new();
        let mut ambiguous: HashSet<String> = HashSet::new();
        let mut add = |key: &str, code: &'static str| {
            let key = fold_header(key);
            if key.is_empty() {
                return;
            }
            match map.get(&key) {
                Some(c) if *c != code => {
                    ambiguous.insert(key);
                }
                _ => {
                    map.insert(key, code);
                }
            }
        };
        for cycle in &cycles().cycle {
            let code = cycle.category.as_str();
            add(code, code);
            for name in [&cycle.name.vi, &cycle.name.en] {
                add(name, code);
                // "Áp kế (lò xo, hiện số)" is commonly written "Áp kế".
                if let Some((short, _)) = name.split_once('(') {
                    add(short, code);
                }
            }
        }
        for key in ambiguous {
            map.remove(&key);
        }
        Self(map)
    }

    fn code(&self, text: &str) -> Option<&'static str> {
        self.0.get(&fold_header(text)).copied()
    }
}

/// First row of each (category code, folded serial) pair.
type Seen = HashMap<(&'static str, String), usize>;

/// The cells of one row, by column.
struct RawRow<'a> {
    line: &'a Line,
    header: &'a Header,
}

impl RawRow<'_> {
    /// The cell of `col`; `None` when the file has no such column.
    fn cell(&self, col: Column) -> Option<&Cell> {
        self.header.position.get(&col).map(|i| self.line.cell(*i))
    }
}

/// Records the problems of one row's cells.
struct RowCheck<'a> {
    row: usize,
    problems: &'a mut Problems,
    ok: bool,
}

impl RowCheck<'_> {
    fn take<T>(&mut self, col: Column, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.at(path(self.row, col), e.to_string());
                self.ok = false;
                None
            }
        }
    }
}

fn validate_row(
    line: &Line,
    header: &Header,
    categories: &CategoryIndex,
    seen: &mut Seen,
    problems: &mut Problems,
) -> Option<InstrumentRow> {
    let raw = RawRow { line, header };
    let mut check = RowCheck {
        row: line.row,
        problems,
        ok: true,
    };
    // Values under no heading were reported with the header, unless beyond its width.
    if let Some(i) = (header.width..line.cells.len())
        .find(|i| !line.cell(*i).is_empty())
        .or(line.beyond)
    {
        check.problems.at(
            format!("row {}, column {}", line.row, column_letters(i)),
            "a value in a column without a heading",
        );
        check.ok = false;
    }
    let required = |col: Column| -> Result<Option<String>, FieldError> {
        match raw.cell(col) {
            // The missing column is reported once, in the header.
            None => Ok(None),
            Some(cell) => text(cell)?.map(Some).ok_or(FieldError::Missing),
        }
    };
    let serial = check
        .take(Column::Serial, required(Column::Serial))
        .flatten();
    let category = check
        .take(
            Column::Category,
            required(Column::Category).and_then(|c| {
                c.map(|c| categories.code(&c).ok_or(FieldError::UnknownCategory(c)))
                    .transpose()
            }),
        )
        .flatten();
    if let (Some(serial), Some(category)) = (&serial, category) {
        match seen.entry((category, fold(serial))) {
            Entry::Occupied(first) => {
                check.take::<()>(
                    Column::Serial,
                    Err(FieldError::Duplicate {
                        serial: serial.clone(),
                        category,
                        first: *first.get(),
                    }),
                );
            }
            Entry::Vacant(v) => {
                v.insert(line.row);
            }
        }
    }
    let optional = |col: Column| raw.cell(col).unwrap_or(&Cell::Empty);
    let maker = check.take(Column::Maker, text(optional(Column::Maker)));
    let model = check.take(Column::Model, text(optional(Column::Model)));
    let measuring_range = check.take(
        Column::MeasuringRange,
        measuring_range(optional(Column::MeasuringRange)),
    );
    let resolution = check.take(Column::Resolution, quantity(optional(Column::Resolution)));
    let verification_interval = check.take(
        Column::VerificationInterval,
        quantity(optional(Column::VerificationInterval)),
    );
    let accuracy_class = check.take(Column::AccuracyClass, text(optional(Column::AccuracyClass)));
    let owner = check.take(Column::Owner, text(optional(Column::Owner)));
    let owner_tax_code = check.take(
        Column::OwnerTaxCode,
        tax_code(optional(Column::OwnerTaxCode)),
    );
    let location = check.take(Column::Location, text(optional(Column::Location)));
    let last_verified_on = check.take(
        Column::LastVerifiedOn,
        date(optional(Column::LastVerifiedOn)),
    );
    let next_due_on = check.take(Column::NextDueOn, date(optional(Column::NextDueOn)));
    if let (Some(Some(last)), Some(Some(due))) = (last_verified_on, next_due_on)
        && due < last
    {
        check.take::<()>(
            Column::NextDueOn,
            Err(FieldError::DueBeforeVerified {
                due: format_date(due),
                last: format_date(last),
            }),
        );
    }
    if !check.ok {
        return None;
    }
    Some(InstrumentRow {
        row: line.row,
        serial: serial?,
        category: category?.to_owned(),
        maker: maker?,
        model: model?,
        measuring_range: measuring_range?,
        resolution: resolution?,
        verification_interval: verification_interval?,
        accuracy_class: accuracy_class?,
        owner: owner?,
        owner_tax_code: owner_tax_code?,
        location: location?,
        last_verified_on: last_verified_on?,
        next_due_on: next_due_on?,
    })
}

fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A text column: any cell but an error; numbers as a spreadsheet shows them.
fn text(cell: &Cell) -> Result<Option<String>, FieldError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Error(e) => Err(FieldError::SpreadsheetError(e.clone())),
        other => Ok(Some(other.display()).filter(|s| !s.is_empty())),
    }
}

/// A Quantity with a unit and a value above zero; a decimal comma is read as a point.
fn quantity(cell: &Cell) -> Result<Option<Quantity>, FieldError> {
    let Some(t) = text(cell)? else {
        return Ok(None);
    };
    let q = Quantity::parse(&decimal_point(&t)).map_err(|e| match e {
        UnitError::NotAQuantity(_) => FieldError::NotAQuantity(t.clone()),
        e => FieldError::UnknownUnit(t.clone(), e),
    })?;
    if q.unit.kind() == QuantityKind::Count {
        return Err(FieldError::NoUnit(t));
    }
    if !(q.value > 0.0) {
        return Err(FieldError::NotPositive(t));
    }
    Ok(Some(q))
}

/// "0,1 mg" → "0.1 mg": the Vietnamese decimal comma of a leading number without a point.
fn decimal_point(t: &str) -> String {
    let number_end = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '+' | '-' | ',' | '.')))
        .unwrap_or(t.len());
    let number = &t[..number_end];
    if number.matches(',').count() == 1 && !number.contains('.') {
        format!("{}{}", number.replacen(',', ".", 1), &t[number_end..])
    } else {
        t.to_owned()
    }
}

/// Free text that must name at least one known unit ("0–300 mmHg", "Max 220 g").
fn measuring_range(cell: &Cell) -> Result<Option<String>, FieldError> {
    let Some(t) = text(cell)? else {
        return Ok(None);
    };
    let names_a_unit = t.split_whitespace().any(|word| {
        let unit = word
            .trim_start_matches(|c: char| c.is_ascii_digit() || "+-–—−~÷.,:;()[]=".contains(c))
            .trim_end_matches(|c: char| ",;:)]".contains(c));
        !unit.is_empty() && Unit::parse(unit).is_ok_and(|u| u.kind() != QuantityKind::Count)
    });
    if names_a_unit {
        Ok(Some(t))
    } else {
        Err(FieldError::RangeWithoutUnit(t))
    }
}

/// Mã số thuế: `dddddddddd` or `dddddddddd-ddd`.
fn tax_code(cell: &Cell) -> Result<Option<String>, FieldError> {
    let Some(t) = text(cell)? else {
        return Ok(None);
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let valid = match t.split_once('-') {
        None => digits(&t, 10),
        Some((main, branch)) => digits(main, 10) && digits(branch, 3),
    };
    if valid {
        Ok(Some(t))
    } else if matches!(cell, Cell::Number(_)) {
        Err(FieldError::TaxCodeAsNumber(t))
    } else {
        Err(FieldError::TaxCode(t))
    }
}

/// A date cell, an Excel serial number, or text `dd/mm/yyyy` / `yyyy-mm-dd`.
/// Dates outside these years are typing mistakes (a verification in 2206, or in year 26).
const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

fn date(cell: &Cell) -> Result<Option<NaiveDate>, FieldError> {
    let date = calendar_date(cell)?;
    match date {
        Some(d) if !DATE_YEARS.contains(&d.year()) => {
            Err(FieldError::ImplausibleYear(format_date(d)))
        }
        _ => Ok(date),
    }
}

fn calendar_date(cell: &Cell) -> Result<Option<NaiveDate>, FieldError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Error(e) => Err(FieldError::SpreadsheetError(e.clone())),
        Cell::Date(Some(d)) => Ok(Some(*d)),
        Cell::Date(None) => Err(FieldError::NoSuchDay(cell.display())),
        Cell::Number(n) => excel_serial(*n)
            .map(Some)
            .ok_or_else(|| FieldError::NotADate(cell.display())),
        Cell::Duration | Cell::Bool(_) => Err(FieldError::NotADate(cell.display())),
        Cell::Text(t) => parse_date_text(t).map(Some),
    }
}

/// Excel's 1900 date system: serial 1 = 1900-01-01, with its phantom 29/02/1900 (serial 60).
fn excel_serial(serial: f64) -> Option<NaiveDate> {
    // 2 958 465 = 31/12/9999, Excel's last day.
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // In range, so the day count fits in u64 exactly.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let days = serial.floor() as u64;
    let epoch = match days {
        ..60 => NaiveDate::from_ymd_opt(1899, 12, 31)?,
        60 => return None,
        _ => NaiveDate::from_ymd_opt(1899, 12, 30)?,
    };
    epoch.checked_add_days(Days::new(days))
}

fn parse_date_text(t: &str) -> Result<NaiveDate, FieldError> {
    let not_a_date = || FieldError::NotADate(t.to_owned());
    let number = |s: &str, max_len: usize| -> Option<u32> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let parts: Vec<&str> = if t.contains('/') {
        t.split('/').collect()
    } else {
        t.split('-').collect()
    };
    let (y, m, d) = match parts.as_slice() {
        [d, m, y] if t.contains('/') && y.len() == 4 => (number(y, 4), number(m, 2), number(d, 2)),
        [y, m, d] if !t.contains('/') && y.len() == 4 => (number(y, 4), number(m, 2), number(d, 2)),
        // A bare whole number is an Excel serial (a date column exported without its format).
        [serial] if number(serial, 7).is_some() => {
            return number(serial, 7)
                .and_then(|s| excel_serial(f64::from(s)))
                .ok_or_else(not_a_date);
        }
        _ => return Err(not_a_date()),
    };
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Err(not_a_date());
    };
    let y = i32::try_from(y).map_err(|_| not_a_date())?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| FieldError::NoSuchDay(t.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_CSV: &[u8] = include_bytes!("../../tests/fixtures/import/good.csv");
    const MIXED_CSV: &[u8] = include_bytes!("../../tests/fixtures/import/mixed.csv");
    const GOOD_XLSX: &[u8] = include_bytes!("../../tests/fixtures/import/good.xlsx");
    const MIXED_XLSX: &[u8] = include_bytes!("../../tests/fixtures/import/mixed.xlsx");

    fn parse(format: FileFormat, bytes: &[u8]) -> Result<Vec<InstrumentRow>, Problems> {
        parse_instruments(format, bytes, &mut |_, _| {})
    }

    fn csv(text: &str) -> Result<Vec<InstrumentRow>, Problems> {
        parse(FileFormat::Csv, text.as_bytes())
    }

    fn paths(p: &Problems) -> Vec<&str> {
        p.iter().map(|p| p.path.as_str()).collect()
    }

    fn message<'a>(p: &'a Problems, path: &str) -> &'a str {
        p.iter()
            .find(|p| p.path == path)
            .map_or_else(|| panic!("no problem at `{path}` in:\n{p}"), |p| &p.message)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap()
    }

    #[test]
    fn the_format_follows_the_extension_in_any_case() {
        let f = |p: &str| FileFormat::from_path(Path::new(p));
        assert_eq!(f("ds-can.csv"), Some(FileFormat::Csv));
        assert_eq!(f("/tmp/DS CAN.XLSX"), Some(FileFormat::Xlsx));
        assert_eq!(f("ds.Xlsx"), Some(FileFormat::Xlsx));
        assert_eq!(f("ds.xls"), None);
        assert_eq!(f("csv"), None);
        assert_eq!(f("ds.csv.txt"), None);
    }

    #[test]
    fn reads_the_good_csv_with_vietnamese_headers_semicolons_and_a_bom() {
        let rows = parse(FileFormat::Csv, GOOD_CSV).unwrap();
        assert_eq!(rows.len(), 20);
        // Row 12 is blank; row 6 holds a line break inside quotes yet is one row.
        let numbers: Vec<usize> = rows.iter().map(|r| r.row).collect();
        let expected: Vec<usize> = (2..=22).filter(|r| *r != 12).collect();
        assert_eq!(numbers, expected);

        let first = &rows[0];
        assert_eq!(
            first,
            &InstrumentRow {
                row: 2,
                serial: "AB-1001".into(),
                category: "analytical-balance".into(),
                maker: Some("Mettler Toledo".into()),
                model: Some("ME204".into()),
                measuring_range: Some("Max 220 g".into()),
                resolution: Some(q("0.1 mg")),
                verification_interval: Some(q("1 mg")),
                accuracy_class: Some("I".into()),
                owner: Some("Công ty CP Dược phẩm Lạng Sơn".into()),
                owner_tax_code: Some("4900123456".into()),
                location: Some("Phòng QC".into()),
                last_verified_on: Some(day(2026, 1, 15)),
                next_due_on: Some(day(2027, 1, 15)),
            }
        );
        let row = |n: usize| rows.iter().find(|r| r.row == n).unwrap();
        // d/m/yyyy without leading zeros, a branch tax code.
        assert_eq!(row(4).last_verified_on, Some(day(2026, 2, 3)));
        assert_eq!(row(4).owner_tax_code.as_deref(), Some("4900234567-001"));
        // A quoted `;`, ISO dates, the Vietnamese name of the category.
        assert_eq!(row(5).category, "taximeter");
        assert_eq!(
            row(5).owner.as_deref(),
            Some("Công ty TNHH Taxi Mai Linh; chi nhánh Lạng Sơn")
        );
        assert_eq!(row(5).next_due_on, Some(day(2027, 8, 10)));
        assert_eq!(row(6).location.as_deref(), Some("Khoa Nội\nPhòng 204"));
        // "Huyết áp kế (thủy ngân, lò xo, điện tử)" is found by its short name, in any case.
        assert_eq!(row(6).category, "sphygmomanometer");
        assert_eq!(row(7).category, "sphygmomanometer");
        assert_eq!(row(8).category, "pressure-gauge");
        assert_eq!(row(13).category, "weighbridge");
        assert_eq!(row(13).row, 13);
        assert_eq!(row(16).resolution, Some(q("0.05 L")));
        assert_eq!(row(16).resolution.unwrap().decimals(), 2);
        assert_eq!(row(17).category, "electricity-meter-1p");
        assert_eq!(row(17).measuring_range.as_deref(), Some("5(20) A"));
        assert_eq!(row(21).next_due_on, None);
        // Whitespace around values is trimmed; empty optional cells are None.
        assert_eq!(row(22).serial, "PB-2002");
        assert_eq!(row(22).category, "precision-balance");
        assert_eq!(row(22).last_verified_on, None);
        assert_eq!(row(9).owner_tax_code, None);
    }

    #[test]
    fn lists_every_problem_of_the_mixed_csv_with_its_row_and_column() {
        let p = parse(FileFormat::Csv, MIXED_CSV).unwrap_err();
        assert_eq!(
            paths(&p),
            [
                // Found while reading, before any row is checked.
                "row 11",
                "row 3, category",
                "row 4, last_verified_on",
                "row 5, serial",
                "row 6, serial",
                "row 7, owner_tax_code",
                "row 8, resolution",
                "row 10, next_due_on",
                "row 12, measuring_range",
                "row 12, resolution",
            ],
            "{p}"
        );
        assert!(message(&p, "row 11").starts_with("14 fields, but the header has 13"));
        assert!(message(&p, "row 3, category").contains("`balance-of-power` is not a category"));
        assert_eq!(
            message(&p, "row 4, last_verified_on"),
            "`31/02/2026` is not a day of the calendar"
        );
        assert_eq!(message(&p, "row 5, serial"), "is required");
        assert_eq!(
            message(&p, "row 6, serial"),
            "`AB-1001` of category analytical-balance is also in row 2"
        );
        assert!(message(&p, "row 7, owner_tax_code").starts_with("`490012345` is not a tax code"));
        assert_eq!(
            message(&p, "row 8, resolution"),
            "`0.1 gr` is not a quantity: unknown unit 'gr'"
        );
        assert_eq!(
            message(&p, "row 10, next_due_on"),
            "10/01/2026 is before last_verified_on 10/02/2026"
        );
        assert!(message(&p, "row 12, measuring_range").starts_with("`abc` names no known unit"));
        assert!(message(&p, "row 12, resolution").starts_with("`0.5` has no unit"));
    }

    #[test]
    fn reads_the_good_xlsx_with_date_cells_and_a_text_date() {
        let rows = parse(FileFormat::Xlsx, GOOD_XLSX).unwrap();
        assert_eq!(rows.len(), 10);
        let numbers: Vec<usize> = rows.iter().map(|r| r.row).collect();
        assert_eq!(numbers, [2, 3, 4, 5, 6, 8, 9, 10, 11, 12]);
        let row = |n: usize| rows.iter().find(|r| r.row == n).unwrap();
        assert_eq!(row(2).last_verified_on, Some(day(2026, 1, 15)));
        assert_eq!(row(2).resolution, Some(q("0.1 mg")));
        // A serial typed as a number reads as the spreadsheet shows it.
        assert_eq!(row(3).serial, "123456");
        assert_eq!(row(3).category, "precision-balance");
        // A text date cell beside a date cell.
        assert_eq!(row(4).last_verified_on, Some(day(2026, 3, 5)));
        assert_eq!(row(4).next_due_on, Some(day(2027, 9, 5)));
        assert_eq!(row(4).category, "taximeter");
        // A numeric accuracy class; a tax code kept as text with its leading zero.
        assert_eq!(row(5).accuracy_class.as_deref(), Some("1"));
        assert_eq!(row(5).owner_tax_code.as_deref(), Some("0100100079-055"));
        assert_eq!(row(10).accuracy_class.as_deref(), Some("0.5"));
        assert_eq!(row(11).next_due_on, None);
        assert_eq!(row(12).last_verified_on, None);
        assert_eq!(row(12).category, "earth-resistance-meter");
    }

    #[test]
    fn lists_every_problem_of_the_mixed_xlsx_with_its_row_and_column() {
        let p = parse(FileFormat::Xlsx, MIXED_XLSX).unwrap_err();
        assert_eq!(
            paths(&p),
            [
                "row 3, last_verified_on",
                "row 4, owner_tax_code",
                "row 5, category",
                "row 6, resolution",
                "row 7, last_verified_on",
                "row 8, serial",
                "row 9, next_due_on",
                "row 10, column P",
                "row 12, serial",
            ],
            "{p}"
        );
        assert_eq!(
            message(&p, "row 3, last_verified_on"),
            "`31/02/2026` is not a day of the calendar"
        );
        assert!(message(&p, "row 4, owner_tax_code").contains("leading zero"));
        assert!(message(&p, "row 5, category").starts_with("`Cân điện tử` is not a category"));
        assert!(message(&p, "row 6, resolution").starts_with("`0.1` has no unit"));
        assert!(message(&p, "row 7, last_verified_on").contains("#REF!"));
        // Serials compare without case; the category by its code, whatever name was written.
        assert_eq!(
            message(&p, "row 8, serial"),
            "`ab-1001` of category analytical-balance is also in row 2"
        );
        assert_eq!(
            message(&p, "row 9, next_due_on"),
            "10/01/2026 is before last_verified_on 10/02/2026"
        );
        assert_eq!(message(&p, "row 12, serial"), "is required");
    }

    #[test]
    fn names_unknown_and_duplicate_columns_and_a_missing_required_one() {
        let p = csv("Số máy,Ghi chú,Kiểu,MODEL\nA1,x,K1,K2\n").unwrap_err();
        assert_eq!(
            paths(&p),
            ["row 1, column B", "row 1, column D", "row 1"],
            "{p}"
        );
        assert!(message(&p, "row 1, column B").starts_with("unknown column `Ghi chú`"));
        assert_eq!(
            message(&p, "row 1, column D"),
            "column `MODEL` is model again; it is already column C"
        );
        assert!(message(&p, "row 1").contains("required column category (`Loại`)"));
    }

    #[test]
    fn the_running_number_column_is_read_past() {
        let rows = csv("STT;Số máy;Loại\n1;A1;Taximet\n2;A2;Taximet\n").unwrap();
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn a_value_under_an_empty_heading_is_a_problem_but_empty_trailing_columns_are_not() {
        assert_eq!(csv("serial;category;;\nA1;taximeter;;\n").unwrap().len(), 1);
        let p = csv("serial;category;\nA1;taximeter;x\nA2;taximeter;\n").unwrap_err();
        assert_eq!(paths(&p), ["row 1, column C"]);
        assert!(message(&p, "row 1, column C").contains("rows 2 hold values"));
    }

    #[test]
    fn headers_match_in_any_case_spacing_and_unicode_composition() {
        // "Số máy" and "Loại" typed decomposed (NFD), as some Vietnamese keyboards do.
        let nfd = "So\u{302}\u{301} ma\u{301}y;LOA\u{323}I;  Owner_Tax_Code ;next   due on\n\
                   A1;Ta\u{300}u;4900123456;01/01/2027\n";
        // "Tàu" is no category: the header is read, the row is checked.
        let p = csv(nfd).unwrap_err();
        assert_eq!(paths(&p), ["row 2, category"]);
        let ok = nfd.replace("Ta\u{300}u", "CA\u{302}N PHA\u{302}N TI\u{301}CH");
        assert_eq!(csv(&ok).unwrap()[0].category, "analytical-balance");
    }

    #[test]
    fn numbers_rows_as_a_spreadsheet_shows_them() {
        let rows =
            |text: &str| -> Vec<usize> { csv(text).unwrap().iter().map(|r| r.row).collect() };
        assert_eq!(
            rows("serial,category\nA1,taximeter\n\n\nA2,taximeter"),
            [2, 5]
        );
        assert_eq!(rows("\r\n\r\nserial,category\r\nA1,taximeter\r\n"), [4]);
        assert_eq!(
            rows("serial,category\rA1,taximeter\r\rA2,taximeter\r"),
            [2, 4]
        );
        assert_eq!(
            rows("serial,category,location\nA1,taximeter,\"a\r\nb\n\nc\"\n\nA2,taximeter,x\n"),
            [2, 4]
        );
        assert_eq!(rows("serial,category\n,\n,,\nA1,taximeter\n"), [4]);
        let p = csv("serial,category\n\nA1,nope\n").unwrap_err();
        assert_eq!(paths(&p), ["row 3, category"]);
    }

    #[test]
    fn detects_the_delimiter_from_the_header_line() {
        let semi = csv("serial;category;owner\nA1;taximeter;\"Công ty A, chi nhánh 2\"\n").unwrap();
        assert_eq!(semi[0].owner.as_deref(), Some("Công ty A, chi nhánh 2"));
        let comma = csv("serial,category,owner\nA1,taximeter,\"Công ty A; \"\"B\"\"\"\n").unwrap();
        assert_eq!(comma[0].owner.as_deref(), Some("Công ty A; \"B\""));
    }

    #[test]
    fn a_short_row_has_empty_trailing_cells_and_a_long_row_is_refused() {
        let rows = csv("serial,category,maker,model\nA1,taximeter\n").unwrap();
        assert_eq!(rows[0].maker, None);
        let p = csv("serial,category\nA1,taximeter,\nA2,taximeter,x,y\nA3,bad\n").unwrap_err();
        assert_eq!(paths(&p), ["row 3", "row 4, category"]);
    }

    #[test]
    fn accepts_dates_in_the_vietnamese_and_iso_forms_and_as_excel_serials() {
        let rows = csv("serial,category,last_verified_on,next_due_on\n\
             A1,taximeter,05/03/2026,2027-09-05\n\
             A2,taximeter,5/3/2026,46270\n")
        .unwrap();
        assert_eq!(rows[0].last_verified_on, Some(day(2026, 3, 5)));
        assert_eq!(rows[0].next_due_on, Some(day(2027, 9, 5)));
        assert_eq!(rows[1].last_verified_on, Some(day(2026, 3, 5)));
        // 46270 is 05/09/2026 in Excel's 1900 system.
        assert_eq!(rows[1].next_due_on, Some(day(2026, 9, 5)));
        assert_eq!(excel_serial(1.0), Some(day(1900, 1, 1)));
        assert_eq!(excel_serial(59.0), Some(day(1900, 2, 28)));
        assert_eq!(excel_serial(60.0), None);
        assert_eq!(excel_serial(61.0), Some(day(1900, 3, 1)));
        assert_eq!(excel_serial(f64::NAN), None);
        assert_eq!(excel_serial(-3.0), None);
    }

    #[test]
    fn refuses_impossible_and_malformed_dates_naming_the_cell() {
        let p = csv("serial,category,last_verified_on,next_due_on\n\
             A1,taximeter,29/02/2026,2026-13-01\n\
             A2,taximeter,05.03.2026,05/03/26\n\
             A3,taximeter,TRUE,0\n\
             A4,taximeter,01/01/0026,2206-01-01\n")
        .unwrap_err();
        assert_eq!(
            paths(&p),
            [
                "row 2, last_verified_on",
                "row 2, next_due_on",
                "row 3, last_verified_on",
                "row 3, next_due_on",
                "row 4, last_verified_on",
                "row 4, next_due_on",
                "row 5, last_verified_on",
                "row 5, next_due_on",
            ]
        );
        assert!(message(&p, "row 5, next_due_on").contains("between 1900 and 2199"));
        assert!(message(&p, "row 2, next_due_on").contains("not a day of the calendar"));
        assert!(message(&p, "row 3, last_verified_on").contains("write dd/mm/yyyy"));
    }

    #[test]
    fn checks_quantities_ranges_and_tax_codes() {
        let rows = csv(
            "serial;category;resolution;verification_interval;measuring_range;owner_tax_code\n\
             A1;analytical-balance;0,1 mg;1mg;(0 ÷ 220) g;4900123456-001\n",
        )
        .unwrap();
        assert_eq!(rows[0].resolution, Some(q("0.1 mg")));
        assert_eq!(rows[0].verification_interval, Some(q("1 mg")));
        let p = csv(
            "serial;category;resolution;verification_interval;measuring_range;owner_tax_code\n\
             A1;analytical-balance;0 mg;-1 mg;300;4900123456-01\n\
             A2;analytical-balance;mg;1 mg;Max 220 gam;49001234567\n",
        )
        .unwrap_err();
        assert_eq!(
            paths(&p),
            [
                "row 2, measuring_range",
                "row 2, resolution",
                "row 2, verification_interval",
                "row 2, owner_tax_code",
                "row 3, measuring_range",
                "row 3, resolution",
                "row 3, owner_tax_code",
            ],
            "{p}"
        );
        assert_eq!(
            message(&p, "row 2, resolution"),
            "`0 mg` must be greater than zero"
        );
        assert_eq!(
            message(&p, "row 3, resolution"),
            "`mg` is not a quantity: write a number and its unit, e.g. `0.1 mg`"
        );
    }

    #[test]
    fn a_duplicate_names_the_first_row_each_time() {
        let p = csv("serial,category\nA1,taximeter\nA1,weight\na1,Taximet\nA1,TAXIMETER\n")
            .unwrap_err();
        assert_eq!(paths(&p), ["row 4, serial", "row 5, serial"]);
        assert!(message(&p, "row 5, serial").ends_with("also in row 2"));
    }

    #[test]
    fn an_empty_file_or_a_header_alone_is_a_problem() {
        for text in ["", "\u{feff}", "\n\n;;\n"] {
            let p = csv(text).unwrap_err();
            assert!(
                p.0[0].message.starts_with("the file is empty"),
                "{text:?}: {p}"
            );
        }
        let p = csv("serial;category\n;\n").unwrap_err();
        assert_eq!(paths(&p), ["row 1"]);
        assert_eq!(message(&p, "row 1"), "no instrument rows below the header");
    }

    #[test]
    fn refuses_text_that_is_not_utf8_and_workbooks_given_as_csv() {
        // "Số máy" in Windows-1258, the legacy Vietnamese code page.
        let p = parse(
            FileFormat::Csv,
            b"serial;category\nA1;taximeter\nS\xf4\xec m\xe1y;x\n",
        )
        .unwrap_err();
        assert_eq!(paths(&p), ["row 3"]);
        assert!(p.0[0].message.contains("not UTF-8"));
        let p = parse(FileFormat::Csv, GOOD_XLSX).unwrap_err();
        assert!(p.0[0].message.contains("import it as XLSX"));
        let p = parse(FileFormat::Xlsx, GOOD_CSV).unwrap_err();
        assert!(
            p.0[0]
                .message
                .contains("cannot be read as an XLSX workbook")
        );
        let p = parse(FileFormat::Xlsx, CFB_MAGIC).unwrap_err();
        assert!(p.0[0].message.contains("(.xls)"));
    }

    #[test]
    fn refuses_more_than_the_maximum_number_of_rows() {
        let mut text = String::from("serial,category\n");
        for i in 0..MAX_DATA_ROWS {
            let _ = writeln!(text, "S{i},taximeter");
        }
        let mut calls = Vec::new();
        let rows = parse_instruments(FileFormat::Csv, text.as_bytes(), &mut |d, t| {
            calls.push((d, t));
        })
        .unwrap();
        assert_eq!(rows.len(), MAX_DATA_ROWS);
        assert_eq!(rows.last().unwrap().row, MAX_DATA_ROWS + 1);
        assert_eq!(calls.len(), MAX_DATA_ROWS / PROGRESS_EVERY);
        assert_eq!(calls[0], (1000, MAX_DATA_ROWS));
        assert_eq!(calls.last(), Some(&(MAX_DATA_ROWS, MAX_DATA_ROWS)));

        text.push_str("one,taximeter\n");
        let p = csv(&text).unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p.0[0].message.contains("more than 100000 data rows"));
    }

    #[test]
    fn reports_progress_at_the_end_of_a_small_file() {
        let mut calls = Vec::new();
        let _ = parse_instruments(FileFormat::Csv, GOOD_CSV, &mut |d, t| calls.push((d, t)));
        assert_eq!(calls, [(20, 20)]);
        calls.clear();
        let _ = parse_instruments(FileFormat::Csv, MIXED_CSV, &mut |d, t| calls.push((d, t)));
        // The row with too many fields is not validated.
        assert_eq!(calls, [(10, 10)]);
    }

    #[test]
    fn never_panics_on_truncated_or_damaged_workbooks() {
        for end in (0..GOOD_XLSX.len()).step_by(97) {
            assert!(parse(FileFormat::Xlsx, &GOOD_XLSX[..end]).is_err(), "{end}");
        }
        // Flipped bytes: any outcome but a panic.
        let mut state: u32 = 0x2545_f491;
        for _ in 0..300 {
            let mut bytes = MIXED_XLSX.to_vec();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let i = state as usize % bytes.len();
                bytes[i] ^= 1 | (state >> 24) as u8;
            }
            let _ = parse(FileFormat::Xlsx, &bytes);
            let _ = parse(FileFormat::Csv, &bytes);
        }
    }

    #[test]
    fn never_panics_on_csv_garbage() {
        let cases: [&[u8]; 8] = [
            b"\"",
            b"serial,category\n\"A1,taximeter\n",
            b"serial,category\r\rA1,taximeter\r",
            b"\0\0\0\0",
            b"serial,category\nA1,taximeter,\"\"\"\n",
            b";;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;x",
            b"serial,category,last_verified_on\nA1,taximeter,99999999999999999999\n",
            b"serial,category,resolution\nA1,taximeter,1e400 g\n",
        ];
        for bytes in cases {
            let _ = parse(FileFormat::Csv, bytes);
        }
        let mut state: u32 = 7;
        for _ in 0..300 {
            let mut bytes = MIXED_CSV.to_vec();
            for _ in 0..6 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let i = state as usize % bytes.len();
                bytes[i] = (state >> 24) as u8;
            }
            let _ = parse(FileFormat::Csv, &bytes);
        }
    }

    #[test]
    fn a_heading_beyond_the_hundredth_column_is_named() {
        let mut text = String::from("serial,category");
        text.push_str(&",".repeat(120));
        text.push_str("notes\nA1,taximeter\n");
        let p = csv(&text).unwrap_err();
        // Column 122 (0-based 121).
        assert_eq!(paths(&p), ["row 1, column DR"]);
    }

    #[test]
    fn names_spreadsheet_columns_as_letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(15), "P");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }
}
