package dev.parabeam.pipelines.analyze;

import dev.parabeam.pipelines.JobOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of the {@code analyze} job. */
public interface AnalyzeOptions extends JobOptions {
  // no @Default here: the chunked jobs' --input has none, and Beam wants one property marked alike
  // in every options interface of a JVM; the job falls back to the default itself
  @Description(
      "JSON lines (UTF-8), one object per document with string fields id and text: a file, a glob"
          + " (dir/*.jsonl) or a directory (its files; not hidden ones, not those of subdirectories)."
          + " Default: the bundled testdata/docs/docs.jsonl (400 short documents).")
  String getInput();

  void setInput(String value);

  @Description("Latency of every simulated service call, in milliseconds.")
  @Default.Integer(20)
  Integer getLatencyMillis();

  void setLatencyMillis(Integer value);

  @Description("Per-attempt timeout, in milliseconds: a call still running then is cut off.")
  @Default.Integer(1000)
  Integer getTimeoutMillis();

  void setTimeoutMillis(Integer value);

  // no @Default: the tasks job has a --maxAttempts of its own default; Beam wants one property
  // marked alike in every options interface of a JVM, so each job gives its default (defaults())
  @Description("Attempts per call, the first included; the retries back off exponentially.")
  Integer getMaxAttempts();

  void setMaxAttempts(Integer value);

  @Description(
      "Share of calls that fail their first 1 to 3 attempts, then succeed (0 to 1; by seed, id,"
          + " analysis).")
  @Default.Double(0)
  Double getTransientFailureRate();

  void setTransientFailureRate(Double value);

  @Description("Share of calls that always fail (0 to 1): an error entry in the document's line.")
  @Default.Double(0)
  Double getPermanentFailureRate();

  void setPermanentFailureRate(Double value);

  @Description(
      "Share of calls whose first attempt takes longer than --timeoutMillis (0 to 1): cut off,"
          + " counted, retried.")
  @Default.Double(0)
  Double getSlowRate();

  void setSlowRate(Double value);

  @Description(
      "Calls waiting at once per worker JVM, over all three analyses (independent of the number"
          + " of worker threads).")
  @Default.Integer(16)
  Integer getMaxInFlight();

  void setMaxInFlight(Integer value);

  @Description("Calls started per second per worker JVM, over all three analyses; 0: no limit.")
  @Default.Double(0)
  Double getRatePerSecond();

  void setRatePerSecond(Double value);

  @Description(
      "Also look up every entity a document mentions, as follow-up tasks made from the entities"
          + " analysis's results (dynamic tasks): entities.jsonl, one line per entity.")
  @Default.Boolean(false)
  Boolean getEntityDetails();

  void setEntityDetails(Boolean value);

  @Description("Seed of the injected failures and slowness.")
  @Default.Long(42)
  Long getSeed();

  void setSeed(Long value);
}
