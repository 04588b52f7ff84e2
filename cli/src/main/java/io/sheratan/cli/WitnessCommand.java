package io.sheratan.cli;

import io.sheratan.http.HttpService;
import io.sheratan.witness.WitnessApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan witness}: a c2sp.org/tlog-witness for audit logs, as one service. */
@Command(name = "witness",
        header = "A transparency-log witness: cosigns checkpoints that extend the last one it saw.",
        mixinStandardHelpOptions = true,
        description = {
            "Serve C2SP tlog-witness POST /add-checkpoint on SHERATAN_BIND_ADDRESS:SHERATAN_WITNESS_PORT (127.0.0.1:8791) for",
            "the logs in SHERATAN_WITNESS_LOGS (their verifier keys, comma separated; `sheratan audit log-key` prints one).",
            "Each checkpoint is cosigned (cosignature/v1, Ed25519, with the time) only when its log's signature verifies and",
            "the consistency proof shows it extends the last checkpoint this witness cosigned for that origin: a smaller tree,",
            "a fork or an unknown origin is refused (409 names the size it has). Its key (SHERATAN_WITNESS_KEY_FILE, else",
            "witness-key.pem in --dir, generated when missing) and name (SHERATAN_WITNESS_NAME) are its own; the state file",
            "(--dir/state) is fsynced before it answers; a damaged or missing one (while the key exists) stops it rather than",
            "let it forget, unless --new-state says to start over. One process per state file (state.lock).",
            "Also GET /monitor/<hex sha256 of origin>/checkpoint, /health/live, /health/ready, /metrics.",
            "Prints its verifier key at start: give it to the audit sink (SHERATAN_AUDIT_WITNESSES=<key>@http://host:port)",
            "and to auditors (audit verify-proof --witness <key>)."
        })
final class WitnessCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "key and state directory (default: $SHERATAN_DATA_DIR/witness)")
    Path dir;

    @Option(names = "--new-state", description = "start with an empty state although the witness key exists (never by itself: "
            + "a witness that forgot what it cosigned could cosign a fork)")
    boolean newState;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = Env.system();
        Path home = dir != null ? dir.toAbsolutePath() : DataDir.root(env).resolve("witness");
        String bind = HttpService.bindAddress(env);
        WitnessApp witness = new WitnessApp(env, home, bind, WitnessApp.PORT_SETTING.integer(env, 0, 65535), newState).start();
        return Services.runUntilSignal("witness", witness, () -> System.err.printf(
                "sheratan witness: POST http://%s:%d/add-checkpoint (state in %s)%nverifier key of the witness %s: %s%n",
                bind, witness.httpPort(), home, witness.verifier().name(), witness.verifier().encoded()));
    }
}
