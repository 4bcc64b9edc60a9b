package pme.parquet;

import java.util.HashMap;
import java.util.Map;

/**
 * The little JSON the pme KMS API needs: one-field request bodies out, objects of strings (and the
 * nested {"error": {...}} object) in. Hand-written so that the jar depends on nothing but the JDK and
 * parquet-java (no Jackson version to clash with Spark's).
 */
final class Json {
  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  /** {"name": "value"} with the value escaped. */
  static String object(String name, String value) {
    return "{" + quote(name) + ":" + quote(value) + "}";
  }

  /** The top-level object of an answer; null when the text is not a JSON object. */
  static Map<String, Object> parseObject(String text) {
    Json parser = new Json(text);
    try {
      parser.space();
      Object value = parser.value();
      parser.space();
      if (parser.at != text.length() || !(value instanceof Map)) return null;
      @SuppressWarnings("unchecked")
      Map<String, Object> object = (Map<String, Object>) value;
      return object;
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      return null;
    }
  }

  private static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  private void space() {
    while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) at++;
  }

  private Object value() {
    char c = text.charAt(at);
    if (c == '{') return object();
    if (c == '"') return string();
    if (c == '[') return array();
    // Numbers, true, false, null: the API has none the client reads; taken as their text.
    int start = at;
    while (at < text.length() && ",}] \t\r\n".indexOf(text.charAt(at)) < 0) at++;
    if (start == at) throw new IllegalArgumentException("value expected");
    return text.substring(start, at);
  }

  private Map<String, Object> object() {
    Map<String, Object> object = new HashMap<>();
    at++;
    space();
    if (text.charAt(at) == '}') {
      at++;
      return object;
    }
    while (true) {
      space();
      String name = string();
      space();
      expect(':');
      space();
      object.put(name, value());
      space();
      if (text.charAt(at) == '}') {
        at++;
        return object;
      }
      expect(',');
    }
  }

  private Object array() {
    at++;
    space();
    if (text.charAt(at) == ']') {
      at++;
      return "[]";
    }
    while (true) {
      space();
      value();
      space();
      if (text.charAt(at) == ']') {
        at++;
        return "[]";
      }
      expect(',');
    }
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (true) {
      char c = text.charAt(at++);
      if (c == '"') return out.toString();
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = text.charAt(at++);
      switch (e) {
        case 'n': out.append('\n'); break;
        case 't': out.append('\t'); break;
        case 'r': out.append('\r'); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'u':
          out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
          break;
        default: out.append(e);
      }
    }
  }

  private void expect(char c) {
    if (text.charAt(at) != c) throw new IllegalArgumentException("'" + c + "' expected");
    at++;
  }
}
