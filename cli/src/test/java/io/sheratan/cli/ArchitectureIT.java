package io.sheratan.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module house, guarded: no module reaches into another's {@code internals}; the gateway does
 * not depend on the verifier; product code never uses test support; and the product distribution
 * ({@code cli/target/lib}, what {@code ./sheratan} and the image run) holds neither the harness
 * ({@code tools/}), nor test support, nor the reference JCS library that only {@code bench canon}
 * needs. An integration test because the distribution exists only after {@code package}.
 */
class ArchitectureIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.sheratan\\.[\\w.]+)\\.[\\w*]+;", Pattern.MULTILINE);

    /** module directory -> the packages its main sources declare */
    private static Map<String, List<String>> packagesByModule() throws IOException {
        Map<String, List<String>> packages = new HashMap<>();
        for (Path source : mainSources()) {
            String module = ROOT.relativize(source).getName(0).toString();
            Matcher m = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE).matcher(Files.readString(source, StandardCharsets.UTF_8));
            if (m.find()) {
                packages.computeIfAbsent(module, k -> new ArrayList<>()).add(m.group(1));
            }
        }
        return packages;
    }

    private static List<Path> mainSources() throws IOException {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.filter(d -> Files.isDirectory(d.resolve("src/main/java"))).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
                }
            }
        }
        return sources;
    }

    @Test
    void shouldNotReachIntoAnotherModulesInternals() throws IOException {
        Map<String, List<String>> packages = packagesByModule();
        List<String> violations = new ArrayList<>();
        for (Path source : mainSources()) {
            String module = ROOT.relativize(source).getName(0).toString();
            Matcher m = IMPORT.matcher(Files.readString(source, StandardCharsets.UTF_8));
            while (m.find()) {
                String imported = m.group(1);
                if (imported.contains(".internals") && !packages.getOrDefault(module, List.of()).contains(imported)) {
                    violations.add(ROOT.relativize(source) + " imports " + imported);
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void shouldKeepTheGatewayIndependentOfTheVerifier() throws IOException {
        assertThat(Files.readString(ROOT.resolve("gateway/pom.xml"), StandardCharsets.UTF_8)).doesNotContain("sheratan-verifier-stream");
        for (Path source : mainSources()) {
            if (ROOT.relativize(source).startsWith("gateway")) {
                assertThat(Files.readString(source, StandardCharsets.UTF_8)).as(source.toString()).doesNotContain("import io.sheratan.verifier");
            }
        }
    }

    @Test
    void shouldNeverUseTestSupportFromProductCode() throws IOException {
        for (Path source : mainSources()) {
            String module = ROOT.relativize(source).getName(0).toString();
            if (!module.equals("test-support")) {
                assertThat(Files.readString(source, StandardCharsets.UTF_8)).as(source.toString()).doesNotContain("import io.sheratan.testing");
            }
        }
    }

    @Test
    void shouldShipNoHarnessInTheProductDistribution() throws IOException {
        Path lib = ROOT.resolve("cli/target/lib");
        assertThat(lib).isDirectory();
        List<String> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.map(f -> f.getFileName().toString()).toList();
        }
        assertThat(jars).anyMatch(j -> j.startsWith("sheratan-verifier-stream")); // the check looks at the right place
        assertThat(jars).noneMatch(j -> j.startsWith("sheratan-tools") || j.startsWith("sheratan-test-support")
                || j.startsWith("java-json-canonicalization") || j.startsWith("junit") || j.startsWith("assertj"));
    }
}
