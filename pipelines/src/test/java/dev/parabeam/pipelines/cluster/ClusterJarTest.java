package dev.parabeam.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ClusterJarTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void theLeanJarBesideTheBundledOneIsChosen() throws Exception {
    Path dir = tmp.getRoot().toPath();
    Path bundled = Files.createFile(dir.resolve(ClusterJar.BUNDLED_JAR));
    assertThat(
        "no lean jar built",
        ClusterJar.besideBundled(Optional.of(bundled)),
        equalTo(Optional.empty()));
    Path lean = Files.createFile(dir.resolve(ClusterJar.CLUSTER_JAR));
    assertThat(ClusterJar.besideBundled(Optional.of(bundled)), equalTo(Optional.of(lean)));
    Path other = Files.createFile(dir.resolve("someone-elses.jar"));
    assertThat(
        "a client that is not the bundled jar",
        ClusterJar.besideBundled(Optional.of(other)),
        equalTo(Optional.empty()));
    assertThat(
        "classes, not a jar (tests)",
        ClusterJar.besideBundled(Optional.of(dir)),
        equalTo(Optional.empty()));
  }

  @Test
  public void onlyARunOnARemoteClusterWithoutItsOwnFilesToStageIsChanged() {
    FlinkPipelineOptions local = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    local.setRunner(FlinkRunner.class);
    local.setFlinkMaster("[local]");
    assertThat(ClusterJar.stageFor(local, false), equalTo(Optional.empty()));
    assertThat(local.getFilesToStage(), equalTo(null));

    FlinkPipelineOptions given = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    given.setRunner(FlinkRunner.class);
    given.setFlinkMaster("127.0.0.1:8081");
    given.setFilesToStage(List.of("mine.jar"));
    assertThat(ClusterJar.stageFor(given, true), equalTo(Optional.empty()));
    assertThat(given.getFilesToStage(), equalTo(List.of("mine.jar")));
  }
}
