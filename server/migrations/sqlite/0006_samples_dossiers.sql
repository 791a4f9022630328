-- 0006: sample testing (LIMS), group-2 import inspection dossiers, the working-day calendar
-- and the signed records they produce (test reports, import-inspection notices…).

-- Working-day calendar (domain-rules.md §5.9): only the exceptions to "Monday–Friday work,
-- weekends rest" are rows (public holidays, compensatory days off, make-up working days).
-- A year is usable only once declared covered, with the official notice it follows, so a
-- deadline is never counted over a year whose holidays nobody entered.
CREATE TABLE work_calendar_year (
    year INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE work_calendar_day (
    work_calendar_day_id BLOB PRIMARY KEY,
    day TEXT NOT NULL UNIQUE,
    working INTEGER NOT NULL,
    falls_on_rest_day INTEGER NOT NULL DEFAULT 0,
    reason_vi TEXT NOT NULL,
    reason_en TEXT NOT NULL DEFAULT '',
    legal_source TEXT NOT NULL,
    url TEXT,
    confidence TEXT NOT NULL DEFAULT 'confirmed',
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Signed records other than certificates. Same rules as certificates: content, number,
-- token and signature never change (triggers); an amendment is a new row that supersedes.
CREATE TABLE record (
    record_id BLOB PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    revision INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL CHECK (kind IN ('test_report', 'import_registration_confirmation', 'import_inspection_notice', 'sampling_record', 'inspection_minutes')),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('sample', 'import_dossier', 'inspection')),
    subject_id BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'superseded', 'revoked')),
    issued_on TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL,
    digest TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_key (key_id),
    signature TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    supersedes_id BLOB REFERENCES record (record_id),
    superseded_by_id BLOB REFERENCES record (record_id),
    amendment_reason TEXT,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX record_subject ON record (subject_kind, subject_id);
CREATE INDEX record_issued ON record (issued_on);

-- Quality surveys (khảo sát chất lượng): a survey groups samples taken from the market.
CREATE TABLE survey (
    survey_id BLOB PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    year INTEGER NOT NULL,
    requested_by TEXT NOT NULL DEFAULT '',
    started_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Group-2 import inspection dossiers. `goods` and `documents` are JSON arrays (the goods
-- lines of the registration form; the checklist with the references received). The first
-- goods line's HS code is copied out for searching. `on_time` is set when the notice is
-- issued: every deadline step met.
CREATE TABLE import_dossier (
    import_dossier_id BLOB PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL CHECK (channel IN ('one_stop_counter', 'provincial_portal', 'national_single_window', 'postal')),
    external_ref TEXT,
    regime TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    importer_name TEXT NOT NULL,
    importer_tax_code TEXT NOT NULL,
    importer_address TEXT NOT NULL DEFAULT '',
    importer_organisation_id BLOB REFERENCES organisation (organisation_id),
    entry_gate TEXT NOT NULL DEFAULT '',
    customs_declaration TEXT NOT NULL DEFAULT '',
    goods TEXT NOT NULL,
    hs_code TEXT NOT NULL,
    regulation TEXT NOT NULL,
    documents TEXT NOT NULL DEFAULT '[]',
    certificate_number TEXT,
    certificate_issuer TEXT,
    certificate_date TEXT,
    customs_cleared_on TEXT,
    complete_file_on TEXT,
    status TEXT NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'confirmed', 'complete', 'awaiting_testing', 'decided', 'cancelled')),
    outcome TEXT,
    outcome_detail TEXT,
    decided_on TEXT,
    on_time INTEGER,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX import_dossier_registered ON import_dossier (registered_on, channel);
CREATE INDEX import_dossier_tax_code ON import_dossier (importer_tax_code);
CREATE INDEX import_dossier_status ON import_dossier (status);

-- Each step's deadline (from the regime in force at registration, over the calendar) and
-- when it was met.
CREATE TABLE import_dossier_step (
    import_dossier_id BLOB NOT NULL REFERENCES import_dossier (import_dossier_id),
    step TEXT NOT NULL,
    due_on TEXT,
    done_on TEXT,
    done_by TEXT,
    PRIMARY KEY (import_dossier_id, step)
);
CREATE INDEX import_dossier_step_due ON import_dossier_step (step, done_on, due_on);

-- Samples (thử nghiệm mẫu). A sub-sample or retained portion is a sample whose parent_id
-- names the sample it was split from. `location`/`holder` always say where it is now; every
-- move is a sample_custody row.
CREATE TABLE sample (
    sample_id BLOB PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    parent_id BLOB REFERENCES sample (sample_id),
    portion TEXT NOT NULL DEFAULT 'main' CHECK (portion IN ('main', 'sub', 'retained')),
    sample_type TEXT NOT NULL,
    product_type TEXT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    quantity TEXT NOT NULL,
    condition TEXT NOT NULL,
    storage TEXT NOT NULL DEFAULT '',
    seal_number TEXT,
    specification TEXT,
    requester_organisation_id BLOB REFERENCES organisation (organisation_id),
    requester_name TEXT NOT NULL,
    survey_id BLOB REFERENCES survey (survey_id),
    import_dossier_id BLOB REFERENCES import_dossier (import_dossier_id),
    received_on TEXT NOT NULL,
    received_by TEXT NOT NULL,
    due_on TEXT,
    retain_until TEXT,
    location TEXT NOT NULL,
    holder TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'testing', 'submitted', 'reported', 'disposed')),
    conformity TEXT CHECK (conformity IN ('conforms', 'does_not_conform', 'no_limit')),
    reported_on TEXT,
    disposed_on TEXT,
    disposed_by TEXT,
    disposal TEXT,
    review_comment TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sample_received ON sample (received_on, sample_type);
CREATE INDEX sample_status_due ON sample (status, due_on);
CREATE INDEX sample_survey ON sample (survey_id);
CREATE INDEX sample_parent ON sample (parent_id);
CREATE INDEX sample_dossier ON sample (import_dossier_id);

CREATE TABLE sample_custody (
    sample_custody_id BLOB PRIMARY KEY,
    sample_id BLOB NOT NULL REFERENCES sample (sample_id),
    at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('received', 'split', 'handed_over', 'disposed')),
    from_holder TEXT NOT NULL DEFAULT '',
    to_holder TEXT NOT NULL,
    location TEXT NOT NULL,
    condition TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL
);
CREATE INDEX sample_custody_sample ON sample_custody (sample_id, at);

-- One test of a sample: a characteristic by a method against a limit, assigned to an
-- analyst (and equipment from the standards register). The result keeps the replicates as
-- typed (or the readings they came from) and the engine's evaluation.
CREATE TABLE sample_test (
    sample_test_id BLOB PRIMARY KEY,
    sample_id BLOB NOT NULL REFERENCES sample (sample_id),
    characteristic TEXT NOT NULL,
    method_id TEXT NOT NULL,
    specification TEXT,
    limit_text TEXT,
    analyst TEXT NOT NULL,
    measurement_standard_id BLOB REFERENCES measurement_standard (measurement_standard_id),
    status TEXT NOT NULL DEFAULT 'assigned' CHECK (status IN ('assigned', 'resulted')),
    replicates TEXT,
    reading_ids TEXT,
    reported TEXT,
    unit TEXT NOT NULL DEFAULT '',
    expanded_uncertainty TEXT,
    conformity TEXT CHECK (conformity IN ('conforms', 'does_not_conform', 'indeterminate', 'no_limit')),
    evaluation TEXT,
    engine_version TEXT,
    resulted_by TEXT,
    resulted_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX sample_test_sample ON sample_test (sample_id);
CREATE INDEX sample_test_analyst ON sample_test (analyst, status);

CREATE TRIGGER record_content_immutable
BEFORE UPDATE OF record_id, number, revision, kind, subject_kind, subject_id, issued_on, token, content, digest, key_id, signature, signed_by, supersedes_id ON record
BEGIN
    SELECT RAISE(ABORT, 'an issued record cannot be changed: amend or revoke it');
END;
CREATE TRIGGER record_never_deleted
BEFORE DELETE ON record
BEGIN
    SELECT RAISE(ABORT, 'issued records are never deleted: revoke it');
END;
