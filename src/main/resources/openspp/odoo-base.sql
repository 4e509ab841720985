-- Odoo 19 base tables that the gateway reads in `openspp` mode but schema.sql does not hold, as Odoo creates
-- them (model ir.config_parameter: key = Char(required=True), value = Text(required=True),
-- _key_uniq = models.Constraint('unique (key)')). Runs after schema.sql (res_users must exist). For fake
-- OpenSPP databases in tests, benchmarks and the embedded demo only; never run it against a real one.

CREATE TABLE ir_config_parameter (
    id          SERIAL NOT NULL PRIMARY KEY,
    key         varchar NOT NULL,
    value       text NOT NULL,
    create_uid  int4 REFERENCES res_users(id) ON DELETE SET NULL,
    create_date timestamp,
    write_uid   int4 REFERENCES res_users(id) ON DELETE SET NULL,
    write_date  timestamp,
    CONSTRAINT ir_config_parameter_key_uniq UNIQUE (key)
);
