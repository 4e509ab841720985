package org.openspp.gateway.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Delivers an immutable record within one JVM without copying: {@link #transform} returns the same
 * instance. The records are immutable, so sharing them between event loops is safe. The wire methods
 * refuse: a clustered bus needs a real wire format first.
 */
public class LocalCodec<T> implements MessageCodec<T, T> {

  private final String name;

  public LocalCodec(Class<T> type) {
    this("local:" + type.getName());
  }

  /** For codecs that add a wire format to the same local delivery. */
  protected LocalCodec(String name) {
    this.name = name;
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new UnsupportedOperationException(name + " has no wire format; the event bus must not be clustered");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " has no wire format; the event bus must not be clustered");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
