package org.openspp.gateway.http;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The client address of a request: the TCP peer, or — when the peer is one of {@code http.trustedProxies} — the
 * nearest address in {@code X-Forwarded-For} that is not itself a trusted proxy (walking from the right, so a
 * client cannot choose its address by sending the header itself). Used by the audit trail, the logs and the
 * token endpoint's per-address limit. Addresses and CIDR blocks are matched with Netty's subnet rules; nothing is
 * resolved by DNS.
 */
final class ClientAddresses {

  private final List<IpSubnetFilterRule> trusted;

  ClientAddresses(List<String> trustedProxies) {
    List<IpSubnetFilterRule> rules = new ArrayList<>();
    for (String entry : trustedProxies) {
      int slash = entry.indexOf('/');
      String ip = slash < 0 ? entry : entry.substring(0, slash);
      byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
      int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(entry.substring(slash + 1));
      rules.add(new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT));
    }
    this.trusted = List.copyOf(rules);
  }

  /** The client address of {@code request}, or {@code null} when the connection has none. */
  String of(HttpServerRequest request) {
    if (request.remoteAddress() == null) {
      return null;
    }
    String peer = request.remoteAddress().hostAddress();
    if (trusted.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String header : request.headers().getAll("X-Forwarded-For")) {
      for (String hop : header.split(",")) {
        hops.add(hop.trim());
      }
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i);
      if (!NetUtil.isValidIpV4Address(hop) && !NetUtil.isValidIpV6Address(hop)) {
        return peer; // a malformed hop: nothing to the left of it can be believed
      }
      if (!isTrusted(hop)) {
        return hop;
      }
    }
    return peer;
  }

  private boolean isTrusted(String ip) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
    if (bytes == null) {
      return false;
    }
    InetSocketAddress address;
    try {
      address = new InetSocketAddress(InetAddress.getByAddress(bytes), 0);
    } catch (UnknownHostException e) {
      return false; // not reached: the bytes are 4 or 16 long
    }
    for (IpSubnetFilterRule rule : trusted) {
      if (rule.matches(address)) {
        return true;
      }
    }
    return false;
  }
}
