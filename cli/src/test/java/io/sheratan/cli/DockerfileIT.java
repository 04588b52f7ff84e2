package io.sheratan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile without Docker (there is no engine on the build machine): its pom layer names every
 * module's pom (a module left out would make the dependency layer miss its dependencies), and its
 * ENTRYPOINT, run by sh as the image runs it (with the image's paths pointed at this build), passes
 * SHERATAN_JAVA_OPTS to the JVM as separate options and the command's arguments to the CLI.
 */
class DockerfileIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void shouldCopyEveryModulesPomIntoTheDependencyLayer() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        List<String> modules;
        try (Stream<Path> dirs = Files.list(ROOT)) {
            modules = dirs.filter(d -> Files.isRegularFile(d.resolve("pom.xml"))).map(d -> d.getFileName().toString()).sorted().toList();
        }
        assertThat(modules).contains("cli", "witness", "verifier-stream");
        for (String module : modules) {
            assertThat(dockerfile).as("the pom layer copies " + module + "/pom.xml").contains("COPY " + module + "/pom.xml " + module + "/");
        }
    }

    @Test
    void shouldPassTheJavaOptionsAndTheArgumentsThroughItsEntrypoint() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String line = dockerfile.lines().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
        JsonNode entrypoint = new ObjectMapper().readTree(line.substring("ENTRYPOINT ".length()));
        List<String> command = new ArrayList<>();
        entrypoint.forEach(n -> command.add(n.asText()));
        assertThat(command.get(0)).isEqualTo("sh");
        // the image's /app, here: this build's jar and libraries
        Path target = ROOT.resolve("cli/target");
        command.set(2, command.get(2).replace("/app/sheratan-cli.jar", target.resolve("sheratan-cli.jar").toString())
                .replace("/app/lib/*", target.resolve("lib") + "/*"));
        command.add("config");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("SHERATAN_JAVA_OPTS", "-Xmx96m -Dsheratan.probe=yes");
        builder.environment().put("SHERATAN_PIPELINE_ID", "from-the-entrypoint");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("from-the-entrypoint"); // the argument reached the CLI ('config' printed the settings)

        // the options reached the JVM: a JVM with -Xmx96m reports it through JAVA_TOOL_OPTIONS-free means
        command.set(command.size() - 1, "--version");
        ProcessBuilder probe = new ProcessBuilder(command);
        probe.environment().put("SHERATAN_JAVA_OPTS", "-XX:+PrintCommandLineFlags -Xmx96m");
        probe.redirectErrorStream(true);
        Process flags = probe.start();
        String printed = new String(flags.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(flags.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(printed).contains("-XX:MaxHeapSize=100663296");
    }
}
