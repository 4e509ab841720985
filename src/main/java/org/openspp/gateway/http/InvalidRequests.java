package org.openspp.gateway.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The HTTP server's invalid-request handler ({@code HttpServer#invalidRequestHandler}): requests Netty's decoder
 * could not accept never reach the router, and Vert.x's default handler answers them with an empty body. Here they
 * get problem+json like every other answer, the connection closes after it (what follows on it cannot be framed
 * reliably), and the access log records them:
 *
 * <ul>
 *   <li>a request line longer than {@link #MAX_REQUEST_LINE} bytes: {@code 414 uri-too-long};</li>
 *   <li>a request head larger than {@link #MAX_HEAD} bytes: {@code 431 header-fields-too-large};</li>
 *   <li>anything else the decoder refused ({@link RequestFraming}'s {@code Content-Length} with
 *       {@code Transfer-Encoding}, a {@code Transfer-Encoding} other than one {@code chunked}, a malformed request
 *       line or header): {@code 400 malformed-request}.</li>
 * </ul>
 * The problem's {@code instance} is empty: the path of a request that could not be parsed is not trustworthy, and
 * an over-long one may hold anything the client put in it. No request id from the client is taken either.
 */
final class InvalidRequests {

  /** {@code HttpServerOptions#setMaxInitialLineLength} of the API listener. */
  static final int MAX_REQUEST_LINE = 4096;
  /** {@code HttpServerOptions#setMaxHeaderSize} of the API listener. */
  static final int MAX_HEAD = 16 * 1024;

  private InvalidRequests() {
  }

  /**
   * Answers {@code request}, whose decoder result is a failure, and closes its connection; the access line names
   * the client address as {@code addresses} derives it for every other answer.
   */
  static void answer(HttpServerRequest request, ClientAddresses addresses) {
    ApiProblem problem = problemOf(request.decoderResult());
    String requestId = UUID.randomUUID().toString();
    HttpServerResponse response = request.response();
    EdgeContext.identify(response, requestId);
    response.setStatusCode(problem.status())
        .putHeader("Content-Type", "application/problem+json")
        .putHeader("Connection", "close")
        .end(problem.toJson("", requestId).toBuffer());
    // at once, as Vert.x's default handler does: a request pipelined behind this one must never be served
    request.connection().close();
    AccessLog.invalid(problem, requestId, addresses.of(request));
  }

  static ApiProblem problemOf(DecoderResult result) {
    Throwable cause = result == null ? null : result.cause();
    if (cause instanceof TooLongHttpLineException) {
      return ApiProblem.of(414, "uri-too-long", "URI Too Long",
          "The request line is longer than " + MAX_REQUEST_LINE + " bytes");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return ApiProblem.of(431, "header-fields-too-large", "Request Header Fields Too Large",
          "The request header fields are larger than " + MAX_HEAD + " bytes");
    }
    return new ApiProblem(400, "malformed-request", "Malformed request", "The request is not valid HTTP/1.1",
        List.of(new ApiProblem.FieldError("request", "invalid_http",
            "the request line, a header or the message framing is invalid")), Map.of());
  }
}
