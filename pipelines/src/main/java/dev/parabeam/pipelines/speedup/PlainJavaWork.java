package dev.parabeam.pipelines.speedup;

import dev.parabeam.pipelines.baseline.PlainJavaAggregate;
import dev.parabeam.transforms.io.StatsCsv;
import dev.parabeam.transforms.work.SimulatedWork;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;

/**
 * The COST baseline with work: what a competent programmer writes on one thread, with no framework.
 * commons-csv reads the file, and every record the job would count (right field count, a valid
 * value) gets exactly the job's per-record work ({@link SimulatedWork#run}, same kind, same µs,
 * same calibration in this JVM) before it is added to a HashMap of exact statistics. The job does
 * the same per-record work in the same place (after the value parsed, before it is added).
 */
public final class PlainJavaWork {
  private PlainJavaWork() {}

  /**
   * Aggregates {@code input} on this thread and returns {@code results.csv} as the job writes it.
   */
  public static String run(Path input, String keyColumn, String valueColumn, SimulatedWork work)
      throws IOException {
    PlainJavaAggregate.Outcome o;
    try {
      o = PlainJavaAggregate.run(input, keyColumn, valueColumn, 1, work);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
    StringWriter w = new StringWriter();
    StatsCsv.write(o.results, w);
    return w.toString();
  }
}
