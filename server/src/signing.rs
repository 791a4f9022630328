//! Signatures of certificates (Ed25519, RFC 8032).
//!
//! The server signs the canonical encoding of a certificate's content (JSON with keys sorted at
//! every level, no insignificant white space — the same encoding the audit trail hashes) with
//! its current key. Private keys live in files in `signing.key_dir` (mode 0600, hex), one per
//! key, with `current` naming the one in use; only public keys enter the database, where they
//! stay after rotation so that older certificates still verify. Public keys are published at
//! `/.well-known/tdc-signing-keys.json`. A key id is `ed25519:` and the first 16 hex digits of
//! the SHA-256 of the public key, printed on each certificate.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::audit::{self, Change};
use crate::store::{Store, StoreError};
use crate::{on_db, on_tx};

/// What can go wrong with keys and signatures.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("signing key files in {dir}: {why}")]
    Files { dir: String, why: String },
    #[error("signing key `{0}` is not known to this server")]
    UnknownKey(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A public key as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct PublicKey {
    pub key_id: String,
    pub algorithm: String,
    /// The 32-byte public key, hex.
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// A signature over a canonical encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Signature {
    pub key_id: String,
    /// 64 bytes, hex.
    pub signature: String,
}

/// The bytes a signature covers.
#[must_use]
pub fn canonical_bytes(content: &serde_json::Value) -> Vec<u8> {
    audit::canonical(content).into_bytes()
}

/// The id of a public key.
#[must_use]
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("ed25519:{}", &hex::encode(digest)[..16])
}

/// The server's current signing key.
pub struct KeyRing {
    key: SigningKey,
    id: String,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("KeyRing")
            .field("key_id", &self.id)
            .finish_non_exhaustive()
    }
}

fn files_error(dir: &Path, why: impl std::fmt::Display) -> SigningError {
    SigningError::Files {
        dir: dir.display().to_string(),
        why: why.to_string(),
    }
}

fn write_private(dir: &Path, id: &str, key: &SigningKey) -> Result<PathBuf, SigningError> {
    std::fs::create_dir_all(dir).map_err(|e| files_error(dir, e))?;
    let path = dir.join(format!("{}.key", id.replace(':', "-")));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&path).map_err(|e| files_error(dir, e))?;
    std::io::Write::write_all(&mut f, hex::encode(key.to_bytes()).as_bytes())
        .map_err(|e| files_error(dir, e))?;
    f.sync_all().map_err(|e| files_error(dir, e))?;
    Ok(path)
}

fn read_private(dir: &Path, id: &str) -> Result<SigningKey, SigningError> {
    let path = dir.join(format!("{}.key", id.replace(':', "-")));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| files_error(dir, format!("{}: {e}", path.display())))?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| files_error(dir, format!("{} is not a 32-byte hex key", path.display())))?;
    let key = SigningKey::from_bytes(&bytes);
    if key_id(&key.verifying_key()) != id {
        return Err(files_error(
            dir,
            format!("{} does not hold the key {id}", path.display()),
        ));
    }
    Ok(key)
}

impl KeyRing {
    /// Loads the current key from `dir`, or makes the first one (and registers its public
    /// half) when the folder has none.
    pub async fn open_or_create(dir: &Path, store: &Store) -> Result<Self, SigningError> {
        let current = dir.join("current");
        if current.exists() {
            let id = std::fs::read_to_string(&current)
                .map_err(|e| files_error(dir, e))?
                .trim()
                .to_owned();
            let key = read_private(dir, &id)?;
            if store.signing_key(&id).await?.is_none() {
                register(store, "server", &key.verifying_key(), &id).await?;
            }
            return Ok(Self { key, id });
        }
        Self::rotate(dir, store, "server").await
    }

    /// Makes a new key, registers it, retires the previous ones (they still verify) and makes
    /// it current. Audited.
    pub async fn rotate(dir: &Path, store: &Store, actor: &str) -> Result<Self, SigningError> {
        let mut secret = [0u8; 32];
        rand::rng().fill(&mut secret);
        let key = SigningKey::from_bytes(&secret);
        let id = key_id(&key.verifying_key());
        write_private(dir, &id, &key)?;
        register(store, actor, &key.verifying_key(), &id).await?;
        let tmp = dir.join("current.tmp");
        std::fs::write(&tmp, &id).map_err(|e| files_error(dir, e))?;
        std::fs::rename(&tmp, dir.join("current")).map_err(|e| files_error(dir, e))?;
        Ok(Self { key, id })
    }

    /// A key that lives only in memory (tests, benchmarks): registered like any other, gone
    /// when the process ends.
    pub async fn ephemeral(store: &Store) -> Result<Self, SigningError> {
        let mut secret = [0u8; 32];
        rand::rng().fill(&mut secret);
        let key = SigningKey::from_bytes(&secret);
        let id = key_id(&key.verifying_key());
        register(store, "server", &key.verifying_key(), &id).await?;
        Ok(Self { key, id })
    }

    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.id
    }

    /// Signs the canonical encoding of `content`.
    #[must_use]
    pub fn sign(&self, content: &serde_json::Value) -> Signature {
        Signature {
            key_id: self.id.clone(),
            signature: hex::encode(self.key.sign(&canonical_bytes(content)).to_bytes()),
        }
    }
}

async fn register(
    store: &Store,
    actor: &str,
    key: &VerifyingKey,
    id: &str,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("UPDATE signing_key SET retired_at = $1 WHERE retired_at IS NULL").bind(now).execute(&mut **c).await.map(|_| ()))?;
    on_tx!(&mut tx, c => sqlx::query("INSERT INTO signing_key (key_id, algorithm, public_key, created_at) VALUES ($1, 'Ed25519', $2, $3)")
        .bind(id).bind(hex::encode(key.as_bytes())).bind(now).execute(&mut **c).await.map(|_| ()))?;
    audit::append(
        &mut tx,
        actor,
        Change {
            entity: "signing_key",
            entity_id: id.to_owned(),
            action: "create",
            before: None,
            after: Some(
                serde_json::json!({"key_id": id, "public_key": hex::encode(key.as_bytes())}),
            ),
            reason: None,
        },
    )
    .await?;
    tx.commit().await
}

/// Checks a signature against the published key it names (current or retired).
pub async fn verify(
    store: &Store,
    content: &serde_json::Value,
    signature: &Signature,
) -> Result<bool, SigningError> {
    let key = store
        .signing_key(&signature.key_id)
        .await?
        .ok_or_else(|| SigningError::UnknownKey(signature.key_id.clone()))?;
    let Some(public): Option<[u8; 32]> = hex::decode(&key.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
    else {
        return Ok(false);
    };
    let Ok(vk) = VerifyingKey::from_bytes(&public) else {
        return Ok(false);
    };
    let Some(sig): Option<[u8; 64]> = hex::decode(&signature.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
    else {
        return Ok(false);
    };
    Ok(vk
        .verify(
            &canonical_bytes(content),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .is_ok())
}

impl Store {
    pub async fn signing_key(&self, key_id: &str) -> Result<Option<PublicKey>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, PublicKey>("SELECT * FROM signing_key WHERE key_id = $1").bind(key_id).fetch_optional(db).await)?,
        )
    }

    /// Every public key, newest first.
    pub async fn signing_keys(&self) -> Result<Vec<PublicKey>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, PublicKey>("SELECT * FROM signing_key ORDER BY created_at DESC").fetch_all(db).await)?,
        )
    }
}
