package io.sheratan.cli;

import io.sheratan.verifier.VerifierTopology;
import io.sheratan.http.HttpService;
import io.sheratan.keys.KeyringWatcher;
import io.sheratan.verifier.VerifierApp;
import io.sheratan.verifier.VerifierConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan verifier}: the verifier stream as one service (what a container runs). */
@Command(name = "verifier",
        header = "The verifier stream: verify, dedup and route every result.",
        mixinStandardHelpOptions = true,
        description = {
            "Run the verifier stream: verify, dedup and route every submitted result (exactly-once v2 by default).",
            "HTTP on SHERATAN_BIND_ADDRESS:SHERATAN_VERIFIER_PORT (127.0.0.1:8789): /results/{job_id}, /health/live, /health/ready,",
            "/metrics (bind 0.0.0.0 when other instances forward queries to this one).",
            "Stops cleanly on SIGTERM / Ctrl-C. Local state is kept; --reset wipes it first."
        })
final class VerifierCommand implements Callable<Integer> {

    @Option(names = "--reset", description = "wipe this instance's local state store before starting (KafkaStreams.cleanUp)")
    boolean reset;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Streams state (default: $SHERATAN_DATA_DIR/streams)")
    Path stateDir;

    @Option(names = "--advertised-host", defaultValue = "127.0.0.1",
            description = "host other verifier instances use to reach this one's HTTP port (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--describe", description = "print the topology (sources, processor, store, sinks) and exit")
    boolean describe;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = Env.system();
        VerifierConfig config = VerifierConfig.fromEnv(env);
        if (describe) {
            System.out.println(VerifierTopology.build(config).describe());
            return 0;
        }
        Path state = stateDir != null ? stateDir : DataDir.streams(env);
        Map<String, Object> client = new java.util.HashMap<>(VerifierConfig.streamsSettings(env));
        client.putAll(kafka.serviceClientConfig(env, "verifier"));
        VerifierApp app = new VerifierApp(config, client, state, host, HttpService.bindAddress(env),
                KeyringWatcher.fromEnv(env, config.policy(), null)).start(reset);
        return Services.runUntilSignal("verifier", app, () -> System.err.printf(
                "sheratan verifier: consuming %s, HTTP on :%d (state %s)%n", config.topics().submitted(), app.httpPort(), state));
    }
}
