package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.Job;
import dev.parabeam.pipelines.JobOptions;
import dev.parabeam.pipelines.UsageException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The dead-letter rules of every job, applied by the {@link Launcher} to what a run's {@link
 * Job.Run#deadLetters()} says: {@code --maxDeadLetterFraction} (checked before anything is read; a
 * run over it fails before anything is published) and the warning when more than 1% of the records,
 * or of the input bytes, are dead letters.
 */
public final class DeadLetterRules {
  private DeadLetterRules() {}

  /** Misuse: a {@code --maxDeadLetterFraction} outside 0..1. */
  static void validate(JobOptions o) {
    Double max = o.getMaxDeadLetterFraction();
    if (max != null && !(max >= 0 && max <= 1)) {
      throw new UsageException(
          "--maxDeadLetterFraction must be between 0 and 1 (0.01 = 1%), got " + max);
    }
  }

  /** Fails the run when its dead letters are more than {@code --maxDeadLetterFraction} allows. */
  static void check(JobOptions o, Job.DeadLetters d) throws Job.Failure {
    Double limit = o.getMaxDeadLetterFraction();
    if (limit == null || d == null) {
      return;
    }
    BigDecimal allowed = BigDecimal.valueOf(limit).multiply(BigDecimal.valueOf(d.read()));
    if (BigDecimal.valueOf(d.dead()).compareTo(allowed) > 0) {
      throw new Job.Failure(
          RunReport.deadLetterShare(d.dead(), d.read())
              + ", more than --maxDeadLetterFraction="
              + BigDecimal.valueOf(limit).stripTrailingZeros().toPlainString()
              + " allows (at most "
              + String.format(
                  Locale.ROOT, "%,d", allowed.setScale(0, RoundingMode.FLOOR).toBigInteger())
              + "); nothing was published");
    }
  }

  /** After the run's report: the warning line, when its dead letters are a large share. */
  static void warn(Job.DeadLetters d, Path output, PrintStream err) {
    String warning = warning(d, output);
    if (warning != null) {
      err.println(warning);
    }
  }

  /** The dead-letter warning of a run, or null (none, or a job without dead letters). */
  static String warning(Job.DeadLetters d, Path output) {
    if (d == null) {
      return null;
    }
    return RunReport.deadLetterWarning(
        d.dead(), d.read(), d.deadBytes(), d.inputBytes(), output.resolve(d.file()));
  }
}
