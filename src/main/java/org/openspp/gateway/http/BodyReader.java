package org.openspp.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a paused request's body with a hard size limit. A declared {@code Content-Length} over the limit
 * fails at once without reading; an undeclared body fails as soon as it passes the limit, and reading stops.
 */
final class BodyReader {

  private BodyReader() {
  }

  static ApiProblem tooLarge(int limit) {
    return ApiProblem.of(413, "payload-too-large", "Payload Too Large",
        "The request body exceeds the limit of " + limit + " bytes");
  }

  static Future<Buffer> read(HttpServerRequest request, int limit) {
    String declared = request.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          return Future.failedFuture(tooLarge(limit));
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(ApiProblem.malformed("Invalid Content-Length header",
            new ApiProblem.FieldError("Content-Length", "invalid", "must be a non-negative integer")));
      }
    }
    if (request.isEnded()) {
      return Future.succeededFuture(Buffer.buffer());
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer(declared != null ? Math.min(limit, 16 * 1024) : 1024);
    request.handler(chunk -> {
      if (promise.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > limit) {
        request.pause();
        promise.tryFail(tooLarge(limit));
        return;
      }
      body.appendBuffer(chunk);
    });
    request.exceptionHandler(err -> promise.tryFail(err));
    request.endHandler(v -> promise.tryComplete(body));
    request.resume();
    return promise.future();
  }
}
