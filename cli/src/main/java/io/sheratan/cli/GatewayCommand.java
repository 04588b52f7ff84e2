package io.sheratan.cli;

import io.sheratan.gateway.Gateway;
import io.sheratan.gateway.GatewayConfig;
import io.sheratan.http.HttpService;
import io.sheratan.keys.KeyringWatcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan gateway}: the hub's HTTP submit endpoint as one service. */
@Command(name = "gateway",
        header = "The HTTP submit gateway of the hub.",
        mixinStandardHelpOptions = true,
        description = {
            "Serve POST /mesh/results/submit on SHERATAN_BIND_ADDRESS:SHERATAN_GATEWAY_PORT (127.0.0.1:8788) with",
            "X-Sheratan-Token = SHERATAN_HUB_TOKEN. Sheds load with 429 + Retry-After beyond SHERATAN_GATEWAY_MAX_IN_FLIGHT.",
            "Verifies synchronously (400/422 at once, audited), publishes accepted results, answers after Kafka acks.",
            "Refuses to start without a token unless --open is given. Also /metrics and /health."
        })
final class GatewayCommand implements Callable<Integer> {

    @Option(names = "--open", description = "accept submissions without a token (explicitly; never the default)")
    boolean open;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = Env.system();
        GatewayConfig config = GatewayConfig.fromEnv(env, open);
        String bind = HttpService.bindAddress(env);
        Gateway gateway = new Gateway(config, kafka.serviceClientConfig(env, "gateway"), bind,
                KeyringWatcher.fromEnv(env, config.policy(), config.token())).start();
        return Services.runUntilSignal("gateway", gateway, () -> System.err.printf("sheratan gateway: POST http://%s:%d%s%s%n"
                        + "sheratan gateway: Ed25519 signatures checked by %s%n",
                bind, gateway.port(), Gateway.PATH, config.token() == null ? " (OPEN: no token required)" : "",
                io.sheratan.ed25519.Ed25519.backendDescription()));
    }
}
