package dev.parabeam.transforms.engine;

import dev.parabeam.transforms.csv.CsvHeader;
import dev.parabeam.transforms.csv.FieldSplitter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One well-formed record of a CSV file as a {@link RecordFn} sees it: its fields by column name (or
 * position), the file it came from and the line on which it starts. It has as many fields as its
 * file's header has columns (a record with another number of fields is a dead letter before any
 * {@code RecordFn} sees it). Fields are decoded only when asked for.
 *
 * <p>A view, valid only during the {@link RecordFn#apply} call it is given to: keep the strings,
 * not the record.
 */
public final class CsvRecord {
  private final String file;
  private final List<String> columns;
  private final Map<String, Integer> index;
  private final KeyStrings keyStrings;
  private final KeyTuples keyTuples;
  private final String[] recentNames = new String[4];
  private final int[] recentPositions = new int[4];
  private int recentNext;
  private FieldSplitter fields;
  private long line;
  private int keyId = -1;

  CsvRecord(String file, List<String> columns) {
    this(file, columns, StandardCharsets.UTF_8);
  }

  CsvRecord(String file, List<String> columns, Charset charset) {
    this.keyStrings = new KeyStrings(charset);
    this.keyTuples = new KeyTuples(keyStrings);
    this.file = file;
    this.columns = columns;
    this.index = new HashMap<>(columns.size() * 2);
    for (int i = 0; i < columns.size(); i++) {
      // a name the header gives more than once has no one position
      index.merge(columns.get(i), i, (a, b) -> AMBIGUOUS);
    }
  }

  private static final int AMBIGUOUS = -2;

  private int position(String column) {
    Integer i = index.get(column);
    if (i != null && i == AMBIGUOUS) {
      throw new IllegalArgumentException(
          file + ": " + CsvHeader.ambiguity(column, CsvHeader.positionsIn(columns, column)));
    }
    return i == null ? -1 : i;
  }

  /** Points this view at the fields of the next record. */
  CsvRecord at(FieldSplitter fields, long line) {
    this.fields = fields;
    this.line = line;
    this.keyId = -1;
    return this;
  }

  /**
   * The field of column {@code column}; throws IllegalArgumentException if the file has no such
   * column, or more than one of that name.
   */
  public String get(String column) {
    int i = position(column);
    if (i < 0) {
      throw new IllegalArgumentException(file + " has no column '" + column + "'");
    }
    return fields.field(i);
  }

  /** The field at {@code position} (0-based, in file order). */
  public String get(int position) {
    return fields.field(position);
  }

  /**
   * The field at {@code position}, equal to {@link #get(int)}, but decoded once per distinct value
   * (per view, that is per chunk): records with the same bytes in that field get the same {@code
   * String}. For key columns, whose few values repeat on every record.
   */
  public String key(int position) {
    keyId = -1;
    if (position < 0 || position >= fields.fieldCount()) {
      return fields.field(position); // throws the usual IndexOutOfBoundsException
    }
    if (!fields.isVerbatim(position)) {
      return fields.field(position);
    }
    String text = keyStrings.get(fields.bytes(), fields.start(position), fields.end(position));
    int id = keyStrings.lastId();
    keyId = id < 0 ? -1 : 2 * id;
    return text;
  }

  /**
   * The fields at {@code positions} as an unmodifiable list, equal to a list of {@link #get(int)}
   * of each, built once per distinct tuple of their bytes (per view, that is per chunk): records
   * with the same key fields get the same list, whose hash is computed once. For the key columns of
   * a group-by.
   */
  public List<String> keys(int[] positions) {
    for (int p : positions) {
      if (p < 0 || p >= fields.fieldCount() || !fields.isVerbatim(p)) {
        String[] texts = new String[positions.length];
        for (int i = 0; i < texts.length; i++) {
          texts[i] = key(positions[i]);
        }
        keyId = -1;
        return new KeyTuples.Tuple(texts);
      }
    }
    List<String> tuple = keyTuples.get(fields, positions);
    int id = keyTuples.lastId();
    keyId = id < 0 ? -1 : 2 * id + 1;
    return tuple;
  }

  /**
   * The view's id of the key the last {@link #key} or {@link #keys} call for this record returned,
   * or -1 (none was made, or its value was not kept): ids are small numbers from 0, dense, the same
   * for the same key in every record of the view (a chunk), and distinct for distinct keys; so that
   * the engine finds a key's accumulator by its id in an array, with neither a hash nor an equals.
   */
  int keyId() {
    return keyId;
  }

  /**
   * The record's bytes; field {@code position} is {@code bytes()[start(position), end(position))}
   * when {@link #isVerbatim(int)}. Valid only during the call, like the view.
   */
  public byte[] bytes() {
    return fields.bytes();
  }

  public int start(int position) {
    return fields.start(position);
  }

  public int end(int position) {
    return fields.end(position);
  }

  /** True when field {@code position}'s text is its bytes as they are (no doubled quote). */
  public boolean isVerbatim(int position) {
    return fields.isVerbatim(position);
  }

  /**
   * Position of {@code column} in this file's header, or -1; throws IllegalArgumentException if the
   * header names it more than once.
   */
  public int indexOf(String column) {
    // a RecordFn asks for the same few name instances on every record: found by identity first,
    // without hashing and comparing the name's text
    for (int k = 0; k < recentNames.length; k++) {
      if (recentNames[k] == column) {
        return recentPositions[k];
      }
    }
    int at = position(column);
    recentNames[recentNext] = column;
    recentPositions[recentNext] = at;
    recentNext = (recentNext + 1) % recentNames.length;
    return at;
  }

  /** The header's column names, in file order. */
  public List<String> columns() {
    return columns;
  }

  public int size() {
    return columns.size();
  }

  /** Path of the file the record is in. */
  public String file() {
    return file;
  }

  /** 1-based line on which the record starts. */
  public long line() {
    return line;
  }
}
