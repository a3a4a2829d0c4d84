package dev.parabeam.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.parabeam.pipelines.launcher.Staging;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * What a stopped run's hook relies on, from a failure ManyKeysIT caught (SIGTERM while units
 * spilled: no "stopped:" line): removing staging while the pipeline's threads remove their own
 * spill files, and the default handler of uncaught exceptions, which recursed into itself.
 */
public class StopCleanUpTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aTreeWhoseFilesAnotherThreadRemovesMeanwhileIsRemovedWithoutAnError()
      throws Exception {
    for (int round = 0; round < 20; round++) {
      Path root = tmp.newFolder("staging-" + round).toPath();
      Path spill = Files.createDirectories(root.resolve("spill"));
      List<Path> files = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        files.add(Files.writeString(spill.resolve("unit-" + i + ".run"), "x"));
      }
      Collections.shuffle(files, new Random(round));
      Thread other =
          new Thread(
              () -> {
                for (Path f : files) {
                  try {
                    Files.deleteIfExists(f);
                  } catch (java.io.IOException ignored) {
                    // the tree's removal got there first
                  }
                }
              });
      other.start();
      Staging.deleteTree(root);
      other.join();
      assertThat("round " + round, Files.exists(root), is(false));
    }
  }

  @Test
  public void theDefaultHandlerPrintsAnUncaughtExceptionOnceWithoutCallingItselfAgain()
      throws Exception {
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    AtomicReference<Throwable> escaped = new AtomicReference<>();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      Thread.setDefaultUncaughtExceptionHandler(Main.quietOnOutOfMemory(null));
      Thread t =
          new Thread(
              () -> {
                throw new IllegalStateException("boom");
              },
              "thrower");
      t.setUncaughtExceptionHandler(
          (thread, e) -> {
            // as the thread's group would: to the default handler (Main's)
            try {
              thread.getThreadGroup().uncaughtException(thread, e);
            } catch (Throwable x) {
              escaped.set(x);
            }
          });
      t.start();
      t.join();
      Thread oom =
          new Thread(
              () -> {
                throw new OutOfMemoryError("quiet");
              },
              "oom");
      oom.start();
      oom.join();
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(before);
      System.setErr(err);
    }
    assertThat(String.valueOf(escaped.get()), escaped.get() == null, is(true));
    String text = captured.toString(StandardCharsets.UTF_8);
    assertThat(
        text,
        containsString("Exception in thread \"thrower\" java.lang.IllegalStateException: boom"));
    assertThat(text, not(containsString("StackOverflowError")));
    assertThat(text, not(containsString("quiet")));
  }
}
