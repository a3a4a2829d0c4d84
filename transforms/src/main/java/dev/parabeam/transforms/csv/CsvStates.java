package dev.parabeam.transforms.csv;

import java.io.Serializable;

/**
 * The byte-level CSV automaton that decides, everywhere in Parabeam, where records end.
 *
 * <p>A quote is special only at the start of a field (RFC 4180 sections 2.5-2.7 as Python's {@code
 * csv}, commons-csv and DuckDB read it): {@code 5" screen} is an ordinary unquoted value. A field
 * that starts with a quote runs to the next quote that is not doubled; a line break inside it is
 * data. Any other LF ends the record. The five states:
 *
 * <table>
 *   <caption>states and their transitions (other = any byte but quote, delimiter, LF)</caption>
 *   <tr><th>state</th><th>quote</th><th>delimiter</th><th>LF</th><th>other</th></tr>
 *   <tr><td>{@link #RECORD_START}</td><td>QUOTED</td><td>FIELD_START</td><td>RECORD_START</td><td>UNQUOTED</td></tr>
 *   <tr><td>{@link #FIELD_START}</td><td>QUOTED</td><td>FIELD_START</td><td>RECORD_START</td><td>UNQUOTED</td></tr>
 *   <tr><td>{@link #UNQUOTED}</td><td>UNQUOTED</td><td>FIELD_START</td><td>RECORD_START</td><td>UNQUOTED</td></tr>
 *   <tr><td>{@link #QUOTED}</td><td>QUOTE_IN_QUOTED</td><td>QUOTED</td><td>QUOTED</td><td>QUOTED</td></tr>
 *   <tr><td>{@link #QUOTE_IN_QUOTED}</td><td>QUOTED</td><td>FIELD_START</td><td>RECORD_START</td><td>UNQUOTED</td></tr>
 * </table>
 *
 * <p>Text after a closing quote ({@code "a"b}) makes the record a dead letter (see {@link
 * FieldSplitter}); for finding where the record ends it continues as an unquoted field, so one such
 * mistake costs exactly one record.
 *
 * <p>Because the state at a byte depends only on the state before it, a chunk that does not know
 * its start state can run from every state at once and summarise itself as a map from start state
 * to end state ({@link ChunkTransitions}); composing those maps in file order gives each chunk its
 * true start state, with no sequential pass over the file (ParPaRaw, Stehle and Jacobsen, VLDB
 * 2020). The table is indexed by {@code state << 8 | byte}, one lookup per byte.
 */
public final class CsvStates implements Serializable {
  private static final long serialVersionUID = 1L;

  /** At the first byte of a record: the data start, or just after a record's LF. */
  public static final int RECORD_START = 0;

  /** Just after a delimiter. */
  public static final int FIELD_START = 1;

  /** Inside a field that did not start with a quote (a quote here is a literal). */
  public static final int UNQUOTED = 2;

  /** Inside a quoted field. */
  public static final int QUOTED = 3;

  /** Just after a quote inside a quoted field: a closing quote, or the first of a doubled pair. */
  public static final int QUOTE_IN_QUOTED = 4;

  public static final int COUNT = 5;

  private static final String[] NAMES = {
    "record start", "field start", "unquoted", "quoted", "quote in quoted"
  };

  private final byte[] next = new byte[COUNT << 8];
  private final byte quote;
  private final byte delimiter;

  private CsvStates(CsvDialect dialect) {
    this.quote = dialect.quote();
    this.delimiter = dialect.delimiter();
    for (int s = 0; s < COUNT; s++) {
      for (int b = 0; b < 256; b++) {
        next[s << 8 | b] = (byte) transition(s, (byte) b, dialect.delimiter(), dialect.quote());
      }
    }
  }

  public static CsvStates of(CsvDialect dialect) {
    return new CsvStates(dialect);
  }

  private static int transition(int s, byte b, byte delimiter, byte quote) {
    boolean lf = b == '\n';
    switch (s) {
      case QUOTED:
        return b == quote ? QUOTE_IN_QUOTED : QUOTED;
      case QUOTE_IN_QUOTED:
        if (b == quote) {
          return QUOTED;
        }
        return lf ? RECORD_START : b == delimiter ? FIELD_START : UNQUOTED;
      case UNQUOTED:
        return lf ? RECORD_START : b == delimiter ? FIELD_START : UNQUOTED;
      default: // RECORD_START, FIELD_START
        if (b == quote) {
          return QUOTED;
        }
        return lf ? RECORD_START : b == delimiter ? FIELD_START : UNQUOTED;
    }
  }

  /**
   * The state after a run of one or more bytes that are neither quote nor LF, the last of which is
   * {@code last}, entered in {@code state}. Only quotes and LFs can move the automaton into or out
   * of a quoted field, so a loop may skip every other byte and catch up here before the next quote
   * or LF: inside a quoted field nothing changed; outside, the last byte tells a field start (after
   * a delimiter) from the inside of an unquoted field.
   */
  public int afterRun(int state, byte last) {
    return state == QUOTED ? QUOTED : last == delimiter ? FIELD_START : UNQUOTED;
  }

  /** The state after byte {@code b} in state {@code state}. */
  public int next(int state, byte b) {
    return next[state << 8 | (b & 0xff)];
  }

  /**
   * A copy of the transition table, indexed by {@code state << 8 | (b & 0xff)}, for loops that step
   * the automaton with one array lookup per byte.
   */
  public byte[] table() {
    return next.clone();
  }

  public byte quote() {
    return quote;
  }

  public byte delimiter() {
    return delimiter;
  }

  public static String name(int state) {
    return NAMES[state];
  }
}
