-- spp-gateway registry schema, version 1.
-- Registrants (individuals and groups), their identifiers, group memberships, API clients,
-- consents with scope rows, and the audit trail. Database ids never leave the gateway.

CREATE TABLE registrant (
    id                   bigserial PRIMARY KEY,
    ref                  text UNIQUE,                      -- stable external key used by the loader for upserts
    kind                 text NOT NULL CHECK (kind IN ('Individual', 'Group')),
    active               boolean NOT NULL DEFAULT true,    -- false = archived; still resolves
    family_name          text,
    given_name           text,
    middle_name          text,
    name                 text,                             -- group name, or an individual's display name
    birth_date           date,
    birth_date_estimated boolean,
    gender_code          text,                             -- ISO/IEC 5218 code
    gender_display       text,
    phone                text,
    mobile               text,
    email                text,
    street               text,
    city                 text,
    state                text,
    country              text,                             -- ISO 3166-1 alpha-2
    postal_code          text,
    group_type           text,
    extension            jsonb,
    source               text,
    version_id           integer NOT NULL DEFAULT 1,
    last_updated         timestamptz NOT NULL DEFAULT now()
);

-- Identifiers are not unique: the same live (system, value) held by two registrants is an ambiguity
-- the gateway must report. Soft-removed identifiers keep status 'invalid'.
CREATE TABLE registrant_identifier (
    registrant_id bigint  NOT NULL REFERENCES registrant (id) ON DELETE CASCADE,
    position      integer NOT NULL,
    system        text    NOT NULL,
    value         text    NOT NULL,
    status        text    NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'invalid')),
    PRIMARY KEY (registrant_id, position)
);
-- The batched lookup probes (system, value) pairs: a partial covering index makes it an index-only scan.
CREATE INDEX registrant_identifier_live ON registrant_identifier (system, value) INCLUDE (registrant_id)
    WHERE status = 'valid';

CREATE TABLE group_membership (
    group_id      bigint  NOT NULL REFERENCES registrant (id) ON DELETE CASCADE,
    position      integer NOT NULL,
    individual_id bigint  NOT NULL REFERENCES registrant (id) ON DELETE CASCADE,
    role_system   text,
    role_code     text,
    role_display  text,
    start_date    date,
    end_date      date,
    PRIMARY KEY (group_id, position)
);
CREATE INDEX group_membership_individual ON group_membership (individual_id);

CREATE TABLE api_client (
    client_id             text PRIMARY KEY,
    name                  text    NOT NULL DEFAULT '',
    secret_hash           text,
    active                boolean NOT NULL DEFAULT true,
    legal_basis           text    NOT NULL DEFAULT 'consent',
    legal_basis_reference text,
    organization          text,
    organization_type     text,
    scopes                text[]  NOT NULL DEFAULT '{}',
    rate_limit_per_minute integer CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consent (
    id                           bigserial PRIMARY KEY,
    ref                          text UNIQUE,
    subject_id                   bigint NOT NULL REFERENCES registrant (id) ON DELETE CASCADE,
    recipient_mode               text   NOT NULL CHECK (recipient_mode IN ('specific', 'category')),
    recipient_organizations      text[] NOT NULL DEFAULT '{}',
    recipient_organization_types text[] NOT NULL DEFAULT '{}',
    status                       text   NOT NULL CHECK (status IN ('requested', 'given', 'renewed', 'refused',
                                                                   'withdrawn', 'expired', 'invalidated')),
    effective_date               date,
    expiry_date                  date,
    created_at                   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_subject ON consent (subject_id);

CREATE TABLE consent_scope (
    consent_id         bigint  NOT NULL REFERENCES consent (id) ON DELETE CASCADE,
    position           integer NOT NULL,
    resource_type      text    NOT NULL CHECK (resource_type IN ('individual', 'group', 'all')),
    field_access       text    NOT NULL CHECK (field_access IN ('all', 'basic', 'custom')),
    custom_fields      text[]  NOT NULL DEFAULT '{}',
    purpose            text,
    include_extensions boolean NOT NULL DEFAULT false,
    allowed_extensions text[]  NOT NULL DEFAULT '{}',
    PRIMARY KEY (consent_id, position)
);

-- Audit trail: one row per export request, one per item. Never the resource payload. Rows are written by
-- group commit before the response that depends on them leaves the gateway; the gateway never deletes them.
CREATE TABLE audit_request (
    id             uuid        PRIMARY KEY,                -- generated by the gateway
    request_id     text        NOT NULL,                   -- X-Request-Id (client-supplied ids may repeat)
    client_id      text        NOT NULL,
    legal_basis    text,
    resource_type  text        NOT NULL,
    total          integer     NOT NULL,
    successful     integer     NOT NULL,
    failed         integer     NOT NULL,
    requested_at   timestamptz NOT NULL,
    remote_address text,
    user_agent     text
);
CREATE INDEX audit_request_client_time ON audit_request (client_id, requested_at);
CREATE INDEX audit_request_time ON audit_request (requested_at);

-- No foreign key to audit_request: both are written by one statement (see AuditQueries), and a per-row
-- key check would double the cost of the busiest insert of the gateway. Purge both tables together.
CREATE TABLE audit_item (
    audit_request_id uuid    NOT NULL,
    position         integer NOT NULL,                     -- index in the request's identifiers
    identifier       text    NOT NULL,                     -- the identifier string as requested
    status           text    NOT NULL,                     -- success | not_found | access_denied | error
    registrant_id    bigint,                               -- the one registrant it resolved to, if any
    consent_id       bigint,                               -- the consent that allowed a success, if any
    purpose          text,                                 -- that consent scope's purpose
    fields           text[],                               -- top-level fields returned (success only)
    PRIMARY KEY (audit_request_id, position)
);
-- "Who accessed this person's record": every item that resolved to one registrant carries its id.
CREATE INDEX audit_item_registrant ON audit_item (registrant_id) WHERE registrant_id IS NOT NULL;
