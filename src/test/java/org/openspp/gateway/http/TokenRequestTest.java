package org.openspp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Parsing of token requests: form and JSON bodies, HTTP Basic credentials (spec §4.4, RFC 6749 §2.3.1). */
@DisplayName("Token request parsing")
class TokenRequestTest {

  static String basic(String raw) {
    return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("a form body is percent- and plus-decoded, unknown parameters are ignored and empty values count as absent")
  void form() {
    TokenRequest r = TokenRequest.fromForm(Buffer.buffer(
        "grant_type=client_credentials&client_id=my%20client&client_secret=a+b%2Bc%25&scope=x&client_secret2="));
    assertThat(r).isEqualTo(new TokenRequest("client_credentials", "my client", "a b+c%"));
    assertThat(TokenRequest.fromForm(Buffer.buffer("grant_type=&client_id"))).isEqualTo(TokenRequest.EMPTY);
    assertThat(TokenRequest.fromForm(Buffer.buffer(""))).isEqualTo(TokenRequest.EMPTY);
  }

  @Test
  @DisplayName("a repeated parameter or a broken percent-encoding is a 400 that does not echo the value")
  void badForm() {
    assertThatThrownBy(() -> TokenRequest.fromForm(Buffer.buffer("client_secret=a&client_secret=b")))
        .isInstanceOfSatisfying(ApiProblem.class, p -> assertThat(p.status()).isEqualTo(400));
    assertThatThrownBy(() -> TokenRequest.fromForm(Buffer.buffer("client_secret=top-secret%zz")))
        .isInstanceOfSatisfying(ApiProblem.class, p -> {
          assertThat(p.status()).isEqualTo(400);
          assertThat(p.detail()).doesNotContain("top-secret");
          assertThat(p.errors().toString()).doesNotContain("top-secret");
        });
  }

  @Test
  @DisplayName("a JSON body must be an object of strings; null counts as absent")
  void json() {
    assertThat(TokenRequest.fromJson(Buffer.buffer(
        "{\"grant_type\":\"client_credentials\",\"client_id\":\"c\",\"client_secret\":null,\"extra\":[1]}")))
        .isEqualTo(new TokenRequest("client_credentials", "c", null));
    for (String bad : new String[] {"[]", "\"x\"", "{", "", "{\"client_id\":1}", "{\"client_secret\":{}}"}) {
      assertThatThrownBy(() -> TokenRequest.fromJson(Buffer.buffer(bad))).as(bad)
          .isInstanceOfSatisfying(ApiProblem.class, p -> assertThat(p.status()).isEqualTo(400));
    }
  }

  @Test
  @DisplayName("Basic credentials are split at the first colon and form-decoded; other schemes are ignored")
  void basicCredentials() {
    assertThat(TokenRequest.Basic.parse(basic("my%20client:p%40ss%3Aword+x:y")))
        .isEqualTo(new TokenRequest.Basic("my client", "p@ss:word x:y"));
    assertThat(TokenRequest.Basic.parse("bAsIc " + Base64.getEncoder().encodeToString("a:b".getBytes())))
        .isEqualTo(new TokenRequest.Basic("a", "b"));
    assertThat(TokenRequest.Basic.parse(null)).isNull();
    assertThat(TokenRequest.Basic.parse("Bearer abc")).isNull();
  }

  @Test
  @DisplayName("an undecodable Basic header is presented-but-invalid credentials, and toString never shows a secret")
  void malformedBasic() {
    assertThat(TokenRequest.Basic.parse("Basic")).isSameAs(TokenRequest.Basic.MALFORMED);
    assertThat(TokenRequest.Basic.parse("Basic ***")).isSameAs(TokenRequest.Basic.MALFORMED);
    assertThat(TokenRequest.Basic.parse(basic("no-colon"))).isSameAs(TokenRequest.Basic.MALFORMED);
    assertThat(TokenRequest.Basic.parse(basic("id:bad%zz"))).isSameAs(TokenRequest.Basic.MALFORMED);
    assertThat(TokenRequest.Basic.parse(basic("id:top-secret")).toString()).doesNotContain("top-secret");
    assertThat(new TokenRequest("client_credentials", "id", "top-secret").toString()).doesNotContain("top-secret");
  }
}
