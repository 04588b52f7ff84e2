package io.sheratan.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code --json FILE} for the benchmarks: the results as JSON, keyed by the commit and the exact command
 * line (what BENCHMARKS.md quotes), and a small PNG plot beside it ({@code FILE} with {@code .png}): the
 * per-round ratios, or latency against rate. A mixin, so each bench gets the option the same way.
 */
public final class BenchOutput {

    @Option(names = "--json", paramLabel = "FILE",
            description = "also write the results as JSON to FILE (with the commit and the command line) and a plot to FILE.png")
    Path json;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandSpec mixee;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Taken when the bench starts (picocli makes the mixin then), so that edits during a long run do not mark it dirty. */
    private final String commitAtStart = commit();
    private final Instant startedAt = Instant.now();

    public boolean wanted() {
        return json != null;
    }

    /** The common head of every report: bench, commit, command line, machine. */
    public ObjectNode report(String bench) {
        ObjectNode root = JSON.createObjectNode();
        root.put("bench", bench);
        root.put("commit", commitAtStart);
        root.put("command", "./sheratan " + String.join(" ", commandLine()));
        root.put("started", startedAt.toString());
        root.put("java", System.getProperty("java.version"));
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        return root;
    }

    /** Writes the JSON and, when given, the chart as a PNG beside it; prints where both went. */
    public void write(ObjectNode report, XYChart chart) {
        try {
            if (json.getParent() != null) {
                Files.createDirectories(json.getParent());
            }
            Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n", StandardCharsets.UTF_8);
            String where = "results in " + json;
            if (chart != null) {
                System.setProperty("java.awt.headless", "true");
                Path png = json.resolveSibling(json.getFileName() + ".png");
                BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
                where += ", plot in " + png;
            }
            System.out.println(where);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json, e);
        }
    }

    /** One series per ratio, one point per round, and each ratio's target as a dashed line. */
    public static XYChart ratioChart(String title, Map<String, double[]> perRound, Map<String, Double> targets) {
        XYChart chart = new XYChartBuilder().width(720).height(420).title(title).xAxisTitle("round").yAxisTitle("ratio").build();
        perRound.forEach((name, values) -> {
            double[] rounds = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                rounds[i] = i + 1;
            }
            chart.addSeries(name, rounds, values).setMarker(SeriesMarkers.CIRCLE);
            Double target = targets.get(name);
            if (target != null && values.length > 0) {
                XYSeries line = chart.addSeries(name + " target", new double[]{1, Math.max(1, values.length)}, new double[]{target, target});
                line.setMarker(SeriesMarkers.NONE);
                line.setLineStyle(new java.awt.BasicStroke(1f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 4f, new float[]{6f, 4f}, 0f));
            }
        });
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        return chart;
    }

    /** Latency percentiles against the offered rate. */
    public static XYChart latencyChart(double[] rates, Map<String, double[]> percentiles, double targetMillis) {
        XYChart chart = new XYChartBuilder().width(720).height(420).title("end-to-end latency against rate")
                .xAxisTitle("results per second").yAxisTitle("latency (ms)").build();
        percentiles.forEach((name, values) -> chart.addSeries(name, rates, values).setMarker(SeriesMarkers.CIRCLE));
        if (rates.length > 0) {
            double lo = java.util.Arrays.stream(rates).min().orElse(0);
            double hi = java.util.Arrays.stream(rates).max().orElse(1);
            chart.addSeries("p99 target", new double[]{lo, hi == lo ? lo + 1 : hi}, new double[]{targetMillis, targetMillis})
                    .setMarker(SeriesMarkers.NONE);
        }
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        return chart;
    }

    /**
     * The launcher's command line as typed: the process's arguments after the main class (picocli's
     * root {@code originalArgs()} repeats the subcommands' names, which wrote "bench latency bench latency").
     */
    private List<String> commandLine() {
        List<String> jvm = ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
        for (int i = 0; i < jvm.size(); i++) {
            if (jvm.get(i).endsWith(".ToolsMain")) {
                return jvm.subList(i + 1, jvm.size());
            }
        }
        return mixee == null ? List.of() : mixee.commandLine().getParseResult().originalArgs();
    }

    /** The commit of the checkout the launcher runs from ({@code SHERATAN_HOME}), with "-dirty" when files differ; null without git. */
    static String commit() {
        String home = System.getenv().getOrDefault("SHERATAN_HOME", ".");
        try {
            Process rev = new ProcessBuilder("git", "-C", home, "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
            String hash = new String(rev.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!rev.waitFor(10, TimeUnit.SECONDS) || rev.exitValue() != 0) {
                return null;
            }
            Process status = new ProcessBuilder("git", "-C", home, "status", "--porcelain", "--untracked-files=no").redirectErrorStream(true).start();
            boolean dirty = !new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
            status.waitFor(10, TimeUnit.SECONDS);
            return dirty ? hash + "-dirty" : hash;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
