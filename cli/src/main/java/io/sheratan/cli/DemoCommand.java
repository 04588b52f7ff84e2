package io.sheratan.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.audit.AuditSinkApp;
import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.InclusionProof;
import io.sheratan.witness.WitnessApp;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;
import io.sheratan.verifier.http.VerifierHttp;
import com.fasterxml.jackson.databind.JsonNode;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.avro.codec.AuditEventType;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.WireFormat;
import io.sheratan.ed25519.Ed25519;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Signer;
import io.sheratan.kafka.Topics;
import io.sheratan.producer.PublishReceipt;
import io.sheratan.producer.ResultPublisher;
import io.sheratan.verifier.VerifierConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import io.sheratan.integrity.Marks;
import java.nio.file.StandardCopyOption;
import java.util.Base64;

/**
 * {@code sheratan demo}: one result of each kind through the pipeline, then a table of where each
 * ended. Outcomes are matched by the input record's partition and offset, which both verified
 * results and audit events carry, so the demo reads the truth from the topics themselves.
 */
@Command(name = "demo",
        header = "Every outcome of the pipeline, shown end to end.",
        mixinStandardHelpOptions = true,
        description = {
            "Send a valid (JSON and Avro), a tampered, an unmarked, a duplicate, a conflicting and an unreadable result,",
            "then show where each ended (verified / audit with reason / duplicate) and the metrics.",
            "Uses the running stack ('sheratan up') when its verifier answers on :8789, else starts its own; its own stack",
            "also shows version 2: an Ed25519 result verified, a key claiming another node, a stale replay, and a key",
            "rotated while the stack runs.",
            "Exit 0 only when every outcome is as expected."
        })
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--timeout", defaultValue = "PT90S", description = "how long to wait for outcomes (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Mixin
    KafkaOptions kafka;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final boolean color = System.console() != null && System.getenv("NO_COLOR") == null;

    private record Case(String label, String jobId, String sentAs, String expected) {
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = new HashMap<>(Env.system());
        Governance governance = null;
        int verifierPort = VerifierConfig.HTTP_PORT_SETTING.integer(env, 1, 65535);
        NoteKeys.Verifier logKey = null;
        LocalStack own = null;
        Path ownData = null;
        Map<String, Object> client;
        Topics topics = Topics.fromEnv(env);
        if (status("http://127.0.0.1:" + verifierPort + "/health/ready") == 200) {
            client = kafka.clientConfig(env);
            System.out.println("Using the running stack (verifier on :" + verifierPort + ", Kafka " + client.get("bootstrap.servers") + ").");
            String keyFile = env.get(AuditSinkApp.LOG_KEY_FILE_SETTING.name());
            if (Files.exists(keyFile != null ? Path.of(keyFile) : DataDir.audit(env).resolve("log-key.pem"))) {
                logKey = AuditSinkApp.logKey(env, DataDir.audit(env)).verifier();
            }
        } else {
            // under the data directory, not /tmp (which an OS may clear under a running Streams state store); removed at the end
            String ownId = UUID.randomUUID().toString().substring(0, 8);
            Path data = Files.createDirectories(DataDir.root(env).resolve("demo-" + ownId));
            ownData = data;
            if (env.get(IntegrityPolicy.KEYRING_FILE) == null) {
                // the demo's own keyring: worker-7's Ed25519 key, so that version 2 and a rotation can be shown
                governance = Governance.create(data.resolve("keyring.json"));
                env.put(IntegrityPolicy.KEYRING_FILE, governance.file().toString());
            }
            System.out.println("No running stack found on :" + verifierPort + "; starting a self-contained one (embedded Kafka, data in " + data + ")...");
            // its own topics, application id and audit group: never the production ones of a real cluster
            own = new LocalStack(env, kafka.bootstrapServersGiven(env) == null ? null : kafka.clientConfig(env), data, false,
                    ownId);
            client = own.clientConfig;
            topics = own.topics;
            verifierPort = own.verifier.httpPort();
            logKey = own.logKey.verifier();
        }
        try {
            return run(env, topics, client, verifierPort, governance, logKey);
        } finally {
            if (own != null) {
                own.close();
                TempDirs.deleteQuietly(ownData);
            }
        }
    }

    private int run(Map<String, String> env, Topics topics, Map<String, Object> client, int verifierPort, Governance governance,
                    NoteKeys.Verifier logKey) throws Exception {
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(env);
        String run = UUID.randomUUID().toString().substring(0, 6);
        double duplicatesBefore = metric(verifierPort, "sheratan_results_duplicate_total");

        // where the output topics end before anything is sent: outcomes are read from there on
        KafkaConsumer<byte[], byte[]> observer = observer(client, topics);
        Map<String, Case> byCoordinates = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        try (ResultPublisher json = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).policy(policy).nodeId("demo").build();
             ResultPublisher avro = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).policy(policy)
                     .format(WireFormat.AVRO).nodeId("demo").build();
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            String valid = "demo-" + run + "-valid";
            record(byCoordinates, order, json.publish(valid, true, "{\"value\":42,\"note\":\"hello\"}", null).get(30, TimeUnit.SECONDS),
                    new Case("valid", valid, "JSON", "verified"));
            String avroId = "demo-" + run + "-avro";
            record(byCoordinates, order, avro.publish(avroId, true, "{\"value\":7}", null).get(30, TimeUnit.SECONDS),
                    new Case("valid", avroId, "Avro", "verified"));
            String tamperedId = "demo-" + run + "-tampered";
            String signed = new String(EnvelopeWriter.toJson(json.prepare(tamperedId, true, "{\"value\":100}", null).signedBy(Signer.v1(policy))), StandardCharsets.UTF_8);
            record(byCoordinates, order, raw.send(new ProducerRecord<>(topics.submitted(), bytes(tamperedId),
                    bytes(signed.replace("{\"value\":100}", "{\"value\":999}")))).get(30, TimeUnit.SECONDS),
                    new Case("tampered (value changed, old mark)", tamperedId, "JSON", "audit sha_mismatch"));
            String unmarkedId = "demo-" + run + "-unmarked";
            record(byCoordinates, order, raw.send(new ProducerRecord<>(topics.submitted(), bytes(unmarkedId),
                    bytes("{\"job_id\":\"" + unmarkedId + "\",\"ok\":true,\"result\":1}"))).get(30, TimeUnit.SECONDS),
                    new Case("unmarked", unmarkedId, "JSON", policy.required() ? "audit missing_integrity" : "verified"));
            record(byCoordinates, order, json.publish(valid, true, "{ \"note\": \"hello\", \"value\": 42.0 }", null).get(30, TimeUnit.SECONDS),
                    new Case("duplicate (same result, other bytes)", valid, "JSON", "duplicate"));
            record(byCoordinates, order, avro.publish(valid, true, "{\"value\":43}", null).get(30, TimeUnit.SECONDS),
                    new Case("conflicting (same job, other result)", valid, "Avro", "audit conflict"));
            String garbageId = "demo-" + run + "-garbage";
            record(byCoordinates, order, raw.send(new ProducerRecord<>(topics.submitted(), bytes(garbageId),
                    bytes("this is not an envelope"))).get(30, TimeUnit.SECONDS),
                    new Case("unreadable bytes", garbageId, "bytes", "audit malformed"));
            if (governance != null) {
                governanceCases(governance, client, topics, policy, run, verifierPort, raw, byCoordinates, order);
            }
        }

        Map<String, String> observed;
        try (observer) {
            observed = observe(observer, topics, byCoordinates);
        }
        double duplicates = metric(verifierPort, "sheratan_results_duplicate_total") - duplicatesBefore;
        boolean allGood = true;
        System.out.println();
        System.out.printf(Locale.ROOT, "  %-38s %-30s %-6s %-24s %-24s%n", "case", "job_id", "as", "expected", "observed");
        System.out.println("  " + "-".repeat(126));
        for (String coordinates : order) {
            Case c = byCoordinates.get(coordinates);
            String seen = observed.get(coordinates);
            if (seen == null) {
                seen = c.expected().equals("duplicate") && duplicates >= 1 ? "duplicate" : "(nothing yet)";
            }
            boolean ok = seen.equals(c.expected());
            allGood &= ok;
            System.out.printf(Locale.ROOT, "  %-38s %-30s %-6s %-24s %s%n", c.label(), c.jobId(), c.sentAs(), c.expected(),
                    paint(ok, (ok ? "ok  " : "FAIL") + " " + seen));
        }
        System.out.println();
        System.out.println("  verifier metrics (http://127.0.0.1:" + verifierPort + "/metrics):");
        for (String name : List.of("integrity_verified_1m", "integrity_fail_1m", "integrity_missing_1m",
                "sheratan_results_verified_total", "sheratan_results_duplicate_total")) {
            System.out.printf(Locale.ROOT, "    %-36s %.0f%n", name, metric(verifierPort, name));
        }
        System.out.println();
        allGood &= transparency(env, verifierPort, "demo-" + run + "-valid", logKey);
        System.out.println();
        System.out.println(allGood ? paint(true, "every outcome is as expected") : paint(false, "some outcomes differ from what was expected"));
        return allGood ? 0 : 1;
    }

    private static void record(Map<String, Case> byCoordinates, List<String> order, PublishReceipt receipt, Case c) {
        String key = receipt.partition() + "@" + receipt.offset();
        byCoordinates.put(key, c);
        order.add(key);
    }

    private static void record(Map<String, Case> byCoordinates, List<String> order, RecordMetadata meta, Case c) {
        String key = meta.partition() + "@" + meta.offset();
        byCoordinates.put(key, c);
        order.add(key);
    }

    /** A read_committed consumer positioned at the current end of the verified and audit topics. */
    private static KafkaConsumer<byte[], byte[]> observer(Map<String, Object> client, Topics topics) {
        Map<String, Object> config = new HashMap<>(client);
        config.put("isolation.level", "read_committed");
        config.put("enable.auto.commit", false);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.verified(), topics.audit())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.endOffsets(partitions).forEach(consumer::seek); // eager: nothing sent later can fall before it
        return consumer;
    }

    /** worker-7's keys and the demo's keyring file (DESIGN 3c). */
    private record Governance(Path file, KeyPair oldKey, KeyPair newKey) {
        static Governance create(Path file) throws Exception {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            Governance g = new Governance(file, generator.generateKeyPair(), generator.generateKeyPair());
            g.write(g.entry("worker-7/old", g.oldKey, null));
            return g;
        }

        String entry(String keyId, KeyPair pair, Long notAfter) {
            return "{\"key_id\":\"" + keyId + "\",\"alg\":\"ed25519\",\"public_key\":\""
                    + Base64.getEncoder().encodeToString(Ed25519.raw(pair.getPublic())) + "\",\"nodes\":[\"worker-7\"]"
                    + (notAfter == null ? "" : ",\"not_after\":" + notAfter) + "}";
        }

        void write(String... entries) throws Exception {
            Path tmp = file.resolveSibling("keyring.json.tmp");
            Files.writeString(tmp, "{\"keys\":[" + String.join(",", entries) + "]}", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Version 2 and the keyring: an Ed25519 result of worker-7 verified; worker-7's key claiming worker-8
     * ({@code node_mismatch}); a replay of a two-hour-old result ({@code stale}); then a rotation while the
     * stack runs: the new key is added and the old key retired, and the old key is refused from then on.
     */
    private void governanceCases(Governance g, Map<String, Object> client, Topics topics, IntegrityPolicy policy, String run,
                                 int verifierPort, KafkaProducer<byte[], byte[]> raw, Map<String, Case> byCoordinates,
                                 List<String> order) throws Exception {
        Signer oldSigner = Signer.ed25519("worker-7/old", g.oldKey().getPrivate());
        Signer newSigner = Signer.ed25519("worker-7/new", g.newKey().getPrivate());
        try (ResultPublisher worker7 = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).policy(policy)
                .signer(oldSigner).nodeId("worker-7").build();
             ResultPublisher liar = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).policy(policy)
                .signer(oldSigner).nodeId("worker-8").build();
             ResultPublisher replayer = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).policy(policy)
                .signer(oldSigner).nodeId("worker-7").clock(() -> System.currentTimeMillis() - Duration.ofHours(2).toMillis()).build();
             ResultPublisher rotated = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).policy(policy)
                .signer(newSigner).nodeId("worker-7").build()) {
            String v2 = "demo-" + run + "-ed25519";
            record(byCoordinates, order, worker7.publish(v2, true, "{\"value\":1}", null).get(30, TimeUnit.SECONDS),
                    new Case("v2, Ed25519, worker-7's key", v2, "JSON", "verified"));
            String other = "demo-" + run + "-worker8";
            record(byCoordinates, order, liar.publish(other, true, "{\"value\":2}", null).get(30, TimeUnit.SECONDS),
                    new Case("worker-7's key claiming worker-8", other, "JSON", "audit node_mismatch"));
            String stale = "demo-" + run + "-stale";
            record(byCoordinates, order, replayer.publish(stale, true, "{\"value\":3}", null).get(30, TimeUnit.SECONDS),
                    new Case("replay issued 2 h ago", stale, "JSON", "audit stale"));
            // rotate while running: add the new key, retire the old one, wait until the verifier applied it
            long retired = System.currentTimeMillis();
            g.write(g.entry("worker-7/old", g.oldKey(), retired), g.entry("worker-7/new", g.newKey(), null));
            String digest = Marks.sha256Hex(Files.readAllBytes(g.file()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!body("http://127.0.0.1:" + verifierPort + "/health").contains(digest) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.println("Rotated worker-7's key while running (keyring " + digest.substring(0, 12) + "... applied, no restart).");
            String newId = "demo-" + run + "-newkey";
            record(byCoordinates, order, rotated.publish(newId, true, "{\"value\":4}", null).get(30, TimeUnit.SECONDS),
                    new Case("after rotation: the new key", newId, "JSON", "verified"));
            String oldId = "demo-" + run + "-oldkey";
            record(byCoordinates, order, worker7.publish(oldId, true, "{\"value\":5}", null).get(30, TimeUnit.SECONDS),
                    new Case("after rotation: the retired key", oldId, "JSON", "audit key_not_valid"));
        }
    }

    /**
     * The verified result with the inclusion proof of its RESULT_VERIFIED entry, checked as an auditor
     * would: with the log's verifier key alone. Checkpoints follow within a second, so this waits a little.
     */
    /**
     * The witnesses' cosignatures on the checkpoint, when it has any (DESIGN section 9): each named, and the
     * local witness's ({@code up --witness}, its key beside the data) checked with its verifier key.
     */
    private void cosignatures(Map<String, String> env, String note, NoteKeys.Verifier logKey) throws NoteException {
        Note parsed = Note.parse(note);
        List<String> cosigners = parsed.signatures().stream().map(Note.Signature::name).filter(n -> !n.equals(logKey.name())).toList();
        if (cosigners.isEmpty()) {
            System.out.println("    the checkpoint has no witness cosignature (run ./sheratan up --witness to have one)");
            return;
        }
        Path witnessDir = DataDir.root(env).resolve("witness");
        String keyFile = env.get(WitnessApp.KEY_FILE_SETTING.name());
        if (Files.exists(keyFile != null ? Path.of(keyFile) : witnessDir.resolve("witness-key.pem"))) {
            NoteKeys.Verifier witness = WitnessApp.key(env, witnessDir).verifier();
            long time = Cosignature.verify(parsed, witness);
            System.out.printf(Locale.ROOT, "    %s%n", paint(time >= 0, (time >= 0 ? "ok   cosigned by witness " : "FAIL no valid cosignature by witness ")
                    + witness.name() + (time >= 0 ? " at " + java.time.Instant.ofEpochSecond(time) : "")));
            System.out.println("    check it yourself: ./sheratan audit verify-proof <saved JSON> --log-key " + logKey.encoded()
                    + " --witness " + witness.encoded());
        } else {
            System.out.println("    the checkpoint carries cosignature lines of: " + String.join(", ", cosigners));
        }
    }

    private boolean transparency(Map<String, String> env, int verifierPort, String jobId, NoteKeys.Verifier logKey) {
        System.out.println("  audit log (transparency):");
        if (logKey == null) {
            System.out.println("    no log key found beside this stack's data; the proof check is skipped");
            return true;
        }
        String url = "http://127.0.0.1:" + verifierPort + VerifierHttp.path(jobId) + "/proof";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String why = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    JsonNode bundle = new ObjectMapper().readTree(response.body());
                    byte[] entry = bundle.path("entry").asText().getBytes(StandardCharsets.UTF_8);
                    InclusionProof proof = InclusionProof.parse(bundle.path("proof").asText());
                    Checkpoint checkpoint = proof.verify(logKey, entry);
                    JsonNode logged = new ObjectMapper().readTree(entry);
                    boolean same = logged.path("sha256").equals(bundle.path("result").path("sha256"));
                    System.out.printf(Locale.ROOT, "    %s%n", paint(same, (same ? "ok  " : "FAIL") + " GET " + VerifierHttp.path(jobId)
                            + "/proof: its RESULT_VERIFIED entry is in the log at size " + checkpoint.size() + ", checkpoint signed by " + logKey.name()));
                    System.out.println("    check it yourself: ./sheratan audit verify-proof <saved JSON> --log-key " + logKey.encoded());
                    cosignatures(env, proof.checkpointNote(), logKey);
                    return same;
                }
                why = "HTTP " + response.statusCode() + " " + response.body();
                Thread.sleep(300);
            } catch (NoteException e) {
                System.out.println("    " + paint(false, "FAIL the proof does not verify: " + e.getMessage()));
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                why = e.toString();
            }
        }
        System.out.println("    " + paint(false, "FAIL no proof for " + jobId + " within 20 s: " + why));
        return false;
    }

    private String body(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    /** partition@offset of each input record → "verified" or "audit <reason>", read from the output topics. */
    private Map<String, String> observe(KafkaConsumer<byte[], byte[]> consumer, Topics topics, Map<String, Case> expected)
            throws Exception {
        Map<String, String> observed = new HashMap<>();
        long wanted = expected.values().stream().filter(c -> !c.expected().equals("duplicate")).count();
        AvroCodec<VerifiedResult> verifiedCodec = AvroCodec.verifiedResults();
        AvroCodec<AuditEvent> auditCodec = AvroCodec.auditEvents();
        long deadline = System.nanoTime() + timeout.toNanos();
        long settleUntil = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, settleUntil)) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                String coordinates;
                String outcome;
                if (r.topic().equals(topics.verified())) {
                    VerifiedResult v = OutputCodec.read(r.value(), verifiedCodec, VerifiedResult::new);
                    coordinates = v.getSourcePartition() + "@" + v.getSourceOffset();
                    outcome = "verified";
                } else {
                    AuditEvent e = OutputCodec.read(r.value(), auditCodec, AuditEvent::new);
                    if (e.getSourcePartition() == null) {
                        continue; // a service's own event (KEYRING_APPLIED, the gateway's): no input record
                    }
                    coordinates = e.getSourcePartition() + "@" + e.getSourceOffset();
                    outcome = AuditEventType.RESULT_INTEGRITY_MISSING_ACCEPTED.name().equals(e.getEventType()) ? null : "audit " + e.getReason();
                }
                if (outcome != null && expected.containsKey(coordinates)) {
                    observed.put(coordinates, outcome);
                }
            }
            if (observed.size() >= wanted && settleUntil == Long.MAX_VALUE) {
                settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // let a wrong extra outcome show up
            }
        }
        return observed;
    }

    private double metric(int port, String name) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            double total = 0;
            for (String line : response.body().split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return total;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String paint(boolean ok, String text) {
        if (!color) {
            return text;
        }
        return (ok ? "\u001b[32m" : "\u001b[31m") + text + "\u001b[0m";
    }


    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
