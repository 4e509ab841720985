package org.openspp.gateway.config;

/** A configuration value is missing, unknown or invalid; the message names the key. */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
