package dev.parabeam.transforms.stats;

import static org.junit.Assert.assertEquals;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Test;

/**
 * {@link DecimalColumns} ends every key where {@link DecimalStats#add} one value at a time ends it:
 * keys of one scale (the columns' own case), keys that meet a second scale, a BigDecimal or a sum
 * past a long, drained into accumulators at random points.
 */
public class DecimalColumnsTest {
  @Test
  public void columnsGiveWhatAddingOneByOneGives() {
    Random r = new Random(23);
    for (int round = 0; round < 40; round++) {
      int keys = 1 + r.nextInt(200);
      // each key's usual scale; some keys also get others, or values near a long's edges
      int[] scaleOf = new int[keys];
      for (int k = 0; k < keys; k++) {
        scaleOf[k] = r.nextInt(4) == 0 ? r.nextInt(19) : 2;
      }
      Map<Integer, DecimalStats> oneByOne = new HashMap<>();
      Map<Integer, DecimalStats> drained = new HashMap<>();
      DecimalColumns columns = new DecimalColumns(4);
      // the engine's slots: a slot per key in the order met since the last drain
      Map<Integer, Integer> slotOf = new HashMap<>();
      List<Integer> keyOf = new ArrayList<>();
      int records = 1 + r.nextInt(20_000);
      for (int n = 0; n < records; n++) {
        int k = r.nextInt(keys);
        BigDecimal v = value(r, scaleOf[k], round % 2 == 0);
        oneByOne.computeIfAbsent(k, x -> new DecimalStats()).add(v);
        Integer slot = slotOf.get(k);
        if (slot == null) {
          slot = keyOf.size();
          keyOf.add(k);
          slotOf.put(k, slot);
          columns.ensure(keyOf.size());
        }
        if (v.precision() <= 18) {
          columns.add(slot, v.unscaledValue().longValueExact(), v.scale());
        } else {
          columns.add(slot, v);
        }
        if (r.nextInt(2_000) == 0 || n == records - 1) {
          for (int s = 0; s < keyOf.size(); s++) {
            assertEquals(false, columns.isEmpty(s));
            drained.put(keyOf.get(s), columns.into(s, drained.get(keyOf.get(s))));
          }
          columns.clear(keyOf.size());
          keyOf.clear();
          slotOf.clear();
        }
      }
      assertEquals(oneByOne.keySet(), drained.keySet());
      for (int k : oneByOne.keySet()) {
        DecimalStats want = oneByOne.get(k);
        DecimalStats got = drained.get(k);
        assertEquals(want.count(), got.count());
        assertEquals(want.sumText(), got.sumText());
        assertEquals(want.minText(), got.minText());
        assertEquals(want.maxText(), got.maxText());
        assertEquals(want.mean(), got.mean());
      }
    }
  }

  /** Mostly of {@code scale}; now and then another scale, a long's edge or a long digit string. */
  private static BigDecimal value(Random r, int scale, boolean edges) {
    int pick = r.nextInt(100);
    if (edges && pick < 5) {
      // 18 digits, the most the columns take: a few of them overflow a long's sum
      long[] e = {999_999_999_999_999_999L, -999_999_999_999_999_999L, 999_999_999_999_999_998L};
      return BigDecimal.valueOf(e[r.nextInt(e.length)], scale);
    }
    if (pick < 30) {
      return BigDecimal.valueOf(r.nextInt(20) - 10, scale); // ties and neighbours
    }
    if (pick < 7) {
      return BigDecimal.valueOf(r.nextLong() % 1_000_000, r.nextInt(19));
    }
    if (pick < 8) {
      return new BigDecimal("123456789012345678901234.5").negate().movePointLeft(r.nextInt(5));
    }
    return BigDecimal.valueOf(r.nextLong() % 10_000_000, scale);
  }
}
