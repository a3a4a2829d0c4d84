package dev.parabeam.transforms.stats;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.math.BigDecimal;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

public class DecimalsTest {
  /** The pattern of the issue, with the trimming of spaces and tabs around it. */
  private static final Pattern NUMBER =
      Pattern.compile("[ \t]*([+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?)[ \t]*");

  private static void valid(String s, String expected) {
    BigDecimal v = Decimals.parseOrNull(s);
    assertThat("'" + s + "'", v, notNullValue());
    // exact value and scale as written
    assertThat("'" + s + "'", v, equalTo(new BigDecimal(expected)));
    assertThat(Decimals.parse(s).error, nullValue());
  }

  private static void invalid(String s, String reason) {
    Decimals.Parsed p = Decimals.parse(s);
    assertThat("'" + s + "'", p.value, nullValue());
    assertThat("'" + s + "'", p.error, containsString(reason));
    assertThat(Decimals.parseOrNull(s), nullValue());
  }

  @Test
  public void validNumbers() {
    valid("0", "0");
    valid("42", "42");
    valid("1.", "1");
    valid(".5", "0.5");
    valid("+2", "2");
    valid(" 8 ", "8");
    valid("\t-3.25\t ", "-3.25");
    valid("1e3", "1E+3");
    valid("1E+3", "1E+3");
    valid("1.5e-2", "0.015");
    valid("-0", "0");
    valid("-.0", "0.0");
    valid("007.50", "7.50");
    valid("1.e5", "1E+5");
    valid("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789");
  }

  @Test
  public void notNumbers() {
    for (String s :
        new String[] {
          "abc",
          "",
          " ",
          "\t",
          "1e",
          "e5",
          ".",
          "-",
          "+",
          "+-1",
          "1.2.3",
          "1e5.0",
          "1,5",
          "1 000",
          "0x10",
          "NaN",
          "Infinity",
          "٣",
          "1٣",
          "１",
          "1e+",
          "--1",
          "1_000",
          "\u00a01",
          "1\n"
        }) {
      invalid(s, "not a number");
    }
  }

  @Test
  public void scaleLimits() {
    valid("1e-1000", "1E-1000");
    valid("1e1000", "1E+1000");
    invalid("1e-1001", "out of range");
    invalid("1e1001", "out of range");
    invalid("0." + "0".repeat(1000) + "1", "out of range");
    invalid("1e99999999999", "out of range");
    invalid("1e-2147483648", "out of range");
    invalid("1e2147483648", "out of range");
  }

  /** On random strings the matcher agrees with java.util.regex, and the value is BigDecimal's. */
  @Test
  public void agreesWithTheRegexOnRandomStrings() {
    Random rnd = new Random(31L);
    String[] alphabet = {"0", "1", "9", ".", "e", "E", "+", "-", " ", "\t", "a", "٣", "5"};
    int matched = 0;
    for (int iter = 0; iter < 5000; iter++) {
      StringBuilder sb = new StringBuilder();
      for (int k = rnd.nextInt(8); k > 0; k--) {
        sb.append(alphabet[rnd.nextInt(alphabet.length)]);
      }
      String s = sb.toString();
      Matcher m = NUMBER.matcher(s);
      BigDecimal v = Decimals.parseOrNull(s);
      if (m.matches()) {
        matched++;
        assertThat("'" + s + "'", v, equalTo(new BigDecimal(m.group(1))));
      } else {
        assertThat("'" + s + "'", v, nullValue());
      }
    }
    assertThat("the generator produces numbers too", matched > 300, is(true));
  }

  @Test
  public void formatStripsTrailingZerosWithoutExponent() {
    assertThat(Decimals.format(new BigDecimal("4.50")), is("4.5"));
    assertThat(Decimals.format(new BigDecimal("1E+3")), is("1000"));
    assertThat(Decimals.format(new BigDecimal("100")), is("100"));
    assertThat(Decimals.format(new BigDecimal("0.000")), is("0"));
    assertThat(Decimals.format(new BigDecimal("-0.0")), is("0"));
    assertThat(Decimals.format(new BigDecimal("1E-7")), is("0.0000001"));
    assertThat(Decimals.format(new BigDecimal("-12.340")), is("-12.34"));
  }

  @Test
  public void meanRoundsHalfEvenToSixPlaces() {
    assertThat(Decimals.mean(new BigDecimal("1"), 3), is(new BigDecimal("0.333333")));
    assertThat(Decimals.mean(new BigDecimal("2"), 3), is(new BigDecimal("0.666667")));
    assertThat(Decimals.mean(new BigDecimal("5"), 2), is(new BigDecimal("2.500000")));
    assertThat(Decimals.mean(new BigDecimal("0.0000005"), 1), is(new BigDecimal("0.000000")));
    assertThat(Decimals.mean(new BigDecimal("0.0000015"), 1), is(new BigDecimal("0.000002")));
    assertThat(Decimals.mean(new BigDecimal("0.0000025"), 1), is(new BigDecimal("0.000002")));
    assertThat(Decimals.mean(new BigDecimal("-0.0000025"), 1), is(new BigDecimal("-0.000002")));
    assertThat(Decimals.mean(new BigDecimal("1E+3"), 4), is(new BigDecimal("250.000000")));
    assertThat(Decimals.format(Decimals.mean(BigDecimal.ZERO, 3)), is("0"));
    assertThat(Decimals.format(Decimals.mean(new BigDecimal("-1"), 3)), is("-0.333333"));
  }
}
