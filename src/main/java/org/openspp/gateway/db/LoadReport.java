package org.openspp.gateway.db;

/**
 * What one registry file contributed: the number of records of each kind it held, all of which were
 * inserted or, where their key already existed, updated.
 */
public record LoadReport(int individuals, int groups, int clients, int consents) {

  /** All records of the file. */
  public int total() {
    return individuals + groups + clients + consents;
  }
}
