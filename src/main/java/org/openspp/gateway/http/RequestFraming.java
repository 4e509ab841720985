package org.openspp.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 message framing the gateway accepts (RFC 9112 §6), decided where the bytes are parsed: by Netty's request
 * decoder, through the extension points it offers for exactly these decisions.
 *
 * <ul>
 *   <li>{@code Content-Length} together with {@code Transfer-Encoding}: the decoder fails the message (Netty's
 *       default silently drops the {@code Content-Length}, which is what request smuggling through a proxy that
 *       reads the other header relies on); {@link InvalidRequests} answers {@code 400} and closes the connection.</li>
 *   <li>A request head must arrive within {@code http.headerTimeoutMs} of its first byte, or the connection is
 *       closed (slow headers). A keep-alive connection waiting for its next request is governed by the idle
 *       timeout instead.</li>
 *   <li>{@code Transfer-Encoding} other than exactly one {@code chunked} (a list such as {@code chunked, identity},
 *       a repeated header, an obs-folded value): the decoder marks the request invalid; {@link InvalidRequests} answers {@code 400}
 *       and closes the connection, so nothing pipelined after it is read as a request.</li>
 * </ul>
 * Both 400s come from the HTTP layer, before any route: {@link InvalidRequests} answers them (problem+json).
 *
 * <p>The decoder is installed per connection, before the first byte is read, in place of Vert.x's own (whose
 * subclass it is, so header handling stays Vert.x's). Reaching the pipeline takes two Vert.x classes outside its
 * public API ({@code ConnectionBase}, {@code VertxHttpRequestDecoder}); {@code EdgeHardeningTest} fails if an
 * upgrade moves them, and a connection of another kind is left with Vert.x's decoder.
 */
final class RequestFraming {

  /** The name of Vert.x's HTTP/1.x request decoder in the connection's pipeline. */
  private static final String DECODER = "httpDecoder";

  private RequestFraming() {
  }

  /** Replaces the connection's request decoder with the strict one; HTTP/2 connections are left alone. */
  static void install(HttpConnection connection, HttpServerOptions options, long headerTimeoutMs) {
    if (connection instanceof ConnectionBase base) {
      var pipeline = base.channelHandlerContext().pipeline();
      if (pipeline.get(DECODER) instanceof VertxHttpRequestDecoder) {
        pipeline.replace(DECODER, DECODER, new StrictDecoder(options, headerTimeoutMs));
      }
    }
  }

  /** Exactly one {@code Transfer-Encoding: chunked}, or none. */
  static boolean acceptableTransferEncoding(HttpHeaders headers) {
    List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    return te.isEmpty() || (te.size() == 1 && "chunked".equalsIgnoreCase(te.get(0)));
  }

  /** Vert.x's decoder with the decisions above. */
  static final class StrictDecoder extends VertxHttpRequestDecoder {

    private final long headerTimeoutMs;
    /** Between a request head and the end of its body. */
    private boolean inMessage;
    /** Bytes of a request head have arrived, and the head is not complete yet. */
    private boolean headPending;
    private ScheduledFuture<?> headDeadline;

    StrictDecoder(HttpServerOptions options, long headerTimeoutMs) {
      super(options);
      this.headerTimeoutMs = headerTimeoutMs;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      throw new IllegalArgumentException("Content-Length and Transfer-Encoding in one message");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      if (!inMessage && in.isReadable()) {
        headPending = true;
      }
      int before = out.size();
      super.decode(ctx, in, out);
      for (int i = before; i < out.size(); i++) {
        Object decoded = out.get(i);
        if (decoded instanceof HttpRequest request) {
          inMessage = true;
          headPending = false;
          if (request.decoderResult().isSuccess() && !acceptableTransferEncoding(request.headers())) {
            request.setDecoderResult(DecoderResult.failure(
                new IllegalArgumentException("Transfer-Encoding other than a single 'chunked'")));
          }
        }
        if (decoded instanceof LastHttpContent) {
          inMessage = false;
        }
      }
      if (headPending && headDeadline == null) {
        headDeadline = ctx.executor().schedule(() -> {
          if (headPending) {
            ctx.close();
          }
        }, headerTimeoutMs, TimeUnit.MILLISECONDS);
      } else if (!headPending && headDeadline != null) {
        headDeadline.cancel(false);
        headDeadline = null;
      }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
      if (headDeadline != null) {
        headDeadline.cancel(false);
      }
      super.handlerRemoved0(ctx);
    }
  }
}
