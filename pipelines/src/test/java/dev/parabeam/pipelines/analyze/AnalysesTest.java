package dev.parabeam.pipelines.analyze;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import org.junit.Test;

public class AnalysesTest {
  @Test
  public void sentimentCountsTheLexiconsWords() {
    assertThat(
        Analyses.sentiment("Great, fast and friendly. But late."),
        equalTo("{\"label\":\"positive\",\"score\":2}"));
    assertThat(
        Analyses.sentiment("Slow and BUGGY."), equalTo("{\"label\":\"negative\",\"score\":-2}"));
    assertThat(Analyses.sentiment("Nothing here."), equalTo("{\"label\":\"neutral\",\"score\":0}"));
  }

  @Test
  public void entitiesAreKnownCapitalisedPhrasesOnceInOrder() {
    assertThat(
        Analyses.entities("Ada Lovelace met Acme Corp in Paris; then Paris again, and paris."),
        equalTo(
            "[{\"name\":\"Ada Lovelace\",\"type\":\"person\"},"
                + "{\"name\":\"Acme Corp\",\"type\":\"organisation\"},"
                + "{\"name\":\"Paris\",\"type\":\"place\"}]"));
    assertThat(Analyses.entities("Unknown Town was fine."), equalTo("[]"));
  }

  @Test
  public void summaryIsTheFirstSentenceAndTheTopKeywords() {
    assertThat(
        Analyses.summary(
            "The invoice was late. The invoice was wrong, the invoice! Delivery late."),
        equalTo(
            "{\"first_sentence\":\"The invoice was late.\","
                + "\"keywords\":[\"invoice\",\"late\",\"wrong\"]}"));
    assertThat(
        Analyses.summary("no full stop"),
        equalTo("{\"first_sentence\":\"no full stop\",\"keywords\":[\"full\",\"stop\"]}"));
  }
}
