package dev.parabeam.pipelines.analyze;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parabeam.pipelines.launcher.WriteSortedLines;
import dev.parabeam.transforms.tasks.CallFailure;
import dev.parabeam.transforms.tasks.ExpandTasks;
import dev.parabeam.transforms.tasks.Gathered;
import dev.parabeam.transforms.tasks.ResilientCall;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * {@code analyze --entityDetails=true}: dynamic tasks made from the first phase's results (the
 * entities analysis), looked up through a resilient call and gathered per entity into {@code
 * entities.jsonl}.
 */
final class EntityFollowUps {
  private EntityFollowUps() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Dynamic tasks: every entity a document mentions becomes a follow-up task, a detail lookup of
   * that entity (through the same resilient call as the analyses), so the number of tasks depends
   * on what the first phase found; the tasks are spread over the workers ({@code ExpandTasks}), and
   * their results gathered per entity into {@code entities.jsonl}.
   */
  static void apply(
      PCollection<Gathered<String>> gathered,
      ResilientCall<Document, String> call,
      int workers,
      Path staging) {
    KvCoder<String, Document> taskCoder = KvCoder.of(StringUtf8Coder.of(), new Document.Coder());
    ResilientCall<KV<String, Document>, KV<String, String>> lookup =
        call.withOutputCoder(StringUtf8Coder.of()).onValues();
    PCollectionTuple looked =
        gathered
            .apply(
                "EntityMentions",
                ExpandTasks.via((Gathered<String> g) -> mentions(g))
                    .withOutputCoder(taskCoder)
                    // one random key per worker: the tasks spread over the workers in bundles
                    // large enough to keep many lookups in flight (one key per task would make
                    // bundles of one, and one lookup in flight per bundle)
                    .withNumBuckets(Math.max(1, workers)))
            .apply("EntityDetails", lookup);
    PCollection<KV<String, String>> found =
        looked
            .get(lookup.results())
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    PCollection<KV<String, String>> failed =
        looked
            .get(lookup.failures())
            .apply(
                "FailedLookups",
                MapElements.into(
                        TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                    .via(
                        (CallFailure<KV<String, Document>> f) ->
                            KV.of(f.input().getKey(), FAILED_LOOKUP)));
    PCollectionList.of(found)
        .and(failed)
        .apply("AllLookups", Flatten.pCollections())
        .apply("PerEntity", GroupByKey.create())
        .apply(
            "ToEntityLine",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via((KV<String, Iterable<String>> e) -> KV.of(e.getKey(), entityLine(e))))
        .apply("WriteEntities", WriteSortedLines.to(staging.resolve(AnalyzeJob.ENTITIES), null));
  }

  static final String ENTITY_DETAILS = "entity-details";
  private static final String FAILED_LOOKUP = "(lookup failed)";

  /** The follow-up tasks of one document: (entity, the lookup of it for this document). */
  static List<KV<String, Document>> mentions(Gathered<String> g) {
    List<KV<String, Document>> tasks = new ArrayList<>();
    String entities = g.results().get("entities");
    if (entities == null) {
      return tasks;
    }
    try {
      for (JsonNode e : JSON.readTree(entities)) {
        String name = e.path("name").asText();
        tasks.add(KV.of(name, new Document(g.id() + "/" + name, name)));
      }
    } catch (IOException e) {
      throw new IllegalStateException("the entities analysis returned no JSON: " + entities, e);
    }
    return tasks;
  }

  /** {@code {"name":…, "type":…, "mentions":N, "failed_lookups":M}} of one entity. */
  static String entityLine(KV<String, Iterable<String>> e) {
    String type = null;
    long mentions = 0;
    long failed = 0;
    for (String r : e.getValue()) {
      mentions++;
      if (r.equals(FAILED_LOOKUP)) {
        failed++;
      } else {
        type = r;
      }
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("name", e.getKey());
    n.put("type", type);
    n.put("mentions", mentions);
    n.put("failed_lookups", failed);
    return n.toString();
  }
}
