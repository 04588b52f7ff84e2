package io.sheratan.cli;

import io.sheratan.config.EnvParsers;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code sheratan broker}: the embedded Kafka broker alone, as its own process. Used by the fault
 * suite (a broker that can be killed with SIGKILL is a process of its own) and by anyone who wants a
 * local broker for {@code --bootstrap-servers}. With {@code --nodes 3 --node I} it runs one member
 * of a three-node cluster whose other members are started the same way with the same ports.
 */
@Command(name = "broker",
        header = "An embedded Kafka broker as its own process.",
        mixinStandardHelpOptions = true,
        description = {
            "Run the embedded Kafka 4.4 broker (KRaft, combined broker+controller) in this process until SIGTERM / Ctrl-C.",
            "One node on SHERATAN_EMBEDDED_KAFKA_PORT (9092; controller on the next port), data in $SHERATAN_DATA_DIR/kafka;",
            "or one member of a three-node cluster: --nodes 3 --node I --client-ports A,B,C --controller-ports X,Y,Z.",
            "Prints 'broker ready: <bootstrap servers>' on stdout once clients can connect."
        })
final class BrokerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory, kept across restarts (default: $SHERATAN_DATA_DIR/kafka)")
    Path dataDir;

    @Option(names = "--nodes", defaultValue = "1", description = "cluster size, 1 or 3 (default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--node", defaultValue = "0", description = "which node (0-based) this process runs (default: ${DEFAULT-VALUE})")
    int node;

    @Option(names = "--client-ports", split = ",", paramLabel = "PORT", description = "client port of every node, in node order")
    int[] clientPorts;

    @Option(names = "--controller-ports", split = ",", paramLabel = "PORT", description = "controller port of every node, in node order")
    int[] controllerPorts;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = Env.system();
        if (nodes != 1 && nodes != 3) {
            throw new ParameterException(spec.commandLine(), "--nodes must be 1 or 3, was " + nodes);
        }
        if (node < 0 || node >= nodes) {
            throw new ParameterException(spec.commandLine(), "--node must be between 0 and " + (nodes - 1) + ", was " + node);
        }
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder()
                .dataDir(dataDir != null ? dataDir.toAbsolutePath() : DataDir.kafka(env))
                .nodes(nodes)
                .localNodes(Set.of(node));
        if (clientPorts != null || controllerPorts != null) {
            if (clientPorts == null || controllerPorts == null || clientPorts.length != nodes || controllerPorts.length != nodes) {
                throw new ParameterException(spec.commandLine(), "--client-ports and --controller-ports need " + nodes
                        + " ports each, got " + Arrays.toString(clientPorts) + " and " + Arrays.toString(controllerPorts));
            }
            builder.ports(clientPorts, controllerPorts);
        } else if (nodes == 1) {
            builder.port(KafkaOptions.EMBEDDED_PORT_SETTING.integer(env, 1, 65534));
        } else {
            throw new ParameterException(spec.commandLine(), "a three-node member needs --client-ports and --controller-ports");
        }
        EmbeddedKafka broker = builder.build();
        return Services.runUntilSignal("broker", broker, () -> {
            broker.start();
            System.out.println("broker ready: node " + node + " of " + nodes + " on 127.0.0.1:" + broker.clientPort(node)
                    + " (cluster " + broker.bootstrapServers() + ")");
            System.out.flush();
        });
    }
}
