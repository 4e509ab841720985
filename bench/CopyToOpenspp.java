import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.openspp.gateway.db.PgPools;
import org.openspp.gateway.openspp.fake.FakeOpenspp;

/**
 * Fills a fake OpenSPP 2 database for the benchmark's {@code --kind openspp} run: creates the OpenSPP tables in an
 * empty database ({@link FakeOpenspp#createSchema}) and copies the registry of a gateway-schema database into it
 * ({@link FakeOpenspp#copyFrom}; registrant ids are kept as res_partner ids). Prints the counts and the seconds.
 *
 * <p>Never point it at a real OpenSPP database: it creates tables and writes rows. Usage:
 * {@code java -cp target/spp-gateway.jar bench/CopyToOpenspp.java <gatewayDbUrl> <opensppDbUrl>}
 */
public final class CopyToOpenspp {
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: java -cp target/spp-gateway.jar bench/CopyToOpenspp.java <gatewayDbUrl> <opensppDbUrl>");
      System.exit(2);
    }
    Vertx vertx = Vertx.vertx();
    Pool gateway = PgPools.create(vertx, args[0], 2, 16, 0, "bench-copy-gateway");
    Pool openspp = PgPools.create(vertx, args[1], 2, 16, 0, "bench-copy-openspp");
    int status = 0;
    try {
      long t0 = System.nanoTime();
      FakeOpenspp.createSchema(openspp).await();
      long t1 = System.nanoTime();
      FakeOpenspp.Report r = FakeOpenspp.copyFrom(gateway, openspp).await();
      long t2 = System.nanoTime();
      System.out.printf("schema %.1f s; copy %.1f s: %d individuals, %d groups, %d identifiers, %d memberships,"
              + " %d clients, %d consents%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9, r.individuals(), r.groups(),
          r.identifiers(), r.memberships(), r.clients(), r.consents());
    } catch (Throwable failure) {
      System.err.println("copy to the fake OpenSPP database failed: " + failure);
      failure.printStackTrace();
      status = 1;
    } finally {
      try {
        gateway.close().await();
        openspp.close().await();
        vertx.close().await();
      } catch (Throwable closing) {
        System.err.println("closing: " + closing);
        status = status == 0 ? 1 : status;
      }
    }
    System.exit(status);
  }
}
