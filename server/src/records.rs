//! Signing, printing and checking the records that are not certificates (test reports,
//! import-inspection confirmations and notices…): the same Ed25519 keys, canonical JSON,
//! digest and public token as certificates, one printed model ([`RecordDocument`]).

use tdc_certificate::{RecordDocument, SignatureFingerprint};
use uuid::Uuid;

use crate::issue::{digest, new_token};
use crate::signing::{KeyRing, Signature};
use crate::store::records::{NewRecord, Record};

/// The JSON that is signed: the document without its printed fingerprint.
#[must_use]
pub fn signed_content(doc: &RecordDocument) -> serde_json::Value {
    let mut d = doc.clone();
    d.signature_fingerprint = None;
    serde_json::to_value(&d).unwrap_or_default()
}

/// A fresh public token and the URL its QR code carries.
#[must_use]
pub fn new_public_link(public_url: &str) -> (String, String) {
    let token = new_token();
    let url = format!("{}/v/{token}", public_url.trim_end_matches('/'));
    (token, url)
}

/// Signs `doc` and packs it for the store.
pub fn seal(
    ring: &KeyRing,
    doc: &RecordDocument,
    token: &str,
    subject: (&'static str, Uuid),
    signed_by: &str,
    supersedes: Option<(Uuid, String)>,
    revision: i32,
) -> Result<NewRecord, String> {
    let content = signed_content(doc);
    let Signature { key_id, signature } = ring.sign(&content);
    Ok(NewRecord {
        number: doc.number.clone(),
        revision,
        kind: doc.kind.as_str().to_owned(),
        subject_kind: subject.0,
        subject_id: subject.1,
        issued_on: doc.issue_date,
        token: token.to_owned(),
        content: serde_json::to_string(&content).map_err(|e| e.to_string())?,
        digest: digest(&content),
        key_id,
        signature,
        signed_by: signed_by.to_owned(),
        supersedes_id: supersedes.as_ref().map(|(id, _)| *id),
        amendment_reason: supersedes.map(|(_, r)| r),
    })
}

/// The document a stored record prints, with the fingerprint of its signature in the footer.
pub fn printable(r: &Record) -> Result<RecordDocument, serde_json::Error> {
    let mut doc: RecordDocument = serde_json::from_str(&r.content)?;
    doc.signature_fingerprint = Some(SignatureFingerprint {
        key_id: r.key_id.clone(),
        digest: r.digest.chars().take(16).collect(),
    });
    Ok(doc)
}

/// Whether the stored signature of `r` holds against the published key.
pub async fn signature_valid(store: &crate::store::Store, r: &Record) -> anyhow::Result<bool> {
    let content: serde_json::Value = serde_json::from_str(&r.content)?;
    if digest(&content) != r.digest {
        return Ok(false);
    }
    match crate::signing::verify(
        store,
        &content,
        &Signature {
            key_id: r.key_id.clone(),
            signature: r.signature.clone(),
        },
    )
    .await
    {
        Ok(ok) => Ok(ok),
        Err(crate::signing::SigningError::UnknownKey(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
