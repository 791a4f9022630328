-- Bench work: receipts, runs with their readings and review events, certificates, number
-- series and nonconformities (ISO/IEC 17025 §7.4, §7.5, §7.8, §7.10).

-- Phiếu tiếp nhận: what a customer brought in and what they asked for.
CREATE TABLE receipt (
    receipt_id BLOB PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    organisation_id BLOB NOT NULL REFERENCES organisation (organisation_id),
    received_on TEXT NOT NULL,
    agreed_due_on TEXT,
    language TEXT NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en', 'bilingual')),
    contact TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX receipt_organisation ON receipt (organisation_id, received_on);

-- One verification or calibration of one instrument.
CREATE TABLE run (
    run_id BLOB PRIMARY KEY,
    receipt_id BLOB NOT NULL REFERENCES receipt (receipt_id),
    instrument_id BLOB NOT NULL REFERENCES instrument (instrument_id),
    service TEXT NOT NULL CHECK (service IN ('initial', 'periodic', 'after_repair', 'calibration')),
    condition_on_arrival TEXT NOT NULL DEFAULT '',
    accessories TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('received', 'in_progress', 'submitted', 'returned', 'approved', 'issued', 'cancelled')),
    procedure_id TEXT,
    procedure_revision INTEGER,
    -- JSON: instrument parameters, standards and devices picked, environment, step checks.
    params TEXT NOT NULL DEFAULT '{}',
    setup TEXT NOT NULL DEFAULT '{}',
    environment TEXT NOT NULL DEFAULT '[]',
    checks TEXT NOT NULL DEFAULT '{}',
    stamp_number TEXT,
    stopped_step TEXT,
    stop_reason TEXT,
    -- The last evaluation (engine version inside), kept so lists need no recomputation.
    evaluation TEXT,
    outcome TEXT,
    performed_by TEXT,
    performed_on TEXT,
    reviewed_by TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX run_receipt ON run (receipt_id);
CREATE INDEX run_instrument ON run (instrument_id);
CREATE INDEX run_status ON run (status, updated_at);

-- A value attached to a test point: captured from a device (reading_id keeps the raw bytes
-- traceable) or typed in (manual_reason says why). Never deleted: a retake discards.
CREATE TABLE run_reading (
    run_reading_id BLOB PRIMARY KEY,
    run_id BLOB NOT NULL REFERENCES run (run_id),
    point_id TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT 'as_found' CHECK (phase IN ('as_found', 'as_left')),
    value REAL NOT NULL,
    value_text TEXT NOT NULL,
    unit TEXT NOT NULL,
    reading_id BLOB REFERENCES reading (reading_id),
    manual_reason TEXT,
    captured_by TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    discarded_at TEXT,
    discard_reason TEXT
);
CREATE INDEX run_reading_run ON run_reading (run_id, point_id);

-- Submit, return, approve, sign, stop, cancel: who, when, and what they said.
CREATE TABLE run_event (
    run_event_id BLOB PRIMARY KEY,
    run_id BLOB NOT NULL REFERENCES run (run_id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX run_event_run ON run_event (run_id, at);

-- Issued documents. The signed content never changes (trigger below); only the status moves
-- (issued → superseded or revoked).
CREATE TABLE certificate (
    certificate_id BLOB PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    revision INTEGER NOT NULL DEFAULT 0,
    run_id BLOB NOT NULL REFERENCES run (run_id),
    instrument_id BLOB NOT NULL REFERENCES instrument (instrument_id),
    kind TEXT NOT NULL CHECK (kind IN ('verification_certificate', 'calibration_certificate', 'notice_of_failure')),
    status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'superseded', 'revoked')),
    performed_on TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    valid_until TEXT,
    stamp_number TEXT,
    token TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL,
    measurements TEXT NOT NULL,
    unit TEXT NOT NULL,
    digest TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_key (key_id),
    signature TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    supersedes_id BLOB REFERENCES certificate (certificate_id),
    superseded_by_id BLOB REFERENCES certificate (certificate_id),
    amendment_reason TEXT,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX certificate_instrument ON certificate (instrument_id, issued_on);
CREATE INDEX certificate_run ON certificate (run_id);
CREATE INDEX certificate_issued ON certificate (issued_on);

CREATE TRIGGER certificate_content_immutable
BEFORE UPDATE OF certificate_id, number, revision, run_id, instrument_id, kind, performed_on, issued_on, valid_until, stamp_number, token, content, measurements, unit, digest, key_id, signature, signed_by, supersedes_id ON certificate
BEGIN
    SELECT RAISE(ABORT, 'an issued certificate cannot be changed: amend or revoke it');
END;
CREATE TRIGGER certificate_never_deleted
BEFORE DELETE ON certificate
BEGIN
    SELECT RAISE(ABORT, 'certificates are never deleted: revoke it');
END;

-- Which standards each certificate relied on (reverse traceability, §7.10).
CREATE TABLE certificate_standard (
    certificate_id BLOB NOT NULL REFERENCES certificate (certificate_id),
    measurement_standard_id BLOB NOT NULL REFERENCES measurement_standard (measurement_standard_id),
    PRIMARY KEY (certificate_id, measurement_standard_id)
);
CREATE INDEX certificate_standard_standard ON certificate_standard (measurement_standard_id);

-- Number series: one counter per series and year (0123/2026/KĐ-TTTĐC, receipts, stamps).
CREATE TABLE number_series (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (series, year)
);

-- Nonconforming work (§7.10): opened when a standard is found out of tolerance or failed,
-- with the certificates that may be affected and the assessment a quality manager completes.
CREATE TABLE nonconformity (
    nonconformity_id BLOB PRIMARY KEY,
    measurement_standard_id BLOB NOT NULL REFERENCES measurement_standard (measurement_standard_id),
    trigger TEXT NOT NULL,
    since TEXT,
    affected TEXT NOT NULL DEFAULT '[]',
    assessment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_by TEXT,
    closed_at TEXT
);
CREATE INDEX nonconformity_standard ON nonconformity (measurement_standard_id);
CREATE INDEX nonconformity_status ON nonconformity (status, opened_at);
