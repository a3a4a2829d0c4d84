package dev.parabeam.pipelines.cluster;

import java.nio.file.Path;

/**
 * The layout of a local cluster's working directory: {@code conf/}, {@code pids/}, {@code tmp/}
 * (Flink's io.tmp.dirs, blobs, uploads) and {@code log/}.
 */
record ClusterDirs(Path dir) {
  Path conf() {
    return dir.resolve("conf");
  }

  Path pids() {
    return dir.resolve("pids");
  }

  Path tmp() {
    return dir.resolve("tmp");
  }

  Path log() {
    return dir.resolve("log");
  }
}
