package dev.parabeam.pipelines.launcher;

import dev.parabeam.pipelines.UsageException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The one argument parser of every command that is not a Beam pipeline ({@code generate}, {@code
 * baseline}, {@code bench}, {@code speedup}, {@code cluster}): picocli, with the house rules on
 * top. {@code --help} prints the command's options with their defaults; misuse is one {@code
 * error:} line and exit code 2 ({@code unknown option --x (did you mean --y?)}, every missing
 * required option named at once, a value that is not of the option's type); a {@link
 * UsageException} thrown while the command runs is misuse too. The jobs ({@code aggregate}, {@code
 * groupby}) take Beam's {@code PipelineOptions} instead, checked by {@link OptionsCheck}.
 */
public final class Cli {
  private Cli() {}

  /** What every command has: {@code --help}. Commands extend it. */
  public abstract static class Base {
    @Option(
        names = "--help",
        usageHelp = true,
        description = "Print this command's options and their defaults, then exit.")
    boolean help;
  }

  /**
   * A failure whose message is all a user needs: printed as {@code error: <message>}, exit 1 (or
   * the command's own code for it, e.g. 3 for {@code cluster}'s "no cluster").
   */
  public static class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public Failure(String message) {
      this(message, 1);
    }

    protected Failure(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  /** Parses {@code args} into {@code command} (a picocli {@code @Command}) and runs it. */
  public static int execute(
      Callable<Integer> command, String[] args, PrintStream out, PrintStream err) {
    return commandLine(command, out, err).execute(args);
  }

  /** The command line for {@code command} with the house rules, for commands with subcommands. */
  public static CommandLine commandLine(Object command, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setUsageHelpWidth(100);
    heading(cl);
    cl.setParameterExceptionHandler(
        (e, args) -> {
          err.println("error: " + describe(e));
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof UsageException) {
            err.println("error: " + e.getMessage());
            return 2;
          }
          if (e instanceof Failure f) {
            err.println("error: " + f.getMessage());
            return f.exitCode();
          }
          err.println("error: " + Messages.firstLine(Messages.rootMessage(e)));
          return 1;
        });
    return cl;
  }

  /** "usage: run.sh <command> ..." as every command's help begins, subcommands too. */
  private static void heading(CommandLine cl) {
    cl.getCommandSpec().usageMessage().synopsisHeading("usage: run.sh ");
    cl.getSubcommands().values().forEach(Cli::heading);
  }

  /** One line for a parse failure, in the words the job commands use too. */
  static String describe(ParameterException e) {
    String sub = e.getCommandLine().getCommandName();
    List<String> unknown = e.getCommandLine().getUnmatchedArguments();
    if (!(e instanceof UnmatchedArgumentException) && !unknown.isEmpty()) {
      // an unknown option is the first thing to fix (it may be a required one misspelled)
      e = new UnmatchedArgumentException(e.getCommandLine(), unknown);
    }
    if (e instanceof UnmatchedArgumentException u) {
      List<String> unmatched = u.getUnmatched();
      String first = unmatched.isEmpty() ? "" : unmatched.get(0);
      String name = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
      if (!name.startsWith("-") && !e.getCommandLine().getSubcommands().isEmpty()) {
        return unknownSubcommand(sub, first, e.getCommandLine().getSubcommands().keySet());
      }
      if (!name.startsWith("-")) {
        return "unexpected argument '"
            + first
            + "' for "
            + sub
            + " (options look like --name=value; run.sh "
            + sub
            + " --help lists them)";
      }
      List<String> near = u.getSuggestions();
      return "unknown option "
          + name
          + " for "
          + sub
          + (near.isEmpty() ? "" : " (did you mean " + near.get(0) + "?)")
          + "; run.sh "
          + sub
          + " --help lists the options";
    }
    if (e instanceof MissingParameterException m) {
      String names =
          m.getMissing().stream()
              .map(a -> a instanceof OptionSpec o ? o.longestName() : a.paramLabel())
              .collect(Collectors.joining(", "));
      return "missing required option" + (m.getMissing().size() > 1 ? "s " : " ") + names;
    }
    ArgSpec arg = e.getArgSpec();
    if (arg instanceof OptionSpec o && e.getValue() != null) {
      return o.longestName() + ": not " + typeName(o.type()) + ": '" + e.getValue() + "'";
    }
    String m = e.getMessage();
    return m.isEmpty() ? m : m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1);
  }

  /**
   * {@code cluster stat}: the command it looks like (one it begins, else the nearest by edit
   * distance), and the list.
   */
  static String unknownSubcommand(String command, String given, Collection<String> known) {
    List<String> begun = known.stream().filter(k -> k.startsWith(given)).sorted().toList();
    String near = begun.isEmpty() ? OptionsCheck.closest(given, known) : String.join(" or ", begun);
    return "unknown "
        + command
        + " command '"
        + given
        + "'"
        + (near == null ? "" : " (did you mean " + near + "?)")
        + "; the commands: "
        + String.join(", ", known);
  }

  private static String typeName(Class<?> t) {
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
      return "a whole number";
    }
    if (t == double.class || t == Double.class) {
      return "a number";
    }
    if (t == boolean.class || t == Boolean.class) {
      return "true or false";
    }
    if (t.isEnum()) {
      return "one of "
          + Arrays.stream(t.getEnumConstants())
              .map(Object::toString)
              .collect(Collectors.joining(", "));
    }
    return "a valid " + t.getSimpleName();
  }
}
