package io.sheratan.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sheratan.integrity.Reason;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The business metrics of DESIGN.md section 8: counters {@code sheratan_results_verified_total},
 * {@code sheratan_results_rejected_total{reason}}, {@code sheratan_results_duplicate_total}, and the
 * hub's rolling one-minute gauges {@code integrity_verified_1m}, {@code integrity_fail_1m},
 * {@code integrity_missing_1m}, kept as 60 one-second buckets so that reading them costs nothing
 * on the processing path.
 */
public final class ResultMetrics {
    // shared by the verifier and the gateway, which judge results by the same rule and report them alike

    private final Counter verified;
    private final Counter duplicates;
    private final Counter quarantined;
    private final Map<Reason, Counter> rejected = new EnumMap<>(Reason.class);
    private final RollingMinute verified1m;
    private final RollingMinute fail1m;
    private final RollingMinute missing1m;

    public ResultMetrics(MeterRegistry registry) {
        this(registry, System::currentTimeMillis);
    }

    public ResultMetrics(MeterRegistry registry, LongSupplier clock) {
        verified = Counter.builder("sheratan_results_verified_total").description("results verified and forwarded").register(registry);
        duplicates = Counter.builder("sheratan_results_duplicate_total").description("identical resubmissions dropped").register(registry);
        quarantined = Counter.builder("sheratan_results_quarantined_total")
                .description("records that stopped the stream thread repeatedly, rejected as malformed without being read again")
                .register(registry);
        for (Reason reason : Reason.values()) {
            if (reason != Reason.DUPLICATE) {
                rejected.put(reason, Counter.builder("sheratan_results_rejected_total").tag("reason", reason.code())
                        .description("results rejected to the audit topic").register(registry));
            }
        }
        verified1m = new RollingMinute(clock);
        fail1m = new RollingMinute(clock);
        missing1m = new RollingMinute(clock);
        Gauge.builder("integrity_verified_1m", verified1m, RollingMinute::sum).register(registry);
        Gauge.builder("integrity_fail_1m", fail1m, RollingMinute::sum).register(registry);
        Gauge.builder("integrity_missing_1m", missing1m, RollingMinute::sum).register(registry);
    }

    public void verified(boolean unmarked) {
        verified.increment();
        verified1m.add();
        if (unmarked) {
            missing1m.add();
        }
    }

    public void quarantined() {
        quarantined.increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public void rejected(Reason reason) {
        rejected.get(reason).increment();
        if (reason == Reason.MISSING_INTEGRITY) {
            missing1m.add();
        }
        if (reason != Reason.CONFLICT) {
            fail1m.add();
        }
    }

    /** Events in the last 60 seconds, in one-second buckets. */
    static final class RollingMinute {
        private final LongSupplier clock;
        private final AtomicLongArray counts = new AtomicLongArray(60);
        private final AtomicLongArray seconds = new AtomicLongArray(60);

        RollingMinute(LongSupplier clock) {
            this.clock = clock;
        }

        void add() {
            long second = clock.getAsLong() / 1000;
            int slot = (int) (second % 60);
            if (seconds.get(slot) != second) {
                seconds.set(slot, second);
                counts.set(slot, 0);
            }
            counts.incrementAndGet(slot);
        }

        double sum() {
            long now = clock.getAsLong() / 1000;
            long total = 0;
            for (int i = 0; i < 60; i++) {
                if (now - seconds.get(i) < 60) {
                    total += counts.get(i);
                }
            }
            return total;
        }
    }
}
