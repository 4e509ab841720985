package org.openspp.gateway.db;

import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.Map;
import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.resolve.RegistrySource;

/**
 * The {@code gateway} registry kind: the gateway's own schema ({@code V1__registry.sql}), filled by {@code load}.
 * SQL in {@link RegistryQueries}; its rows are read by {@link RegistrantRows}.
 */
public final class GatewayRegistrySource implements RegistrySource {

  public static final GatewayRegistrySource INSTANCE = new GatewayRegistrySource();

  private GatewayRegistrySource() {
  }

  @Override
  public Map<String, String> sessionSettings() {
    return Map.of();
  }

  @Override
  public String resolveStatement(ResourceType type, boolean consentFiltered) {
    return RegistryQueries.resolve(type);
  }

  @Override
  public Tuple resolveParameters(ResourceType type, String[] systems, String[] values, LocalDate day,
      boolean consentFiltered, String organization, String organizationType) {
    return Tuple.of(systems, values, type.wireName(), day, consentFiltered, organization, organizationType);
  }

  @Override
  public String clientStatement() {
    return RegistryQueries.CLIENT_BY_ID;
  }

  @Override
  public String credentialsStatement() {
    return RegistryQueries.CREDENTIALS_BY_ID;
  }
}
