package io.sheratan.cli;

import io.sheratan.audit.AuditSinkApp;
import io.sheratan.http.HttpService;
import io.sheratan.config.EnvParsers;
import io.sheratan.kafka.Topics;
import io.sheratan.tlog.NoteKeys;
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
            "Consume the audit and verified topics (read_committed) into an append-only, hash-chained, fsynced log that is",
            "also a Merkle tree (C2SP tlog-tiles under tlog/), signed as a checkpoint at most once a second with the log key",
            "(SHERATAN_AUDIT_LOG_KEY_FILE, generated under the log directory when unset; its verifier key is printed at start).",
            "HTTP on SHERATAN_BIND_ADDRESS:SHERATAN_AUDIT_PORT (127.0.0.1:8790): /metrics, /health/live, /health/ready, /audit/checkpoint,",
            "/audit/proof?index=N|event_id=E|job_id=J, /audit/consistency?old=M&new=N, /audit/tlog/... Stops cleanly on SIGTERM / Ctrl-C;",
            "exits 70 if the sink thread dies. Refuses a log that belongs to another cluster or audit topic (identity.json).",
            "One writer per log: refuses to start while another sink writes the same directory (writer.lock) or reads the",
            "topics in its group (SHERATAN_AUDIT_GROUP_ID), or when the group's offsets were committed by another log; a sink",
            "that loses the group stops writing at once. Pauses reading while its disk has less than SHERATAN_AUDIT_MIN_FREE_BYTES free."
        })
final class AuditSinkCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "log directory (default: $SHERATAN_DATA_DIR/audit)")
    Path dir;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = Env.system();
        Path logDir = dir != null ? dir : DataDir.audit(env);
        int port = AuditSinkApp.PORT_SETTING.integer(env, 0, 65535);
        NoteKeys.Signer logKey = AuditSinkApp.logKey(env, logDir);
        AuditSinkApp app = new AuditSinkApp(kafka.serviceClientConfig(env, "audit-sink"), Topics.fromEnv(env), logDir, port,
                HttpService.bindAddress(env), AuditSinkApp.GROUP_ID_SETTING.text(env), logKey, LocalStack::sinkDied, env, null).start();
        return Services.runUntilSignal("audit-sink", app,
                () -> System.err.printf("sheratan audit-sink: writing %s, HTTP on :%d%nverifier key of the log: %s%n",
                        logDir, app.httpPort(), logKey.verifier().encoded()));
    }
}
