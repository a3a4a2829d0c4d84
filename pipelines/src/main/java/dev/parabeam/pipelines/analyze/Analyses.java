package dev.parabeam.pipelines.analyze;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The three analyses of a document, as plain deterministic functions of its text; each returns its
 * result as JSON text. In the job each sits behind a simulated remote service ({@link
 * SimulatedService}), as a real analysis would sit behind an API.
 */
public final class Analyses {
  private Analyses() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static final Set<String> POSITIVE =
      Set.of(
          "excellent",
          "great",
          "reliable",
          "fast",
          "friendly",
          "impressive",
          "smooth",
          "helpful",
          "good",
          "happy");
  static final Set<String> NEGATIVE =
      Set.of(
          "slow",
          "broken",
          "late",
          "disappointing",
          "rude",
          "buggy",
          "expensive",
          "confusing",
          "bad",
          "angry");

  /** Known names: places, organisations and people. */
  static final Map<String, String> GAZETTEER = gazetteer();

  private static Map<String, String> gazetteer() {
    Map<String, String> g = new LinkedHashMap<>();
    for (String p :
        List.of(
            "Paris", "Berlin", "Lisbon", "Zurich", "Oslo", "Madrid", "Vienna", "Prague", "Dublin",
            "Rome")) {
      g.put(p, "place");
    }
    for (String o :
        List.of(
            "Acme Corp",
            "Globex",
            "Initech",
            "Umbrella Labs",
            "Stark Industries",
            "Wayne Enterprises",
            "Northwind",
            "Contoso",
            "Tyrell Systems",
            "Hooli")) {
      g.put(o, "organisation");
    }
    for (String p :
        List.of(
            "Ada Lovelace",
            "Alan Turing",
            "Grace Hopper",
            "Edsger Dijkstra",
            "Barbara Liskov",
            "Donald Knuth",
            "Margaret Hamilton",
            "Ken Thompson")) {
      g.put(p, "person");
    }
    return g;
  }

  private static final Set<String> STOP_WORDS =
      Set.of(
          "the",
          "a",
          "an",
          "and",
          "or",
          "of",
          "in",
          "on",
          "for",
          "with",
          "from",
          "to",
          "was",
          "is",
          "it",
          "its",
          "our",
          "this",
          "that",
          "again",
          "about",
          "found",
          "new",
          "week",
          "nothing",
          "reviewed",
          "were",
          "be",
          "at",
          "by",
          "as");

  private static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}']+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /**
   * The detail lookup of a follow-up task: the gazetteer's type of an entity ("unknown" if none).
   */
  public static String entityType(String name) {
    return GAZETTEER.getOrDefault(name, "unknown");
  }

  /** {@code {"label": "positive"|"negative"|"neutral", "score": positives - negatives}}. */
  public static String sentiment(String text) {
    int score = 0;
    for (String w : words(text)) {
      score += POSITIVE.contains(w) ? 1 : NEGATIVE.contains(w) ? -1 : 0;
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("label", score > 0 ? "positive" : score < 0 ? "negative" : "neutral");
    o.put("score", score);
    return o.toString();
  }

  /**
   * The capitalised phrases of the text that the gazetteer knows, each once, in order of first
   * appearance: {@code [{"name": "Paris", "type": "place"}, ...]}.
   */
  public static String entities(String text) {
    ArrayNode a = JSON.createArrayNode();
    List<String> seen = new ArrayList<>();
    // capitalised phrases: runs of words that start with an upper-case letter
    String[] tokens = text.split("[\\s.,;:!?()\"]+");
    for (int i = 0; i < tokens.length; i++) {
      for (int len = 3; len >= 1; len--) {
        if (i + len > tokens.length) {
          continue;
        }
        String phrase = String.join(" ", List.of(tokens).subList(i, i + len));
        if (!phrase.isEmpty()
            && Character.isUpperCase(phrase.charAt(0))
            && GAZETTEER.containsKey(phrase)) {
          if (!seen.contains(phrase)) {
            seen.add(phrase);
            ObjectNode o = a.addObject();
            o.put("name", phrase);
            o.put("type", GAZETTEER.get(phrase));
          }
          i += len - 1;
          break;
        }
      }
    }
    return a.toString();
  }

  /**
   * The first sentence and the three most frequent words that are not stop words (ties by first
   * appearance): {@code {"first_sentence": "...", "keywords": ["...", ...]}}.
   */
  public static String summary(String text) {
    String t = text.strip();
    int end = -1;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if ((c == '.' || c == '!' || c == '?')
          && (i + 1 == t.length() || Character.isWhitespace(t.charAt(i + 1)))) {
        end = i + 1;
        break;
      }
    }
    String first = end < 0 ? t : t.substring(0, end);
    Map<String, int[]> counts = new TreeMap<>();
    List<String> order = new ArrayList<>();
    for (String w : words(t)) {
      if (STOP_WORDS.contains(w) || w.length() < 3) {
        continue;
      }
      if (!counts.containsKey(w)) {
        order.add(w);
        counts.put(w, new int[1]);
      }
      counts.get(w)[0]++;
    }
    List<String> top = new ArrayList<>(order);
    top.sort(Comparator.comparingInt((String w) -> -counts.get(w)[0]));
    ObjectNode o = JSON.createObjectNode();
    o.put("first_sentence", first);
    ArrayNode k = o.putArray("keywords");
    top.stream().limit(3).forEach(k::add);
    return o.toString();
  }
}
