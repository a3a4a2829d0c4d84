package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.UsageException;
import dev.parabeam.pipelines.cluster.ClusterSubmission;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one run that may use an output directory: an exclusive lock on {@code
 * <output>/.parabeam.lock} ({@link FileChannel#tryLock}), held from before the run looks at the
 * directory until it has published. The file holds the pid of the run that holds it, for the
 * message another run prints.
 *
 * <p>The operating system releases the lock when its process ends, however it ends ({@code kill -9}
 * included), so a lock file or a staging directory left by a run that is gone is recognised: its
 * lock can be taken. Whoever holds the lock owns every staging directory in the output.
 *
 * <p>The holder removes the file before it releases the lock, so a finished run leaves nothing
 * behind. A run that opened the file just before it was removed could then lock the removed file;
 * so a run compares the file the path names before it opens it and after it has locked it, and
 * tries again when they differ.
 *
 * <p>Two things about these locks (POSIX record locks on Linux) shape the code: they belong to the
 * process, so a second lock in the same JVM throws {@link OverlappingFileLockException} instead of
 * failing; and closing <em>any</em> descriptor of the file releases the process's lock on it. So
 * this class never opens the file a second time while it holds the lock, and keeps the directories
 * this JVM holds in {@link #HELD}, to refuse a second run in the same JVM without opening the file
 * at all.
 */
public final class OutputLock implements AutoCloseable {
  public static final String FILE_NAME = ".parabeam.lock";
  private static final int ATTEMPTS = 20;

  /** Lock files held by this JVM, with what they hold (pid, start), for the message. */
  private static final ConcurrentHashMap<Path, String> HELD = new ConcurrentHashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final String token;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean keepFile;

  private OutputLock(Path file, FileChannel channel, FileLock lock, String token) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.token = token;
  }

  /**
   * Takes the lock of {@code output}, an existing directory.
   *
   * @param shown how to name the directory in the message
   * @throws UsageException when another live run holds it (this JVM included); nothing is written
   *     then
   */
  static OutputLock acquire(Path output, String shown) throws IOException {
    Path file = output.toRealPath().resolve(FILE_NAME);
    String token =
        "pid="
            + ProcessHandle.current().pid()
            + "\nstarted="
            + Instant.now().truncatedTo(ChronoUnit.SECONDS)
            + "\nrun="
            + UUID.randomUUID()
            + "\n";
    String heldHere = HELD.putIfAbsent(file, token);
    if (heldHere != null) {
      throw inUse(shown, heldHere);
    }
    boolean done = false;
    try {
      for (int attempt = 1; ; attempt++) {
        Object before = fileKey(file);
        FileChannel ch =
            FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
          FileLock lock;
          try {
            lock = ch.tryLock();
          } catch (OverlappingFileLockException e) {
            lock = null; // held through another channel of this JVM
          }
          if (lock == null) {
            throw inUse(shown, contents(ch));
          }
          Object after = fileKey(file);
          if (after != null && (before == null || before.equals(after))) {
            refuseIfItsJobMayStillRun(shown, contents(ch));
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(token.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            done = true;
            return new OutputLock(file, ch, lock, token);
          }
          // we locked a file its holder had just removed: try again on the one there now
        } finally {
          if (!done) {
            ch.close();
          }
        }
        if (attempt >= ATTEMPTS) {
          throw new IOException("cannot lock " + file + ": it keeps being replaced");
        }
      }
    } finally {
      if (!done) {
        HELD.remove(file);
      }
    }
  }

  /**
   * A run that lost contact with its Flink job and could not cancel it left the job in its lock
   * file ({@link #keepFor}): while that job may still run (it is not seen ended, or its cluster
   * does not answer), the directory stays in use.
   */
  private static void refuseIfItsJobMayStillRun(String shown, String contents) {
    String master = field(contents, FLINK_MASTER);
    if (master == null) {
      return;
    }
    String id = field(contents, FLINK_JOB);
    String name = field(contents, FLINK_JOB_NAME);
    Optional<String> why = ClusterSubmission.mayStillRun(master, name, id);
    if (why.isPresent()) {
      throw new UsageException(
          "--output="
              + shown
              + " is held for Flink job "
              + (id == null || id.isEmpty() ? name : id + " (" + name + ")")
              + ", which a run lost contact with and could not cancel, and "
              + why.get()
              + "; cancel it (./run.sh cluster cancel "
              + (id == null || id.isEmpty() ? "<id>" : id)
              + ") or wait for it to end (if that cluster is gone for good, remove "
              + FILE_NAME
              + " from the directory)");
    }
  }

  private static final String FLINK_MASTER = "flink_master=";
  private static final String FLINK_JOB = "flink_job=";
  private static final String FLINK_JOB_NAME = "flink_job_name=";

  /** The value of the line {@code key...} of a lock file's contents, or null. */
  private static String field(String contents, String key) {
    for (String line : contents.split("\n")) {
      if (line.startsWith(key)) {
        return line.substring(key.length()).trim();
      }
    }
    return null;
  }

  /**
   * Keeps the directory for a Flink job that may still run after this run ends (its client lost
   * contact and could not cancel it): writes the job into the lock file and leaves the file when
   * the lock is closed, so that the next run refuses the directory while the job may run.
   */
  void keepFor(String master, String jobName, String jobId) throws IOException {
    String record =
        token
            + FLINK_MASTER
            + master
            + "\n"
            + FLINK_JOB_NAME
            + jobName
            + "\n"
            + FLINK_JOB
            + (jobId == null ? "" : jobId)
            + "\n";
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
    keepFile = true;
  }

  private static UsageException inUse(String shown, String holderFile) {
    return new UsageException(
        "--output="
            + shown
            + " is in use by another run"
            + holder(holderFile)
            + "; wait for it to finish or choose another directory");
  }

  private static Object fileKey(Path file) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** What the holder wrote into its lock file, or "" if it cannot be read. */
  private static String contents(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(4096);
      ch.read(b, 0);
      return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * " (pid N, started T)" from a lock file's contents, or "" if the holder has not written it yet.
   */
  private static String holder(String contents) {
    String pid = null;
    String started = null;
    for (String line : contents.split("\n")) {
      if (line.startsWith("pid=")) {
        pid = line.substring(4).trim();
      } else if (line.startsWith("started=")) {
        started = line.substring(8).trim();
      }
    }
    if (pid == null || pid.isEmpty()) {
      return "";
    }
    return " (pid " + pid + (started == null ? "" : ", started " + started) + ")";
  }

  /**
   * Whether {@code name} is one of the files or directories a run keeps in an output directory
   * while it runs.
   */
  static boolean isOurs(String name) {
    return name.equals(FILE_NAME) || name.startsWith(Launcher.STAGING_PREFIX);
  }

  /**
   * Removes the lock file (unless {@link #keepFor} keeps it), then releases the lock; once (the run
   * and its stop hook may both call it).
   */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (!keepFile) {
        Files.deleteIfExists(file);
      }
    } finally {
      try {
        lock.release();
      } finally {
        try {
          channel.close();
        } finally {
          HELD.remove(file);
        }
      }
    }
  }

  /** {@link #close}, for a shutdown hook: a file that cannot be removed is left (best effort). */
  void closeQuietly() {
    try {
      close();
    } catch (IOException | RuntimeException e) {
      // the JVM is going down; another run recognises a lock file nobody holds
    }
  }
}
