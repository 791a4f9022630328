//! The pages' words in Vietnamese and English, and how dates, times and counts are written in
//! each.
//!
//! Every text is one entry of [`catalogue!`], its Vietnamese and English side by side: the
//! macro makes a struct with one field per key and one constant per language, so a template
//! that names a missing key, or an entry without both languages, does not compile. Texts with
//! a `{}` take one value through [`fill`].
//!
//! Times are stored in UTC and shown in Vietnam's time (Asia/Ho_Chi_Minh: UTC+7 all year, no
//! daylight saving, so a fixed offset is exact). Dates read `dd/mm/yyyy` in Vietnamese and
//! `yyyy-mm-dd` in English.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// Cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "tdc_lang";

impl Lang {
    /// The BCP 47 code (`vi`, `en`), also the value of the cookie and of `/lang/{code}`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language chosen by the `tdc_lang` cookie; Vietnamese without one.
    #[must_use]
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Self {
        crate::http::session::cookie(headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or_default()
    }

    #[must_use]
    pub fn text(self) -> &'static Text {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }

    /// A day: `31/12/2026` in Vietnamese, `2026-12-31` in English.
    #[must_use]
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::Vi => d.format("%d/%m/%Y").to_string(),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// A moment in Vietnam's time, to the minute.
    #[must_use]
    pub fn datetime(self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&vietnam());
        match self {
            Lang::Vi => local.format("%d/%m/%Y %H:%M").to_string(),
            Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// A moment in Vietnam's time, to the second (readings).
    #[must_use]
    pub fn datetime_seconds(self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&vietnam());
        match self {
            Lang::Vi => local.format("%d/%m/%Y %H:%M:%S").to_string(),
            Lang::En => local.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }

    /// A count with thousands grouped: `10.000` in Vietnamese, `10,000` in English.
    #[must_use]
    pub fn count(self, n: i64) -> String {
        let sep = match self {
            Lang::Vi => '.',
            Lang::En => ',',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(ch);
        }
        out
    }
}

/// Asia/Ho_Chi_Minh: UTC+7 all year (checked when compiling).
const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("+07:00 is a valid offset"),
};

/// Asia/Ho_Chi_Minh: UTC+7 all year.
#[must_use]
pub fn vietnam() -> FixedOffset {
    VIETNAM
}

/// Today in Vietnam (due dates are Vietnamese calendar days).
#[must_use]
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&vietnam()).date_naive()
}

/// Puts `value` where the text has `{}`.
#[must_use]
pub fn fill(text: &str, value: impl std::fmt::Display) -> String {
    text.replacen("{}", &value.to_string(), 1)
}

/// Declares the catalogue: `key => "tiếng Việt", "English";`.
macro_rules! catalogue {
    ($($key:ident => $vi:literal, $en:literal;)*) => {
        /// Every text of the pages, in one language.
        #[derive(Debug)]
        pub struct Text {
            $(pub $key: &'static str,)*
        }

        /// Tiếng Việt.
        pub const VI: Text = Text { $($key: $vi,)* };

        /// English.
        pub const EN: Text = Text { $($key: $en,)* };

        /// `(key, vi, en)` of every entry.
        pub const ENTRIES: &[(&str, &str, &str)] = &[$((stringify!($key), $vi, $en),)*];
    };
}

catalogue! {
    // The frame of every page.
    app_name => "TĐC Lạng Sơn", "TĐC Lạng Sơn";
    app_subtitle => "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng", "Centre for Standards, Metrology and Quality";
    skip_to_content => "Chuyển đến nội dung chính", "Skip to the content";
    nav_label => "Điều hướng chính", "Main navigation";
    nav_menu => "Danh mục", "Menu";
    nav_dashboard => "Tổng quan", "Dashboard";
    nav_instruments => "Phương tiện đo", "Instruments";
    nav_standards => "Chuẩn đo lường", "Standards";
    nav_organisations => "Đơn vị", "Organisations";
    nav_devices => "Thiết bị", "Devices";
    nav_users => "Người dùng", "Users";
    nav_audit => "Nhật ký hệ thống", "Audit trail";
    nav_account => "Đổi mật khẩu", "Change password";
    language => "Ngôn ngữ", "Language";
    sign_in => "Đăng nhập", "Sign in";
    sign_out => "Đăng xuất", "Sign out";
    footer => "Hệ thống quản lý đo lường — Sở Khoa học và Công nghệ tỉnh Lạng Sơn", "Metrology management system — Department of Science and Technology, Lạng Sơn";
    // Common words.
    search => "Tìm kiếm", "Search";
    clear_filters => "Xóa bộ lọc", "Clear filters";
    previous_page => "Trang trước", "Previous";
    next_page => "Trang sau", "Next";
    page_n => "Trang {}", "Page {}";
    no_results => "Không có kết quả phù hợp.", "Nothing matches.";
    yes => "Có", "Yes";
    no => "Không", "No";
    save => "Lưu", "Save";
    cancel => "Hủy", "Cancel";
    required => "bắt buộc", "required";
    details => "Chi tiết", "Details";
    view_all => "Xem tất cả", "View all";
    include_retired => "Gồm cả bản ghi đã ngừng theo dõi", "Include retired records";
    time_note => "giờ Việt Nam, UTC+7", "Vietnam time, UTC+7";
    example => "Ví dụ: {}", "For example: {}";
    form_has_errors => "Chưa lưu: hãy sửa các ô được đánh dấu bên dưới.", "Not saved: correct the marked fields below.";
    // Sign-in.
    login_title => "Đăng nhập hệ thống", "Sign in";
    login_intro => "Hệ thống quản lý phương tiện đo, chuẩn đo lường và kiểm định", "Measuring instruments, standards and verification";
    username => "Tên đăng nhập", "Username";
    password => "Mật khẩu", "Password";
    login_refused => "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.";
    login_throttled => "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {} phút.", "Too many failed sign-ins. Try again in {} minutes.";
    login_cross_site => "Chỉ đăng nhập được từ trang đăng nhập của hệ thống.", "Sign in from this system's own sign-in page.";
    login_required => "Vui lòng đăng nhập để tiếp tục.", "Sign in to continue.";
    signed_out => "Bạn đã đăng xuất.", "You have signed out.";
    // Dashboard.
    dash_title => "Tổng quan", "Overview";
    greeting => "Xin chào, {}", "Hello, {}";
    dash_overdue => "Quá hạn kiểm định", "Overdue for verification";
    dash_due_soon => "Sắp đến hạn (30 ngày)", "Due within 30 days";
    dash_standards => "Chuẩn cần chú ý", "Standards needing attention";
    dash_online => "Thiết bị đang trực tuyến", "Devices online";
    dash_due_table => "Phương tiện đo đến hạn kiểm định trong 30 ngày tới", "Instruments due for verification in the next 30 days";
    dash_none_due => "Không có phương tiện đo nào đến hạn trong 30 ngày tới.", "No instrument falls due in the next 30 days.";
    dash_standards_ok => "Tất cả chuẩn đo lường đều còn hiệu lực.", "Every standard is valid.";
    dash_no_devices => "Chưa có thiết bị nào gửi số đọc.", "No device has sent a reading yet.";
    more_than => "hơn {}", "over {}";
    // Instruments.
    instruments_title => "Phương tiện đo", "Measuring instruments";
    instrument_new => "Thêm phương tiện đo", "Add an instrument";
    serial => "Số máy", "Serial number";
    category => "Loại phương tiện đo", "Category";
    any_category => "Tất cả các loại", "All categories";
    maker => "Hãng sản xuất", "Manufacturer";
    model => "Kiểu", "Model";
    measuring_range => "Phạm vi đo", "Measuring range";
    resolution => "Giá trị độ chia (d)", "Scale interval (d)";
    verification_interval => "Giá trị độ chia kiểm (e)", "Verification scale interval (e)";
    accuracy_class => "Cấp chính xác", "Accuracy class";
    owner => "Đơn vị sở hữu", "Owner";
    owner_hint => "Mã số thuế hoặc tên đơn vị", "Tax code or organisation name";
    location => "Nơi sử dụng", "Location";
    status => "Tình trạng", "Status";
    last_result => "Kết quả lần gần nhất", "Last result";
    last_verified_on => "Ngày kiểm định gần nhất", "Last verified on";
    next_due_on => "Hạn kiểm định", "Verification due";
    due_within_days => "Đến hạn trong (ngày)", "Due within (days)";
    overdue_only => "Chỉ hiện phương tiện đo quá hạn kiểm định.", "Showing overdue instruments only.";
    created_at => "Ngày tạo", "Created";
    updated_at => "Cập nhật lần cuối", "Last changed";
    status_in_use => "Đang sử dụng", "In use";
    status_out_of_use => "Ngừng sử dụng", "Out of use";
    status_retired => "Đã ngừng theo dõi", "Retired";
    due_overdue => "Quá hạn", "Overdue";
    due_soon => "Sắp đến hạn", "Due soon";
    due_ok => "Còn hạn", "In date";
    due_none => "Chưa có hạn", "No due date";
    result_pass => "Đạt", "Pass";
    result_fail => "Không đạt", "Fail";
    owner_none_found => "Không tìm thấy đơn vị nào khớp “{}”.", "No organisation matches “{}”.";
    owner_pick => "Nhiều đơn vị khớp; hãy chọn một:", "Several organisations match; choose one:";
    owner_filter => "Lọc theo đơn vị: {}", "Owner: {}";
    days => "ngày", "days";
    // History (audit entries of a record).
    history => "Lịch sử thay đổi", "History";
    when => "Thời gian", "Time";
    actor => "Người thực hiện", "By";
    action => "Thao tác", "Action";
    reason => "Lý do", "Reason";
    changes => "Nội dung thay đổi", "Changed fields";
    name => "Tên", "Name";
    no_history => "Chưa có thay đổi nào được ghi.", "No change recorded.";
    action_create => "Tạo mới", "Created";
    action_update => "Cập nhật", "Updated";
    action_retire => "Ngừng theo dõi", "Retired";
    action_calibration => "Ghi nhận hiệu chuẩn", "Calibration recorded";
    action_check => "Kiểm tra giữa kỳ", "Intermediate check";
    action_condition => "Thay đổi tình trạng", "Condition changed";
    action_override => "Cho phép sử dụng ngoại lệ", "Override granted";
    action_password => "Đổi mật khẩu", "Password changed";
    action_disable => "Khóa tài khoản", "Account disabled";
    // Validation messages shown next to a field.
    err_required => "Bắt buộc nhập.", "Required.";
    err_too_long => "Tối đa {} ký tự.", "At most {} characters.";
    err_quantity => "Cần một giá trị kèm đơn vị đo, ví dụ 0.1 g.", "Needs a value with its unit, e.g. 0.1 g.";
    err_category => "Hãy chọn một loại trong danh mục.", "Choose a category from the list.";
    err_status => "Tình trạng không hợp lệ.", "Not a valid status.";
    err_due_days => "Nhập số ngày (0, 1, 2…).", "Enter a number of days (0, 1, 2…).";
    err_date => "Không phải ngày hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd).", "Not a valid date (yyyy-mm-dd or dd/mm/yyyy).";
    err_due_before_last => "Hạn kiểm định phải sau ngày kiểm định gần nhất.", "The due date must come after the last verification.";
    err_tax_code => "Mã số thuế gồm 10 chữ số, hoặc 10 chữ số-3 chữ số cho chi nhánh.", "A tax code has 10 digits, or 10 digits-3 digits for a branch.";
    err_owner_missing => "Không tìm thấy đơn vị này; hãy nhập mã số thuế hoặc tên đầy đủ.", "No such organisation; enter its tax code or full name.";
    err_owner_ambiguous => "Nhiều đơn vị khớp tên này; hãy nhập mã số thuế.", "Several organisations have this name; enter the tax code.";
    err_username => "Từ 2 đến 50 chữ cái không dấu, chữ số, “.”, “_” hoặc “-”.", "2 to 50 letters, digits, “.”, “_” or “-” (no spaces or diacritics).";
    err_username_taken => "Tên đăng nhập này đã có người dùng.", "This username is taken.";
    err_password_short => "Ít nhất 10 ký tự.", "At least 10 characters.";
    err_password_current => "Không đúng mật khẩu hiện tại.", "This is not your current password.";
    err_password_same => "Mật khẩu mới phải khác mật khẩu hiện tại.", "The new password must differ from the current one.";
    err_password_mismatch => "Hai lần nhập mật khẩu mới không khớp.", "The two entries of the new password differ.";
    err_role => "Hãy chọn một vai trò.", "Choose a role.";
    // Standards.
    standards_title => "Chuẩn đo lường", "Measurement standards";
    std_search_hint => "Mã hoặc tên chuẩn", "Code or name";
    std_code => "Mã chuẩn", "Code";
    std_name => "Tên chuẩn", "Name";
    std_level => "Cấp chuẩn", "Level";
    level_reference => "Chuẩn chính", "Reference standard";
    level_working => "Chuẩn công tác", "Working standard";
    level_check => "Chuẩn kiểm tra", "Check standard";
    std_valid => "Còn hiệu lực", "Valid";
    std_expiring => "Sắp hết hạn", "Expiring";
    std_expired => "Hết hạn hiệu chuẩn", "Calibration expired";
    std_failed => "Hỏng", "Failed";
    std_quarantined => "Cách ly", "Quarantined";
    std_retired => "Ngừng sử dụng", "Retired";
    std_latest_calibration => "Hiệu chuẩn gần nhất", "Latest calibration";
    certificate_no => "Số giấy chứng nhận", "Certificate no.";
    issuer => "Đơn vị hiệu chuẩn", "Calibrated by";
    accreditation => "Số hiệu công nhận", "Accreditation";
    calibrated_on => "Ngày hiệu chuẩn", "Calibrated on";
    valid_until => "Hiệu lực đến", "Valid until";
    in_tolerance => "Trong giới hạn cho phép", "In tolerance";
    calibrations => "Các lần hiệu chuẩn", "Calibrations";
    nominal => "Giá trị danh định", "Nominal";
    certified_value => "Giá trị hiệu chuẩn", "Certified value";
    expanded_uncertainty => "Độ không đảm bảo đo mở rộng", "Expanded uncertainty";
    coverage_factor => "Hệ số phủ k", "Coverage factor k";
    no_calibrations => "Chưa có giấy chứng nhận hiệu chuẩn nào.", "No calibration recorded.";
    checks => "Kiểm tra giữa kỳ", "Intermediate checks";
    checked_on => "Ngày kiểm tra", "Checked on";
    check_result => "Kết quả", "Result";
    notes => "Ghi chú", "Notes";
    checked_by => "Người kiểm tra", "Checked by";
    no_checks => "Chưa có lần kiểm tra giữa kỳ nào.", "No intermediate check recorded.";
    traceability => "Liên kết chuẩn", "Traceability";
    traceability_intro => "Từ chuẩn này lên đến chuẩn quốc gia:", "From this standard up to the national standard:";
    traced_to => "Liên kết đến", "Traced to";
    no_traceability => "Chưa khai báo nguồn liên kết chuẩn.", "No source of traceability declared.";
    // Organisations.
    organisations_title => "Đơn vị", "Organisations";
    org_search_hint => "Tên hoặc mã số thuế (gõ có dấu hay không dấu đều được)", "Name or tax code (diacritics optional)";
    org_name => "Tên đơn vị", "Name";
    tax_code => "Mã số thuế", "Tax code";
    address => "Địa chỉ", "Address";
    phone => "Điện thoại", "Phone";
    org_instruments => "Phương tiện đo của đơn vị", "Instruments of this organisation";
    retired => "Đã ngừng theo dõi", "Retired";
    // Devices.
    devices_title => "Thiết bị", "Devices";
    device => "Mã thiết bị", "Device";
    bridge => "Bộ kết nối", "Bridge";
    first_seen => "Lần đầu nhận dữ liệu", "First heard";
    last_seen => "Lần cuối nhận dữ liệu", "Last heard";
    unit => "Đơn vị đo", "Unit";
    online => "Đang trực tuyến", "Online";
    offline => "Mất kết nối", "Offline";
    live_reading => "Số đọc trực tiếp", "Live reading";
    stable => "Ổn định", "Stable";
    unstable => "Chưa ổn định", "Unstable";
    waiting => "Đang chờ số đọc…", "Waiting for a reading…";
    stream_lost => "Mất kết nối tới máy chủ, đang thử lại…", "Connection to the server lost; retrying…";
    stream_live => "Đang nhận trực tiếp", "Receiving live";
    latest_readings => "20 số đọc gần nhất", "Latest 20 readings";
    captured_at => "Thời điểm đo", "Captured at";
    channel => "Kênh", "Channel";
    value => "Giá trị", "Value";
    reading_state => "Trạng thái", "State";
    no_readings => "Chưa có số đọc nào được lưu.", "No reading stored yet.";
    // Users.
    users_title => "Người dùng", "Users";
    full_name => "Họ và tên", "Full name";
    role => "Vai trò", "Role";
    account_state => "Trạng thái", "State";
    active => "Đang hoạt động", "Active";
    disabled => "Đã khóa", "Disabled";
    verifier_card => "Thẻ kiểm định viên", "Verifier card";
    new_user => "Tạo người dùng mới", "New user";
    create_user => "Tạo người dùng", "Create user";
    user_created => "Đã tạo người dùng {}.", "User {} created.";
    initial_password => "Mật khẩu ban đầu (ít nhất 10 ký tự)", "Initial password (at least 10 characters)";
    choose => "— Chọn —", "— Choose —";
    role_technician => "Kỹ thuật viên", "Technician";
    role_inspector => "Kiểm tra viên", "Inspector";
    role_reviewer => "Người soát xét", "Reviewer";
    role_quality_manager => "Phụ trách chất lượng", "Quality manager";
    role_admin => "Quản trị hệ thống", "Administrator";
    role_read_only => "Chỉ xem", "Read-only";
    // Audit trail.
    audit_title => "Nhật ký hệ thống", "Audit trail";
    audit_intro => "Mọi thay đổi dữ liệu, mới nhất trước. Nhật ký được nối chuỗi băm nên không thể sửa lén.", "Every change to the records, newest first. Entries are hash-chained, so none can be altered unnoticed.";
    record_type => "Loại bản ghi", "Record type";
    record_id => "Mã bản ghi", "Record id";
    any_record_type => "Tất cả", "All";
    user => "Người dùng", "User";
    date_from => "Từ ngày", "From";
    date_to => "Đến ngày", "To";
    older => "Cũ hơn", "Older";
    newest => "Mới nhất", "Newest";
    entity_instrument => "Phương tiện đo", "Instrument";
    entity_organisation => "Đơn vị", "Organisation";
    entity_measurement_standard => "Chuẩn đo lường", "Standard";
    entity_app_user => "Người dùng", "User";
    entity_bridge => "Bộ kết nối", "Bridge";
    // Account.
    password_title => "Đổi mật khẩu", "Change password";
    current_password => "Mật khẩu hiện tại", "Current password";
    new_password => "Mật khẩu mới (ít nhất 10 ký tự)", "New password (at least 10 characters)";
    confirm_password => "Nhập lại mật khẩu mới", "Repeat the new password";
    password_changed => "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.", "Password changed. Your other sessions have ended.";
    // Menu entries of the bench work flow.
    nav_runs => "Công việc", "Work";
    nav_receive => "Tiếp nhận", "Receive";
    nav_certificates => "Giấy chứng nhận", "Certificates";
    nav_nonconformities => "Sự không phù hợp", "Nonconformities";
    // Dossier and sample lists.
    nav_dossiers => "Hồ sơ nhập khẩu", "Import dossiers";
    nav_samples => "Mẫu thử nghiệm", "Samples";
    dossiers_title => "Hồ sơ kiểm tra chất lượng hàng hóa nhập khẩu", "Import inspection dossiers";
    dossier_search => "Số hồ sơ, mã số thuế hoặc tên doanh nghiệp", "Dossier number, tax code or importer";
    dossier_number => "Số hồ sơ", "Dossier No.";
    importer => "Người nhập khẩu", "Importer";
    goods => "Hàng hóa", "Goods";
    registered_on => "Ngày đăng ký", "Registered on";
    dossier_status => "Trạng thái", "Status";
    late_only => "Chỉ những việc quá hạn", "Overdue only";
    next_deadline => "Hạn tiếp theo", "Next deadline";
    no_dossiers => "Chưa có hồ sơ nào.", "No dossiers yet.";
    samples_title => "Mẫu thử nghiệm", "Samples";
    sample_search => "Mã mẫu, tên mẫu hoặc khách hàng", "Sample code, name or customer";
    sample_code => "Mã mẫu", "Sample code";
    sample_name => "Tên mẫu", "Sample";
    sample_due_on => "Hẹn trả kết quả", "Due";
    sample_location => "Nơi lưu giữ", "Where it is";
    no_samples => "Chưa có mẫu nào.", "No samples yet.";
    // Dossier and sample pages.
    steps_heading => "Các bước và thời hạn (ngày làm việc)", "Steps and deadlines (working days)";
    step => "Bước", "Step";
    deadline => "Thời hạn", "Deadline";
    done_on => "Đã thực hiện", "Done on";
    documents_heading => "Tài liệu đã ban hành", "Documents issued";
    regime => "Chế độ kiểm tra", "Inspection regime";
    regulation => "Quy chuẩn áp dụng", "Technical regulation";
    outcome => "Kết quả", "Outcome";
    tests_heading => "Chỉ tiêu thử nghiệm", "Tests";
    custody_heading => "Giao nhận mẫu", "Chain of custody";
    portions_heading => "Mẫu con và mẫu lưu", "Sub-samples and retained portions";
    analyst => "Người thử nghiệm", "Analyst";
    result => "Kết quả", "Result";
    limit => "Giới hạn", "Limit";
    assessment => "Đánh giá", "Assessment";
    from_to => "Từ → đến", "From → to";
    label_link => "In nhãn mẫu", "Print the label";
    open_pdf => "Mở PDF", "Open the PDF";
    public_page => "Trang tra cứu", "Public page";
    // Dossier import page.
    import_title => "Nhập hồ sơ từ tệp CSV/XLSX", "Import dossiers from a CSV/XLSX file";
    import_help => "Mỗi dòng một hồ sơ, dòng đầu là tiêu đề cột (Số hồ sơ, Hình thức tiếp nhận, Ngày đăng ký, Người nhập khẩu, Mã số thuế, Tên hàng hóa, Mã HS, Số lượng, Đơn vị tính, …). Cả tệp được kiểm tra trước: nếu có lỗi, không hồ sơ nào được nhập và mọi lỗi được liệt kê theo dòng và cột.", "One dossier per row under a header row (number, channel, registered_on, importer_name, importer_tax_code, goods_name, hs_code, quantity, unit, …). The whole file is checked first: with any problem nothing is imported and every problem is listed by row and column.";
    import_file => "Tệp", "File";
    import_submit => "Nhập", "Import";
    import_choose => "Hãy chọn một tệp.", "Choose a file.";
    import_format => "Chỉ nhận tệp .csv hoặc .xlsx.", "Only .csv and .xlsx files.";
    import_sending => "Đang gửi tệp…", "Sending the file…";
    import_checking => "Đang kiểm tra và lưu…", "Checking and storing…";
    import_done => "Đã nhập {n} hồ sơ.", "{n} dossier(s) imported.";
    import_failed => "Không nhập hồ sơ nào. Các lỗi:", "Nothing was imported. Problems:";
    import_network => "Mất kết nối; không rõ tệp đã được nhập chưa — hãy xem danh sách hồ sơ.", "Connection lost; check the dossier list to see whether the file was imported.";
    // Statistics page.
    nav_reports => "Thống kê", "Statistics";
    reports_title => "Số liệu thống kê theo năm", "Yearly statistics";
    reports_from => "Từ năm", "From year";
    reports_to => "Đến năm", "To year";
    reports_show => "Xem", "Show";
    reports_xlsx => "Tải bảng tính (XLSX)", "Download spreadsheet (XLSX)";
    reports_year => "Năm", "Year";
    reports_instruments => "Phương tiện đo được kiểm định, hiệu chuẩn", "Instruments verified and calibrated";
    reports_category => "Loại phương tiện đo", "Category";
    reports_verified => "Kiểm định đạt", "Verified (passed)";
    reports_calibrated => "Hiệu chuẩn", "Calibrated";
    reports_failed => "Không đạt", "Failed";
    reports_samples => "Mẫu thử nghiệm", "Samples tested";
    reports_sample_type => "Loại mẫu", "Sample type";
    reports_tested => "Đã thử nghiệm", "Tested";
    reports_nonconforming => "Không phù hợp", "Nonconforming";
    reports_dossiers => "Hồ sơ kiểm tra chất lượng hàng hóa nhập khẩu", "Import inspection dossiers";
    reports_channel => "Hình thức tiếp nhận", "Received through";
    reports_registered => "Số hồ sơ", "Dossiers";
    reports_decided => "Đã có kết quả", "Decided";
    reports_on_time => "Đúng hạn", "On time";
    reports_on_time_rate => "Tỷ lệ đúng hạn", "On-time rate";
    reports_none => "Không có số liệu trong kỳ này.", "No figures for this period.";
    reports_count => "Số lượng", "Count";
    // Services and run states.
    service => "Dịch vụ", "Service";
    service_initial => "Kiểm định ban đầu", "Initial verification";
    service_periodic => "Kiểm định định kỳ", "Periodic verification";
    service_after_repair => "Kiểm định sau sửa chữa", "Verification after repair";
    service_calibration => "Hiệu chuẩn", "Calibration";
    run_received => "Đã tiếp nhận", "Received";
    run_in_progress => "Đang thực hiện", "In progress";
    run_submitted => "Chờ soát xét", "Awaiting review";
    run_returned => "Trả lại để sửa", "Returned for correction";
    run_approved => "Chờ ký", "Awaiting signature";
    run_issued => "Đã cấp", "Issued";
    run_cancelled => "Đã hủy", "Cancelled";
    // The work list.
    runs_title => "Công việc kiểm định, hiệu chuẩn", "Verification and calibration work";
    runs_none => "Không có công việc nào ở trạng thái này.", "No work in this state.";
    runs_capped => "Chỉ hiện {} công việc mới nhất của mỗi trạng thái.", "Only the {} most recent of each state are shown.";
    receipt_no => "Số phiếu tiếp nhận", "Receipt no.";
    customer => "Khách hàng", "Customer";
    procedure => "Quy trình", "Procedure";
    run_status => "Trạng thái", "State";
    open_run => "Mở", "Open";
    // Receipts.
    receipt_title => "Phiếu tiếp nhận {}", "Receipt {}";
    receipt_new => "Tiếp nhận phương tiện đo", "Receive instruments";
    receipt_intro => "Lập phiếu tiếp nhận: khách hàng, các phương tiện đo và dịch vụ yêu cầu. Mỗi phương tiện đo thành một công việc.", "Record a receipt: the customer, the instruments and the service asked for. Each instrument becomes one piece of work.";
    customer_filter => "Lọc danh sách khách hàng", "Filter the customers";
    customer_filter_hint => "Gõ tên hoặc mã số thuế", "Type a name or tax code";
    received_on => "Ngày tiếp nhận", "Received on";
    agreed_due_on => "Ngày hẹn trả kết quả", "Agreed completion date";
    certificate_language => "Ngôn ngữ giấy chứng nhận", "Certificate language";
    language_vi => "Tiếng Việt", "Vietnamese";
    language_en => "Tiếng Anh", "English";
    language_bilingual => "Song ngữ Việt – Anh", "Bilingual (Vietnamese – English)";
    contact => "Người liên hệ", "Contact";
    instrument_n => "Phương tiện đo {}", "Instrument {}";
    item_existing => "Đã có trong hệ thống", "Already registered";
    item_new => "Phương tiện đo mới", "New instrument";
    find_serial => "Số máy cần tìm", "Serial number to find";
    find_serial_hint => "Gõ số máy rồi bấm “Kiểm tra, thêm dòng” hoặc “Lưu”", "Type the serial, then “Check, add a row” or “Save”";
    matched => "Đã tìm thấy: {}", "Found: {}";
    pick_instrument => "Chọn phương tiện đo", "Choose the instrument";
    condition_on_arrival => "Tình trạng khi tiếp nhận", "Condition on arrival";
    accessories => "Phụ kiện kèm theo", "Accessories";
    add_item => "Kiểm tra, thêm dòng", "Check, add a row";
    remove_item => "Bỏ dòng này", "Remove this row";
    save_receipt => "Lưu phiếu tiếp nhận", "Save the receipt";
    err_no_instrument => "Không có phương tiện đo nào mang số máy này; hãy chọn “Phương tiện đo mới”.", "No instrument has this serial; choose “New instrument”.";
    err_several_instruments => "Nhiều phương tiện đo khớp số máy này; hãy chọn một.", "Several instruments match this serial; choose one.";
    err_pick_customer => "Hãy chọn khách hàng.", "Choose the customer.";
    err_due_before_receipt => "Ngày hẹn trả phải từ ngày tiếp nhận trở đi.", "The agreed date cannot be before the receipt date.";
    err_not_one_of => "Hãy chọn một mục trong danh sách.", "Choose one of the list.";
    err_instrument_exists => "Phương tiện đo này đã có trong hệ thống; hãy chọn “Đã có trong hệ thống”.", "This instrument is already registered; choose “Already registered”.";
    err_retired => "Bản ghi này đã ngừng theo dõi.", "This record is retired.";
    err_no_items => "Phiếu cần ít nhất một phương tiện đo.", "A receipt lists at least one instrument.";
    runs_of_receipt => "Các công việc của phiếu", "Work on this receipt";
    labels => "Nhãn phương tiện đo", "Instrument labels";
    labels_hint => "Dán nhãn lên phương tiện đo; mã QR mở trang công việc.", "Stick a label on each instrument; its QR code opens the work page.";
    print_labels => "In phiếu và nhãn", "Print the receipt and labels";
    created_by => "Người lập", "Recorded by";
    // The bench page.
    run_title => "Công việc {}", "Work {}";
    bench_needs_js => "Trang thực hiện cần JavaScript để ghi nhận số đọc và lưu kết quả.", "This page needs JavaScript to capture readings and save results.";
    setup => "Thiết lập", "Set-up";
    setup_save => "Lưu thiết lập", "Save the set-up";
    procedure_none => "Không có quy trình nào cho loại phương tiện đo và dịch vụ này.", "No procedure covers this category and service.";
    procedure_first => "Hãy chọn quy trình và lưu thiết lập trước.", "Choose the procedure and save the set-up first.";
    instrument_params => "Thông số phương tiện đo", "Instrument parameters";
    param_max => "Mức cân / giới hạn đo lớn nhất (Max)", "Maximum capacity / upper limit (Max)";
    param_hint => "Kèm đơn vị đo, ví dụ: {}", "With its unit, e.g. {}";
    standards_used => "Chuẩn sử dụng", "Standards used";
    standards_none => "Chưa có chuẩn đo lường nào trong hệ thống.", "No standard is registered.";
    override_until => "Được phép sử dụng ngoại lệ đến {}", "Override granted until {}";
    not_usable => "Không được sử dụng: {}", "May not be used: {}";
    devices_used => "Thiết bị đọc số", "Reading devices";
    devices_none => "Chưa có thiết bị nào gửi số đọc.", "No device has sent a reading yet.";
    place => "Địa điểm thực hiện", "Place";
    stamp_number => "Số tem kiểm định", "Verification stamp number";
    environment => "Điều kiện môi trường", "Environmental conditions";
    environment_save => "Lưu điều kiện môi trường", "Save the conditions";
    limits => "Giới hạn cho phép", "Permitted range";
    within_limits => "Trong giới hạn", "Within limits";
    outside_limits => "Ngoài giới hạn", "Outside limits";
    not_recorded => "Chưa ghi", "Not recorded";
    quantity_temperature => "Nhiệt độ", "Temperature";
    quantity_humidity => "Độ ẩm tương đối", "Relative humidity";
    quantity_pressure => "Áp suất khí quyển", "Atmospheric pressure";
    checks_title => "Kiểm tra bên ngoài và kỹ thuật", "External and technical examination";
    check_pass => "Đạt", "Pass";
    check_fail => "Không đạt", "Fail";
    step_passed => "Bước này đạt", "This step passes";
    step_note => "Ghi chú (bắt buộc khi không đạt)", "Note (required when something fails)";
    step_save => "Lưu kết quả kiểm tra", "Save the examination";
    step_recorded => "Đã ghi: {}", "Recorded: {}";
    stopped_at => "Quy trình kiểm định đã dừng ở bước “{}”", "The verification stopped at step “{}”";
    points_title => "Kiểm tra đo lường", "Metrological examination";
    point => "Điểm kiểm", "Test point";
    values_taken => "Giá trị đã đo", "Values taken";
    no_values => "Chưa có giá trị.", "No value yet.";
    capture => "Ghi nhận", "Capture";
    point_full => "Đủ số lần đo", "All values taken";
    capture_from => "Ghi nhận từ {}", "Capture from {}";
    capture_hint => "Phím tắt: C ghi nhận điểm đang chọn, N sang điểm tiếp theo.", "Shortcuts: C captures the current point, N moves to the next point.";
    no_device_picked => "Chưa chọn thiết bị đọc số: chỉ nhập tay được.", "No reading device picked: values can only be typed in.";
    manual_entry => "Nhập tay", "Enter by hand";
    manual_mark => "nhập tay", "typed in";
    manual_reason => "Lý do nhập tay", "Why it is typed in";
    add_value => "Thêm giá trị", "Add the value";
    discard => "Hủy giá trị", "Discard";
    discard_reason => "Lý do hủy", "Why it is discarded";
    discarded => "đã hủy", "discarded";
    raw_reading => "Số đọc gốc", "Raw reading";
    phase => "Giai đoạn", "Phase";
    phase_as_found => "Trước hiệu chỉnh", "As found";
    phase_as_left => "Sau hiệu chỉnh", "As left";
    evaluation => "Kết quả đánh giá", "Evaluation";
    evaluation_as_left => "Kết quả sau hiệu chỉnh", "Evaluation after adjustment";
    indication => "Số chỉ", "Indication";
    reference_value => "Giá trị chuẩn", "Reference";
    error => "Sai số", "Error";
    mpe => "Sai số cho phép (MPE)", "MPE";
    uncertainty_u => "Độ KĐBĐ mở rộng U", "Expanded uncertainty U";
    coverage_k => "k", "k";
    decision => "Kết luận", "Decision";
    overall_outcome => "Kết luận chung", "Overall outcome";
    outcome_pending => "Chưa đủ số liệu để kết luận", "Not enough data for a decision";
    missing_points => "Còn thiếu giá trị ở: {}", "Values still missing at: {}";
    outcome_conditional_pass => "Đạt có điều kiện", "Conditional pass";
    outcome_conditional_fail => "Không đạt có điều kiện", "Conditional fail";
    chart => "Biểu đồ sai số", "Error chart";
    chart_alt => "Sai số theo giá trị danh định, với giới hạn MPE và độ không đảm bảo đo", "Error against nominal value, with the MPE envelope and the uncertainty bars";
    param_problems => "Thông số phương tiện đo chưa đúng: {}", "The instrument parameters need correcting: {}";
    // Review and signature.
    review => "Soát xét và ký", "Review and signature";
    comment => "Nhận xét", "Comment";
    comment_return => "Nhận xét (bắt buộc khi trả lại)", "Comment (required to return)";
    submit_run => "Gửi soát xét", "Submit for review";
    approve => "Duyệt", "Approve";
    return_run => "Trả lại", "Return";
    cancel_run => "Hủy công việc", "Cancel the work";
    cancel_reason => "Lý do hủy công việc", "Why the work is cancelled";
    sign_issue => "Ký số và cấp", "Sign and issue";
    sign_password => "Mật khẩu của bạn (xác nhận ký)", "Your password (to sign)";
    own_work => "Bạn đã thực hiện công việc này nên không được tự soát xét.", "You performed this work, so you cannot review it.";
    nothing_to_do => "Không có thao tác nào cho vai trò của bạn ở trạng thái này.", "Your role has nothing to do in this state.";
    performed_by => "Người thực hiện", "Performed by";
    reviewed_by => "Người soát xét", "Reviewed by";
    run_events => "Quá trình xử lý", "Review trail";
    event_submit => "Gửi soát xét", "Submitted";
    event_return => "Trả lại", "Returned";
    event_approve => "Duyệt", "Approved";
    event_cancel => "Hủy", "Cancelled";
    event_sign => "Ký số, cấp giấy chứng nhận", "Signed and issued";
    returned_with => "Đã bị trả lại: {}", "Returned: {}";
    see_certificate => "Xem giấy chứng nhận {}", "See certificate {}";
    working => "Đang xử lý…", "Working…";
    saved => "Đã lưu.", "Saved.";
    // Messages of the API, in plain words.
    api_session => "Phiên đăng nhập đã hết; hãy đăng nhập lại.", "Your session has ended; sign in again.";
    api_forbidden => "Vai trò của bạn không được làm việc này.", "Your role may not do this.";
    api_network => "Không kết nối được tới máy chủ; hãy thử lại.", "The server cannot be reached; try again.";
    api_failed => "Máy chủ gặp lỗi; hãy thử lại sau.", "The server failed; try again later.";
    api_number => "Cần nhập một số.", "Enter a number.";
    api_not_stable => "Số đọc chưa ổn định: chờ số chỉ ổn định rồi ghi nhận lại.", "The reading is not stable: wait for the indication to settle, then capture again.";
    api_no_reading => "Thiết bị chưa gửi số đọc nào.", "The device has sent no reading.";
    api_old_reading => "Số đọc mới nhất đã cũ: thiết bị còn gửi dữ liệu không?", "The latest reading is old: is the device still sending?";
    api_point_full => "Điểm này đã đủ số lần đo: hủy một giá trị để đo lại.", "This point has all its values: discard one to take it again.";
    api_point_failed => "Một điểm đã không đạt: kiểm định dừng ở bước không đạt đầu tiên (hủy giá trị nếu đo nhầm).", "A point failed: the verification ends at the first failed step (discard the value if it was taken in error).";
    api_stopped => "Quy trình đã dừng ở một bước không đạt: không ghi thêm được.", "The work stopped at a failed step: nothing more can be recorded.";
    api_not_editable => "Công việc đã được gửi đi nên không sửa được nữa.", "The work has been submitted and can no longer be changed.";
    api_step_note => "Hãy ghi rõ điều phát hiện khi không đạt.", "Say what was found when something fails.";
    api_step_cannot_pass => "Có mục không đạt nên bước này không thể đạt.", "An item failed, so the step cannot pass.";
    api_standard_unusable => "Chuẩn này không được sử dụng khi chưa có phép ngoại lệ của phụ trách chất lượng.", "This standard may not be used without a quality manager's override.";
    api_no_standard => "Chưa chọn chuẩn đo lường nào.", "No standard was picked.";
    api_not_recorded => "Chưa ghi.", "Not recorded yet.";
    api_too_few => "Chưa đủ giá trị.", "Not enough values.";
    api_outside => "Ngoài giới hạn của quy trình.", "Outside the procedure's limits.";
    api_stamp => "Kiểm định đạt cần số tem kiểm định.", "A passed verification needs the stamp number.";
    api_card => "Bạn chưa có thẻ kiểm định viên còn hiệu lực: kiểm định phải do kiểm định viên thực hiện.", "You have no valid verifier card: a verification must be performed by a verifier.";
    api_password => "Mật khẩu không đúng.", "Wrong password.";
    api_no_signer => "Máy chủ này chưa có khóa ký số nên không cấp được giấy chứng nhận.", "This server has no signing key and cannot issue certificates.";
    api_own_review => "Người thực hiện không được tự soát xét.", "The person who performed the work cannot review it.";
    api_no_change => "Không có gì thay đổi: sửa đổi phải sửa ít nhất một thông tin.", "Nothing would change: an amendment must correct something.";
    api_not_empty => "Không được để trống.", "Must not be empty.";
    api_close_needs => "Hãy viết đánh giá tác động trước khi đóng hồ sơ.", "Write the impact assessment before closing.";
    api_wrong_device => "Thiết bị này không thuộc thiết lập của công việc.", "This device is not in the work's set-up.";
    api_unknown_device => "Chưa có bộ kết nối nào báo thiết bị này.", "No bridge has reported this device.";
    api_not_applicable => "Quy trình này không áp dụng cho loại phương tiện đo và dịch vụ này.", "This procedure does not apply to this category and service.";
    api_unit => "Đơn vị đo không phù hợp.", "The unit does not fit.";
    api_positive => "Phải lớn hơn 0.", "Must be greater than 0.";
    api_class => "Cấp chính xác không có trong bảng MPE của quy trình.", "Not an accuracy class of the procedure's MPE table.";
    // Readings.
    reading_title => "Số đọc {}", "Reading {}";
    received_at => "Thời điểm máy chủ nhận", "Received at";
    raw_data => "Dữ liệu gốc từ thiết bị", "Raw data from the device";
    // Certificates.
    certificates_title => "Giấy chứng nhận", "Certificates";
    cert_number_search => "Số giấy chứng nhận (gõ phần đầu)", "Certificate number (its beginning)";
    cert_status => "Trạng thái", "State";
    cert_any => "Tất cả", "All";
    cert_kind => "Loại tài liệu", "Document";
    kind_verification_certificate => "Giấy chứng nhận kiểm định", "Verification certificate";
    kind_calibration_certificate => "Giấy chứng nhận hiệu chuẩn", "Calibration certificate";
    kind_notice_of_failure => "Thông báo kết quả kiểm định không đạt", "Notice of verification failure";
    state_valid => "Còn hiệu lực", "Valid";
    state_expired => "Hết hiệu lực", "Expired";
    state_superseded => "Đã được thay thế", "Superseded";
    state_revoked => "Đã thu hồi", "Revoked";
    state_issued => "Đã ban hành", "Issued";
    status_issued => "Đang lưu hành", "Issued";
    issued_on => "Ngày cấp", "Issued on";
    performed_on => "Ngày thực hiện", "Performed on";
    signed_by => "Người ký", "Signed by";
    signature => "Chữ ký số", "Digital signature";
    signature_ok => "Hợp lệ (khóa {})", "Verified (key {})";
    signature_bad => "KHÔNG hợp lệ: không sử dụng giấy chứng nhận này", "Does NOT verify: do not rely on this certificate";
    documents => "Tài liệu", "Documents";
    doc_pdf => "Giấy chứng nhận (PDF)", "Certificate (PDF)";
    doc_record => "Biên bản kiểm định (PDF)", "Verification record (PDF)";
    doc_dcc => "Giấy chứng nhận hiệu chuẩn số DCC (XML)", "Digital calibration certificate DCC (XML)";
    doc_signed => "Bản ký số (JSON)", "Signed content (JSON)";
    doc_public => "Trang tra cứu công khai (mã QR)", "Public verification page (QR code)";
    revision => "Lần sửa đổi", "Revision";
    stop_label => "Dừng ở bước", "Stopped at";
    supersedes => "Thay thế cho", "Supersedes";
    superseded_by => "Được thay thế bởi", "Superseded by";
    amendment_reason => "Lý do sửa đổi", "Reason for the amendment";
    revoked_reason => "Lý do thu hồi", "Reason for revocation";
    the_run => "Công việc", "Work";
    amend_title => "Sửa đổi, cấp lại", "Amend (re-issue)";
    amend_intro => "Chỉ sửa thông tin nhận dạng; kết quả đo không sửa được (kết quả sai thì thu hồi và làm lại). Ô để trống giữ nguyên.", "Only identity data can be corrected; results cannot (a wrong result is revoked and the work done again). Blank fields stay as they are.";
    amend_reason => "Lý do sửa đổi", "Why it is amended";
    owner_name => "Tên cơ sở sử dụng", "Owner's name";
    owner_address => "Địa chỉ cơ sở sử dụng", "Owner's address";
    remark => "Ghi chú bổ sung", "Additional remark";
    amend_submit => "Ký số bản sửa đổi", "Sign the amendment";
    revoke_title => "Thu hồi", "Revoke";
    revoke_reason => "Lý do thu hồi (in trên trang tra cứu)", "Why it is revoked (shown on the public page)";
    revoke_submit => "Thu hồi giấy chứng nhận", "Revoke the certificate";
    your_password => "Mật khẩu của bạn", "Your password";
    no_certificates => "Chưa có giấy chứng nhận nào.", "No certificate yet.";
    // Nonconformities.
    nonconformities_title => "Sự không phù hợp", "Nonconformities";
    nc_title => "Sự không phù hợp của chuẩn {}", "Nonconformity of standard {}";
    nc_standard => "Chuẩn đo lường", "Standard";
    nc_trigger => "Phát hiện", "Found by";
    nc_since => "Có thể ảnh hưởng từ ngày", "May affect work since";
    nc_opened => "Ngày mở", "Opened";
    nc_open => "Đang mở", "Open";
    nc_closed => "Đã đóng", "Closed";
    nc_affected => "Giấy chứng nhận có thể bị ảnh hưởng", "Certificates possibly affected";
    nc_none_affected => "Không có giấy chứng nhận nào bị ảnh hưởng.", "No certificate is affected.";
    nc_assessment => "Đánh giá tác động", "Impact assessment";
    nc_assessment_hint => "Đã kiểm tra gì; giấy chứng nhận nào thu hồi, giấy chứng nhận nào vẫn đúng.", "What was checked; which certificates are recalled and which stand.";
    nc_close => "Đóng hồ sơ (cần có đánh giá tác động)", "Close the record (the assessment is required)";
    nc_save => "Lưu đánh giá", "Save the assessment";
    nc_none => "Không có sự không phù hợp nào.", "No nonconformity recorded.";
    nc_closed_by => "Đóng bởi {} lúc {}", "Closed by {} at {}";
    // Dashboard additions.
    dash_to_review => "Chờ soát xét", "Awaiting review";
    dash_to_sign => "Chờ ký", "Awaiting signature";
    dash_open_nc => "Sự không phù hợp đang mở", "Open nonconformities";
    dash_my_work => "Công việc đang thực hiện", "Work in progress";
    dash_waiting => "Công việc chờ bạn", "Work waiting for you";
    dash_nothing_waiting => "Không có công việc nào đang chờ.", "Nothing is waiting.";
    export_csv => "Xuất CSV", "Export CSV";
    entity_run => "Công việc", "Work";
    entity_receipt => "Phiếu tiếp nhận", "Receipt";
    entity_certificate => "Giấy chứng nhận", "Certificate";
    entity_nonconformity => "Sự không phù hợp", "Nonconformity";
    action_capture => "Ghi nhận số đọc", "Reading captured";
    action_manual_value => "Nhập tay giá trị", "Value typed in";
    action_discard_value => "Hủy giá trị", "Value discarded";
    action_issue => "Cấp giấy chứng nhận", "Certificate issued";
    action_amend => "Cấp bản sửa đổi", "Amendment issued";
    action_supersede => "Bị thay thế", "Superseded";
    action_revoke => "Thu hồi", "Revoked";
    action_open => "Mở hồ sơ", "Opened";
    action_assess => "Đánh giá tác động", "Assessed";
    action_close => "Đóng hồ sơ", "Closed";
    action_result => "Cập nhật kết quả", "Result recorded";
    // Error pages.
    forbidden_title => "Không có quyền truy cập", "Access denied";
    forbidden_text => "Vai trò của bạn ({}) không được phép xem hoặc thực hiện thao tác này. Nếu cần, hãy liên hệ quản trị hệ thống.", "Your role ({}) may not see this page or do this. Ask an administrator if you need it.";
    not_found_title => "Không tìm thấy", "Not found";
    not_found_text => "Trang hoặc bản ghi này không tồn tại.", "This page or record does not exist.";
    bad_request_title => "Yêu cầu không hợp lệ", "Bad request";
    internal_title => "Lỗi hệ thống", "Something went wrong";
    internal_text => "Đã xảy ra lỗi; chi tiết được ghi trong nhật ký máy chủ. Vui lòng thử lại sau.", "An error occurred; the details are in the server log. Please try again later.";
    back_home => "Về trang tổng quan", "Back to the dashboard";
}

impl Text {
    /// The name of a role.
    #[must_use]
    pub fn role(&self, role: crate::store::users::Role) -> &'static str {
        use crate::store::users::Role;
        match role {
            Role::Technician => self.role_technician,
            Role::Inspector => self.role_inspector,
            Role::Reviewer => self.role_reviewer,
            Role::QualityManager => self.role_quality_manager,
            Role::Admin => self.role_admin,
            Role::ReadOnly => self.role_read_only,
        }
    }

    /// The name of an audit action; unknown actions are shown as stored.
    #[must_use]
    pub fn action<'a>(&self, action: &'a str) -> &'a str {
        match action {
            "create" => self.action_create,
            "update" => self.action_update,
            "retire" => self.action_retire,
            "calibration" => self.action_calibration,
            "check" => self.action_check,
            "condition" => self.action_condition,
            "override" => self.action_override,
            "password" => self.action_password,
            "disable" => self.action_disable,
            "capture" => self.action_capture,
            "manual_value" => self.action_manual_value,
            "discard_value" => self.action_discard_value,
            "submit" => self.event_submit,
            "return" => self.event_return,
            "approve" => self.event_approve,
            "cancel" => self.event_cancel,
            "sign" => self.event_sign,
            "issue" => self.action_issue,
            "amend" => self.action_amend,
            "supersede" => self.action_supersede,
            "revoke" => self.action_revoke,
            "open" => self.action_open,
            "assess" => self.action_assess,
            "close" => self.action_close,
            "result" => self.action_result,
            other => other,
        }
    }

    /// The name of a kind of record in the audit trail; unknown kinds are shown as stored.
    #[must_use]
    pub fn entity<'a>(&self, entity: &'a str) -> &'a str {
        match entity {
            "instrument" => self.entity_instrument,
            "organisation" => self.entity_organisation,
            "measurement_standard" => self.entity_measurement_standard,
            "app_user" => self.entity_app_user,
            "bridge" => self.entity_bridge,
            "run" => self.entity_run,
            "receipt" => self.entity_receipt,
            "certificate" => self.entity_certificate,
            "nonconformity" => self.entity_nonconformity,
            other => other,
        }
    }

    /// The label of a record's field, as the audit trail names it; unknown fields are
    /// shown as stored.
    #[must_use]
    pub fn field<'a>(&self, key: &'a str) -> &'a str {
        match key {
            "category" => self.category,
            "serial" => self.serial,
            "maker" => self.maker,
            "model" => self.model,
            "measuring_range" => self.measuring_range,
            "resolution" => self.resolution,
            "verification_interval" => self.verification_interval,
            "accuracy_class" => self.accuracy_class,
            "location" => self.location,
            "status" | "condition" => self.status,
            "last_result" => self.last_result,
            "last_verified_on" => self.last_verified_on,
            "next_due_on" => self.next_due_on,
            "name" => self.name,
            "tax_code" => self.tax_code,
            "address" => self.address,
            "phone" => self.phone,
            "code" => self.std_code,
            "level" => self.std_level,
            "traceability" => self.traceability,
            "full_name" => self.full_name,
            "role" => self.role,
            "disabled" => self.account_state,
            "verifier_card_no" | "verifier_card_expires_on" => self.verifier_card,
            "certificate_no" | "number" => self.certificate_no,
            "issuer" => self.issuer,
            "issuer_accreditation" => self.accreditation,
            "calibrated_on" => self.calibrated_on,
            "due_on" | "valid_until" => self.valid_until,
            "in_tolerance" => self.in_tolerance,
            "checked_on" => self.checked_on,
            "passed" | "results" => self.check_result,
            "notes" => self.notes,
            "checked_by" => self.checked_by,
            "reason" => self.reason,
            "retired_at" => self.retired,
            "username" => self.username,
            "kind" => self.cert_kind,
            "issued_on" => self.issued_on,
            "performed_on" => self.performed_on,
            "signed_by" => self.signed_by,
            "signature" | "digest" | "key_id" => self.signature,
            "stamp_number" => self.stamp_number,
            "standards" => self.standards_used,
            "unit" => self.unit,
            "revision" => self.revision,
            "revoke_reason" | "revoked_at" | "revoked_by" => self.revoked_reason,
            "amendment_reason" => self.amendment_reason,
            "assessment" => self.nc_assessment,
            "service" => self.service,
            "procedure_id" | "procedure_revision" => self.procedure,
            "params" => self.instrument_params,
            "setup" => self.setup,
            "environment" => self.environment,
            "checks" => self.checks_title,
            "evaluation" | "outcome" => self.evaluation,
            "performed_by" => self.performed_by,
            "reviewed_by" => self.reviewed_by,
            "stopped_step" | "stop_reason" => self.stop_label,
            other => other,
        }
    }

    /// An instrument's status.
    #[must_use]
    pub fn instrument_status<'a>(&self, status: &'a str) -> &'a str {
        match status {
            "in_use" => self.status_in_use,
            "out_of_use" => self.status_out_of_use,
            "retired" => self.status_retired,
            other => other,
        }
    }

    /// A standard's level.
    #[must_use]
    pub fn level<'a>(&self, level: &'a str) -> &'a str {
        match level {
            "reference" => self.level_reference,
            "working" => self.level_working,
            "check" => self.level_check,
            other => other,
        }
    }

    /// A standard's status.
    #[must_use]
    pub fn standard_status(&self, status: crate::store::standards::Status) -> &'static str {
        use crate::store::standards::Status;
        match status {
            Status::Valid => self.std_valid,
            Status::Expiring => self.std_expiring,
            Status::Expired => self.std_expired,
            Status::Failed => self.std_failed,
            Status::Quarantined => self.std_quarantined,
            Status::Retired => self.std_retired,
        }
    }

    /// A service a customer asks for (`periodic` …); unknown ones are shown as stored.
    #[must_use]
    pub fn service<'a>(&self, service: &'a str) -> &'a str {
        match service {
            "initial" => self.service_initial,
            "periodic" => self.service_periodic,
            "after_repair" => self.service_after_repair,
            "calibration" => self.service_calibration,
            other => other,
        }
    }

    /// The state of a run (the store knows no other; "—" stands for an unknown one).
    #[must_use]
    pub fn run_status(&self, status: &str) -> &'static str {
        match status {
            "received" => self.run_received,
            "in_progress" => self.run_in_progress,
            "submitted" => self.run_submitted,
            "returned" => self.run_returned,
            "approved" => self.run_approved,
            "issued" => self.run_issued,
            "cancelled" => self.run_cancelled,
            _ => "—",
        }
    }

    /// A verdict of the engine.
    #[must_use]
    pub fn outcome(&self, o: calibration_profiles::conformity::Outcome) -> &'static str {
        use calibration_profiles::conformity::Outcome;
        match o {
            Outcome::Pass => self.result_pass,
            Outcome::ConditionalPass => self.outcome_conditional_pass,
            Outcome::ConditionalFail => self.outcome_conditional_fail,
            Outcome::Fail => self.result_fail,
        }
    }

    /// The kind of an issued document.
    #[must_use]
    pub fn certificate_kind<'a>(&self, kind: &'a str) -> &'a str {
        match kind {
            "verification_certificate" => self.kind_verification_certificate,
            "calibration_certificate" => self.kind_calibration_certificate,
            "notice_of_failure" => self.kind_notice_of_failure,
            other => other,
        }
    }

    /// The state of a certificate today (`valid`, `expired` …; "—" for an unknown one).
    #[must_use]
    pub fn certificate_state(&self, state: &str) -> &'static str {
        match state {
            "valid" => self.state_valid,
            "expired" => self.state_expired,
            "superseded" => self.state_superseded,
            "revoked" => self.state_revoked,
            "issued" => self.state_issued,
            _ => "—",
        }
    }

    /// An environmental quantity (`temperature` …).
    #[must_use]
    pub fn quantity<'a>(&self, kind: &'a str) -> &'a str {
        match kind {
            "temperature" => self.quantity_temperature,
            "humidity" => self.quantity_humidity,
            "pressure" => self.quantity_pressure,
            other => other,
        }
    }

    /// The language a certificate is printed in.
    #[must_use]
    pub fn certificate_language<'a>(&self, code: &'a str) -> &'a str {
        match code {
            "vi" => self.language_vi,
            "en" => self.language_en,
            "bilingual" => self.language_bilingual,
            other => other,
        }
    }

    /// A validation message of the store (English, for the API) in this language. The store
    /// phrases each rule one way; a message not known here is shown as it is.
    #[must_use]
    pub fn problem(&self, message: &str) -> String {
        if message == "is required" {
            return self.err_required.to_owned();
        }
        if let Some(n) = message
            .strip_prefix("at most ")
            .and_then(|rest| rest.strip_suffix(" characters"))
        {
            return fill(self.err_too_long, n);
        }
        if message.contains("is not a quantity with a unit") {
            return self.err_quantity.to_owned();
        }
        if message.contains("is not a category") {
            return self.err_category.to_owned();
        }
        if message.contains("is not a status") {
            return self.err_status.to_owned();
        }
        if message.contains("is before the last verification") {
            return self.err_due_before_last.to_owned();
        }
        if message.contains("is not a tax code") {
            return self.err_tax_code.to_owned();
        }
        if message.contains("is before the receipt date") {
            return self.err_due_before_receipt.to_owned();
        }
        if message.contains("is not one of") {
            return self.err_not_one_of.to_owned();
        }
        if message.contains("lists at least one instrument") {
            return self.err_no_items.to_owned();
        }
        if message.contains("is retired") {
            return self.err_retired.to_owned();
        }
        if message.contains("longer than 2000 characters") {
            return fill(self.err_too_long, 2000);
        }
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization as _;

    #[test]
    fn every_key_has_both_languages() {
        let mut keys = std::collections::HashSet::new();
        for (key, vi, en) in ENTRIES {
            assert!(keys.insert(*key), "{key} is declared twice");
            for (lang, text) in [("vi", vi), ("en", en)] {
                assert!(!text.trim().is_empty(), "{key} has no {lang} text");
                assert_eq!(text.trim(), *text, "{key}.{lang} has stray spaces");
            }
            assert_eq!(
                vi.matches("{}").count(),
                en.matches("{}").count(),
                "{key}: both languages take the same values"
            );
        }
    }

    #[test]
    fn vietnamese_texts_are_precomposed_so_they_render_and_search_alike() {
        for (key, vi, _) in ENTRIES {
            let nfc: String = vi.nfc().collect();
            assert_eq!(&nfc, vi, "{key} is not in NFC");
        }
        assert_eq!(VI.nav_instruments, "Phương tiện đo");
        assert_eq!(VI.nav_standards, "Chuẩn đo lường");
    }

    #[test]
    fn dates_read_day_first_in_vietnamese_and_iso_in_english() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(Lang::Vi.date(d), "09/03/2026");
        assert_eq!(Lang::En.date(d), "2026-03-09");
    }

    #[test]
    fn times_are_shown_in_vietnam_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-31T18:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Lang::Vi.datetime(at), "01/01/2027 01:30");
        assert_eq!(Lang::En.datetime(at), "2027-01-01 01:30");
    }

    #[test]
    fn counts_group_thousands_the_local_way() {
        assert_eq!(Lang::Vi.count(372_000), "372.000");
        assert_eq!(Lang::En.count(10_000_000), "10,000,000");
        assert_eq!(Lang::Vi.count(999), "999");
        assert_eq!(Lang::En.count(-1234), "-1,234");
    }

    #[test]
    fn store_problems_are_translated() {
        assert_eq!(VI.problem("is required"), "Bắt buộc nhập.");
        assert_eq!(VI.problem("at most 100 characters"), "Tối đa 100 ký tự.");
        assert_eq!(EN.problem("something new"), "something new");
    }
}
