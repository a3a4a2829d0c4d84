package dev.parabeam.pipelines.cluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP sockets a process listens on, read from Linux's /proc (what {@code ss -ltnp} shows): the
 * socket inodes among /proc/PID/fd, looked up in /proc/net/tcp and tcp6. IPv4-mapped IPv6 addresses
 * are shown as IPv4 ({@code ::ffff:127.0.0.1} as {@code 127.0.0.1}).
 */
final class ListeningSockets {
  private static final String LISTEN = "0A";

  private ListeningSockets() {}

  static List<String> of(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds =
        Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // the descriptor closed meanwhile
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path t = Paths.get(table);
      if (!Files.exists(t)) {
        continue;
      }
      for (String line : Files.readAllLines(t)) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10 || !f[3].equals(LISTEN) || !inodes.contains(f[9])) {
          continue;
        }
        out.add(address(f[1]));
      }
    }
    return out;
  }

  /**
   * {@code 0100007F:1F91} → {@code 127.0.0.1:8081}; tcp6 addresses are four little-endian words.
   */
  static String address(String hexAddrPort) {
    String[] ap = hexAddrPort.split(":");
    int port = Integer.parseInt(ap[1], 16);
    String hex = ap[0];
    byte[] b = new byte[hex.length() / 2];
    for (int w = 0; w < b.length / 4; w++) {
      for (int i = 0; i < 4; i++) {
        int src = (w * 4 + (3 - i)) * 2;
        b[w * 4 + i] = (byte) Integer.parseInt(hex.substring(src, src + 2), 16);
      }
    }
    boolean mapped = b.length == 16;
    for (int i = 0; mapped && i < 10; i++) {
      mapped = b[i] == 0;
    }
    mapped = mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    if (b.length == 4 || mapped) {
      int o = b.length - 4;
      return (b[o] & 0xff)
          + "."
          + (b[o + 1] & 0xff)
          + "."
          + (b[o + 2] & 0xff)
          + "."
          + (b[o + 3] & 0xff)
          + ":"
          + port;
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < 16; i += 2) {
      sb.append(i == 0 ? "" : ":")
          .append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff)));
    }
    return sb.append("]:").append(port).toString();
  }
}
