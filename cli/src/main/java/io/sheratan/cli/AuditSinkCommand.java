package io.sheratan.cli;

import io.sheratan.audit.AuditSinkApp;
import io.sheratan.http.HttpService;
import io.sheratan.config.EnvParsers;
import io.sheratan.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan audit-sink}: the audit topic into the hash-chained log, as one service. */
@Command(name = "audit-sink",
        header = "The audit sink: the audit topic into the tamper-evident log.",
        mixinStandardHelpOptions = true,
        description = {
            "Consume the audit topic (read_committed) into an append-only, hash-chained, fsynced log.",
            "HTTP on SHERATAN_BIND_ADDRESS:SHERATAN_AUDIT_PORT (127.0.0.1:8790): /metrics, /health. Stops cleanly on SIGTERM / Ctrl-C;",
            "exits 70 if the sink thread dies. Refuses a log that belongs to another cluster or audit topic (identity.json)."
        })
final class AuditSinkCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "log directory (default: $SHERATAN_DATA_DIR/audit)")
    Path dir;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        Path logDir = dir != null ? dir : DataDir.audit(env);
        int port = AuditSinkApp.PORT_SETTING.integer(env, 0, 65535);
        AuditSinkApp app = new AuditSinkApp(kafka.clientConfig(env), Topics.fromEnv(env).audit(), logDir, port,
                HttpService.bindAddress(env), AuditSinkApp.DEFAULT_GROUP_ID, LocalStack::sinkDied).start();
        return Services.runUntilSignal("audit-sink", app,
                () -> System.err.printf("sheratan audit-sink: writing %s, HTTP on :%d%n", logDir, app.httpPort()));
    }
}
