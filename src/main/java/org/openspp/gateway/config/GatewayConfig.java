package org.openspp.gateway.config;

import java.util.List;
import java.util.Map;
import org.openspp.gateway.bus.ResourceType;

/**
 * The whole, validated configuration. Built once by {@link ConfigLoader}; verticles receive the slice they
 * need and never read the environment themselves.
 */
public record GatewayConfig(
    Http http,
    Management management,
    Db db,
    Map<ResourceType, Registry> registries,
    Auth auth,
    Export export,
    Audit audit,
    Cluster cluster) {

  public GatewayConfig {
    registries = Map.copyOf(registries);
  }

  /** A configuration with the default cluster settings (single-process deployments and tests). */
  public GatewayConfig(Http http, Management management, Db db, Map<ResourceType, Registry> registries, Auth auth,
      Export export, Audit audit) {
    this(http, management, db, registries, auth, export, audit, Cluster.DEFAULT);
  }

  /**
   * The clustered event bus, used only by {@code serve --role http|resolver} (Hazelcast cluster manager).
   *
   * @param name              cluster name: members with another name never join
   * @param host              address this member binds and advertises for Hazelcast and the event bus (on
   *                          Kubernetes the pod IP); default 127.0.0.1, for processes on one host
   * @param hazelcastPort     Hazelcast member port
   * @param eventBusPort      event-bus TCP port; 0 = any free port
   * @param members           Hazelcast members to join by TCP/IP ({@code host:port}); empty with no
   *                          {@code kubernetesService} = this host only
   * @param kubernetesService DNS name of a headless Service whose endpoints are the members (Kubernetes), or
   *                          {@code null}
   */
  public record Cluster(String name, String host, int hazelcastPort, int eventBusPort, List<String> members,
      String kubernetesService) {

    public static final Cluster DEFAULT = new Cluster("spp-gateway", "127.0.0.1", 5701, 0, List.of(), null);

    public Cluster {
      members = List.copyOf(members);
    }
  }

  /**
   * Public API listener.
   *
   * @param instances      HTTP verticle instances; 0 means one per event loop
   * @param maxBodyBytes   request body limit (413 past it)
   * @param requestTimeoutMs the HTTP request deadline, outermost of the deadline chain
   * @param maxInFlight      export requests one HTTP verticle serves at once; past it, 503 at once
   * @param shutdownGraceMs  after SIGTERM, how long requests are still accepted (readiness already false)
   * @param headerTimeoutMs  a request head (request line and headers) must arrive within this time of its first
   *                         byte; past it the connection is closed
   * @param bodyTimeoutMs    a request body must arrive within this time once the gateway starts reading it; past
   *                         it 408 and the connection is closed
   * @param trustedProxies   addresses or CIDR blocks of the proxies (ingress) whose {@code X-Forwarded-For} is
   *                         believed; empty: the TCP peer is the client address
   */
  public record Http(String host, int port, int instances, int maxBodyBytes, long requestTimeoutMs, int maxInFlight,
      long shutdownGraceMs, long headerTimeoutMs, long bodyTimeoutMs, List<String> trustedProxies) {

    public static final long DEFAULT_HEADER_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_BODY_TIMEOUT_MS = 10_000;

    public Http {
      trustedProxies = List.copyOf(trustedProxies);
    }

    /** A listener with the default read deadlines and no trusted proxy. */
    public Http(String host, int port, int instances, int maxBodyBytes, long requestTimeoutMs, int maxInFlight,
        long shutdownGraceMs) {
      this(host, port, instances, maxBodyBytes, requestTimeoutMs, maxInFlight, shutdownGraceMs,
          DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_BODY_TIMEOUT_MS, List.of());
    }
  }

  /** Management listener: {@code /metrics} and {@code /health/*}. */
  public record Management(String host, int port) {
  }

  /**
   * The main database: client registry, and the default registry for every resource type.
   *
   * @param url             {@code postgresql://...}, or {@code null} to start the embedded PostgreSQL
   * @param embeddedDataDir where the embedded PostgreSQL keeps its data
   * @param migrate         apply pending schema migrations at start (never to an {@code openspp} registry)
   * @param kind            what the database at {@code url} is: the gateway's own schema or a live OpenSPP 2
   *                        database
   * @param language        language key of translated labels ({@code openspp}), falling back to {@code en_US}
   */
  public record Db(String url, int poolSize, String embeddedDataDir, boolean migrate, RegistryKind kind,
      String language) {

    public static final String DEFAULT_LANGUAGE = "en_US";

    /** The gateway's own schema, labels in {@value #DEFAULT_LANGUAGE}. */
    public Db(String url, int poolSize, String embeddedDataDir, boolean migrate) {
      this(url, poolSize, embeddedDataDir, migrate, RegistryKind.GATEWAY, DEFAULT_LANGUAGE);
    }
  }

  /**
   * One resource type's registry: its own pool, statement timeout and breaker.
   *
   * @param url                {@code null} means "the main database"
   * @param maxWaitQueue       requests that may wait for a connection before the pool refuses at once
   * @param statementTimeoutMs PostgreSQL {@code statement_timeout} on each connection
   * @param instances          resolver verticle instances for this type (each with its own pool)
   */
  public record Registry(
      String url,
      int poolSize,
      int maxWaitQueue,
      long statementTimeoutMs,
      int instances,
      Breaker breaker) {
  }

  /**
   * Circuit breaker of one registry.
   *
   * @param maxFailures    consecutive failures that open it
   * @param timeoutMs      a registry call slower than this counts as a failure (504)
   * @param resetTimeoutMs how long it stays open before a half-open trial
   */
  public record Breaker(int maxFailures, long timeoutMs, long resetTimeoutMs) {
  }

  /**
   * Token verification and client lookup.
   *
   * @param jwtSecret     HS256 shared secret (at least 32 characters), or {@code null}
   * @param issuer        expected {@code iss} of HS256 tokens
   * @param audience      expected {@code aud} of HS256 tokens
   * @param leewaySeconds clock leeway for {@code exp} and {@code nbf}, for every key source
   * @param clientCacheMs how long a client record is reused without asking the registry (at most 30 s)
   * @param jwks          the JWKS key source, or {@code null} when none is configured
   * @param tokenScopes   when true, a token's scope claim may narrow (never widen) the registry's scopes
   */
  public record Auth(String jwtSecret, String issuer, String audience, long leewaySeconds, long clientCacheMs,
      Jwks jwks, boolean tokenScopes) {

    /** HS256 only: no JWKS source, token scopes ignored. */
    public Auth(String jwtSecret, String issuer, String audience, long leewaySeconds, long clientCacheMs) {
      this(jwtSecret, issuer, audience, leewaySeconds, clientCacheMs, null, false);
    }

    /** A copy with this JWKS source ({@code null} removes it). */
    public Auth withJwks(Jwks source) {
      return new Auth(jwtSecret, issuer, audience, leewaySeconds, clientCacheMs, source, tokenScopes);
    }

    /** A copy with token scopes on or off. */
    public Auth withTokenScopes(boolean enabled) {
      return new Auth(jwtSecret, issuer, audience, leewaySeconds, clientCacheMs, jwks, enabled);
    }
  }

  /**
   * A JWKS key source (RS256, ES256, PS256), e.g. Keycloak's {@code /protocol/openid-connect/certs}.
   *
   * @param url               where the key set is fetched ({@code http} or {@code https})
   * @param issuer            expected {@code iss} of tokens signed with these keys
   * @param audience          expected {@code aud} of tokens signed with these keys
   * @param refreshSeconds    the key set is fetched again this long after the last successful fetch
   * @param minRefetchSeconds a token with an unknown {@code kid} causes a fetch at most once per this period
   * @param timeoutMs         bound of one fetch (connect, and the whole exchange)
   */
  public record Jwks(String url, String issuer, String audience, int refreshSeconds, int minRefetchSeconds,
      long timeoutMs) {

    public static final int DEFAULT_REFRESH_SECONDS = 300;
    public static final int DEFAULT_MIN_REFETCH_SECONDS = 30;
    public static final long DEFAULT_TIMEOUT_MS = 5000;

    /** A source with the default refresh period, refetch window and timeout. */
    public Jwks(String url, String issuer, String audience) {
      this(url, issuer, audience, DEFAULT_REFRESH_SECONDS, DEFAULT_MIN_REFETCH_SECONDS, DEFAULT_TIMEOUT_MS);
    }
  }

  /**
   * Export limits, the bus deadline and the anti-enumeration delay.
   *
   * @param busTimeoutMs    event-bus send timeout towards the resolvers, below the HTTP deadline
   * @param denyDelayMinMs  lower bound of the random delay of a response holding {@code access_denied} items: such
   *                        a response is released at the request's arrival plus the delay (at once if the work
   *                        took longer), not delayed after the work
   * @param denyDelayMaxMs  upper bound of that delay (may equal the lower bound: a fixed delay)
   * @param maxResponseBytes largest export response body; a larger one is refused (413 {@code response-too-large})
   */
  public record Export(int maxIdentifiers, int maxIdentifierLength, long busTimeoutMs, long denyDelayMinMs,
      long denyDelayMaxMs, int maxResponseBytes) {

    /** The default response bound: 4 MiB, about thirty times 100 ordinary records. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

    /** Limits with the default response bound. */
    public Export(int maxIdentifiers, int maxIdentifierLength, long busTimeoutMs, long denyDelayMinMs,
        long denyDelayMaxMs) {
      this(maxIdentifiers, maxIdentifierLength, busTimeoutMs, denyDelayMinMs, denyDelayMaxMs,
          DEFAULT_MAX_RESPONSE_BYTES);
    }
  }

  /**
   * The audit store: where audit records are group-committed before a response leaves.
   *
   * @param url                {@code null} means "the main database"
   * @param maxBatchRequests   requests' records committed together at most
   * @param timeoutMs          how long an export waits for its audit commit (503 past it)
   */
  public record Audit(String url, int poolSize, int maxBatchRequests, long statementTimeoutMs, long timeoutMs) {
  }

  /** The audit store URL: its own, else the main database's. */
  public String auditUrl() {
    return audit.url() != null ? audit.url() : db.url();
  }

  /** The registry URL of a type: its own, else the main database's. */
  public String registryUrl(ResourceType type) {
    String own = registries.get(type).url();
    return own != null ? own : db.url();
  }

  /** A copy with the main database URL set (used when the embedded PostgreSQL has started). */
  public GatewayConfig withDbUrl(String url) {
    return new GatewayConfig(http, management,
        new Db(url, db.poolSize(), db.embeddedDataDir(), db.migrate(), db.kind(), db.language()),
        registries, auth, export, audit, cluster);
  }

  /** A copy reading a registry of {@code kind} at {@code url}, with the audit trail at {@code auditUrl}. */
  public GatewayConfig withRegistry(RegistryKind kind, String url, String auditUrl) {
    return new GatewayConfig(http, management,
        new Db(url, db.poolSize(), db.embeddedDataDir(), db.migrate(), kind, db.language()),
        registries, auth, export,
        new Audit(auditUrl, audit.poolSize(), audit.maxBatchRequests(), audit.statementTimeoutMs(), audit.timeoutMs()),
        cluster);
  }

  /** A copy with labels translated into {@code language} (OpenSPP language key, e.g. {@code fr_FR}). */
  public GatewayConfig withRegistryLanguage(String language) {
    return new GatewayConfig(http, management,
        new Db(db.url(), db.poolSize(), db.embeddedDataDir(), db.migrate(), db.kind(), language),
        registries, auth, export, audit, cluster);
  }

  /** The registry kind of the main database. */
  public RegistryKind kind() {
    return db.kind();
  }

  /** A copy with the HS256 secret set. */
  public GatewayConfig withJwtSecret(String secret) {
    return new GatewayConfig(http, management, db, registries,
        new Auth(secret, auth.issuer(), auth.audience(), auth.leewaySeconds(), auth.clientCacheMs(), auth.jwks(),
            auth.tokenScopes()), export, audit, cluster);
  }

  /** A copy with the authentication settings replaced (tests add a JWKS source this way). */
  public GatewayConfig withExport(Export newExport) {
    return new GatewayConfig(http, management, db, registries, auth, newExport, audit, cluster);
  }

  public GatewayConfig withAuth(Auth newAuth) {
    return new GatewayConfig(http, management, db, registries, newAuth, export, audit, cluster);
  }
}
