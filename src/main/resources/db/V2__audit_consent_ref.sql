-- spp-gateway schema, version 2: the audit trail names the consent that allowed an item by its stable external
-- reference too (OpenSPP: spp_consent.external_id, a UUID; gateway kind: the consent's ref). consent_id keeps
-- the registry's row id. Nullable: items without a consent, consents without a reference, rows written before.
ALTER TABLE audit_item ADD COLUMN consent_ref text;
