package dev.parabeam.pipelines.launcher;

import java.util.List;
import java.util.Map;

/**
 * A JSON object writer for summaries: strings, numbers, booleans, and a map of them (written on one
 * line).
 */
final class Json {
  private Json() {}

  static String object(Map<String, Object> fields) {
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      sb.append("  ").append(string(e.getKey())).append(": ").append(value(e.getValue()));
      sb.append(++i < fields.size() ? ",\n" : "\n");
    }
    return sb.append('}').toString();
  }

  static String value(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(sb.length() > 1 ? ", " : "").append(string(String.valueOf(e.getKey())));
        sb.append(": ").append(value(e.getValue()));
      }
      return sb.append('}').toString();
    }
    if (v instanceof List<?> list) {
      // a list of objects a line each, so that a file of many stays readable
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < list.size(); i++) {
        sb.append(i == 0 ? "\n    " : ",\n    ").append(value(list.get(i)));
      }
      return sb.append(list.isEmpty() ? "]" : "\n  ]").toString();
    }
    return string(v.toString());
  }

  static String string(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }
}
