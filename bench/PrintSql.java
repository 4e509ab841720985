import org.openspp.gateway.bus.ResourceType;
import org.openspp.gateway.db.RegistryQueries;

/**
 * Prints the resolver's SQL for one resource type, exactly as the gateway prepares it, so the benchmark's
 * pgbench baseline runs the same statement. Usage: java -cp target/spp-gateway.jar bench/PrintSql.java Individual
 */
public final class PrintSql {
  public static void main(String[] args) {
    ResourceType type = "Group".equals(args.length > 0 ? args[0] : "") ? ResourceType.GROUP : ResourceType.INDIVIDUAL;
    System.out.print(RegistryQueries.resolve(type));
  }
}
