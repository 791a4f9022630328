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
            "certificate_no" => self.certificate_no,
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
