//! `tdc-server import instruments`: a file with good and bad rows stores nothing and lists
//! every problem with its row and column; a good file is stored whole, once.

use std::process::{Command, Output};

use e2e_tests::{binary, workspace};

fn import(db: &std::path::Path, file: &str) -> Output {
    Command::new(binary("tdc-server"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(["import", "instruments"])
        .arg(workspace().join("server/tests/fixtures/import").join(file))
        .output()
        .unwrap()
}

fn count(db: &std::path::Path) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = server::store::Store::open(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let n = s.count_instruments().await.unwrap();
        s.close().await;
        n
    })
}

#[test]
fn a_mixed_file_stores_nothing_and_names_every_bad_cell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tdc.sqlite");
    let cases: [(&str, &[&str]); 2] = [
        (
            "mixed.csv",
            &[
                "row 3, category",
                "row 4, last_verified_on",
                "row 5, serial",
            ],
        ),
        (
            "mixed.xlsx",
            &[
                "row 3, last_verified_on",
                "row 4, owner_tax_code",
                "row 5, category",
                "row 8, serial",
            ],
        ),
    ];
    for (file, expected) in cases {
        let out = import(&db, file);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        for e in expected {
            assert!(err.contains(e), "{file}: `{e}` missing in {err}");
        }
        assert!(err.contains("nothing was imported"), "{file}: {err}");
        assert_eq!(count(&db), 0, "{file}");
    }
}

#[test]
fn a_good_file_is_stored_whole_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tdc.sqlite");
    let out = import(&db, "good.csv");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("instrument(s) imported"), "{stdout}");
    let n = count(&db);
    assert!(n >= 4, "{n}");
    let again = import(&db, "good.csv");
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1));
    assert!(err.contains("is already registered"), "{err}");
    assert_eq!(
        count(&db),
        n,
        "a second import of the same file adds nothing"
    );
    let xls = Command::new(binary("tdc-server"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(["import", "instruments", "list.xls"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&xls.stderr).contains("only .csv and .xlsx"));
}

fn import_dossiers(db: &std::path::Path, file: &std::path::Path) -> Output {
    Command::new(binary("tdc-server"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(["import", "dossiers"])
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn dossier_history_is_imported_whole_or_not_at_all_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tdc.sqlite");
    let header = "Số hồ sơ,Hình thức tiếp nhận,Ngày đăng ký,Người nhập khẩu,Mã số thuế,Tên hàng hóa,Mã HS,Số lượng,Đơn vị tính,Ngày xác nhận đăng ký,Ngày thông quan,Số giấy chứng nhận hợp quy,Ngày nộp giấy chứng nhận,Kết quả,Ngày thông báo kết quả\n";
    let bad = dir.path().join("ho-so-loi.csv");
    std::fs::write(
        &bad,
        format!(
            "{header}01/2025,Một cửa,05/03/2025,Công ty A,4900123456,Mũ bảo hiểm,6506.10.10,100,chiếc,,,,,,\n\
             02/2025,Fax,05/13/2025,Công ty B,49001,Ngựa,0101.21.00,1,con,,,,,,\n"
        ),
    )
    .unwrap();
    let out = import_dossiers(&db, &bad);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for e in [
        "row 3, channel",
        "row 3, registered_on",
        "nothing was imported",
    ] {
        assert!(err.contains(e), "`{e}` missing in {err}");
    }
    let good = dir.path().join("ho-so.csv");
    std::fs::write(
        &good,
        format!(
            "{header}01/2025,Một cửa,05/03/2025,Công ty A,4900123456,Mũ bảo hiểm,6506.10.10,100,chiếc,06/03/2025,06/03/2025,GCN-1,10/03/2025,meets,11/03/2025\n"
        ),
    )
    .unwrap();
    let out = import_dossiers(&db, &good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 dossier(s) imported"));
    let again = import_dossiers(&db, &good);
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{err}");
    assert!(
        err.contains("row 2, number") && err.contains("already registered"),
        "{err}"
    );
}
