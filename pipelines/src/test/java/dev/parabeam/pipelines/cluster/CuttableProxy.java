package dev.parabeam.pipelines.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 in front of a local port, for a client that loses contact with its
 * cluster: {@link #cut} closes the listening socket and every relayed connection (nothing answers
 * at the relay's port any more), {@link #restore} listens on the same port again.
 */
final class CuttableProxy implements AutoCloseable {
  private final int target;
  private final int port;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;

  CuttableProxy(int target) throws IOException {
    this.target = target;
    this.server = listen(0);
    this.port = server.getLocalPort();
  }

  int port() {
    return port;
  }

  private ServerSocket listen(int on) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), on));
    Thread t = new Thread(() -> accept(s), "proxy-accept-" + on);
    t.setDaemon(true);
    t.start();
    return s;
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket in = s.accept();
        Socket out = new Socket(InetAddress.getByName("127.0.0.1"), target);
        open.add(in);
        open.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        // closed by cut(), or the target refused: the client sees its connection end
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] b = new byte[65536];
              try (InputStream i = from.getInputStream();
                  OutputStream o = to.getOutputStream()) {
                for (int n; (n = i.read(b)) >= 0; ) {
                  o.write(b, 0, n);
                  o.flush();
                }
              } catch (IOException e) {
                // either side closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Nothing answers at {@link #port} any more, and every relayed connection is closed. */
  void cut() {
    closeQuietly(server);
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  /** Listens on {@link #port} again. */
  void restore() throws IOException {
    server = listen(port);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // already closed
    }
  }

  @Override
  public void close() {
    cut();
  }
}
