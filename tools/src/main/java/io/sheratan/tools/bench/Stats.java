package io.sheratan.tools.bench;

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
}
