package org.openspp.gateway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.logging.RequestLogContext;

/**
 * What the handlers of one request share, kept in its {@link RoutingContext}: when it arrived, its request id, the
 * client address, which endpoint it is for, and — once known — the verified client. Filled by {@link #stamp}, the
 * first handler of every route; read by the handlers after it and by {@link ProblemHandler}.
 */
final class EdgeContext {

  static final String API_VERSION = "2.0.0";
  private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

  private static final String REQUEST_ID = "spp.requestId";
  private static final String ARRIVAL = "spp.arrivalNanos";
  private static final String RECEIVED_AT = "spp.receivedAt";
  private static final String CLIENT_ADDRESS = "spp.clientAddress";
  private static final String ENDPOINT = "spp.endpoint";
  private static final String CLIENT = "spp.client";
  private static final String TOKEN_CLIENT = "spp.tokenClient";
  private static final String TYPE = "spp.type";
  private static final String ROUTE = "spp.route";

  /** Endpoint names, for logs and for what a refusal costs (only exports are audited). */
  static final String EXPORT = "export";
  static final String TOKEN = "token";
  static final String OTHER = "other";

  private EdgeContext() {
  }

  /**
   * The first handler of every route: pauses the request (handlers after it read the body when they decide to),
   * records the arrival, the request id (the client's when sane, else a new one) and the client address, and puts
   * {@code X-API-Version} and {@code X-Request-Id} on the response; the answer's access line is written when the
   * response ends or the connection closes ({@link AccessLog#watch}), whoever answers.
   */
  static void stamp(RoutingContext ctx, ClientAddresses addresses) {
    ctx.put(ARRIVAL, System.nanoTime());
    AccessLog.watch(ctx);
    ctx.request().pause();
    String given = ctx.request().getHeader("X-Request-Id");
    String id = given != null && SANE_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(REQUEST_ID, id);
    RequestLogContext.bind(id);
    ctx.put(RECEIVED_AT, Instant.now());
    ctx.put(CLIENT_ADDRESS, addresses.of(ctx.request()));
    ctx.put(ENDPOINT, OTHER);
    identify(ctx.response(), id);
    ctx.next();
  }

  /** The headers every answer carries: {@code X-API-Version} and {@code X-Request-Id}. */
  static void identify(HttpServerResponse response, String requestId) {
    response.putHeader("X-API-Version", API_VERSION).putHeader("X-Request-Id", requestId);
  }

  static String requestId(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID);
    return id != null ? id : "-";
  }

  /**
   * Whether {@link #stamp} ran: not for a request the router fails before any route (a path that does not start
   * with {@code /}), which has no request id, arrival or client address.
   */
  static boolean stamped(RoutingContext ctx) {
    return ctx.get(ARRIVAL) != null;
  }

  /** {@link System#nanoTime()} at arrival. */
  static long arrival(RoutingContext ctx) {
    Long arrival = ctx.get(ARRIVAL);
    return arrival != null ? arrival : System.nanoTime();
  }

  static Instant receivedAt(RoutingContext ctx) {
    Instant at = ctx.get(RECEIVED_AT);
    return at != null ? at : Instant.now();
  }

  /** The client address ({@link ClientAddresses}), or {@code null}. */
  static String clientAddress(RoutingContext ctx) {
    return ctx.get(CLIENT_ADDRESS);
  }

  /** The {@code User-Agent} header, at most 256 characters, or {@code null}. */
  static String userAgent(RoutingContext ctx) {
    String ua = ctx.request().getHeader("User-Agent");
    return ua == null || ua.length() <= 256 ? ua : ua.substring(0, 256);
  }

  static void endpoint(RoutingContext ctx, String endpoint) {
    ctx.put(ENDPOINT, endpoint);
  }

  static String endpoint(RoutingContext ctx) {
    String endpoint = ctx.get(ENDPOINT);
    return endpoint != null ? endpoint : OTHER;
  }

  /** The route template that matched (the access line's {@code http.route}), or {@code null}. */
  static String route(RoutingContext ctx) {
    return ctx.get(ROUTE);
  }

  static void route(RoutingContext ctx, String route) {
    ctx.put(ROUTE, route);
  }

  /** The verified, active client, or {@code null} before authentication completed. */
  static ClientRecord client(RoutingContext ctx) {
    return ctx.get(CLIENT);
  }

  static void client(RoutingContext ctx, ClientRecord client) {
    ctx.put(CLIENT, client);
  }

  /** The client id of a token whose signature verified (even if that client is unknown), or {@code null}. */
  static String tokenClient(RoutingContext ctx) {
    return ctx.get(TOKEN_CLIENT);
  }

  static void tokenClient(RoutingContext ctx, String clientId) {
    ctx.put(TOKEN_CLIENT, clientId);
  }

  /** The requested resource type's wire name once the body named a valid one, or {@code null}. */
  static String type(RoutingContext ctx) {
    return ctx.get(TYPE);
  }

  static void type(RoutingContext ctx, String type) {
    ctx.put(TYPE, type);
  }

  /** The request body as {@code BodyHandler} read it, or {@code null} when it was not read. */
  static Buffer body(RoutingContext ctx) {
    return ctx.body() != null && ctx.body().available() ? ctx.body().buffer() : null;
  }
}
