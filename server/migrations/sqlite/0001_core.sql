-- Core records of the TĐC server (SQLite). Append-only history: later changes are new files.
-- Ids are UUIDv7 (16-byte BLOB here, UUID in PostgreSQL); times are UTC; dates are days.

-- People who sign in. Roles decide what they may do (see server/src/auth.rs).
CREATE TABLE app_user (
    app_user_id BLOB PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('technician', 'inspector', 'reviewer', 'quality_manager', 'admin', 'read_only')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    -- Verifier card (thẻ kiểm định viên): an expired card blocks signing.
    verifier_card_no TEXT,
    verifier_card_expires_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Signed-in sessions; only a hash of the cookie value is stored.
CREATE TABLE user_session (
    token_hash TEXT PRIMARY KEY,
    app_user_id BLOB NOT NULL REFERENCES app_user (app_user_id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX user_session_user ON user_session (app_user_id);

-- Owners and customers (đơn vị).
CREATE TABLE organisation (
    organisation_id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    tax_code TEXT,
    address TEXT,
    phone TEXT,
    retired_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX organisation_tax_code ON organisation (tax_code) WHERE tax_code IS NOT NULL;
CREATE INDEX organisation_name ON organisation (name);

-- Measuring instruments under management (phương tiện đo).
CREATE TABLE instrument (
    instrument_id BLOB PRIMARY KEY,
    category TEXT NOT NULL,
    maker TEXT,
    model TEXT,
    serial TEXT NOT NULL,
    measuring_range TEXT,
    resolution TEXT,
    verification_interval TEXT,
    accuracy_class TEXT,
    owner_id BLOB REFERENCES organisation (organisation_id),
    location TEXT,
    status TEXT NOT NULL DEFAULT 'in_use' CHECK (status IN ('in_use', 'out_of_use', 'retired')),
    last_result TEXT,
    last_verified_on TEXT,
    next_due_on TEXT,
    retired_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX instrument_serial ON instrument (serial);
CREATE INDEX instrument_owner ON instrument (owner_id);
CREATE INDEX instrument_category_due ON instrument (category, next_due_on);
CREATE INDEX instrument_due ON instrument (next_due_on);

-- Reference and working standards (chuẩn đo lường) and their calibrations.
CREATE TABLE measurement_standard (
    measurement_standard_id BLOB PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('reference', 'working', 'check')),
    maker TEXT,
    model TEXT,
    serial TEXT,
    measuring_range TEXT,
    -- Explicit states; expiry is computed from the last calibration's due date.
    condition TEXT NOT NULL DEFAULT 'in_service' CHECK (condition IN ('in_service', 'failed', 'quarantined')),
    traceability TEXT,
    parent_standard_id BLOB REFERENCES measurement_standard (measurement_standard_id),
    retired_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE standard_calibration (
    standard_calibration_id BLOB PRIMARY KEY,
    measurement_standard_id BLOB NOT NULL REFERENCES measurement_standard (measurement_standard_id),
    certificate_no TEXT NOT NULL,
    issuer TEXT NOT NULL,
    issuer_accreditation TEXT,
    calibrated_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- Values, corrections and expanded uncertainties as JSON.
    results TEXT NOT NULL DEFAULT '[]',
    in_tolerance INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX standard_calibration_standard ON standard_calibration (measurement_standard_id, calibrated_on);

-- A quality manager's permission to use a standard that may not be selected otherwise.
CREATE TABLE standard_override (
    standard_override_id BLOB PRIMARY KEY,
    measurement_standard_id BLOB NOT NULL REFERENCES measurement_standard (measurement_standard_id),
    granted_by BLOB NOT NULL REFERENCES app_user (app_user_id),
    reason TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Bridges (daemons at benches and in kits), their devices and their tokens.
CREATE TABLE bridge (
    bridge_id TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    retired_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE device_token (
    device_token_id BLOB PRIMARY KEY,
    bridge_id TEXT NOT NULL REFERENCES bridge (bridge_id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Every reading that arrived, stored once per reading id (at-least-once delivery upstream).
CREATE TABLE reading (
    reading_id BLOB PRIMARY KEY,
    bridge_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    value_text TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    stable INTEGER NOT NULL,
    raw TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX reading_device_time ON reading (device_id, captured_at);

-- The tamper-evident audit trail: each entry hashes the previous entry's hash and its own
-- canonical content (server/src/audit.rs). Never updated, never deleted.
CREATE TABLE audit_entry (
    audit_entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entry_entity ON audit_entry (entity, entity_id);
CREATE INDEX audit_entry_actor ON audit_entry (actor, at);
