//! Certificate signing keys on both backends: made once, loaded after, rotated with the old
//! key still verifying; any change to the content breaks the signature.

use serde_json::json;
use server::signing::{KeyRing, SigningError, verify};
use server::store::Store;

use crate::on_both;

async fn signatures_verify_across_rotation_and_break_on_any_change(s: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let first = KeyRing::open_or_create(&keys, s).await.unwrap();
    let again = KeyRing::open_or_create(&keys, s).await.unwrap();
    assert_eq!(first.key_id(), again.key_id());
    assert!(first.key_id().starts_with("ed25519:"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let file = std::fs::read_dir(&keys)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "key"))
            .unwrap();
        assert_eq!(
            std::fs::metadata(file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let content = json!({"number": "0123/2026/KĐ-TTTĐC", "result": "Đạt", "points": [1, 2.5]});
    let sig = first.sign(&content);
    assert!(verify(s, &content, &sig).await.unwrap());
    // Key order does not matter; values do.
    let reordered = json!({"result": "Đạt", "points": [1, 2.5], "number": "0123/2026/KĐ-TTTĐC"});
    assert!(verify(s, &reordered, &sig).await.unwrap());
    let changed =
        json!({"number": "0123/2026/KĐ-TTTĐC", "result": "Không đạt", "points": [1, 2.5]});
    assert!(!verify(s, &changed, &sig).await.unwrap());
    let mut forged = sig.clone();
    forged.signature.replace_range(
        0..2,
        if &sig.signature[0..2] == "00" {
            "01"
        } else {
            "00"
        },
    );
    assert!(!verify(s, &content, &forged).await.unwrap());

    let second = KeyRing::rotate(&keys, s, "console").await.unwrap();
    assert_ne!(second.key_id(), first.key_id());
    assert_eq!(
        KeyRing::open_or_create(&keys, s).await.unwrap().key_id(),
        second.key_id(),
        "the rotated key is current"
    );
    assert!(
        verify(s, &content, &sig).await.unwrap(),
        "old signatures still verify"
    );
    let published = s.signing_keys().await.unwrap();
    assert_eq!(published.len(), 2);
    assert!(published[0].retired_at.is_none() && published[1].retired_at.is_some());
    let mut unknown = sig.clone();
    unknown.key_id = "ed25519:0000000000000000".into();
    assert!(matches!(
        verify(s, &content, &unknown).await,
        Err(SigningError::UnknownKey(_))
    ));
}
on_both!(
    signing,
    signatures_verify_across_rotation_and_break_on_any_change
);
