package org.openspp.gateway.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openspp.gateway.bus.ResourceType;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Builds the {@link GatewayConfig}: built-in defaults, then the YAML file ({@code conf/config.yaml} or
 * {@code --config FILE}), then environment variables; later wins. Unknown keys and invalid values fail with a
 * {@link ConfigException} naming the key. Secrets may come from {@code <NAME>_FILE} variables (Kubernetes
 * Secret mounts). Runs once at start-up, before Vert.x exists, so it reads files synchronously.
 */
public final class ConfigLoader {

  /** The file read when no {@code --config} is given; optional. */
  public static final Path DEFAULT_FILE = Path.of("conf", "config.yaml");

  /** Environment variable → configuration key. The order is the precedence among aliases (later wins). */
  static final Map<String, String> ENV_KEYS = envKeys();

  private ConfigLoader() {
  }

  private static Map<String, String> envKeys() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("SPP_HTTP_HOST", "http.host");
    m.put("SPP_HTTP_PORT", "http.port");
    m.put("SPP_MANAGEMENT_HOST", "management.host");
    m.put("SPP_MANAGEMENT_PORT", "management.port");
    m.put("SPP_DB_URL", "db.url");
    m.put("SPP_DB_POOL_SIZE", "db.poolSize");
    m.put("SPP_REGISTRY_KIND", "registry.kind");
    m.put("SPP_REGISTRY_LANGUAGE", "registry.language");
    m.put("SPP_AUDIT_DB_URL", "audit.url");
    m.put("OPENSPP_JWT_SECRET", "auth.jwt.secret");
    m.put("SPP_JWT_SECRET", "auth.jwt.secret");
    m.put("SPP_JWT_ISSUER", "auth.jwt.issuer");
    m.put("SPP_JWT_AUDIENCE", "auth.jwt.audience");
    m.put("SPP_JWKS_URL", "auth.jwks.url");
    m.put("SPP_JWKS_ISSUER", "auth.jwks.issuer");
    m.put("SPP_JWKS_AUDIENCE", "auth.jwks.audience");
    m.put("SPP_EXPORT_MAX_IDENTIFIERS", "export.maxIdentifiers");
    m.put("SPP_SHUTDOWN_GRACE_MS", "http.shutdownGraceMs");
    m.put("SPP_TRUSTED_PROXIES", "http.trustedProxies");
    m.put("SPP_LOG_FORMAT", "log.format");
    m.put("SPP_CLUSTER_NAME", "cluster.name");
    m.put("SPP_CLUSTER_HOST", "cluster.host");
    m.put("SPP_CLUSTER_HAZELCAST_PORT", "cluster.hazelcastPort");
    m.put("SPP_CLUSTER_EVENT_BUS_PORT", "cluster.eventBusPort");
    m.put("SPP_CLUSTER_MEMBERS", "cluster.members");
    m.put("SPP_CLUSTER_KUBERNETES_SERVICE", "cluster.kubernetesService");
    return m;
  }

  /** Variables whose value may instead be read from the file named by {@code <NAME>_FILE}. */
  private static final List<String> SECRET_VARIABLES = List.of("SPP_DB_URL", "SPP_AUDIT_DB_URL", "SPP_JWT_SECRET", "OPENSPP_JWT_SECRET");

  /** The built-in defaults; also the schema: a key not present here is unknown. */
  static JsonObject defaults() {
    JsonObject registry = new JsonObject()
        .put("url", null)
        .put("poolSize", null)
        .put("maxWaitQueue", 256)
        .put("statementTimeoutMs", 3000)
        .put("instances", 1)
        .put("breaker", new JsonObject().put("maxFailures", 5).put("timeoutMs", 4000).put("resetTimeoutMs", 5000));
    return new JsonObject()
        .put("http", new JsonObject().put("host", "0.0.0.0").put("port", 8080).put("instances", 0)
            .put("maxBodyBytes", 65536).put("requestTimeoutMs", 10000).put("maxInFlight", 512)
            .put("shutdownGraceMs", 5000).put("headerTimeoutMs", GatewayConfig.Http.DEFAULT_HEADER_TIMEOUT_MS)
            .put("bodyTimeoutMs", GatewayConfig.Http.DEFAULT_BODY_TIMEOUT_MS).put("trustedProxies", ""))
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", 9090))
        .put("db", new JsonObject().put("url", null).put("poolSize", 16)
            .put("embeddedDataDir", "./.spp-gateway/pg").put("migrate", true))
        .put("registry", new JsonObject().put("kind", "gateway").put("language", GatewayConfig.Db.DEFAULT_LANGUAGE))
        .put("registries", new JsonObject().put("Individual", registry.copy()).put("Group", registry.copy()))
        .put("auth", new JsonObject()
            .put("jwt", new JsonObject().put("secret", null).put("issuer", "openspp-api-v2")
                .put("audience", "openspp").put("leewaySeconds", 30))
            .put("jwks", new JsonObject().put("url", null).put("issuer", null).put("audience", null)
                .put("refreshSeconds", GatewayConfig.Jwks.DEFAULT_REFRESH_SECONDS)
                .put("minRefetchSeconds", GatewayConfig.Jwks.DEFAULT_MIN_REFETCH_SECONDS)
                .put("timeoutMs", (int) GatewayConfig.Jwks.DEFAULT_TIMEOUT_MS))
            .put("tokenScopes", false)
            .put("clientCacheMs", 10000))
        .put("export", new JsonObject().put("maxIdentifiers", 100).put("maxIdentifierLength", 512)
            .put("busTimeoutMs", 6000).put("denyDelayMinMs", 50).put("denyDelayMaxMs", 70)
            .put("maxResponseBytes", GatewayConfig.Export.DEFAULT_MAX_RESPONSE_BYTES))
        .put("audit", new JsonObject().put("url", null).put("poolSize", 4).put("maxBatchRequests", 256)
            .put("statementTimeoutMs", 1500).put("timeoutMs", 2000))
        .put("log", new JsonObject().put("format", "auto"))
        .put("cluster", new JsonObject().put("name", "spp-gateway").put("host", "127.0.0.1").put("hazelcastPort", 5701)
            .put("eventBusPort", 0).put("members", "").put("kubernetesService", null));
  }

  /**
   * Loads the configuration.
   *
   * @param file         the YAML file, or {@code null} for {@link #DEFAULT_FILE} if it exists
   * @param env          the environment (a parameter so tests can pass their own)
   */
  public static GatewayConfig load(Path file, Map<String, String> env) {
    return toConfig(merged(file, env));
  }

  /**
   * Whether the configuration file (as {@link #load} picks it) or the environment sets the dotted {@code key},
   * rather than the built-in default supplying it. The embedded demo binds its listeners to loopback unless the
   * operator set {@code http.host} / {@code management.host} this way.
   */
  public static boolean isSet(Path file, Map<String, String> env, String key) {
    for (Map.Entry<String, String> e : ENV_KEYS.entrySet()) {
      if (e.getValue().equals(key) && envValue(env, e.getKey()) != null) {
        return true;
      }
    }
    Path path = file != null ? file : (Files.isRegularFile(DEFAULT_FILE) ? DEFAULT_FILE : null);
    if (path == null) {
      return false;
    }
    Object node = readYaml(path);
    for (String part : key.split("\\.")) {
      if (!(node instanceof JsonObject object) || !object.containsKey(part)) {
        return false;
      }
      node = object.getValue(part);
    }
    return node != null;
  }

  /** The merged JSON tree, before conversion; exposed for the log-format decision and for tests. */
  public static JsonObject merged(Path file, Map<String, String> env) {
    JsonObject tree = defaults();
    Path path = file != null ? file : (Files.isRegularFile(DEFAULT_FILE) ? DEFAULT_FILE : null);
    if (path != null) {
      JsonObject fromFile = readYaml(path);
      checkKnown(defaults(), fromFile, "");
      deepMerge(tree, fromFile);
    }
    for (Map.Entry<String, String> e : ENV_KEYS.entrySet()) {
      String value = envValue(env, e.getKey());
      if (value != null) {
        set(tree, e.getValue(), value);
      }
    }
    return tree;
  }

  private static String envValue(Map<String, String> env, String name) {
    String direct = env.get(name);
    if (direct != null && !direct.isEmpty()) {
      return direct;
    }
    if (SECRET_VARIABLES.contains(name)) {
      String fileName = env.get(name + "_FILE");
      if (fileName != null && !fileName.isEmpty()) {
        try {
          String value = Files.readString(Path.of(fileName), StandardCharsets.UTF_8).strip();
          if (value.isEmpty()) {
            // an empty secret file must not quietly mean "unset" (for SPP_DB_URL: the embedded demo database)
            throw new ConfigException(name + "_FILE: " + fileName + " is empty");
          }
          return value;
        } catch (IOException e) {
          throw new ConfigException(name + "_FILE: cannot read " + fileName + " (" + e.getMessage() + ")");
        }
      }
    }
    return null;
  }

  private static JsonObject readYaml(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage());
    }
    Object parsed;
    try {
      parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (MarkedYAMLException e) {
      // SnakeYAML's own message quotes the offending line, which may hold a secret or a database password:
      // report only the problem and its position.
      Mark mark = e.getProblemMark();
      String where = mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
      throw new ConfigException("configuration file " + path + " is not valid YAML: " + e.getProblem() + where);
    } catch (RuntimeException e) {
      throw new ConfigException("configuration file " + path + " is not valid YAML: " + e.getMessage());
    }
    if (parsed == null) {
      return new JsonObject();
    }
    if (!(parsed instanceof Map<?, ?> map)) {
      throw new ConfigException("configuration file " + path + " must hold a mapping at the top level");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> typed = (Map<String, Object>) map;
    return new JsonObject(normalise(typed));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> normalise(Map<String, Object> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Map<?, ?> nested) {
        v = normalise((Map<String, Object>) nested);
      }
      out.put(String.valueOf(e.getKey()), v);
    }
    return out;
  }

  private static void checkKnown(JsonObject schema, JsonObject given, String prefix) {
    for (String key : given.fieldNames()) {
      String name = prefix + key;
      if (!schema.containsKey(key)) {
        throw new ConfigException(name + ": unknown configuration key");
      }
      Object s = schema.getValue(key);
      Object g = given.getValue(key);
      if (s instanceof JsonObject so) {
        if (g == null) {
          continue;
        }
        if (!(g instanceof JsonObject go)) {
          throw new ConfigException(name + ": expected a mapping");
        }
        checkKnown(so, go, name + ".");
      }
    }
  }

  private static void deepMerge(JsonObject target, JsonObject source) {
    for (String key : source.fieldNames()) {
      Object v = source.getValue(key);
      Object t = target.getValue(key);
      if (v instanceof JsonObject vo && t instanceof JsonObject to) {
        deepMerge(to, vo);
      } else if (v != null || !(t instanceof JsonObject)) {
        target.put(key, v);
      }
    }
  }

  private static void set(JsonObject tree, String dotted, String value) {
    String[] parts = dotted.split("\\.");
    JsonObject node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    node.put(parts[parts.length - 1], value);
  }

  /** Converts and validates the merged tree. */
  static GatewayConfig toConfig(JsonObject t) {
    JsonObject http = t.getJsonObject("http");
    JsonObject mgmt = t.getJsonObject("management");
    JsonObject db = t.getJsonObject("db");
    JsonObject auth = t.getJsonObject("auth");
    JsonObject jwt = auth.getJsonObject("jwt");
    JsonObject jwks = auth.getJsonObject("jwks");
    JsonObject export = t.getJsonObject("export");

    int dbPool = integer(db, "db.poolSize", "poolSize", 1, 1000);
    GatewayConfig.Http httpCfg = new GatewayConfig.Http(
        string(http, "http.host", "host", true),
        integer(http, "http.port", "port", 0, 65535),
        integer(http, "http.instances", "instances", 0, 256),
        integer(http, "http.maxBodyBytes", "maxBodyBytes", 1024, 16 * 1024 * 1024),
        integer(http, "http.requestTimeoutMs", "requestTimeoutMs", 100, 600_000),
        integer(http, "http.maxInFlight", "maxInFlight", 1, 1_000_000),
        integer(http, "http.shutdownGraceMs", "shutdownGraceMs", 0, 600_000),
        integer(http, "http.headerTimeoutMs", "headerTimeoutMs", 100, 600_000),
        integer(http, "http.bodyTimeoutMs", "bodyTimeoutMs", 100, 600_000),
        trustedProxies(http.getValue("trustedProxies")));
    GatewayConfig.Management mgmtCfg = new GatewayConfig.Management(
        string(mgmt, "management.host", "host", true),
        integer(mgmt, "management.port", "port", 0, 65535));
    String dbUrl = url(db, "db.url");
    JsonObject registry = t.getJsonObject("registry");
    RegistryKind kind = RegistryKind.fromWireName(string(registry, "registry.kind", "kind", true));
    if (kind == null) {
      throw new ConfigException("registry.kind: expected gateway or openspp (SPP_REGISTRY_KIND)");
    }
    String language = string(registry, "registry.language", "language", true).trim();
    if (!language.matches("[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?(@[A-Za-z]+)?")) {
      throw new ConfigException("registry.language: expected an Odoo language key such as en_US or fr_FR "
          + "(SPP_REGISTRY_LANGUAGE)");
    }
    GatewayConfig.Db dbCfg = new GatewayConfig.Db(dbUrl, dbPool,
        string(db, "db.embeddedDataDir", "embeddedDataDir", true),
        bool(db, "db.migrate", "migrate"), kind, language);

    Map<ResourceType, GatewayConfig.Registry> registries = new EnumMap<>(ResourceType.class);
    JsonObject regs = t.getJsonObject("registries");
    for (ResourceType type : ResourceType.values()) {
      String p = "registries." + type.wireName();
      JsonObject r = regs.getJsonObject(type.wireName());
      JsonObject b = r.getJsonObject("breaker");
      Integer pool = r.getValue("poolSize") == null ? null : integer(r, p + ".poolSize", "poolSize", 1, 1000);
      registries.put(type, new GatewayConfig.Registry(
          url(r, p + ".url"),
          pool != null ? pool : dbPool,
          integer(r, p + ".maxWaitQueue", "maxWaitQueue", 0, 100_000),
          integer(r, p + ".statementTimeoutMs", "statementTimeoutMs", 0, 600_000),
          integer(r, p + ".instances", "instances", 1, 64),
          new GatewayConfig.Breaker(
              integer(b, p + ".breaker.maxFailures", "maxFailures", 1, 10_000),
              integer(b, p + ".breaker.timeoutMs", "timeoutMs", 10, 600_000),
              integer(b, p + ".breaker.resetTimeoutMs", "resetTimeoutMs", 10, 3_600_000))));
    }

    String secret = string(jwt, "auth.jwt.secret", "secret", false);
    if (secret != null && secret.length() < 32) {
      throw new ConfigException("auth.jwt.secret: must be at least 32 characters (SPP_JWT_SECRET / OPENSPP_JWT_SECRET)");
    }
    long cacheMs = integer(auth, "auth.clientCacheMs", "clientCacheMs", 0, 30_000);
    GatewayConfig.Auth authCfg = new GatewayConfig.Auth(secret,
        string(jwt, "auth.jwt.issuer", "issuer", true),
        string(jwt, "auth.jwt.audience", "audience", true),
        integer(jwt, "auth.jwt.leewaySeconds", "leewaySeconds", 0, 300),
        cacheMs,
        jwks(jwks),
        bool(auth, "auth.tokenScopes", "tokenScopes"));
    GatewayConfig.Export exportCfg = new GatewayConfig.Export(
        integer(export, "export.maxIdentifiers", "maxIdentifiers", 1, 10_000),
        integer(export, "export.maxIdentifierLength", "maxIdentifierLength", 3, 65_536),
        integer(export, "export.busTimeoutMs", "busTimeoutMs", 10, 600_000),
        integer(export, "export.denyDelayMinMs", "denyDelayMinMs", 0, 10_000),
        integer(export, "export.denyDelayMaxMs", "denyDelayMaxMs", 0, 10_000),
        integer(export, "export.maxResponseBytes", "maxResponseBytes", 64 * 1024, 256 * 1024 * 1024));
    if (exportCfg.denyDelayMaxMs() < exportCfg.denyDelayMinMs()) {
      throw new ConfigException("export.denyDelayMaxMs: must not be below export.denyDelayMinMs");
    }
    JsonObject audit = t.getJsonObject("audit");
    GatewayConfig.Audit auditCfg = new GatewayConfig.Audit(
        url(audit, "audit.url"),
        integer(audit, "audit.poolSize", "poolSize", 1, 100),
        integer(audit, "audit.maxBatchRequests", "maxBatchRequests", 1, 10_000),
        integer(audit, "audit.statementTimeoutMs", "statementTimeoutMs", 0, 600_000),
        integer(audit, "audit.timeoutMs", "timeoutMs", 10, 600_000));
    logFormat(t);

    GatewayConfig cfg = new GatewayConfig(httpCfg, mgmtCfg, dbCfg, registries, authCfg, exportCfg, auditCfg,
        cluster(t.getJsonObject("cluster")));
    checkDeadlines(cfg);
    return cfg;
  }

  /**
   * What serving needs beyond a valid configuration: with {@code registry.kind openspp}, the OpenSPP database
   * ({@code db.url}) and a separate, writable audit database ({@code audit.url}). Other commands (such as
   * {@code openspp-check}) need less, so this is checked by {@code serve}, not by {@link #load}.
   */
  public static void checkServable(GatewayConfig cfg) {
    if (cfg.kind() != RegistryKind.OPENSPP) {
      return;
    }
    if (cfg.db().url() == null) {
      throw new ConfigException("db.url: registry.kind openspp needs the OpenSPP database (SPP_DB_URL); "
          + "for the embedded demo use 'serve --demo openspp'");
    }
    if (cfg.audit().url() == null || cfg.audit().url().equals(cfg.db().url())) {
      throw new ConfigException("audit.url: registry.kind openspp needs a writable audit database of its own "
          + "(SPP_AUDIT_DB_URL); the gateway never writes to the OpenSPP database");
    }
  }

  /**
   * {@code http.trustedProxies}: IP addresses or CIDR blocks ({@code 10.0.0.0/8}), a list or one comma-separated
   * string (one environment variable); each checked as an IP literal, never resolved by DNS.
   */
  private static List<String> trustedProxies(Object raw) {
    String list = raw == null ? "" : raw instanceof io.vertx.core.json.JsonArray a
        ? String.join(",", a.stream().map(String::valueOf).toList()) : String.valueOf(raw);
    List<String> out = new java.util.ArrayList<>();
    for (String entry : list.split(",")) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      int slash = e.indexOf('/');
      String ip = slash < 0 ? e : e.substring(0, slash);
      byte[] bytes = io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip);
      boolean prefixOk = slash < 0 || (e.substring(slash + 1).matches("[0-9]{1,3}")
          && bytes != null && Integer.parseInt(e.substring(slash + 1)) <= bytes.length * 8);
      if (bytes == null || !prefixOk) {
        throw new ConfigException("http.trustedProxies: expected IP addresses or CIDR blocks separated by commas (got '"
            + e + "')");
      }
      out.add(e);
    }
    return out;
  }

  /** {@code cluster.*}: members as a comma-separated {@code host:port} list (one environment variable). */
  private static GatewayConfig.Cluster cluster(JsonObject c) {
    String name = string(c, "cluster.name", "name", true).trim();
    if (name.isEmpty()) {
      throw new ConfigException("cluster.name: must not be empty");
    }
    String host = string(c, "cluster.host", "host", true).trim();
    List<String> members = new java.util.ArrayList<>();
    Object raw = c.getValue("members");
    String list = raw == null ? "" : raw instanceof io.vertx.core.json.JsonArray a
        ? String.join(",", a.stream().map(String::valueOf).toList()) : String.valueOf(raw);
    for (String m : list.split(",")) {
      String member = m.trim();
      if (member.isEmpty()) {
        continue;
      }
      int colon = member.lastIndexOf(':');
      if (colon <= 0 || colon == member.length() - 1 || !member.substring(colon + 1).chars().allMatch(Character::isDigit)
          || Integer.parseInt(member.substring(colon + 1)) > 65535) {
        throw new ConfigException("cluster.members: expected host:port entries separated by commas (got '" + member + "')");
      }
      members.add(member);
    }
    String service = string(c, "cluster.kubernetesService", "kubernetesService", false);
    return new GatewayConfig.Cluster(name, host,
        integer(c, "cluster.hazelcastPort", "hazelcastPort", 1, 65535),
        integer(c, "cluster.eventBusPort", "eventBusPort", 0, 65535), members,
        service == null || service.isBlank() ? null : service.trim());
  }

  /**
   * The logback appender ({@code TEXT} or {@code JSON}) for a {@code log.format} value; {@code auto}, unset
   * or unknown means text on a terminal and JSON otherwise.
   */
  public static String logAppender(String format, boolean terminal) {
    String f = format == null ? "auto" : format.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (f) {
      case "json" -> "JSON";
      case "text" -> "TEXT";
      default -> terminal ? "TEXT" : "JSON";
    };
  }

  /** {@link #logAppender(String, boolean)} for {@code SPP_LOG_FORMAT} alone. */
  public static String logAppender(Map<String, String> env, boolean terminal) {
    return logAppender(env.get("SPP_LOG_FORMAT"), terminal);
  }

  /** The validated {@code log.format}: {@code text}, {@code json} or {@code auto} (case and spaces ignored). */
  public static String logFormat(JsonObject merged) {
    String f = string(merged.getJsonObject("log"), "log.format", "format", true).trim().toLowerCase(java.util.Locale.ROOT);
    if (!List.of("text", "json", "auto").contains(f)) {
      throw new ConfigException("log.format: expected text, json or auto (got '" + f + "')");
    }
    return f;
  }

  private static void checkDeadlines(GatewayConfig cfg) {
    for (Map.Entry<ResourceType, GatewayConfig.Registry> e : cfg.registries().entrySet()) {
      GatewayConfig.Registry r = e.getValue();
      String p = "registries." + e.getKey().wireName();
      if (r.statementTimeoutMs() > 0 && r.statementTimeoutMs() >= r.breaker().timeoutMs()) {
        throw new ConfigException(p + ".statementTimeoutMs: must be below " + p + ".breaker.timeoutMs");
      }
      if (r.breaker().timeoutMs() >= cfg.export().busTimeoutMs()) {
        throw new ConfigException(p + ".breaker.timeoutMs: must be below export.busTimeoutMs");
      }
    }
    if (cfg.export().busTimeoutMs() + cfg.audit().timeoutMs() >= cfg.http().requestTimeoutMs()) {
      throw new ConfigException("export.busTimeoutMs: export.busTimeoutMs + audit.timeoutMs must be below "
          + "http.requestTimeoutMs");
    }
    if (cfg.audit().statementTimeoutMs() > 0 && cfg.audit().statementTimeoutMs() >= cfg.audit().timeoutMs()) {
      throw new ConfigException("audit.statementTimeoutMs: must be below audit.timeoutMs");
    }
  }

  /**
   * The JWKS key source, or {@code null} when {@code auth.jwks.url} is unset. Its timing keys are validated
   * either way; issuer and audience are required with a URL (tokens must be bound to one issuer).
   */
  private static GatewayConfig.Jwks jwks(JsonObject o) {
    int refresh = integer(o, "auth.jwks.refreshSeconds", "refreshSeconds", 1, 86_400);
    int minRefetch = integer(o, "auth.jwks.minRefetchSeconds", "minRefetchSeconds", 1, 3_600);
    int timeout = integer(o, "auth.jwks.timeoutMs", "timeoutMs", 100, 60_000);
    String url = string(o, "auth.jwks.url", "url", false);
    if (url == null) {
      return null;
    }
    try {
      URI uri = URI.create(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null || uri.getRawUserInfo() != null
          || uri.getRawFragment() != null) {
        throw new ConfigException("auth.jwks.url: expected an https:// (or http://) URL with a host (SPP_JWKS_URL)");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException("auth.jwks.url: expected an https:// (or http://) URL with a host (SPP_JWKS_URL)");
    }
    String issuer = string(o, "auth.jwks.issuer", "issuer", false);
    if (issuer == null) {
      throw new ConfigException("auth.jwks.issuer: a value is required when auth.jwks.url is set (SPP_JWKS_ISSUER)");
    }
    String audience = string(o, "auth.jwks.audience", "audience", false);
    if (audience == null) {
      throw new ConfigException(
          "auth.jwks.audience: a value is required when auth.jwks.url is set (SPP_JWKS_AUDIENCE)");
    }
    return new GatewayConfig.Jwks(url, issuer, audience, refresh, minRefetch, timeout);
  }

  private static String url(JsonObject o, String name) {
    String v = string(o, name, "url", false);
    if (v == null) {
      return null;
    }
    try {
      URI uri = URI.create(v);
      if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
        throw new ConfigException(name + ": expected a postgresql://user:pass@host:port/db URL");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + ": expected a postgresql://user:pass@host:port/db URL");
    }
    return v;
  }

  private static String string(JsonObject o, String name, String key, boolean required) {
    Object v = o.getValue(key);
    if (v == null || (v instanceof String s && s.isEmpty())) {
      if (required) {
        throw new ConfigException(name + ": a value is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(name + ": expected a string");
    }
    return s;
  }

  private static boolean bool(JsonObject o, String name, String key) {
    Object v = o.getValue(key);
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.equals("true") || s.equals("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(name + ": expected true or false");
  }

  private static int integer(JsonObject o, String name, String key, int min, int max) {
    Object v = o.getValue(key);
    long n;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else if (v instanceof String s) {
      try {
        n = Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(name + ": expected an integer between " + min + " and " + max + " (got '" + s + "')");
      }
    } else {
      throw new ConfigException(name + ": expected an integer between " + min + " and " + max);
    }
    if (n < min || n > max) {
      throw new ConfigException(name + ": expected an integer between " + min + " and " + max + " (got " + n + ")");
    }
    return (int) n;
  }
}
