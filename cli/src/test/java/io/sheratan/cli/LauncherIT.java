package io.sheratan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher under POSIX {@code sh} (dash on Debian), with stand-ins for {@code stat} and {@code mv}
 * that refuse the GNU options ({@code stat -c}, {@code mv -T}) as macOS and BSD do: it still runs a
 * command, makes its snapshot of the build, and prunes snapshots unused for more than two days.
 */
class LauncherIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void shouldRunUnderShWithoutGnuToolsAndPruneOldSnapshots(@TempDir Path bin) throws Exception {
        standIn(bin, "stat", "case \"$*\" in *-c*) echo 'stat: illegal option -- c' >&2; exit 1;; esac; exec /usr/bin/stat \"$@\"");
        standIn(bin, "mv", "case \"$1\" in -T) echo 'mv: illegal option -- T' >&2; exit 64;; esac; exec /bin/mv \"$@\"");
        Path run = ROOT.resolve("cli/target/run");
        Path old = run.resolve("1234-5678");
        Files.createDirectories(old.resolve("lib"));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(3, ChronoUnit.DAYS)));
        Path recent = run.resolve("8765-4321");
        Files.createDirectories(recent);

        String output = launch(bin);
        assertThat(output).contains("sheratan").doesNotContain("illegal option");

        try (var snapshots = Files.list(run)) {
            List<Path> left = snapshots.toList();
            assertThat(left).as("the old snapshot is pruned, the recent one kept").doesNotContain(old).contains(recent);
            assertThat(left).as("the current snapshot holds the build")
                    .anySatisfy(p -> assertThat(p.resolve("sheratan.jar")).exists());
            assertThat(left).noneMatch(p -> p.getFileName().toString().startsWith(".tmp"));
        }
        deleteRecursively(recent);
    }

    /** A module rebuilt alone changes a jar under lib/ but not the CLI jar: the launcher must not run an old snapshot of it. */
    @Test
    void shouldMakeANewSnapshotWhenOnlyALibraryJarChanged(@TempDir Path bin) throws Exception {
        Path run = ROOT.resolve("cli/target/run");
        launch(bin);
        List<Path> before;
        try (var snapshots = Files.list(run)) {
            before = snapshots.filter(p -> Files.exists(p.resolve("sheratan.jar"))).toList();
        }
        // a changed file under lib/ (a stand-in for a rebuilt module's jar: not a jar, so the JVM never opens it)
        Path changed = ROOT.resolve("cli/target/lib/zz-launcher-it.txt");
        try {
            Files.writeString(changed, "changed at " + System.nanoTime()); // new content each run: a snapshot of its own
            launch(bin);
            try (var snapshots = Files.list(run)) {
                assertThat(snapshots.filter(p -> Files.exists(p.resolve("sheratan.jar"))).toList())
                        .as("a snapshot of the changed lib/").hasSizeGreaterThan(before.size());
            }
        } finally {
            Files.deleteIfExists(changed);
            try (var snapshots = Files.list(run)) {
                for (Path made : snapshots.filter(p -> !before.contains(p) && Files.exists(p.resolve("lib/zz-launcher-it.txt"))).toList()) {
                    deleteRecursively(made); // the test's own snapshot: 100 MB each
                }
            }
        }
    }

    /** A build that fails is not "Kafka unreachable" (3): the launcher exits 4, its own code, and says so. */
    @Test
    void shouldExitWithItsOwnCodeWhenTheBuildFails(@TempDir Path copy) throws Exception {
        // a checkout with no distribution built yet, and a Maven that fails
        Files.copy(ROOT.resolve("sheratan"), copy.resolve("sheratan"));
        Files.writeString(copy.resolve("pom.xml"), "<project/>");
        Path bin = Files.createDirectories(copy.resolve("bin"));
        standIn(bin, "mvn", "echo '[ERROR] a compilation error' >&2; exit 1");
        ProcessBuilder builder = new ProcessBuilder("sh", copy.resolve("sheratan").toString(), "--version").directory(copy.toFile());
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().remove("SHERATAN_NO_BUILD");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isEqualTo(4);
        assertThat(output).contains("build failed");
    }

    /** Runs {@code sh sheratan --version} with {@code bin} (stand-ins, if any) first on the PATH; returns what it printed. */
    private static String launch(Path bin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("sh", ROOT.resolve("sheratan").toString(), "--version").directory(bin.toFile());
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().put("SHERATAN_NO_BUILD", "1");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static void standIn(Path bin, String name, String body) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
