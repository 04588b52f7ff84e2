package io.sheratan.tools.bench;

import java.util.function.IntSupplier;
import java.lang.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** Medians of repeated measurements: machines here are noisy, so benchmarks report medians and ratios. */
public final class Stats {

    private Stats() {
    }

    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Thread CPU nanoseconds per call of {@code call}, over one round of at least {@code millis} of
     * CPU (and at least one call). The sum of the results is kept observable so the JIT cannot drop the work.
     */
    public static double cpuNanosPerCall(int millis, IntSupplier call) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        long budget = millis * 1_000_000L;
        long done = 0;
        int sink = 0;
        while (threads.getCurrentThreadCpuTime() - start < budget || done == 0) {
            sink += call.getAsInt();
            done++;
        }
        if (sink == 42) {
            System.err.print("");
        }
        return (double) (threads.getCurrentThreadCpuTime() - start) / done;
    }
}
