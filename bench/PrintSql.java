import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.db.RegistryQueries;
import org.openspp.gateway.openspp.OpensppQueries;

/**
 * Prints the resolver's SQL for one resource type and registry kind, exactly as the gateway prepares it, so the
 * benchmark's pgbench baseline runs the same statement. Arguments in any order: the resource type
 * ({@code Individual}, the default, or {@code Group}), the registry kind ({@code gateway}, the default, or
 * {@code openspp}) and {@code consent} for the consent-filtered client's statement (the openspp kind has one
 * statement per case). Usage: java -cp target/spp-gateway.jar bench/PrintSql.java [openspp] [consent] Individual
 */
public final class PrintSql {
  public static void main(String[] args) {
    ResourceType type = ResourceType.INDIVIDUAL;
    boolean openspp = false;
    boolean consent = false;
    for (String arg : args) {
      switch (arg) {
        case "Group" -> type = ResourceType.GROUP;
        case "Individual" -> type = ResourceType.INDIVIDUAL;
        case "openspp" -> openspp = true;
        case "gateway" -> openspp = false;
        case "consent" -> consent = true;
        default -> {
          System.err.println("usage: PrintSql.java [gateway|openspp] [consent] [Individual|Group]; unknown: " + arg);
          System.exit(2);
        }
      }
    }
    System.out.print(openspp ? OpensppQueries.resolve(type, consent) : RegistryQueries.resolve(type));
  }
}
