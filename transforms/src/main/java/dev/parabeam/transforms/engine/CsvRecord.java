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
  // the key fields of the current record for keyTuples, and the unescaped bytes of quoted ones
  private int[] keyStarts = new int[4];
  private int[] keyEnds = new int[4];
  private byte[] keyScratch = new byte[256];
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
    String text;
    if (fields.isVerbatim(position)) {
      text = keyStrings.get(fields.bytes(), fields.start(position), fields.end(position));
    } else {
      // a field with doubled quotes by its text's bytes: one id whichever way the text was written
      byte[] a = scratch(fields.end(position) - fields.start(position));
      text = keyStrings.get(a, 0, fields.unescape(position, a, 0));
    }
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
    int n = positions.length;
    if (keyStarts.length < n) {
      keyStarts = new int[n];
      keyEnds = new int[n];
    }
    boolean verbatim = true;
    int length = 0;
    for (int i = 0; i < n; i++) {
      int p = positions[i];
      if (p < 0 || p >= fields.fieldCount()) {
        fields.field(p); // throws the usual IndexOutOfBoundsException
      }
      verbatim &= fields.isVerbatim(p);
      keyStarts[i] = fields.start(p);
      keyEnds[i] = fields.end(p);
      length += keyEnds[i] - keyStarts[i];
    }
    byte[] a = fields.bytes();
    if (!verbatim) {
      // the key fields' texts' bytes one after the other (doubled quotes as one): the same tuple
      // of texts gets the same id whichever way its fields were written
      a = scratch(length);
      int at = 0;
      for (int i = 0; i < n; i++) {
        keyStarts[i] = at;
        at = fields.unescape(positions[i], a, at);
        keyEnds[i] = at;
      }
    }
    List<String> tuple = keyTuples.get(a, keyStarts, keyEnds, n);
    int id = keyTuples.lastId();
    keyId = id < 0 ? -1 : 2 * id + 1;
    return tuple;
  }

  private byte[] scratch(int length) {
    if (keyScratch.length < length) {
      keyScratch = new byte[Math.max(length, keyScratch.length * 2)];
    }
    return keyScratch;
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
