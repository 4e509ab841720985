package org.openspp.gateway;

/**
 * What one gateway process runs ({@code serve --role}). {@link #ALL} is the single-process gateway on a local
 * event bus; the other two split it across processes joined by the clustered event bus.
 */
public enum Role {
  /** Everything in one process, no clustering. */
  ALL,
  /** The HTTP tier: HTTP verticles, aggregators, client directory and audit writer; resolves through the cluster. */
  HTTP,
  /** The resolver tier: resolver verticles for the configured resource types, nothing else but management. */
  RESOLVER;

  public boolean servesHttp() {
    return this != RESOLVER;
  }

  public boolean resolves() {
    return this != HTTP;
  }
}
