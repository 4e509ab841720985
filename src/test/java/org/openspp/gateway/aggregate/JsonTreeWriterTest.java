package org.openspp.gateway.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("JsonTreeWriter")
class JsonTreeWriterTest {

  @Test
  @DisplayName("writes the same bytes as JsonObject.toBuffer(), for every value type a response holds")
  void sameBytesAsVertx() {
    Map<String, Object> nestedMap = new LinkedHashMap<>();
    nestedMap.put("crop", "rice");
    nestedMap.put("hectares", 2.5);
    nestedMap.put("plots", new ArrayList<>(List.of(1, 2L, "three")));
    JsonObject tree = new JsonObject()
        .put("total", 3)
        .put("big", 12345678901L)
        .put("ratio", 0.25)
        .put("decimal", new BigDecimal("1.10"))
        .put("ok", true)
        .put("none", (Object) null)
        .put("text", "quote \" backslash \\ newline \n tab \t nul \u0000 é 漢 😀 </script>")
        .put("items", new JsonArray().add(new JsonObject().put("a", new JsonArray())).add("x").addNull())
        .put("extension", new JsonObject().put("farmer", nestedMap))
        .put("empty", new JsonObject());
    assertThat(JsonTreeWriter.toBuffer(tree, 16)).isEqualTo(tree.toBuffer());
  }

  @Test
  @DisplayName("grows past its size hint")
  void growsPastHint() {
    JsonArray many = new JsonArray();
    for (int i = 0; i < 5000; i++) {
      many.add(new JsonObject().put("i", i).put("s", "value-" + i));
    }
    JsonObject tree = new JsonObject().put("items", many);
    assertThat(JsonTreeWriter.toBuffer(tree, 8)).isEqualTo(tree.toBuffer());
  }

  @Test
  @DisplayName("echoes unpaired surrogates and NUL so that they parse back to the same string")
  void unpairedSurrogatesRoundTrip() {
    JsonObject tree = new JsonObject().put("a", "urn:x|" + (char) 0xD800).put("b", (char) 0xDC00 + "x")
        .put("c", "\u0000" + (char) 0 + "😀" + (char) 0xD83D);
    io.vertx.core.buffer.Buffer out = JsonTreeWriter.toBuffer(tree, 16);
    assertThat(new JsonObject(out)).isEqualTo(tree);
    assertThat(out).isEqualTo(tree.toBuffer());
  }
}
