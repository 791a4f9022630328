//! Forms that change records: registering an instrument (messages next to each field, what
//! was typed kept, nothing stored until all is right), adding a user, changing one's password.

use axum::http::StatusCode;
use server::store::registry::OrganisationInput;
use server::store::users::Role;

use crate::{App, Browser, PASSWORD};

async fn organisation(app: &App, name: &str, tax: Option<&str>) -> String {
    app.store()
        .create_organisation(
            "user:seed",
            &OrganisationInput {
                name: name.into(),
                tax_code: tax.map(Into::into),
                ..OrganisationInput::default()
            },
        )
        .await
        .unwrap()
        .organisation_id
        .to_string()
}

#[tokio::test]
async fn a_bad_instrument_form_shows_each_message_next_to_its_field_and_stores_nothing() {
    let app = App::new().await;
    let mut b = app.browser_as(Role::Technician).await;
    let form = app.get("/instruments/new", &b).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains(r#"<option value="taximeter">"#));
    let p = app
        .submit(
            "/instruments/new",
            &mut b,
            &[
                ("category", "taximeter"),
                ("serial", ""),
                ("maker", "Công ty Đo lường Xuân Phương"),
                ("resolution", "0,1 gam"),
                ("last_verified_on", "2026-05-01"),
                ("next_due_on", "30/02/2027"),
                ("owner", "Không có đơn vị này"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.html
            .contains("Chưa lưu: hãy sửa các ô được đánh dấu bên dưới.")
    );
    // Each message sits in the field's own block, right after its input.
    let serial = p.around(r#"<label for="f-serial">"#, 700);
    assert!(
        serial.contains(r#"id="e-serial""#) && serial.contains("Bắt buộc nhập."),
        "{serial}"
    );
    let resolution = p.around(r#"<label for="f-resolution">"#, 700);
    assert!(
        resolution.contains("Cần một giá trị kèm đơn vị đo"),
        "{resolution}"
    );
    assert!(
        resolution.contains(r#"value="0,1 gam""#),
        "what was typed is kept"
    );
    let due = p.around(r#"<label for="f-next_due_on">"#, 700);
    assert!(due.contains("Không phải ngày hợp lệ"), "{due}");
    let owner = p.around(r#"<label for="f-owner">"#, 700);
    assert!(owner.contains("Không tìm thấy đơn vị này"), "{owner}");
    // Fields without a problem have no message, and keep their values.
    let maker = p.around(r#"<label for="f-maker">"#, 500);
    assert!(!maker.contains("field-error"), "{maker}");
    assert!(maker.contains("Công ty Đo lường Xuân Phương"));
    assert!(p.html.contains(r#"<option value="taximeter" selected>"#));
    assert_eq!(app.store().count_instruments().await.unwrap(), 0);
}

#[tokio::test]
async fn a_due_date_before_the_last_verification_is_named_in_english_too() {
    let app = App::new().await;
    let mut b = app.browser_as(Role::Technician).await;
    b.lang = Some("tdc_lang=en".into());
    let p = app
        .submit(
            "/instruments/new",
            &mut b,
            &[
                ("category", "nonexistent"),
                ("serial", "X-1"),
                ("last_verified_on", "2026-05-01"),
                ("next_due_on", "2025-05-01"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.around(r#"<label for="f-category">"#, 9000)
            .contains("Choose a category from the list.")
    );
    assert!(
        p.around(r#"<label for="f-next_due_on">"#, 700)
            .contains("The due date must come after the last verification.")
    );
    assert_eq!(app.store().count_instruments().await.unwrap(), 0);
}

#[tokio::test]
async fn a_good_instrument_form_registers_it_and_shows_its_page_with_the_creator() {
    let app = App::new().await;
    let org = organisation(&app, "Cửa hàng xăng dầu Hữu Lũng", Some("4900200018")).await;
    let mut b = app.browser_as(Role::Technician).await;
    // Opened from the organisation's page, the owner is filled in.
    let form = app
        .get(&format!("/instruments/new?owner_id={org}"), &b)
        .await;
    assert!(form.html.contains(r#"value="4900200018""#));
    let p = app
        .submit(
            "/instruments/new",
            &mut b,
            &[
                ("category", "fuel-dispenser"),
                ("serial", "CD-2026-07"),
                ("maker", "Tatsuno"),
                ("owner", "4900200018"),
                ("location", "Km 5, Quốc lộ 1A"),
                ("status", "in_use"),
                ("last_verified_on", "01/06/2026"),
                ("next_due_on", "2027-06-01"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert!(p.location().starts_with("/instruments/"));
    let page = app.get(p.location(), &b).await;
    assert!(page.html.contains("CD-2026-07"));
    assert!(page.html.contains(&format!(
        r#"<a href="/organisations/{org}">Cửa hàng xăng dầu Hữu Lũng</a>"#
    )));
    assert!(page.html.contains("Km 5, Quốc lộ 1A"));
    assert!(page.html.contains("01/06/2027"));
    let history = page.around("Lịch sử thay đổi", 2000);
    assert!(
        history.contains("technician") && history.contains("Tạo mới"),
        "{history}"
    );
    assert_eq!(app.store().count_instruments().await.unwrap(), 1);
}

#[tokio::test]
async fn an_owner_name_shared_by_several_organisations_asks_for_the_tax_code() {
    let app = App::new().await;
    organisation(&app, "Chợ Kỳ Lừa", Some("4900300019")).await;
    organisation(&app, "Chợ Kỳ Lừa mới", Some("4900300020")).await;
    organisation(&app, "Chợ Kỳ Lừa cũ", None).await;
    let mut b = app.browser_as(Role::Technician).await;
    let p = app
        .submit(
            "/instruments/new",
            &mut b,
            &[
                ("category", "taximeter"),
                ("serial", "T-1"),
                ("owner", "ky lua"),
            ],
        )
        .await;
    assert!(
        p.around(r#"<label for="f-owner">"#, 700)
            .contains("Nhiều đơn vị khớp tên này")
    );
    // An exact name among several matches is that organisation.
    let p = app
        .submit(
            "/instruments/new",
            &mut b,
            &[
                ("category", "taximeter"),
                ("serial", "T-1"),
                ("owner", "Chợ Kỳ Lừa"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    // In the search, several matches are offered as choices.
    let list = app.get("/instruments?owner=ky+lua", &b).await;
    assert!(list.html.contains("Nhiều đơn vị khớp; hãy chọn một:"));
    assert_eq!(list.html.matches("/instruments?owner_id=").count(), 3);
}

#[tokio::test]
async fn an_administrator_adds_a_user_through_the_form() {
    let app = App::new().await;
    let mut admin = app.browser_as(Role::Admin).await;
    let p = app
        .submit(
            "/users",
            &mut admin,
            &[
                ("username", "Nguyễn Văn A"),
                ("full_name", ""),
                ("role", "king"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (field, message) in [
        ("username", "Từ 2 đến 50 chữ cái không dấu"),
        ("full_name", "Bắt buộc nhập."),
        ("role", "Hãy chọn một vai trò."),
        ("password", "Ít nhất 10 ký tự."),
    ] {
        let block = p.around(&format!(r#"<label for="f-{field}">"#), 1500);
        assert!(
            block.contains(&format!(r#"id="e-{field}""#)),
            "{field}: {block}"
        );
        assert!(block.contains(message), "{field}: {block}");
    }
    assert!(!p.html.contains("short"), "passwords are never sent back");
    let p = app
        .submit(
            "/users",
            &mut admin,
            &[
                ("username", "vana"),
                ("full_name", "Nguyễn Văn A"),
                ("role", "inspector"),
                ("password", "mật khẩu ban đầu"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let list = app.get(p.location(), &admin).await;
    assert!(list.html.contains("Đã tạo người dùng vana."));
    assert!(list.html.contains("Nguyễn Văn A") && list.html.contains("Kiểm tra viên"));
    let p = app
        .submit(
            "/users",
            &mut admin,
            &[
                ("username", "vana"),
                ("full_name", "Người khác"),
                ("role", "inspector"),
                ("password", "mật khẩu ban đầu"),
            ],
        )
        .await;
    assert!(
        p.around(r#"<label for="f-username">"#, 1500)
            .contains("Tên đăng nhập này đã có người dùng.")
    );
    // The new person can sign in.
    let p = app
        .post_form(
            "/login",
            &mut Browser::default(),
            &[("username", "vana"), ("password", "mật khẩu ban đầu")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = App::new().await;
    let mut b = app.browser_as(Role::Inspector).await;
    let other = app.browser_as(Role::Inspector).await;
    let p = app
        .submit(
            "/account/password",
            &mut b,
            &[
                ("current_password", "wrong password"),
                ("new_password", "mật khẩu mới dài"),
                ("confirm_password", "mật khẩu mới dài"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.around(r#"<label for="current_password">"#, 600)
            .contains("Không đúng mật khẩu hiện tại.")
    );
    let p = app
        .submit(
            "/account/password",
            &mut b,
            &[
                ("current_password", PASSWORD),
                ("new_password", "mật khẩu mới dài"),
                ("confirm_password", "mật khẩu khác"),
            ],
        )
        .await;
    assert!(
        p.around(r#"<label for="confirm_password">"#, 600)
            .contains("Hai lần nhập mật khẩu mới không khớp.")
    );
    let p = app
        .submit(
            "/account/password",
            &mut b,
            &[
                ("current_password", PASSWORD),
                ("new_password", "mật khẩu mới dài"),
                ("confirm_password", "mật khẩu mới dài"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("Đã đổi mật khẩu."));
    b.keep_cookies(&p);
    b.csrf = p.csrf();
    assert_eq!(app.get("/", &b).await.status, StatusCode::OK);
    assert_eq!(app.get("/", &other).await.status, StatusCode::SEE_OTHER);
    // The page's forms carry the new session's token.
    assert_eq!(
        app.submit("/logout", &mut b, &[]).await.location(),
        "/login?bye=1"
    );
}
