package dev.parabeam.transforms.engine;

/**
 * When and where one unit of work ran: the worker that parsed it (the thread, and the process on a
 * runner with several), its first and last instant in epoch milliseconds, and the input bytes of
 * its chunks (0 when unknown: a compressed file's text). The timeline of a run is one per unit.
 */
public record UnitSpan(String worker, long startMillis, long endMillis, long bytes) {
  public UnitSpan {
    if (worker == null || endMillis < startMillis || bytes < 0) {
      throw new IllegalArgumentException(
          "unit span: " + worker + " " + startMillis + ".." + endMillis + ", " + bytes + " bytes");
    }
  }

  /**
   * The worker this code runs on: the thread's name and id (the DirectRunner names all its threads
   * alike), and the process, which tells a cluster's TaskManagers apart.
   */
  public static String currentWorker() {
    Thread t = Thread.currentThread();
    return t.getName() + " #" + t.getId() + " @ pid " + ProcessHandle.current().pid();
  }
}
