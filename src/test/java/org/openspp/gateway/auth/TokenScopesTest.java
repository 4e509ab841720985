package org.openspp.gateway.auth;

import static org.openspp.gateway.support.TestFutures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openspp.gateway.bus.ClientRecord;
import org.openspp.gateway.config.GatewayConfig;
import org.openspp.gateway.support.GatewayHarness;
import org.openspp.gateway.support.JoseTestKeys;
import org.openspp.gateway.support.JoseTestKeys.SigningKey;
import org.openspp.gateway.support.JwksTestServer;

/**
 * {@code auth.tokenScopes}: token scope claims ({@code scope}, {@code scp}, {@code scopes}) narrow the client
 * registry's scopes when a deployment turns it on, never widen them; off (the default) they are ignored.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("Token scopes")
class TokenScopesTest {

  static final String ISSUER = "https://idp.test/realms/spp";
  static final String AUDIENCE = "spp-gateway";
  static final SigningKey RS = JoseTestKeys.rsa("rs-1", "RS256");

  static JwksTestServer idp;
  static GatewayHarness gw;

  @BeforeAll
  static void start(Vertx vertx) {
    idp = JwksTestServer.start(vertx, List.of(RS.publicJwk()));
    gw = GatewayHarness.start(vertx, GatewayHarness.FIXTURE, c -> c.withAuth(c.auth()
        .withJwks(new GatewayConfig.Jwks(idp.url(), ISSUER, AUDIENCE)).withTokenScopes(true)));
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.stop();
    }
    if (idp != null) {
      idp.stop();
    }
  }


  static ClientRecord client(String... scopes) {
    return new ClientRecord("c", true, "public_task", "org", "government", Set.of(scopes), null);
  }

  static JsonObject body(String type) {
    String id = type.equals("Group") ? "urn:test:hh|G-1" : "urn:test:nid|A-1";
    return new JsonObject().put("type", type).put("identifiers", new JsonArray().add(id));
  }

  static int export(String token, String type) {
    HttpResponse<Buffer> r = gw.client.post(GatewayHarness.ExportPaths.EXPORT)
        .putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + token)
        .sendBuffer(body(type).toBuffer()).await();
    return r.statusCode();
  }

  // --- narrowing rules -----------------------------------------------------------------------------------------

  @Test
  @DisplayName("narrowing keeps only what both the registry and the token grant; resource:all works on either side")
  void narrowing() {
    ClientRecord both = client("individual:read", "group:read");
    assertThat(new VerifiedToken("c", Set.of("individual:read")).narrow(both).scopes())
        .containsExactly("individual:read");
    assertThat(new VerifiedToken("c", Set.of("individual:read", "group:all")).narrow(both).scopes())
        .containsExactlyInAnyOrder("individual:read", "group:read");
    assertThat(new VerifiedToken("c", Set.of("individual:read")).narrow(client("individual:all")).scopes())
        .containsExactly("individual:read");
    assertThat(new VerifiedToken("c", Set.of()).narrow(both).scopes()).isEmpty();
  }

  @Test
  @DisplayName("narrowing never widens: token scopes the registry does not grant are dropped")
  void neverWidens() {
    ClientRecord individualOnly = client("individual:read");
    ClientRecord narrowed = new VerifiedToken("c", Set.of("group:read", "group:all", "individual:all", "*", "admin"))
        .narrow(individualOnly);
    assertThat(narrowed.scopes()).containsExactly("individual:read");
    assertThat(narrowed.hasScope("group", "read")).isFalse();
    assertThat(narrowed.hasScope("individual", "all")).isFalse();
    ClientRecord searchOnly = client("individual:search");
    assertThat(new VerifiedToken("c", Set.of("individual:read")).narrow(searchOnly).hasScope("individual", "read"))
        .isFalse();
  }

  @Test
  @DisplayName("with token scopes off the registry record passes unchanged")
  void offLeavesRegistryScopes() {
    ClientRecord both = client("individual:read", "group:read");
    assertThat(new VerifiedToken("c", null).narrow(both)).isSameAs(both);
  }

  @Test
  @DisplayName("scope (space-separated), scp (string or array) and scopes (array) are all read, and combined")
  void claimFormats() {
    assertThat(VerifiedToken.scopesOf(new JsonObject().put("scope", " profile  individual:read\tgroup:read ")))
        .containsExactlyInAnyOrder("profile", "individual:read", "group:read");
    assertThat(VerifiedToken.scopesOf(new JsonObject().put("scp", "individual:read")))
        .containsExactly("individual:read");
    assertThat(VerifiedToken.scopesOf(new JsonObject().put("scp", new JsonArray().add("group:read").add(7))))
        .containsExactly("group:read");
    assertThat(VerifiedToken.scopesOf(new JsonObject().put("scopes", new JsonArray().add("individual:all"))
        .put("scope", "group:read"))).containsExactlyInAnyOrder("individual:all", "group:read");
    assertThat(VerifiedToken.scopesOf(new JsonObject().put("scope", 42))).isEmpty();
  }

  @Test
  @DisplayName("the verifier reports token scopes only when auth.tokenScopes is on")
  void verifierReportsScopesOnlyWhenOn(Vertx vertx) throws Exception {
    TokenMinter minter = new TokenMinter(GatewayHarness.SECRET, "openspp-api-v2", "openspp");
    String token = minter.mint("legal-client", List.of("individual:read"), Duration.ofMinutes(5));
    GatewayConfig.Auth off = new GatewayConfig.Auth(GatewayHarness.SECRET, "openspp-api-v2", "openspp", 30, 0);

    VerifiedToken whenOff = await(TokenVerifier.create(vertx, off, null).authenticate("Bearer " + token));
    VerifiedToken whenOn = await(TokenVerifier.create(vertx, off.withTokenScopes(true), null)
        .authenticate("Bearer " + token));

    assertThat(whenOff.tokenScopes()).isNull();
    assertThat(whenOn.tokenScopes()).containsExactly("individual:read");
    assertThat(whenOn.clientId()).isEqualTo("legal-client");
  }

  // --- at the HTTP edge ----------------------------------------------------------------------------------------

  @Test
  @DisplayName("at the edge an HS256 token's scopes array narrows the client: individual:read alone cannot export Groups")
  void hs256ScopesNarrow() {
    String individualOnly = gw.minter.mint("legal-client", List.of("individual:read"), Duration.ofMinutes(5));
    assertThat(export(individualOnly, "Individual")).isEqualTo(200);
    assertThat(export(individualOnly, "Group")).isEqualTo(403);
  }

  @Test
  @DisplayName("at the edge a Keycloak-style scope string narrows the client, and a token never widens it")
  void jwksScopeStringNarrows() {
    JsonObject claims = JoseTestKeys.claims(ISSUER, AUDIENCE, "legal-client").put("scope", "profile email group:read");
    String groupOnly = RS.sign(claims);
    assertThat(export(groupOnly, "Group")).isEqualTo(200);
    assertThat(export(groupOnly, "Individual")).isEqualTo(403);

    String widen = RS.sign(JoseTestKeys.claims(ISSUER, AUDIENCE, "individual-only")
        .put("scp", new JsonArray().add("group:read").add("individual:read")));
    assertThat(export(widen, "Group")).isEqualTo(403);
    assertThat(export(widen, "Individual")).isEqualTo(200);
  }

  @Test
  @DisplayName("at the edge, with token scopes on, a token without any scope claim holds no scope (403, not 401)")
  void noScopeClaimHoldsNothing() {
    String bare = RS.sign(JoseTestKeys.claims(ISSUER, AUDIENCE, "legal-client"));
    assertThat(export(bare, "Individual")).isEqualTo(403);
  }
}
