-- spp-gateway schema, version 3: every attempt by a verified client is audited, not only exports that reached
-- the aggregator, and an ambiguous identifier names every registrant it matched.
--
-- audit_request.http_status: the answer the client got (rows written before version 3 were all exports: 200).
-- audit_request.reason: the problem category of a refused request (rate-limited, authorization, validation, ...),
--   NULL for a 200. resource_type is NULL when the request was refused before its body said which type.
-- audit_item.status 'refused': an identifier a refused request named (403, 429, 503, ...); never resolved.
-- audit_item.holder_ids: every registrant an ambiguous identifier matched (registrant_id stays NULL for it).
ALTER TABLE audit_request
    ADD COLUMN http_status integer NOT NULL DEFAULT 200,
    ADD COLUMN reason text,
    ALTER COLUMN resource_type DROP NOT NULL;
ALTER TABLE audit_item ADD COLUMN holder_ids bigint[];
-- "Who accessed this person": ambiguous items by holder, refused items by identifier string. Both partial, so
-- the ordinary export items (the busiest insert of the gateway) pay for neither index.
CREATE INDEX audit_item_holders ON audit_item USING gin (holder_ids) WHERE holder_ids IS NOT NULL;
CREATE INDEX audit_item_refused ON audit_item (identifier) WHERE status = 'refused';
