package org.openspp.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What the Jib image profile of {@code pom.xml} says (properties resolved): image name, main class, args, user,
 * working directory, JVM flags and the reproducible timestamps. Read by the manifest tests and by {@code ImageIT}.
 */
public record JibImage(String image, String mainClass, List<String> args, String user, String workingDirectory,
    List<String> jvmFlags, String creationTime, String filesModificationTime, String outputTimestamp) {

  public static JibImage fromPom(Path pom) {
    try {
      Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
      Element project = doc.getDocumentElement();
      Map<String, String> props = new LinkedHashMap<>();
      props.put("project.version", text(child(project, "version")));
      Element properties = child(project, "properties");
      for (Node n = properties.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e) {
          props.put(e.getTagName(), e.getTextContent().trim());
        }
      }
      Element jib = null;
      NodeList plugins = doc.getElementsByTagName("plugin");
      for (int i = 0; i < plugins.getLength(); i++) {
        Element p = (Element) plugins.item(i);
        if ("jib-maven-plugin".equals(text(child(p, "artifactId")))) {
          jib = child(p, "configuration");
        }
      }
      assertThat(jib).as("jib-maven-plugin configuration in pom.xml").isNotNull();
      Element c = child(jib, "container");
      return new JibImage(
          resolve(text(child(child(jib, "to"), "image")), props),
          resolve(text(child(c, "mainClass")), props),
          texts(child(c, "args"), props),
          text(child(c, "user")),
          text(child(c, "workingDirectory")),
          texts(child(c, "jvmFlags"), props),
          resolve(text(child(c, "creationTime")), props),
          resolve(text(child(c, "filesModificationTime")), props),
          props.get("project.build.outputTimestamp"));
    } catch (Exception e) {
      throw new AssertionError("cannot read the image profile of " + pom + ": " + e, e);
    }
  }

  private static Element child(Element parent, String tag) {
    Objects.requireNonNull(parent, "parent of " + tag);
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element e) {
    return e == null ? null : e.getTextContent().trim();
  }

  private static List<String> texts(Element parent, Map<String, String> props) {
    List<String> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        out.add(resolve(e.getTextContent().trim(), props));
      }
    }
    return out;
  }

  private static String resolve(String s, Map<String, String> props) {
    Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = props.get(m.group(1));
      assertThat(v).as("pom property " + m.group(1)).isNotNull();
      m.appendReplacement(sb, Matcher.quoteReplacement(resolve(v, props)));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
