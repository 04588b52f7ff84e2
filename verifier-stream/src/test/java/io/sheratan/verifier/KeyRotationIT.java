package io.sheratan.verifier;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.ed25519.Ed25519;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Signer;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import io.sheratan.keys.KeyringWatcher;
import io.sheratan.producer.ResultPublisher;
import io.sheratan.testing.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import io.sheratan.integrity.Marks;

/**
 * Key rotation on a running verifier (DESIGN.md section 3c), by editing the keyring file: a new key
 * is added while results signed with the old one are in flight, then the old key's {@code not_after}
 * is set. Nothing is verified with a key outside its window, nothing is rejected inside it, nothing
 * restarts; each applied keyring is announced once as {@code KEYRING_APPLIED}; a broken edit is
 * refused whole and the keyring in force stays.
 */
class KeyRotationIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();


    private static String entry(String keyId, KeyPair pair, Long notAfter) {
        return "{\"key_id\":\"" + keyId + "\",\"alg\":\"ed25519\",\"public_key\":\"" + Base64.getEncoder().encodeToString(Ed25519.raw(pair.getPublic()))
                + "\",\"nodes\":[\"worker-7\"]" + (notAfter == null ? "" : ",\"not_after\":" + notAfter) + "}";
    }

    private static void write(Path file, String json) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Duration awaitDigest(KeyringWatcher watcher, String digest) throws InterruptedException {
        long start = System.nanoTime();
        while (!watcher.get().digest().equals(digest) && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15)) {
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void shouldRotateAKeyByEditingTheKeyringWhileRecordsAreInFlight(@TempDir Path dir) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        KeyPair oldKey = generator.generateKeyPair();
        KeyPair newKey = generator.generateKeyPair();
        Path file = dir.resolve("keyring.json");
        write(file, "{\"keys\":[" + entry("worker-7/old", oldKey, null) + "]}");
        Map<String, String> env = Map.of(IntegrityPolicy.KEYRING_FILE, file.toString());

        Topics topics = Topics.defaults().withSuffix(".rotation");
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        VerifierConfig config = VerifierConfig.fromEnv(Map.of()).withTopics(topics).withApplicationId("verifier-rotation").withHttpPort(0);
        KeyringWatcher watcher = KeyringWatcher.fromEnv(env, config.policy(), null);
        List<String> expectVerified = new ArrayList<>();
        String rejectedJob = "after-not-after";
        try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), dir.resolve("state"), "127.0.0.1", "127.0.0.1", watcher).start(false);
             ResultPublisher signedOld = publisher(topics, Signer.ed25519("worker-7/old", oldKey.getPrivate()));
             ResultPublisher signedNew = publisher(topics, Signer.ed25519("worker-7/new", newKey.getPrivate()))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                acks.add(signedOld.publish("old-" + i, true, "{\"i\":" + i + "}", null));
                expectVerified.add("old-" + i);
            }
            // 1. add the new key while the old key's results are still being sent and processed
            write(file, "{\"keys\":[" + entry("worker-7/old", oldKey, null) + "," + entry("worker-7/new", newKey, null) + "]}");
            for (int i = 50; i < 100; i++) {
                acks.add(signedOld.publish("old-" + i, true, "{\"i\":" + i + "}", null));
                expectVerified.add("old-" + i);
            }
            Duration applied = awaitDigest(watcher, Marks.sha256Hex(Files.readAllBytes(file)));
            assertThat(applied).as("the new keyring takes effect well within 10 s").isLessThan(Duration.ofSeconds(10));
            for (int i = 0; i < 50; i++) {
                acks.add(signedNew.publish("new-" + i, true, "{\"i\":" + i + "}", null));
                expectVerified.add("new-" + i);
            }
            for (CompletableFuture<?> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
            // 2. retire the old key: records appended from now on are outside its window
            long notAfter = System.currentTimeMillis();
            Thread.sleep(5);
            write(file, "{\"keys\":[" + entry("worker-7/old", oldKey, notAfter) + "," + entry("worker-7/new", newKey, null) + "]}");
            awaitDigest(watcher, Marks.sha256Hex(Files.readAllBytes(file)));
            signedOld.publish(rejectedJob, true, "1", null).get(30, TimeUnit.SECONDS);
            signedNew.publish("new-after", true, "1", null).get(30, TimeUnit.SECONDS);
            expectVerified.add("new-after");
            // 3. a broken edit is refused whole; the keyring in force stays
            String inForce = watcher.get().digest();
            write(file, "{\"keys\":[" + entry("worker-7/new", newKey, null) + "," + entry("worker-7/new", newKey, null) + "]}");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (watcher.reloadFailures() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(watcher.reloadFailures()).isEqualTo(1);
            assertThat(watcher.get().digest()).isEqualTo(inForce);
            signedNew.publish("new-after-broken-edit", true, "1", null).get(30, TimeUnit.SECONDS);
            expectVerified.add("new-after-broken-edit");

            AvroCodec<VerifiedResult> verifiedCodec = AvroCodec.verifiedResults();
            List<String> verified = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.clientConfig(), topics.verified(), expectVerified.size(), r -> true,
                    Duration.ofSeconds(90))) {
                verified.add(verifiedCodec.decode(r.value()).getJobId());
            }
            assertThat(verified).containsExactlyInAnyOrderElementsOf(expectVerified);

            AvroCodec<AuditEvent> auditCodec = AvroCodec.auditEvents();
            Map<String, Integer> events = new HashMap<>();
            List<String> rejectedIds = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.clientConfig(), topics.audit(), 4, r -> true, Duration.ofSeconds(60))) {
                AuditEvent e = auditCodec.decode(r.value());
                events.merge(e.getEventType() + "/" + e.getReason(), 1, Integer::sum);
                if (e.getJobId() != null) {
                    rejectedIds.add(e.getJobId());
                }
            }
            assertThat(events).containsEntry("RESULT_INTEGRITY_FAIL/key_not_valid", 1).containsEntry("KEYRING_APPLIED/keyring_applied", 3)
                    .hasSize(2);
            assertThat(rejectedIds).containsExactly(rejectedJob);
            assertThat(app.registry().scrape()).containsPattern("sheratan_keyring_info\\{digest=\"" + inForce + "\"} 1(\\.0)?\n")
                    .contains("sheratan_keyring_reload_failures_total 1.0");
        }
    }

    private static ResultPublisher publisher(Topics topics, Signer signer) {
        return ResultPublisher.builder().clientConfig(kafka.clientConfig()).topic(topics.submitted()).signer(signer).nodeId("worker-7").build();
    }
}
