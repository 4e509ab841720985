package org.openspp.gateway.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openspp.gateway.auth.TokenMinter;
import org.openspp.gateway.config.ConfigLoader;
import org.openspp.gateway.config.GatewayConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code token --client ID [--ttl 15m]}: prints an HS256 token for a client, signed with the configured
 * secret (or the embedded default's generated one). For development and tests; refuses without a secret.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Print an HS256 token for a client, signed with the configured secret.")
public final class TokenCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--client", required = true, paramLabel = "ID", description = "client id (client_id and sub claims)")
  String clientId;

  @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "15m",
      description = "lifetime: 30s, 15m, 1h, 2d or ISO-8601 (PT15M); default ${DEFAULT-VALUE}")
  String ttl;

  @Option(names = "--scope", paramLabel = "SCOPE", split = ",", description = "scopes claim (informative: the client registry is authoritative)")
  List<String> scopes = List.of();

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
  Path configFile;

  @Override
  public Integer call() throws Exception {
    Duration lifetime;
    try {
      lifetime = parseDuration(ttl);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("--ttl: " + e.getMessage());
      return 2;
    }
    GatewayConfig config = ConfigLoader.load(configFile, System.getenv());
    String secret = config.auth().jwtSecret();
    if (secret == null && config.db().url() == null) {
      secret = CliSupport.embeddedSecret(config, false);
    }
    if (secret == null) {
      spec.commandLine().getErr().println("no HS256 secret configured: set SPP_JWT_SECRET (at least 32 characters)");
      return 2;
    }
    TokenMinter minter = new TokenMinter(secret, config.auth().issuer(), config.auth().audience());
    spec.commandLine().getOut().println(minter.mint(clientId, scopes, lifetime));
    spec.commandLine().getOut().flush();
    return 0;
  }

  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      if (t.startsWith("p")) {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } else if (t.matches("\\d+[smhd]")) {
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        d = switch (t.charAt(t.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      } else {
        throw new IllegalArgumentException("expected a duration such as 30s, 15m, 1h, 2d or PT15M");
      }
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expected a duration such as 30s, 15m, 1h, 2d or PT15M");
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive");
    }
    return d;
  }
}
