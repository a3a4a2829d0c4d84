package dev.parabeam.transforms.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * What the analyses of one element gave ({@link FanOut}'s output): the element's id, the result of
 * every analysis that succeeded and the reason of every analysis that did not ("gather with
 * exceptions returned"). Every analysis name is in exactly one of the two maps. Both maps are
 * sorted by analysis name, so equal records print and encode identically.
 *
 * @param <R> the type of one analysis result
 */
public final class Gathered<R> {
  private final String id;
  private final SortedMap<String, R> results;
  private final SortedMap<String, String> errors;

  /**
   * A record of {@code id} with copies of {@code results} and {@code errors}.
   *
   * @throws IllegalArgumentException on a null id, a null key or value, or a name in both maps
   */
  public Gathered(String id, Map<String, R> results, Map<String, String> errors) {
    if (id == null) {
      throw new IllegalArgumentException("id must not be null");
    }
    this.id = id;
    this.results = sortedCopy(results, "results");
    this.errors = sortedCopy(errors, "errors");
    for (String name : this.errors.keySet()) {
      if (this.results.containsKey(name)) {
        throw new IllegalArgumentException(
            "analysis '" + name + "' has both a result and an error for id " + id);
      }
    }
  }

  private static <V> SortedMap<String, V> sortedCopy(Map<String, V> m, String what) {
    if (m == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    TreeMap<String, V> copy = new TreeMap<>();
    for (Map.Entry<String, V> e : m.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException(what + " must not hold nulls");
      }
      copy.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableSortedMap(copy);
  }

  /** The element's id (the join key). */
  public String id() {
    return id;
  }

  /** Result per analysis name, for the analyses that succeeded; sorted, unmodifiable. */
  public SortedMap<String, R> results() {
    return results;
  }

  /** Reason per analysis name, for the analyses that failed; sorted, unmodifiable. */
  public SortedMap<String, String> errors() {
    return errors;
  }

  /** True when no analysis failed. */
  public boolean isComplete() {
    return errors.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Gathered)) {
      return false;
    }
    Gathered<?> g = (Gathered<?>) o;
    return id.equals(g.id) && results.equals(g.results) && errors.equals(g.errors);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, results, errors);
  }

  @Override
  public String toString() {
    return id + " results=" + results + " errors=" + errors;
  }

  /** A coder of records whose results {@code resultCoder} encodes. */
  public static <R> Coder<Gathered<R>> coder(Coder<R> resultCoder) {
    if (resultCoder == null) {
      throw new IllegalArgumentException("resultCoder must not be null");
    }
    return new GatheredCoder<>(resultCoder);
  }

  /** Encodes the id, then both maps in name order: deterministic when the result coder is. */
  private static final class GatheredCoder<R> extends StructuredCoder<Gathered<R>> {
    private static final long serialVersionUID = 1L;
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarIntCoder INT = VarIntCoder.of();

    private final Coder<R> resultCoder;

    GatheredCoder(Coder<R> resultCoder) {
      this.resultCoder = resultCoder;
    }

    @Override
    public void encode(Gathered<R> g, OutputStream out) throws IOException {
      STRING.encode(g.id, out);
      INT.encode(g.results.size(), out);
      for (Map.Entry<String, R> e : g.results.entrySet()) {
        STRING.encode(e.getKey(), out);
        resultCoder.encode(e.getValue(), out);
      }
      INT.encode(g.errors.size(), out);
      for (Map.Entry<String, String> e : g.errors.entrySet()) {
        STRING.encode(e.getKey(), out);
        STRING.encode(e.getValue(), out);
      }
    }

    @Override
    public Gathered<R> decode(InputStream in) throws IOException {
      String id = STRING.decode(in);
      int n = INT.decode(in);
      TreeMap<String, R> results = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        String name = STRING.decode(in);
        results.put(name, resultCoder.decode(in));
      }
      int m = INT.decode(in);
      TreeMap<String, String> errors = new TreeMap<>();
      for (int i = 0; i < m; i++) {
        String name = STRING.decode(in);
        errors.put(name, STRING.decode(in));
      }
      return new Gathered<>(id, results, errors);
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(resultCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      verifyDeterministic(this, "the result coder must be deterministic", resultCoder);
    }
  }
}
