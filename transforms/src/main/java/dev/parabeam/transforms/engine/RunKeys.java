package dev.parabeam.transforms.engine;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.CoderUtils;

/**
 * How keys are written in run and partition files, and whether they can be ordered by those bytes
 * alone. Strings (a {@code StringUtf8Coder}) are their UTF-8 bytes, which is also that coder's
 * encoding; lists of strings (a {@code ListCoder} of it) are their fields' UTF-8 bytes, each
 * followed by {@code 00 00}, with a {@code 00} inside a field written {@code 00 FF}. Unsigned byte
 * order of both is {@link Utf8Order}'s order ({@link Utf8Order#LISTS} for lists): code points field
 * by field, a shorter prefix first. So a spill sorts, and a merge compares, keys by their bytes
 * with {@link Arrays#compareUnsigned} (the JDK's vectorized mismatch) without decoding them, and
 * decodes a key only where its row is written. Any other key is its coder's bytes, ordered by the
 * job's comparator on the decoded key.
 *
 * <p>Equal keys are equal bytes in every form, so the partition of a key ({@link
 * SortedRuns#partitionOf}) is the same from every unit.
 */
abstract class RunKeys<K> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The form for keys of {@code coder}. */
  @SuppressWarnings("unchecked")
  static <K> RunKeys<K> of(Coder<K> coder) {
    if (coder instanceof StringUtf8Coder) {
      return (RunKeys<K>) new Strings();
    }
    if (coder instanceof ListCoder<?> l && l.getElemCoder() instanceof StringUtf8Coder) {
      return (RunKeys<K>) new StringLists();
    }
    return new ByCoder<>(coder);
  }

  abstract byte[] encode(K key) throws IOException;

  abstract K decode(byte[] bytes) throws IOException;

  /** Whether unsigned byte order of {@link #encode}'s bytes is {@code order}. */
  abstract boolean bytesFollow(Comparator<?> order);

  static int compareBytes(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  static final class Strings extends RunKeys<String> {
    private static final long serialVersionUID = 1L;

    @Override
    byte[] encode(String key) {
      return key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    String decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    boolean bytesFollow(Comparator<?> order) {
      return order == KeyOrder.DEFAULT || order == Utf8Order.INSTANCE;
    }
  }

  static final class StringLists extends RunKeys<List<String>> {
    private static final long serialVersionUID = 1L;

    @Override
    byte[] encode(List<String> key) {
      byte[][] parts = new byte[key.size()][];
      int n = 0;
      for (int f = 0; f < parts.length; f++) {
        parts[f] = key.get(f).getBytes(StandardCharsets.UTF_8);
        n += parts[f].length + 2;
        for (byte x : parts[f]) {
          n += x == 0 ? 1 : 0;
        }
      }
      byte[] out = new byte[n];
      int at = 0;
      for (byte[] b : parts) {
        for (byte x : b) {
          out[at++] = x;
          if (x == 0) {
            out[at++] = (byte) 0xFF;
          }
        }
        at += 2; // the terminator 00 00: the array's zeros
      }
      return out;
    }

    @Override
    List<String> decode(byte[] b) throws CoderException {
      List<String> fields = new ArrayList<>();
      byte[] field = new byte[b.length];
      int n = 0;
      int i = 0;
      while (i < b.length) {
        if (b[i] != 0) {
          field[n++] = b[i++];
        } else if (i + 1 < b.length && b[i + 1] == (byte) 0xFF) {
          field[n++] = 0;
          i += 2;
        } else if (i + 1 < b.length && b[i + 1] == 0) {
          fields.add(new String(field, 0, n, StandardCharsets.UTF_8));
          n = 0;
          i += 2;
        } else {
          throw new CoderException("a run file holds a malformed key at byte " + i);
        }
      }
      if (n > 0) {
        throw new CoderException("a run file holds a key whose last field is not terminated");
      }
      return fields;
    }

    @Override
    boolean bytesFollow(Comparator<?> order) {
      return order == KeyOrder.DEFAULT || order == Utf8Order.LISTS;
    }
  }

  static final class ByCoder<K> extends RunKeys<K> {
    private static final long serialVersionUID = 1L;
    private final Coder<K> coder;

    ByCoder(Coder<K> coder) {
      this.coder = coder;
    }

    @Override
    byte[] encode(K key) throws IOException {
      return CoderUtils.encodeToByteArray(coder, key);
    }

    @Override
    K decode(byte[] bytes) throws IOException {
      return CoderUtils.decodeFromByteArray(coder, bytes);
    }

    @Override
    boolean bytesFollow(Comparator<?> order) {
      return false;
    }
  }
}
