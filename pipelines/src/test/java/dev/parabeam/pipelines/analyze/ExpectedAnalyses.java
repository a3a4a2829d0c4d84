package dev.parabeam.pipelines.analyze;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test's own oracle of the three analyses for the bundled documents, written from the rules in
 * docs/analyze.md and the word lists of {@code testdata/docs/make_docs.py} (which made the texts),
 * not with {@link Analyses}: a sentiment is the generator's good words minus its bad words; the
 * entities are the generator's names in order of first appearance; a summary is the text up to the
 * first sentence end and the three most frequent words that are not stop words.
 */
final class ExpectedAnalyses {
  private ExpectedAnalyses() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  // make_docs.py's GOOD and BAD
  private static final List<String> GOOD =
      List.of(
          "excellent", "great", "reliable", "fast", "friendly", "impressive", "smooth", "helpful");
  private static final List<String> BAD =
      List.of("slow", "broken", "late", "disappointing", "rude", "buggy", "expensive", "confusing");

  // make_docs.py's PLACES, ORGS and PEOPLE
  private static final Map<String, String> NAMES = new LinkedHashMap<>();

  static {
    for (String p : "Paris Berlin Lisbon Zurich Oslo Madrid Vienna Prague Dublin Rome".split(" ")) {
      NAMES.put(p, "place");
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
      NAMES.put(o, "organisation");
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
      NAMES.put(p, "person");
    }
  }

  // the summary rule leaves out these words, and words of fewer than three letters
  private static final Set<String> STOP =
      Set.of(
          "the",
          "and",
          "for",
          "with",
          "from",
          "was",
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
          "were");

  private static List<String> lowerWords(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("[a-z0-9']+").matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  static JsonNode sentiment(String text) {
    int score = 0;
    for (String w : lowerWords(text)) {
      score += GOOD.contains(w) ? 1 : 0;
      score -= BAD.contains(w) ? 1 : 0;
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("label", score > 0 ? "positive" : score == 0 ? "neutral" : "negative");
    o.put("score", score);
    return o;
  }

  static JsonNode entities(String text) {
    TreeMap<Integer, String> firstAt = new TreeMap<>();
    for (String name : NAMES.keySet()) {
      Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "\\b").matcher(text);
      if (m.find()) {
        firstAt.put(m.start(), name);
      }
    }
    ArrayNode a = JSON.createArrayNode();
    for (String name : firstAt.values()) {
      a.addObject().put("name", name).put("type", NAMES.get(name));
    }
    return a;
  }

  static JsonNode summary(String text) {
    Matcher first = Pattern.compile("^(.*?[.!?])(\\s|$)", Pattern.DOTALL).matcher(text.strip());
    Map<String, Integer> counts = new LinkedHashMap<>(); // in order of first appearance
    for (String w : lowerWords(text)) {
      if (w.length() >= 3 && !STOP.contains(w)) {
        counts.merge(w, 1, Integer::sum);
      }
    }
    List<String> byCount = new ArrayList<>(counts.keySet());
    byCount.sort(Comparator.comparing(counts::get, Comparator.reverseOrder())); // stable
    ObjectNode o = JSON.createObjectNode();
    o.put("first_sentence", first.find() ? first.group(1) : text.strip());
    ArrayNode k = o.putArray("keywords");
    byCount.stream().limit(3).forEach(k::add);
    return o;
  }
}
