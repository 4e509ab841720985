package org.openspp.gateway.bus;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.function.Function;

/**
 * The codec of a message record that crosses the clustered event bus (aggregator to resolver and back). Within
 * one JVM it delivers the same immutable instance, as {@link LocalCodec} does; between JVMs the record travels as
 * JSON: its components by name (jackson-databind's record support), {@code java.time} values as ISO-8601 text,
 * behind a 4-byte length. Decoding builds only the registered record type and its component types (no type
 * information on the wire), and a record whose JSON lacks a component or carries an unknown one is refused,
 * so a peer of another version fails loudly instead of yielding a half-filled record.
 */
public final class WireCodec<T> extends LocalCodec<T> {

  static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new SimpleModule("java-time-iso")
          .addSerializer(LocalDate.class, new IsoSerializer<>())
          .addDeserializer(LocalDate.class, new IsoDeserializer<>(LocalDate::parse))
          .addSerializer(Instant.class, new IsoSerializer<>())
          .addDeserializer(Instant.class, new IsoDeserializer<>(Instant::parse)))
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .build();

  private final Class<T> type;

  public WireCodec(Class<T> type) {
    super("spp:" + type.getSimpleName());
    this.type = type;
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    byte[] json;
    try {
      json = MAPPER.writeValueAsBytes(t);
    } catch (IOException e) {
      throw new UncheckedIOException(name() + ": cannot encode", e);
    }
    buffer.appendInt(json.length).appendBytes(json);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    byte[] json = buffer.getBytes(pos + 4, pos + 4 + length);
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw new IllegalArgumentException(name() + ": cannot decode a message from a peer: " + e.getMessage(), e);
    }
  }

  private static final class IsoSerializer<V> extends JsonSerializer<V> {
    @Override
    public void serialize(V value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
      gen.writeString(value.toString());
    }
  }

  private static final class IsoDeserializer<V> extends JsonDeserializer<V> {
    private final Function<String, V> parse;

    IsoDeserializer(Function<String, V> parse) {
      this.parse = parse;
    }

    @Override
    public V deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return parse.apply(p.getValueAsString());
      } catch (RuntimeException e) {
        throw ctxt.weirdStringException(p.getValueAsString(), handledType(), e.getMessage());
      }
    }
  }
}
