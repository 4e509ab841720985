package org.openspp.gateway;

import java.nio.file.Path;
import java.util.Set;
import org.openspp.gateway.cli.LoadCommand;
import org.openspp.gateway.cli.OpensppCheckCommand;
import org.openspp.gateway.cli.ServeCommand;
import org.openspp.gateway.cli.TokenCommand;
import org.openspp.gateway.config.ConfigException;
import org.openspp.gateway.config.ConfigLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The launcher: {@code serve} (default), {@code load}, {@code token} and {@code openspp-check}. Exit codes: 0 ok, 1 runtime failure,
 * 2 usage or input error (including invalid configuration).
 */
@Command(name = "spp-gateway", mixinStandardHelpOptions = true, version = "spp-gateway 0.1.0",
    description = "OpenSPP API v2 bulk export gateway.",
    subcommands = {ServeCommand.class, LoadCommand.class, TokenCommand.class, OpensppCheckCommand.class})
public final class GatewayMain implements Runnable {

  private static final Set<String> TOP_LEVEL = Set.of("serve", "load", "token", "openspp-check", "-h", "--help", "-V", "--version", "help");

  @Override
  public void run() {
    // reached only for "spp-gateway" with top-level options handled by picocli
  }

  public static void main(String[] args) {
    System.setProperty("spp.log.format", ConfigLoader.logAppender(logFormat(args), System.console() != null));
    System.exit(run(args));
  }

  /**
   * {@code log.format} from the configuration the command will load, decided before logging starts. An
   * invalid configuration falls back to {@code auto}; the command itself then reports the error.
   */
  private static String logFormat(String[] args) {
    Path file = null;
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--config")) {
        file = Path.of(args[i + 1]);
      }
    }
    try {
      return ConfigLoader.logFormat(ConfigLoader.merged(file, System.getenv()));
    } catch (RuntimeException e) {
      return "auto";
    }
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String[] args) {
    String[] effective = args;
    if (args.length == 0 || !TOP_LEVEL.contains(args[0])) {
      effective = new String[args.length + 1];
      effective[0] = "serve";
      System.arraycopy(args, 0, effective, 1, args.length);
    }
    CommandLine cli = new CommandLine(new GatewayMain());
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof ConfigException) {
        commandLine.getErr().println("configuration error: " + ex.getMessage());
        return 2;
      }
      commandLine.getErr().println("error: " + ex.getMessage());
      return 1;
    });
    return cli.execute(effective);
  }
}
